"""One quality check = one GX expectation plus the SQL that attributes its failures to deliveries.

A :class:`Check` is declared once (from the feed spec in :mod:`expectations.generate`, or by hand
in a feed-group module under :mod:`expectations.groups`) and compiles to

* a GX Core 1.x expectation, tagged ``severity`` (GX's own ``FailureSeverity`` field *and*
  ``meta["severity"]``) — GX evaluates it over the whole feed in one validation; and
* SQL that finds the same unexpected rows grouped by ``_batch_id`` — run only when GX reported
  unexpected rows, to say which delivered file they came from and on which lines.

Two shapes of check:

``map``   a built-in GX column expectation (not null, in set, between, regex, pair A ≥ B).
          ``predicate`` is SQL over a raw row that is true exactly for the rows GX counts as
          unexpected (the per-expectation test in tests/test_expectations.py holds the two equal).
``rows``  a GX ``UnexpectedRowsExpectation``: SQL that returns the unexpected rows, always
          selecting ``_batch_id`` and ``_line`` (lineage) and never a sensitive column. Used for
          arithmetic, cross-table references, 身份证/统一社会信用代码 check characters, key
          uniqueness and the delivery-level checks (volume, quarantine).

A check may be ``table``-level (``attribution="table"``): it has no row to point at (the raw
table's columns or types), so a failure counts against every batch of the feed.

Checks on sensitive columns (``certno``, ``psn_name``, ``tel``, ``handler``) are always ``rows``
checks whose SQL selects only lineage and non-sensitive keys: GX applies the *run's*
result_format to every expectation (an expectation-level result_format is ignored when the
checkpoint passes one — measured on 1.24.1), so the only way to be sure no value is ever fetched
is never to select it. The runner scrubs results of sensitive checks as a second line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from warehouse.code_tables import code_tables as seed_code_tables
from warehouse.sql import ident, literal

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)

# lineage columns every UnexpectedRows query must return (so failures point at file and line)
ROW_LINEAGE = ("_batch_id", "_line")
READ_MODES = ("grows", "period", "any")
_RAW_TABLE = re.compile(r'\braw\."?([a-z_][a-z0-9_]*)"?', re.IGNORECASE)


def esc(sql_text: str) -> str:
    """Escape literal braces for an UnexpectedRows query (GX formats it like ``str.format``)."""
    return sql_text.replace("{", "{{").replace("}", "}}")


def full(pattern: str) -> str:
    """A ``^…$`` pattern as a DuckDB ``regexp_full_match`` literal, braces escaped for GX."""
    return literal(esc(pattern.removeprefix("^").removesuffix("$")))


@dataclass(frozen=True)
class Check:
    id: str  # stable: <feed>.<group>.<name>, used in results and the quality table
    feed: str
    severity: str  # critical | warning
    title: str  # what is checked, one sentence a quality owner understands
    remedy: str  # what to do when it fails
    kind: str  # map | rows | table
    gx_type: str  # GX expectation class name
    gx_kwargs: dict = field(default_factory=dict, hash=False, compare=False)
    predicate: str | None = None  # map: SQL true for an unexpected row (unqualified columns)
    sample_column: str | None = None  # map: a column whose offending values may be shown
    columns: tuple[str, ...] = ()
    sensitive: bool = False
    attribution: str = "row"  # row | table
    # schema | required | key | format | code | plausibility | arithmetic | consistency | reference
    # | completeness | volume | delivery
    category: str = ""
    # the other raw tables a rows check reads, and how a change there can change its verdict on an
    # unchanged batch (what an incremental gate run must validate again, runner.plan_scope):
    #   grows   only rows removed from the table can make a passing row fail (a reference: NOT IN)
    #   period  only rows of the same _period matter (a sum or a presence within the period)
    #   any     anything may (the default for a table a check reads without saying how)
    reads: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.id}: severity must be one of {SEVERITIES}")
        if self.kind not in ("map", "rows", "table"):
            raise ValueError(f"{self.id}: kind must be map, rows or table")
        if self.kind == "table" and self.attribution != "table":
            raise ValueError(f"{self.id}: a table expectation is attributed to the whole table")
        if self.kind == "map" and not self.predicate:
            raise ValueError(f"{self.id}: a map check needs the predicate that finds its rows")
        if self.kind == "rows":
            sql = self.gx_kwargs.get("unexpected_rows_query", "")
            if self.attribution == "row" and not all(c in sql for c in ROW_LINEAGE):
                raise ValueError(f"{self.id}: an UnexpectedRows query must select {ROW_LINEAGE}")
        if self.sensitive and self.kind != "rows":
            raise ValueError(f"{self.id}: checks on sensitive columns must be rows checks (counts only)")
        if self.sensitive and self.sample_column:
            raise ValueError(f"{self.id}: a sensitive check cannot show sample values")
        for table, mode in self.reads:
            if mode not in READ_MODES:
                raise ValueError(f"{self.id}: reads {table} as {mode!r}; modes are {READ_MODES}")

    def read_modes(self) -> dict[str, str]:
        """{raw table: grows | period | any} for every raw table the check's SQL reads besides its own
        rows in scope; the loader's manifest and quarantine are not data (volume and quarantine checks
        judge a delivery as it stands when it is validated)."""
        sql = self.gx_kwargs.get("unexpected_rows_query", "") if self.kind == "rows" else ""
        declared = dict(self.reads)
        found = {m.group(1) for m in _RAW_TABLE.finditer(sql)} - {"load_manifest", "quarantine"}
        return {t: declared.get(t, "any") for t in sorted(found | set(declared))}

    @property
    def label(self) -> str:
        return f"[{self.severity}] {self.title}"

    def meta(self) -> dict:
        return {
            "check_id": self.id,
            "severity": self.severity,
            "category": self.category,
            "sensitive": self.sensitive,
            "remedy": self.remedy,
        }

    def expectation(self):
        """The GX expectation object (imports GX lazily: ~2–4 s the first time)."""
        import contextlib
        import io

        import great_expectations as gx
        from great_expectations.expectations.metadata_types import FailureSeverity

        cls = getattr(gx.expectations, self.gx_type)
        kwargs = dict(self.gx_kwargs)
        # Data Docs show this sentence (with the severity) instead of GX's template; the
        # parameters (value sets, SQL) stay in the suite. GX 1.24 cannot render severity itself:
        # its meta_properties columns crash the renderer (extra field on the expectation).
        kwargs.setdefault("description", f"{self.label} ({self.id})")
        # UnexpectedRowsExpectation prints a notice when a query does not use {batch}
        # (delivery-level checks read raw.load_manifest on purpose); keep stdout clean.
        with contextlib.redirect_stdout(io.StringIO()):
            return cls(**kwargs, meta=self.meta(), severity=FailureSeverity(self.severity))


# ----------------------------------------------------------------------------- map builders


def _date_lit(value, timestamp: bool) -> str:
    return f"timestamp {literal(str(value))}" if timestamp else f"date {literal(str(value))}"


def not_null(feed: str, col: str, *, severity=CRITICAL, **kw) -> Check:
    return Check(
        id=f"{feed}.required.{col}",
        feed=feed,
        severity=severity,
        kind="map",
        title=kw.pop("title", f"{col} is present on every row (required by the contract)"),
        remedy=kw.pop(
            "remedy",
            f"deliver {col} on every row; rows without it should have been "
            "quarantined by the loader, so a failure here means a loader defect",
        ),
        gx_type="ExpectColumnValuesToNotBeNull",
        gx_kwargs={"column": col},
        predicate=f"{ident(col)} is null",
        columns=(col,),
        category=kw.pop("category", "required"),
        **kw,
    )


def in_set(
    feed: str, col: str, values, *, check_id: str, title: str, remedy: str, severity=WARNING, category="code"
) -> Check:
    values = list(values)
    return Check(
        id=check_id,
        feed=feed,
        severity=severity,
        kind="map",
        title=title,
        remedy=remedy,
        gx_type="ExpectColumnValuesToBeInSet",
        gx_kwargs={"column": col, "value_set": values},
        predicate=f"{ident(col)} is not null and {ident(col)} not in ({', '.join(literal(v) for v in values)})",
        sample_column=col,
        columns=(col,),
        category=category,
    )


def between(
    feed: str,
    col: str,
    lo,
    hi,
    *,
    check_id: str,
    title: str,
    remedy: str,
    severity=WARNING,
    category="plausibility",
    kind_of: str = "number",
) -> Check:
    """lo/hi inclusive; ``kind_of`` number | date | timestamp decides the SQL literals."""
    gx_kwargs = {"column": col}
    conds = []
    if lo is not None:
        gx_kwargs["min_value"] = lo if kind_of == "number" else str(lo)
        conds.append(
            f"{ident(col)} < {lo!r}"
            if kind_of == "number"
            else f"{ident(col)} < {_date_lit(lo, kind_of == 'timestamp')}"
        )
    if hi is not None:
        gx_kwargs["max_value"] = hi if kind_of == "number" else str(hi)
        conds.append(
            f"{ident(col)} > {hi!r}"
            if kind_of == "number"
            else f"{ident(col)} > {_date_lit(hi, kind_of == 'timestamp')}"
        )
    return Check(
        id=check_id,
        feed=feed,
        severity=severity,
        kind="map",
        title=title,
        remedy=remedy,
        gx_type="ExpectColumnValuesToBeBetween",
        gx_kwargs=gx_kwargs,
        predicate=f"{ident(col)} is not null and ({' or '.join(conds)})",
        sample_column=col,
        columns=(col,),
        category=category,
    )


def matches(
    feed: str, col: str, pattern: str, *, check_id: str, title: str, remedy: str, severity=WARNING, category="format"
) -> Check:
    """Values match ``pattern`` (a search, like GX; anchor it with ^…$)."""
    return Check(
        id=check_id,
        feed=feed,
        severity=severity,
        kind="map",
        title=title,
        remedy=remedy,
        gx_type="ExpectColumnValuesToMatchRegex",
        gx_kwargs={"column": col, "regex": pattern},
        predicate=f"{ident(col)} is not null and not regexp_matches({ident(col)}, {literal(pattern)})",
        sample_column=col,
        columns=(col,),
        category=category,
    )


def pair_ge(
    feed: str, a: str, b: str, *, check_id: str, title: str, remedy: str, severity=CRITICAL, category="plausibility"
) -> Check:
    """a ≥ b where both are present."""
    return Check(
        id=check_id,
        feed=feed,
        severity=severity,
        kind="map",
        title=title,
        remedy=remedy,
        gx_type="ExpectColumnPairValuesAToBeGreaterThanB",
        gx_kwargs={"column_A": a, "column_B": b, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        predicate=f"{ident(a)} is not null and {ident(b)} is not null and not ({ident(a)} >= {ident(b)})",
        columns=(a, b),
        category=category,
    )


def rows(
    feed: str,
    name: str,
    sql: str,
    *,
    title: str,
    remedy: str,
    severity=CRITICAL,
    category: str,
    columns: tuple[str, ...] = (),
    sensitive=False,
    attribution="row",
    sample_column: str | None = None,
    check_id: str | None = None,
    reads: tuple[tuple[str, str], ...] = (),
) -> Check:
    """An UnexpectedRowsExpectation. ``sql`` uses ``{batch}`` for the feed's rows in scope.

    GX substitutes ``{batch}`` with ``(<scope>) AS subselect`` when the query has no JOIN and
    with ``(<scope>)`` (alias it yourself) when it has one; write the SQL accordingly.
    ``sample_column``, when given, is a column the query selects whose values may be shown to
    quality owners (codes, dates, amounts — never a sensitive value).
    """
    return Check(
        id=check_id or f"{feed}.{category}.{name}",
        sample_column=sample_column,
        feed=feed,
        severity=severity,
        kind="rows",
        title=title,
        remedy=remedy,
        gx_type="UnexpectedRowsExpectation",
        gx_kwargs={"unexpected_rows_query": " ".join(sql.split())},
        columns=columns,
        sensitive=sensitive,
        attribution=attribution,
        category=category,
        reads=reads,
    )


def references(
    feed: str,
    col: str,
    target: str,
    target_col: str | None = None,
    *,
    severity=WARNING,
    remedy: str | None = None,
    what: str = "",
) -> Check:
    """Every non-empty ``col`` exists in ``raw.<target>`` (any delivered snapshot)."""
    tcol = target_col or col
    # NOT IN over a null-free list, not a correlated NOT EXISTS: under COUNT(*) (how GX counts
    # unexpected rows) DuckDB 2.0 runs the correlated form ~50x slower on 10M rows (measured)
    sql = (
        f"select _batch_id, _line, {ident(col)} from {{batch}} where {ident(col)} is not null "
        f"and {ident(col)} not in (select {ident(tcol)} from raw.{ident(target)} where {ident(tcol)} is not null)"
    )
    return rows(
        feed,
        f"{col}_in_{target}",
        sql,
        severity=severity,
        category="reference",
        columns=(col,),
        sample_column=col,
        reads=((target, "grows"),),
        title=f"{col} refers to a known {what or target} (raw.{target}.{tcol})",
        remedy=remedy
        or (
            f"deliver the missing {target} rows (reference snapshot) or correct {col}; "
            f"unknown codes are kept and flagged, never dropped"
        ),
    )


# ------------------------------------------------------------------------- patterns
# (check characters of 身份证号 and 统一社会信用代码: ingest/check_digits.py)

USCC_RE = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"

# ICD-10 医保版 / 国临版 2.0: A00, A00.0, I67.800, I67.800x001, I10.x00 (x = no 4th character) …
ICD10_RE = r"^[A-Z][0-9]{2}(\.[0-9A-Zx]{1,4}(x[0-9]{3})?)?$"
# an ICD-10 prefix (限定支付疾病): C (a whole chapter), E11, I67.8, J06 …
ICD10_PREFIX_RE = r"^[A-Z]([0-9]{1,2}(\.[0-9A-Zx]{0,4})?)?$"
ADMDVS_RE = r"^[0-9]{6}$"
MOBILE_RE = r"^1[3-9][0-9]{9}$"
LANDLINE_RE = r"^0[0-9]{2,3}-?[0-9]{7,8}$"


# ----------------------------------------------------------------------------- code tables


@cache
def code_tables() -> dict[str, tuple[str, ...]]:
    """``{"feed.field": codes}`` from the code-table seeds (``warehouse.code_tables``)."""
    return {ref: tuple(names) for ref, names in seed_code_tables().items()}


# ------------------------------------------------------------------------------ parameters


@dataclass(frozen=True)
class SuiteParams:
    """What a suite depends on besides the spec: the run's date and the batches in scope."""

    today: object  # datetime.date, Asia/Shanghai
    batch_ids: tuple[str, ...] | None = None  # None = every loaded batch of the feed
    # plausibility: a row may be dated up to this many days after its period's last day …
    period_after_days: int = 7
    # … and up to this many days before its first day (fee lines of a long stay travel with
    # the month of its settlement; a year covers all but exceptional stays)
    period_before_days: int = 400
    # volume: a delivery is unusual when rows < usual / factor or rows > usual × factor,
    # judged only against at least ``volume_min_history`` other deliveries of that sender
    volume_factor: float = 5.0
    volume_min_history: int = 3
    # … and differs from it by at least this many rows (small senders vary a lot in relative terms)
    volume_min_difference: int = 20

    def manifest_scope(self, feed: str, alias: str = "m") -> str:
        """SQL restricting ``raw.load_manifest`` to this feed's loaded batches in scope."""
        cond = f"{alias}.feed = {literal(feed)} and {alias}.status = 'loaded'"
        if self.batch_ids is not None:
            ids = ", ".join(literal(b) for b in self.batch_ids) or "null"
            cond += f" and {alias}.batch_id in ({ids})"
        return cond
