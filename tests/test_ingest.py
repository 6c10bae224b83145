"""Ingest units: readers, header mapping, normalisers, quarantine, idempotency, corrections.

Every test writes a small hand-made landing tree and loads it into a real DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from ingest.check_digits import (
    certno_check_char,
    certno_check_char_sql,
    certno_check_chars,
    certno_valid,
    uscc_check_char,
    uscc_check_char_sql,
    uscc_valid,
)
from ingest.landing import discover
from ingest.specs import FEEDS, resolve_header
from tests.helpers import ID_A, ID_B, PSN_HEADER, load, query, write


def test_check_digits_of_fixtures():
    assert certno_check_char(ID_A[:17]) == ID_A[17]
    assert certno_check_char(ID_B[:17]) == ID_B[17]
    assert certno_valid(ID_A) and certno_valid(ID_A.lower()) and not certno_valid(ID_A[:17] + "1")
    assert not certno_valid(ID_B[:17]) and not certno_valid("A" + ID_B[1:])


def test_check_digits_agree_in_python_numpy_and_sql():
    import numpy as np

    rng = np.random.default_rng(3)
    digits = rng.integers(0, 10, size=(500, 17))
    bodies = ["".join(map(str, row)) for row in digits]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    usccs = ["".join(alphabet[i] for i in row) for row in rng.integers(0, 31, size=(500, 17))]
    python = [certno_check_char(b) for b in bodies]
    assert list(certno_check_chars(digits)) == python
    assert set(python) == set("10X98765432")  # every check character occurs
    con = duckdb.connect()
    try:
        sql = con.execute(f"select {certno_check_char_sql('b')} from unnest(?) t(b)", [bodies]).fetchall()
        assert [r[0] for r in sql] == python
        assert (
            con.execute(f"select {certno_check_char_sql('b')} from (select '1101051949123100A' as b)").fetchone()[0]
            is None
        )  # not computable: NULL
        sql = con.execute(f"select {uscc_check_char_sql('u')} from unnest(?) t(u)", [usccs]).fetchall()
        assert [r[0] for r in sql] == [uscc_check_char(u) for u in usccs]
    finally:
        con.close()
    assert all(uscc_valid(u + uscc_check_char(u)) for u in usccs)
    assert not uscc_valid("91320100MA1000001" + "I")  # not in the code's alphabet


# ----------------------------------------------------------------------------- encodings


def test_gb18030_with_chinese_headers_loads(tree):
    root, db = tree
    text = "收费流水号,定点医药机构编号,医保目录编码,数量,单价,金额,收费时间\nC1,H001,X01,2,1.50,3.00,2025-01-02 10:00:00\n"
    write(root, "his_charge/202501/H001_his_charge_202501.csv", text, "gb18030")
    rep = load(root, db)
    assert rep.summary()["rows_loaded"] == 1
    assert query(db, "select encoding from raw.load_manifest")[0][0] == "gb18030"
    assert query(db, "select charge_sn, cnt, amount from raw.his_charge")[0] == ("C1", 2, 3)


def test_utf8_bom_and_plain_utf8(tree):
    root, db = tree
    body = f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\n"
    write(root, "psn/202501/990100_psn_202501.csv", body, "utf-8-sig")
    write(root, "psn/202502/990100_psn_202502.csv", body, "utf-8")
    load(root, db)
    assert sorted(r[0] for r in query(db, "select encoding from raw.load_manifest")) == ["utf-8", "utf-8-sig"]
    assert query(db, "select distinct psn_name from raw.psn") == [("张三",)]


def test_bytes_invalid_everywhere_refused_with_offset(tree):
    root, db = tree
    data = (PSN_HEADER + "\nP1,").encode() + b"\x80\xff\xfe" + b",x,1,1949-12-31,990101\n"
    write(root, "psn/202501/990100_psn_202501.csv", data)
    rep = load(root, db)
    assert rep.files[0].status == "refused"
    assert "byte offset" in rep.files[0].message
    assert query(db, "select count(*) from raw.psn")[0][0] == 0
    # and never a replacement character anywhere
    assert query(db, "select count(*) from raw.quarantine where original like '%\ufffd%'")[0][0] == 0


def test_utf8_with_one_bad_byte_is_not_reread_as_gb18030(tree):
    root, db = tree
    data = (
        f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\nP2,{ID_B},".encode()
        + b"\xe6\x9d"
        + b",1,1990-03-07,990101\n"
    )
    write(root, "psn/202501/990100_psn_202501.csv", data)
    rep = load(root, db)
    assert rep.files[0].status == "refused"
    assert "not valid UTF-8 at byte offset" in rep.files[0].message


def test_truncated_mid_character_refused(tree):
    root, db = tree
    data = f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\nP2,{ID_B},李".encode()[:-1]
    write(root, "psn/202501/990100_psn_202501.csv", data)
    rep = load(root, db)
    assert rep.files[0].status == "refused"
    assert "truncated" in rep.files[0].message


def test_truncated_mid_row_refused_and_no_partial_batch(tree):
    root, db = tree
    write(root, "psn/202501/990100_psn_202501.csv", f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\nP2,{ID_B}")
    rep = load(root, db)
    f = rep.files[0]
    assert f.status == "refused" and "truncated" in f.message and "line 3" in f.message
    assert query(db, "select count(*) from raw.psn")[0][0] == 0
    assert query(db, "select error_line from raw.load_manifest")[0][0] == 3


@pytest.mark.parametrize("sep", ["\t", ";", "|", "，"])
def test_wrong_delimiter_refused(tree, sep):
    root, db = tree
    write(
        root,
        "psn/202501/990100_psn_202501.csv",
        PSN_HEADER.replace(",", sep) + "\n" + sep.join(["P1", ID_A, "张三", "1", "1949-12-31", "990101"]) + "\n",
    )
    rep = load(root, db)
    f = rep.files[0]
    assert f.status == "refused"
    assert "header does not match the contract" in f.message
    assert "delimiter" in f.message


# ----------------------------------------------------------------------------- headers


def test_header_drift_labels_reordered_padded_fullwidth_and_extras(tree):
    root, db = tree
    header = " 姓名 ,ＰＳＮ＿ＮＯ,出生日期,证件号码,性别,参保地行政区划,备注"
    write(root, "psn/202501/990100_psn_202501.csv", f"{header}\n张三,P1,1949-12-31,{ID_A},1,990101,VIP\n")
    rep = load(root, db)
    f = rep.files[0]
    assert f.status == "loaded" and f.rows_loaded == 1
    assert f.extra_columns == ["备注"]
    extra = query(db, "select _extra from raw.psn")[0][0]
    assert json.loads(extra) == {"备注": "VIP"}


def test_missing_required_column_refused(tree):
    root, db = tree
    write(
        root, "psn/202501/990100_psn_202501.csv", "psn_no,psn_name,gend,brdy,insu_admdvs\nP1,张三,1,1949-12-31,990101\n"
    )
    rep = load(root, db)
    assert rep.files[0].status == "refused"
    assert "certno (证件号码)" in rep.files[0].message
    assert query(db, "select error_column from raw.load_manifest")[0][0] == "certno"


def test_labels_are_global_but_own_labels_win():
    # 姓名 is psn_name in psn and dr_name in practitioner
    assert resolve_header(FEEDS["psn"], "姓名") == "psn_name"
    assert resolve_header(FEEDS["practitioner"], "姓名") == "dr_name"
    # 单价 is finl_trns_pric in inv_purchase, pric in fee_list
    assert resolve_header(FEEDS["inv_purchase"], "单价") == "finl_trns_pric"
    assert resolve_header(FEEDS["fee_list"], " 单价 ") == "pric"
    # a label another feed gives the same code: 医保目录编码 names hilist_code in his_order too
    assert resolve_header(FEEDS["his_order"], "医保目录编码") == "hilist_code"
    assert resolve_header(FEEDS["psn"], "no such column") is None


# ----------------------------------------------------------------------------- values


def test_value_normalisation(tree):
    root, db = tree
    id15 = "110105491231002"  # old 15-digit ID of ID_A's person
    rows = [
        f"P1,{ID_A.lower()},张三,1,19491231,990101",  # lower-case x, YYYYMMDD
        f"P2,{id15},李四,2,1949-12-31,990101",  # 15-digit ID converted
        "P3,１１０１０１１９９００３０７００１１,王五,1,1990/03/07,９９０１０１",  # full-width digits, slashes
    ]
    write(root, "psn/202501/990100_psn_202501.csv", PSN_HEADER + "\n" + "\n".join(rows) + "\n")
    rep = load(root, db)
    assert rep.files[0].rows_loaded == 3, query(db, "select reasons from raw.quarantine")
    got = dict((r[0], r[1:]) for r in query(db, "select psn_no, certno, brdy, insu_admdvs from raw.psn"))
    assert got["P1"] == (ID_A, dt.date(1949, 12, 31), "990101")
    assert got["P2"][0] == "110105" + "19" + "491231002" + certno_check_char("11010519491231002")
    assert got["P3"] == (ID_B, dt.date(1990, 3, 7), "990101")


def test_bad_ids_and_impossible_dates_quarantined_with_reasons(tree):
    root, db = tree
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    rows = [
        f"P1,{ID_A[:-1]}3,张三,1,1949-12-31,990101",  # bad check digit
        "P2,1.10105194912310E+17,李四,1,1949-12-31,990101",  # ID stored as a number
        f"P3,{ID_B},王五,1,1890-01-01,990101",  # before 1900
        f"P4,{ID_B},赵六,1,{future},990101",  # in the future
        f"P5,{ID_B},钱七,1,2025-02-30,990101",  # not a date
        "P6,,孙八,1,1990-03-07,990101",  # missing required
        f"P7,{ID_B},周九,1,1990-03-07,990101",  # fine
    ]
    write(root, "psn/202501/990100_psn_202501.csv", PSN_HEADER + "\n" + "\n".join(rows) + "\n")
    rep = load(root, db)
    f = rep.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (7, 1, 6)
    reasons = dict(query(db, "select line, reasons from raw.quarantine"))
    assert reasons[2] == "invalid_certno_check_digit(certno)"
    assert reasons[3] == "invalid_certno_format(certno)"
    assert reasons[4] == "impossible_date(brdy)"
    assert reasons[5] == "impossible_date(brdy)"
    assert reasons[6] == "invalid_date(brdy)"
    assert reasons[7] == "missing_required(certno)"
    orig = json.loads(query(db, "select original from raw.quarantine where line = 6")[0][0])
    assert orig["brdy"] == "2025-02-30"  # original values are kept for the sender to fix


def test_discharge_before_admission_quarantined(tree):
    root, db = tree
    header = "就诊ID,人员编号,定点医药机构编号,医疗类别,开始时间,结束时间"
    rows = ["M1,P1,H001,21,2025-01-10 08:00:00,2025-01-05 09:00:00", "M2,P1,H001,21,2025-01-10 08:00:00,"]
    write(root, "mdtrt/202501/990100_mdtrt_202501.csv", header + "\n" + "\n".join(rows) + "\n")
    load(root, db)
    assert query(db, "select reasons from raw.quarantine") == [("end_before_begin(begntime,endtime)",)]
    assert query(db, "select mdtrt_id from raw.mdtrt") == [("M2",)]


def test_duplicate_keys_within_and_across_files(tree):
    root, db = tree
    rows = [f"P1,{ID_A},张三,1,1949-12-31,990101", f"P1,{ID_A},张三,1,1949-12-31,990101"]
    write(root, "psn/202501/990100_psn_202501.csv", PSN_HEADER + "\n" + "\n".join(rows) + "\n")
    write(root, "psn/202501/990100_psn_202501_2.csv", PSN_HEADER + "\n" + rows[0] + "\n")
    # the same key in a later period is a re-delivery (latest wins in staging), not a duplicate
    write(root, "psn/202502/990100_psn_202502.csv", PSN_HEADER + "\n" + rows[0].replace("张三", "张叁") + "\n")
    rep = load(root, db)
    assert rep.rows_read == rep.rows_loaded + rep.rows_quarantined == 4
    reasons = sorted(r[0] for r in query(db, "select reasons from raw.quarantine"))
    assert reasons[0].startswith("duplicate_key_across_files(psn/202501/990100_psn_202501.csv line 2")
    assert reasons[1] == "duplicate_key_in_file(first at line 2)"
    assert query(db, "select count(*) from raw.psn")[0][0] == 2


# ----------------------------------------------------------------------------- formats


def test_xlsx_with_date_cells_serials_and_numbers(tree):
    root, db = tree
    p = root / "case_inspection/202503/990100_case_inspection_202503.xlsx"
    p.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(p))
    hidden = wb.add_worksheet("hidden")
    hidden.hide()
    ws = wb.add_worksheet("检查")
    ws.activate()
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, h in enumerate(["insp_id", "定点医药机构编号", "检查日期", "拒付金额", "处理方式"]):
        ws.write(0, j, h)
    ws.write(1, 0, "I1")
    ws.write(1, 1, "H001")
    ws.write_datetime(1, 2, dt.datetime(2025, 3, 5), datefmt)
    ws.write_number(1, 3, 1234.5)
    ws.write(1, 4, "1;2")
    ws.write(2, 0, 2002)  # a code typed as a number: its leading zeros may be lost
    ws.write(2, 1, "H002")
    ws.write_number(2, 2, 45731)  # a number without date format, not a date cell
    ws.write(3, 0, "I3")
    ws.write(3, 1, "H003")
    ws.write_datetime(3, 2, dt.datetime(2025, 3, 15), datefmt)
    ws.write_number(3, 4, 1)  # an enumeration typed as a number is fine
    wb.close()
    hidden_sheet_first = load(root, db)
    f = hidden_sheet_first.files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (2, 1), query(db, "select * from raw.quarantine")
    got = query(db, "select insp_id, insp_date, refused_amt, action, _line from raw.case_inspection order by _line")
    assert got[0] == ("I1", dt.date(2025, 3, 5), 1234.5, "1;2", 2)
    assert got[1] == ("I3", dt.date(2025, 3, 15), None, "1", 4)
    assert query(db, "select line, reasons from raw.quarantine") == [
        (3, "code_as_number(insp_id); invalid_date(insp_date)")
    ]


def test_parquet_typed_columns(tree):
    root, db = tree
    p = root / "fee_list/202501/990100_fee_list_202501.parquet"
    p.parent.mkdir(parents=True)
    t = pa.table(
        {
            "feedetl_sn": ["F1"],
            "mdtrt_id": ["M1"],
            "setl_id": ["S1"],
            "psn_no": ["P1"],
            "fixmedins_code": ["H001"],
            "fee_ocur_time": pa.array([dt.datetime(2025, 1, 2, 10, 0, 5)], pa.timestamp("us")),
            "hilist_code": ["X01"],
            "list_type": ["101"],
            "cnt": pa.array([2.5]),
            "pric": pa.array(["0.1234"]),
            "det_item_fee_sumamt": pa.array([0.31]),
        }
    )
    pq.write_table(t, p)
    load(root, db)
    row = query(db, "select fee_ocur_time, cnt, pric, det_item_fee_sumamt, _line from raw.fee_list")[0]
    assert row[0] == dt.datetime(2025, 1, 2, 10, 0, 5)
    assert (float(row[1]), float(row[2]), float(row[3]), row[4]) == (2.5, 0.1234, 0.31, 1)


def test_empty_and_header_only_files_are_empty_batches(tree):
    root, db = tree
    write(root, "psn/202501/990100_psn_202501.csv", b"")
    write(root, "psn/202502/990100_psn_202502.csv", PSN_HEADER + "\n")
    rep = load(root, db)
    assert [f.status for f in rep.files] == ["loaded", "loaded"]
    msgs = [r[0] for r in query(db, "select message from raw.load_manifest order by period")]
    assert "empty file" in msgs[0] and "header only" in msgs[1]


# ----------------------------------------------------------------------------- manifest


def test_same_bytes_twice_and_under_new_name_is_a_noop(tree):
    root, db = tree
    body = f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\n"
    write(root, "psn/202501/990100_psn_202501.csv", body)
    load(root, db)
    rep2 = load(root, db)
    assert [f.status for f in rep2.files] == ["unchanged"]
    write(root, "psn/202501/990100_psn_202501_copy.csv", body)
    rep3 = load(root, db)
    assert [f.status for f in rep3.files if f.status != "unchanged"] == ["duplicate"]
    assert query(db, "select count(*) from raw.psn")[0][0] == 1


def test_an_unchanged_snapshot_of_another_month_is_that_months_snapshot(tree):
    """A reference snapshot restates the current state as of its month: the same bytes in a later period
    load (they are not a duplicate), so a snapshot reverting to an earlier month's bytes is current again."""
    root, db = tree
    alive = f"{PSN_HEADER},die_date\nP1,{ID_A},张三,1,1949-12-31,990101,\n"
    write(root, "psn/202501/990100_psn_202501.csv", alive)
    write(root, "psn/202502/990100_psn_202502.csv", alive)
    rep = load(root, db)
    assert [f.status for f in rep.files] == ["loaded", "loaded"]
    write(root, "psn/202503/990100_psn_202503.csv", alive.replace("990101,\n", "990101,2025-03-10\n"))
    write(root, "psn/202504/990100_psn_202504.csv", alive)  # the death was recorded in error
    rep = load(root, db)
    assert [f.status for f in rep.files if f.status != "unchanged"] == ["loaded", "loaded"]
    newest = "select die_date from raw.psn where _period = (select max(_period) from raw.psn)"
    assert query(db, newest) == [(None,)]
    assert query(db, "select count(*) from raw.psn")[0][0] == 4


