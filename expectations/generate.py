"""Checks derived from the feed registry (``ingest.specs``): one place for columns, types and keys.

Every feed gets, from its spec alone:

| check | severity | why critical / warning |
|---|---|---|
| columns match the contract + lineage | critical | a drifted raw table breaks every model |
| column types match the spec | critical | same |
| required columns present | critical | safety net: the loader quarantines such rows |
| key unique within a period | critical | safety net: the loader quarantines duplicates; a duplicate doubles money |
| 身份证 format, check digit, birth date | critical | safety net behind the loader; counts only |
| dates between 1900-01-01 and tomorrow | critical | safety net: impossible dates are quarantined |
| end ≥ begin for the spec's order pairs | critical | safety net: quarantined by the loader |
| money, unit prices within ±100,000,000 yuan | critical | no amount or unit price is that large: a unit error |
| code values in the code tables | warning (critical: ``CRITICAL_CODES``) | flagged, not dropped (RELIABILITY #11) |
| dates inside the delivery period ± tolerance | warning | plausibility |
| delivery volume vs the sender's usual | warning | plausibility |
| rows quarantined by the loader | warning | reported with their reason codes |

Feed-group modules (``expectations.groups.*``) add what the spec cannot say: arithmetic,
references, 统一社会信用代码, ICD-10 shapes, sign conventions, and may tune the period windows.
"""

from __future__ import annotations

import datetime as dt

from expectations.checks import (
    CRITICAL,
    WARNING,
    Check,
    SuiteParams,
    between,
    code_tables,
    in_set,
    not_null,
    pair_ge,
    rows,
)
from ingest.check_digits import certno_check_char_sql
from ingest.specs import LINEAGE_COLUMNS, FeedSpec, Field
from warehouse.sql import ident, literal

MONEY_HARD_LIMIT = 100_000_000  # yuan; see the table above

# code fields whose unknown values would produce false screening hits (R10 compares gend with
# lmt_gend): critical; every other code field is a warning
CRITICAL_CODES = {"psn.gend", "hilist.lmt_gend"}

# code fields that hold several codes separated by ';' (checked by a group module instead)
MULTI_VALUED_CODES = {"case_inspection.action"}


def _type_name(sql_type: str) -> str:
    return sql_type.upper().replace(" ", "")


def _non_sensitive_keys(feed: FeedSpec) -> list[str]:
    return [k for k in feed.key if not feed.field_by_code[k].sensitive]


def _sel(feed: FeedSpec, *extra: str) -> str:
    cols = ["_batch_id", "_line", *_non_sensitive_keys(feed), *extra]
    seen: list[str] = []
    for c in cols:
        if c not in seen:
            seen.append(c)
    return ", ".join(ident(c) if not c.startswith("_") else c for c in seen)


def schema_checks(feed: FeedSpec) -> list[Check]:
    columns = [*feed.codes, *(name for name, _, _ in LINEAGE_COLUMNS)]
    types = [(f.code, _type_name(f.sql_type)) for f in feed.fields]
    types += [(name, _type_name(typ)) for name, typ, _ in LINEAGE_COLUMNS]
    values = ", ".join(f"({literal(c)}, {literal(t)})" for c, t in types)
    type_sql = (
        f"select e.column_name, e.expected_type, d.column_type as actual_type "
        f"from (values {values}) as e(column_name, expected_type) "
        f"left join (describe select * from {{batch}}) d on d.column_name = e.column_name "
        f"where d.column_type is distinct from e.expected_type"
    )
    return [
        Check(
            id=f"{feed.name}.schema.columns",
            feed=feed.name,
            severity=CRITICAL,
            kind="table",
            attribution="table",
            category="schema",
            title=f"raw.{feed.name} has exactly the contract's columns plus the lineage columns",
            remedy="the raw table and ingest/specs.py disagree: run the loader (it adds new spec "
            "columns) or fix the spec; never edit raw tables by hand",
            gx_type="ExpectTableColumnsToMatchSet",
            gx_kwargs={"column_set": columns, "exact_match": True},
        ),
        rows(
            feed.name,
            "types",
            type_sql,
            severity=CRITICAL,
            category="schema",
            attribution="table",
            check_id=f"{feed.name}.schema.types",
            title=f"every column of raw.{feed.name} has the type the spec gives it",
            remedy="a column was created with another type (old warehouse or hand-made table): "
            "rebuild the raw table from the spec and reload the landing files",
        ),
    ]


