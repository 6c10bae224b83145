"""HIS extracts from hospitals: his_ipt_register, his_order, his_charge (all warnings).

HIS data is compared with the platform (rule R22) but never summed into the statistics, so none
of its problems blocks screening; they are reported to the hospital.
"""

from __future__ import annotations

from expectations.checks import ICD10_RE, WARNING, Check, SuiteParams, matches, references, rows
from ingest.specs import FeedSpec

PERIOD_WINDOWS: dict[str, dict] = {
    # a long-term order may have started long before the month it is delivered with
    "his_order": {"start_time": (800, 7)},
}


def _icd(feed: str, col: str) -> Check:
    return matches(
        feed,
        col,
        ICD10_RE,
        check_id=f"{feed}.format.{col}_icd10",
        title=f"{col} has the shape of an ICD-10 code (e.g. J06.900)",
        remedy="map local diagnosis codes to ICD-10 (医保版) before delivery",
    )


def checks(feed: FeedSpec, params: SuiteParams) -> list[Check]:
    name = feed.name
    out = [references(name, "fixmedins_code", "fixmedins", what="institution")]
    if name == "his_ipt_register":
        out += [_icd(name, "adm_diag_code"), _icd(name, "dscg_diag_code")]
    if name == "his_charge":
        out += [
            references(name, "hilist_code", "hilist", what="catalogue item"),
            rows(
                name,
                "amount_eq_cnt_x_pric",
                """
                select _batch_id, _line, charge_sn, amount from {batch}
                where abs(amount - cnt * pric) > 0.01""",
                severity=WARNING,
                category="arithmetic",
                check_id=f"{name}.arithmetic.amount_eq_cnt_x_pric",
                columns=("amount", "cnt", "pric"),
                sample_column="charge_sn",
                title="amount = cnt × pric (±0.01)",
                remedy="ask the hospital to check its HIS charge extract",
            ),
        ]
    return out
