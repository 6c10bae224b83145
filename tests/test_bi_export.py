"""The BI export as a BI tool sees it: a DuckDB 1.x client, descriptions, no access to other files.

RELIABILITY.md security tests: the exports open in the DuckDB versions BI tools ship, and a BI client
of the documented connection cannot read other files of the host.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from exports.writer import ColumnDoc, RelationDoc, bi_column_verdict, bi_connection_url, load_docs
from warehouse.settings import REPO_ROOT

BI_CLIENT = REPO_ROOT / ".venv-bi-client" / "bin" / "python"


def _bi(pipeline_run) -> Path:
    return pipeline_run["warehouse"].parent / "outputs" / "bi" / "yibao_bi.duckdb"


@pytest.fixture(scope="module")
def client_view(pipeline_run) -> dict:
    """What Superset's stack (DuckDB 1.x, duckdb-engine, SQLAlchemy 1.4) sees through the documented URI."""
    assert BI_CLIENT.exists(), "the BI client venv is missing: run `make venv` (it installs .venv-bi-client)"
    probe = Path(__file__).with_name("bi_client_probe.py")
    other = pipeline_run["warehouse"]  # the warehouse itself: the BI connection must not reach it
    out = subprocess.run(
        [str(BI_CLIENT), str(probe), bi_connection_url(_bi(pipeline_run)), str(other)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_a_duckdb_1x_client_opens_the_export_read_only(client_view):
    assert client_view["duckdb"].startswith("1.")
    assert client_view["settings"] == {"access_mode": "read_only", "enable_external_access": False}
    assert client_view["fee_lines"] > 0
    # persons are counted by psn_key across facts and dim_person without any identity
    assert client_view["persons_counted"] > 0


def test_every_table_and_column_carries_its_description(client_view):
    tables = client_view["tables"]
    assert {
        "core.fct_fee_line",
        "core.dim_person",
        "core.dim_admdvs",
        "reporting.rpt_quarter_summary",
        "reporting.rpt_hospital_indicators_quarterly",
        "supervision.mart_clues",
        "supervision.mart_clue_rules",
    } <= set(tables)
    missing = [f"{t}.{c}" for t, v in tables.items() for c, comment in v["columns"].items() if not comment]
    assert not missing
    assert all(v["comment"] for v in tables.values())
    assert tables["core.dim_person"]["columns"]["birth_year"].startswith("出生年份 — ")


def test_the_documented_connection_reads_no_other_file(client_view):
    refused = client_view["refused"]
    for what in ("read_csv", "attach", "copy_to"):
        assert refused[what] and "Permission" in refused[what], (what, refused[what])
    assert refused["create_table"] and "read-only" in refused["create_table"]


def test_bi_export_has_county_names_quarter_dates_person_keys_and_no_lineage(pipeline_run):
    con = duckdb.connect(str(_bi(pipeline_run)), read_only=True)
    try:
        cols = {}
        for s, t, c in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database()"
        ).fetchall():
            cols.setdefault(f"{s}.{t}", set()).add(c)
        lineage = {
            f"{t}.{c}"
            for t, cs in cols.items()
            for c in cs
            if c.startswith(("source_", "_")) and c not in ("source_feed", "source_key")
        }
        assert not lineage
        with duckdb.connect(str(pipeline_run["warehouse"]), read_only=True) as wh:
            with_person = {
                f"core.{t}"
                for (t,) in wh.execute(
                    "select table_name from information_schema.columns where table_schema = 'core' "
                    "and table_name like 'fct\\_%' escape '\\' and column_name = 'psn_no'"
                ).fetchall()
            }
        assert {"core.fct_visit", "core.fct_fee_line"} <= with_person
        for rel, cs in cols.items():
            if "year_quarter" in cs:
                assert "quarter_start_date" in cs, rel
            if rel in with_person:  # a fact about persons names them by psn_key alone
                assert "psn_key" in cs and "psn_no" not in cs, rel
        assert {"admdvs_name", "quarter_start_date", "rule_code", "suspect_amount"} <= cols[
            "supervision.mart_clue_rules"
        ]
        assert cols["core.dim_person"] >= {"psn_key", "birth_year", "gend", "insu_admdvs", "is_deceased"}
        assert not cols["core.dim_person"] & {"brdy", "die_date", "certno_masked", "psn_name_masked", "psn_no"}
        assert "dr_name" not in cols["core.dim_practitioner"]
        # every county the sample's institutions are in has its name
        unnamed = con.execute("select count(*) from core.dim_institution where admdvs_name is null").fetchone()[0]
        in_use = con.execute("select count(*), count(admdvs_name) from core.dim_admdvs where is_in_use").fetchone()
        dictionary = con.execute("select count(*), count(column_description) from main.data_dictionary").fetchone()
        starts = con.execute(
            "select distinct quarter_start_date from reporting.rpt_quarter_summary "
            "where strftime(quarter_start_date, '%m-%d') not in ('01-01', '04-01', '07-01', '10-01')"
        ).fetchall()
    finally:
        con.close()
    assert unnamed == 0 and in_use[0] == in_use[1] > 0
    # the data dictionary lists every exported column with its description (for Excel / Parquet readers)
    assert dictionary[0] == dictionary[1] == sum(len(c) for r, c in cols.items() if r != "main.data_dictionary")
    assert not starts


def test_a_column_goes_to_bi_only_when_documented_and_not_personal(dbt_manifest):
    doc = RelationDoc("t", {"amount": ColumnDoc("金额", False), "brdy2": ColumnDoc("出生日期", True)})
    assert bi_column_verdict("amount", doc) is None
    assert bi_column_verdict("brdy2", doc) == "personal"  # marked meta.pii in the dbt docs
    assert bi_column_verdict("new_column", doc) == "undocumented"  # never guessed
    assert bi_column_verdict("psn_no", RelationDoc("t", {"psn_no": ColumnDoc("人员编号", False)})) == "personal"
    assert bi_column_verdict("source_file", doc) == "lineage" and bi_column_verdict("_line", doc) == "lineage"
    docs = load_docs(dbt_manifest)
    person = docs[("core", "dim_person")]
    assert [c for c, d in person.columns.items() if d.pii] == [
        "psn_no",
        "certno_masked",
        "psn_name_masked",
        "brdy",
        "die_date",
    ]
    assert person.comment.startswith("参保人员维度 — One row per insured person")
    # hit reviews: who reviewed and the free-text reason stay with the supervisors
    reviews = docs[("core", "fct_hit_review")]
    assert [c for c, d in reviews.columns.items() if d.pii] == ["reviewer", "reason"]
    assert [c for c, d in docs[("supervision", "mart_hit_reviews")].columns.items() if d.pii] == []
    assert bi_column_verdict("reviewer", RelationDoc("t", {"reviewer": ColumnDoc("复核人", False)})) == "personal"