def required_checks(feed: FeedSpec) -> list[Check]:
    out = []
    for f in feed.fields:
        if not f.required:
            continue
        if f.sensitive:
            out.append(
                rows(
                    feed.name,
                    f.code,
                    f"select {_sel(feed)} from {{batch}} where {ident(f.code)} is null",
                    severity=CRITICAL,
                    category="required",
                    sensitive=True,
                    columns=(f.code,),
                    check_id=f"{feed.name}.required.{f.code}",
                    title=f"{f.code} is present on every row (required; sensitive: counts only)",
                    remedy=f"deliver {f.code} on every row; rows without it should have been quarantined "
                    "by the loader, so a failure here means a loader defect",
                )
            )
        else:
            out.append(not_null(feed.name, f.code))
    return out


def key_check(feed: FeedSpec) -> list[Check]:
    if not feed.key:
        return []
    keys = ", ".join(ident(k) for k in feed.key)
    sql = (
        f"select {_sel(feed)} from (select *, count(*) over (partition by {keys}, _period) as _n "
        f"from {{batch}}) where _n > 1"
    )
    return [
        rows(
            feed.name,
            "key_unique",
            sql,
            severity=CRITICAL,
            category="key",
            check_id=f"{feed.name}.key.unique_in_period",
            title=f"key ({', '.join(feed.key)}) is unique within a period",
            remedy="the loader quarantines duplicate keys within a period; a failure means a loader "
            "defect or a hand-edited raw table — reload the period's files",
        )
    ]


def code_checks(feed: FeedSpec) -> list[Check]:
    tables = code_tables()
    out = []
    for f in feed.fields:
        ref = f"{feed.name}.{f.code}"
        if ref not in tables or ref in MULTI_VALUED_CODES:
            continue
        values: list = list(tables[ref])
        if f.type == "int":
            values = [int(v) for v in values]
        out.append(
            in_set(
                feed.name,
                f.code,
                values,
                check_id=f"{feed.name}.code.{f.code}",
                severity=CRITICAL if ref in CRITICAL_CODES else WARNING,
                title=f"{f.code} ({f.label_zh or f.code}) uses a code of its code table",
                remedy=f"correct {f.code} at the source, or add the code to "
                f"dbt_project/seeds/code_tables if the code table is out of date",
            )
        )
    return out


def _is_temporal(f: Field) -> bool:
    return f.type in ("date", "datetime")


def date_checks(feed: FeedSpec, params: SuiteParams) -> list[Check]:
    tomorrow = params.today + dt.timedelta(days=1)
    out = []
    for f in feed.fields:
        if not _is_temporal(f) or f.future_ok:
            continue
        ts = f.type == "datetime"
        hi = f"{tomorrow.isoformat()} 23:59:59" if ts else tomorrow.isoformat()
        lo = "1900-01-01 00:00:00" if ts else "1900-01-01"
        out.append(
            between(
                feed.name,
                f.code,
                lo,
                hi,
                kind_of="timestamp" if ts else "date",
                check_id=f"{feed.name}.date.{f.code}_not_future",
                severity=CRITICAL,
                category="plausibility",
                title=f"{f.code} lies between 1900-01-01 and tomorrow (no dates in the future)",
                remedy=f"impossible {f.code} values are quarantined by the loader: a failure means a "
                "loader defect, or rows loaded with a wrong clock — check the source system's dates",
            )
        )
    return out


