"""Which deliveries a gate run validates again, and which keep the verdict of an earlier validation.

A warehouse of several years holds thousands of deliveries; validating all of them on every monthly
run costs what the history costs (psn alone is a full snapshot a month). A delivery's verdict can only
change when something it is judged against changes, so a run validates, per feed:

* every delivery not yet validated under the feed's current suite (new deliveries; all of them
  after a change to the checks — the suite fingerprint does not depend on the run's date);
* every delivery whose verdict was not ``pass`` (a failing one keeps blocking until it is corrected,
  and a finding can resolve when, say, the reference data it missed arrives);
* every delivery of a period in which this feed gained or lost a delivery (uniqueness of keys
  within a period), or in which a feed it reads by period changed (``Check.reads`` = ``period``:
  a settlement's total against the fee lines delivered for the same period);
* and all of its deliveries when a feed it reads lost rows (a correction replaced a batch) and a
  check reads that feed as ``grows`` (references: only a removed row can break a passing one), or
  when a feed it reads as ``any`` changed at all.

What each feed's last validation saw is kept in ``quality.gate_inputs_seen`` (one row per manifest
row of the feed and of the feeds it reads, written with the verdicts by
:func:`expectations.quality.write_delivery_quality`). Without it — the first run, or verdicts kept
by a version without it — every delivery is validated. ``run_gate(..., incremental=False)``
(``python -m expectations --all``) validates everything, e.g. after raw rows were changed outside
the loader.

Deliveries left out keep the verdict recorded in ``quality.delivery_quality`` (all ``pass`` by the
rules above). Checks of a delivery's size against its sender's other deliveries (``volume``) judge
it when it is validated; later deliveries do not re-open that judgement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from expectations.checks import Check

SEEN_TABLE = "quality.gate_inputs_seen"

SEEN_DDL = f"""
create table if not exists {SEEN_TABLE} (
    validated_feed varchar not null,  -- the feed whose validation saw these manifest rows
    feed varchar not null,            -- the feed of the manifest row: itself or a feed its checks read
    file varchar not null,
    sha256 varchar not null,
    status varchar not null,          -- loaded | replaced, as it was then
    period varchar
)
"""

# a delivery's earlier verdict, as kept in quality.delivery_quality
PRIOR_COLUMNS = (
    "batch_id",
    "verdict",
    "suite_fingerprint",
    "critical_evaluated",
    "warning_evaluated",
    "gate_run_id",
    "validated_at",
    "docs_page",
)


@dataclass
class Plan:
    """What one feed's run validates: ``batch_ids`` None = every loaded delivery."""

    feed: str
    batch_ids: tuple[str, ...] | None
    carried: dict[str, dict] = field(default_factory=dict)  # batch_id -> its earlier verdict row
    reason: str = ""
    seen: list[tuple] = field(default_factory=list)  # (feed, file, sha256, status, period) now


def read_modes(checks: list[Check], feed: str) -> dict[str, set[str]]:
    """{feed read: its modes} over all checks of ``feed``; the feed itself is always read by period
    (keys are unique within a period)."""
    out: dict[str, set[str]] = {feed: {"period"}}
    for c in checks:
        for table, mode in c.read_modes().items():
            out.setdefault(table, set()).add(mode)
    return out


def plan(fetch, feed: str, checks: list[Check], fingerprint: str, has_state: bool) -> Plan:
    """The deliveries of ``feed`` to validate now. ``fetch(sql, **params)`` runs a query on the warehouse
    (read-only); ``has_state`` says whether quality.delivery_quality and quality.gate_inputs_seen exist."""
    modes = read_modes(checks, feed)
    inputs = sorted(modes)
    in_list = ", ".join(f"'{f}'" for f in inputs)
    now = [
        tuple(r)
        for r in fetch(
            f"""select feed, file, sha256, status, period from raw.load_manifest
                where feed in ({in_list}) and status in ('loaded', 'replaced') order by feed, file, sha256""",
        )
    ]
    full = Plan(feed, None, seen=now)
    if not has_state:
        full.reason = "all deliveries: no earlier validation recorded"
        return full
    seen = [
        tuple(r)
        for r in fetch(
            f"select feed, file, sha256, status, period from {SEEN_TABLE} where validated_feed = :f",
            f=feed,
        )
    ]
    if not seen:
        full.reason = "all deliveries: first validation of this feed with its inputs recorded"
        return full
    before = {(f, file, sha): (status, period) for f, file, sha, status, period in seen}
    after = {(f, file, sha): (status, period) for f, file, sha, status, period in now}
    changed: dict[str, set[str | None]] = {}  # feed -> periods that gained or lost a delivery
    lost: set[str] = set()  # feeds with a delivery no longer loaded (a correction replaced it)
    for key, (status, period) in after.items():
        if status == "loaded" and before.get(key, (None,))[0] != "loaded":
            changed.setdefault(key[0], set()).add(period)
    for key, (status, period) in before.items():
        if status == "loaded" and after.get(key, (None,))[0] != "loaded":
            changed.setdefault(key[0], set()).add(period)
            lost.add(key[0])
    for other, ms in modes.items():
        if other not in changed:
            continue
        if "any" in ms:
            full.reason = f"all deliveries: {other} changed and a check reads it whole"
            return full
        if "grows" in ms and other in lost:
            full.reason = f"all deliveries: a correction replaced a delivery of {other}, which a check refers to"
            return full
    periods = set().union(*(changed.get(other, set()) for other, ms in modes.items() if "period" in ms))

    prior = {
        r[0]: dict(zip(PRIOR_COLUMNS, r, strict=True))
        for r in fetch(
            f"""select {", ".join("d." + c for c in PRIOR_COLUMNS)}
                from quality.delivery_quality d join raw.load_manifest m
                  on m.file = d.file and m.sha256 = d.sha256 and m.status = 'loaded'
                where d.feed = :f and d.status = 'loaded'""",
            f=feed,
        )
    }
    loaded = fetch(
        "select batch_id, period from raw.load_manifest where feed = :f and status = 'loaded'",
        f=feed,
    )
    validate, carried = [], {}
    for batch_id, period in loaded:
        p = prior.get(batch_id)
        if p is None or p["verdict"] != "pass" or p["suite_fingerprint"] != fingerprint or period in periods:
            validate.append(batch_id)
        else:
            carried[batch_id] = p
    n_new = sum(1 for b, _ in loaded if b not in prior or prior[b]["verdict"] not in ("pass", "warn", "fail"))
    parts = [f"{n_new} new"]
    if periods:
        parts.append(f"periods changed: {', '.join(sorted(p for p in periods if p))}")
    parts.append(f"{sum(1 for b, _ in loaded if b in prior and prior[b]['verdict'] in ('warn', 'fail'))} with findings")
    reason = f"{len(validate)} of {len(loaded)} deliveries ({'; '.join(parts)}); {len(carried)} keep their earlier pass"
    return Plan(feed, tuple(sorted(validate)), carried, reason, now)
