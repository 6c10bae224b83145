"""The quarterly 通报 (issue 5): reporting marts, the workbook and the HTML report.

* the marts' totals equal independent sums over fct_rule_hits, mart_clues and the casework feeds;
* 定点机构数 per quarter equals a day-by-day count over the agreement rows;
* the workbook (opened again) shows the marts' figures, rate changes in percentage points and count /
  amount changes as relative growth;
* the HTML report is self-contained and renders in headless Chromium with CJK glyphs;
* the clue loop: a stage recorded in a new case_clue delivery moves the clue and 线索办结率.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import zlib
from decimal import Decimal
from html import unescape
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from reporting import render_all, render_html, render_workbook
from reporting.data import quarters
from reporting.workbook import INDICATOR_SHEET, SHEETS
from warehouse.settings import DBT_PROJECT_DIR

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wh(pipeline_run):
    assert not pipeline_run["failures"], pipeline_run["failures"]
    con = duckdb.connect(str(pipeline_run["warehouse"]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def rendered(wh, dbt_manifest, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return render_all(wh, out, dbt_manifest), out


@pytest.fixture(scope="module")
def labels(dbt_manifest) -> dict[str, dict[str, str]]:
    """{mart: {column: label_zh}} as the dbt YAML gives them: the report's headers."""
    from reporting.data import load_labels

    return load_labels(dbt_manifest)


def _one(con, sql, params=()):
    return con.execute(sql, list(params)).fetchone()


def _f(v) -> float:
    return float(v or 0)


def _quarter_days(quarter: str) -> list[dt.date]:
    y, n = int(quarter[:4]), int(quarter[-1])
    first = dt.date(y, 3 * n - 2, 1)
    end = dt.date(y + (n == 4), 1 if n == 4 else 3 * n + 1, 1)
    return [first + dt.timedelta(days=i) for i in range((end - first).days)]


def _designated(con, quarter: str) -> set[str]:
    """定点机构数, computed here day by day from the agreement rows: institutions with at least one day of
    the quarter covered by a 正常 (1) or 暂停 (2) row and by no 解除 (3) row (bounds inclusive)."""
    rows = con.execute(
        "select fixmedins_code, begndate, enddate, agreement_status from core.dim_institution_agreement"
    ).fetchall()
    by_code: dict[str, list] = {}
    for code, begn, end, status in rows:
        by_code.setdefault(code, []).append((begn, end or dt.date.max, status))
    days = _quarter_days(quarter)

    def held(spans, d):
        covering = {status for b, e, status in spans if b <= d <= e}
        return bool(covering & {"1", "2"}) and "3" not in covering

    return {code for code, spans in by_code.items() if any(held(spans, d) for d in days)}


# --- marts against independent sums -------------------------------------------------------------


def test_every_data_quarter_is_reported(wh):
    qs = quarters(wh)
    assert qs, "no quarters in reporting.rpt_quarters"
    hit_quarters = {
        r[0]
        for r in wh.execute(
            "select distinct cast(year(occurred_on) as varchar) || 'Q' || cast(quarter(occurred_on) as varchar)"
            " from supervision.fct_rule_hits"
        ).fetchall()
    }
    assert hit_quarters <= set(qs)


def test_screening_totals_equal_fct_rule_hits(wh):
    for q in quarters(wh):
        y, n = int(q[:4]), int(q[-1])
        hits, amount, insts = _one(
            wh,
            """select count(*), sum(suspect_amount), count(distinct fixmedins_code)
            from supervision.fct_rule_hits where year(occurred_on) = ? and quarter(occurred_on) = ?""",
            [y, n],
        )
        s = _one(
            wh,
            "select hit_count, suspect_amount, hit_institution_count from reporting.rpt_quarter_summary"
            " where year_quarter = ?",
            [q],
        )
        assert s[0] == hits and _f(s[1]) == pytest.approx(_f(amount), abs=0.01) and s[2] == insts, q
        r = _one(
            wh,
            "select sum(hit_count), sum(suspect_amount) from reporting.rpt_rule_quarterly where year_quarter = ?",
            [q],
        )
        assert r[0] == hits and _f(r[1]) == pytest.approx(_f(amount), abs=0.01), q
        by_rule = dict(
            wh.execute(
                """select rule_code, count(*) from supervision.fct_rule_hits
            where year(occurred_on) = ? and quarter(occurred_on) = ? group by 1""",
                [y, n],
            ).fetchall()
        )
        mart = dict(
            wh.execute(
                "select rule_code, hit_count from reporting.rpt_rule_quarterly"
                " where year_quarter = ? and hit_count > 0",
                [q],
            ).fetchall()
        )
        assert mart == by_rule, q


def test_casework_totals_equal_the_feeds(wh):
    for q in quarters(wh):
        y, n = int(q[:4]), int(q[-1])
        insp = _one(
            wh,
            """select count(*), count(distinct fixmedins_code), sum(refused_amt), sum(recovered_amt),
                   sum(penalty_amt), sum(case when ';' || action || ';' like '%;1;%' then 1 else 0 end),
                   sum(case when ';' || action || ';' like '%;4;%' then 1 else 0 end)
            from staging.stg_casework__inspections where year(insp_date) = ? and quarter(insp_date) = ?""",
            [y, n],
        )
        tip = _one(
            wh,
            """select count(*), sum(case when verified = '1' then 1 else 0 end),
                   sum(case when verified = '1' and reward_paid_date is not null then 1 else 0 end)
            from staging.stg_casework__tipoffs where year(received_date) = ? and quarter(received_date) = ?""",
            [y, n],
        )
        clues = _one(
            wh,
            """select count(*), sum(case when is_closed then 1 else 0 end),
                   sum(coalesce(confirmed_amount, 0)), sum(case when must_report then 1 else 0 end)
            from supervision.mart_clues where year_quarter = ?""",
            [q],
        )
        designated = _designated(wh, q)
        inspected = {
            r[0]
            for r in wh.execute(
                """select distinct fixmedins_code from staging.stg_casework__inspections
            where year(insp_date) = ? and quarter(insp_date) = ?""",
                [y, n],
            ).fetchall()
        }
        institutions = len(designated)
        s = wh.execute("select * from reporting.rpt_quarter_summary where year_quarter = ?", [q]).df().iloc[0]
        assert s.inspection_count == insp[0] and s.inspected_institution_count == insp[1], q
        assert _f(s.refused_amount) == pytest.approx(_f(insp[2]), abs=0.01)
        assert _f(s.recovered_amount) == pytest.approx(_f(insp[3]), abs=0.01)
        assert _f(s.penalty_amount) == pytest.approx(_f(insp[4]), abs=0.01)
        assert s.action_1_count == (insp[5] or 0) and s.action_4_count == (insp[6] or 0)
        assert s.institution_count == institutions
        assert s.inspected_designated_institution_count == len(inspected & designated), q
        assert (s.tipoff_count, s.tipoff_verified_count, s.tipoff_rewarded_count) == (tip[0], tip[1] or 0, tip[2] or 0)
        assert (s.clue_count, s.clue_closed_count, s.major_case_count) == (clues[0], clues[1] or 0, clues[3] or 0)
        assert _f(s.confirmed_amount) == pytest.approx(_f(clues[2]), abs=0.01)
        if institutions:
            assert float(s.inspection_rate) == pytest.approx(len(inspected & designated) / institutions, abs=1e-4)
        if clues[0]:
            assert float(s.clue_close_rate) == pytest.approx((clues[1] or 0) / clues[0], abs=1e-4)
        else:
            assert pd.isna(s.clue_close_rate)


