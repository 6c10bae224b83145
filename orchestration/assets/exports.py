"""Exports for each audience, written on every run after the warehouse is built."""

import dagster as dg

from exports.writer import write_exports
from ingest.config import settings
from ingest.loader import connect
from orchestration.assets.dbt import warehouse_models
from orchestration.assets.feeds import WRITER_POOL


@dg.asset(
    key=dg.AssetKey(["exports", "audiences"]),
    group_name="exports",
    deps=list(warehouse_models.keys),
    pool=WRITER_POOL,
    kinds={"duckdb", "parquet"},
    description="YIBAO_OUTPUT_DIR/bi (BI: marts without raw identifiers, psn_no or evidence; a read-only "
    "DuckDB copy + Parquet) and YIBAO_OUTPUT_DIR/supervisor (person-level hits with evidence and clues).",
)
def audience_exports(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    cfg = settings()
    con = connect(cfg.warehouse, cfg.duckdb_memory_limit, cfg.duckdb_threads)
    try:
        res = write_exports(con, cfg.output_dir)
    finally:
        con.close()
    dropped = "\n".join(f"* {rel}: {', '.join(cols)}" for rel, cols in sorted(res.dropped_columns.items()))
    return dg.MaterializeResult(metadata={
        "export_bi_path": dg.MetadataValue.path(str(res.bi_dir)),
        "export_supervisor_path": dg.MetadataValue.path(str(res.supervisor_dir)),
        "bi_relations": len(res.bi_relations),
        "supervisor_relations": len(res.supervisor_relations),
        "columns_withheld_from_bi": dg.MetadataValue.md(dropped or "none"),
    })
