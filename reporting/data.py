"""Reads one quarter of the reporting marts (schema ``reporting``) into DataFrames; both renderers
print exactly these frames, so the workbook and the HTML report show the marts' figures. Column
headers are the marts' own labels (``label_zh`` in the dbt YAML of marts/reporting), read from the
dbt manifest, so a header is written in one place."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")

# the "5个100%" of seed 001 and where each comes from (None: no source in the data contract)
FIVE_HUNDRED = [
    ("监督检查率", "inspection_rate"),
    ("初审率", "clue_first_review_rate"),
    ("线索办结率", "clue_close_rate"),
    ("举报奖励兑现率", "reward_payout_rate"),
    ("培训率", None),
]
# how each sourced rate is computed, as the report prints it
FIVE_SOURCES = {
    "inspection_rate": "已检查定点机构数÷定点机构数（来源：监督检查记录、定点协议）",
    "clue_first_review_rate": "有处置环节记录的线索÷下发线索（以处置环节记录代表初审）",
    "clue_close_rate": "最新环节为违规处理或排除的线索÷下发线索（来源：线索处置记录）",
    "reward_payout_rate": "已兑现奖励的查实举报÷查实举报（来源：举报受理记录）",
}
TRAINING_NOTE = "数据接口规范未包含培训记录，本通报不统计培训率。"

# (section, column) of the 汇总 table; every column has its previous quarter as prev_<column>
_SUMMARY = [
    ("覆盖", "institution_count"),
    ("覆盖", "inspected_institution_count"),
    ("覆盖", "inspected_designated_institution_count"),
    ("覆盖", "inspection_rate"),
    ("覆盖", "hit_institution_count"),
    ("筛查", "hit_count"),
    ("筛查", "suspect_amount"),
    ("线索", "clue_count"),
    ("线索", "clue_closed_count"),
    ("线索", "clue_close_rate"),
    ("线索", "clue_first_review_rate"),
    ("线索", "confirmed_amount"),
    ("线索", "major_case_count"),
    ("线索", "major_case_on_time_count"),
    ("线索", "major_case_on_time_rate"),
    ("处理", "refused_amount"),
    ("处理", "recovered_amount"),
    ("处理", "penalty_amount"),
    ("处理", "action_1_count"),
    ("处理", "action_2_count"),
    ("处理", "action_3_count"),
    ("处理", "action_4_count"),
    ("处理", "action_5_count"),
    ("处理", "action_6_count"),
    ("举报", "tipoff_count"),
    ("举报", "tipoff_verified_count"),
    ("举报", "tipoff_rewarded_count"),
    ("举报", "reward_payout_rate"),
    ("举报", "reward_amount"),
]
# (section, column, previous-quarter column)
SUMMARY_ROWS = [(section, col, f"prev_{col}") for section, col in _SUMMARY]

# how 环比变化 reads: a rate changes by percentage points, a count or amount by relative growth
CHANGE_NOTE = (
    "环比变化：比率类指标（“率”）为本季减上季之差，单位为“个百分点”；数量、金额类指标为环比增长率"
    "＝（本季－上季）÷上季，以%表示；上季为0或无数据时不计算。"
)
# what the indicators without a field of their own in the data contract measure
FOOTNOTES = [
    "定点机构数：本季内至少有一天持有定点协议的机构数（协议状态为正常或暂停、且未被解除的日子；来源：定点协议）。"
    "监督检查率＝已检查定点机构数÷定点机构数。",
    "初审率：已有任一处置环节记录的线索÷下发线索（数据接口没有单独的“初审”字段，以处置环节记录代表已初审；"
    "按最新一期线索处置数据统计）。",
    "按期报告：首个处置环节记录日期不晚于报告期限（5个工作日），即发现日后第5个工作日；发现日为该线索本季疑点金额"
    "累计达到50万元当月的次月1日。数据接口没有“已报告”字段，以首个处置环节记录代表报告。",
]


def is_rate(column: str) -> bool:
    return column.endswith("_rate")


def change(column: str, cur: float | None, prev: float | None) -> float | None:
    """环比变化 of one summary row: percentage points for a rate (0.35 → 0.475 is 12.5), relative growth
    as a share for a count or amount (10 → 15 is 0.5); None when it cannot be computed."""
    if cur is None or prev is None:
        return None
    if is_rate(column):
        return round((cur - prev) * 100, 2)
    if prev == 0:
        return None
    return (cur - prev) / prev


COUNTY_COLUMNS = [
    "institution_count",
    "inspected_institution_count",
    "inspected_designated_institution_count",
    "hit_institution_count",
    "hit_count",
    "suspect_amount",
    "clue_count",
    "clue_closed_count",
    "confirmed_amount",
    "refused_amount",
    "recovered_amount",
    "penalty_amount",
    "tipoff_count",
]


# the reporting mart whose column labels head each frame of QuarterData
FRAME_MARTS = {
    "summary": "rpt_quarter_summary",
    "county": "rpt_segment_quarterly",
    "segments": "rpt_segment_quarterly",
    "rules": "rpt_rule_quarterly",
    "categories": "rpt_rule_quarterly",
    "top10": "rpt_institution_quarterly",
    "major_cases": "rpt_major_cases",
    "overdue": "rpt_clue_deadlines",
    "effectiveness": "rpt_rule_effectiveness_quarterly",
    "key_drugs": "rpt_key_drug_quarterly",
    "quality": "rpt_delivery_quality_quarterly",
    "not_evaluated": "rpt_rules_not_evaluated",
    "indicators": "rpt_hospital_indicators_quarterly",
}
# columns a frame computes here, labelled by the mart column they are computed like
BORROWED_LABELS = {"county": {"inspection_rate": ("rpt_quarter_summary", "inspection_rate")}}
REPORTING_YAML = "dbt_project/models/marts/reporting/_reporting__models.yml"
# the key under which load_labels keeps {feed: 中文名} (the dbt sources' label_zh, from the data contract)
FEED_LABELS = "__feeds__"


def load_labels(manifest_path: str | Path) -> dict[str, dict[str, str]]:
    """{model: {column: label_zh}} of the reporting marts (rpt_*), from the dbt manifest."""
    path = Path(manifest_path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"dbt manifest {path} not found: the report headers come from it. Parse the dbt project first "
            "(`dbt parse`, which make run does)."
        ) from None
    return _read_labels(str(path), stat.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _read_labels(path: str, _mtime_ns: int) -> dict[str, dict[str, str]]:
    manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    labels: dict[str, dict[str, str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node["name"].startswith("rpt_"):
            continue
        columns = {}
        for name, col in node.get("columns", {}).items():
            meta = {**col.get("meta", {}), **col.get("config", {}).get("meta", {})}
            if meta.get("label_zh"):
                columns[name] = meta["label_zh"]
        labels[node["name"]] = columns
    labels[FEED_LABELS] = {
        src["name"]: label
        for src in manifest.get("sources", {}).values()
        if (label := {**src.get("meta", {}), **src.get("config", {}).get("meta", {})}.get("label_zh"))
    }
    return labels


def frame_labels(labels: dict[str, dict[str, str]], frame: str) -> dict[str, str]:
    """The labels heading one frame of QuarterData: its mart's, plus those it borrows."""
    mart = FRAME_MARTS[frame]
    if mart not in labels:
        raise LookupError(f"the dbt manifest has no model {mart}: was it parsed from this project?")
    out = dict(labels[mart])
    for column, (other, other_column) in BORROWED_LABELS.get(frame, {}).items():
        out[column] = labels[other][other_column]
    return out


