"""The lake: every accepted batch also kept as a Parquet file, for an engine that reads files (Spark).

Off unless ``YIBAO_LAKE_DIR`` names a directory. Then the loader keeps, beside the warehouse,

    <lake>/<feed>/period=<YYYYMM>/<batch_id>.parquet

one file per batch the manifest holds as ``loaded`` — the rows of ``raw.<feed>`` with that ``_batch_id``,
every column including the lineage (``_file``, ``_line``, ``_period`` …), in the order of the file.
The warehouse stays the record: the manifest is unchanged, and the lake follows it.

* **Atomic per batch.** A batch is written to a hidden file beside its place (``.<batch_id>.parquet.<pid>.tmp``:
  Spark, Hive and ``*.parquet`` globs skip it), flushed to disk, then renamed into place. A reader sees the
  whole file or none; a crash mid-write leaves only the hidden file, which the next run removes.
* **Corrections replace their batch.** A correction's new batch is written, then the file of the batch it
  replaced is removed; a withdrawn correction swaps them back. Whatever the manifest no longer holds as
  ``loaded`` leaves the lake.
* **Self-healing.** The lake is brought in line with the manifest after every load (``sync``): a batch
  committed to the warehouse but not yet written (the process stopped in between) is written on the next
  run, and a lake switched on for an existing warehouse is filled with everything loaded so far.

Files are written only after the warehouse has committed their rows, so the lake never holds a batch the
warehouse does not.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

BATCH_FILE = re.compile(r"^[0-9a-f]{16}\.parquet$")
TEMP_FILE = re.compile(r"^\.[0-9a-f]{16}\.parquet\.\d+\.tmp$")


def batch_path(lake: Path, feed: str, period: str, batch_id: str) -> Path:
    return lake / feed / f"period={period}" / f"{batch_id}.parquet"


@dataclass
class LakeSync:
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    temp_removed: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.written)} batch file(s) written", f"{len(self.removed)} removed"]
        if self.temp_removed:
            parts.append(f"{len(self.temp_removed)} unfinished write(s) of an earlier run cleared")
        return ", ".join(parts)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_batch(con, feed: str, batch_id: str, tmp: Path) -> None:
    """Write the batch's rows to ``tmp`` (DuckDB's Parquet writer, zstd)."""
    path = str(tmp).replace("'", "''")
    con.execute(
        f"copy (select * from raw.\"{feed}\" where _batch_id = '{batch_id}' order by _line) "
        f"to '{path}' (format parquet, compression zstd)"
    )


def write_batch(con, lake: Path, feed: str, period: str, batch_id: str) -> Path:
    """Write one batch atomically: hidden temporary file, flushed, renamed into place."""
    if not re.fullmatch(r"[0-9a-f]{16}", batch_id) or not re.fullmatch(r"\d{6}", period or ""):
        raise ValueError(f"not a batch of the lake: feed {feed}, period {period!r}, batch {batch_id!r}")
    final = batch_path(lake, feed, period, batch_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{batch_id}.parquet.{os.getpid()}.tmp"
    try:
        _copy_batch(con, feed, batch_id, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(final.parent)
    return final


def sync(
    con, lake: Path, feeds: Iterable[str] | None = None, progress: Callable[[str], None] | None = None
) -> LakeSync:
    """Bring ``lake`` in line with the manifest for ``feeds`` (all when None): write every loaded batch
    without its file, then remove batch files the manifest no longer holds as loaded and unfinished writes."""
    say = progress or (lambda msg: None)
    wanted = set(feeds) if feeds is not None else None
    rows = con.execute(
        "select feed, period, batch_id from raw.load_manifest "
        "where status = 'loaded' and batch_id is not null and feed is not null"
    ).fetchall()
    expected = {
        batch_path(lake, feed, period, batch_id): (feed, period, batch_id)
        for feed, period, batch_id in rows
        if wanted is None or feed in wanted
    }
    out = LakeSync()
    present: set[Path] = set()
    feed_dirs = [lake / f for f in sorted(wanted)] if wanted is not None else sorted(p for p in lake.glob("*"))
    for feed_dir in feed_dirs:
        for part in sorted(feed_dir.glob("period=*")) if feed_dir.is_dir() else ():
            for p in part.iterdir():
                if BATCH_FILE.match(p.name):
                    present.add(p)
                elif TEMP_FILE.match(p.name):
                    p.unlink(missing_ok=True)
                    out.temp_removed.append(p)
    missing = [p for p in sorted(expected) if p not in present]
    for i, p in enumerate(missing, 1):
        feed, period, batch_id = expected[p]
        write_batch(con, lake, feed, period, batch_id)
        out.written.append(p)
        if i % 200 == 0 or i == len(missing):
            say(f"lake: {i:,}/{len(missing):,} batch file(s) written")
    for p in sorted(present - set(expected)):
        p.unlink()
        out.removed.append(p)
        with contextlib.suppress(OSError):
            p.parent.rmdir()  # a period left empty by a correction
    if out.written or out.removed or out.temp_removed:
        say(f"lake {lake}: {out.summary()}")
    return out
