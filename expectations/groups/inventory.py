"""进销存: inv_purchase, inv_stocktake, inv_change (rule R16/R17 inputs; warnings)."""

from __future__ import annotations

from expectations.checks import WARNING, Check, SuiteParams, between, references, rows
from ingest.specs import FeedSpec

PERIOD_WINDOWS: dict[str, dict] = {}


def checks(feed: FeedSpec, params: SuiteParams) -> list[Check]:
    name = feed.name
    out = [
        references(name, "fixmedins_code", "fixmedins", what="institution"),
        references(name, "med_list_codg", "hilist", "hilist_code", what="catalogue item"),
    ]
    if name == "inv_purchase":
        out += [
            rows(
                name,
                "return_sign",
                """
                select _batch_id, _line, purc_sn, retn_flag from {batch}
                where (retn_flag = '1' and cnt > 0) or (coalesce(retn_flag, '0') = '0' and cnt < 0)""",
                severity=WARNING,
                category="consistency",
                check_id=f"{name}.consistency.return_sign",
                columns=("retn_flag", "cnt"),
                sample_column="purc_sn",
                title="purchase returns (retn_flag 1) have negative cnt and purchases positive cnt",
                remedy="deliver purchase returns as negative quantities with retn_flag 1",
            ),
            between(
                name,
                "finl_trns_pric",
                0,
                None,
                check_id=f"{name}.plausibility.finl_trns_pric_ge_0",
                title="finl_trns_pric (单价) is not negative",
                remedy="correct the unit price",
            ),
        ]
    if name == "inv_stocktake":
        out.append(
            between(
                name,
                "inv_cnt",
                0,
                None,
                check_id=f"{name}.plausibility.inv_cnt_ge_0",
                title="inv_cnt (库存数量) is not negative",
                remedy="correct the stocktake",
            )
        )
    if name == "inv_change":
        out.append(
            rows(
                name,
                "change_sign",
                """
            select _batch_id, _line, inv_chg_type from {batch}
            where (inv_chg_type in ('1', '3', '5') and cnt > 0) or (inv_chg_type in ('2', '4') and cnt < 0)""",
                severity=WARNING,
                category="consistency",
                check_id=f"{name}.consistency.change_sign",
                columns=("inv_chg_type", "cnt"),
                sample_column="inv_chg_type",
                title="报损/盘亏/调出 (1, 3, 5) reduce stock (cnt ≤ 0); 盘盈/调入 (2, 4) add to it (cnt ≥ 0)",
                remedy="deliver stock changes with the sign of their effect on stock",
            )
        )
    return out
