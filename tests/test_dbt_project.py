"""The dbt project builds from a fresh clone, and the rules hit exactly the hand-made cases.

Each test makes its own warehouse: the raw schema and every raw table come from the feed registry
(``ingest.specs.raw_table_ddl``), then ``dbt build`` runs in process (seeds, models, data tests,
unit tests) with its own target and log paths, so nothing depends on a prebuilt ``target/``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.helpers import create_raw, insert_raw, run_dbt, ts

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"
TEST_SECRET = "pytest-only-psn-key-secret-0f3a"


def insert_rows(con, feed_name: str, rows: list[dict], period: str, loaded_at: str = "2025-06-01 00:00:00") -> None:
    """Hand-made rows into raw.<feed> as one CSV delivery of the period from sender 110105."""
    insert_raw(con, feed_name, rows, period, sender="110105", loaded_at=loaded_at)


@pytest.fixture
def dbt_env(tmp_path, monkeypatch):
    """A temporary warehouse with empty raw tables, and a function running dbt against it."""
    warehouse = tmp_path / "warehouse.duckdb"
    create_raw(warehouse)
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("YIBAO_PSN_KEY_SECRET", TEST_SECRET)
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    target = tmp_path / "target"

    def run(*args: str):
        return run_dbt(*args, target=target, logs=tmp_path / "logs")

    return {"warehouse": warehouse, "target": target, "run": run}


def test_build_on_empty_raw_tables(dbt_env):
    result = dbt_env["run"]("build")
    kinds = {r.node.resource_type for r in result.result.results}
    assert {"seed", "model", "test", "unit_test"} <= {str(k) for k in kinds}
    con = duckdb.connect(str(dbt_env["warehouse"]), read_only=True)
    try:
        assert con.execute("select count(*) from supervision.fct_rule_hits").fetchall()[0][0] == 0
        # the date spine still exists (the current year) so BI joins never break
        assert con.execute("select count(*) from core.dim_date").fetchall()[0][0] >= 365
        assert (
            con.execute("select name_zh from ref.code_med_chrgitm_type where code = '01'").fetchall()[0][0] == "床位费"
        )
    finally:
        con.close()


# --------------------------------------------------------------------------------- hand-made data

CERT_1 = "11010519491231002X"
CERT_2 = "110105198001010016"


def load_cases(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        insert_rows(
            con,
            "fixmedins",
            [
                {
                    "fixmedins_code": "H001",
                    "fixmedins_name": "第一医院",
                    "fixmedins_type": "1",
                    "hosp_lv": "3",
                    "econ_type": "1",
                    "admdvs": "110105",
                },
                {
                    "fixmedins_code": "P001",
                    "fixmedins_name": "康复大药房",
                    "fixmedins_type": "2",
                    "econ_type": "2",
                    "admdvs": "110105",
                    "open_time": "08:00",
                    "close_time": "22:00",
                },
            ],
            "202503",
        )
        insert_rows(
            con,
            "fixmedins_agreement",
            [
                {
                    "fixmedins_code": "H001",
                    "agreement_no": "A-H001",
                    "begndate": "2024-01-01",
                    "enddate": "2026-12-31",
                    "agreement_status": "1",
                },
            ],
            "202503",
        )
        insert_rows(
            con,
            "psn",
            [
                {
                    "psn_no": "PSN1",
                    "certno": CERT_1,
                    "psn_name": "张三",
                    "gend": "1",
                    "brdy": "1949-12-31",
                    "insutype": "310",
                    "insu_admdvs": "110105",
                    "tel": "13800138000",
                },
                {
                    "psn_no": "PSN2",
                    "certno": CERT_2,
                    "psn_name": "李四",
                    "gend": "2",
                    "brdy": "1980-01-01",
                    "insutype": "390",
                    "insu_admdvs": "110105",
                },
            ],
            "202503",
        )
        insert_rows(
            con,
            "hilist",
            [
                {
                    "hilist_code": "SVC-A",
                    "hilist_name": "静脉注射",
                    "list_type": "201",
                    "med_chrgitm_type": "05",
                    "pric_uplmt_amt": 10,
                },
                # drug D: the cap changed on 2025-01-01 (catalogue validity)
                {
                    "hilist_code": "DRUG-D",
                    "hilist_name": "阿莫西林胶囊",
                    "list_type": "101",
                    "med_chrgitm_type": "09",
                    "pric_uplmt_amt": 20,
                    "valid_from": "2024-01-01",
                    "valid_to": "2024-12-31",
                },
                {
                    "hilist_code": "DRUG-D",
                    "hilist_name": "阿莫西林胶囊",
                    "list_type": "101",
                    "med_chrgitm_type": "09",
                    "pric_uplmt_amt": 25,
                    "valid_from": "2025-01-01",
                },
                {"hilist_code": "BED", "hilist_name": "床位费", "list_type": "201", "med_chrgitm_type": "01"},
            ],
            "202503",
        )

        def visit(mid, psn, beg, end, diag, dscg_way="1", med_type="21", inst="H001"):
            return {
                "mdtrt_id": mid,
                "psn_no": psn,
                "fixmedins_code": inst,
                "med_type": med_type,
                "begntime": ts(beg),
                "endtime": ts(end),
                "dscg_maindiag_code": diag,
                "dscg_maindiag_name": diag and "诊断" + diag,
                "dscg_way": dscg_way,
                "insu_admdvs": "110105",
            }

        insert_rows(
            con,
            "mdtrt",
            [
                # R05: PSN1 re-admitted 10 days after discharge with the same J18 group -> V2 hits
                visit("V1", "PSN1", "2025-01-01 09:00:00", "2025-01-10 10:00:00", "J18.0"),
                visit("V2", "PSN1", "2025-01-20 09:00:00", "2025-01-25 10:00:00", "J18.9"),
                # near miss: PSN2 re-admitted 16 days after discharge
                visit("V3", "PSN2", "2025-01-01 09:00:00", "2025-01-10 10:00:00", "J18.0"),
                visit("V4", "PSN2", "2025-01-26 09:00:00", "2025-01-30 10:00:00", "J18.0"),
                # outpatient visit with the duplicate / over-price fee lines
                visit("M1", "PSN2", "2025-02-03 08:00:00", "2025-02-03 12:00:00", "K29.7", med_type="11"),
                visit("M2", "PSN2", "2024-12-10 08:00:00", "2024-12-10 12:00:00", "K29.7", med_type="11"),
                # pharmacy purchase settled by insurance (its fee line must not be counted by line rules)
                visit(
                    "MP",
                    "PSN1",
                    "2025-02-05 10:00:00",
                    "2025-02-05 10:00:00",
                    None,
                    dscg_way=None,
                    med_type="41",
                    inst="P001",
                ),
            ],
            "202502",
        )

        def setl(sid, mid, psn, t, amt, inst="H001", **kw):
            return {
                "setl_id": sid,
                "mdtrt_id": mid,
                "psn_no": psn,
                "fixmedins_code": inst,
                "setl_time": ts(t),
                "medfee_sumamt": amt,
                "fund_pay_sumamt": amt,
                "acct_pay": 0,
                "psn_cash_pay": 0,
                "refd_setl_flag": "0",
                **kw,
            }

        insert_rows(
            con,
            "setl",
            [
                setl("S1", "V1", "PSN1", "2025-01-10 11:00:00", 5000),
                setl("S2", "V2", "PSN1", "2025-01-25 11:00:00", 8000),
                setl("S3", "V3", "PSN2", "2025-01-10 11:00:00", 4000),
                setl("S4", "V4", "PSN2", "2025-01-30 11:00:00", 3000),
                setl("SM1", "M1", "PSN2", "2025-02-03 12:00:00", 244),
                setl("SM2", "M2", "PSN2", "2024-12-10 12:00:00", 44),
                setl("SP", "MP", "PSN1", "2025-02-05 10:00:00", 30, inst="P001"),
            ],
            "202502",
        )

        def line(sn, mid, sid, t, code, cnt, pric, list_type="201", inst="H001", psn="PSN2", **kw):
            return {
                "feedetl_sn": sn,
                "mdtrt_id": mid,
                "setl_id": sid,
                "psn_no": psn,
                "fixmedins_code": inst,
                "fee_ocur_time": ts(t),
                "hilist_code": code,
                "list_type": list_type,
                "cnt": cnt,
                "pric": pric,
                "det_item_fee_sumamt": round(cnt * pric, 2),
                **kw,
            }

        # a correction: FX was first delivered over the cap, then re-delivered at the cap
        insert_rows(
            con,
            "fee_list",
            [
                line("FX", "M1", "SM1", "2025-02-03 09:30:00", "SVC-A", 1, 15),
            ],
            "202501",
        )
        insert_rows(
            con,
            "fee_list",
            [
                # R01: two lines of SVC-A in the same second -> the second (L2) hits
                line("L1", "M1", "SM1", "2025-02-03 09:00:00", "SVC-A", 1, 10),
                line("L2", "M1", "SM1", "2025-02-03 09:00:00", "SVC-A", 1, 10),
                # near miss: one second later
                line("L3", "M1", "SM1", "2025-02-03 09:00:01", "SVC-A", 1, 10),
                # refund case: a duplicate pair whose second line is fully refunded -> no hit
                line("L4", "M1", "SM1", "2025-02-03 10:00:00", "SVC-A", 1, 10),
                line("L5", "M1", "SM1", "2025-02-03 10:00:00", "SVC-A", 1, 10),
                line("L5R", "M1", "SM1", "2025-02-03 11:00:00", "SVC-A", -1, 10, init_feedetl_sn="L5"),
                # R02: 12 against a cap of 10 on 2 units -> 4.00
                line("F1", "M1", "SM1", "2025-02-03 09:10:00", "SVC-A", 2, 12),
                # near miss: exactly the tolerance above the cap
                line("F2", "M1", "SM1", "2025-02-03 09:20:00", "SVC-A", 1, 10.01),
                # the correction of FX (latest delivery wins): at the cap now -> no hit
                line("FX", "M1", "SM1", "2025-02-03 09:30:00", "SVC-A", 1, 10),
                # catalogue validity: DRUG-D at 22 is over the 2024 cap (20) but under the 2025 cap (25)
                line("D24", "M2", "SM2", "2024-12-10 09:00:00", "DRUG-D", 2, 22, list_type="101"),
                line("D25", "M1", "SM1", "2025-02-03 09:40:00", "DRUG-D", 2, 22, list_type="101"),
                # the pharmacy's own fee line (over the cap): read from phar_sale instead, never hit here
                line(
                    "FP", "MP", "SP", "2025-02-05 10:00:00", "DRUG-D", 1, 30, list_type="101", inst="P001", psn="PSN1"
                ),
                # bed fees of the stays
                line("B1", "V1", "S1", "2025-01-01 09:00:00", "BED", 9, 50, psn="PSN1"),
                line("B2", "V2", "S2", "2025-01-20 09:00:00", "BED", 5, 50, psn="PSN1"),
            ],
            "202502",
        )

        def sale(sn, t, cnt, pric, **kw):
            return {
                "sale_sn": sn,
                "fixmedins_code": "P001",
                "psn_no": "PSN1",
                "sel_time": ts(t),
                "med_list_codg": "DRUG-D",
                "cnt": cnt,
                "finl_trns_pric": pric,
                "retn_flag": "0",
                **kw,
            }

        insert_rows(
            con,
            "phar_sale",
            [
                # R02 on a pharmacy sale: 30 against 25 on 1 unit -> 5.00, carries sale_sn
                sale("PS1", "2025-02-05 10:00:00", 1, 30, setl_id="SP", drug_trac_codg="TRAC-1"),
                # returned in full (matched by 追溯码, no init_sale_sn) -> no hit
                sale("PS2", "2025-02-06 10:00:00", 1, 30, drug_trac_codg="TRAC-2"),
                sale("PS2R", "2025-02-07 10:00:00", -1, 30, drug_trac_codg="TRAC-2", retn_flag="1"),
                # at the cap -> no hit
                sale("PS3", "2025-02-08 10:00:00", 1, 25, drug_trac_codg="TRAC-3"),
            ],
            "202502",
        )
    finally:
        con.close()


def test_rules_hit_exactly_the_hand_made_cases(dbt_env):
    load_cases(dbt_env["warehouse"])
    dbt_env["run"]("build")
    con = duckdb.connect(str(dbt_env["warehouse"]), read_only=True)
    try:
        hits = con.execute("""
            select rule_code, coalesce(feedetl_sn, sale_sn, mdtrt_id) as what, fixmedins_code, psn_no,
                   occurred_on, suspect_amount, evidence
            from supervision.fct_rule_hits where rule_code in ('R01', 'R02', 'R05') order by 1, 2
        """).fetchall()
        # the hand-made world is only complete for these three rules (no agreements, stocktakes…),
        # so other rules' hits on it are not asserted here; tests/test_pipeline.py scores all 22
        got = {(r[0], r[1]): float(r[5]) for r in hits}
        assert got == {
            ("R01", "L2"): 10.00,
            ("R02", "F1"): 4.00,
            ("R02", "D24"): 4.00,
            ("R02", "PS1"): 5.00,
            ("R05", "V2"): 8000.00,
        }, hits
        # hit ids are deterministic and unique; every hit carries JSON evidence
        ids = con.execute(
            "select hit_id from supervision.fct_rule_hits where rule_code in ('R01', 'R02', 'R05')"
        ).fetchall()
        assert len({i[0] for i in ids}) == len(ids) == 5
        evidence = {(r[0], r[1]): r[6] for r in hits}
        assert '"prior_stay"' in evidence[("R05", "V2")] and '"V1"' in evidence[("R05", "V2")]
        assert '"kept_feedetl_sn":"L1"' in evidence[("R01", "L2")].replace(" ", "")
        assert con.execute("select count(*) from supervision.vio_r01_duplicate_charge").fetchall()[0][0] == 1

        # core marts: netting, LOS, person pseudonymisation
        assert con.execute(
            "select net_cnt, is_fully_refunded from core.fct_fee_line where feedetl_sn = 'L5'"
        ).fetchall()[0] == (0, True)
        assert (
            con.execute("select returned_sale_sn from core.fct_pharmacy_sale where sale_sn = 'PS2R'").fetchall()[0][0]
            == "PS2"
        )
        assert con.execute("select los_days from core.fct_visit where mdtrt_id = 'V1'").fetchall()[0][0] == 9
        person = con.execute(
            "select psn_key, certno_masked, psn_name_masked from core.dim_person where psn_no = 'PSN1'"
        ).fetchall()[0]
        expected_key = hmac.new(TEST_SECRET.encode(), CERT_1.encode(), hashlib.sha256).hexdigest()
        assert person == (expected_key, "110105********002X", "张*")
        # no raw identifier anywhere outside raw
        for schema, table, column in con.execute("""
                select table_schema, table_name, column_name from information_schema.columns
                where table_schema not in ('raw') and data_type = 'VARCHAR'""").fetchall():
            n = con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}" in (?, ?, ?, ?, ?)',
                [CERT_1, CERT_2, "张三", "李四", "13800138000"],
            ).fetchall()[0][0]
            assert n == 0, (schema, table, column)
    finally:
        con.close()
    # the pseudonym secret never reaches dbt's compiled SQL, manifest or logs
    for path in [*dbt_env["target"].rglob("*"), *(dbt_env["target"].parent / "logs").rglob("*")]:
        if path.is_file():
            assert TEST_SECRET.encode() not in path.read_bytes(), path


RULES_DIR = DBT_DIR / "models" / "marts" / "supervision" / "rules"


def listed_rule_views() -> list[str]:
    """The rule_views list of fct_rule_hits.sql: the one place a rule view is registered."""
    sql = (RULES_DIR / "fct_rule_hits.sql").read_text(encoding="utf-8")
    block = re.search(r"set rule_views = \[(.*?)\]", sql, re.S)
    assert block, "fct_rule_hits.sql has no rule_views list"
    return re.findall(r"'([^']+)'", block.group(1))


def test_rule_views_registered_for_fct_rule_hits():
    """fct_rule_hits refs the names of its rule_views list: every vio_r* view, all in the rules folder."""
    files = sorted(p.stem for p in (DBT_DIR / "models").rglob("vio_r*.sql"))
    assert files and sorted(listed_rule_views()) == files
    outside = [p for p in (DBT_DIR / "models").rglob("vio_r*.sql") if p.parent != RULES_DIR]
    assert not outside, f"rule views belong in {RULES_DIR.relative_to(DBT_DIR)}: {outside}"


def test_an_unlisted_rule_view_stops_the_build_with_the_line_to_add(tmp_path, monkeypatch):
    """A rule view missing from rule_views fails fct_rule_hits with the exact line to add, instead of
    leaving the rule out of the hits."""
    import shutil

    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    rules = project / "models" / "marts" / "supervision" / "rules"
    (rules / "vio_r99_unlisted.sql").write_text("select * from {{ ref('vio_r01_duplicate_charge') }}\n")
    create_raw(tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("YIBAO_PSN_KEY_SECRET", TEST_SECRET)
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    try:
        result = dbtRunner().invoke(
            [
                "compile",
                "--select",
                "fct_rule_hits",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
                "--target-path",
                str(tmp_path / "target"),
                "--log-path",
                str(tmp_path / "logs"),
                "--no-partial-parse",
            ]
        )
    finally:
        DuckDBConnectionManager.close_all_connections()
    assert not result.success
    message = str(result.exception) + " ".join(str(r.message) for r in getattr(result.result, "results", []) or [])
    assert "add the line(s)    'vio_r99_unlisted'," in message, message
    assert "models/marts/supervision/rules/fct_rule_hits.sql" in message, message


STUB_RULE_VIEW = """
select
    cast('R99' as varchar) as rule_code,
    cast('R99-stub-0001' as varchar) as hit_id,
    fixmedins_code,
    cast('PSN-STUB' as varchar) as psn_no,
    cast(null as varchar) as mdtrt_id,
    cast(null as varchar) as setl_id,
    cast(null as varchar) as feedetl_sn,
    cast(null as varchar) as sale_sn,
    cast(null as varchar) as hilist_code,
    date '2025-03-10' as occurred_on,
    cast(123.45 as decimal(18, 2)) as suspect_amount,
    cast('{"stub": true}' as varchar) as evidence,
    {{ catalogue_result_level('R99') }} as result_level
