"""Blocking by lineage: which dbt nodes a feed with a critical quality failure keeps from being built.

A delivery that fails a critical expectation stays in ``raw`` until a correction replaces it
(RELIABILITY.md). What reads that feed — its staging view, the facts built from it, the rule views
on those facts and their tests — is left out of the build; everything else is built and screened as
usual. The boundary is ``fct_rule_hits`` (``meta.gate_boundary``): it is built on every run, keeps the
hits of the rules it could not evaluate as they were at their last evaluation, and names them; what
reads it (clues, reports) is built too unless it also reads the failing feed by another path.

The failing feeds come from ``quality.delivery_quality`` (written by the gate): a feed is failing
while one of its loaded batches has the verdict ``fail``. Pure functions over the dbt manifest, so
the Dagster asset, ``make run``'s summary and the tests decide alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

FAILED_BATCHES_SQL = """
    select feed, period, file, batch_id, critical_failed, failed_checks
    from quality.delivery_quality
    where status = 'loaded' and verdict = 'fail' and feed is not null
    order by feed, period, file
"""


@dataclass(frozen=True)
class FailedBatch:
    feed: str
    period: str | None
    file: str
    batch_id: str | None
    critical_failed: int | None
    failed_checks: tuple[str, ...]


@dataclass
class Blocked:
    """The nodes left out of a build, and the rules whose hits are kept from their last evaluation."""

    feeds: dict[str, list[FailedBatch]] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=dict)  # unique_id -> selector name for `--exclude`
    models_by_feed: dict[str, set[str]] = field(default_factory=dict)  # failing feed -> models it keeps out
    rules: dict[str, list[str]] = field(default_factory=dict)  # rule code -> failing feeds it reads

    def __bool__(self) -> bool:
        return bool(self.feeds)

    def exclude_args(self) -> list[str]:
        names = sorted(set(self.nodes.values()))
        # one space-separated value: dbt's multi-value options would take the names that follow
        return ["--exclude", " ".join(names)] if names else []

    def vars_arg(self) -> dict:
        """dbt ``--vars``: fct_rule_hits keeps these rules' hits (rule code -> failing feeds)."""
        return {"blocked_rules": {code: sorted(feeds) for code, feeds in sorted(self.rules.items())}}

    def describe(self) -> list[str]:
        """One line per failing feed: its months, and the rules not evaluated because of it."""
        lines = []
        for feed, batches in sorted(self.feeds.items()):
            months = sorted({b.period for b in batches if b.period})
            rules = sorted(code for code, feeds in self.rules.items() if feed in feeds)
            lines.append(
                f"{feed}: {len(batches)} delivery(ies) failed critical checks"
                f" ({', '.join(months) or 'no period'}); not evaluated: {', '.join(rules) or 'no rule'}; "
                f"{len(self.models_by_feed.get(feed, ()))} model(s) left as last built"
            )
        return lines


def failed_batches(con) -> dict[str, list[FailedBatch]]:
    """The loaded deliveries whose verdict is ``fail``, per feed (none when the gate never ran)."""
    has_table = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'quality' and table_name = 'delivery_quality'"
    ).fetchone()[0]
    if not has_table:
        return {}
    out: dict[str, list[FailedBatch]] = {}
    for feed, period, file, batch_id, n_failed, checks in con.execute(FAILED_BATCHES_SQL).fetchall():
        ids = tuple(c.get("check_id", "") for c in json.loads(checks or "[]") if c.get("severity") == "critical")
        out.setdefault(feed, []).append(FailedBatch(feed, period, file, batch_id, n_failed, ids))
    return out


def load_manifest(path: Path | str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _selector_name(node: Mapping) -> str:
    # dbt's default selector method matches a node's name (models, seeds, data tests)
    return node["name"]


def rule_code(node: Mapping) -> str | None:
    meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
    if meta.get("rule_code"):
        return str(meta["rule_code"])
    name = node.get("name", "")
    return name[4:7].upper() if name.startswith("vio_r") else None


def is_boundary(node: Mapping) -> bool:
    meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
    return bool(meta.get("gate_boundary"))


def blocked_by(manifest: Mapping, feeds: Mapping[str, list[FailedBatch]] | Iterable[str]) -> Blocked:
    """Every node downstream of the failing feeds' sources, not through a boundary model."""
    batches = dict(feeds) if isinstance(feeds, Mapping) else {f: [] for f in feeds}
    out = Blocked(feeds=batches)
    nodes, children = manifest["nodes"], manifest["child_map"]
    for feed in sorted(batches):
        sources = [uid for uid, s in manifest["sources"].items() if s["schema"] == "raw" and s["name"] == feed]
        stack = [c for s in sources for c in children.get(s, [])]
        seen: set[str] = set()
        while stack:
            uid = stack.pop()
            if uid in seen or uid not in nodes:
                continue
            seen.add(uid)
            node = nodes[uid]
            if is_boundary(node):
                continue
            out.nodes[uid] = _selector_name(node)
            if node["resource_type"] == "model":
                out.models_by_feed.setdefault(feed, set()).add(uid)
            code = rule_code(node) if node["resource_type"] == "model" else None
            if code:
                out.rules.setdefault(code, [])
                if feed not in out.rules[code]:
                    out.rules[code].append(feed)
            stack.extend(children.get(uid, []))
    return out


RULES_NOT_EVALUATED = "quality.rules_not_evaluated"

RULES_NOT_EVALUATED_DDL = f"""
create table if not exists {RULES_NOT_EVALUATED} (
    rule_code varchar not null,      -- the rule whose hits are kept from its last evaluation
    feed varchar not null,           -- the failing feed it reads
    period varchar,                  -- YYYYMM of the failing delivery
    file varchar not null,           -- the failing delivery, relative to the landing root
    batch_id varchar,
    failed_checks varchar,           -- the critical expectations it failed (check ids, comma-separated)
    run_id varchar,                  -- the run that left the rule out
    recorded_at timestamp            -- Asia/Shanghai
)
"""


def record_blocked(con, blocked: Blocked, run_id: str | None) -> int:
    """Replace ``quality.rules_not_evaluated`` with this build's rules × failing deliveries (the
    state now: empty when every feed passed). Returns the rows written."""
    rows = [
        (code, feed, b.period, b.file, b.batch_id, ", ".join(b.failed_checks), run_id)
        for code, feeds in sorted(blocked.rules.items())
        for feed in feeds
        for b in blocked.feeds.get(feed, [])
    ]
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists quality")
        con.execute(RULES_NOT_EVALUATED_DDL)
        con.execute(f"delete from {RULES_NOT_EVALUATED}")
        if rows:
            con.executemany(
                f"insert into {RULES_NOT_EVALUATED} values (?, ?, ?, ?, ?, ?, ?, "
                "cast(current_localtimestamp() as timestamp))",
                rows,
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(rows)
