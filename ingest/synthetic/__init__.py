"""Synthetic landing tree for the fictional 统筹区 云澜市 (centre admdvs 990100) — every feed, every format.

    python -m ingest.synthetic --out DIR --seed N --scale S [--start 2025-01 --months 12] [--truth PATH]

See ``generator.generate`` for the Python entry point.
"""

from .generator import Summary, generate

__all__ = ["Summary", "generate"]
