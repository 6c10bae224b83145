"""One asset per feed of the data contract: landing files -> DuckDB ``raw.<feed>``."""

import dagster as dg

from ingest.loader import Loader
from ingest.manifest import LoadReport
from ingest.specs import FEEDS_LIST, FeedSpec
from orchestration.resources import WRITER_POOL, WarehouseResource


def load_metadata(report: LoadReport, table_rows: int | None) -> dict:
    s = report.summary()
    md: dict = {
        "files_loaded": s["files_loaded"],
        "files_refused": s["files_refused"],
        "files_duplicate": s["files_duplicate"],
        "files_unchanged": s["files_unchanged"],
        "batches_replaced": s["batches_replaced"],
        "rows_read": s["rows_read"],
        "rows_loaded": s["rows_loaded"],
        "rows_quarantined": s["rows_quarantined"],
    }
    if table_rows is not None:
        md["dagster/row_count"] = table_rows
    changed = [f for f in report.files if f.status != "unchanged"]
    if changed:
        lines = ["| file | status | loaded | quarantined | note |", "|---|---|---|---|---|"]
        for f in changed[:200]:
            note = (f.message or "").replace("|", "/").replace("\n", " ")
            lines.append(f"| {f.file} | {f.status} | {f.rows_loaded} | {f.rows_quarantined} | {note} |")
        if len(changed) > 200:
            lines.append(f"| … {len(changed) - 200} more (see raw.load_manifest) | | | | |")
        md["deliveries"] = dg.MetadataValue.md("\n".join(lines))
    return md


SENDERS = {
    "institution": "the institution's fixmedins_code",
    "centre": "the centre's 6-digit admdvs code",
}


def feed_description(feed: FeedSpec) -> str:
    """Where the feed's files are looked for, as a pattern without angle brackets: the UI renders
    descriptions as Markdown, where ``<landing>`` is an HTML tag and disappears."""
    pattern = f"{feed.name}/YYYYMM/SENDER_{feed.name}_YYYYMM[_SEQ].csv|.xlsx|.parquet"
    return (
        f"{feed.label_zh} ({feed.name}): {feed.description}\n\n"
        f"Looked for in the landing directory (`YIBAO_LANDING_DIR`, default `data/landing`) as `{pattern}`: "
        f"YYYYMM is the month the data belongs to, SENDER {SENDERS.get(feed.sender_kind, feed.sender_kind)}, "
        f"SEQ an optional sequence number (usually delivered as .{feed.usual_format}; DATA_CONTRACT.md). "
        "One batch per file; bad rows go to raw.quarantine with their reason."
    )


def build_feed_asset(feed: FeedSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", feed.name]),
        group_name=f"raw_{feed.group}",
        description=feed_description(feed),
        pool=WRITER_POOL,
        kinds={"duckdb"},
        tags={"feed_group": feed.group},
    )
    def _feed(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.writer() as con:
            report = Loader(
                con,
                warehouse.settings.landing_dir,
                run_id=context.run.run_id,
                progress=context.log.info,
                lake=warehouse.settings.lake_dir,
            ).load_all([feed.name])
            rows = con.execute(f'select count(*) from raw."{feed.name}"').fetchone()[0]
        for f in report.by_status("refused"):
            context.log.warning(f"refused {f.file}: {f.message}")
        return dg.MaterializeResult(metadata=load_metadata(report, rows))

    return _feed


@dg.asset(
    key=dg.AssetKey(["raw", "unrecognised_deliveries"]),
    group_name="raw_landing",
    description="Files in the landing directory that belong to no feed of the contract (unknown "
    "folder, wrong depth, unsupported type). Each is recorded as refused in raw.load_manifest with the "
    "reason, so nothing delivered disappears silently.",
    pool=WRITER_POOL,
    kinds={"duckdb"},
)
def unrecognised_deliveries(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.writer() as con:
        report = Loader(
            con, warehouse.settings.landing_dir, run_id=context.run.run_id, progress=context.log.info
        ).load_all(["_unknown"])
        n = con.execute("select count(*) from raw.load_manifest where feed is null").fetchone()[0]
    for f in report.by_status("refused"):
        context.log.warning(f"refused {f.file}: {f.message}")
    return dg.MaterializeResult(metadata={**load_metadata(report, None), "unrecognised_files_total": n})


feed_assets = [build_feed_asset(f) for f in FEEDS_LIST]
