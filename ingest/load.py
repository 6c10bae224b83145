"""Command line: load a landing tree into the warehouse without Dagster.

python -m ingest.load [--landing DIR] [--warehouse FILE] [--feed NAME ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingest.loader import LoadAborted, Loader
from warehouse.connection import NotAWarehouse, connect
from warehouse.guards import NotEnoughDisk, WarehouseBusy
from warehouse.settings import settings


def main(argv: list[str] | None = None) -> int:
    cfg = settings()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--landing", type=Path, default=cfg.landing_dir)
    ap.add_argument("--warehouse", type=Path, default=cfg.warehouse)
    ap.add_argument("--feed", action="append", help="load only this feed (repeatable)")
    ap.add_argument(
        "--lake",
        type=Path,
        default=cfg.lake_dir,
        help="also keep every loaded batch as <lake>/<feed>/period=<YYYYMM>/<batch>.parquet "
        "(default: YIBAO_LAKE_DIR; unset, no lake)",
    )
    args = ap.parse_args(argv)
    if not args.landing.is_dir():
        print(f"landing directory {args.landing} does not exist", file=sys.stderr)
        return 2
    try:
        con = connect(args.warehouse, cfg.duckdb_memory_limit, cfg.duckdb_threads)
        try:
            report = Loader(con, args.landing, progress=print, lake=args.lake).load_all(args.feed)
        finally:
            con.close()
    except (WarehouseBusy, NotEnoughDisk, LoadAborted, NotAWarehouse) as e:
        print(f"load stopped: {e}", file=sys.stderr)
        return 2
    s = report.summary()
    print(
        f"loaded {s['files_loaded']} file(s) ({s['rows_loaded']:,} rows, {s['rows_quarantined']:,} quarantined), "
        f"refused {s['files_refused']}, duplicates {s['files_duplicate']}, unchanged {s['files_unchanged']}, "
        f"batches replaced {s['batches_replaced']} — warehouse {args.warehouse}"
        + (f", lake {args.lake}" if report.lake is not None else "")
        + " "
        "(see raw.load_manifest and raw.quarantine)"
    )

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