def test_institution_count_is_the_quarters_designated_institutions(wh):
    """定点机构数 of each quarter = institutions holding a designation agreement on some day of it (暂停
    counts, 解除 does not), per county too; not the current dim_institution snapshot."""
    counties = dict(wh.execute("select fixmedins_code, admdvs from core.dim_institution").fetchall())
    snapshot = len(counties)
    expected_totals = {}
    for q in quarters(wh):
        designated = _designated(wh, q)
        expected_totals[q] = len(designated)
        s = _one(
            wh,
            "select institution_count, prev_institution_count from reporting.rpt_quarter_summary"
            " where year_quarter = ?",
            [q],
        )
        assert s[0] == len(designated), (q, s[0], sorted(designated))
        expected = {}
        for code in designated:
            county = counties.get(code) or "UNKNOWN"
            expected[county] = expected.get(county, 0) + 1
        got = {
            a: int(c)
            for a, c in wh.execute(
                """select admdvs, sum(institution_count)
            from reporting.rpt_segment_quarterly where year_quarter = ? group by 1""",
                [q],
            ).fetchall()
            if c
        }
        assert got == expected, q
    qs = quarters(wh)
    for prev, cur in zip(qs, qs[1:], strict=False):
        p = _one(wh, "select prev_institution_count from reporting.rpt_quarter_summary where year_quarter = ?", [cur])
        assert p[0] == expected_totals[prev]
    # the sample's agreement history (a 解除 from May, an institution designated in December) moves it
    assert any(n != snapshot for n in expected_totals.values()), (expected_totals, snapshot)


def test_segments_sum_to_the_summary_and_quarter_over_quarter(wh):
    qs = quarters(wh)
    for prev, cur in zip(qs, qs[1:], strict=False):
        s = _one(
            wh,
            "select prev_hit_count, prev_clue_count from reporting.rpt_quarter_summary where year_quarter = ?",
            [cur],
        )
        p = _one(wh, "select hit_count, clue_count from reporting.rpt_quarter_summary where year_quarter = ?", [prev])
        if int(cur[:4]) * 4 + int(cur[-1]) == int(prev[:4]) * 4 + int(prev[-1]) + 1:
            assert s == p
    cols = (
        "sum(institution_count), sum(inspected_designated_institution_count), sum(hit_count), sum(clue_count),"
        " sum(tipoff_count)"
    )
    seg = _one(wh, f"select {cols} from reporting.rpt_segment_quarterly")
    tot = _one(wh, f"select {cols} from reporting.rpt_quarter_summary")
    assert seg == tot
    classes = {
        r[0] for r in wh.execute("select distinct institution_class from reporting.rpt_segment_quarterly").fetchall()
    }
    assert classes <= {"hospital_l1", "hospital_l2", "hospital_l3", "clinic", "pharmacy", "unknown"}


def test_training_rate_is_documented_as_unsourced():
    docs = (DBT_PROJECT_DIR / "models/marts/reporting/_reporting__docs.md").read_text(encoding="utf-8")
    assert "培训率" in docs and "no source" in docs


# --- the headers: the marts' own docs ---------------------------------------------------------------


def test_reporting_marts_are_documented_grain_first_and_in_both_languages(dbt_manifest):
    """Every rpt_* says its grain first and has a Chinese label; every column an English description
    after its label_zh (meta under config, dbt >= 1.10); the contract comes from the folder config."""
    import json
    import re

    import yaml

    nodes = [
        n
        for n in json.loads(dbt_manifest.read_text(encoding="utf-8"))["nodes"].values()
        if n["resource_type"] == "model" and n["name"].startswith("rpt_")
    ]
    assert len(nodes) >= 8
    for node in nodes:
        name = node["name"]
        assert node["description"].startswith("One row per"), name
        assert node["config"]["contract"]["enforced"] and node["config"]["meta"].get("label_zh"), name
        assert node["columns"], name
        for col, doc in node["columns"].items():
            label = doc["config"]["meta"].get("label_zh")
            assert label, (name, col)
            english = doc["description"].removeprefix(f"{label} — ")
            assert english != doc["description"] and re.search(r"[A-Za-z]{3}", english), (name, col, english)
    written = yaml.safe_load(
        (DBT_PROJECT_DIR / "models/marts/reporting/_reporting__models.yml").read_text(encoding="utf-8")
    )
    for model in written["models"]:
        assert "contract" not in model.get("config", {}), model["name"]  # set once, in dbt_project.yml
        assert not [c["name"] for c in model["columns"] if "meta" in c], model["name"]


