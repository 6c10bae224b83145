"""Operational guards: one writer at a time, enough disk before loading, clear errors.

DuckDB allows one writer per file — and while it writes, not even read-only connections can open
the file (readers use the exported copies under ``YIBAO_OUTPUT_DIR/bi``). Inside Dagster every
writing asset is in the pool ``duckdb_writer``; across processes (two ``make run`` at once, a
``make run`` beside ``dagster dev``) a lock file beside the warehouse makes the second run stop with
a clear message — or wait, with ``YIBAO_WAIT_FOR_LOCK=1``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse."""


class NotEnoughDisk(RuntimeError):
    """Free disk space is below what a load needs."""


def busy_message(warehouse: Path, detail: str = "") -> str:
    pid = re.search(r"PID (\d+)", detail)
    who = f" (held by PID {pid.group(1)})" if pid else ""
    return (
        f"the warehouse {warehouse} is in use by another run{who}: wait for it to finish and run again, "
        "or set YIBAO_WAIT_FOR_LOCK=1 to queue behind it. Nothing was written by this run."
    )


@contextlib.contextmanager
def run_lock(warehouse: Path, wait: bool | None = None, poll_seconds: float = 2.0, on_wait=None) -> Iterator[None]:
    """Exclusive lock for one pipeline run against ``warehouse`` (``<warehouse>.lock``)."""
    if wait is None:
        wait = os.environ.get("YIBAO_WAIT_FOR_LOCK", "") not in ("", "0", "false", "False")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    fh = open(lock_path, "a+")  # noqa: SIM115 - held for the duration of the run
    try:
        announced = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip()
                if not wait:
                    raise WarehouseBusy(busy_message(warehouse, f"PID {holder}" if holder else "")) from None
                if not announced and on_wait:
                    on_wait(f"waiting for the run holding {lock_path} (PID {holder or '?'}) to finish …")
                    announced = True
                time.sleep(poll_seconds)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def check_free_disk(target_dir: Path, need_bytes: int, what: str) -> None:
    """Refuse to start a load that would fill the disk (a half-written warehouse helps nobody)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target_dir).free
    if free < need_bytes:
        raise NotEnoughDisk(
            f"only {free / 2**30:.2f} GiB free on the disk of {target_dir}; {what} needs about "
            f"{need_bytes / 2**30:.2f} GiB. Free some space or point YIBAO_WAREHOUSE at a larger disk. "
            "Nothing was loaded."
        )
