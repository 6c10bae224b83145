"""The single Dagster entry point: ``dagster dev -m orchestration.definitions``."""

import dagster as dg

from orchestration.assets.dbt import warehouse_models
from orchestration.assets.exports import audience_exports
from orchestration.assets.feeds import feed_assets, unrecognised_deliveries
from orchestration.assets.quality import quality_gate
from orchestration.assets.reports import quarterly_reports, quarterly_reports_job, quarterly_reports_schedule
from orchestration.audit import audit_failed_runs, audit_successful_runs
from orchestration.resources import WarehouseResource, dbt_resource
from orchestration.sensors import build_landing_sensor

materialize_all = dg.define_asset_job(
    "materialize_all",
    # everything but the quarter-partitioned reports, which `make run` renders for every quarter after the
    # job (orchestration/run.py) and the quarterly schedule renders when a quarter closes
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(quarterly_reports),
    description="Load every delivery, gate it, then build staging, core marts, rule views, clues and exports.",
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=[*feed_assets, unrecognised_deliveries, warehouse_models, audience_exports, quarterly_reports],
    asset_checks=[quality_gate],
    jobs=[materialize_all, quarterly_reports_job],
    schedules=[quarterly_reports_schedule],
    sensors=[build_landing_sensor(materialize_all), audit_successful_runs, audit_failed_runs],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
)