def order_checks(feed: FeedSpec) -> list[Check]:
    return [
        pair_ge(
            feed.name,
            end,
            begin,
            check_id=f"{feed.name}.order.{begin}_le_{end}",
            severity=CRITICAL,
            title=f"{begin} ≤ {end} where both are present",
            remedy="rows ending before they begin are quarantined by the loader: a failure means a "
            "loader defect; correct the dates at the source",
        )
        for begin, end in feed.order_pairs
    ]


def certno_checks(feed: FeedSpec, params: SuiteParams) -> list[Check]:
    out = []
    for f in feed.fields:
        if f.type != "certno":
            continue
        c = ident(f.code)
        common = dict(severity=CRITICAL, sensitive=True, columns=(f.code,), category="format")
        out += [
            rows(
                feed.name,
                f"{f.code}_format",
                f"select {_sel(feed)} from {{batch}} where {c} is not null "
                f"and not regexp_full_match({c}, '[0-9]{{{{17}}}}[0-9X]')",
                check_id=f"{feed.name}.format.{f.code}_format",
                title=f"{f.code} is an 18-character 身份证号 (17 digits + digit or X; counts only)",
                remedy="the loader quarantines malformed IDs: a failure means a loader defect",
                **common,
            ),
            rows(
                feed.name,
                f"{f.code}_check_digit",
                f"select {_sel(feed)} from {{batch}} where regexp_full_match({c}, '[0-9]{{{{17}}}}[0-9X]') "
                f"and substr({c}, 18, 1) <> {certno_check_char_sql(c)}",
                check_id=f"{feed.name}.format.{f.code}_check_digit",
                title=f"{f.code} has a valid ISO 7064 MOD 11-2 check digit (counts only)",
                remedy="the loader quarantines IDs with a wrong check digit: a failure means a "
                "loader defect; ask the sender to correct the 身份证号",
                **common,
            ),
            rows(
                feed.name,
                f"{f.code}_birth_date",
                f"select {_sel(feed)} from {{batch}} where regexp_full_match({c}, '[0-9]{{{{17}}}}[0-9X]') "
                f"and (try_strptime(substr({c}, 7, 8), '%Y%m%d') is null "
                f"or try_strptime(substr({c}, 7, 8), '%Y%m%d') < timestamp '1900-01-01' "
                f"or cast(try_strptime(substr({c}, 7, 8), '%Y%m%d') as date) > "
                f"date {literal(params.today.isoformat())})",
                check_id=f"{feed.name}.format.{f.code}_birth_date",
                title=f"{f.code} carries a real birth date (digits 7–14; counts only)",
                remedy="the loader quarantines IDs with an impossible birth date: a failure means a loader defect",
                **common,
            ),
        ]
    return out


def money_checks(feed: FeedSpec) -> list[Check]:
    return [
        between(
            feed.name,
            f.code,
            -MONEY_HARD_LIMIT,
            MONEY_HARD_LIMIT,
            severity=CRITICAL,
            check_id=f"{feed.name}.amount.{f.code}_hard_limit",
            category="plausibility",
            title=f"{f.code} is within ±{MONEY_HARD_LIMIT:,} yuan",
            remedy=f"an amount this large is a unit (分 vs 元) or format error: correct {f.code} at the "
            "source and re-deliver",
        )
        for f in feed.fields
        if f.type in ("money", "price")
    ]


def period_checks(
    feed: FeedSpec, params: SuiteParams, windows: dict[str, tuple[int, int] | None] | None = None
) -> list[Check]:
    """Dates inside the delivery period: ``windows`` maps a field to (days before, days after) or
    None to skip it; other temporal fields use the params' defaults. Snapshots have no window."""
    if feed.snapshot:
        return []
    windows = windows or {}
    out = []
    first = "cast(strptime(_period || '01', '%Y%m%d') as date)"
    last = f"last_day({first})"
    for f in feed.fields:
        if not _is_temporal(f) or f.future_ok:
            continue
        window = windows.get(f.code, (params.period_before_days, params.period_after_days))
        if window is None:
            continue
        before, after = window
        c = ident(f.code)
        sql = (
            f"select {_sel(feed, f.code)}, _period from {{batch}} where {c} is not null and "
            f"(cast({c} as date) > {last} + {int(after)} or cast({c} as date) < {first} - {int(before)})"
        )
        out.append(
            rows(
                feed.name,
                f"{f.code}_in_period",
                sql,
                severity=WARNING,
                category="plausibility",
                check_id=f"{feed.name}.period.{f.code}",
                sample_column=f.code,
                columns=(f.code,),
                title=(
                    f"{f.code} falls inside the delivery period (from {before} days before its first "
                    f"day to {after} days after its last day)"
                ),
                remedy="check that the file was delivered under the right period folder "
                "(<feed>/<YYYYMM>/); re-deliver it under the period it covers",
            )
        )
    return out


