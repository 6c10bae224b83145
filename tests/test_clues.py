"""Clues (mart_clues, supervisor views) on hand-made raw rows through a real dbt build.

One warehouse for the module: the raw rows below are loaded, dbt builds three times — twice on the
same data (re-runs must give identical marts), then once more after supervisors deliver another
case_clue workbook (the round trip: stages stay attached to the same clue ids), and a fourth time after
the clue sheet of `make clue-sheet` was filled in, put where it says and loaded. Every test reads what
the builds left behind.

The hand-made activity hits only R05 分解住院 (the later stay's settlement total is the suspect
amount), with stays too short for R06 and diagnoses outside the low-standard list:

* H001 2025Q1 — 500,000.00 exactly in January: must report; detected 2025-02-01 (Saturday), due the
  5th working day after: 02-03/02-04 are 春节, 02-08 (Saturday) is a 调休 working day -> 2025-02-10.
* H002 2025Q1 — 499,999.99: no report duty.
* H003 2025Q4 — 600,000.00 in December: detected 2026-01-01, a year the data do not reach; 元旦
  01-01..01-03, 01-04 (Sunday) a 调休 working day -> 2026-01-08.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.helpers import create_raw, insert_raw, run_dbt, ts

REPO = Path(__file__).resolve().parents[1]
TEST_SECRET = "pytest-only-psn-key-secret-clues"
CERT_1 = "11010519491231002X"


def _insert(con, feed_name: str, rows: list[dict], period: str, seq: str = "") -> None:
    """Rows into raw.<feed> as the centre's workbook of the period, loaded on the 28th."""
    insert_raw(
        con,
        feed_name,
        rows,
        period,
        sender="990100",
        loaded_at=f"{period[:4]}-{period[4:]}-28 00:00:00",
        seq=seq,
        ext="xlsx",
    )


