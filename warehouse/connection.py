"""Connections to the DuckDB warehouse file.

DuckDB allows one writer per file, and while it writes not even a read-only connection opens it:
``connect`` turns the lock error into ``WarehouseBusy`` (with an optional wait) and a file that is
not a database into ``NotAWarehouse``, both with a message saying what to do.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from warehouse.guards import WarehouseBusy, busy_message


class NotAWarehouse(RuntimeError):
    """The warehouse path names a file DuckDB cannot open as a database."""


def connect(
    warehouse: Path, memory_limit: str | None = None, threads: int | None = None, wait_seconds: float = 0
) -> duckdb.DuckDBPyConnection:
    """A writable connection; ``WarehouseBusy`` (after waiting up to ``wait_seconds``) if another
    process holds the file."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(warehouse))
            break
        except (duckdb.IOException, duckdb.InvalidInputException, duckdb.SerializationException) as e:
            if "lock" not in str(e).lower():
                raise NotAWarehouse(
                    f"{warehouse} cannot be opened as a DuckDB warehouse ({str(e).splitlines()[0]}); point "
                    "--warehouse / YIBAO_WAREHOUSE at a DuckDB file, or at a path that does not exist yet to "
                    "create one. Nothing was written."
                ) from None
            if time.monotonic() >= deadline:
                raise WarehouseBusy(busy_message(warehouse, str(e))) from None
            time.sleep(0.5)
    con.execute("set TimeZone = 'Asia/Shanghai'")
    if memory_limit:
        con.execute("set memory_limit = ?", [memory_limit])
    if threads:
        con.execute(f"set threads = {int(threads)}")
    return con


def connect_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection for readers that never write (reports, summaries, scoring)."""
    return duckdb.connect(str(warehouse), read_only=True)
