"""Run the quality gate: one GX validation per feed, results broken down per delivered batch.

Design (numbers measured on these 2-core machines, see benchmarks/gate_bench.py and the report
in the PR): GX costs ~15–20 ms fixed per validation plus ~6 ms per expectation on a tiny table
(Python work: metric graph, rendering of results), i.e. ~0.2 s for a 30-expectation suite. A
delivery at scale 1 is 1,000–2,500 files, so a validation per file would spend minutes in GX
overhead alone. Instead each feed is validated **once per run** over all its loaded batches (SQL
pushed into DuckDB), and only expectations that found unexpected rows get a second, grouped query
(``group by _batch_id``) that attributes them to files and lines. A clean run therefore costs one
validation per feed and nothing more; per-batch pages are rendered from these numbers
(:mod:`expectations.docs`).

The warehouse is opened **read-only** through one persisted connection and disposed in a
``finally``; :func:`expectations.quality.write_delivery_quality` writes the delivery quality table
afterwards in a short separate step on the caller's writable connection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import time
import uuid
from pathlib import Path

from expectations import scope as scope_plan
from expectations.checks import CRITICAL, Check, SuiteParams
from expectations.results import BatchFinding, BatchInfo, BatchVerdict, CheckOutcome, FeedResult, GateResult
from expectations.suites import TZ, build_suite, checks_for, suite_fingerprint, suite_name, today
from ingest.specs import FEEDS
from warehouse.sql import ident

logger = logging.getLogger(__name__)

BATCH_ID_RE = re.compile(r"^[0-9a-f]{16}$")
SAMPLE_LINES = 10
SAMPLE_VALUES = 5

# result keys that may carry values; removed from every sensitive check's stored result
VALUE_KEYS = (
    "partial_unexpected_list",
    "partial_unexpected_index_list",
    "partial_unexpected_counts",
    "unexpected_list",
    "unexpected_index_list",
    "unexpected_index_query",
    "details",
    "observed_value_list",
)


def site_index(output_dir: Path) -> Path:
    """Where the quality site's start page is (for run summaries; no GX import)."""
    return Path(output_dir) / "quality" / "index.html"


# ------------------------------------------------------------------------------ helpers


def _scope_sql(feed: str, batch_ids: tuple[str, ...] | None) -> str:
    sql = f"select * from raw.{ident(feed)}"
    if batch_ids is not None:
        ids = ", ".join(f"'{b}'" for b in batch_ids) or "null"
        sql += f" where _batch_id in ({ids})"
    return sql


def _substitute_batch(query: str, scope: str) -> str:
    """``{batch}`` exactly as GX substitutes it for a query asset (see QueryMetricProvider)."""
    from great_expectations.expectations.metrics.query_metric_provider import _query_has_join_clause

    batch = f"({scope})" if _query_has_join_clause(query) else f"({scope}) AS subselect"
    return query.format(batch=batch)


def breakdown_sql(check: Check, scope: str) -> str:
    """Per-batch unexpected rows of ``check``: (_batch_id, n, lines, samples)."""
    sample = (
        f"list_slice(list(distinct cast({ident(check.sample_column)} as varchar)), 1, {SAMPLE_VALUES})"
        if check.sample_column and not check.sensitive
        else "cast([] as varchar[])"
    )
    lines = f"list_slice(list_filter(list(_line order by _line), lambda x: x is not null), 1, {SAMPLE_LINES})"
    if check.kind == "map":
        source = f"select * from ({scope}) as subselect where {check.predicate}"
    else:
        source = _substitute_batch(check.gx_kwargs["unexpected_rows_query"], scope)
    return (
        f"select _batch_id, count(*) as n, {lines} as lines, {sample} as samples "
        f"from ({source}) as u group by _batch_id order by _batch_id"
    )


def _exception_message(result) -> str | None:
    info = result.exception_info or {}
    candidates = [info] + [v for v in info.values() if isinstance(v, dict)]
    for c in candidates:
        if c.get("raised_exception"):
            msg = str(c.get("exception_message") or "exception").strip().splitlines()
            return (msg[0] if msg else "exception")[:300]
    return None


def scrub(result, checks_by_id: dict[str, Check]):
    """Drop every value list from results of sensitive checks (defence in depth: their SQL never
    selects a sensitive column) and unexpected-row details of every rows check."""
    for r in result.results:
        meta = r.expectation_config.meta or {}
        check = checks_by_id.get(meta.get("check_id"))
        sensitive = bool(meta.get("sensitive")) or (check is not None and check.sensitive)
        res = r.result or {}
        if sensitive or r.expectation_config.type == "unexpected_rows_expectation":
            for key in VALUE_KEYS:
                res.pop(key, None)
    return result


