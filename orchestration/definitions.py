"""The single Dagster entry point: ``dagster dev -m orchestration.definitions``."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import dbt_resource, warehouse_models
from orchestration.assets.feeds import feed_assets, unrecognised_deliveries
from orchestration.assets.quality import quality_gate

materialize_all = dg.define_asset_job(
    "materialize_all",
    selection=dg.AssetSelection.all(),
    description="Load every delivery, then build staging, core marts, rule views and clues.",
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=[*feed_assets, unrecognised_deliveries, warehouse_models],
    asset_checks=[quality_gate],
    jobs=[materialize_all],
    resources={"dbt": dbt_resource()},
)
