"""The knowledge-base feeds kb_point and kb_point_code (shared/docs/KNOWLEDGE_BASE.md): a hand-made
delivery loads through the real loader, every refusal names file, line and the reason with its column,
nothing delivered is lost, the quality gate judges the parameters across the two feeds, and the core
dimensions built by dbt carry the defaults the rule views rely on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.landing import discover
from ingest.specs import FEEDS, KB_POINT_PARAMETERS, missing_parameter_reason
from tests.helpers import load, query, run_dbt, write

REPO = Path(__file__).resolve().parents[1]
TEST_SECRET = "pytest-only-psn-key-secret-kb"
TODAY = dt.date(2025, 4, 10)

POINT_FILE = "kb_point/202503/990100_kb_point_202503.csv"
CODE_FILE = "kb_point_code/202503/990100_kb_point_code_202503.csv"

# kb_point with the contract's Chinese labels (column order free: a subset, reordered)
POINT_HEADER = [
    "知识点编号",
    "规则代码",
    "规则名称",
    "来源",
    "项目名称",
    "结果类型",
    "限定性别",
    "限定最小年龄",
    "限定最大年龄",
    "限定最大日龄",
    "限定医疗类别",
    "限定医院等级",
    "限定支付疾病",
    "限定数量",
    "计数周期",
    "周期天数",
    "最短间隔天数",
    "限定疗程天数",
    "疗程范围",
    "限定报销总额",
    "饮片支付方式",
    "同时收费范围",
    "生效日期",
    "失效日期",
]
# the field each label above names
POINT_CODES = [next(f.code for f in FEEDS["kb_point"].fields if f.label_zh == label) for label in POINT_HEADER]


def point(pid: str, rule: str, source: str = "1", **params: str) -> list[str]:
    row = dict.fromkeys(POINT_CODES, "")
    row.update(kb_point_id=pid, rule_code=rule, rule_name=f"{rule} 规则", source=source, item_name=f"{pid} 项目")
    row.update(params)
    return [row[c] for c in POINT_CODES]


# (row, expected reasons or None when it loads); lines start at 2
GOOD_POINTS = [
    point("K03", "R03", pair_scope="", valid_from="", valid_to=""),
    point("K04", "R04", "2", max_cnt="3", period="visit", result_level="2"),
    point("K10", "R10", lmt_gend="2"),
    point("K11", "R11", lmt_age_max_days="28"),
    point("K12", "R12", "3", lmt_dise_codes="e11.2； O24 、j45"),
    point("K13", "R13", lmt_med_types="21， 22"),
    point("K23", "R23", max_days="14", course_scope="year", valid_from="2025-03-01", valid_to="2025-12-31"),
    point("K24", "R24", min_interval_days="14"),
    point("K25", "R25", max_amount="5000.00"),
    point("K26", "R26", herb_mode="single"),
    point("K27", "R27"),
    point("K28", "R28"),
    point("K29", "R29", lmt_age_min="0", lmt_age_max="14"),
]
BAD_POINTS = [
    (point("X01", "R99"), "unknown_rule_code(rule_code)"),
    (point("X02", "R23", course_scope="visit"), "missing_parameter(max_days)"),
    (point("X03", "R23", max_days="7"), "missing_parameter(course_scope)"),
    (point("X04", "R24", period_days="30"), "missing_parameter(period_days+max_cnt|min_interval_days)"),
    (point("X05", "R25"), "missing_parameter(max_amount)"),
    (point("X06", "R26"), "missing_parameter(herb_mode)"),
    (point("X07", "R10"), "missing_parameter(lmt_gend)"),
    (point("X08", "R11"), "missing_parameter(lmt_age_min|lmt_age_max|lmt_age_max_days)"),
    (point("X09", "R12"), "missing_parameter(lmt_dise_codes)"),
    (point("X10", "R13"), "missing_parameter(lmt_hosp_lv_min|lmt_med_types)"),
    (point("X11", "R04", period="day"), "missing_parameter(max_cnt)"),
    (point("X12", "R04", max_cnt="2"), "missing_parameter(period)"),
    (point("X13", "R29"), "missing_parameter(lmt_gend|lmt_age_min|lmt_age_max|lmt_age_max_days)"),
    (point("X14", "R10", source="4", lmt_gend="1"), "invalid_value(source)"),
    (point("X15", "R10", result_level="3", lmt_gend="男"), "invalid_value(result_level); invalid_value(lmt_gend)"),
    (point("X16", "R04", max_cnt="2", period="week"), "invalid_value(period)"),
    (point("X17", "R23", max_days="7", course_scope="month"), "invalid_value(course_scope)"),
    (point("X18", "R26", herb_mode="mixed"), "invalid_value(herb_mode)"),
    (point("X19", "R03", pair_scope="week"), "invalid_value(pair_scope)"),
    (point("X20", "R23", max_days="7", course_scope="visit", valid_from="2025-06-01", valid_to="2025-01-01"),
     "end_before_begin(valid_from,valid_to)"),
]  # fmt: skip

# kb_point_code with field codes
CODE_HEADER = ["kb_point_id", "side", "code_type", "code", "code_name"]
GOOD_CODES = [
    ["K03", "A", "hilist", "X001", "主项目"],
    ["K03", "B", "hilist", "X002", "被包含项目"],
    ["K04", "A", "hilist", "X003", ""],
    ["K10", "A", "hilist", "XW99", "目录外药品"],
    ["K23", "A", "hilist", "X001", ""],
    ["K27", "A", "hilist", "X003", ""],
    ["K27", "B", "hilist", "X004", ""],
    ["K28", "A", "hilist", "X001", ""],
    ["K28", "B", "icd10", "k29.7", "慢性胃炎"],
    ["K29", "A", "icd10", "N18.5 ", ""],
]
BAD_CODES = [
    (["X02", "A", "hilist", "X001", ""], "unknown_kb_point(kb_point_id)"),  # its point was quarantined
    (["K99", "A", "hilist", "X001", ""], "unknown_kb_point(kb_point_id)"),
    (["K03", "C", "hilist", "X005", ""], "invalid_value(side)"),
    (["K03", "A", "atc", "X006", ""], "invalid_value(code_type)"),
    (["K03", "A", "hilist", "X001", "again"], "duplicate_key_in_file(first at line 2)"),
]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


def write_delivery(root: Path) -> None:
    write(root, POINT_FILE, csv_text(POINT_HEADER, GOOD_POINTS + [r for r, _ in BAD_POINTS]), encoding="gb18030")
    write(root, CODE_FILE, csv_text(CODE_HEADER, GOOD_CODES + [r for r, _ in BAD_CODES]))


def test_every_parameter_rule_of_the_contract_is_exercised():
    """The cases above cover each rule's parameter requirements (a new requirement needs a case)."""
    reasons = {why for _, why in BAD_POINTS}
    for requirements in KB_POINT_PARAMETERS.values():
        for alternatives in requirements:
            assert any(missing_parameter_reason(alternatives) in r for r in reasons), alternatives


