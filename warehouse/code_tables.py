"""The code-table seeds (dbt_project/seeds/code_tables): the project's single list of code values and
their Chinese names, and which contract fields each table serves.

Which fields use a table is stated in each seed's description ("Used by fixmedins.hosp_lv,
hilist.lmt_hosp_lv_min (…)"). The quality gate reads the codes (``expectations.checks.code_tables``),
the supervisor export the names (``exports.labels``).
"""

from __future__ import annotations

import csv
import re
from functools import cache

from warehouse.settings import DBT_PROJECT_DIR

CODE_TABLE_DIR = DBT_PROJECT_DIR / "seeds" / "code_tables"
_USED_BY = re.compile(r"Used by ([^()]+?)\s*\(")


@cache
def code_tables() -> dict[str, dict[str, str]]:
    """``{"feed.field": {code: name_zh}}`` for every field a code-table seed says it is used by."""
    import yaml

    out: dict[str, dict[str, str]] = {}
    yml = CODE_TABLE_DIR / "_code_tables__seeds.yml"
    if not yml.exists():
        return out
    doc = yaml.safe_load(yml.read_text(encoding="utf-8")) or {}
    for seed in doc.get("seeds", []):
        m = _USED_BY.search(seed.get("description", ""))
        path = CODE_TABLE_DIR / f"{seed['name']}.csv"
        if not m or not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            names = {row["code"]: row.get("name_zh") or "" for row in csv.DictReader(fh) if row.get("code")}
        for ref in m.group(1).split(","):
            ref = ref.strip()
            if "." in ref:
                out[ref] = names
    return out
