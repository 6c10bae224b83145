"""Reference data (centre snapshots): fixmedins, fixmedins_agreement, psn, hilist, practitioner, and the
knowledge base (kb_point, kb_point_code)."""

from __future__ import annotations

from expectations.checks import (
    ADMDVS_RE,
    CRITICAL,
    ICD10_PREFIX_RE,
    LANDLINE_RE,
    MOBILE_RE,
    USCC_RE,
    WARNING,
    Check,
    SuiteParams,
    between,
    code_tables,
    full,
    in_set,
    matches,
    pair_ge,
    references,
    rows,
)
from ingest.check_digits import uscc_check_char_sql
from ingest.specs import KB_CODE_TYPES, KB_RULE_CODES, KB_SIDE_B_REQUIRED, FeedSpec
from warehouse.sql import literal

PERIOD_WINDOWS: dict[str, dict] = {}  # snapshots have no period window


def _fixmedins(feed: str) -> list[Check]:
    return [
        rows(
            feed,
            "uscc",
            f"""
            select _batch_id, _line, fixmedins_code, uscc from {{batch}}
            where uscc is not null and (not regexp_full_match(uscc, {full(USCC_RE)})
                  or substr(uscc, 18, 1) <> {uscc_check_char_sql("uscc")})""",
            severity=WARNING,
            category="format",
            check_id=f"{feed}.format.uscc_check_char",
            columns=("uscc",),
            sample_column="uscc",
            title="uscc is a 统一社会信用代码 with a valid GB 32100 check character",
            remedy="correct the institution's 统一社会信用代码 in the centre's institution register",
        ),
        matches(
            feed,
            "admdvs",
            ADMDVS_RE,
            check_id=f"{feed}.format.admdvs",
            title="admdvs is a 6-digit 行政区划 code",
            remedy="deliver the county-level 6-digit 行政区划代码",
        ),
        rows(
            feed,
            "pharmacy_without_level",
            """
            select _batch_id, _line, fixmedins_code, hosp_lv from {batch}
            where fixmedins_type = '2' and hosp_lv is not null""",
            severity=WARNING,
            category="plausibility",
            check_id=f"{feed}.plausibility.pharmacy_hosp_lv",
            columns=("fixmedins_type", "hosp_lv"),
            sample_column="fixmedins_code",
            title="retail pharmacies (fixmedins_type 2) carry no 医院等级 (hosp_lv)",
            remedy="leave hosp_lv empty for pharmacies; check the institution type",
        ),
    ]


def _psn(feed: str) -> list[Check]:
    birth = "cast(try_strptime(substr(certno, 7, 8), '%Y%m%d') as date)"
    sens = dict(sensitive=True, columns=("certno",))
    return [
        rows(
            feed,
            "certno_brdy",
            f"""
            select _batch_id, _line, psn_no from {{batch}}
            where certno is not null and brdy is not null and {birth} is distinct from brdy""",
            severity=CRITICAL,
            category="consistency",
            check_id=f"{feed}.consistency.certno_brdy",
            title="brdy (出生日期) equals the birth date in the 身份证号 (counts only)",
            remedy="the person's birth date and 身份证号 disagree: ask the centre to correct the "
            "参保人员 record (age rules would otherwise misfire)",
            **sens,
        ),
        rows(
            feed,
            "certno_gend",
            """
            select _batch_id, _line, psn_no from {batch}
            where gend in ('1', '2') and try_cast(substr(certno, 17, 1) as integer) is not null
              and (try_cast(substr(certno, 17, 1) as integer) % 2 = 1) <> (gend = '1')""",
            severity=CRITICAL,
            category="consistency",
            check_id=f"{feed}.consistency.certno_gend",
            title="gend (性别) matches the 身份证号's 17th digit (odd = 男 1, even = 女 2; counts only)",
            remedy="the person's gender and 身份证号 disagree: ask the centre to correct the "
            "参保人员 record (gender rules would otherwise misfire)",
            **sens,
        ),
        pair_ge(
            feed,
            "die_date",
            "brdy",
            check_id=f"{feed}.order.brdy_le_die_date",
            severity=CRITICAL,
            title="die_date (死亡日期) is not before brdy (出生日期)",
            remedy="correct the death or birth date in the 参保人员 record",
        ),
        rows(
            feed,
            "tel",
            f"""
            select _batch_id, _line, psn_no from {{batch}}
            where tel is not null and not regexp_full_match(tel, {full(MOBILE_RE)})
              and not regexp_full_match(tel, {full(LANDLINE_RE)})""",
            severity=WARNING,
            category="format",
            check_id=f"{feed}.format.tel",
            sensitive=True,
            columns=("tel",),
            title="tel is a mobile (1[3-9] + 9 digits) or landline number (counts only)",
            remedy="correct the phone number in the 参保人员 record",
        ),
        matches(
            feed,
            "insu_admdvs",
            ADMDVS_RE,
            check_id=f"{feed}.format.insu_admdvs",
            title="insu_admdvs is a 6-digit 行政区划 code",
            remedy="deliver the 6-digit 参保地行政区划代码",
        ),
    ]


