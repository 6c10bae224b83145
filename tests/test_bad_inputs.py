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
"""

from __future__ import annotations

import shutil
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.loader import Loader, connect


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
    t = _set(t, "det_item_fee_sumamt", 0,
             Decimal(t.column("cnt")[0].as_py() * t.column("pric")[0].as_py()).quantize(Decimal("0.01")))
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
    return {"report": report, "gate": result, "wh": wh, "fee_file": fee.relative_to(tree).as_posix(),
            "visit_file": visits.relative_to(tree).as_posix(), "fee_ids": t.column("feedetl_sn").to_pylist()[:3],
            "visit_id": v.column("mdtrt_id")[0].as_py()}


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
        assert con.execute("select med_type from raw.mdtrt where mdtrt_id = ?", [planted["visit_id"]]).fetchone() == ("99",)
        assert con.execute("select count(*) from raw.fee_list where hilist_code = 'ZZ-UNKNOWN-ITEM'").fetchone()[0] == 1
    finally:
        con.close()


def test_no_replacement_character_anywhere(planted):
    con = duckdb.connect(str(planted["wh"]), read_only=True)
    try:
        for schema, table, column in con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                "where table_schema = 'raw' and data_type = 'VARCHAR'").fetchall():
            n = con.execute(f'select count(*) from "{schema}"."{table}" where contains("{column}", ?)',
                            ["\ufffd"]).fetchone()[0]
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