def delivery_checks(feed: FeedSpec, params: SuiteParams) -> list[Check]:
    """Delivery-level warnings read raw.load_manifest / raw.quarantine (not the feed's rows).

    Their scope is the manifest's loaded batches (an empty delivery has no rows to select), so
    ``{batch}`` appears only in an unused CTE: GX insists on the placeholder, DuckDB drops it.
    """
    scope = params.manifest_scope(feed.name)
    unused = "_gx_batch as (select count(*) as n from {batch})"
    factor = float(params.volume_factor)
    volume_sql = f"""
        with {unused},
        m as (select batch_id, sender, coalesce(rows_read, 0) as n from raw.load_manifest m
                   where m.feed = {literal(feed.name)} and m.status = 'loaded'),
        scoped as (select batch_id from raw.load_manifest m where {scope}),
        usual as (select a.batch_id, a.n, median(b.n) as usual_rows, count(b.batch_id) as history
                  from m a join m b on b.sender = a.sender and b.batch_id <> a.batch_id
                  where a.batch_id in (select batch_id from scoped) group by a.batch_id, a.n)
        select batch_id as _batch_id, cast(null as bigint) as _line,
               n || case when n = 1 then ' row' else ' rows' end || ', usual '
               || cast(round(usual_rows) as bigint) || ' (median of ' || history
               || ' other deliveries of this sender)' as detail
        from usual where history >= {int(params.volume_min_history)}
          and (n * {factor} < usual_rows or n > usual_rows * {factor})
          and abs(n - usual_rows) >= {int(params.volume_min_difference)}"""
    quarantine_sql = f"""
        with {unused}
        select qr.batch_id as _batch_id, qr.line as _line, qr.reasons from raw.quarantine qr
        where qr.feed = {literal(feed.name)}
          and qr.batch_id in (select batch_id from raw.load_manifest m where {scope})"""
    return [
        rows(
            feed.name,
            "volume",
            volume_sql,
            severity=WARNING,
            category="volume",
            check_id=f"{feed.name}.volume.usual_size",
            sample_column="detail",
            title=(
                f"each delivery's row count is within ×{factor:g} of that sender's usual (the median "
                f"of its other deliveries, at least {params.volume_min_history} of them; differences "
                f"under {params.volume_min_difference} rows are ignored)"
            ),
            remedy="confirm with the sender that the extract is complete (a truncated or doubled "
            "extract is re-delivered as a correction with the same name)",
        ),
        rows(
            feed.name,
            "quarantined",
            quarantine_sql,
            severity=WARNING,
            category="delivery",
            check_id=f"{feed.name}.delivery.quarantined_rows",
            sample_column="reasons",
            title="no row of the delivery was quarantined by the loader",
            remedy="see raw.quarantine (file, line, reason codes) and ask the sender to correct "
            "and re-deliver those rows",
        ),
    ]


def spec_checks(
    feed: FeedSpec, params: SuiteParams, period_windows: dict[str, tuple[int, int] | None] | None = None
) -> list[Check]:
    return [
        *schema_checks(feed),
        *required_checks(feed),
        *key_check(feed),
        *certno_checks(feed, params),
        *code_checks(feed),
        *date_checks(feed, params),
        *order_checks(feed),
        *money_checks(feed),
        *period_checks(feed, params, period_windows),
        *delivery_checks(feed, params),
    ]
