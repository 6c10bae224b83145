"""Helpers several test modules share: hand-made landing files, loading them, reading the result,
raw rows written the way the loader writes them, and dbt run in process."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from ingest.loader import Loader, LoadReport
from ingest.specs import FEEDS, FEEDS_LIST, LINEAGE_COLUMNS, raw_table_ddl
from warehouse.connection import connect

PSN_HEADER = "psn_no,certno,psn_name,gend,brdy,insu_admdvs"
# valid 18-digit IDs (check digits computed by ISO 7064 MOD 11-2)
ID_A = "11010519491231002X"
ID_B = "110101199003070011"


# ----------------------------------------------------------------------------- landing and loading


def write(root: Path, rel: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    """A file at ``root/rel`` with these bytes (text is encoded with ``encoding``)."""
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return p


def load(root: Path, db: Path, feeds=None, run_id: str | None = None) -> LoadReport:
    """Load the landing tree ``root`` into the warehouse file ``db`` with the real loader."""
    con = connect(db)
    try:
        return Loader(con, root, run_id=run_id).load_all(feeds)
    finally:
        con.close()


def query(db: Path, sql: str, params=None) -> list[tuple]:
    """All rows of ``sql`` on a read-only connection to ``db``."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# ----------------------------------------------------------------------------- raw rows for dbt


def create_raw(warehouse: Path) -> None:
    """The raw schema with every feed's table, empty, from the feed registry."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists raw")
        for feed in FEEDS_LIST:
            con.execute(raw_table_ddl(feed))
    finally:
        con.close()


def insert_raw(
    con, feed_name: str, rows: list[dict], period: str, *, sender: str, loaded_at: str, seq: str = "", ext: str = "csv"
) -> None:
    """Hand-made rows into raw.<feed> the way the loader writes them, lineage columns included: one
    file ``<feed>/<period>/test_<feed>_<period><seq>.<ext>`` and one batch per call."""
    feed = FEEDS[feed_name]
    cols = [*feed.codes, *(name for name, _, _ in LINEAGE_COLUMNS)]
    file = f"{feed_name}/{period}/test_{feed_name}_{period}{seq}.{ext}"
    for i, row in enumerate(rows, start=2):
        unknown = set(row) - set(feed.codes)
        assert not unknown, (feed_name, unknown)
        values = {
            **row,
            "_extra": None,
            "_file": file,
            "_sha256": "0" * 64,
            "_batch_id": f"b-{feed_name}-{period}{seq}",
            "_line": i,
            "_sender": sender,
            "_period": period,
            "_seq": seq,
            "_loaded_at": loaded_at,
            "_run_id": "pytest",
        }
        quoted = ", ".join(f'"{c}"' for c in cols)
        con.execute(
            f'insert into raw."{feed_name}" ({quoted}) values ({", ".join("?" for _ in cols)})',
            [values.get(c) for c in cols],
        )


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def run_dbt(*args: str, target: Path, logs: Path, project: Path | str = "dbt_project"):
    """``dbt <args>`` in this process on dbt_project/ (run from the repository root, the warehouse
    named by YIBAO_WAREHOUSE) or on a copy of it, with its own target and log paths; asserts it
    succeeded and returns dbt's result. Node failures are listed in the assertion message."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    try:
        result = dbtRunner().invoke(
            [
                *args,
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
                "--target-path",
                str(target),
                "--log-path",
                str(logs),
            ]
        )
    finally:
        # dbt-duckdb keeps its database open in this process; release it for our own reads
        DuckDBConnectionManager.close_all_connections()
    failures = []
    if result.result is not None and hasattr(result.result, "results"):
        failures = [
            (r.node.unique_id, str(r.status), r.message)
            for r in result.result.results
            if str(r.status) not in ("success", "pass")
        ]
    assert result.success, (result.exception, failures)
    return result
