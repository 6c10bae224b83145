"""The knowledge-base seeds (两库) the generator shares with the dbt rule views.

``dbt_project/seeds/knowledge_base/*.csv`` are the single source of truth: the R03 bundle pairs, the
R07 low-standard diagnoses and the R21 watchlist are read from there both by the dbt rule views (as
seeds) and by this generator (to keep the background clean and to inject the cases).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from warehouse.settings import DBT_PROJECT_DIR

from .catalogue import BY_CODE, DIAGNOSES

KB_DIR = DBT_PROJECT_DIR / "seeds" / "knowledge_base"
CATEGORIES = ("西药", "中成药", "中药饮片", "耗材")


@dataclass(frozen=True)
class KnowledgeBase:
    pairs: list[tuple[str, str]]
    low_std: list[str]
    watchlist: list[dict]

    @property
    def watch_codes(self) -> set[str]:
        return {w["hilist_code"] for w in self.watchlist}

    def low_std_dx(self, prefix: str) -> str:
        """A diagnosis code of the sample catalogue that starts with ``prefix``."""
        for code in DIAGNOSES:
            if code.startswith(prefix):
                return code
        raise KeyError(prefix)


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh)]


def load(kb_dir: Path = KB_DIR) -> KnowledgeBase:
    problems: list[str] = []
    pairs = []
    for r in _read(kb_dir / "rule_bundle_pairs.csv"):
        a, b = r["main_hilist_code"], r["sub_hilist_code"]
        for c in (a, b):
            if c not in BY_CODE:
                problems.append(f"rule_bundle_pairs: {c} is not in the sample catalogue")
        pairs.append((a, b))
    low = [r["icd10_prefix"] for r in _read(kb_dir / "rule_low_standard_dx.csv")]
    watch = _read(kb_dir / "rule_key_drug_watchlist.csv")
    for w in watch:
        if w["category"] not in CATEGORIES:
            problems.append(f"rule_key_drug_watchlist: unknown category {w['category']}")
        if w["hilist_code"] not in BY_CODE:
            problems.append(f"rule_key_drug_watchlist: {w['hilist_code']} ({w['name_zh']}) is not in the catalogue")
    if len(pairs) < 20:
        problems.append("rule_bundle_pairs needs at least 20 pairs")
    if len(low) < 10:
        problems.append("rule_low_standard_dx needs at least 10 prefixes")
    if problems:
        raise ValueError("knowledge base does not match the sample catalogue:\n  " + "\n  ".join(problems))
    return KnowledgeBase(pairs, low, watch)
