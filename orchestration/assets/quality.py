"""The quality gate as Dagster asset checks: one critical (blocking) and one warning check per feed.

A failed critical check stops every downstream asset in the run — dbt builds staging, marts and
rule views as one multi-asset, so screening never runs on a feed that failed. The bad batch stays
in ``raw`` and keeps failing the gate on every run until a correction replaces it.
"""

import dagster as dg

from ingest.specs import FEEDS_LIST
from orchestration.resources import WRITER_POOL, WarehouseResource

CRITICAL_CHECK = "quality_critical"
WARNING_CHECK = "quality_warnings"


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
            dg.AssetCheckSpec(CRITICAL_CHECK, asset=dg.AssetKey(["raw", f.name]), blocking=True,
                              description="Great Expectations critical expectations (schema, formats, "
                              "arithmetic, keys): a failure blocks everything downstream."),
            dg.AssetCheckSpec(WARNING_CHECK, asset=dg.AssetKey(["raw", f.name]),
                              description="Great Expectations warnings (code values, references, "
                              "volume, plausibility): reported, never blocking."),
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
    result = run_gate(cfg.warehouse, cfg.output_dir, feeds=feeds, run_id=context.run.run_id,
                      memory_limit=cfg.duckdb_memory_limit, threads=cfg.duckdb_threads)
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
            yield dg.AssetCheckResult(asset_key=key, check_name=CRITICAL_CHECK, passed=fr.passed,
                                      severity=dg.AssetCheckSeverity.ERROR, metadata=md)
        if dg.AssetCheckKey(key, WARNING_CHECK) in selected:
            yield dg.AssetCheckResult(asset_key=key, check_name=WARNING_CHECK, passed=fr.warning_failed == 0,
                                      severity=dg.AssetCheckSeverity.WARN, metadata=md)
