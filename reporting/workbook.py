"""The quarter's 通报 as an Excel workbook (xlsxwriter): Chinese sheet names and headers, number and
percentage formats, frozen headers, column widths and native charts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import xlsxwriter

from reporting.data import (
    CHANGE_NOTE,
    FOOTNOTES,
    NOT_EVALUATED_NONE,
    NOT_EVALUATED_NOTE,
    QuarterData,
    is_rate,
    load_quarter,
)

SHEETS = ["汇总", "分县区", "分机构类别", "分规则", "疑点机构前十", "线索处置", "重点药品耗材", "数据质量"]


def workbook_name(quarter: str) -> str:
    return f"医保基金监管季度通报_{quarter}.xlsx"


class _Writer:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        base = {"font_name": "微软雅黑", "font_size": 10, "valign": "vcenter"}
        self.f_head = wb.add_format(
            {
                **base,
                "bold": True,
                "bg_color": "#1F4E79",
                "font_color": "#FFFFFF",
                "border": 1,
                "text_wrap": True,
                "align": "center",
            }
        )
        self.f_text = wb.add_format({**base, "border": 1})
        self.f_int = wb.add_format({**base, "border": 1, "num_format": "#,##0"})
        self.f_amt = wb.add_format({**base, "border": 1, "num_format": "#,##0.00"})
        self.f_pct = wb.add_format({**base, "border": 1, "num_format": "0.00%"})
        self.f_date = wb.add_format({**base, "border": 1, "num_format": "yyyy-mm-dd"})
        self.f_title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.f_note = wb.add_format({**base, "italic": True, "font_color": "#555555"})
        self.f_note_wrap = wb.add_format(
            {**base, "italic": True, "font_color": "#555555", "text_wrap": True, "valign": "top"}
        )
        # 环比变化: a rate's change in percentage points, a count's or amount's relative growth
        self.f_points = wb.add_format(
            {**base, "border": 1, "num_format": '+0.00" 个百分点";-0.00" 个百分点";0.00" 个百分点"'}
        )
        self.f_growth = wb.add_format({**base, "border": 1, "num_format": "+0.00%;-0.00%;0.00%"})

    def fmt_for(self, column: str):
        if column.endswith("_amount") or column.endswith("金额（元）"):
            return self.f_amt
        if column.endswith("_rate") or column.endswith("率"):
            return self.f_pct
        if column.endswith("_count") or column in ("hit_count", "rule_count", "seq", "suspect_rank"):
            return self.f_int
        return None

    def table(
        self,
        ws,
        df: pd.DataFrame,
        row: int,
        col: int = 0,
        *,
        headers: list[str],
        formats: dict | None = None,
        widths: dict | None = None,
    ) -> tuple[int, int]:
        """Writes df under the header row `headers` at (row, col); returns (first data row, last data row)."""
        for j, h in enumerate(headers):
            ws.write(row, col + j, h, self.f_head)
            width = (widths or {}).get(df.columns[j]) or max(10, min(40, 2 * len(str(h)) + 2))
            ws.set_column(col + j, col + j, width)
        for i, rec in enumerate(df.itertuples(index=False), start=1):
            for j, (c, v) in enumerate(zip(df.columns, rec, strict=True)):
                f = (formats or {}).get(c) or self.fmt_for(str(c))
                self._cell(ws, row + i, col + j, v, f)
        return row + 1, row + len(df)

    def _cell(self, ws, r, c, v, f):
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
            ws.write_blank(r, c, None, f or self.f_text)
        elif isinstance(v, (bool,)):
            ws.write_string(r, c, "是" if v else "否", self.f_text)
        elif isinstance(v, (pd.Timestamp, dt.date, dt.datetime)):
            ws.write_datetime(r, c, pd.Timestamp(v).to_pydatetime(), self.f_date)
        elif isinstance(v, (int, float)) or hasattr(v, "__float__") and not isinstance(v, str):
            ws.write_number(r, c, float(v), f or self.f_int)
        else:
            ws.write_string(r, c, str(v), self.f_text)


def _chart(wb, kind, title, sheet, cats, series, x_title=None, y_title=None, subtype=None, pct=False):
    chart = wb.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
    for name, ref in series:
        s = {"name": name, "categories": [sheet, *cats], "values": [sheet, *ref]}
        if kind == "pie":
            s["data_labels"] = {"percentage": True, "category": True}
        chart.add_series(s)
    chart.set_title({"name": title, "name_font": {"name": "微软雅黑", "size": 12}})
    if kind != "pie":
        chart.set_x_axis({"name": x_title or "", "num_font": {"name": "微软雅黑"}})
        chart.set_y_axis(
            {
                "name": y_title or "",
                "num_format": "0%" if pct else "#,##0",
                "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}},
            }
        )
        chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 640, "height": 340})
    return chart


def _note_height(text: str, width: int = 80) -> float:
    """Row height (points) for a wrapped note over the 汇总 table's columns A–E (about 80 narrow
    characters wide; a Chinese character takes two)."""
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return 14.0 * max(1, -(-units // width))


def render_workbook(con, quarter: str, out_dir: str | Path, manifest_path: str | Path) -> Path:
    """Writes 医保基金监管季度通报_<quarter>.xlsx into out_dir and returns its path; headers from the dbt
    manifest at manifest_path."""
    d: QuarterData = load_quarter(con, quarter, manifest_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / workbook_name(quarter)
    wb = xlsxwriter.Workbook(
        str(path), {"nan_inf_to_errors": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    wb.set_properties({"title": f"医保基金监管季度通报 {quarter}", "author": "yibao-supervision"})
    w = _Writer(wb)

    # 汇总
    ws = wb.add_worksheet("汇总")
    ws.write(0, 0, f"医保基金监管季度通报（{quarter}）", w.f_title)
    ws.write(1, 0, "“5个100%”指标（培训率：数据接口规范无培训数据来源，不统计）", w.f_note)
    five = d.five.rename(columns={})
    w.table(
        ws,
        five,
        2,
        headers=list(five.columns),
        formats={"本季": w.f_pct, "指标": w.f_text, "数据来源": w.f_text},
        widths={"数据来源": 36},
    )
    top = 2 + len(five) + 2
    st = d.summary_table[["类别", "指标", "本季", "上季", "环比变化"]]
    ws.merge_range(top - 1, 0, top - 1, 4, CHANGE_NOTE, w.f_note_wrap)
    ws.set_row(top - 1, _note_height(CHANGE_NOTE))
    r0 = top
    ws.write_row(r0, 0, list(st.columns), w.f_head)
    for i, rec in enumerate(d.summary_table.itertuples(index=False), start=1):
        f = w.fmt_for(rec.column) or w.f_int
        ws.write_string(r0 + i, 0, rec.类别, w.f_text)
        ws.write_string(r0 + i, 1, rec.指标, w.f_text)
        for j, v in enumerate((rec.本季, rec.上季), start=2):
            w._cell(ws, r0 + i, j, v, f)
        w._cell(ws, r0 + i, 4, rec.环比变化, w.f_points if is_rate(rec.column) else w.f_growth)
    note_row = r0 + len(st) + 2
    for k, text in enumerate(["注：", *FOOTNOTES]):
        ws.merge_range(note_row + k, 0, note_row + k, 4, text, w.f_note_wrap)
        ws.set_row(note_row + k, _note_height(text))
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 4, 16)
    ws.freeze_panes(3, 0)
    ch = _chart(
        wb, "column", "“5个100%”指标完成情况", "汇总", [3, 0, 6, 0], [(quarter, [3, 1, 6, 1])], y_title="比率", pct=True
    )
    ws.insert_chart(2, 6, ch)

    # 分县区
    ws = wb.add_worksheet("分县区")
    county = d.county
    f0, f1 = w.table(ws, county, 0, headers=d.headers("county"), widths={"admdvs": 14})
    ws.freeze_panes(1, 1)
    if len(county):
        ci = list(county.columns)
        ch = _chart(
            wb,
            "column",
            "各县区疑点金额与认定违规金额",
            "分县区",
            [f0, 0, f1, 0],
            [
                ("疑点金额", [f0, ci.index("suspect_amount"), f1, ci.index("suspect_amount")]),
                ("认定违规金额", [f0, ci.index("confirmed_amount"), f1, ci.index("confirmed_amount")]),
            ],
            y_title="元",
        )
        ws.insert_chart(f1 + 2, 0, ch)

    # 分机构类别
    ws = wb.add_worksheet("分机构类别")
    seg_cols = [
        "admdvs",
        "institution_class_name",
        "ownership_name",
        "institution_count",
        "inspected_institution_count",
        "inspected_designated_institution_count",
        "hit_institution_count",
        "hit_count",
        "suspect_amount",
        "prev_suspect_amount",
        "clue_count",
        "clue_closed_count",
        "confirmed_amount",
        "major_case_count",
        "major_case_on_time_count",
        "refused_amount",
        "recovered_amount",
        "penalty_amount",
        "action_1_count",
        "action_2_count",
        "action_3_count",
        "action_4_count",
        "action_5_count",
        "action_6_count",
        "tipoff_count",
        "tipoff_verified_count",
        "tipoff_rewarded_count",
    ]
    w.table(ws, d.segments[seg_cols], 0, headers=d.headers("segments", seg_cols))
    ws.freeze_panes(1, 3)

    # 分规则
    ws = wb.add_worksheet("分规则")
    f0, f1 = w.table(ws, d.rules, 0, headers=d.headers("rules"), widths={"rule_name_zh": 30, "category": 16})
    ws.freeze_panes(1, 2)
    cat_row = f1 + 2
    c0, c1 = w.table(ws, d.categories, cat_row, headers=d.headers("categories"), widths={"category": 16})
    ch = _chart(wb, "bar", "各规则疑点金额", "分规则", [f0, 1, f1, 1], [("疑点金额", [f0, 5, f1, 5])], y_title="元")
    ch.set_size({"width": 640, "height": 560})
    ws.insert_chart(0, 10, ch)
    if len(d.categories):
        ch = _chart(wb, "pie", "疑点金额按规则类别", "分规则", [c0, 0, c1, 0], [("疑点金额", [c0, 2, c1, 2])])
        ws.insert_chart(29, 10, ch)

    # 疑点机构前十
    ws = wb.add_worksheet("疑点机构前十")
    f0, f1 = w.table(ws, d.top10, 0, headers=d.headers("top10"), widths={"fixmedins_name": 28, "clue_id": 22})
    ws.freeze_panes(1, 0)
    if len(d.top10):
        ch = _chart(
            wb, "bar", "疑点金额前十机构", "疑点机构前十", [f0, 2, f1, 2], [("疑点金额", [f0, 9, f1, 9])], y_title="元"
        )
        ws.insert_chart(f1 + 2, 0, ch)

    # 线索处置
    ws = wb.add_worksheet("线索处置")
    f0, f1 = w.table(ws, d.stages, 0, headers=list(d.stages.columns), formats={"线索数": w.f_int})
    ch = _chart(wb, "pie", "线索按最新处置阶段", "线索处置", [f0, 0, f1, 0], [("线索数", [f0, 1, f1, 1])])
    ws.insert_chart(0, 3, ch)
    mrow = max(f1 + 2, 19)
    ws.write(mrow, 0, f"要情报告线索（本季疑点金额≥50万元，应于5个工作日内报告）：{len(d.major_cases)} 条", w.f_note)
    ws.write(mrow + 1, 0, FOOTNOTES[-1], w.f_note)
    w.table(ws, d.major_cases, mrow + 2, headers=d.headers("major_cases"), widths={"fixmedins_name": 28, "clue_id": 22})
    ws.freeze_panes(1, 0)

    # 重点药品耗材
    ws = wb.add_worksheet("重点药品耗材")
    f0, f1 = w.table(
        ws, d.key_drugs, 0, headers=d.headers("key_drugs"), widths={"watchlist_name_zh": 30, "top_fixmedins_name": 28}
    )
    ws.freeze_panes(1, 3)
    if len(d.key_drugs):
        n = min(f1, f0 + 14)
        ch = _chart(
            wb,
            "column",
            "重点药品耗材结算金额（本季与上季）",
            "重点药品耗材",
            [f0, 2, n, 2],
            [("本季", [f0, 5, n, 5]), ("上季", [f0, 6, n, 6])],
            y_title="元",
        )
        ch.set_size({"width": 800, "height": 380})
        ws.insert_chart(f1 + 2, 0, ch)

    # 数据质量
    ws = wb.add_worksheet("数据质量")
    if d.quality.empty:
        ws.write(0, 0, "本季无数据质量记录（质检结果表 quality.delivery_quality 尚未生成）", w.f_note)
    else:
        f0, f1 = w.table(ws, d.quality, 0, headers=d.headers("quality"), widths={"feed": 22})
        ws.freeze_panes(1, 1)
        ch = _chart(
            wb, "column", "各数据接口隔离行数", "数据质量", [f0, 0, f1, 0], [("隔离行数", [f0, 8, f1, 8])], y_title="行"
        )
        ws.insert_chart(f1 + 2, 0, ch)
    # the rules a failing feed kept from being evaluated (blocking by lineage)
    row = (len(d.quality) + 24) if not d.quality.empty else 2
    if d.not_evaluated.empty:
        ws.write(row, 0, NOT_EVALUATED_NONE, w.f_note)
    else:
        ws.write(row, 0, NOT_EVALUATED_NOTE, w.f_note)
        w.table(ws, d.not_evaluated, row + 1, headers=d.headers("not_evaluated"), widths={"failed_checks": 40})

    wb.close()
    return path