from {{ ref('dim_institution') }}
where fixmedins_code = 'H001'
"""


def test_a_new_rule_reaches_clues_and_reports_without_touching_them(tmp_path, monkeypatch):
    """A rule added to a copy of the project (its view, its catalogue row and the view's line in
    fct_rule_hits) reaches fct_rule_hits, the clue list, the per-rule clue breakdown and the supervisor
    views, and every dbt test passes, with no other file edited."""
    import shutil

    import yaml

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    rules = project / "models" / "marts" / "supervision" / "rules"
    (rules / "vio_r99_stub_rule.sql").write_text(STUB_RULE_VIEW, encoding="utf-8")
    # its YAML: the uniform columns (the contract every rule view has) and the rule_output test
    views = yaml.safe_load((rules / "_rules__models.yml").read_text(encoding="utf-8"))["models"]
    stub = {
        "name": "vio_r99_stub_rule",
        "config": {"meta": {"rule_code": "R99", "label_zh": "测试规则"}},
        "data_tests": ["rule_output"],
        "columns": views[0]["columns"],
    }
    (rules / "vio_r99_stub_rule.yml").write_text(
        yaml.safe_dump({"version": 2, "models": [stub]}, allow_unicode=True), encoding="utf-8"
    )
    hits_sql = rules / "fct_rule_hits.sql"
    sql = hits_sql.read_text(encoding="utf-8")
    listed_end = "\n] -%}\n{%- set registered"
    assert listed_end in sql
    hits_sql.write_text(sql.replace(listed_end, "\n    'vio_r99_stub_rule'," + listed_end))
    catalogue = project / "seeds" / "knowledge_base" / "rule_catalogue.csv"
    with catalogue.open("a", encoding="utf-8") as out:
        out.write("R99,测试规则,违规收费,测试依据,3,2,,只为测试新增规则。\n")

    warehouse = tmp_path / "warehouse.duckdb"
    create_raw(warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        insert_rows(
            con,
            "fixmedins",
            [
                {
                    "fixmedins_code": "H001",
                    "fixmedins_name": "第一医院",
                    "fixmedins_type": "1",
                    "hosp_lv": "3",
                    "econ_type": "1",
                    "admdvs": "110105",
                }
            ],
            "202503",
        )
    finally:
        con.close()
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("YIBAO_PSN_KEY_SECRET", TEST_SECRET)
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    run_dbt("build", target=tmp_path / "target", logs=tmp_path / "logs", project=project)

    con = duckdb.connect(str(warehouse), read_only=True)
    try:

        def rows(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        # the level comes from the catalogue row's default_result_level (2: 可疑)
        assert rows("select rule_code, hit_id, suspect_amount, result_level from supervision.fct_rule_hits") == [
            ("R99", "R99-stub-0001", Decimal("123.45"), "2")
        ]
        assert rows(
            "select clue_id, hit_count, rule_count, suspect_amount, top_rule_code,"
            " certain_amount, review_hit_count, review_amount from supervision.mart_clues"
        ) == [("CL-H001-2025Q1", 1, 1, Decimal("123.45"), "R99", Decimal("0.00"), 1, Decimal("123.45"))]
        assert rows(
            "select clue_id, rule_code, rule_name_zh, hit_count, suspect_amount from supervision.mart_clue_rules"
        ) == [("CL-H001-2025Q1", "R99", "测试规则", 1, Decimal("123.45"))]
        assert rows("select rule_code, rule_name_zh, result_level_name from supervisor.supervisor_clue_hits") == [
            ("R99", "测试规则", "可疑")
        ]
        assert rows("select clue_id, top_rules from supervisor.supervisor_clue_list") == [
            ("CL-H001-2025Q1", "R99 测试规则 123.45元 (1)")
        ]
    finally:
        con.close()


def test_every_rule_var_has_its_rules_md_default():
    import yaml

    project = yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    expected = {
        "price_tolerance": 0.01,
        "readmit_days": 15,
        "idle_days": 3,
        "idle_item_types": ["01", "02", "07"],
        "low_std_max_los": 5,
        "low_std_exam_share": 0.5,
        "inv_tolerance": 0,
        "no_purchase_months": 12,
        "supply_window_days": 30,
        "max_supply_days": 90,
        "max_daily_pharmacy_setl": 3,
        "growth_min_amount": 10000,
        "growth_ratio": 2.0,
        "major_case_amount": 500000,
        "frequent_opt_days": 15,
        "frequent_pharmacy_days": 12,
        "frequent_admissions": 6,
        "gang_min_days": 4,
        "gang_min_size": 3,
        "peer_min_visits": 30,
        "peer_min_members": 4,
        "peer_z": 3.0,
    }
    assert {k: project["vars"][k] for k in expected} == expected


def read_catalogue() -> dict[str, dict]:
    import csv

    with open(DBT_DIR / "seeds" / "knowledge_base" / "rule_catalogue.csv", encoding="utf-8", newline="") as f:
        return {r["rule_code"]: r for r in csv.DictReader(f)}


# what a rule is, as opposed to what it computes: written in rule_catalogue and nowhere else
IDENTITY_COLUMNS = (
    "rule_name_zh",
    "category",
    "legal_basis",
    "severity",
    "default_result_level",
    "national_rule_codes",
)


def test_a_rules_identity_lives_in_rule_catalogue_alone(dbt_manifest):
    """Name, category, legal basis, severity and result level are the rule's catalogue row: a rule view's
    YAML, SQL and docs state only its code (and the catalogue's name as its label, which must match), so
    they cannot drift apart."""
    import json

    catalogue = read_catalogue()
    nodes = json.loads(dbt_manifest.read_text(encoding="utf-8"))["nodes"].values()
    views = {n["name"]: n for n in nodes if n["resource_type"] == "model" and n["name"].startswith("vio_r")}
    by_code = {}
    for name, node in views.items():
        meta = node["config"]["meta"]
        code = meta.get("rule_code")
        assert code in catalogue, f"{name}: meta.rule_code {code!r} has no row in rule_catalogue.csv"
        assert name.startswith(f"vio_{code.lower()}_"), f"{name}: its name does not start with vio_{code.lower()}_"
        row = catalogue[code]
        assert meta.get("label_zh") == row["rule_name_zh"], (
            f"{name}: meta.label_zh {meta.get('label_zh')!r} is not the catalogue's name {row['rule_name_zh']!r}"
        )
        stated = sorted(set(meta) & {*IDENTITY_COLUMNS, "rule_name", "name_zh", "result_level"})
        assert not stated, f"{name}: the YAML states {stated}; they belong to rule_catalogue.csv alone"
        assert code not in by_code, f"{name} and {by_code.get(code)} both claim {code}"
        by_code[code] = name
        # the SQL writes only its own code, and none of the catalogue's words
        sql = (DBT_DIR / node["original_file_path"]).read_text(encoding="utf-8")
        assert set(re.findall(r"(?:cast|hit_id)\('(R\d\d)'", sql)) == {code}, f"{name}: rule code literals"
        for col in ("rule_name_zh", "legal_basis"):
            assert row[col] not in sql, f"{name}: its SQL states the catalogue's {col}"
        assert "条例" not in sql, f"{name}: its SQL cites a legal basis"
        # the docs name the rule by its code and leave the rest to the catalogue
        doc = node["description"]
        assert re.findall(r"\*\*(R\d\d)\*\*", doc) == [code], f"{name}: its doc block names another code"
        assert row["rule_name_zh"] not in doc and row["legal_basis"] not in doc and "条例" not in doc, name
    assert sorted(by_code) == sorted(catalogue), "one rule view per catalogued rule"


def test_each_legal_basis_is_written_in_the_catalogue_alone():
    """`grep -rn <legal basis>` over the repository finds one file for every rule: rule_catalogue.csv."""
    import subprocess

    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    texts = {}
    for rel in filter(None, listed.split("\0")):
        p = REPO / rel
        # a link is not a second copy (the unit tests' fixture links to the catalogue seed)
        if p.is_file() and not p.is_symlink():
            texts[rel] = p.read_bytes().decode("utf-8", errors="ignore")
    catalogue = read_catalogue()
    assert catalogue
    for code, row in catalogue.items():
        holders = [rel for rel, t in texts.items() if row["legal_basis"] in t]
        assert holders == ["dbt_project/seeds/knowledge_base/rule_catalogue.csv"], (code, holders)


def test_columns_a_rule_leaves_out_of_its_fingerprints_are_columns_it_does_not_read(dbt_manifest):
    """A rule may leave a dimension's snapshot columns (is_current, last_period_seen …) out of the
    fingerprints that decide when its hits are evaluated again (meta.recompute … ignore): that is right
    only while the rule's SQL never names them — a rule starting to read one must drop it from the list."""
    import json

    nodes = json.loads(dbt_manifest.read_text(encoding="utf-8"))["nodes"].values()
    declared = 0
    for node in nodes:
        if node["resource_type"] != "model" or not node["name"].startswith("vio_r"):
            continue
        recompute = node["config"]["meta"].get("recompute") or {}
        specs = {**(recompute.get("dated_inputs") or {}), **(recompute.get("keyed_inputs") or {})}
        sql = (DBT_DIR / node["original_file_path"]).read_text(encoding="utf-8")
        words = set(re.findall(r"\w+", sql))
        for relation, spec in specs.items():
            ignored = spec.get("ignore", []) if isinstance(spec, dict) else []
            declared += len(ignored)
            read = sorted(words & set(ignored))
            assert not read, f"{node['name']}: leaves {read} of {relation} out of its fingerprints but names them"
    assert declared, "no rule leaves a column out: this test checks nothing"
