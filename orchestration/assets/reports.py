"""The quarterly 通报: an Excel workbook and a self-contained HTML page per quarter, rendered from the
reporting marts (dbt_project/models/marts/reporting) into YIBAO_OUTPUT_DIR/reports/<YYYYQn>/.

* ``quarterly_reports`` — asset ``["reports", "quarterly"]``, partitioned by calendar quarter (partition
  key = the quarter's first day, rendered as YYYYQn), run by ``quarterly_reports_schedule``;
* ``make run`` runs ``quarterly_reports_job`` for every quarter present in the data after its main job
  (``orchestration/run.py``), so each quarter's partition shows as materialised.

Rendering itself is ``reporting.render_all``; the warehouse is opened read-only, so it never writes.
Column headers are the reporting marts' labels in the dbt manifest.
"""

import datetime as dt
from pathlib import Path

import dagster as dg

from orchestration.assets.dbt import warehouse_models
from orchestration.project import dbt_project
from orchestration.resources import WRITER_POOL, WarehouseResource

QUARTERLY = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *", start="2024-01-01", fmt="%Y-%m-%d", timezone="Asia/Shanghai"
)

REPORTING_DEPS = [k for k in warehouse_models.keys if k.path[-1].startswith("rpt_")] or list(warehouse_models.keys)


def quarter_label(partition_key: str) -> str:
    """'2025-04-01' → '2025Q2'."""
    d = dt.date.fromisoformat(partition_key)
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def partition_key(quarter: str) -> str:
    """'2025Q2' → '2025-04-01', the partition of QUARTERLY that renders the quarter."""
    year, n = int(quarter[:4]), int(quarter[-1])
    return f"{year}-{(n - 1) * 3 + 1:02d}-01"


def reports_root(output_dir: Path) -> Path:
    """Where every quarter's folder goes: <output_dir>/reports/<YYYYQn>/."""
    return Path(output_dir) / "reports"


@dg.asset(
    key=dg.AssetKey(["reports", "quarterly"]),
    group_name="reports",
    deps=REPORTING_DEPS,
    partitions_def=QUARTERLY,
    pool=WRITER_POOL,
    kinds={"duckdb", "excel", "html"},
    description="季度通报: `YIBAO_OUTPUT_DIR/reports/YYYYQn/` — an Excel workbook (汇总, 分县区, 分机构类别, "
    "分规则, 疑点机构前十, 线索处置, 重点药品耗材, 数据质量, with native charts) and a self-contained HTML page "
    "(inline SVG charts, no network). Rendered from the reporting marts; the warehouse is opened read-only.",
)
def quarterly_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from reporting import render_all
    from reporting.data import quarters
    from warehouse.settings import report_issuer

    quarter = quarter_label(context.partition_key)
    with warehouse.reader() as con:
        if quarter not in quarters(con):
            context.log.warning(f"{quarter}: no data in reporting.rpt_quarters — nothing rendered")
            return dg.MaterializeResult(metadata={"quarter": quarter, "rendered": False})
        xlsx, page = render_all(con, reports_root(warehouse.settings.output_dir), dbt_project.manifest_path, [quarter])[
            quarter
        ]
    return dg.MaterializeResult(
        metadata={
            "quarter": quarter,
            "rendered": True,
            "issuer": report_issuer(),
            "workbook_path": dg.MetadataValue.path(str(xlsx)),
            "html_path": dg.MetadataValue.path(str(page)),
        }
    )


quarterly_reports_job = dg.define_asset_job(
    "quarterly_reports_job",
    selection=dg.AssetSelection.assets(quarterly_reports),
    partitions_def=QUARTERLY,
    description="Render the quarter's 通报 (workbook + HTML) from the reporting marts.",
)

# runs when a quarter closes (00:00 Asia/Shanghai on 1 Jan/Apr/Jul/Oct) for the quarter just ended
quarterly_reports_schedule = dg.build_schedule_from_partitioned_job(quarterly_reports_job)