def _label(labels: dict[str, dict[str, str]], frame: str, column: str) -> str:
    try:
        return labels[frame][column]
    except KeyError:
        raise KeyError(
            f"column {column} of {FRAME_MARTS[frame]} has no label_zh: give it config.meta.label_zh in {REPORTING_YAML}"
        ) from None


# the 数据质量 section's words on the rules a failing feed kept from being evaluated (workbook and HTML)
NOT_EVALUATED_NONE = "本季所有规则均已评估：没有规则因数据接口未通过质检而未评估。"
NOT_EVALUATED_NOTE = (
    "未评估规则：下列规则读取的数据接口有交付未通过关键质检，本次构建未评估这些规则"
    "（其疑点为上次评估结果），待机构重新交付更正文件并通过质检后自动重新评估。"
)


@dataclass
class QuarterData:
    quarter: str
    summary: pd.Series
    five: pd.DataFrame
    summary_table: pd.DataFrame
    county: pd.DataFrame
    segments: pd.DataFrame
    rules: pd.DataFrame
    categories: pd.DataFrame
    top10: pd.DataFrame
    stages: pd.DataFrame
    major_cases: pd.DataFrame
    key_drugs: pd.DataFrame
    quality: pd.DataFrame
    not_evaluated: pd.DataFrame  # rules left out of the last build: a feed they read failed the gate
    labels: dict[str, dict[str, str]]  # frame -> column -> label_zh
    key_drug_count: int = 0  # watchlist items billed this quarter or last; key_drugs lists the first KEY_DRUG_TOP_N
    issuer: str = ""
    issued_on: dt.date | None = None
    # every hospital's cost indicators against its peer level (水位), the rows with a value
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    indicator_note: str = ""
    # the quarter's open clues whose next stage is overdue (rpt_clue_deadlines), and how many are open
    overdue: pd.DataFrame = field(default_factory=pd.DataFrame)
    open_clue_count: int = 0
    deadlines_as_of: dt.date | None = None
    # per rule: hits reviewed, confirmed, excluded, 查实率 and the tuning flag (rpt_rule_effectiveness_quarterly)
    effectiveness: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def quarter_zh(self) -> str:
        return quarter_zh(self.quarter)

    @property
    def title(self) -> str:
        return title(self.quarter)

    @property
    def key_drugs_omitted(self) -> int:
        return max(0, self.key_drug_count - len(self.key_drugs))

    def label(self, frame: str, column: str) -> str:
        return _label(self.labels, frame, column)

    def headers(self, frame: str, columns: list[str] | None = None) -> list[str]:
        """The Chinese headers of a frame's columns (all of them, or the ones given)."""
        return [self.label(frame, c) for c in (columns if columns is not None else getattr(self, frame).columns)]


