"""Command line: run the quality gate without Dagster.

    python -m expectations [--warehouse FILE] [--output DIR] [--feed NAME ...] [--batch ID ...]
                           [--all] [--no-table]

Validates the raw feeds read-only, rebuilds the Data Docs under <output>/quality/, then writes
quality.delivery_quality (skip with --no-table). Exit status 1 when a critical check failed.
Each feed validates what may have changed since its recorded verdicts (expectations/scope.py);
--all validates every loaded delivery (e.g. after raw rows were changed outside the loader).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    from warehouse.settings import settings

    cfg = settings()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", type=Path, default=cfg.warehouse)
    ap.add_argument("--output", type=Path, default=cfg.output_dir)
    ap.add_argument("--feed", action="append", help="validate only this feed (repeatable)")
    ap.add_argument("--batch", action="append", help="validate only this batch id (repeatable)")
    ap.add_argument("--all", action="store_true", help="validate every loaded delivery, not only what changed")
    ap.add_argument("--no-table", action="store_true", help="do not write quality.delivery_quality")
    args = ap.parse_args(argv)

    from expectations.quality import write_delivery_quality_file
    from expectations.runner import run_gate

    result = run_gate(
        args.warehouse,
        args.output,
        feeds=args.feed,
        batch_ids=args.batch,
        memory_limit=cfg.duckdb_memory_limit,
        threads=cfg.duckdb_threads,
        incremental=not args.all,
    )
    for fr in result.feeds.values():
        if fr.scope_note:
            print(f"{fr.feed}: {fr.scope_note}")
        for msg in fr.messages():
            print(msg)
    if not args.no_table:
        n = write_delivery_quality_file(args.warehouse, result)
        print(f"quality.delivery_quality: {n} validated deliveries written")
    print(result.summary())
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