def test_workbook_headers_are_the_marts_labels(rendered, labels):
    known = {label for columns in labels.values() for label in columns.values()}
    files, _ = rendered
    for q, (xlsx, page) in files.items():
        sheets = _sheets(xlsx)
        for name in ("分县区", "分机构类别", "分规则", "疑点机构前十", "重点药品耗材", "数据质量", INDICATOR_SHEET):
            head = [_h(v) for v in sheets[name].iloc[0] if isinstance(v, str)] if len(sheets[name]) else []
            if name == "数据质量" and head and head[0].startswith("本季度无数据质量记录"):
                continue
            assert head and set(head) <= known, (q, name, set(head) - known)
        html = page.read_text(encoding="utf-8")
        assert labels["rpt_key_drug_quarterly"]["watchlist_name_zh"] in html


def test_a_column_without_a_label_is_named_with_the_file_to_fix(wh, dbt_manifest, tmp_path):
    import json

    from reporting.data import load_quarter

    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    node = manifest["nodes"]["model.yibao.rpt_rule_quarterly"]
    for where in (node["columns"]["rule_name_zh"], node["columns"]["rule_name_zh"]["config"]):
        where.get("meta", {}).pop("label_zh", None)
    broken = tmp_path / "manifest.json"
    broken.write_text(json.dumps(manifest), encoding="utf-8")
    d = load_quarter(wh, quarters(wh)[0], broken)
    with pytest.raises(KeyError, match=r"rule_name_zh of rpt_rule_quarterly .*_reporting__models\.yml"):
        d.headers("rules")
    with pytest.raises(FileNotFoundError, match="dbt parse"):
        load_quarter(wh, quarters(wh)[0], tmp_path / "missing.json")


# --- the workbook ---------------------------------------------------------------------------------


def _sheets(path: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, engine="calamine", header=None)


def _h(header: str) -> str:
    """A workbook header as its label: the workbook breaks 疑点金额（元） before the bracket."""
    return header.replace("\n", "")


def _five(summ: pd.DataFrame) -> dict:
    """{指标: 本季} of the 5个100% block on the 汇总 sheet."""
    top = next(i for i in range(len(summ)) if summ.iloc[i, 0] == "指标" and summ.iloc[i, 1] == "本季")
    block = summ.iloc[top + 1 : top + 6, :2]
    return dict(zip(block[0], block[1], strict=True))


def test_workbook_figures_equal_the_marts(wh, rendered, labels):
    label = labels["rpt_quarter_summary"].__getitem__
    files, out = rendered
    assert set(files) == set(quarters(wh))
    for q, (xlsx, page) in files.items():
        assert xlsx.parent == out / q and xlsx.suffix == ".xlsx" and page.suffix == ".html"
        sheets = _sheets(xlsx)
        assert list(sheets) == SHEETS
        s = wh.execute("select * from reporting.rpt_quarter_summary where year_quarter = ?", [q]).df().iloc[0]
        # 汇总: the table under the 5个100% block, (类别, 指标, 本季, 上季, 环比变化)
        summ = sheets["汇总"]
        header_row = next(i for i in range(len(summ)) if summ.iloc[i, 0] == "类别")
        body = summ.iloc[header_row + 1 :, :5].dropna(how="all")
        from reporting.data import SUMMARY_ROWS

        shown = {row[1]: row[2] for row in body.itertuples(index=False)}
        changes = {row[1]: row[4] for row in body.itertuples(index=False)}
        assert summ.iloc[header_row, 4] == "环比变化"
        for _, col, prev in SUMMARY_ROWS:
            v = s[col]
            if pd.isna(v):
                assert pd.isna(shown[label(col)]), (q, col)
            else:
                assert float(shown[label(col)]) == pytest.approx(float(v), abs=0.005), (q, col)
            # 环比变化: a rate's change in percentage points (本季 − 上季), otherwise relative growth
            got, pv = changes[label(col)], s[prev]
            if pd.isna(v) or pd.isna(pv) or (not col.endswith("_rate") and float(pv) == 0):
                assert pd.isna(got), (q, col, got)
            elif col.endswith("_rate"):
                assert float(got) == pytest.approx((float(v) - float(pv)) * 100, abs=0.005), (q, col)
            else:
                assert float(got) == pytest.approx((float(v) - float(pv)) / float(pv), abs=1e-6), (q, col)
        # 5个100%: 监督检查率 and 线索办结率 in the top block
        five = _five(summ)
        assert float(five["监督检查率"]) == pytest.approx(float(s.inspection_rate), abs=1e-4)
        assert pd.isna(five["培训率"])
        # 分规则: every rule row
        rules = sheets["分规则"]
        mart = wh.execute(
            "select rule_code, hit_count, suspect_amount from reporting.rpt_rule_quarterly"
            " where year_quarter = ? order by rule_code",
            [q],
        ).fetchall()
        got = [(r[0], int(r[3]), round(float(r[5]), 2)) for r in rules.iloc[1 : 1 + len(mart)].itertuples(index=False)]
        assert got == [(c, int(h), round(float(a), 2)) for c, h, a in mart]
        # 分县区: county totals, each county by its name, the unknown one last as 未知地区
        county = sheets["分县区"]
        heads = [_h(v) for v in county.iloc[0]]
        cols = [
            heads.index(labels["rpt_segment_quarterly"][c])
            for c in ("admdvs_name", "institution_count", "hit_count", "suspect_amount", "clue_count")
        ]
        mart = wh.execute(
            """select case when admdvs = 'UNKNOWN' then '未知地区' else max(admdvs_name) end, sum(institution_count),
                   sum(hit_count), sum(suspect_amount), sum(clue_count)
            from reporting.rpt_segment_quarterly where year_quarter = ? group by admdvs
            order by admdvs = 'UNKNOWN', admdvs""",
            [q],
        ).fetchall()
        got = [
            (r[cols[0]], int(r[cols[1]]), int(r[cols[2]]), round(float(r[cols[3]]), 2), int(r[cols[4]]))
            for r in county.iloc[1 : 1 + len(mart)].itertuples(index=False)
        ]
        assert got == [(a, int(i), int(h), round(float(x), 2), int(c)) for a, i, h, x, c in mart]
        # 疑点机构前十
        top = sheets["疑点机构前十"]
        mart = wh.execute(
            """select fixmedins_name, suspect_amount from reporting.rpt_institution_quarterly
            where year_quarter = ? and suspect_rank <= 10 order by suspect_rank""",
            [q],
        ).fetchall()
        got = [(r[1], round(float(r[8]), 2)) for r in top.iloc[1 : 1 + len(mart)].itertuples(index=False)]
        assert got == [(c, round(float(a), 2)) for c, a in mart]
        # 线索处置: stage counts add up to the quarter's clues
        stages = sheets["线索处置"]
        assert int(stages.iloc[1:8, 1].astype(float).sum()) == int(s.clue_count)
        # 重点药品耗材: the first KEY_DRUG_TOP_N by billed amount
        from reporting.data import KEY_DRUG_TOP_N

        drugs = sheets["重点药品耗材"]
        billed = [
            float(r[0])
            for r in wh.execute(
                """select billed_amount from reporting.rpt_key_drug_quarterly where year_quarter = ?
                and (billed_amount <> 0 or prev_billed_amount <> 0)
                order by billed_amount desc, prev_billed_amount desc, hilist_code""",
                [q],
            ).fetchall()
        ]
        listed = drugs.iloc[1 : 1 + min(len(billed), KEY_DRUG_TOP_N), 4].astype(float)
        assert list(listed) == pytest.approx(billed[:KEY_DRUG_TOP_N], abs=0.01)


