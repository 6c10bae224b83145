"""Limit texts of published knowledge-base batches translate into the kb_point parameters (guide § 4)."""

from __future__ import annotations

import pytest

from ingest.kb_text import number, parse_limit


@pytest.mark.parametrize(
    ("text", "rule", "params"),
    [
        ("支付不超过14天", "R23", {"max_days": "14", "course_scope": "visit"}),
        ("每年支付不超过30天", "R23", {"max_days": "30", "course_scope": "year"}),
        ("支付不超过12周", "R23", {"max_days": "84", "course_scope": "visit"}),
        ("限支付十四天", "R23", {"max_days": "14", "course_scope": "visit"}),
        ("间隔时间不短于14天", "R24", {"min_interval_days": "14"}),
        ("30天内不超过2次", "R24", {"period_days": "30", "max_cnt": "2"}),
        ("每日不超过2次", "R04", {"max_cnt": "2", "period": "day"}),
        ("每次住院不超过3次", "R04", {"max_cnt": "3", "period": "visit"}),
        ("限女性", "R10", {"lmt_gend": "2"}),
        ("限男性", "R10", {"lmt_gend": "1"}),
        ("限新生儿", "R11", {"lmt_age_max_days": "28"}),
        ("限14周岁及以下儿童", "R11", {"lmt_age_max": "14"}),
        ("限未满18周岁", "R11", {"lmt_age_max": "17"}),
        ("限60岁以上", "R11", {"lmt_age_min": "60"}),
        ("限18-60岁", "R11", {"lmt_age_min": "18", "lmt_age_max": "60"}),
        ("限二级及以上医疗机构", "R13", {"lmt_hosp_lv_min": "2"}),
        ("限三级医院", "R13", {"lmt_hosp_lv_min": "3"}),
        ("限住院患者", "R13", {"lmt_med_types": "21"}),
        ("定点药店不予支付", "R13", {"lmt_med_types": "11;14;21"}),
        ("单方使用不予支付", "R26", {"herb_mode": "single"}),
        ("单复方均不予支付", "R26", {"herb_mode": "all"}),
        ("每人每年累计支付不超过1800元", "R25", {"max_amount": "1800.00"}),
        ("同日不得同时收取", "R03", {"pair_scope": "day"}),
        ("同一次住院不得同时收取", "R03", {"pair_scope": "visit"}),
        ("应与导尿或留置导尿同时收取", "R27", {}),
        ("中重度肾功能不全患者禁用", "R28", {}),
    ],
)
def test_published_limits(text, rule, params):
    res = parse_limit(text)
    assert res.leftover == [] and len(res.limits) == 1, res
    assert (res.limits[0].rule_code, res.limits[0].params) == (rule, params)
    assert not res.limits[0].approximate


def test_several_limits_in_one_text_and_what_does_not_translate():
    res = parse_limit("限二级及以上医疗机构，支付不超过14天；限重度患者")
    assert [(x.rule_code, x.params) for x in res.limits] == [
        ("R13", {"lmt_hosp_lv_min": "2"}),
        ("R23", {"max_days": "14", "course_scope": "visit"}),
    ]
    assert res.leftover == ["限重度患者"]


def test_diagnosis_points_are_r29_and_children_need_a_stated_age():
    assert parse_limit("限女性", diagnosis=True).limits[0].rule_code == "R29"
    assert parse_limit("限新生儿", diagnosis=True).limits[0].params == {"lmt_age_max_days": "28"}
    assert parse_limit("限儿童").leftover == ["限儿童"]
    assert parse_limit("限儿童", child_age_max=17).limits[0].params == {"lmt_age_max": "17"}


def test_two_wordings_of_one_limit_are_one():
    res = parse_limit("限定点医疗机构使用，定点零售药店购药不予支付")
    assert [(x.rule_code, x.params) for x in res.limits] == [("R13", {"lmt_med_types": "11;14;21"})]


def test_approximations_are_flagged():
    month = parse_limit("每月不超过4次").limits[0]
    assert month.params == {"period_days": "30", "max_cnt": "4"} and month.approximate
    assert parse_limit("不超过500元").limits[0].approximate


def test_numbers():
    assert [number(x) for x in ("14", "十四", "二十", "两", "十", "2.5")] == [14, 14, 20, 2, 10, 2.5]
    with pytest.raises(ValueError):
        number("many")