def test_a_snapshot_once_taken_for_a_duplicate_loads_as_its_months_snapshot(tree):
    """A warehouse whose manifest still lists an unchanged snapshot of a later month as a duplicate (how
    such files were handled before a snapshot's bytes counted per month) loads it on the next run."""
    root, db = tree
    body = f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\n"
    write(root, "psn/202501/990100_psn_202501.csv", body)
    load(root, db)
    write(root, "psn/202502/990100_psn_202502.csv", body)
    con = duckdb.connect(str(db))
    try:
        con.execute(
            "insert into raw.load_manifest select * replace ('psn/202502/990100_psn_202502.csv' as file, "
            "'202502' as period, 'duplicate' as status, null as batch_id, 'same bytes as psn/202501' as message) "
            "from raw.load_manifest where period = '202501'"
        )
    finally:
        con.close()
    rep = load(root, db)
    assert [(f.file, f.status) for f in rep.files if f.status != "unchanged"] == [
        ("psn/202502/990100_psn_202502.csv", "loaded")
    ]
    assert query(db, "select period, status from raw.load_manifest order by period") == [
        ("202501", "loaded"),
        ("202502", "loaded"),
    ]
    assert query(db, "select _period from raw.psn order by _period") == [("202501",), ("202502",)]
    assert [f.status for f in load(root, db).files] == ["unchanged", "unchanged"]