def test_rule_effectiveness_and_overdue_clues_are_reported(wh, rendered):
    """规则成效: one row per rule of the quarter with its reviews as the mart counts them, and the sample's
    reviews (half the injected R05 hits partly confirmed, half excluded) reach some quarter's 查实率;
    线索处置 says how many open clues are past their stage deadline, as rpt_clue_deadlines has them."""
    files, _ = rendered
    reviewed_somewhere = False
    for q, (xlsx, page) in files.items():
        sheet = _sheets(xlsx)["规则成效"]
        mart = wh.execute(
            """select rule_code, hit_count, reviewed_count, confirmed_count + partly_confirmed_count, excluded_count
            from reporting.rpt_rule_effectiveness_quarterly where year_quarter = ? order by rule_code""",
            [q],
        ).fetchall()
        got = [
            (r[0], int(r[2]), int(r[4]), int(r[5]) + int(r[6]), int(r[7]))
            for r in sheet.iloc[1 : 1 + len(mart)].itertuples(index=False)
        ]
        assert got == [tuple(int(x) if i else x for i, x in enumerate(row)) for row in mart], q
        text = page.read_text(encoding="utf-8")
        assert "十一、规则成效（查实率）" in text
        if any(row[2] for row in mart):
            reviewed_somewhere = True
            assert "查实率" in " ".join(str(v) for v in sheet.iloc[len(mart) + 1 :, 0].dropna()), q
        open_clues, overdue = wh.execute(
            "select count(*), count(*) filter (where is_overdue) from reporting.rpt_clue_deadlines where year_quarter = ?",
            [q],
        ).fetchone()
        if open_clues:
            assert f"本季度未办结线索{open_clues}条" in text, q
            if overdue:
                assert f"其中{overdue}条应办处置阶段已超过时限" in text, q
    assert reviewed_somewhere


def _cell_number_formats(xlsx: Path, sheet_xml: str) -> dict[str, str]:
    """{cell reference: number format code} of one worksheet (styles.xml resolved by hand)."""
    import re
    import zipfile

    with zipfile.ZipFile(xlsx) as z:
        styles = z.read("xl/styles.xml").decode()
        sheet = z.read(sheet_xml).decode()
    codes = {int(i): unescape(c) for i, c in re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles)}
    codes.update({0: "General", 3: "#,##0", 4: "#,##0.00", 10: "0.00%"})
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    xf_fmt = [int(m) for m in re.findall(r'<xf numFmtId="(\d+)"', xfs)]
    return {ref: codes.get(xf_fmt[int(st)], "") for ref, st in re.findall(r'<c r="([A-Z]+\d+)" s="(\d+)"', sheet)}


def test_workbook_changes_read_as_points_for_rates_and_growth_otherwise(rendered, labels):
    from reporting.data import SUMMARY_ROWS

    label = labels["rpt_quarter_summary"].__getitem__

    files, _ = rendered
    xlsx = next(iter(files.values()))[0]
    summ = _sheets(xlsx)["汇总"]
    formats = _cell_number_formats(xlsx, "xl/worksheets/sheet1.xml")
    rows = {summ.iloc[i, 1]: i + 1 for i in range(len(summ)) if isinstance(summ.iloc[i, 1], str)}
    for _, col, _prev in SUMMARY_ROWS:
        code = formats[f"E{rows[label(col)]}"]
        if col.endswith("_rate"):
            assert "个百分点" in code and "%" not in code, (col, code)
        else:
            assert code.startswith("+0.00%") and "个百分点" not in code, (col, code)
    notes = " ".join(str(v) for v in summ.iloc[:, 0] if isinstance(v, str))
    assert "个百分点" in notes and "增长率" in notes
    assert "按期报告：首个处置环节记录日期不晚于报告期限（5个工作日）" in notes
    assert "初审率：已有任一处置环节记录的线索" in notes


def test_workbook_has_formats_frozen_panes_and_charts(rendered):
    import zipfile

    files, _ = rendered
    xlsx = next(iter(files.values()))[0]
    with zipfile.ZipFile(xlsx) as z:
        names = z.namelist()
        charts = [n for n in names if n.startswith("xl/charts/chart")]
        assert len(charts) >= 5
        styles = z.read("xl/styles.xml").decode()
        assert "0.00%" in styles and "#,##0.00" in styles and "个百分点" in styles
        sheet1 = z.read("xl/worksheets/sheet1.xml").decode()
        assert "<cols>" in sheet1  # 汇总 is a printed page: widths, no frozen panes
        for i in range(2, len(SHEETS) + 1):  # the table sheets keep their header row in view
            sheet = z.read(f"xl/worksheets/sheet{i}.xml").decode()
            assert 'state="frozen"' in sheet and "<cols>" in sheet, SHEETS[i - 1]
        wbxml = z.read("xl/workbook.xml").decode()
        assert "汇总" in wbxml and "重点药品耗材" in wbxml


# --- the HTML report --------------------------------------------------------------------------------


