"""The quarter's 通报 as one self-contained HTML page: inline CSS and inline SVG charts drawn here,
no scripts, no fonts or images from the network — it opens offline."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pandas as pd

from reporting.data import (
    CHANGE_NOTE,
    FOOTNOTES,
    NOT_EVALUATED_NONE,
    NOT_EVALUATED_NOTE,
    QuarterData,
    is_rate,
    load_quarter,
)

PALETTE = ["#1F4E79", "#C0504D", "#9BBB59", "#8064A2", "#4BACC6", "#F79646", "#2C4D75", "#772C2A"]

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
"WenQuanYi Micro Hei",sans-serif;margin:0;background:#f4f6f9;color:#222;font-size:14px}
header{background:#1F4E79;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:24px}
header p{margin:4px 0 0;opacity:.85}
main{max-width:1240px;margin:0 auto;padding:16px 24px 48px}
section{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin:18px 0;padding:14px 20px}
h2{font-size:18px;border-left:4px solid #1F4E79;padding-left:8px;margin:4px 0 12px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 180px;border:1px solid #dde3ea;border-radius:6px;padding:10px 14px}
.card .k{color:#555;font-size:13px}.card .v{font-size:24px;font-weight:bold;color:#1F4E79}
.card .d{font-size:12px;color:#777}
.card.na .v{color:#999;font-size:16px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th{background:#1F4E79;color:#fff;position:sticky;top:0;padding:6px 8px;white-space:nowrap}
td{border-bottom:1px solid #e3e7ec;padding:5px 8px;white-space:nowrap}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr:nth-child(even) td{background:#f8fafc}
.note{color:#666;font-size:12px}
ol.note{margin:4px 0;padding-left:22px}
svg text{font-family:inherit}
.charts{display:flex;flex-wrap:wrap;gap:16px}
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
            cells.append(f'<td class="{"n" if num else ""}">{_e(fmt(str(c), v))}</td>')
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
    """A grouped bar chart as inline SVG."""
    vals = [v or 0 for _, vs in series for v in vs]
    vmax = max([*vals, 0]) or 1
    n, k = len(labels), len(series)
    fmtv = (lambda v: f"{v * 100:.0f}%") if pct else (lambda v: f"{v:,.0f}")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}" ']
    if horizontal:
        row_h = 14 * k + 8
        left, top = 190, 36
        height = top + n * row_h + 40
        plot_w = width - left - 80
        out.append(f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">')
        out.append(
            f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">{_e(title)}</text>'
        )
        for i, lab in enumerate(labels):
            y = top + i * row_h
            out.append(
                f'<text x="{left - 6}" y="{y + row_h / 2 + 4}" text-anchor="end" font-size="12">{_e(lab[:14])}</text>'
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
                f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="12">{_e(lab[:8])}</text>'
            )
    if k > 1:
        y = height - 12
        for j, (name, _) in enumerate(series):
            x = left + j * 110
            out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>')
            out.append(f'<text x="{x + 16}" y="{y}" font-size="12">{_e(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def pie_chart(title: str, labels: list[str], values: list[float], size: int = 300) -> str:
    import math

    total = sum(v for v in values if v) or 0
    w = size + 200
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}" width="{w}" '
        f'height="{size + 40}" viewBox="0 0 {w} {size + 40}">',
        f'<text x="{w / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">{_e(title)}</text>',
    ]
    cx, cy, r = size / 2 + 10, size / 2 + 34, size / 2 - 16
    if not total:
        out.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="#eeeeee"/>')
        out.append(f'<text x="{cx}" y="{cy}" text-anchor="middle" font-size="13">无数据</text>')
    a0 = -math.pi / 2
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        colour = PALETTE[i % len(PALETTE)]
        if total and v:
            a1 = a0 + 2 * math.pi * v / total
            if v >= total:
                out.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{colour}"/>')
            else:
                large = 1 if a1 - a0 > math.pi else 0
                x0, y0 = cx + r * math.cos(a0), cy + r * math.sin(a0)
                x1, y1 = cx + r * math.cos(a1), cy + r * math.sin(a1)
                out.append(
                    f'<path d="M{cx},{cy} L{x0:.2f},{y0:.2f} A{r},{r} 0 {large} 1 {x1:.2f},{y1:.2f} Z" '
                    f'fill="{colour}" stroke="#fff"/>'
                )
            a0 = a1
        ly = 44 + i * 20
        share = f"{v / total * 100:.1f}%" if total else "—"
        out.append(f'<rect x="{size + 20}" y="{ly}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{size + 36}" y="{ly + 11}" font-size="12">{_e(lab)} {fmt("n", v)}（{share}）</text>')
    out.append("</svg>")
    return "".join(out)


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


def render_html(con, quarter: str, out_dir: str | Path, manifest_path: str | Path) -> Path:
    """Writes 医保基金监管季度通报_<quarter>.html into out_dir and returns its path; headers from the dbt
    manifest at manifest_path."""
    d = load_quarter(con, quarter, manifest_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    st = d.summary_table[["类别", "指标", "本季", "上季", "环比变化"]].copy()
    cols = list(d.summary_table["column"])
    summary_rows = []
    for c, rec in zip(cols, st.itertuples(index=False), strict=True):
        summary_rows.append(
            f"<tr><td>{_e(rec.类别)}</td><td>{_e(rec.指标)}</td>"
            + "".join(f'<td class="n">{_e(fmt(c, v))}</td>' for v in (rec.本季, rec.上季))
            + f'<td class="n">{_e(fmt_change(c, rec.环比变化))}</td></tr>'
        )
    summary_html = (
        '<div class="scroll"><table><thead><tr><th>类别</th><th>指标</th><th>本季</th><th>上季</th>'
        f"<th>环比变化</th></tr></thead><tbody>{''.join(summary_rows)}</tbody></table></div>"
        f'<p class="note">{_e(CHANGE_NOTE)}</p>'
        '<p class="note">注：</p><ol class="note">' + "".join(f"<li>{_e(n)}</li>" for n in FOOTNOTES) + "</ol>"
    )
    sourced = d.five[d.five["指标"] != "培训率"]
    five_chart = bar_chart("“5个100%”指标完成情况", list(sourced["指标"]), [(quarter, list(sourced["本季"]))], pct=True)
    county_chart = bar_chart(
        "各县区疑点金额与认定违规金额（元）",
        list(d.county["admdvs"]),
        [
            ("疑点金额", [float(x) for x in d.county["suspect_amount"]]),
            ("认定违规金额", [float(x) for x in d.county["confirmed_amount"]]),
        ],
    )
    rules_hit = d.rules[d.rules["hit_count"] > 0]
    rule_chart = bar_chart(
        "各规则疑点金额（元）",
        [f"{a} {b}" for a, b in zip(rules_hit["rule_code"], rules_hit["rule_name_zh"], strict=True)],
        [
            ("本季", [float(x) for x in rules_hit["suspect_amount"]]),
            ("上季", [float(x) for x in rules_hit["prev_suspect_amount"]]),
        ],
        horizontal=True,
        width=620,
    )
    cat_chart = pie_chart(
        "疑点金额按规则类别", list(d.categories["category"]), [float(x) for x in d.categories["suspect_amount"]]
    )
    top_chart = bar_chart(
        "疑点金额前十机构（元）",
        list(d.top10["fixmedins_name"].fillna(d.top10["fixmedins_code"])),
        [("疑点金额", [float(x) for x in d.top10["suspect_amount"]])],
        horizontal=True,
        width=620,
    )
    stage_chart = pie_chart("线索按最新处置阶段", list(d.stages["处置阶段"]), [float(x) for x in d.stages["线索数"]])
    kd = d.key_drugs.head(12)
    drug_chart = bar_chart(
        "重点药品耗材结算金额（元）",
        list(kd["watchlist_name_zh"]),
        [("本季", [float(x) for x in kd["billed_amount"]]), ("上季", [float(x) for x in kd["prev_billed_amount"]])],
        horizontal=True,
        width=620,
    )
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
        "clue_count",
        "clue_closed_count",
        "confirmed_amount",
        "recovered_amount",
        "penalty_amount",
        "tipoff_count",
    ]

    def grid(frame: str, columns: list[str] | None = None) -> str:  # a frame of d under its headers
        df = getattr(d, frame)
        return table(df if columns is None else df[columns], d.headers(frame, columns))

    not_evaluated_html = (
        f'<p class="note">{_e(NOT_EVALUATED_NONE)}</p>'
        if d.not_evaluated.empty
        else f'<p class="note">{_e(NOT_EVALUATED_NOTE)}</p>' + grid("not_evaluated")
    )

    body = f"""
