"""dbt models, seeds and tests as Dagster assets; keys and groups derived from dbt metadata."""

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.lineage import blocked_by, failed_batches, load_manifest, record_blocked
from orchestration.project import dbt_project
from orchestration.resources import WRITER_POOL, WarehouseResource
from warehouse.settings import PRODUCTION_BUILD_ARGS, settings


class YibaoTranslator(DagsterDbtTranslator):
    """Asset keys mirror warehouse relations: ``[schema, name]``; sources map to ``[raw, feed]``."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        meta = dbt_resource_props.get("meta") or {}
        explicit = (meta.get("dagster") or {}).get("asset_key")
        if explicit:
            return dg.AssetKey(explicit)
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return dg.AssetKey([schema, dbt_resource_props["alias"] or dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "knowledge_base"
        fqn = dbt_resource_props.get("fqn", [])
        # fqn = [project, layer, (area), ..., name]; marts are grouped by area (core, supervision…)
        if len(fqn) >= 3 and fqn[1] == "marts":
            return fqn[2]
        return fqn[1] if len(fqn) >= 3 else "dbt"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=YibaoTranslator(),
    pool=WRITER_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Build the selected dbt nodes (seeds, models and data tests) in the warehouse.

    Unit tests are left to `make test` / CI: they check the SQL on fixed inputs, so a monthly run
    would repeat the same result on every delivery (dbt's own advice: run them in development and
    CI, not in production) — about 6 s a run.

    Blocking by lineage (orchestration/lineage.py): a feed with a delivery that failed a critical
    expectation keeps what reads it out of the build — its staging, facts, rule views and their
    tests stay as last built; every other model is built and every other rule screened.
    fct_rule_hits keeps the blocked rules' hits from their last evaluation, and
    quality.rules_not_evaluated names them with the failing deliveries.
    """
    os.environ.update(settings().export_env())  # absolute paths for the dbt subprocess
    with warehouse.writer() as con:
        blocked = blocked_by(load_manifest(dbt_project.manifest_path), failed_batches(con))
        record_blocked(con, blocked, context.run.run_id)
    args = ["build", *PRODUCTION_BUILD_ARGS]
    if blocked:
        for line in blocked.describe():
            context.log.warning(f"quality gate: {line}")
        args += [*blocked.exclude_args(), "--vars", json.dumps(blocked.vars_arg())]
    yield from dbt.cli(args, context=context).stream()
    prune_run_targets(Path(dbt_project.project_dir) / "target")


def prune_run_targets(target: Path, keep: int = 10) -> None:
    """dagster-dbt writes one target/<asset>-<run>-… folder per run; keep the newest few, not all."""
    runs = sorted((p for p in target.glob("warehouse_models-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in runs[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
