"""Reads one quarter of the reporting marts (schema ``reporting``) into DataFrames; both renderers
print exactly these frames, so the workbook and the HTML report show the marts' figures."""

from __future__ import annotations

import re
from dataclasses import dataclass

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

SUMMARY_ROWS = [
    # (section, column, previous-quarter column)
    ("覆盖", "institution_count", None),
    ("覆盖", "inspected_institution_count", "prev_inspected_institution_count"),
    ("覆盖", "inspection_rate", "prev_inspection_rate"),
    ("覆盖", "hit_institution_count", "prev_hit_institution_count"),
    ("筛查", "hit_count", "prev_hit_count"),
    ("筛查", "suspect_amount", "prev_suspect_amount"),
    ("线索", "clue_count", "prev_clue_count"),
    ("线索", "clue_closed_count", "prev_clue_closed_count"),
    ("线索", "clue_close_rate", "prev_clue_close_rate"),
    ("线索", "clue_first_review_rate", None),
    ("线索", "confirmed_amount", "prev_confirmed_amount"),
    ("线索", "major_case_count", None),
    ("线索", "major_case_on_time_count", None),
    ("处理", "refused_amount", None),
    ("处理", "recovered_amount", "prev_recovered_amount"),
    ("处理", "penalty_amount", None),
    ("处理", "action_1_count", None),
    ("处理", "action_2_count", None),
    ("处理", "action_3_count", None),
    ("处理", "action_4_count", None),
    ("处理", "action_5_count", None),
    ("处理", "action_6_count", None),
    ("举报", "tipoff_count", "prev_tipoff_count"),
    ("举报", "tipoff_verified_count", None),
    ("举报", "tipoff_rewarded_count", None),
    ("举报", "reward_payout_rate", None),
    ("举报", "reward_amount", None),
]

COUNTY_COLUMNS = [
    "institution_count", "inspected_institution_count", "hit_institution_count", "hit_count",
    "suspect_amount", "clue_count", "clue_closed_count", "confirmed_amount", "refused_amount",
    "recovered_amount", "penalty_amount", "tipoff_count",
]


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


def parse_quarter(quarter: str) -> tuple[int, int]:
    m = QUARTER_RE.match(quarter)
    if not m:
        raise ValueError(f"quarter must look like 2025Q1, not {quarter!r}")
    return int(m.group(1)), int(m.group(2))


def quarters(con) -> list[str]:
    """Every quarter the reporting marts cover, oldest first."""
    return [r[0] for r in con.execute(
        "select year_quarter from reporting.rpt_quarters order by quarter_ordinal").fetchall()]


def _df(con, sql: str, params=()) -> pd.DataFrame:
    return con.execute(sql, list(params)).df()


def _num(v):
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return None
    return float(v)


def load_quarter(con, quarter: str) -> QuarterData:
    parse_quarter(quarter)
    s = _df(con, "select * from reporting.rpt_quarter_summary where year_quarter = ?", [quarter])
    if s.empty:
        raise LookupError(f"no row for {quarter} in reporting.rpt_quarter_summary")
    summary = s.iloc[0]
    from reporting.labels import label

    five = pd.DataFrame([
        {"指标": name, "本季": _num(summary[col]) if col else None,
         "数据来源": {"inspection_rate": "case_inspection / dim_institution",
                      "clue_first_review_rate": "case_clue / mart_clues",
                      "clue_close_rate": "case_clue / mart_clues",
                      "reward_payout_rate": "case_tipoff"}.get(col, "数据接口规范无培训数据，不统计")}
        for name, col in FIVE_HUNDRED])
    rows = []
    for section, col, prev in SUMMARY_ROWS:
        cur = _num(summary[col])
        pv = _num(summary[prev]) if prev else None
        change = (cur - pv) if (cur is not None and pv is not None) else None
        rows.append({"类别": section, "指标": label(col), "column": col, "本季": cur, "上季": pv, "环比变化": change})
    summary_table = pd.DataFrame(rows)

    segments = _df(con, """
        select * from reporting.rpt_segment_quarterly where year_quarter = ?
        order by admdvs, institution_class, ownership""", [quarter])
    county = _df(con, f"""
        select admdvs, {', '.join(f'sum({c}) as {c}' for c in COUNTY_COLUMNS)}
        from reporting.rpt_segment_quarterly where year_quarter = ?
        group by admdvs order by admdvs""", [quarter])
    county["inspection_rate"] = [
        (a / b if b else None) for a, b in zip(county["inspected_institution_count"], county["institution_count"],
                                               strict=True)]
    rules = _df(con, """
        select rule_code, rule_name_zh, category, hit_count, institution_count, suspect_amount,
               prev_hit_count, prev_suspect_amount
        from reporting.rpt_rule_quarterly where year_quarter = ? order by rule_code""", [quarter])
    categories = _df(con, """
        select category, sum(hit_count) as hit_count, sum(suspect_amount) as suspect_amount,
               sum(prev_hit_count) as prev_hit_count, sum(prev_suspect_amount) as prev_suspect_amount
        from reporting.rpt_rule_quarterly where year_quarter = ? group by category
        order by sum(suspect_amount) desc, category""", [quarter])
    top10 = _df(con, """
        select suspect_rank, fixmedins_code, fixmedins_name, admdvs, fixmedins_type_name, hosp_lv_name,
               econ_type_name, hit_count, rule_count, suspect_amount, clue_id, top_rule_code, latest_stage_name
        from reporting.rpt_institution_quarterly where year_quarter = ? and suspect_rank <= 10
        order by suspect_rank""", [quarter])
    stage_cols = ["clue_unhandled_count", "clue_stage_1_count", "clue_stage_2_count", "clue_stage_3_count",
                  "clue_stage_4_count", "clue_stage_5_count", "clue_stage_9_count"]
    stages = pd.DataFrame({"处置阶段": ["未处置"] + [label(c) for c in stage_cols[1:]],
                           "线索数": [int(summary[c]) for c in stage_cols]})
    major_cases = _df(con, """
        select clue_id, fixmedins_code, fixmedins_name, admdvs, suspect_amount, top_rule_code,
               major_case_detected_on, report_due_date, reported_on, is_reported_on_time, latest_stage_name,
               confirmed_amount
        from reporting.rpt_major_cases where year_quarter = ? order by suspect_amount desc, clue_id""", [quarter])
    key_drugs = _df(con, """
        select seq, category, watchlist_name_zh, dosage_form, hilist_code, billed_amount, prev_billed_amount,
               growth_rate, institution_count, top_fixmedins_code, top_fixmedins_name, top_billed_amount
        from reporting.rpt_key_drug_quarterly where year_quarter = ?
          and (billed_amount <> 0 or prev_billed_amount <> 0)
        order by billed_amount desc, hilist_code""", [quarter])
    quality = _df(con, """
        select feed, delivery_count, refused_count, duplicate_count, failed_count, warned_count, rows_read,
               rows_loaded, rows_quarantined
        from reporting.rpt_delivery_quality_quarterly where year_quarter = ? order by feed""", [quarter])
    return QuarterData(quarter, summary, five, summary_table, county, segments, rules, categories, top10,
                       stages, major_cases, key_drugs, quality)