<header><h1>医保基金监管季度通报（{_e(quarter)}）</h1>
<p>定点医药机构监督检查、智能监控疑点、线索处置、举报奖励与重点药品耗材监测 ·
数据来源：医保基金监管数据仓库</p></header>
<main>
<section><h2>一、“5个100%”指标</h2>{_cards(d)}
<p class="note">培训率：数据接口规范（DATA_CONTRACT）中没有培训记录，本通报不统计。</p>
<div class="charts">{five_chart}</div></section>
<section><h2>二、总体情况</h2>{summary_html}</section>
<section><h2>三、分县区情况</h2><div class="charts">{county_chart}</div>{grid("county")}</section>
<section><h2>四、分机构类别情况</h2>{grid("segments", seg_cols)}</section>
<section><h2>五、智能监控疑点（分规则）</h2><div class="charts">{rule_chart}{cat_chart}</div>{grid("rules")}</section>
<section><h2>六、疑点金额前十机构</h2><div class="charts">{top_chart}</div>{grid("top10")}</section>
<section><h2>七、线索处置与要情报告</h2><div class="charts">{stage_chart}</div>
<p>要情报告线索（本季疑点金额≥50万元，应于5个工作日内报告）：{len(d.major_cases)} 条。</p>
<p class="note">{_e(FOOTNOTES[-1])}</p>{grid("major_cases")}</section>
<section><h2>八、重点药品耗材监测</h2><div class="charts">{drug_chart}</div>{grid("key_drugs")}</section>
<section><h2>九、数据质量</h2>{grid("quality")}
<h3>未评估规则</h3>{not_evaluated_html}</section>
</main>"""
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>医保基金监管季度通报 {_e(quarter)}</title><style>{CSS}</style></head><body>{body}</body></html>\n"
    )
    path = out_dir / html_name(quarter)
    path.write_text(page, encoding="utf-8")
    return path
