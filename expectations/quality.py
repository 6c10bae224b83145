"""The delivery quality table ``quality.delivery_quality``: one row per delivered file.

The gate reads the warehouse read-only; this short step writes its verdicts afterwards on the
caller's **writable** connection (run it inside the DuckDB writer pool, when no other connection
holds the file). The quarterly statistics read this table.

One row per ``raw.load_manifest`` row (file, sha256) — loaded, refused, duplicate or replaced:

* loaded and validated: the gate's numbers and ``verdict`` pass | warn | fail;
* loaded, not (yet) validated: ``verdict`` = ``not_validated``;
* refused / duplicate: ``verdict`` = the manifest status and its message (why);
* replaced by a correction: ``verdict`` = ``replaced``, the numbers of its last validation kept.
"""

from __future__ import annotations

import datetime as dt
import json

from expectations.results import GateResult

TABLE = "quality.delivery_quality"

DDL = f"""
create table if not exists {TABLE} (
    file varchar not null,                -- path relative to the landing root (as in raw.load_manifest)
    sha256 varchar not null,
    batch_id varchar,
    feed varchar,
    sender varchar,
    period varchar,
    seq varchar,
    status varchar,                       -- manifest status: loaded | refused | duplicate | replaced
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    expectations_evaluated integer,
    critical_evaluated integer,
    critical_failed integer,
    warning_evaluated integer,
    warning_failed integer,
    unexpected_rows_critical bigint,      -- Σ unexpected rows over the failed critical expectations
    unexpected_rows_warning bigint,
    failed_checks varchar,                -- JSON: [{{"check_id", "severity", "unexpected"}}]
    verdict varchar not null,             -- pass | warn | fail | not_validated | refused | duplicate | replaced
    message varchar,                      -- why refused / duplicate (from the manifest)
    suite_fingerprint varchar,
    gate_run_id varchar,
    validated_at timestamp,               -- Asia/Shanghai
    docs_page varchar,                    -- page of this delivery, relative to the quality site root
    primary key (file, sha256)
)
"""

_COLUMNS = (
    "batch_id",
    "expectations_evaluated",
    "critical_evaluated",
    "critical_failed",
    "warning_evaluated",
    "warning_failed",
    "unexpected_rows_critical",
    "unexpected_rows_warning",
    "failed_checks",
    "verdict",
    "suite_fingerprint",
    "gate_run_id",
    "validated_at",
    "docs_page",
)


def _rows(result: GateResult) -> list[tuple]:
    out = []
    for fr in result.feeds.values():
        if fr.status == "no_deliveries":
            continue
        at = dt.datetime.fromisoformat(fr.validated_at).replace(tzinfo=None) if fr.validated_at else None
        for b in fr.batches:
            if b.carried:
                continue  # its row already holds the verdict this run kept
            out.append(
                (
                    b.info.batch_id,
                    b.critical_evaluated + b.warning_evaluated,
                    b.critical_evaluated,
                    b.critical_failed,
                    b.warning_evaluated,
                    b.warning_failed,
                    b.unexpected_critical,
                    b.unexpected_warning,
                    json.dumps(b.failed_checks, ensure_ascii=False),
                    b.verdict,
                    fr.fingerprint,
                    fr.run_id,
                    at,
                    b.page,
                )
            )
    return out


def _write_inputs_seen(con, result: GateResult) -> None:
    """What each feed's validation saw of the manifest, for the next run's plan (expectations.scope)."""
    import pyarrow as pa

    from expectations.scope import SEEN_DDL, SEEN_TABLE

    con.execute(SEEN_DDL)
    for feed, fr in result.feeds.items():
        if fr.status == "error":
            continue  # nothing was judged: the next run plans from the last run that judged
        con.execute(f"delete from {SEEN_TABLE} where validated_feed = ?", [feed])
        if not fr.inputs_seen:
            continue
        cols = list(zip(*fr.inputs_seen, strict=True))
        names = ["feed", "file", "sha256", "status", "period"]
        con.register("_seen_new", pa.Table.from_arrays([pa.array(c, pa.string()) for c in cols], names=names))
        try:
            con.execute(f"insert into {SEEN_TABLE} select ?, * from _seen_new", [feed])
        finally:
            con.unregister("_seen_new")


def write_delivery_quality(con, result: GateResult) -> int:
    """Upsert the gate's per-delivery verdicts and sync every manifest row; returns rows written.

    ``con`` is a writable duckdb connection to the warehouse the gate validated.
    """
    import pyarrow as pa

    rows = _rows(result)
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists quality")
        con.execute(DDL)
        has_manifest = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'load_manifest'"
        ).fetchall()[0][0]
        if not has_manifest:
            con.execute("commit")
            return 0
        if rows:
            cols = list(zip(*rows, strict=True))
            arrays = [
                pa.array(c) if name not in ("validated_at",) else pa.array(c, type=pa.timestamp("us"))
                for name, c in zip(_COLUMNS, cols, strict=True)
            ]
            con.register("_dq_new", pa.Table.from_arrays(arrays, names=list(_COLUMNS)))
            try:
                con.execute(f"""
                    insert or replace into {TABLE}
                    select m.file, m.sha256, n.batch_id, m.feed, m.sender, m.period, m.seq, m.status,
                           m.rows_read, m.rows_loaded, m.rows_quarantined, n.expectations_evaluated,
                           n.critical_evaluated, n.critical_failed, n.warning_evaluated, n.warning_failed,
                           n.unexpected_rows_critical, n.unexpected_rows_warning, n.failed_checks, n.verdict,
                           m.message, n.suite_fingerprint, n.gate_run_id, n.validated_at, n.docs_page
                    from _dq_new n join raw.load_manifest m on m.batch_id = n.batch_id and m.status = 'loaded'
                """)
            finally:
                con.unregister("_dq_new")
        _write_inputs_seen(con, result)
        # every other delivered file: refused, duplicate, replaced, or loaded but not validated yet
        con.execute(f"""
            insert into {TABLE} (file, sha256, batch_id, feed, sender, period, seq, status, rows_read,
                                 rows_loaded, rows_quarantined, verdict, message)
            select m.file, m.sha256, m.batch_id, m.feed, m.sender, m.period, m.seq, m.status, m.rows_read,
                   m.rows_loaded, m.rows_quarantined,
                   case when m.status = 'loaded' then 'not_validated' else m.status end, m.message
            from raw.load_manifest m
            where not exists (select 1 from {TABLE} d where d.file = m.file and d.sha256 = m.sha256)
        """)
        con.execute(f"""
            update {TABLE} as d set status = m.status, message = m.message,
                verdict = case when m.status = 'loaded' then d.verdict else m.status end
            from raw.load_manifest m
            where d.file = m.file and d.sha256 = m.sha256 and d.status is distinct from m.status
        """)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(rows)


def write_delivery_quality_file(warehouse, result: GateResult) -> int:
    """Open ``warehouse`` for writing, write the table, close (the lock is held for this step only)."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        return write_delivery_quality(con, result)
    finally:
        con.close()
