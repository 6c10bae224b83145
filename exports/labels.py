"""Chinese labels and code names for supervisor-facing text, from the places the project already keeps them.

* a field's label: the data contract's, as the raw sources in the dbt manifest carry it (their YAML
  is generated from ``ingest/specs.py``; a code with two labels takes the one most feeds use), else the
  ``label_zh`` the dbt docs give a model or seed column of that name (the most frequent one);
* a code's name: the code-table seeds, matched to the fields each table is "Used by"
  (``warehouse.code_tables``, which the quality gate reads too);
* what neither knows — keys that exist only in rule evidence (``excess_cnt``, ``prior_stay`` …) — from
  ``exports/evidence_labels.csv`` (key, label_zh, codes_of: the field whose code table names its values).
  That file holds no key the contract or the docs already label (a test checks it).

The manifest is the dbt project's (``target/manifest.json``); the export runs after the build, so it
is there. Without it (the project never parsed) only the evidence-only labels are known.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from functools import cache
from pathlib import Path

from warehouse.code_tables import code_tables
from warehouse.settings import DBT_PROJECT_DIR

EVIDENCE_LABELS = Path(__file__).with_name("evidence_labels.csv")


def contract_labels(manifest_path: Path | None = None) -> dict[str, str]:
    """Field code -> its Chinese label in the data contract (the raw sources' column labels)."""
    return _manifest_labels(manifest_path)[0]


def docs_labels(manifest_path: Path | None = None) -> dict[str, str]:
    """Column name -> the ``label_zh`` the dbt docs give model and seed columns of that name."""
    return _manifest_labels(manifest_path)[1]


def _manifest_labels(manifest_path: Path | None) -> tuple[dict[str, str], dict[str, str]]:
    path = Path(manifest_path or DBT_PROJECT_DIR / "target" / "manifest.json")
    if not path.exists():
        return {}, {}
    return _read_labels(path, path.stat().st_mtime_ns)


@cache
def _read_labels(path: Path, _mtime: int) -> tuple[dict[str, str], dict[str, str]]:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    contract: dict[str, Counter] = {}
    docs: dict[str, Counter] = {}
    nodes = [(contract, n) for n in manifest.get("sources", {}).values()] + [
        (docs, n) for n in manifest.get("nodes", {}).values() if n.get("resource_type") in ("model", "seed")
    ]
    for seen, node in nodes:
        for name, col in node.get("columns", {}).items():
            meta = {**(col.get("meta") or {}), **((col.get("config") or {}).get("meta") or {})}
            if meta.get("label_zh"):
                seen.setdefault(name.lower(), Counter())[meta["label_zh"]] += 1
    # Counter.most_common keeps first-seen order among ties
    return tuple({name: c.most_common(1)[0][0] for name, c in seen.items()} for seen in (contract, docs))


@cache
def code_names() -> dict[str, dict[str, str]]:
    """Field code -> {code: Chinese name}, from the code-table seeds and the fields they are used by."""
    out: dict[str, dict[str, str]] = {}
    for ref, names in code_tables().items():
        out.setdefault(ref.rsplit(".", 1)[-1], {}).update(names)
    return out


@cache
def evidence_only_labels() -> dict[str, tuple[str, str]]:
    """Evidence key -> (label, field whose code table names its values or '') for keys labelled nowhere else."""
    with EVIDENCE_LABELS.open(encoding="utf-8", newline="") as fh:
        return {r["key"]: (r["label_zh"], r.get("codes_of") or "") for r in csv.DictReader(fh)}


def label_of(key: str, manifest_path: Path | None = None) -> str:
    """The Chinese label of a field / column / evidence key ('' when none is known)."""
    k = key.lower()
    contract = contract_labels(manifest_path)
    if k in contract:
        return contract[k]
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
