"""The quarter's 通报 as an Excel workbook (xlsxwriter): Chinese sheet names and headers, number and
percentage formats, frozen headers, column widths, native charts and a print setup on every sheet
(A4 landscape, one page wide, header rows repeated, the title and page numbers in header and footer)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import xlsxwriter

from reporting.data import (
    CHANGE_NOTE,
    FLAG_MARK,
    FOOTNOTES,
    INDICATOR_NUMBERS,
    INDICATOR_SHARES,
    NOT_EVALUATED_NONE,
    NOT_EVALUATED_NOTE,
    TRAINING_NOTE,
    QuarterData,
    date_zh,
    effectiveness_line,
    is_rate,
    load_quarter,
    overdue_line,
    summary_paragraphs,
)

INDICATOR_SHEET = "医疗机构费用指标（水位）"
SHEETS = [
    "汇总",
    "分县区",
    "分机构类别",
    "分规则",
    "疑点机构前十",
    "线索处置",
    "规则成效",
    "重点药品耗材",
    "数据质量",
    INDICATOR_SHEET,
]


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
        self.f_title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
        self.f_issuer = wb.add_format(
            {
                **base,
                "bold": True,
                "font_size": 22,
                "font_color": "#C00000",
                "align": "center",
                "bottom": 2,
                "bottom_color": "#C00000",
            }
        )
        self.f_para = wb.add_format({**base, "font_size": 11, "text_wrap": True, "valign": "top"})
        self.f_right = wb.add_format({**base, "align": "right"})
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
        set_widths: bool = True,
    ) -> tuple[int, int]:
        """Writes df under the header row `headers` at (row, col); returns (first data row, last data row).
        A second table on a sheet passes set_widths=False to keep the first one's column widths."""
        for j, h in enumerate(headers):
            ws.write(row, col + j, _wrapped(str(h)), self.f_head)
            if set_widths:
                ws.set_column(col + j, col + j, (widths or {}).get(df.columns[j]) or _width(df, j, str(h)))
        ws.set_row(row, 30)
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