def test_knowledge_base_delivery_loads_and_every_refusal_names_file_line_and_reason(tree):
    root, db = tree
    write_delivery(root)
    report = load(root, db)
    by_file = {f.file: f for f in report.files}
    points, codes = by_file[POINT_FILE], by_file[CODE_FILE]
    assert points.status == codes.status == "loaded"
    # Chinese labels in one file, field codes in the other: every column mapped, none left as extra
    assert not points.extra_columns and not codes.extra_columns
    # nothing delivered is lost: rows read = loaded + quarantined, and the raw rows are the good ones
    assert (points.rows_read, points.rows_loaded, points.rows_quarantined) == (33, 13, 20)
    assert (codes.rows_read, codes.rows_loaded, codes.rows_quarantined) == (15, 10, 5)
    assert [r[0] for r in query(db, "select kb_point_id from raw.kb_point order by _line")] == [
        r[0] for r in GOOD_POINTS
    ]
    quarantined = query(db, "select file, line, reasons from raw.quarantine order by feed, line")
    expected = [(POINT_FILE, 2 + len(GOOD_POINTS) + i, why) for i, (_, why) in enumerate(BAD_POINTS)]
    expected += [(CODE_FILE, 2 + len(GOOD_CODES) + i, why) for i, (_, why) in enumerate(BAD_CODES)]
    assert quarantined == expected
    # the original values stay with the refusal, under the delivered (Chinese) header
    ((orig,),) = query(db, "select original from raw.quarantine where line = ? and feed = 'kb_point'", [2 + 13])
    assert '"规则代码":"R99"' in orig.replace(" ", "")
    # values as the loader normalises them
    row = query(db, "select max_amount, lmt_med_types, valid_from from raw.kb_point where kb_point_id = 'K25'")
    assert row == [(Decimal("5000.00"), None, None)]


