"""Exports for each audience, written on every run after the warehouse is built."""

import dagster as dg

from exports.writer import write_exports
from orchestration.assets.dbt import warehouse_models
from orchestration.project import dbt_project
from orchestration.resources import WRITER_POOL, WarehouseResource


def _listed(withheld: dict[str, list[tuple[str, str]]]) -> str:
    """Markdown list of the columns an export left out and why, per relation."""
    return (
        "\n".join(f"* {rel}: " + ", ".join(f"{c} ({why})" for c, why in cols) for rel, cols in sorted(withheld.items()))
        or "none"
    )


@dg.asset(
    key=dg.AssetKey(["exports", "audiences"]),
    group_name="exports",
    deps=list(warehouse_models.keys),
    pool=WRITER_POOL,
    kinds={"duckdb", "parquet"},
    description="YIBAO_OUTPUT_DIR/bi (BI: marts with the documented, non-personal columns only — persons as "
    "psn_key — as a read-only DuckDB copy with descriptions, readable by DuckDB 1.x, + Parquet) and "
    "YIBAO_OUTPUT_DIR/supervisor (person-level hits with evidence and clues).",
)
def audience_exports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.writer() as con:
        res = write_exports(con, warehouse.settings.output_dir, dbt_project.manifest_path)
    if res.undocumented:
        context.log.warning(
            "columns withheld from BI because the dbt docs do not describe them: "
            + "; ".join(f"{rel}: {', '.join(cols)}" for rel, cols in sorted(res.undocumented.items()))
        )
    return dg.MaterializeResult(
        metadata={
            "export_bi_path": dg.MetadataValue.path(str(res.bi_dir)),
            "export_supervisor_path": dg.MetadataValue.path(str(res.supervisor_dir)),
            "bi_relations": len(res.bi_relations),
            "supervisor_relations": len(res.supervisor_relations),
            "columns_withheld_from_bi": dg.MetadataValue.md(_listed(res.bi_withheld)),
            # raw identifiers never reach a supervisor view; "none" is the expected value
            "columns_withheld_from_supervisors": dg.MetadataValue.md(_listed(res.supervisor_withheld)),
            "undocumented_columns_withheld": sum(len(c) for c in res.undocumented.values()),
        }
    )
