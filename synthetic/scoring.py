"""Score rule hits against a ground-truth file: precision and recall per rule.

    python -m synthetic.scoring --warehouse data/warehouse.duckdb --truth data/ground_truth.csv

Truth rows (written by the sample generator, or by hand for any other landing tree) name a rule,
whether it must hit (1) or is a near-miss that must not (0), and the keys of the case. A truth row
matches a hit of the same rule when every non-empty key column equals the hit's value (``period``
compares with the month of the hit's ``occurred_on``).
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

KEYS = ("fixmedins_code", "psn_no", "mdtrt_id", "setl_id", "feedetl_sn", "sale_sn", "hilist_code")


@dataclass
class RuleScore:
    rule_code: str
    injected: int = 0
    found: int = 0
    near_misses: int = 0
    near_miss_hits: int = 0
    hits: int = 0
    hits_matched: int = 0
    missed: list[str] = field(default_factory=list)
    wrongly_hit: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.found / self.injected if self.injected else None

    @property
    def precision(self) -> float | None:
        return self.hits_matched / self.hits if self.hits else None


def read_truth(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def truth_matches(truth: dict, hit: dict) -> bool:
    """Whether a hit is the case a truth row describes (every key the row names, and its month or day)."""
    for k in KEYS:
        v = (truth.get(k) or "").strip()
        if v and (hit.get(k) or "") != v:
            return False
    period = (truth.get("period") or "").strip()
    if period and (hit["occurred_on"] is None or hit["occurred_on"].strftime("%Y%m") != period):
        return False
    day = (truth.get("occurred_on") or "").strip()
    return not (day and (hit["occurred_on"] is None or hit["occurred_on"].isoformat() != day))


def score(con, truth: list[dict], rules: list[str] | None = None) -> dict[str, RuleScore]:
    cols = ("rule_code", *KEYS, "occurred_on")
    rows = con.execute(f"select {', '.join(cols)} from supervision.fct_rule_hits").fetchall()
    hits_by_rule: dict[str, list[dict]] = {}
    for r in rows:
        hits_by_rule.setdefault(r[0], []).append(dict(zip(cols, r, strict=True)))
    wanted = set(rules) if rules else None
    out: dict[str, RuleScore] = {}
    for t in truth:
        code = t["rule_code"]
        if wanted and code not in wanted:
            continue
        s = out.setdefault(code, RuleScore(code))
        matched = [h for h in hits_by_rule.get(code, []) if truth_matches(t, h)]
        if t["expect_hit"].strip() == "1":
            s.injected += 1
            if matched:
                s.found += 1
            else:
                s.missed.append(t.get("case_id") or str(t))
        else:
            s.near_misses += 1
            if matched:
                s.near_miss_hits += 1
                s.wrongly_hit.append(t.get("case_id") or str(t))
    positives = [t for t in truth if t["expect_hit"].strip() == "1"]
    for code, hits in hits_by_rule.items():
        if wanted and code not in wanted:
            continue
        s = out.setdefault(code, RuleScore(code))
        s.hits = len(hits)
        s.hits_matched = sum(1 for h in hits if any(t["rule_code"] == code and truth_matches(t, h) for t in positives))
    return dict(sorted(out.items()))


def format_table(scores: dict[str, RuleScore]) -> str:
    lines = [
        f"{'rule':<5} {'injected':>8} {'found':>6} {'recall':>7} {'hits':>6} {'precision':>9} "
        f"{'near-miss':>9} {'nm hit':>6}"
    ]
    for s in scores.values():
        rec = f"{s.recall:.2f}" if s.recall is not None else "-"
        prec = f"{s.precision:.2f}" if s.precision is not None else "-"
        lines.append(
            f"{s.rule_code:<5} {s.injected:>8} {s.found:>6} {rec:>7} {s.hits:>6} {prec:>9} "
            f"{s.near_misses:>9} {s.near_miss_hits:>6}"
        )
        for m in s.missed:
            lines.append(f"      missed: {m}")
        for m in s.wrongly_hit:
            lines.append(f"      near-miss hit: {m}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from warehouse.settings import settings

    cfg = settings()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", type=Path, default=cfg.warehouse)
    ap.add_argument("--truth", type=Path, default=cfg.landing_dir.parent / "ground_truth.csv")
    args = ap.parse_args(argv)
    con = duckdb.connect(str(args.warehouse), read_only=True)
    try:
        scores = score(con, read_truth(args.truth))
    finally:
        con.close()
    print(format_table(scores))
    bad = [s for s in scores.values() if s.missed or s.wrongly_hit]
    print(
        f"scored {len(scores)} rule(s) of {args.warehouse} against {args.truth}: "
        f"{'all injected cases found, no near-miss hit' if not bad else f'{len(bad)} rule(s) off'}"
    )
    return 0 if not bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
