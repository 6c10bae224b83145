"""Settlement platform extracts: mdtrt, setl, fee_list, setl_diag (the money the statistics count).

Arithmetic is critical — the quarterly statistics add these amounts up:

* fee line: ``det_item_fee_sumamt = cnt × pric`` (±0.01);
* settlement: ``medfee_sumamt = fund_pay_sumamt + acct_pay + psn_cash_pay`` (±0.01);
* settlement: ``medfee_sumamt = Σ det_item_fee_sumamt`` of its fee lines (±0.01). Fee lines
  travel with the month of their settlement (DATA_CONTRACT §1), so a settlement row is compared
  with the fee lines of the same ``setl_id`` delivered for the same period — a settlement
  re-delivered in a later period is compared with the lines re-delivered with it.

A fee line must belong to a delivered settlement and visit, and a settlement to a delivered visit
(critical: an orphan means a truncated extract). References to reference data (institution,
person, catalogue item, practitioner) are warnings: unknown codes are flagged, never dropped
(RELIABILITY #11), and an unknown practitioner is itself screening rule R15.
"""

from __future__ import annotations

from expectations.checks import (
    ADMDVS_RE,
    CRITICAL,
    ICD10_RE,
    WARNING,
    Check,
    SuiteParams,
    between,
    matches,
    references,
    rows,
)
from ingest.specs import FeedSpec

TOLERANCE = 0.01  # yuan
LINE_WARN_LIMIT = 500_000  # a single fee line above this is worth a look
SETL_WARN_LIMIT = 5_000_000  # so is a settlement above this

PERIOD_WINDOWS: dict[str, dict] = {
    # a settlement extract covers the settlements of its month
    "setl": {"setl_time": (3, 3)},
}


def _icd(feed: str, col: str) -> Check:
    return matches(
        feed,
        col,
        ICD10_RE,
        check_id=f"{feed}.format.{col}_icd10",
        title=f"{col} has the shape of an ICD-10 code (e.g. J06.900, I67.800x001)",
        remedy="deliver ICD-10 (医保版) diagnosis codes; free text or local codes break "
        "the diagnosis-restricted payment rules",
    )


def _mdtrt(feed: str) -> list[Check]:
    return [
        references(feed, "psn_no", "psn", what="insured person"),
        references(feed, "fixmedins_code", "fixmedins", what="institution"),
        references(feed, "atddr_code", "practitioner", "dr_code", what="practitioner"),
        _icd(feed, "dscg_maindiag_code"),
        matches(
            feed,
            "insu_admdvs",
            ADMDVS_RE,
            check_id=f"{feed}.format.insu_admdvs",
            title="insu_admdvs is a 6-digit 行政区划 code",
            remedy="deliver the 6-digit 参保地代码",
        ),
        rows(
            feed,
            "inpatient_endtime",
            """
            select _batch_id, _line, mdtrt_id from {batch} where med_type = '21' and endtime is null""",
            severity=WARNING,
            category="completeness",
            check_id=f"{feed}.completeness.inpatient_endtime",
            columns=("med_type", "endtime"),
            sample_column="mdtrt_id",
            title="settled inpatient visits (med_type 21) carry endtime (discharge time)",
            remedy="deliver the discharge time; length-of-stay rules need it",
        ),
    ]