def _hilist(feed: str) -> list[Check]:
    return [
        pair_ge(
            feed,
            "lmt_age_max",
            "lmt_age_min",
            check_id=f"{feed}.plausibility.age_range",
            severity=WARNING,
            title="lmt_age_min ≤ lmt_age_max where both are set",
            remedy="correct the catalogue's age restriction",
        ),
        between(
            feed,
            "pric_uplmt_amt",
            0,
            None,
            check_id=f"{feed}.plausibility.pric_uplmt_amt_ge_0",
            title="pric_uplmt_amt (最高限价) is not negative",
            remedy="correct the price cap",
        ),
        between(
            feed,
            "units_per_day",
            0.0001,
            None,
            check_id=f"{feed}.plausibility.units_per_day_gt_0",
            title="units_per_day (日用量) is positive where set",
            remedy="correct the daily dose; supply rules divide by it",
        ),
        between(
            feed,
            "max_daily_cnt",
            0.0001,
            None,
            check_id=f"{feed}.plausibility.max_daily_cnt_gt_0",
            title="max_daily_cnt (每日限定数量) is positive where set",
            remedy="correct the daily limit",
        ),
        rows(
            feed,
            "lmt_dise_codes",
            f"""
            select _batch_id, _line, hilist_code, lmt_dise_codes from {{batch}}
            where lmt_dise_codes is not null and len(list_filter(string_split(lmt_dise_codes, ';'),
                  lambda p: not regexp_full_match(trim(p), {full(ICD10_PREFIX_RE)}))) > 0""",
            severity=WARNING,
            category="format",
            check_id=f"{feed}.format.lmt_dise_codes",
            columns=("lmt_dise_codes",),
            sample_column="lmt_dise_codes",
            title="lmt_dise_codes (限定支付疾病) is a ';'-separated list of ICD-10 prefixes",
            remedy="deliver ICD-10 prefixes such as E11;I67.8 separated by ';'",
        ),
    ]


# a list of codes as delivered: the separators dbt's code_list() folds into ';' (macros/knowledge_base.sql)
_LIST_ITEMS = "list_filter(string_split(translate({col}, ',、 ', ';;;'), ';'), lambda p: p <> '')"
# an ICD-10 prefix as the knowledge base compares it — upper case, dots removed (N18.5 = N185, I10.x00 = I10X00)
KB_ICD10_PREFIX_RE = r"^[A-Z]([0-9][0-9A-Z]{0,9})?$"


def _kb_positive(feed: str, col: str, lo, label: str) -> Check:
    return between(
        feed,
        col,
        lo,
        None,
        severity=CRITICAL,
        check_id=f"{feed}.plausibility.{col}_gt_0",
        title=f"{col} ({label}) is positive where set",
        remedy=f"correct {col}: a limit of zero or less would make every line of the point's items a hit",
    )


