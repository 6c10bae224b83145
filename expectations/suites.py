"""The suites: one per raw feed = spec-derived checks + the feed group's own checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from zoneinfo import ZoneInfo

from expectations import generate
from expectations.checks import Check, SuiteParams
from expectations.groups import MODULES
from ingest.specs import FEEDS

TZ = ZoneInfo("Asia/Shanghai")
FINGERPRINT_DAY = dt.date(2000, 1, 1)  # the date the fingerprint's checks are built for


def today() -> dt.date:
    return dt.datetime.now(TZ).date()


def checks_for(feed: str, params: SuiteParams | None = None) -> list[Check]:
    """Every check of ``feed``, spec-derived first, in a stable order."""
    spec = FEEDS[feed]
    params = params or SuiteParams(today=today())
    group = MODULES[spec.group]
    out = generate.spec_checks(spec, params, group.PERIOD_WINDOWS.get(feed))
    out += group.checks(spec, params)
    seen: set[str] = set()
    for c in out:
        if c.id in seen:
            raise ValueError(f"duplicate check id {c.id}")
        if c.feed != feed:
            raise ValueError(f"check {c.id} belongs to {c.feed}, not {feed}")
        seen.add(c.id)
    return out


def suite_name(feed: str) -> str:
    return f"raw.{feed}"


def suite_fingerprint(feed: str) -> str:
    """A short hash of what the suite of ``feed`` checks (ids, severities, parameters, what each reads),
    for the quality table. It does not depend on the run: the checks are built for a fixed date and
    every batch, so a delivery validated under the same checks keeps its verdict (expectations.scope)."""
    checks = checks_for(feed, SuiteParams(today=FINGERPRINT_DAY))
    doc = [
        [c.id, c.severity, c.gx_type, json.dumps(c.gx_kwargs, sort_keys=True, default=str), sorted(c.reads)]
        for c in checks
    ]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()[:12]


def build_suite(feed: str, checks: list[Check]):
    """The GX ExpectationSuite of ``feed`` (severity in each expectation's meta)."""
    import great_expectations as gx

    return gx.ExpectationSuite(
        name=suite_name(feed),
        expectations=[c.expectation() for c in checks],
        meta={
            "feed": feed,
            "fingerprint": suite_fingerprint(feed),
        },
    )