def test_correction_replaces_its_batch_atomically(tree):
    root, db = tree
    path = "psn/202501/990100_psn_202501.csv"
    write(root, path, f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\nP2,{ID_B},李四,1,1990-03-07,990101\n")
    load(root, db)
    write(root, path, f"{PSN_HEADER}\nP1,{ID_A},张三丰,1,1949-12-31,990101\n")
    rep = load(root, db)
    f = rep.files[0]
    assert f.status == "loaded" and f.replaced_batch_id
    assert query(db, "select psn_no, psn_name from raw.psn") == [("P1", "张三丰")]
    assert sorted(r[0] for r in query(db, "select status from raw.load_manifest")) == ["loaded", "replaced"]


def test_unknown_folders_and_bad_names_are_refused_not_lost(tree):
    root, db = tree
    write(root, "nonsense/202501/x.csv", "a\n1\n")
    write(root, "psn/202501/wrongname.csv", "a\n2\n")
    write(root, "psn/202502/990100_psn_202501.csv", "a\n3\n")
    write(root, "psn/readme.txt", "hello")
    rep = load(root, db, ["psn", "_unknown"])
    assert len(rep.files) == 4 and all(f.status == "refused" for f in rep.files)
    assert query(db, "select count(*) from raw.load_manifest where status = 'refused'")[0][0] == 4


def test_file_names_with_quotes_are_data_not_sql(tree):
    root, db = tree
    name = "psn/202501/990100_psn_202501_x'); drop table raw.psn; --.csv"
    write(root, name, f'{PSN_HEADER},"col""; drop"\nP1,{ID_A},张三,1,1949-12-31,990101,1\n')
    rep = load(root, db)
    assert rep.files[0].status == "refused"  # the seq part breaks the naming rule
    assert query(db, "select count(*) from raw.psn")[0][0] == 0
    assert query(db, "select file from raw.load_manifest")[0][0].endswith("--.csv")


def test_discover_orders_by_feed_and_period(tree):
    root, _ = tree
    write(root, "psn/202502/990100_psn_202502.csv", "x")
    write(root, "psn/202501/990100_psn_202501.csv", "x")
    write(root, "fixmedins/202501/990100_fixmedins_202501.csv", "x")
    assert [d.rel for d in discover(root)] == [
        "fixmedins/202501/990100_fixmedins_202501.csv",
        "psn/202501/990100_psn_202501.csv",
        "psn/202502/990100_psn_202502.csv",
    ]


def test_feed_without_date_columns_loads(tree):
    root, db = tree
    write(
        root,
        "fixmedins/202501/990100_fixmedins_202501.csv",
        "fixmedins_code,fixmedins_name,fixmedins_type,admdvs\nH001,云澜市第一医院,1,990101\n",
    )
    rep = load(root, db)
    assert rep.files[0].status == "loaded" and rep.files[0].rows_loaded == 1


def test_identical_header_only_files_of_two_senders_are_two_empty_batches(tree):
    root, db = tree
    header = "收费流水号,定点医药机构编号,医保目录编码,数量,单价,金额,收费时间\n"
    write(root, "his_charge/202501/H001_his_charge_202501.csv", header, "gb18030")
    write(root, "his_charge/202501/H002_his_charge_202501.csv", header, "gb18030")
    rep = load(root, db)
    assert [f.status for f in rep.files] == ["loaded", "loaded"]
    assert len({f.batch_id for f in rep.files}) == 2


def test_gb18030_whose_first_bytes_look_like_utf8(tree):
    # 住院号 in GB18030 starts D7 A1 D4 BA: two valid two-byte UTF-8 sequences by accident
    root, db = tree
    text = "住院号,定点医药机构编号,入院时间\nZY1,H001,2025-01-03 11:23:10\n"
    assert text.encode("gb18030")[:4].decode("utf-8")  # the trap is real
    write(root, "his_ipt_register/202501/H001_his_ipt_register_202501.csv", text, "gb18030")
    rep = load(root, db)
    assert rep.files[0].status == "loaded", rep.files[0].message
    assert query(db, "select ipt_no from raw.his_ipt_register") == [("ZY1",)]


def test_file_names_and_headers_with_sql_fragments_are_handled_as_data(tree):
    root, db = tree
    name = "psn/202501/990100_psn_202501_a'b;drop table psn--.csv"
    evil = ['x"); drop table raw.psn; --', "'; delete from raw.load_manifest; --"]
    header = PSN_HEADER + "," + ",".join('"' + h.replace('"', '""') + '"' for h in evil)
    write(root, name, f"{header}\nP1,{ID_A},张三,1,1949-12-31,990101,1,2\n")
    rep = load(root, db)
    f = rep.files[0]
    assert f.status == "loaded" and f.rows_loaded == 1, f.message
    assert f.extra_columns == evil
    file_, seq, extra = query(db, "select _file, _seq, _extra from raw.psn")[0]
    assert file_ == name and seq == "a'b;drop table psn--"
    assert json.loads(extra) == {evil[0]: "1", evil[1]: "2"}
    assert query(db, "select count(*) from raw.load_manifest")[0][0] == 1