def test_html_prints_rate_changes_in_points_and_count_changes_as_growth(wh, rendered):
    import re

    files, _ = rendered
    for q, (_x, page) in files.items():
        text = page.read_text(encoding="utf-8")
        s = wh.execute("select * from reporting.rpt_quarter_summary where year_quarter = ?", [q]).df().iloc[0]
        for col, name in (
            ("inspection_rate", "监督检查率"),
            ("clue_close_rate", "线索办结率"),
            ("hit_count", "疑点数"),
            ("suspect_amount", "疑点金额（元）"),
        ):
            m = re.search(
                rf'<td>{re.escape(name)}</td><td class="n">[^<]*</td><td class="n">[^<]*</td>'
                r'<td class="n">([^<]*)</td>',
                text,
            )
            assert m, (q, name)
            cur, prev = s[col], s["prev_" + col]
            if pd.isna(cur) or pd.isna(prev) or (not col.endswith("_rate") and float(prev) == 0):
                assert m.group(1) == "—", (q, col, m.group(1))
            elif col.endswith("_rate"):
                points = round((float(cur) - float(prev)) * 100, 2)
                assert m.group(1) == ("0.00 个百分点" if points == 0 else f"{points:+.2f} 个百分点"), (q, col)
            else:
                growth = (float(cur) - float(prev)) / float(prev) * 100
                assert m.group(1) == ("0.00%" if round(growth, 2) == 0 else f"{growth:+.2f}%"), (q, col)
        assert "个百分点" in text and "环比增长率" in text
        assert "按期报告：首个处置环节记录日期不晚于报告期限（5个工作日）" in text


def test_html_is_self_contained(rendered):
    files, _ = rendered
    for _q, (_x, page) in files.items():
        text = page.read_text(encoding="utf-8")
        assert '<meta charset="utf-8">' in text and "<svg" in text
        assert "医保基金监管季度通报" in text and "线索办结率" in text
        assert "<script" not in text and "src=" not in text and "@import" not in text
        assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")