def parse_quarter(quarter: str) -> tuple[int, int]:
    m = QUARTER_RE.match(quarter)
    if not m:
        raise ValueError(f"quarter must look like 2025Q1, not {quarter!r}")
    return int(m.group(1)), int(m.group(2))


_CN_QUARTER = "一二三四"
UNKNOWN_AREA = "未知地区"
# how many of the key drug/consumable watchlist the report lists, by billed amount
KEY_DRUG_TOP_N = 20


def quarter_zh(quarter: str) -> str:
    """'2025Q2' → '2025年第二季度': how every human-facing text names a quarter."""
    year, n = parse_quarter(quarter)
    return f"{year}年第{_CN_QUARTER[n - 1]}季度"


def overdue_line(d: QuarterData) -> str:
    """The 线索处置 section's sentence on deadlines (workbook and HTML)."""
    if not d.open_clue_count:
        return "本季度线索均已办结（或无下发线索），无处置时限。"
    as_of = f"截至{date_zh(d.deadlines_as_of)}，" if d.deadlines_as_of else ""
    if not len(d.overdue):
        return f"{as_of}本季度未办结线索{d.open_clue_count}条，均未超过处置时限。"
    return (
        f"{as_of}本季度未办结线索{d.open_clue_count}条，其中{len(d.overdue)}条应办处置阶段已超过时限"
        "（时限按工作日计算，扣除法定节假日），明细如下。"
    )


