"""Re-identification attacks on an export: can its columns, combined, give back a 身份证号 or a name?

Scanning stored values (test_personal_data.find_personal_data) cannot see an ID that two harmless
looking columns rebuild together: ``110105********002X`` beside a birth date ``1949-12-31`` *is*
``11010519491231002X``. These attacks combine the values of one row the way an analyst with SQL
would, and count a success only when the result is a real person's ID or name (the raw schema of
the warehouse is the oracle):

* mask filling — a masked ID (digits, ``*``, digits) with its hidden run filled from any 8-digit
  date of the same row, in any column, including dates inside JSON text;
* concatenation — two or three digit tokens of a row (codes, dates as YYYYMMDD, any 2–16 digit
  run) joined in any order into 18 (or 15) characters;
* names — a value (or a string inside JSON text) equal to a real name; masked names (one Chinese
  character and ``*``s) are counted apart, as supervisor outputs may show them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

MASKED_ID = re.compile(r"(?<![0-9A-Za-z*])(\d{2,17})(\*{2,16})([0-9Xx]{0,8})(?![0-9A-Za-z*])")
MASKED_NAME = re.compile(r"^[\u3400-\u9fff]\*+$")
DATE_IN_TEXT = re.compile(r"(?<!\d)((?:18|19|20)\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")
DIGITS = re.compile(r"(?<![0-9A-Za-z])\d{2,17}[0-9Xx]?(?![0-9A-Za-z])")


@dataclass
class Findings:
    """What the attacks rebuilt, per relation: the real IDs / names and one example of how."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)
    masked_names: dict[str, set[str]] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, relation: str, value: str, how: str) -> None:
        getattr(self, kind).setdefault(relation, set()).add(value)
        self.how.setdefault(relation, how)

    def summary(self) -> dict[str, str]:
        out = {}
        for rel in sorted({*self.ids, *self.names, *self.masked_names}):
            out[rel] = (
                f"{len(self.ids.get(rel, ()))} IDs, {len(self.names.get(rel, ()))} names, "
                f"{len(self.masked_names.get(rel, ()))} masked names; e.g. {self.how[rel]}"
            )
        return out

    def __bool__(self) -> bool:
        return bool(self.ids or self.names or self.masked_names)


def _tokens(value: object) -> tuple[list[str], list[str], list[str]]:
    """(digit tokens, 8-digit dates, masked IDs) of one value as an analyst could read them."""
    if value is None:
        return [], [], []
    if isinstance(value, dt.datetime | dt.date):
        d = value.strftime("%Y%m%d")
        return [d], [d], []
    if isinstance(value, bool | float | decimal.Decimal):
        return [], [], []
    text = str(value)
    digits = [m.group(0).upper() for m in DIGITS.finditer(text)]
    dates = ["".join(m.groups()) for m in DATE_IN_TEXT.finditer(text)]
    masks = [m.group(0) for m in MASKED_ID.finditer(text)]
    return digits + dates, dates, masks


def _fill(mask: str, dates: Iterable[str]) -> Iterator[tuple[str, str]]:
    m = MASKED_ID.fullmatch(mask)
    head, stars, tail = m.groups()
    for d in dates:
        if len(stars) == len(d):
            yield head + d + tail.upper(), d
        elif len(stars) == len(d) - 2 and len(head) + len(stars) + len(tail) == 15:  # 15-digit: yymmdd
            yield head + d[2:] + tail.upper(), d


def id_prefixes(real_ids: set[str]) -> set[str]:
    return {i[:n] for i in real_ids for n in range(2, len(i))}


