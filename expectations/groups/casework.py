"""The bureau's casework: case_inspection, case_clue, case_hit_review, case_tipoff (warnings).

``case_clue.handler`` (经办人), ``case_hit_review.reviewer`` (复核人) and ``case_hit_review.reason`` (理由)
are sensitive: no check reads them.
"""

from __future__ import annotations

from expectations.checks import WARNING, Check, SuiteParams, between, code_tables, esc, pair_ge, references, rows
from ingest.specs import FeedSpec
from warehouse.sql import literal

PERIOD_WINDOWS: dict[str, dict] = {
    # tip-offs are delivered when received and reported again as they are handled: the reward
    # is paid after the month the tip-off was first delivered, and may concern old events
    "case_tipoff": {"received_date": (1200, 7), "reward_paid_date": None},
}


def _non_negative(feed: str, col: str, label: str) -> Check:
    return between(
        feed,
        col,
        0,
        None,
        check_id=f"{feed}.plausibility.{col}_ge_0",
        title=f"{col} ({label}) is not negative",
        remedy=f"correct {col}",
    )


def checks(feed: FeedSpec, params: SuiteParams) -> list[Check]:
    name = feed.name
    if name == "case_inspection":
        codes = code_tables().get("case_inspection.action", ("1", "2", "3", "4", "5", "6"))
        alt = "|".join(codes)
        pattern = literal(esc(f"({alt})(;({alt}))*"))
        return [
            references(name, "fixmedins_code", "fixmedins", what="institution"),
            rows(
                name,
                "action_codes",
                f"""
                select _batch_id, _line, insp_id, action from {{batch}}
                where action is not null and not regexp_full_match(replace(action, ' ', ''), {pattern})""",
                severity=WARNING,
                category="code",
                check_id=f"{name}.code.action",
                columns=("action",),
                sample_column="action",
                title="action (处理方式) is one or more codes of its code table separated by ';'",
                remedy="use the codes 1–6 of 处理方式, several separated by ';'",
            ),
            _non_negative(name, "refused_amt", "拒付金额"),
            _non_negative(name, "recovered_amt", "追回金额"),
            _non_negative(name, "penalty_amt", "罚款金额"),
        ]
    if name == "case_clue":
        return [_non_negative(name, "confirmed_amt", "认定违规金额")]
    if name == "case_hit_review":
        # decisions 1/2 without an amount never load (the loader's row check, missing_confirmed_amt)
        return [
            _non_negative(name, "confirmed_amt", "认定违规金额"),
            rows(
                name,
                "excluded_with_amount",
                """
                select _batch_id, _line, hit_id, decision, confirmed_amt from {batch}
                where decision = '3' and confirmed_amt > 0""",
                severity=WARNING,
                category="consistency",
                check_id=f"{name}.consistency.excluded_with_amount",
                columns=("confirmed_amt",),
                sample_column="confirmed_amt",
                title="a review that excludes the hit (decision 3) confirms no amount",
                remedy="correct decision (1 or 2 when an amount is confirmed) or clear confirmed_amt; "
                "an excluded hit counts as 0.00 whatever is recorded",
            ),
        ]
    if name == "case_tipoff":
        return [
            references(name, "fixmedins_code", "fixmedins", what="institution"),
            _non_negative(name, "reward_amt", "奖励金额"),
            pair_ge(
                name,
                "reward_paid_date",
                "received_date",
                severity=WARNING,
                check_id=f"{name}.order.received_le_reward_paid",
                title="a reward is paid on or after the tip-off was received",
                remedy="correct received_date or reward_paid_date",
            ),
        ]
    return []