def _fetch(engine, sql: str, **params) -> list:
    import sqlalchemy as sa

    stmt = sa.text(sql)
    if params:
        stmt = stmt.bindparams(**params)
    return list(engine.execute_query(stmt).fetchall())


def _table_exists(engine, schema: str, table: str) -> bool:
    return bool(
        _fetch(
            engine,
            "select 1 from information_schema.tables where table_schema = :s and table_name = :t",
            s=schema,
            t=table,
        )
    )


def _refused(engine, feed: str | None) -> list[dict]:
    """Refused files (loader reasons name lines, columns and headers, never cell values)."""
    cond = "feed is null" if feed is None else "feed = :feed"
    params = {} if feed is None else {"feed": feed}
    rows = _fetch(
        engine,
        f"""
        select file, message, error_line, error_column, cast(loaded_at as varchar)
        from raw.load_manifest where status = 'refused' and {cond} order by file""",
        **params,
    )
    return [dict(zip(("file", "message", "error_line", "error_column", "seen_at"), r, strict=True)) for r in rows]


def _batches(engine, feed: str, params: SuiteParams, has_manifest: bool) -> dict[str, BatchInfo]:
    out: dict[str, BatchInfo] = {}
    if has_manifest:
        rows = _fetch(
            engine,
            f"""
            select batch_id, file, sha256, sender, period, seq, rows_read, rows_loaded,
                   rows_quarantined, cast(loaded_at as varchar)
            from raw.load_manifest m where {params.manifest_scope(feed)} order by period, file""",
        )
        names = (
            "batch_id",
            "file",
            "sha256",
            "sender",
            "period",
            "seq",
            "rows_read",
            "rows_loaded",
            "rows_quarantined",
            "loaded_at",
        )
        for r in rows:
            out[r[0]] = BatchInfo(**dict(zip(names, r, strict=True)))
    return out


# ------------------------------------------------------------------------------ the gate


def _carried_verdicts(engine, feed: str, carried: dict[str, dict], crit_n: int, warn_n: int) -> list[BatchVerdict]:
    """The deliveries this run left out, with the pass of their earlier validation."""
    if not carried:
        return []
    params = SuiteParams(today=today(), batch_ids=tuple(sorted(carried)))
    out = []
    for info in _batches(engine, feed, params, True).values():
        p = carried[info.batch_id]
        info.rows_in_raw = int(info.rows_loaded or 0)
        out.append(
            BatchVerdict(
                info=info,
                critical_evaluated=int(p["critical_evaluated"] or crit_n),
                warning_evaluated=int(p["warning_evaluated"] or warn_n),
                page=p["docs_page"],
                validated_by=p["gate_run_id"],
                validated_at=p["validated_at"].isoformat(timespec="seconds") if p["validated_at"] else None,
            )
        )
    return out