def _kb_point(feed: str) -> list[Check]:
    """Knowledge points: the loader already refuses unknown rules, values outside the enumerations and
    points missing their rule's parameters; these checks guard the parameters' ranges (a bad limit makes
    false hits, so they are critical) and, across the two feeds, the side-B codes a rule needs."""
    side_b = " ".join(f"when {literal(r)} then {literal(t)}" for r, t in KB_SIDE_B_REQUIRED.items())
    needs_b = ", ".join(literal(r) for r in KB_SIDE_B_REQUIRED)
    ages = [
        between(
            feed,
            col,
            0,
            150,
            severity=CRITICAL,
            check_id=f"{feed}.plausibility.{col}_0_150",
            title=f"{col} ({label}) is a whole-year age between 0 and 150",
            remedy=f"correct {col} (whole years)",
        )
        for col, label in (("lmt_age_min", "限定最小年龄"), ("lmt_age_max", "限定最大年龄"))
    ]
    hosp_lv = code_tables().get("fixmedins.hosp_lv")
    med_types = code_tables().get("mdtrt.med_type")
    out = [
        in_set(
            feed,
            "rule_code",
            KB_RULE_CODES,
            severity=CRITICAL,
            check_id=f"{feed}.code.rule_code",
            title=f"rule_code (规则代码) is one of the knowledge-driven rules {', '.join(KB_RULE_CODES)}",
            remedy="rows with another rule code are quarantined by the loader (unknown_rule_code): a failure "
            "means a loader defect",
        ),
        _kb_positive(feed, "max_cnt", 0.0001, "限定数量"),
        _kb_positive(feed, "period_days", 1, "周期天数"),
        _kb_positive(feed, "min_interval_days", 1, "最短间隔天数"),
        _kb_positive(feed, "max_days", 1, "限定疗程天数"),
        _kb_positive(feed, "max_amount", 0.01, "限定报销总额"),
        *ages,
        between(
            feed,
            "lmt_age_max_days",
            0,
            150 * 366,
            severity=CRITICAL,
            check_id=f"{feed}.plausibility.lmt_age_max_days_range",
            title="lmt_age_max_days (限定最大日龄) is an age in days between 0 and 150 years",
            remedy="correct lmt_age_max_days (days since birth; 新生儿 = 28)",
        ),
        pair_ge(
            feed,
            "lmt_age_max",
            "lmt_age_min",
            check_id=f"{feed}.plausibility.kb_age_range",
            severity=CRITICAL,
            title="lmt_age_min ≤ lmt_age_max where both are set",
            remedy="correct the point's age limits: with min above max every person's age breaks the point",
        ),
        rows(
            feed,
            "lmt_dise_codes",
            f"""
            select _batch_id, _line, kb_point_id, lmt_dise_codes from {{batch}}
            where lmt_dise_codes is not null and len(list_filter({_LIST_ITEMS.format(col="lmt_dise_codes")},
                  lambda p: not regexp_full_match(upper(replace(p, '.', '')), {full(KB_ICD10_PREFIX_RE)}))) > 0""",
            severity=WARNING,
            category="format",
            check_id=f"{feed}.format.lmt_dise_codes",
            columns=("lmt_dise_codes",),
            sample_column="lmt_dise_codes",
            title="lmt_dise_codes (限定支付疾病) is a ';'-separated list of ICD-10 prefixes",
            remedy="deliver ICD-10 prefixes such as E11;I67.8 separated by ';'",
        ),
        rows(
            feed,
            "side_b_codes",
            f"""
            with code_periods as (select distinct _period from raw.kb_point_code),
            points as (
                select k._batch_id, k._line, k.kb_point_id, k.rule_code,
                    case k.rule_code {side_b} end as b_type,
                    (select max(p._period) from code_periods as p where p._period <= k._period) as code_period
                from {{batch}} as k
                where k.rule_code in ({needs_b})
            )
            select points._batch_id, points._line, points.kb_point_id, points.rule_code
            from points
            left join raw.kb_point_code as c
                on c.kb_point_id = points.kb_point_id and c._period = points.code_period
                and c.side = 'B' and c.code_type = points.b_type
            where c.kb_point_id is null""",
            severity=CRITICAL,
            category="completeness",
            check_id=f"{feed}.completeness.side_b_codes",
            columns=("kb_point_id", "rule_code"),
            sample_column="kb_point_id",
            title="every R03 and R27 point has side-B hilist codes and every R28 point side-B icd10 codes in "
            "kb_point_code (the snapshot of the point's period, or the newest before it)",
            remedy="deliver the point's side-B codes in kb_point_code for the same period (a correction "
            "with the same file name), or remove the point; without them an R27 point would flag every "
            "line of its items",
        ),
    ]
    if hosp_lv:
        out.append(
            in_set(
                feed,
                "lmt_hosp_lv_min",
                hosp_lv,
                check_id=f"{feed}.code.lmt_hosp_lv_min",
                title="lmt_hosp_lv_min (限定医院等级) uses a code of its code table",
                remedy="correct lmt_hosp_lv_min at the source (a hospital level code as in fixmedins.hosp_lv)",
            )
        )
    if med_types:
        known = ", ".join(literal(c) for c in med_types)
        out.append(
            rows(
                feed,
                "lmt_med_types",
                f"""
                select _batch_id, _line, kb_point_id, lmt_med_types from {{batch}}
                where lmt_med_types is not null and len(list_filter({_LIST_ITEMS.format(col="lmt_med_types")},
                      lambda p: p not in ({known}))) > 0""",
                severity=WARNING,
                category="code",
                check_id=f"{feed}.code.lmt_med_types",
                columns=("lmt_med_types",),
                sample_column="lmt_med_types",
                title="lmt_med_types (限定医疗类别) lists med_type codes of its code table, separated by ';'",
                remedy="correct lmt_med_types at the source: med_type codes such as 21;22 separated by ';'",
            )
        )
    return out