def test_points_load_before_their_codes_and_codes_are_judged_against_the_point_snapshot(tree):
    """kb_point_code rows are checked against the kb_point snapshot of their period, or the newest one
    before it when the points did not change that month; before any snapshot every code is unknown.
    The points load first whatever the order of the folders or of the assets."""
    root, db = tree
    pts = ["知识点编号", "规则代码", "规则名称", "来源", "项目名称", "限定性别"]
    k1, k2 = ["K1", "R10", "限女性", "1", "甲药", "2"], ["K2", "R10", "限男性", "1", "乙药", "1"]
    write(root, "kb_point/202501/990100_kb_point_202501.csv", csv_text(pts, [k1, k2]))
    write(root, "kb_point/202503/990100_kb_point_202503.csv", csv_text(pts, [k1]))
    for period in ("202412", "202502", "202503"):
        write(
            root,
            f"kb_point_code/{period}/990100_kb_point_code_{period}.csv",
            csv_text(CODE_HEADER, [["K1", "A", "hilist", "X001", period], ["K2", "A", "hilist", "X002", period]]),
        )
    feeds = [d.feed.name for d in discover(root)]
    assert feeds.index("kb_point_code") > max(i for i, f in enumerate(feeds) if f == "kb_point")
    # asked for the codes alone (as their Dagster asset does), the loader loads the pending points first
    report = load(root, db, feeds=["kb_point_code"])
    assert [f.file.split("/")[0] for f in report.files] == ["kb_point"] * 2 + ["kb_point_code"] * 3
    assert {f.file for f in load(root, db, feeds=["kb_point"]).files if f.status != "unchanged"} == set()
    assert query(db, "select _period, kb_point_id from raw.kb_point_code order by 1, 2") == [
        ("202502", "K1"),
        ("202502", "K2"),  # judged against the 202501 snapshot, which holds K2
        ("202503", "K1"),
    ]
    assert query(db, "select file, line, reasons from raw.quarantine order by file, line") == [
        ("kb_point_code/202412/990100_kb_point_code_202412.csv", 2, "unknown_kb_point(kb_point_id)"),
        ("kb_point_code/202412/990100_kb_point_code_202412.csv", 3, "unknown_kb_point(kb_point_id)"),
        ("kb_point_code/202503/990100_kb_point_code_202503.csv", 3, "unknown_kb_point(kb_point_id)"),
    ]


def test_a_point_file_without_a_required_column_is_refused_naming_it(tree):
    root, db = tree
    write(root, POINT_FILE, csv_text(["知识点编号", "规则名称", "来源", "项目名称"], [["K1", "名称", "1", "项目"]]))
    (res,) = load(root, db).files
    assert res.status == "refused"
    assert "rule_code (规则代码)" in res.message and "line 1" in res.message
    assert query(db, "select error_line, error_column from raw.load_manifest") == [(1, "rule_code")]


@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    """The delivery above with a catalogue beside it, through the quality gate; plus points whose
    parameters are out of range (loaded: the loader checks presence, the gate checks ranges)."""
    from expectations.runner import run_gate

    base = tmp_path_factory.mktemp("kbgate")
    root, db = base / "landing", base / "wh.duckdb"
    write_delivery(root)
    write(
        root,
        "hilist/202503/990100_hilist_202503.csv",
        "hilist_code,hilist_name,list_type,med_chrgitm_type\n"
        + "".join(f"X00{i},项目{i},201,05\n" for i in range(1, 6)),
    )
    write(
        root,
        "kb_point/202503/990100_kb_point_202503_2.csv",
        csv_text(POINT_HEADER, [
            point("R1", "R23", max_days="0", course_scope="visit"),
            point("R2", "R11", lmt_age_min="60", lmt_age_max="18"),
            point("R3", "R24", max_cnt="-1", period_days="7"),
            point("R4", "R11", lmt_age_max="200"),
        ]),
    )  # fmt: skip
    load(root, db, run_id="test")
    res = run_gate(db, base / "out", today_=TODAY, feeds=["kb_point", "kb_point_code"])
    return db, res


def test_gate_warns_on_codes_unknown_to_the_catalogue_without_blocking(gated):
    _, res = gated
    codes = res.feeds["kb_point_code"]
    assert codes.passed and codes.verdict == "warn" and codes.critical_failed == 0
    failed = {o.check_id: o for o in codes.failures()}
    assert set(failed) == {"kb_point_code.reference.hilist_unknown_share", "kb_point_code.delivery.quarantined_rows"}
    share = failed["kb_point_code.reference.hilist_unknown_share"]
    assert share.severity == "warning" and share.unexpected == 1
    assert share.batches[0].samples == ["K10: 1 of 1 hilist codes (100%) not in the catalogue"]
    assert share.batches[0].lines == [5]


def test_gate_blocks_points_with_impossible_parameters_or_without_side_b_codes(gated):
    db, res = gated
    points = res.feeds["kb_point"]
    assert not points.passed and points.verdict == "fail"
    failed = {o.check_id: sorted(line for b in o.batches for line in b.lines) for o in points.failures("critical")}
    assert failed == {
        "kb_point.plausibility.max_days_gt_0": [2],
        "kb_point.plausibility.kb_age_range": [3],
        "kb_point.plausibility.max_cnt_gt_0": [4],
        "kb_point.plausibility.lmt_age_max_0_150": [5],
    }  # the R03, R27 and R28 points of the first file have their side-B codes
    assert query(db, "select count(*) from raw.kb_point where kb_point_id like 'R_'") == [(4,)]


