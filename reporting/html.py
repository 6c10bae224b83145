"""The quarter's 通报 as one self-contained HTML page: inline CSS and inline SVG charts drawn here,
no scripts, no fonts or images from the network — it opens offline."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pandas as pd

from reporting.data import (
    CHANGE_NOTE,
    FLAG_MARK,
    FOOTNOTES,
    INDICATOR_NUMBERS,
    INDICATOR_SHARES,
    NOT_EVALUATED_NONE,
    NOT_EVALUATED_NOTE,
    QuarterData,
    date_zh,
    effectiveness_line,
    is_rate,
    load_quarter,
    overdue_line,
    summary_paragraphs,
)

PALETTE = ["#1F4E79", "#C0504D", "#9BBB59", "#8064A2", "#4BACC6", "#F79646", "#2C4D75", "#772C2A"]

CSS = """
body{font-family:"Noto Serif CJK SC","Source Han Serif SC","SimSun","Songti SC","Noto Sans CJK SC",
"Microsoft YaHei",serif;margin:0;background:#e9ecef;color:#111;font-size:15px;line-height:1.7}
.page{max-width:1120px;margin:24px auto;background:#fff;padding:40px 56px 56px;box-shadow:0 1px 4px rgba(0,0,0,.18)}
.redhead{color:#C00000;text-align:center;font-size:40px;font-weight:bold;letter-spacing:6px;line-height:1.3}
.docno{text-align:center;margin:10px 0 4px;font-size:15px}
hr.red{border:0;border-top:3px solid #C00000;margin:6px 0 28px}
h1{text-align:center;font-size:24px;margin:0 0 24px;line-height:1.5}
p.para{text-indent:2em;margin:8px 0;text-align:justify}
h2{font-size:18px;margin:28px 0 10px;font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif}
h3{font-size:15px;margin:16px 0 6px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0}
.card{flex:1 1 170px;border:1px solid #ccd3db;padding:8px 12px}
.card .k{color:#444;font-size:13px}.card .v{font-size:22px;font-weight:bold;color:#1F4E79}
.card .d{font-size:12px;color:#666;line-height:1.4}
.card.na .v{color:#999;font-size:15px}
table{border-collapse:collapse;width:100%;font-size:12.5px;line-height:1.4;margin:6px 0;
font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif}
th{background:#DCE6F1;color:#111;border:1px solid #9aa9b9;padding:5px 6px;font-weight:bold;text-align:center}
td{border:1px solid #b8c3cf;padding:4px 6px}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
thead{display:table-header-group}
tr{page-break-inside:avoid}
td.d{white-space:nowrap}
td.flag{color:#c00000;font-weight:bold;text-align:center}
td.sec{text-align:center;vertical-align:middle;font-weight:bold;background:#f4f6f9}
.note{color:#444;font-size:13px;line-height:1.6}
ol.note{margin:4px 0;padding-left:22px}
svg text{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif}
.charts{display:flex;flex-wrap:wrap;gap:16px;justify-content:center;margin:8px 0}
.sign{text-align:right;margin:48px 24px 0;line-height:2}
@page{size:A4 landscape;margin:14mm}
@media print{body{background:#fff}.page{box-shadow:none;margin:0;max-width:none;padding:0}
h2{page-break-after:avoid}.charts{page-break-inside:avoid}}
"""


def html_name(quarter: str) -> str:
    return f"医保基金监管季度通报_{quarter}.html"


def _e(v) -> str:
    return html.escape(str(v), quote=True)


def _is_na(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v))


def fmt(column: str, v) -> str:
    if _is_na(v):
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (pd.Timestamp, dt.date)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    if column.endswith("_rate") or column.endswith("率"):
        return f"{float(v) * 100:.2f}%"
    if column.endswith("_amount") or "金额" in column:
        return f"{float(v):,.2f}"
    if isinstance(v, (int, float)) or hasattr(v, "__float__") and not isinstance(v, str):
        f = float(v)
        return f"{int(f):,}" if f == int(f) else f"{f:,.2f}"
    return str(v)


def fmt_change(column: str, v) -> str:
    """环比变化 of a summary row: a rate's change in percentage points, otherwise relative growth in %."""
    if _is_na(v):
        return "—"
    if is_rate(column):
        return "0.00 个百分点" if round(float(v), 2) == 0 else f"{float(v):+.2f} 个百分点"
    return "0.00%" if round(float(v) * 100, 2) == 0 else f"{float(v) * 100:+.2f}%"


def table(df: pd.DataFrame, headers: list[str]) -> str:
    if df.empty:
        return '<p class="note">本季无数据。</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, rec, strict=True):
            num = (
                not isinstance(v, str)
                and not isinstance(v, bool)
                and not _is_na(v)
                and not isinstance(v, (pd.Timestamp, dt.date))
            )
            kind = "n" if num else ("d" if isinstance(v, (pd.Timestamp, dt.date)) else "")
            cells.append(f'<td class="{kind}">{_e(fmt(str(c), v))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def bar_chart(
    title: str,
    labels: list[str],
    series: list[tuple[str, list[float]]],
    pct: bool = False,
    width: int = 580,
    horizontal: bool = False,
) -> str:
    """A grouped bar chart as inline SVG, every label written in full; empty when every value is zero
    (the caller says so in words instead of drawing an empty chart)."""
    series = [(name, [0.0 if _is_na(v) else float(v) for v in vs]) for name, vs in series]
    vals = [v for _, vs in series for v in vs]
    if not labels or not any(vals):
        return ""
    vmax = _nice_max(max([*vals, 0]), pct)
    n, k = len(labels), len(series)
    fmtv = (lambda v: f"{v * 100:.0f}%") if pct else (lambda v: f"{v:,.0f}")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}" ']
    if horizontal:
        row_h = 14 * k + 8
        left, top = 16 + max(text_width(lab, 12) for lab in labels), 36
        height = top + n * row_h + 40
        plot_w = width - left - 110
        out.append(f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">')
        out.append(
            f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">{_e(title)}</text>'
        )
        for i, lab in enumerate(labels):
            y = top + i * row_h
            out.append(
                f'<text x="{left - 6}" y="{y + row_h / 2 + 4}" text-anchor="end" font-size="12">{_e(lab)}</text>'
            )
            for j, (_, vs) in enumerate(series):
                v = vs[i] or 0
                w = max(0.0, v / vmax * plot_w)
                out.append(
                    f'<rect x="{left}" y="{y + 4 + j * 14}" width="{w:.1f}" height="12" '
                    f'fill="{PALETTE[j % len(PALETTE)]}"/>'
                )
                out.append(f'<text x="{left + w + 4:.1f}" y="{y + 14 + j * 14}" font-size="11">{fmtv(v)}</text>')
    else:
        left, top, bottom = 70, 36, 70
        height = 320
        plot_h = height - top - bottom
        plot_w = width - left - 20
        out.append(f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">')
        out.append(
            f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">{_e(title)}</text>'
        )
        for t in range(5):
            y = top + plot_h - plot_h * t / 4
            out.append(f'<line x1="{left}" x2="{width - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
            out.append(
                f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{fmtv(vmax * t / 4)}</text>'
            )
        slot = plot_w / max(n, 1)
        bw = max(2.0, min(40.0, slot * 0.8 / max(k, 1)))
        for i, lab in enumerate(labels):
            x0 = left + i * slot + (slot - bw * k) / 2
            for j, (_, vs) in enumerate(series):
                v = vs[i] or 0
                h = max(0.0, v / vmax * plot_h)
                out.append(
                    f'<rect x="{x0 + j * bw:.1f}" y="{top + plot_h - h:.1f}" width="{bw - 1:.1f}" '
                    f'height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}"><title>{_e(lab)}: {fmtv(v)}'
                    "</title></rect>"
                )
            cx = left + i * slot + slot / 2
            out.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="12">{_e(lab)}</text>'
            )
    if k > 1:
        y = height - 12
        x = left
        for j, (name, _) in enumerate(series):
            if j:
                x += 40 + text_width(series[j - 1][0], 12)
            out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>')
            out.append(f'<text x="{x + 16}" y="{y}" font-size="12">{_e(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def _nice_max(v: float, pct: bool = False) -> float:
    """The top of a value axis with four round steps (1, 2, 2.5 or 5 × 10ⁿ): tick labels read 0, 25, 50 …"""
    import math

    if v <= 0:
        return 1.0
    if pct:
        return max(1.0, math.ceil(v * 4) / 4)
    if v <= 4:
        return 4.0
    mag = 10 ** math.floor(math.log10(v / 4))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if 4 * m * mag >= v)
    return 4 * step


def text_width(text: str, size: int) -> int:
    """Roughly how wide text is drawn at size px: a CJK character is square, a Latin one about half."""
    return int(sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in str(text)))


def _cards(d: QuarterData) -> str:
    out = []
    for _, rec in d.five.iterrows():
        col = {
            "监督检查率": "inspection_rate",
            "初审率": "clue_first_review_rate",
            "线索办结率": "clue_close_rate",
            "举报奖励兑现率": "reward_payout_rate",
        }.get(rec["指标"])
        if col is None:
            out.append(
                f'<div class="card na"><div class="k">{_e(rec["指标"])}</div><div class="v">无数据来源</div>'
                f'<div class="d">{_e(rec["数据来源"])}</div></div>'
            )
            continue
        v = rec["本季"]
        out.append(
            f'<div class="card"><div class="k">{_e(rec["指标"])}</div><div class="v">{fmt(col, v)}</div>'
            f'<div class="d">{_e(rec["数据来源"])}</div></div>'
        )
    return '<div class="cards">' + "".join(out) + "</div>"


def _run(items: list, start: int):
    """The items equal to items[start] from start on (a section's rows of the 汇总 table)."""
    for item in items[start:]:
        if item != items[start]:
            return
        yield item


def _paras(texts: list[str]) -> str:
    return "".join(f'<p class="para">{_e(t)}</p>' for t in texts)


def indicator_table(d: QuarterData) -> str:
    """医疗机构费用指标（水位）: one column holds indicators of several units, so each row's value, median
    and quartiles are written in its own (a share as a percentage, 平均住院日 in days, averages in yuan)."""
    df = d.indicators
    if df.empty:
        return '<p class="note">本季度无医院费用指标数据。</p>'
    columns = [c for c in df.columns if c != "indicator"]
    head = "".join(f"<th>{_e(h)}</th>" for h in d.headers("indicators", columns))
    rows = []
    for rec in df.to_dict("records"):
        cells = []
        for c in columns:
            v = rec[c]
            if c in INDICATOR_NUMBERS and not _is_na(v):
                text = f"{float(v) * 100:.2f}%" if rec["indicator"] in INDICATOR_SHARES else f"{float(v):,.2f}"
            elif c == "robust_z" and not _is_na(v):
                text = f"{float(v):.2f}"
            else:
                text = fmt(c, v)
            kind = "n" if c in (*INDICATOR_NUMBERS, "robust_z", "visit_count", "peer_count") else ""
            if c == "is_flagged" and v == FLAG_MARK:
                kind = "flag"
            cells.append(f'<td class="{kind}">{_e(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def render_html(con, quarter: str, out_dir: str | Path, manifest_path: str | Path) -> Path:
    """Writes 医保基金监管季度通报_<quarter>.html into out_dir and returns its path; headers from the dbt
    manifest at manifest_path."""
    d = load_quarter(con, quarter, manifest_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    st = d.summary_table[["类别", "指标", "本季", "上季", "环比变化"]].copy()
    cols = list(d.summary_table["column"])
    summary_rows = []
    sections = list(st["类别"])
    for i, (c, rec) in enumerate(zip(cols, st.itertuples(index=False), strict=True)):
        span = 0 if i and sections[i - 1] == rec.类别 else sum(1 for _ in _run(sections, i))
        first = f'<td rowspan="{span}" class="sec">{_e(rec.类别)}</td>' if span else ""
        summary_rows.append(
            f"<tr>{first}<td>{_e(rec.指标)}</td>"
            + "".join(f'<td class="n">{_e(fmt(c, v))}</td>' for v in (rec.本季, rec.上季))
            + f'<td class="n">{_e(fmt_change(c, rec.环比变化))}</td></tr>'
        )
    summary_html = (
        "<table><thead><tr><th>类别</th><th>指标</th><th>本季</th><th>上季</th>"
        f"<th>环比变化</th></tr></thead><tbody>{''.join(summary_rows)}</tbody></table>"
        f'<p class="note">{_e(CHANGE_NOTE)}</p>'
        '<p class="note">注：</p><ol class="note">' + "".join(f"<li>{_e(n)}</li>" for n in FOOTNOTES) + "</ol>"
    )

    def chart_or(chart: str, empty: str) -> str:
        return f'<div class="charts">{chart}</div>' if chart else f'<p class="note">{_e(empty)}</p>'

    sourced = d.five[d.five["指标"] != "培训率"]
    five_chart = bar_chart(
        "“5个100%”指标完成情况", list(sourced["指标"]), [("本季度", list(sourced["本季"]))], pct=True, width=560
    )
    county_chart = bar_chart(
        "各县区疑点金额与认定违规金额（元）",
        list(d.county["admdvs_name"]),
        [
            ("疑点金额", [float(x) for x in d.county["suspect_amount"]]),
            ("认定违规金额", [float(x) for x in d.county["confirmed_amount"]]),
        ],
        width=760,
    )
    rules_hit = d.rules[d.rules["hit_count"] > 0]
    rule_chart = bar_chart(
        "各规则疑点金额（元）",
        list(rules_hit["rule_name_zh"]),
        [
            ("本季度", [float(x) for x in rules_hit["suspect_amount"]]),
            ("上季度", [float(x) for x in rules_hit["prev_suspect_amount"]]),
        ],
        horizontal=True,
        width=900,
    )
    cat_chart = bar_chart(
        "疑点金额按规则类别（元）",
        list(d.categories["category"]),
        [("本季度", [float(x) for x in d.categories["suspect_amount"]])],
        horizontal=True,
        width=900,
    )
    top_chart = bar_chart(
        "疑点金额前十位机构（元）",
        list(d.top10["fixmedins_name"]),
        [("疑点金额", [float(x) for x in d.top10["suspect_amount"]])],
        horizontal=True,
        width=900,
    )
    stage_chart = bar_chart(
        "线索按最新处置阶段（条）",
        list(d.stages["处置阶段"]),
        [("线索数", [float(x) for x in d.stages["线索数"]])],
        width=560,
    )
    kd = d.key_drugs.head(10)
    drug_chart = bar_chart(
        "结算金额前十位重点药品耗材（元）",
        list(kd["watchlist_name_zh"]),
        [("本季度", [float(x) for x in kd["billed_amount"]]), ("上季度", [float(x) for x in kd["prev_billed_amount"]])],
        horizontal=True,
        width=900,
    )
    seg_cols = [
        "admdvs_name",
        "institution_class_name",
        "ownership_name",
        "institution_count",
        "inspected_designated_institution_count",
        "hit_institution_count",
        "hit_count",
        "suspect_amount",
        "clue_count",
        "clue_closed_count",
        "confirmed_amount",
        "recovered_amount",
        "penalty_amount",
        "tipoff_count",
    ]
    county_cols = ["admdvs_name", *[c for c in d.county.columns if c not in ("admdvs", "admdvs_name")]]

    def grid(frame: str, columns: list[str] | None = None) -> str:  # a frame of d under its headers
        df = getattr(d, frame)
        return table(df if columns is None else df[columns], d.headers(frame, columns))

    not_evaluated_html = (
        f'<p class="note">{_e(NOT_EVALUATED_NONE)}</p>'
        if d.not_evaluated.empty
        else f'<p class="note">{_e(NOT_EVALUATED_NOTE)}</p>' + grid("not_evaluated")
    )
    quarantined = [float(x) for x in d.quality["rows_quarantined"]] if len(d.quality) else []
    quality_chart = bar_chart("各数据接口隔离行数", list(d.quality["feed"]), [("隔离行数", quarantined)], width=760)
    omitted = (
        f"本季度共有{d.key_drug_count}个重点监测品种发生结算，上表按结算金额列出前{len(d.key_drugs)}位，"
        f"其余{d.key_drugs_omitted}个品种未列出。"
        if d.key_drugs_omitted
        else f"本季度共有{d.key_drug_count}个重点监测品种发生结算，全部列出。"
    )
    major_line = (
        f"本季度要情报告线索（疑点金额≥50万元，应于5个工作日内报告）{len(d.major_cases)}条，明细如下。"
        if len(d.major_cases)
        else "本季度无疑点金额达到50万元的要情报告线索。"
    )
    issued = date_zh(d.issued_on) if d.issued_on else ""
    effectiveness_html = grid("effectiveness") if len(d.effectiveness) else ""
    body = f"""
<div class="page">
<div class="redhead">{_e(d.issuer)}</div>
<div class="docno">医保基金监管季度通报 · {_e(d.quarter_zh)}</div>
<hr class="red">
<h1>{_e(d.title)}</h1>
{_paras(summary_paragraphs(d))}
<h2>一、总体情况</h2>{summary_html}
<h2>二、“5个100%”指标完成情况</h2>{_cards(d)}
{chart_or(five_chart, "本季度各项比率均为零。")}
<h2>三、分县区情况</h2>{chart_or(county_chart, "本季度各县区无疑点金额和认定违规金额。")}{grid("county", county_cols)}
<h2>四、分机构类别情况</h2>{grid("segments", seg_cols)}
<h2>五、智能监控疑点情况（分规则）</h2>{chart_or(rule_chart, "本季度智能监控规则未发现疑点。")}
{chart_or(cat_chart, "")}{grid("rules")}
<h2>六、疑点金额前十位的定点医药机构</h2>{chart_or(top_chart, "本季度无疑点机构。")}{grid("top10")}
<h2>七、线索处置与要情报告</h2>{chart_or(stage_chart, "本季度无下发线索。")}
<p class="para">{_e(major_line)}</p>
<p class="note">{_e(FOOTNOTES[-1])}</p>{grid("major_cases") if len(d.major_cases) else ""}
<p class="para">{_e(overdue_line(d))}</p>{grid("overdue") if len(d.overdue) else ""}
<h2>八、重点药品耗材监测</h2>{chart_or(drug_chart, "本季度重点监测药品耗材无结算。")}{grid("key_drugs")}
<p class="note">{_e(omitted)}</p>
<h2>九、数据质量</h2>{grid("quality")}{chart_or(quality_chart, "本季度各数据接口均无隔离行。")}
<h3>未评估规则</h3>{not_evaluated_html}
<h2>十、医疗机构费用指标（水位）</h2>{indicator_table(d)}
<p class="note">{_e(d.indicator_note)}</p>
<h2>十一、规则成效（查实率）</h2><p class="para">{_e(effectiveness_line(d))}</p>{effectiveness_html}
<div class="sign">{_e(d.issuer)}<br>{_e(issued)}</div>
</div>"""
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(d.title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n"
    )
    path = out_dir / html_name(quarter)
    path.write_text(page, encoding="utf-8")
    return path
