"""dbt models, seeds and tests as Dagster assets; keys and groups derived from dbt metadata."""


import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.project import dbt_project
from orchestration.resources import WRITER_POOL
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
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Build the selected dbt nodes (seeds, models and data tests) in the warehouse.

    Unit tests are left to `make test` / CI: they check the SQL on fixed inputs, so a monthly run
    would repeat the same result on every delivery (dbt's own advice: run them in development and
    CI, not in production) — about 6 s a run.
    """
    os.environ.update(settings().export_env())  # absolute paths for the dbt subprocess
    yield from dbt.cli(["build", *PRODUCTION_BUILD_ARGS], context=context).stream()
    prune_run_targets(Path(dbt_project.project_dir) / "target")


def prune_run_targets(target: Path, keep: int = 10) -> None:
    """dagster-dbt writes one target/<asset>-<run>-… folder per run; keep the newest few, not all."""
    runs = sorted((p for p in target.glob("warehouse_models-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in runs[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
