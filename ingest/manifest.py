"""The raw schema the loader writes: ``raw.load_manifest`` (one row per delivered file and what
became of it), ``raw.quarantine`` (rows that could not be loaded, with reasons and original values),
one ``raw.<feed>`` table per feed, and the report a load returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from ingest.specs import FEEDS, FeedSpec, raw_table_ddl

MANIFEST_DDL = """
create table if not exists raw.load_manifest (
    file varchar not null,            -- path relative to the landing root
    sha256 varchar not null,
    size_bytes bigint,
    feed varchar,
    sender varchar,
    period varchar,
    seq varchar,
    format varchar,
    encoding varchar,
    status varchar not null,          -- loaded | refused | duplicate | replaced
    batch_id varchar,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    columns_mapped varchar,           -- JSON: delivered header -> field code
    extra_columns varchar,            -- JSON list of delivered columns kept in _extra
    message varchar,                  -- why refused / what was replaced / duplicate of what
    error_line bigint,
    error_column varchar,
    replaces_batch_id varchar,
    replaced_by_batch_id varchar,
    run_id varchar,
    loaded_at timestamp,
    primary key (file, sha256)
)
"""

QUARANTINE_DDL = """
create table if not exists raw.quarantine (
    feed varchar not null,
    file varchar not null,
    sha256 varchar not null,
    batch_id varchar not null,
    line bigint,
    reasons varchar not null,         -- reason(column) codes joined by '; '
    original varchar,                 -- JSON: delivered header -> original string value
    run_id varchar,
    loaded_at timestamp
)
"""


@dataclass
class FileResult:
    file: str
    feed: str | None
    status: str  # loaded | refused | duplicate | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    batch_id: str | None = None
    replaced_batch_id: str | None = None
    message: str = ""
    extra_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class LoadReport:
    run_id: str
    files: list[FileResult] = field(default_factory=list)
    lake: object | None = None  # ingest.lake.LakeSync when a lake is configured

    def by_status(self, status: str) -> list[FileResult]:
        return [f for f in self.files if f.status == status]

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    def summary(self) -> dict:
        return {
            "files_seen": len(self.files),
            "files_loaded": len(self.by_status("loaded")),
            "files_refused": len(self.by_status("refused")),
            "files_duplicate": len(self.by_status("duplicate")),
            "files_unchanged": len(self.by_status("unchanged")),
            "batches_replaced": sum(1 for f in self.files if f.replaced_batch_id),
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
        }

    def as_dicts(self) -> list[dict]:
        return [asdict(f) for f in self.files]


def ensure_schema(con, feeds: Iterable[FeedSpec] = FEEDS.values()) -> None:
    """Create ``raw`` and every raw table (and columns a newer spec added)."""
    con.execute("create schema if not exists raw")
    con.execute(MANIFEST_DDL)
    con.execute(QUARANTINE_DDL)
    for feed in feeds:
        con.execute(raw_table_ddl(feed))
        have = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
                [feed.name],
            ).fetchall()
        }
        for f in feed.fields:
            if f.code not in have:
                con.execute(f'alter table raw."{feed.name}" add column "{f.code}" {f.sql_type}')