def test_gate_finds_a_point_without_its_side_b_codes(tree):
    from expectations.runner import run_gate

    root, db = tree
    write(root, POINT_FILE, csv_text(POINT_HEADER, [point("K27", "R27"), point("K28", "R28"), point("K03", "R03")]))
    write(
        root,
        CODE_FILE,
        csv_text(CODE_HEADER, [
            ["K27", "A", "hilist", "X001", ""],
            ["K28", "A", "hilist", "X001", ""],
            ["K28", "B", "hilist", "X002", ""],  # R28's side B must be diagnoses
            ["K03", "A", "hilist", "X001", ""],
            ["K03", "B", "hilist", "X002", ""],
        ]),
    )  # fmt: skip
    load(root, db, run_id="test")
    res = run_gate(db, root.parent / "out", today_=TODAY, feeds=["kb_point", "kb_point_code"])
    (side_b,) = [o for o in res.feeds["kb_point"].failures() if o.check_id == "kb_point.completeness.side_b_codes"]
    assert side_b.severity == "critical" and side_b.batches[0].lines == [2, 3]
    fits = [
        o for o in res.feeds["kb_point_code"].failures() if o.check_id == "kb_point_code.consistency.code_fits_rule"
    ]
    assert fits and fits[0].batches[0].lines == [4]


def test_core_dimensions_carry_the_defaults_rules_rely_on(tree, monkeypatch):
    root, db = tree
    write_delivery(root)
    write(root, "hilist/202503/990100_hilist_202503.csv", "hilist_code,hilist_name,list_type,med_chrgitm_type\n"
          "X001,项目1,201,05\nX002,项目2,201,05\nX003,项目3,201,05\nX004,项目4,201,05\n")  # fmt: skip
    load(root, db)
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(db))
    monkeypatch.setenv("YIBAO_PSN_KEY_SECRET", TEST_SECRET)
    run_dbt(
        "build",
        "--select",
        "+dim_kb_point",
        "+dim_kb_point_code",
        target=root.parent / "target",
        logs=root.parent / "logs",
    )
    rows = {
        r[0]: r[1:]
        for r in query(
            db,
            "select kb_point_id, result_level, pair_scope, valid_from, valid_to, origin_name, lmt_dise_codes, "
            "lmt_med_types, max_amount from core.dim_kb_point",
        )
    }
    assert set(rows) == {r[0] for r in GOOD_POINTS}
    low, high = dt.date(1900, 1, 1), dt.date(9999, 12, 31)
    assert rows["K03"][:5] == ("1", "day", low, high, "国家")
    assert rows["K04"][:2] == ("2", "day")
    assert rows["K23"][2:4] == (dt.date(2025, 3, 1), dt.date(2025, 12, 31))
    assert rows["K12"][4:6] == ("市级", "E112;O24;J45")
    assert rows["K13"][6] == "21;22"
    assert rows["K25"][7] == Decimal("5000.00")
    codes = query(
        db, "select kb_point_id, rule_code, side, code_type, code, is_in_catalogue from core.dim_kb_point_code"
    )
    assert sorted(codes, key=lambda r: (r[0], r[2], r[4])) == [
        ("K03", "R03", "A", "hilist", "X001", True),
        ("K03", "R03", "B", "hilist", "X002", True),
        ("K04", "R04", "A", "hilist", "X003", True),
        ("K10", "R10", "A", "hilist", "XW99", False),
        ("K23", "R23", "A", "hilist", "X001", True),
        ("K27", "R27", "A", "hilist", "X003", True),
        ("K27", "R27", "B", "hilist", "X004", True),
        ("K28", "R28", "A", "hilist", "X001", True),
        ("K28", "R28", "B", "icd10", "K297", None),
        ("K29", "R29", "A", "icd10", "N185", None),
    ]
    types = dict(
        query(
            db,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'core' and table_name = 'dim_kb_point'",
        )
    )
    assert types["max_amount"] == "DECIMAL(18,2)" and types["lmt_age_min"] == "INTEGER"
    assert types["valid_from"] == "DATE" and types["lmt_hosp_lv_min"] == "VARCHAR"


def test_generated_dbt_sources_match_the_contract():
    """The sources YAML of every group is what ``python -m ingest.specs`` writes from the feed registry."""
    from ingest.specs import SOURCE_GROUPS, dbt_sources_path, render_dbt_sources

    for group in SOURCE_GROUPS:
        assert dbt_sources_path(group).read_text(encoding="utf-8") == render_dbt_sources(group), group
    assert "      - name: kb_point_code\n" in render_dbt_sources("reference")
