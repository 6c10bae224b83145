"""What supervisors read: evidence they can read (Chinese labels, code names), no practitioner's full
name anywhere in their outputs, the clue list open clues first, and the clue sheet's landing path."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from exports.clue_sheet import centre_sender, sheet_path
from exports.evidence import render_evidence
from exports.labels import EVIDENCE_LABELS, code_names, contract_labels, docs_labels, label_of
from ingest.landing import parse_delivery

# --- evidence rendering (no warehouse needed; labels from the parsed project) ------------------------


def test_evidence_reads_with_labels_and_code_names(dbt_manifest):
    text = render_evidence(
        json.dumps(
            {
                "med_type": "11",
                "prior_stay": {"mdtrt_id": "V1", "dscg_way": "1"},
                "lines": [{"feedetl_sn": "F1", "pric": 12.5}, {"feedetl_sn": "F2", "pric": 3}],
                "is_current": True,
                "lmt_dise_codes": None,
            },
            ensure_ascii=False,
        )
    )
    assert text.splitlines() == [
        "医疗类别 med_type: 11（普通门诊）",
        "上次住院 prior_stay:",
        "  就诊ID mdtrt_id: V1",
        "  离院方式 dscg_way: 1（医嘱离院）",
        "费用明细 lines: 共 2 条",
        "  1. 费用明细流水号 feedetl_sn: F1；单价 pric: 12.5",
        "  2. 费用明细流水号 feedetl_sn: F2；单价 pric: 3",
        f"{label_of('is_current')} is_current: 是",
        "限定支付疾病 lmt_dise_codes: （空）",
    ]
    assert render_evidence(None) is None and render_evidence("not json") == "not json"


def test_labels_come_from_one_place_each(dbt_manifest):
    """evidence_labels.csv holds only keys that neither the contract nor the dbt docs label, and the
    code names are the seeds' (the contract's stage codes included)."""
    with EVIDENCE_LABELS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys)) and all(r["label_zh"] for r in rows)
    assert not set(keys) & set(contract_labels()), "label these keys in one place: the contract has them"
    assert not set(keys) & set(docs_labels()), "label these keys in one place: the dbt docs have them"
    assert all(r["codes_of"] in code_names() for r in rows if r["codes_of"])
    assert code_names()["stage"]["9"] == "排除" and code_names()["med_type"]["11"] == "普通门诊"


# --- clue sheet naming ----------------------------------------------------------------------------------


def test_clue_sheet_path_is_a_case_clue_delivery_and_never_a_delivered_name(tmp_path):
    rel = sheet_path("2025Q1", "202504", "990100")
    assert rel == "case_clue/202504/990100_case_clue_202504_2025Q1.xlsx"
    (tmp_path / rel).parent.mkdir(parents=True)
    (tmp_path / rel).write_bytes(b"x")
    d = parse_delivery(tmp_path, tmp_path / rel)
    assert (d.problem, d.feed.name, d.sender, d.period, d.seq) == (None, "case_clue", "990100", "202504", "2025Q1")
    # already delivered this month: the next sheet must not replace that batch
    again = sheet_path("2025Q1", "202504", "990100", lambda r: (tmp_path / r).exists())
    assert again == "case_clue/202504/990100_case_clue_202504_2025Q1-2.xlsx"
    assert parse_delivery(tmp_path, tmp_path / again).problem is None
    # the centre's admdvs is the 6-digit sender of the batches loaded so far
    from ingest.manifest import MANIFEST_DDL

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute(MANIFEST_DDL)
        for n, (sender, status) in enumerate(
            [("990100", "loaded"), ("990100", "loaded"), ("990200", "refused"), ("H001", "loaded")]
        ):
            con.execute(
                "insert into raw.load_manifest (file, sha256, sender, status) values (?, ?, ?, ?)",
                [f"f{n}", "x", sender, status],
            )
    assert centre_sender(warehouse) == "990100"
    assert centre_sender(tmp_path / "missing.duckdb") is None


def test_the_clue_sheet_is_also_a_case_hit_review_delivery_and_its_sheets_carry_the_feed_labels(tmp_path):
    from exports.clue_sheet import REVIEW_SHEET, SHEET, sheet_paths
    from ingest.specs import FEEDS

    # the loader reads, of a workbook delivered as a feed, the worksheet named by the feed's label
    assert (FEEDS["case_clue"].label_zh, FEEDS["case_hit_review"].label_zh) == (SHEET, REVIEW_SHEET)
    clue_rel, review_rel = sheet_paths("2025Q1", "202504", "990100")
    assert review_rel == "case_hit_review/202504/990100_case_hit_review_202504_2025Q1.xlsx"
    (tmp_path / review_rel).parent.mkdir(parents=True)
    (tmp_path / review_rel).write_bytes(b"x")
    d = parse_delivery(tmp_path, tmp_path / review_rel)
    assert (d.problem, d.feed.name, d.sender, d.period, d.seq) == (
        None,
        "case_hit_review",
        "990100",
        "202504",
        "2025Q1",
    )
    # either name delivered already: both get the next suffix, so the pair stays one workbook
    again = sheet_paths("2025Q1", "202504", "990100", lambda r: (tmp_path / r).exists())
    assert again == (
        "case_clue/202504/990100_case_clue_202504_2025Q1-2.xlsx",
        "case_hit_review/202504/990100_case_hit_review_202504_2025Q1-2.xlsx",
    )
    assert clue_rel == "case_clue/202504/990100_case_clue_202504_2025Q1.xlsx"


# --- on the sample run ----------------------------------------------------------------------------------


def _text_values(con, schema: str, table: str) -> list[str]:
    cols = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "and data_type = 'VARCHAR'",
            [schema, table],
        ).fetchall()
    ]
    if not cols:
        return []
    sel = ", ".join(f'"{c}"' for c in cols)
    return [v for row in con.execute(f'select {sel} from "{schema}"."{table}"').fetchall() for v in row if v]


def _practitioner_names(warehouse: Path) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = {r[0] for r in con.execute("select dr_name from raw.practitioner where dr_name is not null").fetchall()}
        # the scan can fail: the warehouse's own practitioner dimension holds the names it looks for
        in_dim = [v for v in _text_values(con, "core", "dim_practitioner") if v in names]
    finally:
        con.close()
    assert len(names) > 20 and len(in_dim) >= len(names) // 2  # the oracle holds the sample's practitioners
    return names


@pytest.mark.slow
def test_no_practitioner_full_name_in_supervisor_views_or_export(pipeline_run):
    names = _practitioner_names(pipeline_run["warehouse"])
    sup = pipeline_run["warehouse"].parent / "outputs" / "supervisor"
    leaks = {}
    for db, schemas in (
        (pipeline_run["warehouse"], ("supervisor",)),
        (sup / "yibao_supervisor.duckdb", ("supervisor", "supervision", "main")),
    ):
        con = duckdb.connect(str(db), read_only=True)
        try:
            rels = con.execute(
                "select table_schema, table_name from information_schema.tables where table_catalog = "
                "current_database() and table_schema in (" + ", ".join("?" for _ in schemas) + ")",
                list(schemas),
            ).fetchall()
            assert rels
            for schema, table in rels:
                for v in _text_values(con, schema, table):
                    hit = [n for n in names if n in v]
                    if hit:
                        leaks.setdefault(f"{db.name}:{schema}.{table}", set()).update(hit)
        finally:
            con.close()
    for pq in sorted((sup / "parquet").glob("*.parquet")):
        text = str(duckdb.sql(f"select * from read_parquet('{pq}')").fetchall())
        hit = [n for n in names if n in text]
        if hit:
            leaks.setdefault(pq.name, set()).update(hit)
    assert not leaks, leaks
    # a practitioner in evidence is code plus masked name (a registered one; an unregistered code has no name)
    con = duckdb.connect(str(sup / "yibao_supervisor.duckdb"), read_only=True)
    try:
        texts = [
            t
            for (t,) in con.execute(
                "select evidence_text from supervisor.supervisor_clue_hits where rule_code = 'R15'"
            ).fetchall()
        ]
    finally:
        con.close()
    assert texts and all(" dr_code: D" in t for t in texts)
    masked = [line.split(": ", 1)[1] for t in texts for line in t.splitlines() if "dr_name_masked:" in line]
    assert any(m.endswith("*") for m in masked) and all(m.endswith("*") or m == "（空）" for m in masked), masked


@pytest.mark.slow
def test_supervisor_export_reads_for_supervisors(pipeline_run):
    sup = pipeline_run["warehouse"].parent / "outputs" / "supervisor"
    con = duckdb.connect(str(sup / "yibao_supervisor.duckdb"), read_only=True)
    try:
        hits = con.execute("select evidence, evidence_text from supervisor.supervisor_clue_hits").fetchall()
        listed = con.execute(
            "select is_closed, year_quarter, priority_rank from supervisor.supervisor_clue_list"
        ).fetchall()
        status = con.execute("select distinct handling_status from supervisor.supervisor_clue_list").fetchall()
        fct_cols = [r[0] for r in con.execute("describe supervision.fct_rule_hits").fetchall()]
    finally:
        con.close()
    assert hits and all(t == render_evidence(e) or t for e, t in hits)
    assert any("医疗类别 med_type: 11（普通门诊）" in t for _, t in hits)
    # every evidence key of every rule has a Chinese label
    unlabelled: set[str] = set()

    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if not label_of(k):
                    unlabelled.add(k)
                walk(v)
        elif isinstance(o, list):
            for x in o:
                walk(x)

    for e, _ in hits:
        walk(json.loads(e))
    assert not unlabelled, sorted(unlabelled)
    # the raw evidence contract is untouched; the rendering lives beside it in the supervisor view only
    assert "evidence" in fct_cols and "evidence_text" not in fct_cols
    # open clues first, then the quarter and its priority order
    assert listed == sorted(listed)
    assert {s for (s,) in status} <= {"未办结", "已办结"}