def _setl(feed: str) -> list[Check]:
    return [
        rows(
            feed,
            "total_eq_parts",
            f"""
            select _batch_id, _line, setl_id, setl_id || ': total ' || medfee_sumamt || ' <> parts '
                   || (fund_pay_sumamt + acct_pay + psn_cash_pay) as detail
            from {{batch}}
            where abs(medfee_sumamt - (fund_pay_sumamt + acct_pay + psn_cash_pay)) > {TOLERANCE}""",
            severity=CRITICAL,
            category="arithmetic",
            check_id=f"{feed}.arithmetic.total_eq_fund_acct_cash",
            columns=("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay"),
            sample_column="detail",
            title="medfee_sumamt = fund_pay_sumamt + acct_pay + psn_cash_pay (±0.01)",
            remedy="the settlement's total does not equal its fund + personal account + cash parts: "
            "ask the centre to re-deliver the settlement extract for that period",
        ),
        rows(
            feed,
            "total_eq_lines",
            f"""
            select s._batch_id, s._line, s.setl_id,
                   s.setl_id || ': total ' || s.medfee_sumamt || ' <> lines ' || l.lines_sumamt as detail
            from {{batch}} s
            join (select setl_id, _period, sum(det_item_fee_sumamt) as lines_sumamt
                  from raw.fee_list where _period in (select p._period from {{batch}} p)
                  group by setl_id, _period) l
              on l.setl_id = s.setl_id and l._period = s._period
            where abs(s.medfee_sumamt - l.lines_sumamt) > {TOLERANCE}""",
            severity=CRITICAL,
            category="arithmetic",
            check_id=f"{feed}.arithmetic.total_eq_fee_lines",
            reads=(("fee_list", "period"),),
            columns=("medfee_sumamt",),
            sample_column="detail",
            title="medfee_sumamt = Σ det_item_fee_sumamt of the settlement's fee lines delivered "
            "for the same period (±0.01)",
            remedy="settlement and fee-line extracts disagree: ask the centre to re-deliver both "
            "extracts of that period (a correction replaces the earlier files)",
        ),
        rows(
            feed,
            "has_fee_lines",
            """
            select s._batch_id, s._line, s.setl_id from {batch} s
            anti join (select distinct setl_id, _period from raw.fee_list
                       where _period in (select p._period from {batch} p)) l
              on l.setl_id = s.setl_id and l._period = s._period""",
            severity=WARNING,
            category="completeness",
            check_id=f"{feed}.completeness.has_fee_lines",
            reads=(("fee_list", "period"),),
            columns=("setl_id",),
            sample_column="setl_id",
            title="every settlement has fee lines delivered for the same period",
            remedy="the fee-line extract of that period is missing or incomplete: ask the centre "
            "to deliver it (line-level rules cannot see these settlements)",
        ),
        references(
            feed,
            "mdtrt_id",
            "mdtrt",
            severity=CRITICAL,
            what="visit",
            remedy="a settlement without its visit means a truncated extract: ask the centre "
            "to re-deliver the visit (mdtrt) extract of that period",
        ),
        references(feed, "psn_no", "psn", what="insured person"),
        references(feed, "fixmedins_code", "fixmedins", what="institution"),
        rows(
            feed,
            "reversal_link",
            """
            select _batch_id, _line, setl_id from {batch}
            where refd_setl_flag = '1' and (init_setl_id is null or init_setl_id not in
                  (select setl_id from raw.setl where setl_id is not null))""",
            severity=WARNING,
            category="reference",
            check_id=f"{feed}.reference.reversal_init_setl_id",
            reads=(("setl", "grows"),),
            columns=("refd_setl_flag", "init_setl_id"),
            sample_column="setl_id",
            title="a reversal (refd_setl_flag 1) points at a delivered original settlement (init_setl_id)",
            remedy="deliver init_setl_id on reversals; refund handling in the rules needs it",
        ),
        between(
            feed,
            "medfee_sumamt",
            -SETL_WARN_LIMIT,
            SETL_WARN_LIMIT,
            check_id=f"{feed}.amount.medfee_sumamt_sane",
            title=f"medfee_sumamt is within ±{SETL_WARN_LIMIT:,} yuan",
            remedy="confirm the amount with the centre (unit 元, two decimals)",
        ),
    ]