def effectiveness_line(d: QuarterData) -> str:
    """The 规则成效 section's sentence (workbook and HTML): what was reviewed, the 查实率, the flagged rules."""
    e = d.effectiveness
    if not len(e):
        return "本季度无疑点，无规则成效数据。"
    reviewed = int(e["reviewed_count"].sum())
    if not reviewed:
        return f"本季度{int(e['hit_count'].sum())}条疑点尚未复核（复核结论经“疑点明细复核”表交回后统计查实率）。"
    found = int(e["confirmed_count"].sum() + e["partly_confirmed_count"].sum())
    flagged = [f"{r.rule_code} {r.rule_name_zh}" for r in e.itertuples() if r.is_flagged_for_tuning]
    text = (
        f"本季度疑点{int(e['hit_count'].sum())}条，已复核{reviewed}条，其中确认或部分确认违规{found}条，"
        f"查实率{found / reviewed:.1%}"
        "（查实率＝确认及部分确认÷已复核；疑点金额为筛查发现金额，认定违规金额以复核结论为准）"
    )
    if flagged:
        text += "；查实率偏低、建议调整的规则：" + "、".join(flagged)
    return text + "。"


def date_zh(day: dt.date) -> str:
    """2025-07-05 → '2025年7月5日', as a 通报 dates itself."""
    return f"{day.year}年{day.month}月{day.day}日"


def title(quarter: str) -> str:
    return f"关于{quarter_zh(quarter)}医保基金监管情况的通报"


def quarters(con) -> list[str]:
    """Every quarter the reporting marts cover, oldest first."""
    return [
        r[0] for r in con.execute("select year_quarter from reporting.rpt_quarters order by quarter_ordinal").fetchall()
    ]


def _df(con, sql: str, params=()) -> pd.DataFrame:
    return con.execute(sql, list(params)).df()


def _num(v):
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return None
    return float(v)


