"""Write the audience exports under ``YIBAO_OUTPUT_DIR``.

* ``bi/`` — for BI tools: a DuckDB file (a copy, opened read-only, so readers never take the
  warehouse's writer lock) and one Parquet file per relation: the core marts, the reporting marts and
  the clue summaries (``supervision.mart_*``). A column goes to BI only when the dbt docs describe it
  and do not mark it personal (``meta.pii``), and it is not lineage (``source_file``, ``source_line``,
  ``_file``, ``_line`` …). So persons appear as ``psn_key`` (keyed pseudonym) with sex, birth *year*,
  scheme and county; never a 身份证号 or any part of it, a birth or death date, a name or a mask of one,
  ``psn_no``, a practitioner's name or rule evidence. An undocumented column is withheld, never guessed.
* ``supervisor/`` — person-level rule hits with their evidence, clues and the supervisor views, for
  supervisors only (masked 身份证号 and names, never with a birth date that would fill the mask).
  ``supervisor_clue_hits`` gains ``evidence_text`` (the evidence with Chinese labels and code names,
  exports/evidence.py) and ``supervisor_clue_list`` is written open clues first, then by priority.

Both DuckDB files carry the dbt descriptions as table and column comments (中文名 — description), which
BI tools such as Superset show, and are written in DuckDB's v1.0.0 storage format, which every DuckDB
from 1.0 on reads (the BI tools' DuckDB drivers are 1.x). Each export is written to a temporary name
and moved into place, so a reader sees the previous complete export or the new one, never a half.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.sql import ident, literal

BI_SCHEMAS = ("core", "reporting")
BI_SUPERVISION_PREFIXES = ("mart_",)  # clue summaries; rule views are person-level
SUPERVISOR_SCHEMAS = ("supervisor",)
SUPERVISOR_TABLES = (("supervision", "fct_rule_hits"),)
# Lineage of a row (which delivered file and line): for engineers and supervisors, noise in BI.
LINEAGE_COLUMNS = frozenset({"source_file", "source_line", "source_period"})
# Never in BI even if a model's docs forgot to mark them personal: the identifiers, their masks,
# the dates that fill a mask back in, free-text names and the person-level evidence.
NEVER_IN_BI = frozenset(
    {
        "psn_no",
        "certno",
        "certno_masked",
        "psn_name",
        "psn_name_masked",
        "tel",
        "brdy",
        "die_date",
        "dr_name",
        "handler",
        "reviewer",
        "evidence",
        "init_psn_no",
    }
)
# Never in any export: the raw identifiers (they stop in staging; this is the second lock).
NEVER_EXPORTED = frozenset({"certno", "psn_name", "tel"})
# The supervisor export adds, beside a relation's column, a rendering of it for reading:
# (schema, table) -> [(new column, source column, SQL function, comment)]. The function is registered
# from Python for the export only, so the dbt models stay portable (DuckDB and Spark).
SUPERVISOR_DERIVED = {
    ("supervisor", "supervisor_clue_hits"): [
        (
            "evidence_text",
            "evidence",
            "yibao_evidence_text",
            "证据（可读） — The evidence with Chinese labels and code names, one fact a line "
            "(医疗类别 med_type: 11（普通门诊）); the JSON in evidence is the reference.",
        )
    ],
}
# Row order of supervisor relations (the Parquet files and tables keep it): the clue list puts open
# clues before closed ones, then the quarter and its priority order.
SUPERVISOR_ORDER = {
    ("supervisor", "supervisor_clue_list"): "is_closed, year_quarter, priority_rank, clue_id",
}
# Every DuckDB from 1.0 reads it (checked with 1.0.0, 1.1.3, 1.2.2, 1.3.2, 1.4.4, 1.5.6 and 2.0),
# comments included; DuckDB 2.0's default storage cannot be opened by any 1.x client.
EXPORT_STORAGE_VERSION = "v1.0.0"
# How a BI tool should open the export: read-only (a copy, never locked by a run) and without
# DuckDB's access to other files of the host (read_csv, ATTACH, COPY … TO are refused).
BI_CONNECT_CONFIG = {"access_mode": "read_only", "enable_external_access": "false"}


def bi_connection_url(db_path: Path) -> str:
    """The SQLAlchemy URI (Superset, duckdb-engine) documented for the BI export."""
    query = "&".join(f"{k}={v}" for k, v in BI_CONNECT_CONFIG.items())
    return f"duckdb:///{Path(db_path).resolve()}?{query}"


@dataclass(frozen=True)
class ColumnDoc:
    comment: str
    pii: bool


@dataclass(frozen=True)
class RelationDoc:
    comment: str
    columns: dict[str, ColumnDoc]


@dataclass
class ExportResult:
    bi_dir: Path
    supervisor_dir: Path
    bi_relations: list[str] = field(default_factory=list)
    supervisor_relations: list[str] = field(default_factory=list)
    # relation -> [(column, why it was left out)], per export
    bi_withheld: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    supervisor_withheld: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def paths(self) -> list[str]:
        return [str(self.bi_dir), str(self.supervisor_dir)]

    @property
    def undocumented(self) -> dict[str, list[str]]:
        return {
            rel: [c for c, why in cols if why == "undocumented"]
            for rel, cols in self.bi_withheld.items()
            if any(why == "undocumented" for _, why in cols)
        }


def _comment(label: str | None, description: str | None) -> str:
    """中文名 — description, without repeating a label the description already starts with."""
    label, description = (label or "").strip(), " ".join((description or "").split())
    if not description or description == label:
        return label
    if not label or description.startswith(label):
        return description
    return f"{label} — {description}"


def load_docs(manifest_path: Path) -> dict[tuple[str, str], RelationDoc]:
    """The dbt docs of every model, by (schema, relation): comments and the personal-data marks."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    docs = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        meta = {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}
        columns = {}
        for name, col in node.get("columns", {}).items():
            cmeta = {**col.get("meta", {}), **col.get("config", {}).get("meta", {})}
            columns[name.lower()] = ColumnDoc(
                _comment(cmeta.get("label_zh"), col.get("description")), bool(cmeta.get("pii"))
            )
        relation = (node.get("alias") or node["name"]).lower()
        docs[(node["schema"].lower(), relation)] = RelationDoc(
            _comment(meta.get("label_zh"), node.get("description")), columns
        )
    return docs