def _kb_point_code(feed: str) -> list[Check]:
    fits = " or ".join(
        f"(p.rule_code = {literal(rule)} and b.side = {literal(side)} and b.code_type = {literal(code_type)})"
        for rule, sides in KB_CODE_TYPES.items()
        for side, code_type in sides.items()
    )
    # the kb_point snapshot judged against: the newest period not after the code row's (as the loader)
    point_period = "(select max(q._period) from raw.kb_point as q where q._period <= b._period)"
    catalogue = (
        "select hilist_code from raw.hilist where hilist_code is not null "
        "and _period = (select max(_period) from raw.hilist)"
    )
    return [
        rows(
            feed,
            "code_icd10",
            f"""
            select _batch_id, _line, kb_point_id, code from {{batch}}
            where code_type = 'icd10'
                and not regexp_full_match(
                    upper(replace(replace(code, '.', ''), ' ', '')), {full(KB_ICD10_PREFIX_RE)})""",
            severity=WARNING,
            category="format",
            check_id=f"{feed}.format.code_icd10",
            columns=("code",),
            sample_column="code",
            title="code of code_type icd10 is an ICD-10 prefix (e.g. E11, I67.8, N185: dots optional)",
            remedy="deliver ICD-10 codes or prefixes; local diagnosis codes never match a visit's diagnoses",
        ),
        rows(
            feed,
            "hilist_unknown_share",
            f"""
            select _batch_id, _line, kb_point_id, code,
                kb_point_id || ': ' || n_unknown || ' of ' || n_codes || ' hilist codes ('
                || cast(round(100.0 * n_unknown / n_codes) as bigint) || '%) not in the catalogue' as detail
            from (
                select *,
                    count(*) over (partition by _batch_id, kb_point_id) as n_codes,
                    sum(case when is_unknown then 1 else 0 end) over (partition by _batch_id, kb_point_id)
                        as n_unknown
                from (
                    select _batch_id, _line, kb_point_id, code, code not in ({catalogue}) as is_unknown
                    from {{batch}} where code_type = 'hilist'
                ) as coded
            ) as shares
            where is_unknown""",
            severity=WARNING,
            category="reference",
            check_id=f"{feed}.reference.hilist_unknown_share",
            columns=("code",),
            sample_column="detail",
            title="hilist codes of a point are in the current catalogue (raw.hilist.hilist_code); the sample "
            "gives each point's share of unknown codes",
            remedy="a national point may name items the local catalogue lacks (those codes never match a "
            "fee line): check the share; a high one usually means codes of another coding system",
        ),
        rows(
            feed,
            "kb_point_in_snapshot",
            f"""
            select b._batch_id, b._line, b.kb_point_id from {{batch}} as b
            left join raw.kb_point as p
                on p.kb_point_id = b.kb_point_id and p._period = {point_period}
            where p.kb_point_id is null""",
            severity=WARNING,
            category="reference",
            check_id=f"{feed}.reference.kb_point_in_snapshot",
            columns=("kb_point_id",),
            sample_column="kb_point_id",
            title="kb_point_id refers to a point of the kb_point snapshot of the code's period or the newest "
            "before it (raw.kb_point.kb_point_id)",
            remedy="the loader quarantines such rows (unknown_kb_point); a row loaded earlier fails here when a "
            "later kb_point correction dropped its point: re-deliver kb_point_code for that period",
        ),
        rows(
            feed,
            "code_fits_rule",
            f"""
            select b._batch_id, b._line, b.kb_point_id, b.side || ' ' || b.code_type || ' for ' || p.rule_code
                as detail
            from {{batch}} as b
            inner join raw.kb_point as p
                on p.kb_point_id = b.kb_point_id and p._period = {point_period}
            where not ({fits})""",
            severity=WARNING,
            category="consistency",
            check_id=f"{feed}.consistency.code_fits_rule",
            columns=("side", "code_type"),
            sample_column="detail",
            title="each code's side and code_type are ones its point's rule reads (side A hilist; R29 side A "
            "icd10; side B hilist for R03 and R27, icd10 for R28)",
            remedy="correct side or code_type: a code on a side its rule does not read is never used",
        ),
    ]


def checks(feed: FeedSpec, params: SuiteParams) -> list[Check]:
    name = feed.name
    if name == "fixmedins":
        return _fixmedins(name)
    if name == "fixmedins_agreement":
        return [references(name, "fixmedins_code", "fixmedins", what="institution")]
    if name == "psn":
        return _psn(name)
    if name == "hilist":
        return _hilist(name)
    if name == "practitioner":
        return [references(name, "fixmedins_code", "fixmedins", what="institution")]
    if name == "kb_point":
        return _kb_point(name)
    if name == "kb_point_code":
        return _kb_point_code(name)
    return []