def _png_pixels(path: Path) -> tuple[int, int, list[int]]:
    """Grey values of an 8-bit RGB/RGBA PNG (no dependencies): (width, height, values)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h, bpp = 8, b"", 0, 0, 3
    while pos < len(data):
        ln = int.from_bytes(data[pos : pos + 4], "big")
        typ = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + ln]
        if typ == b"IHDR":
            w, h = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            depth, ctype = body[8], body[9]
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    grey: list[int] = []
    i = 0
    for _ in range(h):
        ft = raw[i]
        line = bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        grey.extend((line[x] + line[x + 1] + line[x + 2]) // 3 for x in range(0, stride, bpp))
        prev = line
    return w, h, grey


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _screenshot(browser: str, html: Path, png: Path, profile: Path, size: str = "1366,900") -> None:
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            f"--window-size={size}",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert png.exists() and png.stat().st_size > 0


def _variance(values: list[int]) -> float:
    m = sum(values) / len(values)
    return sum((v - m) ** 2 for v in values) / len(values)


def test_html_renders_in_headless_chromium_with_cjk_glyphs(rendered, tmp_path):
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but chromium is missing: run reporting/setup_browser.sh first")
        pytest.skip("chromium not installed (reporting/setup_browser.sh installs it and fonts-noto-cjk)")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert "Noto" in fonts, "no CJK font: fonts-noto-cjk (reporting/setup_browser.sh)"

    files, _ = rendered
    page = next(iter(files.values()))[1]
    png = tmp_path / "report.png"
    _screenshot(browser, page, png, tmp_path / "profile")
    w, h, grey = _png_pixels(png)
    assert (w, h) == (1366, 900)
    assert _variance(grey) > 100, "the screenshot is blank"
    assert sum(1 for v in grey if v < 128) > 2000, "hardly any dark pixels: nothing rendered"

    # glyphs, not tofu: the same Chinese string drawn with the page's font stack must differ from
    # the same count of a code point no font has (drawn as tofu boxes), and distinct characters must
    # not draw identical boxes
    def strip(text: str, name: str) -> list[int]:
        doc = tmp_path / f"{name}.html"
        doc.write_text(
            '<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0;background:#fff;'
            'font-family:"Noto Sans CJK SC",sans-serif;font-size:48px}</style></head>'
            f"<body><div>{text}</div></body></html>",
            encoding="utf-8",
        )
        shot = tmp_path / f"{name}.png"
        _screenshot(browser, doc, shot, tmp_path / f"profile-{name}", "800,120")
        return _png_pixels(shot)[2]

    cjk = strip("医保基金监管通报", "cjk")
    tofu = strip("\U000f0000" * 8, "tofu")  # private-use plane: no font has glyphs there → tofu
    assert _variance(cjk) > 50, "the Chinese text did not render"
    differs = sum(1 for a, b in zip(cjk, tofu, strict=True) if abs(a - b) > 64)
    assert differs > 500, "Chinese text renders like missing-glyph boxes (no CJK font)"


# --- the clue loop ----------------------------------------------------------------------------------


def _summary(warehouse: Path, quarter: str) -> tuple:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select clue_count, clue_closed_count, clue_close_rate from reporting.rpt_quarter_summary"
            " where year_quarter = ?",
            [quarter],
        ).fetchone()
    finally:
        con.close()


@pytest.mark.slow
def test_recording_a_stage_closes_the_clue_and_moves_the_close_rate(pipeline_run, dbt_manifest, tmp_path):
    from tests.conftest import TEST_SECRET

    before_wh = pipeline_run["warehouse"]
    con = duckdb.connect(str(before_wh), read_only=True)
    try:
        open_clue = con.execute("""select clue_id, year_quarter, latest_stage_date from supervision.mart_clues
            where not is_closed order by clue_id limit 1""").fetchone()
    finally:
        con.close()
    assert open_clue, "the sample has no open clue to close"
    clue_id, quarter, _ = open_clue
    before = _summary(before_wh, quarter)

    landing = tmp_path / "landing"
    shutil.copytree(pipeline_run["landing"], landing)
    periods = sorted(p.name for p in (landing / "case_clue").iterdir() if p.is_dir())
    period = periods[-1]
    y, m = int(period[:4]), int(period[4:])
    last_day = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    import xlsxwriter

    path = landing / "case_clue" / period / f"990100_case_clue_{period}_99.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("线索处置")
    ws.write_row(0, 0, ["clue_id", "stage", "stage_date", "confirmed_amt", "handler"])
    ws.write_row(1, 0, [clue_id, "5", last_day.isoformat(), 1234.5, "测试"])
    wb.close()

    warehouse = tmp_path / "wh.duckdb"
    env = {
        **os.environ,
        "YIBAO_WAREHOUSE": str(warehouse),
        "YIBAO_PSN_KEY_SECRET": TEST_SECRET,
        "YIBAO_LANDING_DIR": str(landing),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    subprocess.run(
        [sys.executable, "-m", "ingest.load", "--landing", str(landing), "--warehouse", str(warehouse)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=900,
    )
    dbt = Path(sys.executable).parent / "dbt"
    res = subprocess.run(
        [
            str(dbt),
            "build",
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--exclude",
            "resource_type:test",
            "resource_type:unit_test",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert res.returncode == 0, res.stdout[-3000:]

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            "select latest_stage, is_closed, confirmed_amount from supervision.mart_clues where clue_id = ?", [clue_id]
        ).fetchone()
    finally:
        con.close()
    assert row == ("5", True, Decimal("1234.50"))
    after = _summary(warehouse, quarter)
    assert after[0] == before[0] and after[1] == before[1] + 1
    assert float(after[2]) == pytest.approx(round((before[1] + 1) / before[0], 4), abs=1e-4)
    assert float(after[2]) > float(before[2] or 0)

    # and the rendered report shows the new rate
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        xlsx = render_workbook(con, quarter, tmp_path / "out", dbt_manifest)
        render_html(con, quarter, tmp_path / "out", dbt_manifest)
    finally:
        con.close()
    five = _five(pd.read_excel(xlsx, sheet_name="汇总", engine="calamine", header=None))
    assert float(five["线索办结率"]) == pytest.approx(float(after[2]), abs=1e-4)


# --- the Dagster asset ------------------------------------------------------------------------------


def test_quarterly_asset_renders_its_partition(pipeline_run, wh):
    import dagster as dg

    from orchestration.assets.reports import QUARTERLY, partition_key, quarter_label, quarterly_reports
    from orchestration.resources import WarehouseResource

    assert quarter_label("2025-04-01") == "2025Q2" and quarter_label("2024-10-01") == "2024Q4"
    assert partition_key("2025Q2") == "2025-04-01" and partition_key("2024Q4") == "2024-10-01"
    q = quarters(wh)[0]
    key = f"{q[:4]}-{(int(q[-1]) - 1) * 3 + 1:02d}-01"
    assert key in QUARTERLY.get_partition_keys(dynamic_partitions_store=None)
    out = Path(os.environ["YIBAO_OUTPUT_DIR"])
    res = dg.materialize([quarterly_reports], partition_key=key, resources={"warehouse": WarehouseResource()})
    assert res.success
    assert sorted(p.name for p in (out / "reports" / q).iterdir()) == [
        f"医保基金监管季度通报_{q}.html",
        f"医保基金监管季度通报_{q}.xlsx",
    ]


def test_the_run_materialises_every_quarters_partition_of_the_report(pipeline_run, wh):
    """materialize_everything (make run) renders the 通报 inside Dagster: after it, the instance records
    reports/quarterly as materialised for the partition of every quarter in the data, each with its files."""
    import dagster as dg

    from orchestration.assets.reports import partition_key

    instance = pipeline_run["instance"]
    key = dg.AssetKey(["reports", "quarterly"])
    expected = {partition_key(q) for q in quarters(wh)}
    assert expected and instance.get_materialized_partitions(key) >= expected
    records = instance.fetch_materializations(key, limit=100).records
    latest = {r.partition_key: r.asset_materialization.metadata for r in reversed(records)}
    for q in quarters(wh):
        meta = latest[partition_key(q)]
        assert meta["rendered"].value is True
        assert Path(meta["workbook_path"].value).name == f"医保基金监管季度通报_{q}.xlsx"
        assert Path(meta["workbook_path"].value).exists() and Path(meta["html_path"].value).exists()


def test_delivery_quality_equals_the_gate_table(wh):
    per_feed = wh.execute("""select feed, count(*), sum(case when status = 'refused' then 1 else 0 end),
               sum(coalesce(rows_quarantined, 0))
        from quality.delivery_quality where length(period) = 6 group by feed order by feed""").fetchall()
    mart = wh.execute("""select feed, sum(delivery_count), sum(refused_count), sum(rows_quarantined)
        from reporting.rpt_delivery_quality_quarterly group by feed order by feed""").fetchall()
    assert per_feed and [tuple(int(x) if not isinstance(x, str) else x for x in r) for r in mart] == [
        tuple(int(x) if not isinstance(x, str) else x for x in r) for r in per_feed
    ]


# --- the 通报 as a document ---------------------------------------------------------------------------


def _visible_text(page: Path) -> str:
    """What a reader of the HTML page sees: its text and the chart labels, without markup or CSS."""
    import re

    text = re.sub(r"<style>.*?</style>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", text))


def _workbook_text(xlsx: Path) -> str:
    """Every string a reader of the workbook sees: cells, chart titles, page headers and footers."""
    import re
    import zipfile

    cells = [str(v) for df in _sheets(xlsx).values() for v in df.to_numpy().ravel() if isinstance(v, str) and v.strip()]
    with zipfile.ZipFile(xlsx) as z:
        xml = [z.read(n).decode() for n in z.namelist() if n.startswith(("xl/charts/chart", "xl/worksheets/sheet"))]
    extra = [unescape(t) for x in xml for t in re.findall(r"<(?:a:t|oddHeader|oddFooter)>([^<]*)<", x)]
    return "\n".join(cells + extra)


def _technical_names() -> set[str]:
    """Names of the machinery a reader must never meet: feeds, warehouse schemas and the contract file."""
    from ingest.specs import FEEDS

    return {*FEEDS, "DATA_CONTRACT", "UNKNOWN", "delivery_quality", "rules_not_evaluated"}


def test_reports_speak_in_names_never_codes_tables_or_column_names(rendered):
    import re

    technical = _technical_names()
    files, _ = rendered
    for q, (xlsx, page) in files.items():
        for where, text in (("html", _visible_text(page)), ("xlsx", _workbook_text(xlsx))):
            words = set(re.findall(r"[A-Za-z][A-Za-z0-9_.]*", text))
            assert not words & technical, (q, where, words & technical)
            # snake_case identifiers (column or table names) and schema-qualified relations
            assert not re.findall(r"[A-Za-z0-9]+_[A-Za-z0-9_]+", text), (q, where)
            assert not re.findall(r"\b(?:raw|staging|core|supervision|reporting|quality)\.[a-z]", text), (q, where)
            # quarters are written 2025年第二季度, never 2025Q2 (a clue's number, CL-<institution>-2025Q2, is an id)
            assert not re.findall(r"\d{4}Q[1-4]", re.sub(r"\bCL-[A-Z0-9]+-\d{4}Q[1-4]\b", "", text)), (q, where)
            assert "nan" not in words and "None" not in words, (q, where)


def test_counties_are_named_and_unknown_ones_read_as_unknown_area(wh, rendered):
    from reporting.data import UNKNOWN_AREA

    files, _ = rendered
    named = dict(wh.execute("select admdvs, admdvs_name from reporting.rpt_segment_quarterly").fetchall())
    for q, (xlsx, page) in files.items():
        county = _sheets(xlsx)["分县区"]
        shown = [v for v in county.iloc[1:, 0] if isinstance(v, str)]
        codes = [
            r[0]
            for r in wh.execute(
                "select distinct admdvs from reporting.rpt_segment_quarterly where year_quarter = ? order by 1", [q]
            ).fetchall()
        ]
        assert sorted(shown) == sorted(UNKNOWN_AREA if c == "UNKNOWN" else named[c] or UNKNOWN_AREA for c in codes), q
        assert all(not v.isdigit() for v in shown), q
        html = _visible_text(page)
        for c in codes:
            assert (UNKNOWN_AREA if c == "UNKNOWN" else named[c] or UNKNOWN_AREA) in html, (q, c)


def test_rules_carry_their_full_catalogue_names(rendered):
    import csv

    with (DBT_PROJECT_DIR / "seeds" / "knowledge_base" / "rule_catalogue.csv").open(encoding="utf-8") as f:
        names = {r["rule_code"]: r["rule_name_zh"] for r in csv.DictReader(f)}
    files, _ = rendered
    for q, (xlsx, page) in files.items():
        rules = _sheets(xlsx)["分规则"]
        shown = {r[0]: r[1] for r in rules.iloc[1 : 1 + len(names)].itertuples(index=False)}
        assert shown == names, q
        html = _visible_text(page)
        assert all(name in html for name in names.values()), q


def test_summary_paragraph_states_the_quarter_and_its_figures(wh, rendered):
    from reporting.data import load_quarter, quarter_zh, summary_paragraphs

    assert quarter_zh("2025Q2") == "2025年第二季度" and quarter_zh("2024Q4") == "2024年第四季度"
    files, _ = rendered
    for q, (xlsx, page) in files.items():
        s = wh.execute("select * from reporting.rpt_quarter_summary where year_quarter = ?", [q]).df().iloc[0]
        d = load_quarter(wh, q, DBT_PROJECT_DIR / "target" / "manifest.json")
        first, second = summary_paragraphs(d)
        assert first.startswith(quarter_zh(q) + "，")
        assert f"共发现疑点{int(s.hit_count):,}条" in first
        assert f"涉及定点医药机构{int(s.hit_institution_count):,}家" in first
        assert f"疑点金额{float(s.suspect_amount or 0) / 10000:,.2f}万元" in first
        assert f"下发线索{int(s.clue_count):,}条" in first
        if int(s.major_case_count):
            major, on_time = int(s.major_case_count), int(s.major_case_on_time_count)
            assert (
                f"要情线索{major}条，"
                + ("均已按期报告" if on_time == major else f"按期报告{on_time}条，逾期或未报告{major - on_time}条")
                in first
            )
        else:
            assert "无疑点金额达到50万元的要情线索" in first
        if pd.isna(s.prev_hit_count):
            assert "上季度无可比数据" in first
        else:
            assert "较上季度" in first or "持平" in first or "上季度为零" in first
        assert second.endswith("现将有关情况通报如下。")
        html = _visible_text(page)
        assert first in html and f"关于{quarter_zh(q)}医保基金监管情况的通报" in html
        summ = _sheets(xlsx)["汇总"]
        cells = [v for v in summ.iloc[:, 0] if isinstance(v, str)]
        assert f"关于{quarter_zh(q)}医保基金监管情况的通报" in cells and any(first in v for v in cells)


def test_issuer_and_issue_date_come_from_the_environment(wh, dbt_manifest, tmp_path, monkeypatch):
    from warehouse.settings import DEFAULT_REPORT_ISSUER, report_issue_date, report_issuer

    monkeypatch.delenv("YIBAO_REPORT_ISSUER", raising=False)
    monkeypatch.delenv("YIBAO_REPORT_DATE", raising=False)
    assert report_issuer() == DEFAULT_REPORT_ISSUER
    from zoneinfo import ZoneInfo

    assert report_issue_date() == dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    monkeypatch.setenv("YIBAO_REPORT_DATE", "15/07/2025")
    with pytest.raises(ValueError, match="YIBAO_REPORT_DATE.*YYYY-MM-DD"):
        report_issue_date()

    monkeypatch.setenv("YIBAO_REPORT_ISSUER", "云澜市医疗保障局")
    monkeypatch.setenv("YIBAO_REPORT_DATE", "2025-07-15")
    q = quarters(wh)[0]
    xlsx = render_workbook(wh, q, tmp_path, dbt_manifest)
    page = render_html(wh, q, tmp_path, dbt_manifest)
    html = _visible_text(page)
    assert html.count("云澜市医疗保障局") >= 2 and "2025年7月15日" in html  # 红头 and 落款
    assert DEFAULT_REPORT_ISSUER not in html
    text = _workbook_text(xlsx)
    assert "云澜市医疗保障局" in text and "2025年7月15日" in text and DEFAULT_REPORT_ISSUER not in text


def test_key_drug_list_is_numbered_from_one_and_says_how_many_more(wh, rendered):
    import re

    from reporting.data import KEY_DRUG_TOP_N

    files, _ = rendered
    for q, (xlsx, page) in files.items():
        billed = _one(
            wh,
            """select count(*) from reporting.rpt_key_drug_quarterly where year_quarter = ?
            and (billed_amount <> 0 or prev_billed_amount <> 0)""",
            [q],
        )[0]
        listed = min(billed, KEY_DRUG_TOP_N)
        drugs = _sheets(xlsx)["重点药品耗材"]
        assert [int(v) for v in drugs.iloc[1 : 1 + listed, 0]] == list(range(1, listed + 1)), q
        names = list(drugs.iloc[1 : 1 + listed, 2])
        assert len(set(names)) == len(names), q  # a name the watchlist repeats carries its own number
        notes = [v for v in drugs.iloc[:, 0] if isinstance(v, str) and "重点监测品种" in v]
        html = _visible_text(page)
        if billed > listed:
            expected = f"本季度共有{billed}个重点监测品种发生结算，上表按结算金额列出前{listed}位，其余{billed - listed}个品种未列出。"
            assert notes == [expected] and expected in html, q
        seqs = re.findall(
            r'<tr><td class="n">(\d+)</td><td class="">(?:西药|中成药|耗材|中药饮片)', page.read_text("utf-8")
        )
        assert [int(x) for x in seqs] == list(range(1, listed + 1)), q


def test_workbook_prints_landscape_one_page_wide_with_titles_and_page_numbers(rendered):
    import re
    import zipfile

    files, _ = rendered
    for q, (xlsx, _page) in files.items():
        with zipfile.ZipFile(xlsx) as z:
            wbxml = z.read("xl/workbook.xml").decode()
            for i, name in enumerate(SHEETS, start=1):
                sheet = z.read(f"xl/worksheets/sheet{i}.xml").decode()
                setup = re.search(r"<pageSetup [^>]*/>", sheet).group(0)
                assert 'orientation="landscape"' in setup and 'paperSize="9"' in setup, (q, name)
                assert '<pageSetUpPr fitToPage="1"/>' in sheet, (q, name)
                assert re.search(r'fitToWidth="(\d+)"', setup) is None or 'fitToWidth="1"' in setup, (q, name)
                assert "<pageMargins " in sheet, (q, name)
                header = unescape(re.search(r"<oddHeader>([^<]*)</oddHeader>", sheet).group(1))
                footer = unescape(re.search(r"<oddFooter>([^<]*)</oddFooter>", sheet).group(1))
                assert "医保基金监管情况的通报" in header and "&P" in footer and "&N" in footer, (q, name)
                if name == "汇总":  # the whole 汇总 on one page
                    assert 'fitToHeight="0"' not in setup, q
                else:
                    assert 'fitToHeight="0"' in setup, (q, name)
            # the header row repeats on every printed page of the one-table sheets
            titled = set(re.findall(r'<definedName name="_xlnm.Print_Titles" localSheetId="(\d+)">', wbxml))
            for name in ("分县区", "分机构类别", "疑点机构前十", "重点药品耗材", "数据质量"):
                assert str(SHEETS.index(name)) in titled, (q, name)


def test_every_chart_has_data_and_none_is_a_pie(rendered):
    import re
    import zipfile

    files, _ = rendered
    for q, (xlsx, page) in files.items():
        with zipfile.ZipFile(xlsx) as z:
            charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts, q
        for chart in charts:
            assert "<c:pieChart>" not in chart, q
            values = [
                float(v)
                for v in re.findall(r"<c:val>.*?</c:val>", chart, re.S)
                for v in re.findall(r"<c:v>([^<]*)</c:v>", v)
            ]
            assert any(values), (q, re.findall(r"<a:t>([^<]*)</a:t>", chart))
        # the HTML draws bars, never an empty chart
        for svg in re.findall(r"<svg.*?</svg>", page.read_text("utf-8"), re.S):
            assert re.search(r'<rect [^>]*width="(?!0\.0")[\d.]+" height="(?!0\.0")[\d.]+" fill', svg), q


def test_the_indicator_sheet_shows_every_hospitals_level_and_marks_the_r33_hits(wh, rendered):
    """医疗机构费用指标（水位）: the mart's rows with a value, in its order, values and peer figures as
    numbers; the ▲ mark exactly on the indicators R33 hit (fct_rule_hits), in the workbook and the page."""
    from reporting.data import FLAG_MARK

    files, _ = rendered
    flagged_quarters = 0
    for q, (xlsx, page) in files.items():
        mart = wh.execute(
            """select fixmedins_name, indicator_name_zh, indicator_value, peer_median, peer_p25, peer_p75, is_flagged
            from reporting.rpt_hospital_indicators_quarterly where year_quarter = ? and indicator_value is not null
            order by indicator_order, hosp_lv desc, admdvs, fixmedins_name, fixmedins_code""",
            [q],
        ).fetchall()
        hits = {
            tuple(r)
            for r in wh.execute(
                """select m.fixmedins_name, m.indicator_name_zh from supervision.fct_rule_hits as h
                join reporting.rpt_hospital_indicators_quarterly as m
                  on m.fixmedins_code = h.fixmedins_code and m.quarter_start_date = h.occurred_on
                 and m.indicator = json_extract_string(h.evidence, '$.indicator')
                where h.rule_code = 'R33' and m.year_quarter = ?""",
                [q],
            ).fetchall()
        }
        assert {(n, i) for n, i, *_, f in mart if f} == hits, q
        sheet = _sheets(xlsx)[INDICATOR_SHEET]
        heads = [_h(v) for v in sheet.iloc[0]]
        col = {h: heads.index(h) for h in ("定点机构名称", "指标名称", "指标值", "同级中位数", "是否异常")}
        body = sheet.iloc[1 : 1 + len(mart)]
        got = [
            (r[col["定点机构名称"]], r[col["指标名称"]], round(float(r[col["指标值"]]), 4), r[col["是否异常"]])
            for r in body.itertuples(index=False)
        ]
        assert [g[:3] for g in got] == [(n, i, round(float(v), 4)) for n, i, v, *_ in mart], q
        assert {(n, i) for n, i, _, flag in got if flag == FLAG_MARK} == hits, q
        text = _visible_text(page)
        assert "医疗机构费用指标（水位）" in text
        # the mark on each hit's row, and once in the note that explains it
        assert text.count(FLAG_MARK) == len(hits) + 1, q
        flagged_quarters += bool(hits)
    assert flagged_quarters  # the sample's R33 cases