def attack_rows(
    relation: str,
    columns: list[str],
    rows: Iterable[tuple],
    real_ids: set[str],
    real_names: set[str],
    findings: Findings,
    prefixes: set[str] | None = None,
) -> None:
    """Run every attack on the rows of one relation; add what it rebuilt to ``findings``.
    ``prefixes`` (``id_prefixes(real_ids)``) may be passed in when attacking many relations."""
    prefixes = prefixes if prefixes is not None else id_prefixes(real_ids)
    for row in rows:
        tokens: list[tuple[str, str]] = []  # (token, column)
        dates: list[str] = []
        masks: list[tuple[str, str]] = []
        for col, value in zip(columns, row, strict=True):
            t, d, m = _tokens(value)
            tokens += [(x, col) for x in t]
            dates += d
            masks += [(x, col) for x in m]
            if isinstance(value, str):
                v = value.strip()
                if v in real_names:
                    findings.add("names", relation, v, f"column {col} holds a name")
                elif MASKED_NAME.match(v):
                    findings.add("masked_names", relation, v, f"column {col} = {v!r}")
                elif "{" in v:  # JSON text (rule evidence): its string values one by one
                    for s in re.findall(r'"([^"\\]{1,40})"', v):
                        if s in real_names:
                            findings.add("names", relation, s, f"a value inside {col}")
                        elif MASKED_NAME.match(s):
                            findings.add("masked_names", relation, s, f"a value inside {col}")
        for mask, col in masks:
            for cand, d in _fill(mask, dates):
                if cand in real_ids:
                    findings.add("ids", relation, cand, f"{col} {mask!r} filled with the date {d}")
        uniq = list(dict.fromkeys(tokens))
        for tok, col in uniq:
            if tok in real_ids:
                findings.add("ids", relation, tok, f"column {col} holds an ID")
        # two or three tokens in any order, pruned by the prefixes of real IDs
        for i, (t1, c1) in enumerate(uniq):
            if t1 not in prefixes:
                continue
            for j, (t2, c2) in enumerate(uniq):
                if j == i:
                    continue
                s2 = t1 + t2
                if s2 in real_ids:
                    findings.add("ids", relation, s2, f"{c1} || {c2}")
                if s2 not in prefixes:
                    continue
                for k, (t3, c3) in enumerate(uniq):
                    if k not in (i, j) and s2 + t3 in real_ids:
                        findings.add("ids", relation, s2 + t3, f"{c1} || {c2} || {c3}")


def real_identities(warehouse) -> tuple[set[str], set[str]]:
    """The oracle: every delivered 身份证号 (as normalised by the loader) and every delivered name."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ids = {
            r[0].upper() for r in con.execute("select distinct certno from raw.psn where certno is not null").fetchall()
        }
        names = {
            r[0]
            for r in con.execute(
                "select psn_name from raw.psn where psn_name is not null "
                "union select dr_name from raw.practitioner where dr_name is not null"
            ).fetchall()
        }
    finally:
        con.close()
    return ids, names


def attack_duckdb(path, real_ids: set[str], real_names: set[str]) -> Findings:
    """Every relation of a DuckDB file, opened read-only as a BI tool would."""
    import duckdb

    findings, prefixes = Findings(), id_prefixes(real_ids)
    con = duckdb.connect(str(path), read_only=True)
    try:
        rels = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() order by 1, 2"
        ).fetchall()
        for schema, table in rels:
            cur = con.execute(f'select * from "{schema}"."{table}"')
            cols = [d[0] for d in cur.description]
            attack_rows(f"{schema}.{table}", cols, cur.fetchall(), real_ids, real_names, findings, prefixes)
    finally:
        con.close()
    return findings


def attack_parquet(folder, real_ids: set[str], real_names: set[str]) -> Findings:
    """Every Parquet file of an export folder."""
    import duckdb

    findings, prefixes = Findings(), id_prefixes(real_ids)
    con = duckdb.connect()
    try:
        for pq in sorted(folder.glob("*.parquet")):
            cur = con.execute("select * from read_parquet(?)", [str(pq)])
            cols = [d[0] for d in cur.description]
            attack_rows(pq.name, cols, cur.fetchall(), real_ids, real_names, findings, prefixes)
    finally:
        con.close()
    return findings
