"""Translate a published limit text (限定条件) into the parameters of the ``kb_point`` feed.

A helper for converting a knowledge-base batch (see ``docs/knowledge_base_guide.md`` § 4), not part of
loading: the loader reads only the parameter columns. Pure functions, no I/O.

    parse_limit("限二级及以上医疗机构，支付不超过14天").limits
    → [Limit("R13", {"lmt_hosp_lv_min": "2"}, …), Limit("R23", {"max_days": "14", "course_scope": "visit"}, …)]

The text is split into clauses at Chinese and Latin punctuation; each clause gives at most one limit.
R27 and R28 limits carry no parameter (their items or diagnoses are the point's side-B codes); R12's
disease list needs ICD-10 codes no text gives, so its clauses are left over. A clause that matches no
pattern is returned in ``leftover`` — keep it in ``condition_text`` and decide
by hand (guide § 5). A limit the parameters only approximate (a calendar month or year read as a
rolling window) has ``approximate`` set: deliver it with ``result_level`` 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(\d+(?:\.\d+)?|[零一二两三四五六七八九十]+)"
_CLAUSES = re.compile(r"[，,；;。、\s]+")
_LEVELS = {"一": 1, "二": 2, "三": 3, "1": 1, "2": 2, "3": 3}


@dataclass(frozen=True)
class Limit:
    rule_code: str
    params: dict[str, str]
    clause: str
    approximate: bool = False


@dataclass
class Parsed:
    limits: list[Limit] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)


def number(text: str) -> float:
    """An Arabic number or a Chinese one up to 99 (十四, 二十, 两)."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return float((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0))
    if len(text) == 1 and text in _DIGITS:
        return float(_DIGITS[text])
    raise ValueError(f"not a number: {text!r}")


def _n(text: str) -> str:
    x = number(text)
    return str(int(x)) if x == int(x) else f"{x:g}"


def _days(value: str, unit: str) -> str:
    return str(int(number(value) * (7 if unit == "周" else 1)))


def _clause(c: str, diagnosis: bool, child_age_max: int | None) -> Limit | None:
    sex_rule = "R29" if diagnosis else "R10"
    age_rule = "R29" if diagnosis else "R11"
    year = bool(re.search(r"每年|年度|全年|自然年", c))
    # herbs, pairs and settings first: their texts contain no numbers to confuse the rest
    if re.search(r"单复方均不予支付", c):
        return Limit("R26", {"herb_mode": "all"}, c)
    if re.search(r"单(方|独)使用不予支付", c):
        return Limit("R26", {"herb_mode": "single"}, c)
    if re.search(r"不得(同时|另行?)收", c):
        scope = "visit" if re.search(r"同一次住院|住院期间|同一次就诊", c) else "day"
        return Limit("R03", {"pair_scope": scope}, c)
    if m := re.search(r"限([一二三123])级(及以上)?(医疗机构|医院|定点医疗机构)", c):
        return Limit("R13", {"lmt_hosp_lv_min": str(_LEVELS[m[1]])}, c)
    if re.search(r"定点(零售)?药店(购药)?不予支付|限(定点)?医疗机构使用", c):
        return Limit("R13", {"lmt_med_types": "11;14;21"}, c)
    if re.search(r"限门诊慢特病|限门特", c):
        return Limit("R13", {"lmt_med_types": "14"}, c)
    if re.search(r"限住院", c):
        return Limit("R13", {"lmt_med_types": "21"}, c)
    if re.search(r"(应|须|需)与.+同时(收取|使用|收费)", c):
        return Limit("R27", {}, c)  # the required items are the point's side-B codes
    if re.search(r"禁用|禁忌|慎用", c):
        return Limit("R28", {}, c)  # the contraindicated diagnoses are the point's side-B codes
    # sex and age
    if re.search(r"限女", c):
        return Limit(sex_rule, {"lmt_gend": "2"}, c)
    if re.search(r"限男", c):
        return Limit(sex_rule, {"lmt_gend": "1"}, c)
    if re.search(r"新生儿", c):
        return Limit(age_rule, {"lmt_age_max_days": "28"}, c)
    if m := re.search(_NUM + r"\s*[-~至到]\s*" + _NUM + r"周?岁", c):
        return Limit(age_rule, {"lmt_age_min": _n(m[1]), "lmt_age_max": _n(m[2])}, c)
    if m := re.search(r"(未满|不满|小于)" + _NUM + r"周?岁", c):
        return Limit(age_rule, {"lmt_age_max": str(int(number(m[2])) - 1)}, c)
    if m := re.search(_NUM + r"周?岁(及)?以下", c):
        return Limit(age_rule, {"lmt_age_max": _n(m[1])}, c)
    if m := re.search(_NUM + r"周?岁(及)?以上", c):
        return Limit(age_rule, {"lmt_age_min": _n(m[1])}, c)
    if re.search(r"限儿童", c):
        return Limit(age_rule, {"lmt_age_max": str(child_age_max)}, c) if child_age_max is not None else None
    # amounts, intervals, counts, courses
    if m := re.search(r"不超过" + _NUM + r"元", c):
        return Limit("R25", {"max_amount": f"{number(m[1]):.2f}"}, c, approximate=not year)
    if m := re.search(r"间隔.*?不(?:短|少)于" + _NUM + r"(天|日|周)", c):
        return Limit("R24", {"min_interval_days": _days(m[1], m[2])}, c)
    if m := re.search(_NUM + r"(天|日|周)内.*?(?:不超过|限)" + _NUM + r"次", c):
        return Limit("R24", {"period_days": _days(m[1], m[2]), "max_cnt": _n(m[3])}, c)
    if m := re.search(r"每" + _NUM + r"(天|日|周)(?:不超过|限)" + _NUM + r"次", c):
        return Limit("R24", {"period_days": _days(m[1], m[2]), "max_cnt": _n(m[3])}, c)
    if m := re.search(r"(每日|每天|日)(?:不超过|限)" + _NUM + r"次", c):
        return Limit("R04", {"max_cnt": _n(m[2]), "period": "day"}, c)
    if m := re.search(r"(每次住院|住院期间|每次就诊)(?:不超过|限)" + _NUM + r"次", c):
        return Limit("R04", {"max_cnt": _n(m[2]), "period": "visit"}, c)
    if m := re.search(r"每(月|年)(?:不超过|限)" + _NUM + r"次", c):
        days = "30" if m[1] == "月" else "365"
        return Limit("R24", {"period_days": days, "max_cnt": _n(m[2])}, c, approximate=True)
    if m := re.search(r"(?:不超过|限(?:支付|使用|用药)?)" + _NUM + r"(天|日|周)", c):
        scope = "year" if year else "visit"
        return Limit("R23", {"max_days": _days(m[1], m[2]), "course_scope": scope}, c)
    return None


def parse_limit(text: str, diagnosis: bool = False, child_age_max: int | None = None) -> Parsed:
    """The limits a 限定条件 text states.

    ``diagnosis``: the point restricts a diagnosis (sex and age limits are then R29, not R10 / R11).
    ``child_age_max``: the age 限儿童 means in your batch (its 凡例); without it the clause is left over.
    """
    out = Parsed()
    for clause in (c for c in _CLAUSES.split(text or "") if c):
        limit = _clause(clause, diagnosis, child_age_max)
        if limit is None:
            out.leftover.append(clause)
        elif not any((x.rule_code, x.params) == (limit.rule_code, limit.params) for x in out.limits):
            out.limits.append(limit)  # two wordings of one limit ("限医疗机构使用，药店不予支付") are one
    return out


__all__ = ["Limit", "Parsed", "number", "parse_limit"]