def load_quarter(con, quarter: str, manifest_path: str | Path) -> QuarterData:
    """One quarter's frames; headers from the dbt manifest at manifest_path (target/manifest.json)."""
    parse_quarter(quarter)
    mart_labels = load_labels(manifest_path)
    labels = {frame: frame_labels(mart_labels, frame) for frame in FRAME_MARTS}
    s = _df(con, "select * from reporting.rpt_quarter_summary where year_quarter = ?", [quarter])
    if s.empty:
        raise LookupError(f"no row for {quarter} in reporting.rpt_quarter_summary")
    summary = s.iloc[0]

    def label(column: str) -> str:
        return _label(labels, "summary", column)

    five = pd.DataFrame(
        [
            {
                "指标": name,
                "本季": _num(summary[col]) if col else None,
                "数据来源": FIVE_SOURCES.get(col, TRAINING_NOTE),
            }
            for name, col in FIVE_HUNDRED
        ]
    )
    rows = []
    for section, col, prev in SUMMARY_ROWS:
        cur = _num(summary[col])
        pv = _num(summary[prev]) if prev else None
        rows.append(
            {
                "类别": section,
                "指标": label(col),
                "column": col,
                "本季": cur,
                "上季": pv,
                "环比变化": change(col, cur, pv),
            }
        )
    summary_table = pd.DataFrame(rows)

    segments = _df(
        con,
        f"""
        select *, coalesce(case when admdvs = 'UNKNOWN' then null else admdvs_name end, '{UNKNOWN_AREA}')
                  as area_name
        from reporting.rpt_segment_quarterly where year_quarter = ?
        order by admdvs = 'UNKNOWN', admdvs, institution_class, ownership""",
        [quarter],
    )
    segments["admdvs_name"] = segments.pop("area_name")
    county = (
        segments.assign(_unknown=segments["admdvs"] == "UNKNOWN")
        .groupby(["_unknown", "admdvs", "admdvs_name"], sort=True, as_index=False)[COUNTY_COLUMNS]
        .sum()
        .drop(columns=["_unknown"])
    )
    county["inspection_rate"] = [
        (a / b if b else None)
        for a, b in zip(county["inspected_designated_institution_count"], county["institution_count"], strict=True)
    ]
    rules = _df(
        con,
        """
        select rule_code, rule_name_zh, category, hit_count, institution_count, suspect_amount,
               prev_hit_count, prev_suspect_amount
        from reporting.rpt_rule_quarterly where year_quarter = ? order by rule_code""",
        [quarter],
    )
    rule_names = dict(
        con.execute("select distinct rule_code, rule_name_zh from reporting.rpt_rule_quarterly").fetchall()
    )
    categories = _df(
        con,
        """
        select category, sum(hit_count) as hit_count, sum(suspect_amount) as suspect_amount,
               sum(prev_hit_count) as prev_hit_count, sum(prev_suspect_amount) as prev_suspect_amount
        from reporting.rpt_rule_quarterly where year_quarter = ? group by category
        order by sum(suspect_amount) desc, category""",
        [quarter],
    )
    top10 = _df(
        con,
        f"""
        select suspect_rank, fixmedins_name,
               coalesce(case when admdvs = 'UNKNOWN' then null else admdvs_name end, '{UNKNOWN_AREA}') as admdvs_name,
               fixmedins_type_name, hosp_lv_name, econ_type_name, hit_count, rule_count, suspect_amount,
               top_rule_code, latest_stage_name
        from reporting.rpt_institution_quarterly where year_quarter = ? and suspect_rank <= 10
        order by suspect_rank""",
        [quarter],
    )
    top10["top_rule_code"] = top10["top_rule_code"].map(lambda c: rule_names.get(c, c))
    stage_cols = [
        "clue_unhandled_count",
        "clue_stage_1_count",
        "clue_stage_2_count",
        "clue_stage_3_count",
        "clue_stage_4_count",
        "clue_stage_5_count",
        "clue_stage_9_count",
    ]
    stages = pd.DataFrame(
        {"处置阶段": ["未处置"] + [label(c) for c in stage_cols[1:]], "线索数": [int(summary[c]) for c in stage_cols]}
    )
    major_cases = _df(
        con,
        f"""
        select clue_id, fixmedins_name,
               coalesce(case when admdvs = 'UNKNOWN' then null else admdvs_name end, '{UNKNOWN_AREA}') as admdvs_name,
               suspect_amount, top_rule_code, major_case_detected_on, report_due_date, reported_on,
               is_reported_on_time, latest_stage_name, confirmed_amount
        from reporting.rpt_major_cases where year_quarter = ? order by suspect_amount desc, clue_id""",
        [quarter],
    )
    major_cases["top_rule_code"] = major_cases["top_rule_code"].map(lambda c: rule_names.get(c, c))
    deadlines = _df(
        con,
        f"""
        select clue_id, fixmedins_name,
               coalesce(case when admdvs = 'UNKNOWN' then null else admdvs_name end, '{UNKNOWN_AREA}') as admdvs_name,
               suspect_amount, latest_stage_name, latest_stage_date, next_stage_name, next_due_date,
               overdue_working_days, is_overdue, as_of_date
        from reporting.rpt_clue_deadlines where year_quarter = ?
        order by working_days_to_due, suspect_amount desc, clue_id""",
        [quarter],
    )
    overdue = deadlines[deadlines["is_overdue"].fillna(False).astype(bool)].drop(columns=["is_overdue", "as_of_date"])
    overdue = overdue.reset_index(drop=True)
    deadlines_as_of = deadlines["as_of_date"].iloc[0] if len(deadlines) else None
    effectiveness = _df(
        con,
        """
        select rule_code, rule_name_zh, hit_count, suspect_amount, reviewed_count, confirmed_count,
               partly_confirmed_count, excluded_count, confirmation_rate, confirmed_amount,
               confirmed_amount_share, case when is_flagged_for_tuning then '是' else '' end as is_flagged_for_tuning
        from reporting.rpt_rule_effectiveness_quarterly where year_quarter = ? order by rule_code""",
        [quarter],
    )
    key_drugs = _df(
        con,
        """
        select seq, category, watchlist_name_zh, dosage_form, billed_amount, prev_billed_amount,
               growth_rate, institution_count, top_fixmedins_name, top_billed_amount
        from reporting.rpt_key_drug_quarterly where year_quarter = ?
          and (billed_amount <> 0 or prev_billed_amount <> 0)
        order by billed_amount desc, prev_billed_amount desc, hilist_code""",
        [quarter],
    )
    key_drug_count = len(key_drugs)
    key_drugs = key_drugs.head(KEY_DRUG_TOP_N).reset_index(drop=True)
    # the watchlist names some items twice (several specifications): its own number tells them apart
    twice = key_drugs["watchlist_name_zh"].duplicated(keep=False)
    key_drugs.loc[twice, "watchlist_name_zh"] = [
        f"{name}（监测目录第{int(seq)}项）"
        for name, seq in zip(key_drugs.loc[twice, "watchlist_name_zh"], key_drugs.loc[twice, "seq"], strict=True)
    ]
    key_drugs["seq"] = range(1, len(key_drugs) + 1)  # 序号 of this list, not of the watchlist
    feed_names = mart_labels.get(FEED_LABELS, {})
    quality = _df(
        con,
        """
        select feed, delivery_count, refused_count, duplicate_count, failed_count, warned_count, rows_read,
               rows_loaded, rows_quarantined
        from reporting.rpt_delivery_quality_quarterly where year_quarter = ? order by feed""",
        [quarter],
    )
    quality["feed"] = quality["feed"].map(lambda f: feed_names.get(f, f))
    not_evaluated = _df(
        con,
        """
        select rule_code, rule_name_zh, feed, failed_delivery_count, first_period, last_period, failed_checks
        from reporting.rpt_rules_not_evaluated where year_quarter = ? order by rule_code, feed""",
        [quarter],
    )
    not_evaluated["feed"] = not_evaluated["feed"].map(lambda f: feed_names.get(f, f))
    indicators = load_indicators(con, quarter)
    from warehouse.settings import report_issue_date, report_issuer

    return QuarterData(
        quarter,
        summary,
        five,
        summary_table,
        county,
        segments,
        rules,
        categories,
        top10,
        stages,
        major_cases,
        key_drugs,
        quality,
        not_evaluated,
        labels,
        key_drug_count=key_drug_count,
        issuer=report_issuer(),
        issued_on=report_issue_date(),
        indicators=indicators,
        indicator_note=indicator_note(),
        overdue=overdue,
        open_clue_count=len(deadlines),
        deadlines_as_of=deadlines_as_of,
        effectiveness=effectiveness,
    )


