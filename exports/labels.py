"""Chinese labels and code names for supervisor-facing text, from the places the project already keeps them.

* a field's label: the data contract's (``ingest/specs.py``; a code with two labels takes the one most
  feeds use), else the ``label_zh`` the dbt docs give a column of that name (the most frequent one);
* a code's name: the code-table seeds (``dbt_project/seeds/code_tables``), matched to the fields each
  table is "Used by" in its seed description (the same reading as ``expectations.checks.code_tables``);
* what neither knows — keys that exist only in rule evidence (``excess_cnt``, ``prior_stay`` …) — from
  ``exports/evidence_labels.csv`` (key, label_zh, codes_of: the field whose code table names its values).
  That file holds no key the contract or the docs already label (a test checks it).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import yaml

from ingest.specs import FEEDS_LIST
from warehouse.settings import DBT_PROJECT_DIR

CODE_TABLE_DIR = DBT_PROJECT_DIR / "seeds" / "code_tables"
EVIDENCE_LABELS = Path(__file__).with_name("evidence_labels.csv")
_USED_BY = re.compile(r"Used by ([^()]+?)\s*\(")


@cache
def contract_labels() -> dict[str, str]:
    """Field code -> its Chinese label in the data contract (the label most feeds give it)."""
    seen: dict[str, Counter] = {}
    for feed in FEEDS_LIST:
        for f in feed.fields:
            label = f.label_zh or (f.aliases[0] if f.aliases else "")
            if label:
                seen.setdefault(f.code, Counter())[label] += 1
    # Counter.most_common keeps first-seen order among ties: reference feeds (listed first) win
    return {code: c.most_common(1)[0][0] for code, c in seen.items()}


def docs_labels(manifest_path: Path | None = None) -> dict[str, str]:
    """Column name -> the ``label_zh`` the dbt docs give columns of that name (the most frequent);
    {} while the project has not been parsed (no manifest)."""
    path = Path(manifest_path or DBT_PROJECT_DIR / "target" / "manifest.json")
    if not path.exists():
        return {}
    return _docs_labels(path, path.stat().st_mtime_ns)


@cache
def _docs_labels(path: Path, _mtime: int) -> dict[str, str]:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    seen: dict[str, Counter] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") not in ("model", "seed"):
            continue
        for name, col in node.get("columns", {}).items():
            meta = {**(col.get("meta") or {}), **((col.get("config") or {}).get("meta") or {})}
            if meta.get("label_zh"):
                seen.setdefault(name.lower(), Counter())[meta["label_zh"]] += 1
    return {name: c.most_common(1)[0][0] for name, c in seen.items()}


@cache
def code_names() -> dict[str, dict[str, str]]:
    """Field code -> {code: Chinese name}, from the code-table seeds and the fields they are used by."""
    yml = CODE_TABLE_DIR / "_code_tables__seeds.yml"
    out: dict[str, dict[str, str]] = {}
    if not yml.exists():
        return out
    doc = yaml.safe_load(yml.read_text(encoding="utf-8")) or {}
    for seed in doc.get("seeds", []):
        m = _USED_BY.search(seed.get("description", ""))
        path = CODE_TABLE_DIR / f"{seed['name']}.csv"
        if not m or not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            names = {row["code"]: row["name_zh"] for row in csv.DictReader(fh) if row.get("code")}
        for ref in m.group(1).split(","):
            field = ref.strip().rsplit(".", 1)[-1]
            if field:
                out.setdefault(field, {}).update(names)
    return out


@cache
def evidence_only_labels() -> dict[str, tuple[str, str]]:
    """Evidence key -> (label, field whose code table names its values or '') for keys labelled nowhere else."""
    with EVIDENCE_LABELS.open(encoding="utf-8", newline="") as fh:
        return {r["key"]: (r["label_zh"], r.get("codes_of") or "") for r in csv.DictReader(fh)}


def label_of(key: str, manifest_path: Path | None = None) -> str:
    """The Chinese label of a field / column / evidence key ('' when none is known)."""
    k = key.lower()
    if k in contract_labels():
        return contract_labels()[k]
    if k in evidence_only_labels():
        return evidence_only_labels()[k][0]
    return docs_labels(manifest_path).get(k, "")


def codes_for(key: str) -> dict[str, str]:
    """{code: name} for a key whose values are codes of a code table ({} otherwise)."""
    k = key.lower()
    if k in code_names():
        return code_names()[k]
    field = evidence_only_labels().get(k, ("", ""))[1]
    return code_names().get(field, {}) if field else {}


def code_name(field: str, code: str | None) -> str | None:
    """The Chinese name of one code of a field (None when the code table does not know it)."""
    if code is None:
        return None
    return codes_for(field).get(str(code))
