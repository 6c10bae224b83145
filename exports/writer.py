"""Write the audience exports under ``YIBAO_OUTPUT_DIR``.

* ``bi/`` — a DuckDB file (opened read-only by BI tools; it is a copy, so readers never take the
  warehouse's writer lock) and one Parquet file per relation: the core marts, reporting marts and
  clue summaries, **without** raw 身份证号, names, phone numbers, ``psn_no`` or rule evidence.
  Persons appear only as ``psn_key`` (keyed HMAC pseudonym) and masked display values.
* ``supervisor/`` — rule hits with their evidence, clues and the supervisor views, person-level:
  for supervisors only.

Each export is written to a temporary name and moved into place, so a reader sees the previous
complete export or the new complete one, never a half-written file.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# columns that never reach BI: identifiers, free-text names, and evidence (which carries psn_no)
BI_DROP_COLUMNS = frozenset({
    "psn_no", "certno", "psn_name", "tel", "handler", "evidence", "dr_name", "init_psn_no",
})
BI_SCHEMAS = ("core", "reporting")
BI_SUPERVISION_PREFIXES = ("mart_",)  # clue summaries; rule views are person-level
SUPERVISOR_SCHEMAS = ("supervisor",)
SUPERVISOR_TABLES = (("supervision", "fct_rule_hits"),)


@dataclass
class ExportResult:
    bi_dir: Path
    supervisor_dir: Path
    bi_relations: list[str] = field(default_factory=list)
    supervisor_relations: list[str] = field(default_factory=list)
    dropped_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def paths(self) -> list[str]:
        return [str(self.bi_dir), str(self.supervisor_dir)]


def _relations(con, schema: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]).fetchall()]


def _columns(con, schema: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, table]).fetchall()]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _bi_relations(con) -> list[tuple[str, str]]:
    rels = [(s, t) for s in BI_SCHEMAS for t in _relations(con, s)]
    rels += [("supervision", t) for t in _relations(con, "supervision") if t.startswith(BI_SUPERVISION_PREFIXES)]
    return rels


def _supervisor_relations(con) -> list[tuple[str, str]]:
    rels = [(s, t) for s in SUPERVISOR_SCHEMAS for t in _relations(con, s)]
    rels += [(s, t) for s, t in SUPERVISOR_TABLES if t in _relations(con, s)]
    rels += [("supervision", t) for t in _relations(con, "supervision") if t.startswith(BI_SUPERVISION_PREFIXES)]
    return rels


def _export(con, rels: list[tuple[str, str]], out_dir: Path, db_name: str, drop: frozenset[str],
            result: ExportResult, attr: str) -> None:
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "parquet").mkdir(parents=True)
    db_path = tmp / db_name
    con.execute("attach ? as export_db", [str(db_path)])
    try:
        for schema, table in rels:
            cols = _columns(con, schema, table)
            keep = [c for c in cols if c.lower() not in drop]
            dropped = [c for c in cols if c.lower() in drop]
            if dropped:
                result.dropped_columns[f"{schema}.{table}"] = dropped
            if not keep:
                continue
            select = f"select {', '.join(_q(c) for c in keep)} from {_q(schema)}.{_q(table)}"
            con.execute(f"create schema if not exists export_db.{_q(schema)}")
            con.execute(f"create table export_db.{_q(schema)}.{_q(table)} as {select}")
            pq = tmp / "parquet" / f"{schema}.{table}.parquet"
            con.execute(f"copy ({select}) to '{_sql_path(pq)}' (format parquet)")
            getattr(result, attr).append(f"{schema}.{table}")
    finally:
        con.execute("detach export_db")
    os.chmod(db_path, 0o444)  # a copy for readers: open it with read_only=True
    old = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _sql_path(p: Path) -> str:
    # paths are ours (output dir + relation names from information_schema), quoted for SQL anyway
    return str(p).replace("'", "''")


def write_exports(con: duckdb.DuckDBPyConnection, output_dir: Path) -> ExportResult:
    """Write both exports from an open warehouse connection; returns what was written."""
    result = ExportResult(output_dir / "bi", output_dir / "supervisor")
    output_dir.mkdir(parents=True, exist_ok=True)
    _export(con, _bi_relations(con), result.bi_dir, "yibao_bi.duckdb", BI_DROP_COLUMNS, result, "bi_relations")
    _export(con, _supervisor_relations(con), result.supervisor_dir, "yibao_supervisor.duckdb", frozenset(),
            result, "supervisor_relations")
    (result.bi_dir / "README.txt").write_text(
        "BI export of yibao-supervision: core marts, reporting marts and clue summaries.\n"
        "No raw 身份证号, names, phone numbers, psn_no or rule evidence; persons appear as psn_key "
        "(keyed pseudonym) and masked display values only.\n"
        "Open yibao_bi.duckdb read-only (e.g. duckdb.connect(path, read_only=True)) or read parquet/*.parquet.\n",
        encoding="utf-8")
    (result.supervisor_dir / "README.txt").write_text(
        "Supervisor export of yibao-supervision — PERSON-LEVEL DATA, for fund supervisors only.\n"
        "Rule hits with evidence (supervision.fct_rule_hits), clues and the supervisor views.\n",
        encoding="utf-8")
    return result