# the 医疗机构费用指标（水位） section: indicators by their unit, and how the flag reads
INDICATOR_SHARES = ("drug_share", "exam_lab_share", "consumable_share")
INDICATOR_NUMBERS = ["indicator_value", "peer_median", "peer_p25", "peer_p75"]
FLAG_MARK = "▲是"
FLAG_NONE = "否"
FLAG_NOT_EVALUATED = "未评估"


def load_indicators(con, quarter: str) -> pd.DataFrame:
    """The quarter's rows of rpt_hospital_indicators_quarterly that have a value, by indicator, level
    (三级 first), county and hospital; ``indicator`` (the unit of the row) is kept for the renderers and
    is_flagged reads as a mark (▲是 / 否 / 未评估)."""
    df = _df(
        con,
        f"""
        select indicator, indicator_name_zh, fixmedins_name,
               coalesce(admdvs_name, '{UNKNOWN_AREA}') as admdvs_name, hosp_lv_name, indicator_value,
               visit_count, peer_count, peer_median, peer_p25, peer_p75, robust_z, is_evaluated, is_flagged
        from reporting.rpt_hospital_indicators_quarterly
        where year_quarter = ? and indicator_value is not null
        order by indicator_order, hosp_lv desc, admdvs, fixmedins_name, fixmedins_code""",
        [quarter],
    )
    df["is_flagged"] = [
        FLAG_MARK if flagged else (FLAG_NONE if evaluated else FLAG_NOT_EVALUATED)
        for flagged, evaluated in zip(df["is_flagged"], df["is_evaluated"], strict=True)
    ]
    return df.drop(columns=["is_evaluated"])