def _fee_list(feed: str) -> list[Check]:
    return [
        rows(
            feed,
            "amount_eq_cnt_x_pric",
            f"""
            select _batch_id, _line, feedetl_sn, feedetl_sn || ': ' || det_item_fee_sumamt || ' <> '
                   || cnt || ' x ' || pric as detail from {{batch}}
            where abs(det_item_fee_sumamt - cnt * pric) > {TOLERANCE}""",
            severity=CRITICAL,
            category="arithmetic",
            check_id=f"{feed}.arithmetic.amount_eq_cnt_x_pric",
            columns=("det_item_fee_sumamt", "cnt", "pric"),
            sample_column="detail",
            title="det_item_fee_sumamt = cnt × pric (±0.01)",
            remedy="the line amount does not equal quantity × unit price: ask the centre to "
            "re-deliver the fee-line extract of that period",
        ),
        references(
            feed,
            "setl_id",
            "setl",
            severity=CRITICAL,
            what="settlement",
            remedy="a fee line without its settlement means a truncated extract: ask the "
            "centre to re-deliver the settlement extract of that period",
        ),
        references(
            feed,
            "mdtrt_id",
            "mdtrt",
            severity=CRITICAL,
            what="visit",
            remedy="a fee line without its visit means a truncated extract: ask the centre "
            "to re-deliver the visit (mdtrt) extract of that period",
        ),
        references(feed, "hilist_code", "hilist", what="catalogue item"),
        references(feed, "fixmedins_code", "fixmedins", what="institution"),
        references(feed, "psn_no", "psn", what="insured person"),
        references(feed, "bilg_dr_code", "practitioner", "dr_code", what="practitioner"),
        Check(
            id=f"{feed}.completeness.bilg_dr_code",
            feed=feed,
            severity=WARNING,
            kind="map",
            category="completeness",
            gx_type="ExpectColumnValuesToNotBeNull",
            gx_kwargs={"column": "bilg_dr_code"},
            predicate='"bilg_dr_code" is null',
            columns=("bilg_dr_code",),
            title="bilg_dr_code (开单医生) is filled in (an empty code is a quality warning, RULES R15)",
            remedy="deliver the ordering doctor's 医保医师编码 on every line",
        ),
        rows(
            feed,
            "negative_without_refund_link",
            """
            select _batch_id, _line, feedetl_sn from {batch}
            where det_item_fee_sumamt < 0 and init_feedetl_sn is null""",
            severity=WARNING,
            category="consistency",
            check_id=f"{feed}.consistency.refund_link",
            columns=("det_item_fee_sumamt", "init_feedetl_sn"),
            sample_column="feedetl_sn",
            title="a negative (refund) line points at the line it refunds (init_feedetl_sn)",
            remedy="deliver init_feedetl_sn on refund lines; rules net refunds against originals",
        ),
        rows(
            feed,
            "refund_target",
            """
            select _batch_id, _line, feedetl_sn, init_feedetl_sn from {batch}
            where init_feedetl_sn is not null and init_feedetl_sn not in
                  (select feedetl_sn from raw.fee_list where feedetl_sn is not null)""",
            severity=WARNING,
            category="reference",
            check_id=f"{feed}.reference.init_feedetl_sn",
            reads=(("fee_list", "grows"),),
            columns=("init_feedetl_sn",),
            sample_column="init_feedetl_sn",
            title="init_feedetl_sn refers to a delivered fee line",
            remedy="deliver the original line, or correct init_feedetl_sn",
        ),
        rows(
            feed,
            "same_visit_as_settlement",
            """
            select f._batch_id, f._line, f.feedetl_sn from {batch} f
            join (select distinct setl_id, mdtrt_id, _period from raw.setl
                  where _period in (select p._period from {batch} p)) s
              on s.setl_id = f.setl_id and s._period = f._period
            where s.mdtrt_id <> f.mdtrt_id""",
            severity=WARNING,
            category="consistency",
            check_id=f"{feed}.consistency.mdtrt_of_setl",
            reads=(("setl", "period"),),
            columns=("setl_id", "mdtrt_id"),
            sample_column="feedetl_sn",
            title="a fee line's mdtrt_id is the visit of its settlement (delivered for the same period, "
            "as fee lines travel with their settlement)",
            remedy="the fee line's visit and settlement disagree: ask the centre to check the extract",
        ),
        between(
            feed,
            "pric",
            0,
            None,
            check_id=f"{feed}.plausibility.pric_ge_0",
            title="pric (单价) is not negative (refunds are negative in cnt and amount)",
            remedy="deliver refunds as negative cnt with a positive unit price",
        ),
        between(
            feed,
            "det_item_fee_sumamt",
            -LINE_WARN_LIMIT,
            LINE_WARN_LIMIT,
            check_id=f"{feed}.amount.det_item_fee_sumamt_sane",
            title=f"det_item_fee_sumamt is within ±{LINE_WARN_LIMIT:,} yuan",
            remedy="confirm the amount with the centre (unit 元, two decimals)",
        ),
    ]


def _setl_diag(feed: str) -> list[Check]:
    return [
        _icd(feed, "diag_code"),
        references(feed, "mdtrt_id", "mdtrt", what="visit"),
    ]


def checks(feed: FeedSpec, params: SuiteParams) -> list[Check]:
    return {
        "mdtrt": _mdtrt,
        "setl": _setl,
        "fee_list": _fee_list,
        "setl_diag": _setl_diag,
    }.get(feed.name, lambda _name: [])(feed.name)
