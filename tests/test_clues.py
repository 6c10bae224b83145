"""Clues (mart_clues, supervisor views) on hand-made raw rows through a real dbt build.

One warehouse for the module: the raw rows below are loaded, dbt builds three times — twice on the
same data (re-runs must give identical marts), then once more after supervisors deliver another
case_clue workbook (the round trip: stages stay attached to the same clue ids), and a fourth time after
the workbook of `make clue-sheet` was filled in — cells typed into the very file the command wrote, on
both of its sheets (线索处置 and 疑点明细复核), nothing else changed — delivered at both of its landing
paths (case_clue and case_hit_review) and loaded by the real loader, and a later review of one hit was
delivered. Every test reads what the builds left behind.

The hand-made activity hits only R05 分解住院 (the later stay's settlement total is the suspect
amount), with stays too short for R06 and diagnoses outside the low-standard list:

* H001 2025Q1 — 500,000.00 exactly in January: must report; detected 2025-02-01 (Saturday), due the
  5th working day after: 02-03/02-04 are 春节, 02-08 (Saturday) is a 调休 working day -> 2025-02-10.
* H002 2025Q1 — 499,999.99: no report duty.
* H003 2025Q4 — 600,000.00 in December: detected 2026-01-01, a year the data do not reach; 元旦
  01-01..01-03, 01-04 (Sunday) a 调休 working day -> 2026-01-08.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.helpers import create_raw, insert_raw, query, run_dbt, ts

# dbt builds of one warehouse with clue stages and reviews (≈ 4 min): make test-slow
pytestmark = pytest.mark.slow

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
            "hit_reviews": rows("select * from supervision.mart_hit_reviews order by fixmedins_code, hit_id"),
            "hit_reviews_unmatched": rows("select * from supervision.mart_hit_reviews_unmatched order by hit_id"),
            "effectiveness": rows(
                "select * from reporting.rpt_rule_effectiveness_quarterly order by year_quarter, rule_code"
            ),
            "supervisor_hit_reviews": rows(
                "select * from supervisor.supervisor_hit_reviews order by fixmedins_code nulls last, review_date"
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
        _deliver_later_review(warehouse, sheet["hit_ids"]["H001"])
        dbt_build()
        fourth = _snapshot(warehouse)
        sheet["exports"] = _exports_after(tmp, warehouse)
    return {"first": first, "second": second, "third": third, "fourth": fourth, "sheet": sheet}


UNKNOWN_HIT = "0" * 32  # shaped like a hit id, but no hit has it


def _deliver_later_review(warehouse: Path, hit_id: str) -> None:
    """A month after the sheet came back, H001's hit (partly confirmed on 2026-01-10) is reviewed again
    and confirmed in full: the later review_date is its outcome."""
    con = duckdb.connect(str(warehouse))
    try:
        _insert(
            con,
            "case_hit_review",
            [
                {
                    "hit_id": hit_id,
                    "review_date": "2026-02-16",
                    "decision": "1",
                    "confirmed_amt": Decimal("500000.00"),
                    "reviewer": "周九",
                    "reason": "申诉复核后全额认定",
                }
            ],
            "202602",
        )
    finally:
        con.close()


def _exports_after(tmp: Path, warehouse: Path) -> dict:
    """The audience exports after the reviews were built: what BI and supervisors get of them."""
    from exports.writer import write_exports

    outputs = tmp / "outputs-after-reviews"
    con = duckdb.connect(str(warehouse))
    try:
        result = write_exports(con, outputs, tmp / "target" / "manifest.json")
    finally:
        con.close()

    def columns(db: Path, schema: str, table: str) -> list[str]:
        with duckdb.connect(str(db), read_only=True) as c:
            return [
                r[0]
                for r in c.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                    "order by ordinal_position",
                    [schema, table],
                ).fetchall()
            ]

    bi_db = result.bi_dir / "yibao_bi.duckdb"
    bi_text = "".join(
        str(duckdb.sql(f"select * from read_parquet('{pq}')").fetchall()) for pq in result.bi_dir.rglob("*.parquet")
    )
    return {
        "bi_relations": result.bi_relations,
        "bi_withheld": result.bi_withheld,
        "bi_columns": {
            rel: columns(bi_db, *rel.split("."))
            for rel in ("core.fct_hit_review", "supervision.mart_hit_reviews", "supervision.mart_hit_reviews_unmatched")
        },
        "bi_text": bi_text,
        "supervisor_columns": columns(
            result.supervisor_dir / "yibao_supervisor.duckdb", "supervisor", "supervisor_hit_reviews"
        ),
    }


def _fill_xlsx(path: Path, sheet: str, cells: dict[tuple[int, int], object]) -> None:
    """Type values into cells of one worksheet of an existing workbook, in place, the way a user does in
    Excel: every other part of the file (the other sheets, styles, validations, column widths) stays as
    it is. ``cells``: (Excel row, 0-based column) -> text or number; rows below the last one are added."""
    import re
    import zipfile
    from xml.sax.saxutils import escape

    def ref(row: int, col: int) -> str:
        letters = ""
        col += 1
        while col:
            col, rem = divmod(col - 1, 26)
            letters = chr(65 + rem) + letters
        return f"{letters}{row}"

    def cell(row: int, col: int, value) -> str:
        if isinstance(value, int | float | Decimal):
            return f'<c r="{ref(row, col)}"><v>{value}</v></c>'
        return f'<c r="{ref(row, col)}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
        infos = {i.filename: i for i in z.infolist()}
    workbook = parts["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet name="{re.escape(sheet)}" sheetId="\d+" r:id="(rId\d+)"', workbook).group(1)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'<Relationship Id="{rid}" Type="[^"]+" Target="([^"]+)"', rels).group(1)
    name = "xl/" + target.lstrip("/").removeprefix("xl/")
    xml = parts[name].decode()
    by_row: dict[int, dict[int, object]] = {}
    for (row, col), value in cells.items():
        by_row.setdefault(row, {})[col] = value
    max_col = 0
    for row, values in sorted(by_row.items()):
        max_col = max(max_col, *values)
        m = re.search(rf'<row r="{row}"[^>]*?(/>|>(.*?)</row>)', xml, flags=re.S)
        if m is None:  # a new row below the others
            new = f'<row r="{row}">' + "".join(cell(row, c, v) for c, v in sorted(values.items())) + "</row>"
            xml = xml.replace("</sheetData>", new + "</sheetData>", 1)
            continue
        existing = {}
        for c in re.finditer(r'<c r="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', m.group(2) or "", flags=re.S):
            col = 0
            for ch in c.group(1):
                col = col * 26 + ord(ch) - 64
            existing[col - 1] = c.group(0)
        existing.update({c: cell(row, c, v) for c, v in values.items()})
        start_tag = re.match(r"<row [^>]*?(?=/?>)", m.group(0)).group(0)
        new = start_tag + ">" + "".join(existing[c] for c in sorted(existing)) + "</row>"
        xml = xml[: m.start()] + new + xml[m.end() :]
    last_row = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
    dim = re.search(r'<dimension ref="A1:([A-Z]+)\d+"/>', xml)
    if dim:
        width = 0
        for ch in dim.group(1):
            width = width * 26 + ord(ch) - 64
        last = ref(last_row, max(width - 1, max_col))
        xml = xml.replace(dim.group(0), f'<dimension ref="A1:{last}"/>')
    parts[name] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for part, data in parts.items():
            z.writestr(infos[part], data)


def _clue_sheet_round_trip(tmp: Path, warehouse: Path) -> dict:
    """What a supervisor does with `make clue-sheet`: the export is written, the quarter's workbook
    generated, stages and hit reviews typed into it (a second row for a second stage of the same clue;
    rows added below for hits of another quarter and one mistyped hit id; one hit left with its id
    only), the same file put at both paths the command prints under the landing tree, and the real
    loader loads it."""
    import shutil

    from python_calamine import CalamineWorkbook

    from exports.clue_sheet import main as clue_sheet
    from exports.writer import write_exports
    from tests.helpers import load

    outputs, landing = tmp / "outputs", tmp / "landing"
    con = duckdb.connect(str(warehouse))
    try:
        write_exports(con, outputs, tmp / "target" / "manifest.json")
        hit_ids = dict(con.execute("select fixmedins_code, hit_id from supervision.fct_rule_hits").fetchall())
    finally:
        con.close()
    export_db = outputs / "supervisor" / "yibao_supervisor.duckdb"
    args = ["--quarter", "2025Q4", "--period", "202601", "--sender", "990100"]
    args += ["--out-dir", str(outputs / "clue_sheets"), "--landing", str(landing), "--export-db", str(export_db)]
    assert clue_sheet(args) == 0
    written = sorted((outputs / "clue_sheets").rglob("*.xlsx"))
    rels = [w.relative_to(outputs / "clue_sheets").as_posix() for w in written]
    (rel,) = [r for r in rels if r.startswith("case_clue/")]
    (review_rel,) = [r for r in rels if r.startswith("case_hit_review/")]
    original = outputs / "clue_sheets" / rel
    same_bytes = original.read_bytes() == (outputs / "clue_sheets" / review_rel).read_bytes()
    wb = CalamineWorkbook.from_path(str(original))
    sheets = {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}
    (row,) = sheets["线索处置"][1:]
    # fill in, in the very file: the clue's row gets 初审 with a handler, a row below it 调查核实 with an amount
    _fill_xlsx(original, "线索处置", {(2, 1): "1", (2, 2): "2026-01-05", (2, 4): "孙八"})
    _fill_xlsx(
        original, "线索处置", {(3, 0): row[0], (3, 1): "4", (3, 2): "2026-01-20", (3, 3): 123.45, (3, 4): "孙八"}
    )
    # reviews: the quarter's one hit (H003) confirmed; below it, hits of the previous quarter pasted in
    # (H001 partly confirmed, H002 excluded), a mistyped id, and H001 once more with its id only
    review = {(2, j): v for j, v in enumerate(["2026-01-08", "1", 600000, "孙八", "分解住院，全额认定"], 1)}
    for line, values in {
        3: [hit_ids["H001"], "2026-01-10", "2", 1000.5, "孙八", "部分认定"],
        4: [hit_ids["H002"], "2026-01-12", 3, None, "孙八", "病情需要，不予认定"],
        5: [UNKNOWN_HIT, "2026-01-12", "1", 5, "孙八", "编号抄错"],
        6: [hit_ids["H001"]],
    }.items():
        review.update({(line, j): v for j, v in enumerate(values) if v is not None})
    _fill_xlsx(original, "疑点明细复核", review)
    for r in (rel, review_rel):
        (landing / r).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(original, landing / r)  # as the command prints: the one filled-in file under both names
    report = load(landing, warehouse, feeds=["case_clue", "case_hit_review"])
    filled = CalamineWorkbook.from_path(str(landing / review_rel))
    return {
        "rel": rel,
        "review_rel": review_rel,
        "same_bytes": same_bytes,
        "sheets": sheets,
        "filled": {name: filled.get_sheet_by_name(name).to_python() for name in filled.sheet_names},
        "hit_ids": hit_ids,
        "load": report.summary(),
        "files": {f.file: (f.status, f.rows_loaded, f.rows_quarantined, f.message) for f in report.files},
        "quarantine": query(
            warehouse,
            "select feed, file, line, reasons from raw.quarantine where feed = 'case_hit_review' order by line",
        ),
    }


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
    # delivered unchanged but for the typed cells: its 填写说明 sheet and 疑点明细复核 sheet are not read as stages
    status, loaded, quarantined, message = sheet["files"][sheet["rel"]]
    assert (status, loaded, quarantined) == ("loaded", 2, 0), message
    assert "worksheet '线索处置' loaded" in message and "'疑点明细复核', '填写说明'" in message, message
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


# --------------------------------------------------------------------------- 疑点明细复核 (case_hit_review)


def test_review_sheet_lists_the_quarters_hits_with_the_contract_columns_first(builds):
    sheet = builds["sheet"]
    assert sheet["review_rel"] == "case_hit_review/202601/990100_case_hit_review_202601_2025Q4.xlsx"
    assert sheet["same_bytes"]  # one workbook written, copied to its second landing path
    assert list(sheet["sheets"]) == ["线索处置", "疑点明细复核", "填写说明"]
    header, *rows = sheet["sheets"]["疑点明细复核"]
    assert header[:6] == ["疑点编号", "复核日期", "复核结论", "认定违规金额", "复核人", "理由"]
    assert header[6:11] == ["规则", "结果类型", "机构名称", "疑点金额", "发生日期"]
    (row,) = rows  # the quarter 2025Q4 has one hit: H003's
    by = dict(zip(header, row, strict=True))
    assert by["疑点编号"] == sheet["hit_ids"]["H003"] and all(by[h] in ("", None) for h in header[1:6])
    assert (by["规则"], by["结果类型"], by["机构名称"], by["疑点金额"], by["发生日期"]) == (
        "R05 分解住院",
        "可疑",
        "第三医院",
        600000.0,
        date(2025, 12, 10),
    )
    summary = by["证据摘要"]
    assert "\n" not in summary and "V5" in summary  # one line, with the prior stay a supervisor checks
    for personal in ("王五", "王*", "110105197001010011", "1970-01-01"):
        assert personal not in summary, personal
    help_text = "\n".join(" ".join(map(str, r)) for r in sheet["sheets"]["填写说明"])
    for expected in ("疑点明细复核", "1 = 确认违规", "3 = 排除（不予认定）", "删除该行", sheet["review_rel"]):
        assert expected in help_text, expected
    # the filled-in workbook kept every sheet, help text included
    assert sheet["filled"]["填写说明"] == sheet["sheets"]["填写说明"]


def test_reviews_load_from_the_same_workbook_and_a_row_left_unreviewed_is_quarantined(builds):
    sheet = builds["sheet"]
    status, loaded, quarantined, message = sheet["files"][sheet["review_rel"]]
    # same bytes as the case_clue delivery, yet a delivery of its own: each feed reads its own sheet
    assert (status, loaded, quarantined) == ("loaded", 4, 1), message
    assert "worksheet '疑点明细复核' loaded" in message
    # the hit left with its id only is not a review: visible in the quarantine, never loaded
    assert sheet["quarantine"] == [
        (
            "case_hit_review",
            sheet["review_rel"],
            6,
            "missing_required(review_date); missing_required(decision)",
        )
    ]


def test_hit_reviews_confirm_partly_confirm_and_exclude(builds):
    hit_ids = builds["sheet"]["hit_ids"]
    before = {r["hit_id"]: r for r in builds["third"]["hit_reviews"]}
    assert len(before) == 3 and not any(r["is_reviewed"] for r in before.values())
    assert all(r["review_count"] == 0 and r["confirmed_amt"] is None for r in before.values())
    reviews = {r["fixmedins_code"]: r for r in builds["fourth"]["hit_reviews"]}
    assert set(reviews) == {"H001", "H002", "H003"}
    h3 = reviews["H003"]
    assert (h3["hit_id"], h3["rule_code"], h3["clue_id"], h3["year_quarter"], h3["result_level"]) == (
        hit_ids["H003"],
        "R05",
        "CL-H003-2025Q4",
        "2025Q4",
        "2",
    )
    assert (h3["is_reviewed"], h3["decision"], h3["decision_name"], h3["confirmed_amt"], h3["review_date"]) == (
        True,
        "1",
        "确认违规",
        Decimal("600000.00"),
        date(2026, 1, 8),
    )
    h2 = reviews["H002"]
    assert (h2["decision"], h2["decision_name"], h2["confirmed_amt"], h2["review_count"]) == (
        "3",
        "排除（不予认定）",
        Decimal("0.00"),
        1,
    )
    assert h2["suspect_amount"] == Decimal("499999.99") and h2["clue_id"] == "CL-H002-2025Q1"


def test_a_later_review_supersedes_the_earlier_one(builds):
    h1 = {r["fixmedins_code"]: r for r in builds["fourth"]["hit_reviews"]}["H001"]
    # partly confirmed (1000.50) on 2026-01-10 in the sheet, confirmed in full on 2026-02-16
    assert (h1["decision"], h1["confirmed_amt"], h1["review_date"], h1["review_count"]) == (
        "1",
        Decimal("500000.00"),
        date(2026, 2, 16),
        2,
    )
    listed = [r for r in builds["fourth"]["supervisor_hit_reviews"] if r["fixmedins_code"] == "H001"]
    assert [(r["review_date"], r["decision"], r["confirmed_amt"], r["is_current"]) for r in listed] == [
        (date(2026, 1, 10), "2", Decimal("1000.50"), False),
        (date(2026, 2, 16), "1", Decimal("500000.00"), True),
    ]
    assert [r["reviewer"] for r in listed] == ["孙八", "周九"]  # supervisors see who reviewed


def test_a_review_of_an_unknown_hit_is_reported_with_its_file_and_line(builds):
    sheet = builds["sheet"]
    (unmatched,) = builds["fourth"]["hit_reviews_unmatched"]
    assert (unmatched["hit_id"], unmatched["decision"], unmatched["confirmed_amt"]) == (
        UNKNOWN_HIT,
        "1",
        Decimal("5.00"),
    )
    assert (unmatched["_file"], unmatched["_line"], unmatched["_period"]) == (sheet["review_rel"], 5, "202601")
    assert unmatched["unmatched_reason"] == "unknown_hit_id" and "疑点编号" in unmatched["unmatched_reason_zh"]
    # every delivered review is on its hit or listed as unmatched, never dropped
    listed = builds["fourth"]["supervisor_hit_reviews"]
    assert len(listed) == 5
    assert [r["hit_id"] for r in listed if not r["is_matched"]] == [UNKNOWN_HIT]
    assert sum(r["review_count"] for r in builds["fourth"]["hit_reviews"]) == sum(r["is_matched"] for r in listed)


def test_reviewers_and_reasons_stay_out_of_bi(builds):
    exports = builds["sheet"]["exports"]
    cols = exports["bi_columns"]
    assert "reviewer" not in cols["core.fct_hit_review"] and "reason" not in cols["core.fct_hit_review"]
    assert {"hit_id", "decision", "decision_name", "confirmed_amt", "review_date"} <= set(cols["core.fct_hit_review"])
    assert cols["supervision.mart_hit_reviews"] == [
        "hit_id",
        "rule_code",
        "fixmedins_code",
        "clue_id",
        "year_quarter",
        "quarter_start_date",
        "occurred_on",
        "result_level",
        "suspect_amount",
        "is_reviewed",
        "decision",
        "decision_name",
        "confirmed_amt",
        "review_date",
        "review_count",
    ]
    assert "reviewer" not in cols["supervision.mart_hit_reviews_unmatched"]
    assert not {"_file", "_line"} & set(cols["supervision.mart_hit_reviews_unmatched"])  # lineage
    for name in ("孙八", "周九", "部分认定", "申诉复核后全额认定"):
        assert name not in exports["bi_text"], name
    # supervisors get them
    assert {"reviewer", "reason", "psn_no", "is_matched", "is_current"} <= set(exports["supervisor_columns"])


def test_open_clues_show_their_next_deadline(builds):
    """After 初审 (2026-01-05) and 调查核实 (2026-01-20), 违规处理 is due 15 working days after the latest
    stage: 2026-02-10, long past today, so the clue is overdue; closed clues have nothing due."""
    listed = _by_id(builds["fourth"]["list"])
    clue = listed["CL-H003-2025Q4"]
    assert (clue["next_stage_name"], clue["next_due_date"], clue["is_overdue"]) == ("违规处理", date(2026, 2, 10), True)
    assert clue["working_days_to_due"] < 0
    for row in builds["fourth"]["list"]:
        if row["handling_status"] == "已办结":
            assert (row["next_stage_name"], row["next_due_date"], row["is_overdue"]) == (None, None, False)


def test_rule_effectiveness_moves_with_the_reviews(builds):
    """Before any review nothing is reviewed; after the sheet and the later review: 2025Q1 R05 — H001
    confirmed in full (its partial confirmation superseded), H002 excluded: 查实率 1/2, 500,000.00
    confirmed of 999,999.99 reviewed; 2025Q4 — H003 confirmed 600,000.00. Ten reviews are needed
    before a rule is flagged, so none is."""
    before = {(r["year_quarter"], r["rule_code"]): r for r in builds["third"]["effectiveness"]}
    assert {k: (r["hit_count"], r["reviewed_count"], r["confirmation_rate"]) for k, r in before.items()} == {
        ("2025Q1", "R05"): (2, 0, None),
        ("2025Q4", "R05"): (1, 0, None),
    }
    after = {(r["year_quarter"], r["rule_code"]): r for r in builds["fourth"]["effectiveness"]}
    q1 = after[("2025Q1", "R05")]
    assert (
        q1["hit_count"],
        q1["reviewed_count"],
        q1["unreviewed_count"],
        q1["confirmed_count"],
        q1["partly_confirmed_count"],
        q1["excluded_count"],
    ) == (2, 2, 0, 1, 0, 1)
    assert (q1["confirmation_rate"], q1["reviewed_suspect_amount"], q1["confirmed_amount"]) == (
        Decimal("0.5000"),
        Decimal("999999.99"),
        Decimal("500000.00"),
    )
    assert q1["confirmed_amount_share"] == Decimal("0.5000") and q1["is_flagged_for_tuning"] is False
    q4 = after[("2025Q4", "R05")]
    assert (q4["confirmed_count"], q4["confirmation_rate"], q4["confirmed_amount"]) == (
        1,
        Decimal("1.0000"),
        Decimal("600000.00"),
    )


def test_the_clue_list_shows_review_progress(builds):
    listed = _by_id(builds["fourth"]["list"])
    q1 = {k: listed[k] for k in ("CL-H001-2025Q1", "CL-H002-2025Q1")}
    assert {k: (r["reviewed_hit_count"], r["confirmed_hit_count"], r["excluded_hit_count"]) for k, r in q1.items()} == {
        "CL-H001-2025Q1": (1, 1, 0),
        "CL-H002-2025Q1": (1, 0, 1),
    }
    assert listed["CL-H001-2025Q1"]["hit_confirmed_amount"] == Decimal("500000.00")
    assert listed["CL-H002-2025Q1"]["hit_confirmed_amount"] == Decimal("0.00")
    before = _by_id(builds["third"]["list"])
    assert all(r["reviewed_hit_count"] == 0 for r in before.values())