def bi_column_verdict(column: str, doc: RelationDoc | None) -> str | None:
    """Why a column stays out of BI, or None when it may go."""
    name = column.lower()
    if name in NEVER_IN_BI:
        return "personal"
    if name in LINEAGE_COLUMNS or name.startswith("_"):
        return "lineage"
    col = doc.columns.get(name) if doc else None
    if col is None:
        return "undocumented"
    if col.pii:
        return "personal"
    return None


def _relations(con, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_catalog = current_database() order by 1",
            [schema],
        ).fetchall()
    ]


def _columns(con, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "and table_catalog = current_database() order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def _bi_relations(con) -> list[tuple[str, str]]:
    rels = [(s, t) for s in BI_SCHEMAS for t in _relations(con, s)]
    rels += [("supervision", t) for t in _relations(con, "supervision") if t.startswith(BI_SUPERVISION_PREFIXES)]
    return rels


def _supervisor_relations(con) -> list[tuple[str, str]]:
    rels = [(s, t) for s in SUPERVISOR_SCHEMAS for t in _relations(con, s)]
    rels += [(s, t) for s, t in SUPERVISOR_TABLES if t in _relations(con, s)]
    rels += [("supervision", t) for t in _relations(con, "supervision") if t.startswith(BI_SUPERVISION_PREFIXES)]
    return rels


def _export(
    con,
    rels: list[tuple[str, str]],
    out_dir: Path,
    db_name: str,
    docs: dict,
    for_bi: bool,
    written: list[str],
    withheld: dict[str, list[tuple[str, str]]],
) -> None:
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "parquet").mkdir(parents=True)
    db_path = tmp / db_name
    con.execute(f"attach {literal(str(db_path))} as export_db (storage_version '{EXPORT_STORAGE_VERSION}')")
    try:
        for schema, table in rels:
            doc = docs.get((schema, table))
            keep = []
            for c in _columns(con, schema, table):
                why = bi_column_verdict(c, doc) if for_bi else ("personal" if c.lower() in NEVER_EXPORTED else None)
                if why:
                    withheld.setdefault(f"{schema}.{table}", []).append((c, why))
                else:
                    keep.append(c)
            if not keep:
                continue
            exprs = [ident(c) for c in keep]
            derived = [] if for_bi else SUPERVISOR_DERIVED.get((schema, table), [])
            for name, source, func, _ in derived:
                if source in keep:
                    exprs.insert(exprs.index(ident(source)) + 1, f"{func}({ident(source)}) as {ident(name)}")
            order = "" if for_bi else SUPERVISOR_ORDER.get((schema, table), "")
            select = f"select {', '.join(exprs)} from {ident(schema)}.{ident(table)}"
            select += f" order by {order}" if order else ""
            target = f"export_db.{ident(schema)}.{ident(table)}"
            con.execute(f"create schema if not exists export_db.{ident(schema)}")
            con.execute(f"create table {target} as {select}")
            if doc and doc.comment:
                con.execute(f"comment on table {target} is {literal(doc.comment)}")
            for c in keep:
                cdoc = doc.columns.get(c.lower()) if doc else None
                if cdoc and cdoc.comment:
                    con.execute(f"comment on column {target}.{ident(c)} is {literal(cdoc.comment)}")
            for name, source, _, comment in derived:
                if source in keep:
                    con.execute(f"comment on column {target}.{ident(name)} is {literal(comment)}")
            pq = tmp / "parquet" / f"{schema}.{table}.parquet"
            con.execute(f"copy ({select}) to {literal(str(pq))} (format parquet)")
            written.append(f"{schema}.{table}")
        _write_dictionary(con, tmp)
    finally:
        con.execute("detach export_db")
    os.chmod(db_path, 0o444)  # a copy for readers: open it with read_only=True
    old = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _write_dictionary(con, tmp: Path) -> None:
    """main.data_dictionary (+ Parquet): every exported column with its description, for the tools that
    show no database comments (Excel, FineBI reading Parquet)."""
    con.execute("""
        create table export_db.main.data_dictionary as
        select
            c.schema_name as table_schema,
            c.table_name,
            t.comment as table_description,
            c.column_index as column_position,
            c.column_name,
            c.data_type,
            c.comment as column_description
        from duckdb_columns() as c
        inner join duckdb_tables() as t
            on c.database_name = t.database_name and c.schema_name = t.schema_name and c.table_name = t.table_name
        where c.database_name = 'export_db' and c.table_name <> 'data_dictionary'
        order by 1, 2, 4
    """)
    con.execute(
        "comment on table export_db.main.data_dictionary is "
        "'数据字典 — One row per exported column: its table, position, type and description.'"
    )
    for col, text in (
        ("table_schema", "模式 — Schema of the table."),
        ("table_name", "表名 — Table name."),
        ("table_description", "表说明 — Description of the table (中文名 — description)."),
        ("column_position", "列序号 — Position of the column in its table (1 = first)."),
        ("column_name", "列名 — Column name."),
        ("data_type", "数据类型 — DuckDB type of the column."),
        ("column_description", "列说明 — Description of the column (中文名 — description)."),
    ):
        con.execute(f"comment on column export_db.main.data_dictionary.{col} is {literal(text)}")
    pq = tmp / "parquet" / "data_dictionary.parquet"
    con.execute(f"copy (select * from export_db.main.data_dictionary) to {literal(str(pq))} (format parquet)")