def indicator_note() -> str:
    """How the 水位 section compares, with the parameters the build used (dbt_project.yml vars)."""
    import yaml

    from warehouse.settings import DBT_PROJECT_DIR

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    v = project.get("vars", {})
    return (
        f"同级比较：同一医院等级、本季度该类就诊不少于{v.get('peer_min_visits')}人次的医院互为同级（含本院）；"
        f"同级不少于{v.get('peer_min_members')}家且绝对中位差大于0时评估，稳健Z值＝（本院值－同级中位数）÷"
        f"（1.4826×绝对中位差），达到{v.get('peer_z')}的标记为“{FLAG_MARK}”并列入智能监控疑点。"
        "占比类指标以百分比列示，次均费用以元列示，平均住院日以天列示；就诊人次为该指标所计的就诊："
        "占比类为全部就诊，次均住院费用为住院人次，平均住院日为出院人次，次均门诊费用为门诊（含门诊慢特病）人次。"
    )


def _wan(v) -> str:
    """An amount in 元 written in 万元 with two decimals, as a 通报's text gives money."""
    return f"{float(v or 0) / 10000:,.2f}万元"


def _pct(v) -> str:
    return f"{float(v) * 100:.2f}%"


def _versus(cur, prev) -> str:
    """'较上季度增长12.50%' / '下降' / '持平'; the reason when there is nothing to compare with."""
    if prev is None:
        return "上季度无可比数据"
    if cur is None:
        return "本季度无数据"
    if prev == 0:
        return "上季度为零" if cur else "与上季度持平（均为零）"
    g = (cur - prev) / prev
    if round(g * 100, 2) == 0:
        return "与上季度持平"
    return f"较上季度{'增长' if g > 0 else '下降'}{abs(g) * 100:.2f}%"


def summary_paragraphs(d: QuarterData) -> list[str]:
    """The 总体情况 paragraphs at the head of the 通报, written from rpt_quarter_summary (this quarter and
    the previous one) in the words of a bureau's quarterly 通报."""
    s = d.summary

    def v(column: str):
        return _num(s[column])

    def n(column: str) -> str:
        return f"{int(v(column) or 0):,}"

    q = d.quarter_zh
    screening = (
        f"{q}，运用医保基金智能监控规则对定点医药机构医保结算数据开展筛查，共发现疑点{n('hit_count')}条"
        f"（{_versus(v('hit_count'), v('prev_hit_count'))}），涉及定点医药机构{n('hit_institution_count')}家，"
        f"疑点金额{_wan(v('suspect_amount'))}（{_versus(v('suspect_amount'), v('prev_suspect_amount'))}）。"
    )
    clues = (
        f"本季度下发线索{n('clue_count')}条（{_versus(v('clue_count'), v('prev_clue_count'))}），"
        f"已办结{n('clue_closed_count')}条"
    )
    if v("clue_close_rate") is not None:
        clues += f"，线索办结率{_pct(v('clue_close_rate'))}"
    major = int(v("major_case_count") or 0)
    if major:
        on_time = int(v("major_case_on_time_count") or 0)
        clues += f"；其中本季度疑点金额达到50万元、须在5个工作日内报告的要情线索{major}条，" + (
            "均已按期报告" if on_time >= major else f"按期报告{on_time}条，逾期或未报告{major - on_time}条"
        )
    else:
        clues += "；本季度无疑点金额达到50万元的要情线索"
    clues += "。"
    inspect = f"本季度对{n('inspected_institution_count')}家定点医药机构开展监督检查"
    if v("inspection_rate") is not None:
        inspect += f"，监督检查率{_pct(v('inspection_rate'))}"
    inspect += (
        f"；认定违规金额{_wan(v('confirmed_amount'))}，拒付{_wan(v('refused_amount'))}，"
        f"追回{_wan(v('recovered_amount'))}，罚款{_wan(v('penalty_amount'))}。"
        f"受理举报{n('tipoff_count')}件，查实{n('tipoff_verified_count')}件，兑现举报奖励{n('tipoff_rewarded_count')}件。"
    )
    return [screening + clues, inspect + "现将有关情况通报如下。"]