def _load_activity(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        _insert(
            con,
            "fixmedins",
            [
                {
                    "fixmedins_code": code,
                    "fixmedins_name": name,
                    "fixmedins_type": "1",
                    "hosp_lv": "3",
                    "econ_type": "1",
                    "admdvs": "990101",
                }
                for code, name in [("H001", "第一医院"), ("H002", "第二医院"), ("H003", "第三医院")]
            ],
            "202501",
        )
        _insert(
            con,
            "fixmedins_agreement",
            [
                {
                    "fixmedins_code": code,
                    "agreement_no": f"A-{code}",
                    "begndate": "2024-01-01",
                    "enddate": "2026-12-31",
                    "agreement_status": "1",
                }
                for code in ("H001", "H002", "H003")
            ],
            "202501",
        )
        _insert(
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
                    "insu_admdvs": "990101",
                },
                {
                    "psn_no": "PSN2",
                    "certno": "110105198001010016",
                    "psn_name": "李四",
                    "gend": "2",
                    "brdy": "1980-01-01",
                    "insutype": "310",
                    "insu_admdvs": "990101",
                },
                {
                    "psn_no": "PSN3",
                    "certno": "110105197001010011",
                    "psn_name": "王五",
                    "gend": "1",
                    "brdy": "1970-01-01",
                    "insutype": "310",
                    "insu_admdvs": "990101",
                },
            ],
            "202501",
        )

        def stay(mid, psn, inst, beg, end):
            return {
                "mdtrt_id": mid,
                "psn_no": psn,
                "fixmedins_code": inst,
                "med_type": "21",
                "begntime": ts(beg),
                "endtime": ts(end),
                "dscg_maindiag_code": "J18.0",
                "dscg_maindiag_name": "肺炎",
                "dscg_way": "1",
                "insu_admdvs": "990101",
            }

        def setl(sid, mid, psn, inst, t, amt):
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
            }

        # re-admitted within 15 days with the same J18 group: the later stay is the R05 hit
        _insert(
            con,
            "mdtrt",
            [
                stay("V1", "PSN1", "H001", "2025-01-02 09:00:00", "2025-01-04 10:00:00"),
                stay("V2", "PSN1", "H001", "2025-01-10 09:00:00", "2025-01-12 10:00:00"),
                stay("V3", "PSN2", "H002", "2025-01-02 09:00:00", "2025-01-04 10:00:00"),
                stay("V4", "PSN2", "H002", "2025-01-10 09:00:00", "2025-01-12 10:00:00"),
            ],
            "202501",
        )
        _insert(
            con,
            "setl",
            [
                setl("S1", "V1", "PSN1", "H001", "2025-01-04 11:00:00", 1000),
                setl("S2", "V2", "PSN1", "H001", "2025-01-12 11:00:00", Decimal("500000.00")),
                setl("S3", "V3", "PSN2", "H002", "2025-01-04 11:00:00", 1000),
                setl("S4", "V4", "PSN2", "H002", "2025-01-12 11:00:00", Decimal("499999.99")),
            ],
            "202501",
        )
        _insert(
            con,
            "mdtrt",
            [
                stay("V5", "PSN3", "H003", "2025-12-01 09:00:00", "2025-12-03 10:00:00"),
                stay("V6", "PSN3", "H003", "2025-12-10 09:00:00", "2025-12-12 10:00:00"),
            ],
            "202512",
        )
        _insert(
            con,
            "setl",
            [
                setl("S5", "V5", "PSN3", "H003", "2025-12-03 11:00:00", 1000),
                setl("S6", "V6", "PSN3", "H003", "2025-12-12 11:00:00", Decimal("600000.00")),
            ],
            "202512",
        )

        # the case_clue workbooks supervisors delivered so far
        _insert(
            con,
            "case_clue",
            [
                {"clue_id": "CL-H001-2024Q4", "stage": "1", "stage_date": "2025-01-07", "handler": "赵六"},
            ],
            "202501",
        )
        _insert(
            con,
            "case_clue",
            [
                {"clue_id": "CL-H001-2025Q1", "stage": "1", "stage_date": "2025-04-02", "handler": "赵六"},
                {"clue_id": "CL-H002-2025Q1", "stage": "1", "stage_date": "2025-04-02", "handler": "赵六"},
                {"clue_id": "CL-H999-2025Q1", "stage": "1", "stage_date": "2025-04-03", "handler": "赵六"},
                {"clue_id": "XYZ-1", "stage": "1", "stage_date": "2025-04-03", "handler": "赵六"},
            ],
            "202504",
        )
        _insert(
            con,
            "case_clue",
            [
                {"clue_id": "CL-H001-2025Q1", "stage": "2", "stage_date": "2025-05-06", "handler": "钱七"},
                {"clue_id": "CL-H002-2025Q1", "stage": "9", "stage_date": "2025-05-20", "handler": "钱七"},
                {"clue_id": "CL-H002-2025Q2", "stage": "1", "stage_date": "2025-07-03", "handler": "钱七"},
            ],
            "202507",
        )
    finally:
        con.close()


def _deliver_closing_stage(warehouse: Path) -> None:
    """The next round trip: H001's clue is handled (违规处理) and its amount corrected once."""
    con = duckdb.connect(str(warehouse))
    try:
        _insert(
            con,
            "case_clue",
            [
                {
                    "clue_id": "CL-H001-2025Q1",
                    "stage": "5",
                    "stage_date": "2025-06-10",
                    "confirmed_amt": Decimal("450000.00"),
                    "handler": "钱七",
                },
            ],
            "202508",
        )
        # the same stage delivered again with a corrected amount: the latest delivery wins
        _insert(
            con,
            "case_clue",
            [
                {
                    "clue_id": "CL-H001-2025Q1",
                    "stage": "5",
                    "stage_date": "2025-06-10",
                    "confirmed_amt": Decimal("440000.00"),
                    "handler": "钱七",
                },
            ],
            "202509",
        )
    finally:
        con.close()


