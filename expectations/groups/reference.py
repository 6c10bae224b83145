"""Reference data (centre snapshots): fixmedins, fixmedins_agreement, psn, hilist, practitioner."""

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
    full,
    matches,
    pair_ge,
    references,
    rows,
)
from ingest.check_digits import uscc_check_char_sql
from ingest.specs import FeedSpec

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
    return []
