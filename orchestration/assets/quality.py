"""The quality gate as Dagster asset checks: per feed a critical, a warning and a recorded check.

A critical failure is an ERROR-severity check failure on the feed, and it blocks by lineage: the
dbt build leaves out exactly what reads the failing feed (orchestration/lineage.py) and screens
everything else; the rules left out keep their last hits and are named in
``quality.rules_not_evaluated``, the run summary and the 通报's data-quality sheet. The bad batch
stays in ``raw`` and keeps failing the gate on every run until a correction replaces it.

``quality_recorded`` is the blocking check: it passes once the gate's verdicts for the feed are in
``quality.delivery_quality``, so the dbt build (which reads them) always runs after the gate, and
nothing downstream runs when the gate itself could not run.
"""

import dagster as dg

from ingest.specs import FEEDS_LIST
from orchestration.resources import WRITER_POOL, WarehouseResource

CRITICAL_CHECK = "quality_critical"
WARNING_CHECK = "quality_warnings"
RECORDED_CHECK = "quality_recorded"


def _metadata(md: dict) -> dict:
    out = {}
    for k, v in md.items():
        if k.endswith("_md"):
            out[k] = dg.MetadataValue.md(v)
        elif k.endswith("_path") and v:
            out[k] = dg.MetadataValue.path(str(v))
        else:
            out[k] = v
    return out


@dg.multi_asset_check(
    specs=[
        spec
        for f in FEEDS_LIST
        for spec in (
            dg.AssetCheckSpec(
                CRITICAL_CHECK,
                asset=dg.AssetKey(["raw", f.name]),
                description="Great Expectations critical expectations (schema, formats, "
                "arithmetic, keys): a failure keeps every model and rule that reads this "
                "feed out of the build (blocking by lineage); the rest is built.",
            ),
            dg.AssetCheckSpec(
                WARNING_CHECK,
                asset=dg.AssetKey(["raw", f.name]),
                description="Great Expectations warnings (code values, references, "
                "volume, plausibility): reported, never blocking.",
            ),
            dg.AssetCheckSpec(
                RECORDED_CHECK,
                asset=dg.AssetKey(["raw", f.name]),
                blocking=True,
                description="The gate's verdicts for this feed are recorded in "
                "quality.delivery_quality, which the dbt build reads to decide what to leave "
                "out; fails only when the gate could not run.",
            ),
        )
    ],
    can_subset=True,
    pool=WRITER_POOL,
)
def quality_gate(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    # imported here: Great Expectations takes seconds to import, and loading definitions should not
    from expectations.quality import write_delivery_quality
    from expectations.runner import run_gate

    cfg = warehouse.settings
    feeds = sorted({k.asset_key.path[1] for k in context.selected_asset_check_keys})
    result = run_gate(
        cfg.warehouse,
        cfg.output_dir,
        feeds=feeds,
        run_id=context.run.run_id,
        memory_limit=cfg.duckdb_memory_limit,
        threads=cfg.duckdb_threads,
    )
    with warehouse.writer() as con:
        write_delivery_quality(con, result)
    context.log.info(result.summary())
    selected = set(context.selected_asset_check_keys)
    for name, fr in result.feeds.items():
        key = dg.AssetKey(["raw", name])
        md = _metadata(fr.check_metadata(result.site_root))
        for msg in fr.messages("critical"):
            context.log.error(msg)
        if dg.AssetCheckKey(key, CRITICAL_CHECK) in selected:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=CRITICAL_CHECK,
                passed=fr.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata=md,
            )
        if dg.AssetCheckKey(key, RECORDED_CHECK) in selected:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=RECORDED_CHECK,
                passed=True,
                metadata={"verdicts_in": "quality.delivery_quality"},
            )
        if dg.AssetCheckKey(key, WARNING_CHECK) in selected:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=WARNING_CHECK,
                passed=fr.warning_failed == 0,
                severity=dg.AssetCheckSeverity.WARN,
                metadata=md,
            )