def _snapshot(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:

        def rows(sql: str) -> list[dict]:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

        return {
            "clues": rows("select * from supervision.mart_clues order by clue_id"),
            "clue_rules": rows("select * from supervision.mart_clue_rules order by clue_id, rule_code"),
            "unmatched": rows("select * from supervision.mart_clue_stages_unmatched order by clue_id, stage"),
            "list": rows("select * from supervisor.supervisor_clue_list order by clue_id"),
            "hits": rows("select * from supervisor.supervisor_clue_hits order by hit_id"),
            "stages": rows("select * from supervisor.supervisor_clue_stages order by clue_id, stage, stage_date"),
            "fct_hits": rows(
                "select rule_code, fixmedins_code, occurred_on, suspect_amount "
                "from supervision.fct_rule_hits order by 1, 2"
            ),
            "dates": rows(
                "select date_day, is_holiday, is_working_day, holiday_name_zh from core.dim_date "
                "where date_day in (date '2025-02-03', date '2025-02-07', date '2025-02-08', "
                "date '2025-02-09', date '2025-10-08') order by date_day"
            ),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clues")
    warehouse = tmp / "warehouse.duckdb"
    create_raw(warehouse)
    _load_activity(warehouse)

    def dbt_build() -> None:
        run_dbt("build", target=tmp / "target", logs=tmp / "logs")

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)
        mp.setenv("YIBAO_WAREHOUSE", str(warehouse))
        mp.setenv("YIBAO_PSN_KEY_SECRET", TEST_SECRET)
        mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
        dbt_build()
        first = _snapshot(warehouse)
        dbt_build()
        second = _snapshot(warehouse)
        _deliver_closing_stage(warehouse)
        dbt_build()
        third = _snapshot(warehouse)
        sheet = _clue_sheet_round_trip(tmp, warehouse)
        dbt_build()
        fourth = _snapshot(warehouse)
    return {"first": first, "second": second, "third": third, "fourth": fourth, "sheet": sheet}


def _clue_sheet_round_trip(tmp: Path, warehouse: Path) -> dict:
    """What a supervisor does with `make clue-sheet`: the export is written, the quarter's sheet
    generated, one stage filled in (a second row for a second stage of the same clue), the file put
    where the command says under the landing tree, and the real loader loads it."""
    import shutil

    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from exports.clue_sheet import main as clue_sheet
    from exports.writer import write_exports
    from tests.helpers import load

    outputs, landing = tmp / "outputs", tmp / "landing"
    con = duckdb.connect(str(warehouse))
    try:
        write_exports(con, outputs, tmp / "target" / "manifest.json")
    finally:
        con.close()
    export_db = outputs / "supervisor" / "yibao_supervisor.duckdb"
    args = ["--quarter", "2025Q4", "--period", "202601", "--sender", "990100"]
    args += ["--out-dir", str(outputs / "clue_sheets"), "--landing", str(landing), "--export-db", str(export_db)]
    assert clue_sheet(args) == 0
    written = sorted((outputs / "clue_sheets").rglob("*.xlsx"))
    rel = written[0].relative_to(outputs / "clue_sheets").as_posix()
    wb = CalamineWorkbook.from_path(str(written[0]))
    sheets = {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}
    # fill in: the clue's row gets 初审 with a handler, a copy of it 调查核实 with an amount
    header, *rows = sheets["线索处置"]
    (row,) = rows
    first = [row[0], "1", date(2026, 1, 5), None, "孙八", *row[5:]]
    second = [row[0], "4", date(2026, 1, 20), 123.45, "孙八", *row[5:]]
    filled = tmp / "filled.xlsx"
    out = xlsxwriter.Workbook(str(filled))
    ws = out.add_worksheet("线索处置")
    fmt = out.add_format({"num_format": "yyyy-mm-dd"})
    for i, values in enumerate([header, first, second]):
        for j, v in enumerate(values):
            if isinstance(v, date):
                ws.write_datetime(i, j, datetime.combine(v, datetime.min.time()), fmt)
            elif v not in (None, ""):
                ws.write(i, j, v)
    out.close()
    target = landing / rel
    target.parent.mkdir(parents=True)
    shutil.copy(filled, target)
    report = load(landing, warehouse, feeds=["case_clue"])
    return {"rel": rel, "sheets": sheets, "load": report.summary()}


HISTORY_COLUMNS = frozenset(
    {
        "new_hit_count",
        "new_amount",
        "persisting_hit_count",
        "persisting_amount",
        "hit_status",
        "hit_status_name",
        "first_run_at",
    }
)


def _without_history(rows: list[dict]) -> list[dict]:
    """The rows without the columns that follow the runs rather than the data (mart_hit_history)."""
    return [{k: v for k, v in r.items() if k not in HISTORY_COLUMNS} for r in rows]


def _by_id(rows: list[dict], key: str = "clue_id") -> dict:
    return {r[key]: r for r in rows}


def test_only_the_intended_hits(builds):
    """Guards the scenario: if a new rule hits these rows, the amounts below would mean nothing."""
    assert builds["first"]["fct_hits"] == [
        {
            "rule_code": "R05",
            "fixmedins_code": "H001",
            "occurred_on": date(2025, 1, 10),
            "suspect_amount": Decimal("500000.00"),
        },
        {
            "rule_code": "R05",
            "fixmedins_code": "H002",
            "occurred_on": date(2025, 1, 10),
            "suspect_amount": Decimal("499999.99"),
        },
        {
            "rule_code": "R05",
            "fixmedins_code": "H003",
            "occurred_on": date(2025, 12, 10),
            "suspect_amount": Decimal("600000.00"),
        },
    ]


def test_clue_ids_are_deterministic_across_reruns(builds):
    first, second, third = builds["first"], builds["second"], builds["third"]
    assert [c["clue_id"] for c in first["clues"]] == ["CL-H001-2025Q1", "CL-H002-2025Q1", "CL-H003-2025Q4"]
    # a re-run on the same data gives identical marts and views, row for row, but for the hit history:
    # what the first run found new has persisted in the second (tests/test_hit_history.py)
    for name in ("clues", "clue_rules", "unmatched", "list", "hits", "stages"):
        assert _without_history(first[name]) == _without_history(second[name]), name
    assert {c["new_hit_count"] for c in first["clues"]} == {1} and {h["hit_status"] for h in first["hits"]} == {"new"}
    assert {c["persisting_hit_count"] for c in second["clues"]} == {1}
    assert {h["hit_status"] for h in second["hits"]} == {"persisting"}
    # after a new case_clue delivery, ids, detection and due dates are unchanged; only handling moved on
    stable = (
        "clue_id",
        "suspect_amount",
        "detected_on",
        "major_case_detected_on",
        "report_due_date",
        "priority_score",
        "priority_rank",
    )
    assert [{k: c[k] for k in stable} for c in third["clues"]] == [{k: c[k] for k in stable} for c in first["clues"]]
    assert _by_id(first["clues"])["CL-H001-2025Q1"]["latest_stage"] == "2"
    assert _by_id(third["clues"])["CL-H001-2025Q1"]["latest_stage"] == "5"


def test_must_report_from_exactly_500000(builds):
    clues = _by_id(builds["first"]["clues"])
    h1, h2, h3 = clues["CL-H001-2025Q1"], clues["CL-H002-2025Q1"], clues["CL-H003-2025Q4"]
    assert (h1["suspect_amount"], h1["must_report"]) == (Decimal("500000.00"), True)
    assert (h2["suspect_amount"], h2["must_report"]) == (Decimal("499999.99"), False)
    assert h2["major_case_detected_on"] is None and h2["report_due_date"] is None
    assert h3["must_report"] is True
    h1_rules = [r for r in builds["first"]["clue_rules"] if r["clue_id"] == "CL-H001-2025Q1"]
    assert [(r["rule_code"], r["hit_count"], r["suspect_amount"]) for r in h1_rules] == [
        ("R05", 1, Decimal("500000.00"))
    ]
    # 按期报告: the first recorded stage stands for the report; no duty, no verdict
    assert (h1["first_stage_date"], h1["is_reported_on_time"]) == (date(2025, 4, 2), False)  # due 02-10
    assert (h2["first_stage_date"], h2["is_reported_on_time"]) == (date(2025, 4, 2), None)
    assert (h3["first_stage_date"], h3["is_reported_on_time"]) == (None, False)  # nothing recorded yet


def test_report_due_date_counts_working_days(builds):
    clues = _by_id(builds["first"]["clues"])
    # over a weekend, 春节 (02-03, 02-04) and the 调休 Saturday 02-08
    h1 = clues["CL-H001-2025Q1"]
    assert (h1["detected_on"], h1["major_case_detected_on"], h1["report_due_date"]) == (
        date(2025, 2, 1),
        date(2025, 2, 1),
        date(2025, 2, 10),
    )
    # into 2026, beyond the data's calendar: 元旦 01-01..03 and the 调休 Sunday 01-04
    h3 = clues["CL-H003-2025Q4"]
    assert (h3["detected_on"], h3["report_due_date"]) == (date(2026, 1, 1), date(2026, 1, 8))
    # dim_date carries the same calendar
    days = {d["date_day"]: (d["is_holiday"], d["is_working_day"]) for d in builds["first"]["dates"]}
    assert days == {
        date(2025, 2, 3): (True, False),  # 春节
        date(2025, 2, 7): (False, True),  # Friday
        date(2025, 2, 8): (False, True),  # Saturday, 春节调休上班
        date(2025, 2, 9): (False, False),  # Sunday
        date(2025, 10, 8): (True, False),  # 国庆节、中秋节 (Wednesday)
    }


def test_latest_stage_confirmed_amount_and_closure(builds):
    first, third = _by_id(builds["first"]["clues"]), _by_id(builds["third"]["clues"])
    h1 = first["CL-H001-2025Q1"]
    assert (
        h1["stage_count"],
        h1["latest_stage"],
        h1["latest_stage_name"],
        h1["latest_stage_date"],
        h1["is_closed"],
        h1["confirmed_amount"],
    ) == (2, "2", "复审", date(2025, 5, 6), False, None)
    # 违规处理 delivered, then its amount corrected: closed (办结) with the corrected amount
    h1 = third["CL-H001-2025Q1"]
    assert (
        h1["stage_count"],
        h1["latest_stage"],
        h1["latest_stage_name"],
        h1["is_closed"],
        h1["closed_on"],
        h1["confirmed_amount"],
    ) == (3, "5", "违规处理", True, date(2025, 6, 10), Decimal("440000.00"))
    # 排除 closes the clue too, with nothing confirmed
    h2 = third["CL-H002-2025Q1"]
    assert (h2["latest_stage"], h2["latest_stage_name"], h2["is_closed"], h2["confirmed_amount"]) == (
        "9",
        "排除",
        True,
        Decimal("0.00"),
    )
    # no stage recorded yet: open
    h3 = third["CL-H003-2025Q4"]
    assert (h3["stage_count"], h3["latest_stage"], h3["is_closed"]) == (0, None, False)
    # 办结 is visible on the supervisor's list
    listed = _by_id(builds["third"]["list"])
    assert listed["CL-H001-2025Q1"]["is_closed"] and listed["CL-H002-2025Q1"]["is_closed"]
    assert listed["CL-H001-2025Q1"]["latest_stage_name"] == "违规处理"


def test_stages_for_unknown_clues_are_reported_not_dropped(builds):
    unmatched = {(r["clue_id"], r["stage"]): r for r in builds["third"]["unmatched"]}
    assert {k: r["unmatched_reason"] for k, r in unmatched.items()} == {
        ("CL-H001-2024Q4", "1"): "quarter_outside_data",  # the previous year's clue
        ("CL-H002-2025Q2", "1"): "no_hits_in_quarter",
        ("CL-H999-2025Q1", "1"): "unknown_institution",
        ("XYZ-1", "1"): "malformed_clue_id",
    }
    prev = unmatched[("CL-H001-2024Q4", "1")]
    assert (prev["parsed_fixmedins_code"], prev["parsed_year_quarter"], prev["stage_name"]) == (
        "H001",
        "2024Q4",
        "初审",
    )
    assert prev["_file"] == "case_clue/202501/test_case_clue_202501.xlsx" and prev["_line"] == 2
    # every delivered stage is either on its clue or listed as unmatched
    stages = builds["third"]["stages"]
    assert len(stages) == 9
    assert {(s["clue_id"], s["stage"]) for s in stages if not s["is_matched"]} == set(unmatched)
    assert sum(c["stage_count"] for c in builds["third"]["clues"]) == sum(1 for s in stages if s["is_matched"])


def test_supervisor_drills_into_hits_with_evidence(builds):
    listed = _by_id(builds["first"]["list"])
    h1 = listed["CL-H001-2025Q1"]
    assert (h1["fixmedins_name"], h1["admdvs"], h1["hosp_lv_name"], h1["priority_rank"]) == (
        "第一医院",
        "990101",
        "三级",
        1,
    )
    assert h1["top_rules"] == "R05 分解住院 500000.00元 (1)"
    hits = [h for h in builds["first"]["hits"] if h["clue_id"] == "CL-H001-2025Q1"]
    assert len(hits) == 1
    hit = hits[0]
    assert (hit["rule_code"], hit["rule_name_zh"], hit["mdtrt_id"], hit["psn_no"]) == ("R05", "分解住院", "V2", "PSN1")
    assert "第三十八条" in hit["legal_basis"]
    assert (hit["psn_name_masked"], hit["certno_masked"]) == ("张*", "110105********002X")
    assert "V1" in hit["evidence"]  # the prior stay a supervisor needs to verify the hit
    # raw identifiers never reach the supervisor views
    for row in (*builds["first"]["hits"], *builds["first"]["list"]):
        assert CERT_1 not in str(row) and "张三" not in str(row)


def test_clue_rules_long_form(builds):
    rules = builds["first"]["clue_rules"]
    assert [(r["clue_id"], r["rule_code"], r["hit_count"], r["suspect_amount"], r["rule_rank"]) for r in rules] == [
        ("CL-H001-2025Q1", "R05", 1, Decimal("500000.00"), 1),
        ("CL-H002-2025Q1", "R05", 1, Decimal("499999.99"), 1),
        ("CL-H003-2025Q4", "R05", 1, Decimal("600000.00"), 1),
    ]
    assert rules[0]["rule_name_zh"] == "分解住院" and rules[0]["severity"] == 2


def test_clue_sheet_round_trip(builds):
    """The sheet is written at its landing path, says one row per stage, and what is filled in reaches the clue."""
    sheet = builds["sheet"]
    assert sheet["rel"] == "case_clue/202601/990100_case_clue_202601_2025Q4.xlsx"
    header = sheet["sheets"]["线索处置"][0]
    assert header[:5] == ["线索编号", "处置阶段", "阶段日期", "认定违规金额", "经办人"]
    help_text = "\n".join(" ".join(map(str, r)) for r in sheet["sheets"]["填写说明"])
    for expected in ("一行一个处置阶段", "1 = 初审", "9 = 排除", "YYYY-MM-DD", "元", sheet["rel"]):
        assert expected in help_text, expected
    assert sheet["load"]["files_loaded"] == 1 and sheet["load"]["rows_quarantined"] == 0
    clue = _by_id(builds["fourth"]["clues"])["CL-H003-2025Q4"]
    assert (clue["stage_count"], clue["latest_stage"], clue["latest_stage_name"], clue["is_closed"]) == (
        2,
        "4",
        "调查核实",
        False,
    )
    assert clue["confirmed_amount"] == Decimal("123.45")
    stages = [s for s in builds["fourth"]["stages"] if s["clue_id"] == "CL-H003-2025Q4"]
    assert [(s["stage"], s["stage_date"], s["is_matched"], s["_file"]) for s in stages] == [
        ("1", date(2026, 1, 5), True, sheet["rel"]),
        ("4", date(2026, 1, 20), True, sheet["rel"]),
    ]
    listed = _by_id(builds["fourth"]["list"])["CL-H003-2025Q4"]
    assert (listed["latest_stage_name"], listed["handling_status"]) == ("调查核实", "未办结")
