"""CLI: ``python -m synthetic --out DIR --seed N --scale S``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .generator import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m synthetic", description=__doc__)
    ap.add_argument("--out", type=Path, required=True, help="landing directory to create (must be empty)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0, help="1 ≈ 50,000 fee lines; fee lines grow linearly")
    ap.add_argument("--start", default="2025-01", help="first month YYYY-MM")
    ap.add_argument("--months", type=int, default=12, help="number of months (≥ 6)")
    ap.add_argument(
        "--truth",
        type=Path,
        default=None,
        help="ground truth CSV (default: <parent of out>/ground_truth.csv)",
    )
    ap.add_argument("--overwrite", action="store_true", help="replace the feed folders of an earlier run in --out")
    a = ap.parse_args(argv)
    try:
        generate(
            a.out,
            seed=a.seed,
            scale=a.scale,
            start=a.start,
            months=a.months,
            truth=a.truth,
            overwrite=a.overwrite,
        )
    except (ValueError, FileExistsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