def _width(df: pd.DataFrame, j: int, header: str) -> float:
    """Column width (characters) for column j: wide enough for its values, the header wraps to two lines."""

    def units(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    column = str(df.columns[j])
    values = df.iloc[:, j]
    if column.endswith("_amount"):
        longest = max([len(f"{float(v):,.2f}") for v in values if not pd.isna(v)] or [8])
    elif column.endswith("_rate"):
        longest = 8
    elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        longest = max([len(f"{float(v):,.0f}") for v in values if not pd.isna(v)] or [4])
    else:
        longest = max([units(str(v)) for v in values if not pd.isna(v)] or [4])
    lines = _wrapped(header).split("\n")
    return float(min(44, max(8, longest + 2, *(-(-units(line) // 2) + 3 for line in lines))))


def _wrapped(header: str) -> str:
    """A header with a bracketed unit, 疑点金额（元）, breaks before the bracket: never a lone （元 or ）."""
    i = header.find("（")
    return header[:i] + "\n" + header[i:] if i > 0 else header


def _print_setup(ws, d: QuarterData, sheet: str, repeat_row: int | None = 0, one_page: bool = False) -> None:
    """A4 landscape, one page wide (and one page tall for one_page), header row repeated on every page,
    the issuer and title in the page header, page numbers in the footer."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    ws.center_horizontally()
    ws.fit_to_pages(1, 1 if one_page else 0)
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)
    issuer, title = d.issuer.replace("&", "&&"), d.title.replace("&", "&&")
    ws.set_header(f"&L&9{issuer}&C&9{title}&R&9{sheet}", {"margin": 0.3})
    ws.set_footer("&C&9第 &P 页，共 &N 页", {"margin": 0.3})


def _chart(wb, kind, title, sheet, cats, series, x_title=None, y_title=None, subtype=None, pct=False):
    chart = wb.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
    for name, ref in series:
        chart.add_series({"name": name, "categories": [sheet, *cats], "values": [sheet, *ref], "gap": 80})
    chart.set_title({"name": title, "name_font": {"name": "微软雅黑", "size": 12}})
    value_axis = {
        "name": y_title or "",
        "num_format": "0%" if pct else "#,##0",
        **({"min": 0, "max": 1} if pct else {}),
        "num_font": {"name": "微软雅黑", "size": 9},
        "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}},
    }
    category_axis = {"name": x_title or "", "num_font": {"name": "微软雅黑", "size": 9}}
    if kind == "bar":  # horizontal: categories on y, read top down
        chart.set_x_axis(value_axis)
        chart.set_y_axis({**category_axis, "reverse": True})
    else:
        chart.set_x_axis(category_axis)
        chart.set_y_axis(value_axis)
    if len(series) > 1:
        chart.set_legend({"position": "bottom", "font": {"name": "微软雅黑", "size": 9}})
    else:
        chart.set_legend({"none": True})
    chart.set_size({"width": 640, "height": 340})
    return chart


def _note_height(text: str, width: int = 80) -> float:
    """Row height (points) for a wrapped note over `width` narrow characters (a Chinese character takes two)."""
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return 14.5 * max(1, -(-units // width))


SEGMENT_COLUMNS = [
    "admdvs_name",
    "institution_class_name",
    "ownership_name",
    "institution_count",
    "inspected_designated_institution_count",
    "hit_institution_count",
    "hit_count",
    "suspect_amount",
    "prev_suspect_amount",
    "clue_count",
    "clue_closed_count",
    "major_case_count",
    "confirmed_amount",
    "refused_amount",
    "recovered_amount",
    "penalty_amount",
    "tipoff_count",
]


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
    wb.set_properties({"title": d.title, "author": d.issuer, "company": d.issuer})
    w = _Writer(wb)

    # 汇总: 红头, title, summary paragraphs, 5个100%, the summary table and its notes — one printed page
    ws = wb.add_worksheet("汇总")
    last_col = 11  # A–L: the tables on A–E, the chart on G–L
    ws.merge_range(0, 0, 0, last_col, d.issuer, w.f_issuer)
    ws.set_row(0, 36)
    ws.merge_range(1, 0, 1, last_col, d.title, w.f_title)
    ws.set_row(1, 30)
    issued = f"{d.issuer}　{date_zh(d.issued_on)}" if d.issued_on else d.issuer
    ws.merge_range(2, 0, 2, last_col, issued, w.f_right)
    row = 3
    for text in summary_paragraphs(d):
        text = "　　" + text
        ws.merge_range(row, 0, row, last_col, text, w.f_para)
        ws.set_row(row, _note_height(text, 150) + 4)
        row += 1
    ws.write(row + 1, 0, f"一、“5个100%”指标（{TRAINING_NOTE}）", w.f_note)
    five_top = row + 2
    five = d.five
    ws.write_row(five_top, 0, ["指标", "本季"], w.f_head)
    ws.merge_range(five_top, 2, five_top, 4, "数据来源", w.f_head)
    for i, rec in enumerate(five.itertuples(index=False), start=1):
        ws.write_string(five_top + i, 0, rec.指标, w.f_text)
        w._cell(ws, five_top + i, 1, rec.本季, w.f_pct)
        ws.merge_range(five_top + i, 2, five_top + i, 4, rec.数据来源, w.f_text)
    sourced = [i for i, name in enumerate(five["指标"]) if name != "培训率"]
    ch = _chart(
        wb,
        "column",
        "“5个100%”指标完成情况",
        "汇总",
        [five_top + 1, 0, five_top + 1 + max(sourced), 0],
        [("本季度", [five_top + 1, 1, five_top + 1 + max(sourced), 1])],
        pct=True,
    )
    ch.set_size({"width": 560, "height": 300})
    ws.insert_chart(five_top + len(five) + 4, 6, ch)
    top = five_top + len(five) + 2
    ws.write(top - 1, 0, "二、主要指标及环比变化", w.f_note)
    st = d.summary_table[["类别", "指标", "本季", "上季", "环比变化"]]
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
    for k, text in enumerate(["注：", CHANGE_NOTE, *FOOTNOTES]):
        ws.merge_range(note_row + k, 0, note_row + k, last_col, text, w.f_note_wrap)
        ws.set_row(note_row + k, _note_height(text, 150))
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 4, 16)
    ws.set_column(5, 5, 3)
    ws.set_column(6, last_col, 13)
    _print_setup(ws, d, "汇总", repeat_row=None, one_page=True)
    ws.print_area(0, 0, note_row + len(FOOTNOTES) + 1, last_col)

    # 分县区
    ws = wb.add_worksheet("分县区")
    county_cols = ["admdvs_name", *[c for c in d.county.columns if c not in ("admdvs", "admdvs_name")]]
    county = d.county[county_cols]
    f0, f1 = w.table(ws, county, 0, headers=d.headers("county", county_cols))
    ws.freeze_panes(1, 1)
    if len(county) and (county["suspect_amount"].astype(float).any() or county["confirmed_amount"].astype(float).any()):
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
        ch.set_size({"width": 760, "height": 340})
        ws.insert_chart(f1 + 2, 0, ch)
    _print_setup(ws, d, "分县区")

    # 分机构类别
    ws = wb.add_worksheet("分机构类别")
    w.table(ws, d.segments[SEGMENT_COLUMNS], 0, headers=d.headers("segments", SEGMENT_COLUMNS))
    ws.set_row(0, 44)
    ws.freeze_panes(1, 3)
    _print_setup(ws, d, "分机构类别")

    # 分规则
    ws = wb.add_worksheet("分规则")
    f0, f1 = w.table(ws, d.rules, 0, headers=d.headers("rules"), widths={"rule_code": 15, "category": 16})
    ws.freeze_panes(1, 2)
    cat_row = f1 + 2
    c0, c1 = w.table(ws, d.categories, cat_row, headers=d.headers("categories"), set_widths=False)
    ws.set_row(cat_row, 44)
    # pages: the rule table; the category table with its chart; the rule chart
    breaks = [cat_row]
    row = c1 + 2
    if len(d.categories) and d.categories["suspect_amount"].astype(float).any():
        ch = _chart(wb, "bar", "疑点金额按规则类别", "分规则", [c0, 0, c1, 0], [("疑点金额", [c0, 2, c1, 2])])
        height = max(240, 30 * len(d.categories) + 80)
        ch.set_size({"width": 760, "height": height})
        ws.insert_chart(row, 0, ch)
        row += height // 20 + 2
    if d.rules["hit_count"].astype(float).any():
        ch = _chart(wb, "bar", "各规则疑点金额", "分规则", [f0, 1, f1, 1], [("疑点金额", [f0, 5, f1, 5])])
        ch.set_size({"width": 760, "height": max(360, 22 * len(d.rules) + 80)})
        ws.insert_chart(row, 0, ch)
        breaks.append(row)
    ws.set_h_pagebreaks(breaks)
    _print_setup(ws, d, "分规则", repeat_row=None)

    # 疑点机构前十
    ws = wb.add_worksheet("疑点机构前十")
    f0, f1 = w.table(ws, d.top10, 0, headers=d.headers("top10"), widths={"suspect_rank": 11})
    ws.freeze_panes(1, 0)
    if d.top10.empty:
        ws.write(2, 0, "本季度智能监控规则未发现疑点机构。", w.f_note)
    else:
        ci = list(d.top10.columns)
        ch = _chart(
            wb,
            "bar",
            "疑点金额前十位机构",
            "疑点机构前十",
            [f0, ci.index("fixmedins_name"), f1, ci.index("fixmedins_name")],
            [("疑点金额", [f0, ci.index("suspect_amount"), f1, ci.index("suspect_amount")])],
        )
        ch.set_size({"width": 760, "height": 380})
        ws.insert_chart(f1 + 2, 0, ch)
    _print_setup(ws, d, "疑点机构前十")

    # 线索处置
    ws = wb.add_worksheet("线索处置")
    f0, f1 = w.table(ws, d.stages, 0, headers=list(d.stages.columns), formats={"线索数": w.f_int})
    if sum(d.stages["线索数"]):
        ch = _chart(wb, "column", "线索按最新处置阶段", "线索处置", [f0, 0, f1, 0], [("线索数", [f0, 1, f1, 1])])
        ch.set_size({"width": 560, "height": 300})
        ws.insert_chart(0, 3, ch)
    mrow = max(f1 + 2, 17)
    if len(d.major_cases):
        ws.write(
            mrow, 0, f"要情报告线索（本季度疑点金额≥50万元，应于5个工作日内报告）：{len(d.major_cases)} 条", w.f_note
        )
        ws.write(mrow + 1, 0, FOOTNOTES[-1], w.f_note)
        w.table(ws, d.major_cases, mrow + 2, headers=d.headers("major_cases"))
        mrow += len(d.major_cases) + 4
    else:
        ws.write(mrow, 0, "本季度无疑点金额达到50万元的要情报告线索。", w.f_note)
        mrow += 2
    ws.write(mrow, 0, overdue_line(d), w.f_note)
    if len(d.overdue):
        w.table(ws, d.overdue, mrow + 1, headers=d.headers("overdue"), set_widths=not len(d.major_cases))
    ws.freeze_panes(1, 0)
    _print_setup(ws, d, "线索处置", repeat_row=None)

    # 规则成效: 查实率 per rule from the hit reviews
    ws = wb.add_worksheet("规则成效")
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 22)
    if len(d.effectiveness):
        w.table(
            ws,
            d.effectiveness,
            0,
            headers=d.headers("effectiveness"),
            formats={"confirmed_amount_share": w.f_pct},
            widths={"rule_name_zh": 22},
        )
    ws.write(len(d.effectiveness) + 2, 0, effectiveness_line(d), w.f_note)
    ws.freeze_panes(1, 2)
    _print_setup(ws, d, "规则成效")

    # 重点药品耗材: the first KEY_DRUG_TOP_N by billed amount, numbered 1, 2, 3 …
    ws = wb.add_worksheet("重点药品耗材")
    f0, f1 = w.table(ws, d.key_drugs, 0, headers=d.headers("key_drugs"), widths={"seq": 6})
    ws.freeze_panes(1, 3)
    omitted = (
        f"本季度共有{d.key_drug_count}个重点监测品种发生结算，上表按结算金额列出前{len(d.key_drugs)}位，"
        f"其余{d.key_drugs_omitted}个品种未列出。"
        if d.key_drugs_omitted
        else f"本季度共有{d.key_drug_count}个重点监测品种发生结算，全部列出。"
    )
    ws.write(f1 + 1, 0, omitted, w.f_note)
    if len(d.key_drugs):
        n = min(f1, f0 + 9)
        ch = _chart(
            wb,
            "bar",
            "结算金额前十位重点药品耗材（本季度与上季度）",
            "重点药品耗材",
            [f0, 2, n, 2],
            [("本季度", [f0, 4, n, 4]), ("上季度", [f0, 5, n, 5])],
        )
        ch.set_size({"width": 760, "height": 420})
        ws.insert_chart(f1 + 3, 0, ch)
        ws.set_h_pagebreaks([f1 + 3])
    _print_setup(ws, d, "重点药品耗材")

    # 数据质量
    ws = wb.add_worksheet("数据质量")
    if d.quality.empty:
        ws.write(0, 0, "本季度无数据质量记录（数据质检结果尚未生成）", w.f_note)
        row = 2
    else:
        f0, f1 = w.table(ws, d.quality, 0, headers=d.headers("quality"))
        ws.freeze_panes(1, 1)
        row = f1 + 2
        if d.quality["rows_quarantined"].astype(float).any():
            ch = _chart(wb, "bar", "各数据接口隔离行数", "数据质量", [f0, 0, f1, 0], [("隔离行数", [f0, 8, f1, 8])])
            ch.set_size({"width": 640, "height": max(300, 22 * len(d.quality) + 80)})
            ws.insert_chart(row, 0, ch)
            row += int(max(300, 22 * len(d.quality) + 80) / 20) + 2
        else:
            ws.write(row, 0, "本季度各数据接口均无隔离行。", w.f_note)
            row += 2
    # the rules a failing feed kept from being evaluated (blocking by lineage)
    if d.not_evaluated.empty:
        ws.write(row, 0, NOT_EVALUATED_NONE, w.f_note)
    else:
        ws.write(row, 0, NOT_EVALUATED_NOTE, w.f_note)
        w.table(ws, d.not_evaluated, row + 1, headers=d.headers("not_evaluated"), widths={"failed_checks": 40})
    _print_setup(ws, d, "数据质量")

    _indicator_sheet(wb, w, d)

    wb.close()
    return path


def _indicator_sheet(wb, w: _Writer, d: QuarterData) -> None:
    """医疗机构费用指标（水位）: every hospital's indicators with its peers' median and quartiles; a share
    reads as a percentage, 平均住院日 in days, the averages in yuan (formats per row: one column holds
    indicators of several units)."""
    ws = wb.add_worksheet(INDICATOR_SHEET)
    df = d.indicators.drop(columns=["indicator"]) if "indicator" in d.indicators else d.indicators
    f_days = wb.add_format(
        {"font_name": "微软雅黑", "font_size": 10, "valign": "vcenter", "border": 1, "num_format": "0.00"}
    )
    f_flag = wb.add_format(
        {
            "font_name": "微软雅黑",
            "font_size": 10,
            "valign": "vcenter",
            "border": 1,
            "bold": True,
            "font_color": "#C00000",
            "align": "center",
        }
    )
    f0, f1 = w.table(
        ws,
        df,
        0,
        headers=d.headers("indicators", list(df.columns)),
        formats={"robust_z": f_days},
        widths={"fixmedins_name": 26, "indicator_name_zh": 14},
    )
    ws.freeze_panes(1, 3)
    cols = list(df.columns)
    for i, rec in enumerate(d.indicators.itertuples(index=False)):
        row = rec._asdict()
        fmt = w.f_pct if row["indicator"] in INDICATOR_SHARES else f_days if row["indicator"] == "avg_los" else w.f_amt
        for c in INDICATOR_NUMBERS:
            w._cell(ws, f0 + i, cols.index(c), row[c], fmt)
        if row["is_flagged"] == FLAG_MARK:
            ws.write_string(f0 + i, cols.index("is_flagged"), row["is_flagged"], f_flag)
    note_row = (f1 + 2) if len(df) else 2
    if df.empty:
        ws.write(1, 0, "本季度无医院费用指标数据。", w.f_note)
    ws.merge_range(note_row, 0, note_row, min(len(cols), 10) - 1, d.indicator_note, w.f_note_wrap)
    ws.set_row(note_row, _note_height(d.indicator_note, 120))
    _print_setup(ws, d, INDICATOR_SHEET)