BI_README = """\
BI export of yibao-supervision: core marts, reporting marts and clue summaries.

Open yibao_bi.duckdb READ-ONLY with external access disabled, e.g. in Python
    duckdb.connect(path, read_only=True, config={{"enable_external_access": False}})
or as a SQLAlchemy / Superset URI
    {url}
Any DuckDB from 1.0 on reads it; tables and columns carry descriptions (中文名 — description),
also listed in the table main.data_dictionary (parquet/data_dictionary.parquet) for tools that do
not show database comments. The Parquet files in parquet/ hold the same tables.

Persons appear only as psn_key (a keyed pseudonym) with sex, birth year, insurance scheme and
county: no 身份证号 or part of one beyond what a county code says, no birth or death date, no names or
masked names, no psn_no, no practitioner names (codes only), no rule evidence, no file/line lineage.
"""

SUPERVISOR_README = """\
Supervisor export of yibao-supervision — PERSON-LEVEL DATA, for fund supervisors only.
Rule hits with evidence (supervision.fct_rule_hits), clues and the supervisor views. Persons appear
as psn_no with masked name and 身份证号 (region and last four digits); no birth date is exported
beside them; practitioners by code and masked name. supervisor.supervisor_clue_list lists open clues
(未办结) first, then closed ones, each by priority (list_rank within a quarter);
supervisor.supervisor_clue_hits carries evidence_text, the evidence with Chinese labels and code names.
Open yibao_supervisor.duckdb read-only (any DuckDB from 1.0 on).
"""


@contextmanager
def _evidence_text_function(con, manifest_path: Path):
    """yibao_evidence_text(evidence) on this connection while the supervisor export is written."""
    try:
        from duckdb.sqltypes import VARCHAR
    except ImportError:  # DuckDB before 1.4
        from duckdb.typing import VARCHAR

    from exports.evidence import render_evidence

    def render(evidence: str | None) -> str | None:
        return render_evidence(evidence, manifest_path)

    con.create_function("yibao_evidence_text", render, [VARCHAR], VARCHAR, side_effects=False)
    try:
        yield
    finally:
        con.remove_function("yibao_evidence_text")


def write_exports(con: duckdb.DuckDBPyConnection, output_dir: Path, manifest_path: Path) -> ExportResult:
    """Write both exports from an open warehouse connection and the dbt manifest; returns what was written."""
    docs = load_docs(manifest_path)
    result = ExportResult(output_dir / "bi", output_dir / "supervisor")
    output_dir.mkdir(parents=True, exist_ok=True)
    _export(
        con, _bi_relations(con), result.bi_dir, "yibao_bi.duckdb", docs, True, result.bi_relations, result.bi_withheld
    )
    with _evidence_text_function(con, manifest_path):
        _export(
            con,
            _supervisor_relations(con),
            result.supervisor_dir,
            "yibao_supervisor.duckdb",
            docs,
            False,
            result.supervisor_relations,
            result.supervisor_withheld,
        )
    (result.bi_dir / "README.txt").write_text(
        BI_README.format(url=bi_connection_url(result.bi_dir / "yibao_bi.duckdb")), encoding="utf-8"
    )
    (result.supervisor_dir / "README.txt").write_text(SUPERVISOR_README, encoding="utf-8")
    return result
