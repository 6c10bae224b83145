"""Retail pharmacy sales (phar_sale). Line-level rules read pharmacy activity from here (RULES.md)."""

from __future__ import annotations

from expectations.checks import WARNING, Check, SuiteParams, between, references, rows
from ingest.specs import FeedSpec

PERIOD_WINDOWS: dict[str, dict] = {}


def checks(feed: FeedSpec, params: SuiteParams) -> list[Check]:
    name = feed.name
    if name != "phar_sale":
        return []
    return [
        references(name, "fixmedins_code", "fixmedins", what="pharmacy"),
        references(name, "med_list_codg", "hilist", "hilist_code", what="catalogue item"),
        references(name, "setl_id", "setl", what="settlement"),
        references(name, "psn_no", "psn", what="insured person"),
        references(name, "prsc_dr_code", "practitioner", "dr_code", what="practitioner"),
        rows(
            name,
            "return_sign",
            """
            select _batch_id, _line, sale_sn, retn_flag from {batch}
            where (retn_flag = '1' and cnt > 0) or (coalesce(retn_flag, '0') = '0' and cnt < 0)""",
            severity=WARNING,
            category="consistency",
            check_id=f"{name}.consistency.return_sign",
            columns=("retn_flag", "cnt"),
            sample_column="sale_sn",
            title="returns (retn_flag 1) have negative cnt and sales positive cnt",
            remedy="ask the pharmacy to deliver returns as negative quantities with retn_flag 1",
        ),
        between(
            name,
            "finl_trns_pric",
            0,
            None,
            check_id=f"{name}.plausibility.finl_trns_pric_ge_0",
            title="finl_trns_pric (最终成交单价) is not negative",
            remedy="deliver returns as negative quantities with a positive unit price",
        ),
    ]