def validate_feed(
    context,
    datasource,
    feed: str,
    params: SuiteParams,
    *,
    run_id,
    run_time,
    has_manifest: bool,
    plan: scope_plan.Plan | None = None,
) -> tuple[FeedResult, object | None, list[Check]]:
    """Validate one feed; returns our result, the (scrubbed) GX validation result and the checks.

    With a ``plan`` (expectations.scope) only its deliveries are validated; the others are listed
    with their earlier verdict."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    t0 = time.perf_counter()
    spec = FEEDS[feed]
    if plan is not None:
        params = dataclasses.replace(params, batch_ids=plan.batch_ids)
    checks = checks_for(feed, params)
    fr = FeedResult(
        feed=feed,
        label_zh=spec.label_zh,
        suite=suite_name(feed),
        fingerprint=suite_fingerprint(feed),
        run_id=run_id,
        validated_at=run_time.isoformat(timespec="seconds"),
    )
    if plan is not None:
        fr.scope_note = plan.reason
        fr.inputs_seen = plan.seen
    engine = datasource.get_execution_engine()
    if not _table_exists(engine, "raw", feed):
        fr.status = "no_deliveries"
        fr.seconds = time.perf_counter() - t0
        return fr, None, checks
    crit_n = sum(1 for c in checks if c.severity == CRITICAL)
    warn_n = len(checks) - crit_n
    carried = _carried_verdicts(engine, feed, plan.carried if plan else {}, crit_n, warn_n)
    scope = _scope_sql(feed, params.batch_ids)
    batches = _batches(engine, feed, params, has_manifest) if params.batch_ids != () else {}
    if params.batch_ids != ():
        for batch_id, n in _fetch(engine, f"select _batch_id, count(*) from ({scope}) s group by 1"):
            batches.setdefault(batch_id, BatchInfo(batch_id=batch_id)).rows_in_raw = int(n)
    fr.rows = sum(b.rows_in_raw for b in batches.values())
    fr.validated_batches = len(batches)
    fr.carried_batches = len(carried)
    if not batches and not carried:
        fr.status = "no_deliveries"
        fr.seconds = time.perf_counter() - t0
        return fr, None, checks
    if not batches:
        # every delivery keeps its earlier pass: each check passed on each of them
        fr.outcomes = [CheckOutcome.for_check(c, success=True) for c in checks]
        fr.batches = sorted(carried, key=lambda v: (v.info.period or "", v.info.file or v.info.batch_id))
        fr.rows = sum(v.info.rows_in_raw for v in carried)
        fr.seconds = time.perf_counter() - t0
        return fr, None, checks
    rows_validated = fr.rows

    by_id = {c.id: c for c in checks}
    gx_result = None
    try:
        suite = context.suites.add(build_suite(feed, checks))
        asset = datasource.add_query_asset(name=feed, query=scope)
        bd = asset.add_batch_definition_whole_table("all")
        vd = context.validation_definitions.add(gx.ValidationDefinition(name=feed, data=bd, suite=suite))
        t1 = time.perf_counter()
        gx_result = vd.run(result_format="SUMMARY", run_id=RunIdentifier(run_name=run_id, run_time=run_time))
        fr.gx_seconds = time.perf_counter() - t1
    except Exception as e:  # noqa: BLE001 - the gate reports, the check decides
        logger.exception("GX validation of %s failed", feed)
        fr.status = "error"
        fr.error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]

    results_by_id = {}
    if gx_result is not None:
        for r in gx_result.results:
            results_by_id[(r.expectation_config.meta or {}).get("check_id")] = r

    t2 = time.perf_counter()
    for c in checks:
        r = results_by_id.get(c.id)
        o = CheckOutcome.for_check(c)
        if r is None:
            o.error = fr.error or "no result returned by GX"
        else:
            o.error = _exception_message(r)
            res = r.result or {}
            o.success = bool(r.success) and not o.error
            if c.kind == "map":
                o.unexpected = int(res.get("unexpected_count") or 0)
                o.element_count = res.get("element_count")
            elif c.kind == "rows":
                o.unexpected = int(res.get("observed_value") or 0) if not o.error else 0
                # delivery-level checks count quarantined rows / unusual deliveries, not raw rows
                o.element_count = rows_validated if c.category not in ("delivery", "volume", "schema") else None
            else:  # table expectation
                o.unexpected = 0 if o.success else 1
                mism = (res.get("details") or {}).get("mismatched") or {}
                if mism:
                    o.detail = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in mism.items() if v)
        fr.outcomes.append(o)
        if o.error or (o.attribution == "table" and not o.success):
            if c.kind == "rows" and not o.error:
                # table-level rows check (column types): show what the query found
                try:
                    found = _fetch(engine, _substitute_batch(c.gx_kwargs["unexpected_rows_query"], scope) + " limit 20")
                    o.detail = "; ".join(" ".join(str(x) for x in row) for row in found)
                except Exception as e:  # noqa: BLE001
                    o.detail = f"details unavailable ({type(e).__name__})"
            o.batches = [BatchFinding(b, max(o.unexpected, 1)) for b in batches]
            continue
        if o.unexpected > 0:
            try:
                found = _fetch(engine, breakdown_sql(c, scope))
            except Exception as e:  # noqa: BLE001
                o.consistency_error = f"per-delivery breakdown failed: {type(e).__name__}: {e}"[:300]
                o.batches = [BatchFinding(b, 0) for b in batches]
                continue
            o.batches = [
                BatchFinding(str(bid), int(n), [int(x) for x in (lines or [])], [str(x) for x in (samples or [])])
                for bid, n, lines, samples in found
            ]
            total = sum(b.unexpected for b in o.batches)
            if total != o.unexpected:
                o.consistency_error = f"GX counted {o.unexpected} unexpected rows, the per-delivery breakdown {total}"
                logger.warning("%s: %s", c.id, o.consistency_error)
            for b in o.batches:
                batches.setdefault(b.batch_id, BatchInfo(batch_id=b.batch_id))
    fr.breakdown_seconds = time.perf_counter() - t2

    # per-batch verdicts
    verdicts = {
        bid: BatchVerdict(info=info, critical_evaluated=crit_n, warning_evaluated=warn_n)
        for bid, info in batches.items()
    }
    for o in fr.outcomes:
        for b in o.batches:
            if b.unexpected <= 0 and not o.error:
                continue
            v = verdicts[b.batch_id]
            if o.severity == CRITICAL:
                v.critical_failed += 1
                v.unexpected_critical += b.unexpected
            else:
                v.warning_failed += 1
                v.unexpected_warning += b.unexpected
            v.failed_checks.append({"check_id": o.check_id, "severity": o.severity, "unexpected": b.unexpected})
    fr.batches = sorted(
        [*verdicts.values(), *carried], key=lambda v: (v.info.period or "", v.info.file or v.info.batch_id)
    )
    fr.rows = rows_validated + sum(v.info.rows_in_raw for v in carried)
    if gx_result is not None:
        scrub(gx_result, by_id)
    fr.seconds = time.perf_counter() - t0
    return fr, gx_result, checks


def run_gate(
    warehouse: Path,
    output_dir: Path,
    feeds: list[str] | None = None,
    batch_ids: list[str] | None = None,
    *,
    run_id: str | None = None,
    today_: dt.date | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    build_docs: bool = True,
    incremental: bool = True,
) -> GateResult:
    """Validate ``feeds`` (default: all) of ``warehouse`` and rebuild the Data Docs.

    ``batch_ids`` restricts the validation to those loaded batches. Without them, each feed's run
    validates what :mod:`expectations.scope` says may have changed since the verdicts recorded in
    ``quality.delivery_quality`` — new deliveries, those with findings (a batch that failed keeps
    blocking until it is corrected), and those a change elsewhere can reach — and keeps the other
    deliveries' earlier pass; ``incremental=False`` validates every loaded batch. The site is
    ``<output_dir>/quality/``; per-feed results are kept in ``quality/results/`` so a run over
    some feeds leaves the others' latest results on the site.
    """
    import great_expectations as gx

    from expectations import duckdb_compat

    t0 = time.perf_counter()
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} does not exist: load deliveries first (python -m ingest.load)")
    names = list(feeds) if feeds is not None else list(FEEDS)
    unknown = [f for f in names if f not in FEEDS]
    if unknown:
        raise ValueError(f"unknown feed(s) {unknown}; feeds are {list(FEEDS)}")
    ids = None
    if batch_ids is not None:
        bad = [b for b in batch_ids if not BATCH_ID_RE.match(b)]
        if bad:
            raise ValueError(f"batch ids must be 16 hex characters (raw.load_manifest.batch_id): {bad[:3]}")
        ids = tuple(sorted(set(batch_ids)))
    run_id = run_id or f"gate-{uuid.uuid4().hex[:12]}"
    now = dt.datetime.now(TZ)
    params = SuiteParams(today=today_ or today(), batch_ids=ids)
    site_root = Path(output_dir) / "quality"
    result = GateResult(
        run_id=run_id, run_time=now.isoformat(timespec="seconds"), warehouse=str(warehouse), site_root=site_root
    )
    gx_results = {}
    checks_by_feed = {}

    duckdb_compat.install()
    context = gx.get_context(mode="ephemeral")
    datasource = duckdb_compat.duckdb_datasource(
        context, "warehouse", warehouse, read_only=True, threads=threads, memory_limit=memory_limit
    )
    try:
        engine = datasource.get_execution_engine()
        has_manifest = _table_exists(engine, "raw", "load_manifest")
        if has_manifest and not _table_exists(engine, "raw", "quarantine"):
            has_manifest = False  # a half-made warehouse: judge the rows only
        has_state = _table_exists(engine, "quality", "delivery_quality") and _table_exists(
            engine, "quality", scope_plan.SEEN_TABLE.split(".")[1]
        )

        def fetch(sql: str, **kw) -> list:
            return _fetch(engine, sql, **kw)

        for feed in names:
            plan = None
            if has_manifest and params.batch_ids is None and _table_exists(engine, "raw", feed):
                plan = scope_plan.plan(
                    fetch, feed, checks_for(feed, params), suite_fingerprint(feed), has_state and incremental
                )
                if not incremental:
                    plan.reason = "all deliveries: asked for"
            fr, gx_result, checks = validate_feed(
                context,
                datasource,
                feed,
                params,
                run_id=run_id,
                run_time=now,
                has_manifest=has_manifest,
                plan=plan,
            )
            if has_manifest and params.batch_ids is None:
                fr.refused = _refused(engine, feed)
            result.feeds[feed] = fr
            checks_by_feed[feed] = checks
            if gx_result is not None:
                gx_results[feed] = gx_result
        if has_manifest and feeds is None:
            result.unrecognised = _refused(engine, None)
    finally:
        duckdb_compat.dispose_datasource(datasource)

    if build_docs:
        from expectations import docs

        t1 = time.perf_counter()
        docs.write_gx_results(result, gx_results)
        docs.publish(result)
        result.docs_seconds = time.perf_counter() - t1
    result.seconds = time.perf_counter() - t0
    return result


def result_json(result: GateResult) -> str:
    return json.dumps(
        {
            "run_id": result.run_id,
            "run_time": result.run_time,
            "warehouse": result.warehouse,
            "passed": result.passed,
            "feeds": {k: v.to_dict() for k, v in result.feeds.items()},
        },
        ensure_ascii=False,
        indent=1,
        default=str,
    )
