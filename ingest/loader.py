"""Load a landing tree into DuckDB ``raw.*``: one batch per delivered file, atomically.

Promises (shared/docs/RELIABILITY.md):

* every file gets a ``raw.load_manifest`` row (tables in ``ingest.manifest``, files found by
  ``ingest.landing``): loaded, refused (with the reason, line and
  column), duplicate (same bytes as a file already seen) or replaced (by a correction);
* for every loaded file: rows read = rows loaded + rows quarantined (``raw.quarantine`` keeps
  file, line, reasons and the original values);
* identical bytes are a no-op (a snapshot feed's bytes count per period: an unchanged monthly
  snapshot is that month's snapshot); a file for the same (sender, feed, period, seq) with different
  bytes is a correction and replaces the earlier batch in the same transaction;
* a crash leaves every file's batch fully present or fully absent: small files are committed in
  groups of consecutive files of one feed (``GROUP_FILES`` / ``GROUP_BYTES``; a commit per file cost
  more than loading a small one), a larger file in a transaction of its own, after the group before
  it is committed; a group that fails is rolled back whole and none of its files is in the manifest,
  so the next run loads them again. Progress says "loaded" only once a file is committed.

Nothing from a delivery (file names, headers, values) is ever pasted into SQL text: values go
through parameters, and staged columns get positional names (``c0``, ``c1`` …).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingest import normalise
from ingest.lake import sync as lake_sync
from ingest.landing import SLOT_CONFLICT, Delivery, discover, same_slot_refusals
from ingest.manifest import FileResult, LoadReport, ensure_schema
from ingest.readers import RefusedFile, Table, file_sha256, read_csv, read_xlsx, scan_file
from ingest.specs import FEEDS, FeedSpec, resolve_header
from warehouse.guards import check_free_disk
from warehouse.sql import ident

TZ = ZoneInfo("Asia/Shanghai")

# a transaction holds at most this many files / delivered bytes of one feed (module docstring)
GROUP_FILES = 64
GROUP_BYTES = 8 * 2**20


class LoadAborted(RuntimeError):
    """A load stopped for an operational reason (memory, disk); the warehouse is unchanged."""


@contextlib.contextmanager
def _literal_path(path: Path) -> Iterator[str]:
    """A path DuckDB reads as this one file: DuckDB expands ``*``, ``?``, ``[…]`` in file names as a
    glob (``x_[1].parquet`` would read ``x_1.parquet``), so such a path is read through a link with a
    plain name."""
    text = str(path.resolve())
    if not any(ch in text for ch in "*?[]{}"):
        yield text
        return
    with tempfile.TemporaryDirectory(prefix="yibao-read-") as tmp:
        link = Path(tmp) / "delivery.parquet"
        os.symlink(text, link)
        yield str(link)


def _refuse_numeric_codes(feed: FeedSpec, header: list[str], types: list, column_of: dict[str, str]) -> None:
    """A Parquet code column stored as numbers has lost its leading zeros (and beyond 15 digits, its
    last digits) in the sender's system: the right value cannot be recovered."""
    for code, col in column_of.items():
        f = feed.field_by_code[code]
        t = types[int(col[1:])]
        if (
            f.type in ("code", "certno")
            and not f.numeric_ok
            and (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t))
        ):
            raise RefusedFile(
                f"column '{header[int(col[1:])]}' ({code}) is stored as {t}: a code as a number loses its leading "
                "zeros; deliver codes as text (a string column) and re-deliver",
                column=header[int(col[1:])],
            )


def _bytes_key(feed: str, sha: str, period: str | None) -> tuple[str, str, str]:
    """What makes two deliveries of the same bytes the same delivery: feed and bytes, and for a snapshot
    feed also the period (each month's snapshot is that month's state, changed or not)."""
    spec = FEEDS.get(feed)
    return feed, sha, (period or "") if spec is not None and spec.snapshot else ""


def _extra_names(names: list[str], positions: list[int]) -> list[str]:
    """Keys of the extra columns in ``_extra``: a repeated (or empty) header gets its column number, so
    two extra columns never collapse into one key."""
    seen = {n for n in names if names.count(n) == 1 and n}
    out = []
    for name, pos in zip(names, positions, strict=True):
        out.append(name if name in seen else f"{name or 'column'} (column {pos + 1})")
    return out


# ------------------------------------------------------------------------------ loading


class Loader:
    """Loads deliveries into one DuckDB connection. Not thread-safe: DuckDB has one writer."""

    def __init__(
        self,
        con,
        landing_root: Path,
        run_id: str | None = None,
        progress: Callable[[str], None] | None = None,
        lake: Path | None = None,
    ):
        self.con = con
        self.root = landing_root
        self.lake = lake  # also keep each loaded batch as Parquet there (ingest/lake.py); None: no lake
        self.run_id = run_id or f"cli-{uuid.uuid4().hex[:12]}"
        self.progress = progress or (lambda msg: None)
        ensure_schema(con)
        normalise.install_macros(con)
        self._index_manifest()
        self._tx_feed: str | None = None  # feed of the open transaction (None: none open)
        self._tx_files = self._tx_bytes = 0
        self._tx_messages: list[str] = []  # progress lines of the open group, said once committed
        self._read_note: str | None = None  # how the staged file was read (xlsx: the sheet loaded)

    def _index_manifest(self) -> None:
        """What the manifest already knows, looked up per file without a query (one writer)."""
        rows = self.con.execute(
            "select file, sha256, status, rows_read, feed, sender, period, seq, batch_id, message "
            "from raw.load_manifest order by loaded_at, file"
        ).fetchall()
        self._seen: dict[tuple[str, str], str] = {}  # (file, sha) -> status
        self._seen_files: set[str] = set()
        # (feed, sha, period of a snapshot feed) -> first (file, status) holding rows: one workbook may be
        # delivered to two feeds (the clue sheet: 线索处置 and 疑点明细复核, each feed reading its own
        # sheet), so bytes repeat per feed; an unchanged snapshot restates the state as of its own period
        self._same_bytes: dict[tuple[str, str, str], tuple[str, str]] = {}
        # (feed, sender, period, seq) -> (batch, file, sha) of the batch in the warehouse
        self._slot_batch: dict[tuple, tuple[str, str, str]] = {}
        # refused only because another file held its slot: tried again once that file is gone
        self._slot_refused: set[tuple[str, str]] = set()
        # a snapshot of another month once taken for a duplicate (before bytes counted per period of a
        # snapshot feed): loaded as its month's snapshot when the loader meets it again
        self._stale_duplicates: set[tuple[str, str]] = set()
        duplicates = []
        for file, sha, status, rows_read, feed, sender, period, seq, batch_id, message in rows:
            if status == "duplicate":
                duplicates.append((file, sha, feed, period))
            self._seen[(file, sha)] = status
            if status == "refused" and SLOT_CONFLICT in (message or ""):
                self._slot_refused.add((file, sha))
            self._seen_files.add(file)
            if status in ("loaded", "replaced") and (rows_read or 0) > 0:
                self._same_bytes.setdefault(_bytes_key(feed, sha, period), (file, status))
            if status == "loaded":
                self._slot_batch[(feed, sender, period, seq)] = (batch_id, file, sha)
        for file, sha, feed, period in duplicates:
            if feed in FEEDS and FEEDS[feed].snapshot and _bytes_key(feed, sha, period) not in self._same_bytes:
                self._stale_duplicates.add((file, sha))
                del self._seen[(file, sha)]

    def _forget(self, rel: str, sha: str) -> None:
        """Drop a file's manifest row so that this delivery is handled afresh (and recorded anew)."""
        self.con.execute("delete from raw.load_manifest where file = ? and sha256 = ?", [rel, sha])
        self._seen.pop((rel, sha), None)

    # -- transactions spanning a group of files of one feed
    def _tx_begin(self, feed: str, size: int) -> None:
        if self._tx_feed is not None and (
            self._tx_feed != feed or self._tx_files >= GROUP_FILES or self._tx_bytes + size > GROUP_BYTES
        ):
            self._tx_commit()
        if self._tx_feed is None:
            self.con.execute("begin transaction")
            self._tx_feed, self._tx_files, self._tx_bytes = feed, 0, 0
        self._tx_files += 1
        self._tx_bytes += size

    def _tx_commit(self) -> None:
        if self._tx_feed is not None:
            self._tx_feed = None
            try:
                self.con.execute("commit")
            except BaseException:
                self._tx_messages.clear()
                self._index_manifest()  # nothing of the group was written
                raise
        for msg in self._tx_messages:
            self.progress(msg)
        self._tx_messages.clear()

    def _tx_rollback(self) -> None:
        self._tx_messages.clear()
        if self._tx_feed is not None:
            self._tx_feed = None
            self.con.execute("rollback")
            self._index_manifest()  # forget what the rolled-back files added

    def _say(self, msg: str) -> None:
        if self._tx_feed is None:
            self.progress(msg)
        else:
            self._tx_messages.append(msg)

    # -- manifest helpers
    def _now(self) -> dt.datetime:
        return dt.datetime.now(TZ).replace(tzinfo=None, microsecond=0)

    def _manifest_insert(self, d: Delivery, sha: str, size: int, status: str, again: bool = False, **kw) -> None:
        cols = {
            "file": d.rel,
            "sha256": sha,
            "size_bytes": size,
            "feed": d.feed.name if d.feed else None,
            "sender": d.sender,
            "period": d.period,
            "seq": d.seq,
            "format": d.fmt,
            "status": status,
            "run_id": self.run_id,
            "loaded_at": self._now(),
            **kw,
        }
        names = ", ".join(cols)
        marks = ", ".join("?" for _ in cols)
        # (file, sha256) is new here — load_file returns early for a pair the manifest holds — except
        # for bytes loaded again after a correction was withdrawn (``again``): their row is renewed
        if again:
            self.con.execute("delete from raw.load_manifest where file = ? and sha256 = ?", [d.rel, sha])
        self.con.execute(f"insert into raw.load_manifest ({names}) values ({marks})", list(cols.values()))
        self._seen[(d.rel, sha)] = status
        self._seen_files.add(d.rel)

    def load_all(self, feeds: Iterable[str] | None = None) -> LoadReport:
        report = LoadReport(self.run_id)
        wanted = set(feeds) if feeds else None
        # a feed whose rows are checked against another's (FeedSpec.after) never loads before it: asked
        # for it, the loader first loads what is pending of the other (already loaded files are unchanged)
        while wanted is not None and (more := {a for w in wanted if w in FEEDS for a in FEEDS[w].after} - wanted):
            wanted |= more
        deliveries = [
            d
            for d in discover(self.root)
            if wanted is None
            or (d.feed is not None and d.feed.name in wanted)
            or (d.feed is None and "_unknown" in wanted)
        ]
        same_slot_refusals(deliveries, self._slot_batch)
        self._check_disk(deliveries)
        for i, d in enumerate(deliveries, 1):
            try:
                res = self.load_file(d)
            except duckdb.OutOfMemoryException as e:
                self._tx_rollback()
                raise LoadAborted(
                    f"loading {d.rel} ran out of memory ({str(e).splitlines()[0]}); the open group of files was "
                    "rolled back (the files committed before it stay loaded; the rest load on the next run). "
                    "Raise YIBAO_DUCKDB_MEMORY_LIMIT or lower YIBAO_DUCKDB_THREADS, then run again."
                ) from None
            except BaseException:
                self._tx_rollback()
                raise
            report.files.append(res)
            if res.status != "unchanged":
                self._say(
                    f"[{i}/{len(deliveries)}] {d.rel}: {res.status}"
                    + (
                        f", {res.rows_loaded:,} rows loaded, {res.rows_quarantined:,} quarantined"
                        if res.status == "loaded"
                        else ""
                    )
                    + (f" — {res.message}" if res.message and res.status != "loaded" else "")
                    + f" ({res.seconds:.1f}s)"
                )
        self._tx_commit()
        if self.lake is not None:
            # after the commit: the lake follows the manifest, never ahead of it
            report.lake = lake_sync(self.con, self.lake, wanted, self.progress)
        return report

    def _check_disk(self, deliveries: list[Delivery]) -> None:
        """Loaded rows take roughly their delivered size again (DuckDB, WAL, temp); keep a margin."""
        db = self.con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
        if not db or not db[0]:
            return  # in-memory warehouse
        size = sum(d.path.stat().st_size for d in deliveries if d.path.exists() and not d.unread)
        check_free_disk(
            Path(db[0]).parent, 2 * size + 256 * 2**20, f"loading {len(deliveries)} file(s) ({size / 2**20:,.0f} MiB)"
        )

    def _withdrawn(self, d: Delivery, sha: str) -> bool:
        """These bytes were loaded from this file once, then replaced by a correction that the landing
        no longer holds: the landing's bytes are the truth again, so they replace the correction."""
        cur = self._slot_batch.get(d.slot) if d.slot and not d.problem else None
        return self._seen.get((d.rel, sha)) == "replaced" and cur is not None and cur[1] == d.rel and cur[2] != sha

    def _slot_freed(self, d: Delivery, sha: str) -> bool:
        """These bytes were refused because another file held their slot, and no file holds it now."""
        return (d.rel, sha) in self._slot_refused and d.problem is None

    def load_file(self, d: Delivery) -> FileResult:
        t0 = time.perf_counter()
        res = FileResult(d.rel, d.feed.name if d.feed else None, "unchanged")
        if d.unread is not None:  # never read through a refused link, nor from a pipe
            sha = hashlib.sha256(d.unread.encode()).hexdigest()
            if (d.rel, sha) in self._seen:
                return res
            res.status, res.message = "refused", d.problem or ""
            self._manifest_insert(d, sha, 0, "refused", message=res.message)
            return res
        # a path the manifest knows is hashed first: unchanged, it needs no encoding scan
        if d.rel in self._seen_files:
            sha = file_sha256(d.path)
            if (d.rel, sha) in self._seen and not self._withdrawn(d, sha) and not self._slot_freed(d, sha):
                res.seconds = time.perf_counter() - t0
                return res  # this exact file was handled by an earlier run
        try:
            scan = scan_file(d.path, is_csv=d.fmt == "csv")
            sha, size, scan_error = scan.sha256, scan.size, None
        except RefusedFile as e:
            sha = file_sha256(d.path)
            size, scan, scan_error = d.path.stat().st_size, None, e
        again = self._withdrawn(d, sha)
        if self._slot_freed(d, sha):
            # its earlier refusal named a file that is gone now: this delivery is handled afresh
            self._forget(d.rel, sha)
            self._slot_refused.discard((d.rel, sha))
        if (d.rel, sha) in self._seen and not again:
            res.seconds = time.perf_counter() - t0
            return res  # changed between the two reads into a file an earlier run handled
        if (d.rel, sha) in self._stale_duplicates:
            self._forget(d.rel, sha)
            self._stale_duplicates.discard((d.rel, sha))
        # Same bytes under a new name of the same feed are a no-op — unless they hold no rows (an empty or
        # header-only file is byte-identical across senders and months, yet each is its own (empty) delivery)
        # or they are a snapshot of another period: an unchanged monthly snapshot says what is current as of
        # its month (a snapshot reverting to an earlier month's bytes must become current again).
        same_bytes = None if again else self._same_bytes.get(_bytes_key(d.feed.name if d.feed else "", sha, d.period))
        if same_bytes:
            res.status = "duplicate"
            res.message = f"same bytes as {same_bytes[0]} ({same_bytes[1]}): nothing to do"
            self._manifest_insert(d, sha, size, "duplicate", message=res.message)
            res.seconds = time.perf_counter() - t0
            return res
        try:
            if d.problem:
                raise RefusedFile(d.problem)
            if scan_error:
                raise scan_error
            return self._load(d, scan, res, t0, again)
        except RefusedFile as e:
            res.status = "refused"
            res.message = str(e)
            if again:  # the bytes came back but cannot load: say what the warehouse still holds
                held = self._slot_batch.get(d.slot)
                res.message += (
                    f"; these bytes were loaded once and replaced by a correction of the same file "
                    f"name, whose batch {held[0] if held else '?'} the warehouse keeps until a "
                    "readable file replaces it"
                )
            self._manifest_insert(
                d,
                sha,
                size,
                "refused",
                again=again,
                message=res.message,
                error_line=e.line,
                error_column=e.column,
                encoding=scan.encoding if scan else None,
            )
            res.seconds = time.perf_counter() - t0
            return res

    # -- the real work
    def _stage(self, d: Delivery, scan) -> tuple[list[str], int, list[pa.DataType] | None]:
        """Create temp table ``_stage(_line, _numeric, c0…)`` with the file's cells as strings
        (``_numeric``: indexes of the row's cells delivered as numbers, xlsx only); returns the header,
        the row count and, for Parquet, the column types."""
        con = self.con
        con.execute("drop table if exists _stage")
        self._read_note = None
        if d.fmt == "parquet":
            return self._stage_parquet(d)
        table: Table
        if d.fmt == "xlsx":
            # a worksheet named by the feed's label is the one loaded (a workbook may serve two feeds)
            table = read_xlsx(d.path, d.feed.label_zh if d.feed else None)
            self._read_note = table.note
        elif scan.size == 0:
            table = Table([], iter(()))
        else:
            table = read_csv(d.path, scan.encoding, scan.ends_with_newline)
        header = table.header
        width = max(len(header), 1)
        con.execute(
            "create temp table _stage (_line bigint, _numeric integer[], "
            + ", ".join(f"c{i} varchar" for i in range(width))
            + ")"
        )
        n = 0
        for lines, rows, numeric in table.batches:
            arrays = [
                pa.array(lines, type=pa.int64()),
                pa.array(numeric if numeric is not None else [None] * len(rows), type=pa.list_(pa.int32())),
            ]
            for j in range(width):
                arrays.append(pa.array([r[j] if j < len(r) else None for r in rows], type=pa.string()))
            batch = pa.Table.from_arrays(arrays, names=["_line", "_numeric"] + [f"c{i}" for i in range(width)])
            con.register("_batch", batch)
            con.execute("insert into _stage select * from _batch")
            con.unregister("_batch")
            n += len(rows)
        return header, n, None

    def _stage_parquet(self, d: Delivery) -> tuple[list[str], int, list[pa.DataType]]:
        con = self.con
        try:
            # the header as written (DuckDB renames a repeated column name to name_1)
            schema = pq.read_schema(d.path)
        except (OSError, pa.ArrowException) as e:
            raise RefusedFile(
                f"not a readable Parquet file ({str(e).splitlines()[0]}); re-deliver the complete file"
            ) from None
        header, types = list(schema.names), list(schema.types)
        with _literal_path(d.path) as path:
            try:
                desc = con.execute("describe select * from read_parquet(?)", [path]).fetchall()
            except duckdb.Error as e:
                raise RefusedFile(
                    f"not a readable Parquet file ({str(e).splitlines()[0]}); re-deliver the complete file"
                ) from None
            if len(desc) != len(header):
                raise RefusedFile(
                    f"the Parquet schema has {len(header)} columns but {len(desc)} can be read; "
                    "re-export the file with flat columns"
                )
            exprs = []
            for i, (name, typ, *_) in enumerate(desc):
                q = ident(name)
                typ = typ.upper()
                if typ.startswith("TIMESTAMP WITH TIME ZONE"):
                    exprs.append(f"strftime(timezone('Asia/Shanghai', {q}), '%Y-%m-%d %H:%M:%S') as c{i}")
                elif typ.startswith("TIMESTAMP"):
                    # nanosecond timestamps print 9 decimals, which no time format accepts; the loader keeps seconds
                    exprs.append(f"strftime(cast({q} as timestamp), '%Y-%m-%d %H:%M:%S') as c{i}")
                else:
                    exprs.append(f"cast({q} as varchar) as c{i}")
            cols = ", ".join(exprs) if exprs else "null as c0"
            try:
                con.execute(
                    f"create temp table _stage as select file_row_number + 1 as _line, "
                    f"cast(null as integer[]) as _numeric, {cols} from read_parquet(?, file_row_number = true)",
                    [path],
                )
            except duckdb.Error as e:
                raise RefusedFile(
                    f"Parquet file could not be read ({str(e).splitlines()[0]}); re-deliver the complete file"
                ) from None
        n = con.execute("select count(*) from _stage").fetchone()[0]
        return header, n, types

    def _map_header(self, feed: FeedSpec, header: list[str]) -> tuple[dict[str, str], list[str], dict]:
        column_of: dict[str, str] = {}
        extras: list[str] = []
        if header and any(h and h.startswith("\ufeff") for h in header[:1]):
            raise RefusedFile(
                "the header starts with a byte-order mark (U+FEFF) inside the text: the file was saved with a BOM "
                "twice; save it once and re-deliver",
                line=1,
                column=header[0],
            )
        mapping: dict[str, str | None] = {}
        for i, h in enumerate(header):
            code = resolve_header(feed, h or "")
            mapping[h] = code
            if code is None:
                extras.append(f"c{i}")
            elif code in column_of:
                first = int(column_of[code][1:])
                raise RefusedFile(
                    f"columns {first + 1} ('{header[first]}') and {i + 1} ('{h}') both map to field "
                    f"{code}; deliver each field once",
                    line=1,
                    column=h,
                )
            else:
                column_of[code] = f"c{i}"
        missing = [f for f in feed.required if f not in column_of]
        if missing and header:
            labels = ", ".join(
                f"{c} ({feed.field_by_code[c].label_zh})" if feed.field_by_code[c].label_zh else c for c in missing
            )
            hint = ""
            if len(header) == 1 and any(ch in header[0] for ch in "\t;|，"):
                hint = " — the header looks separated by a delimiter other than ','"
            raise RefusedFile(
                f"header does not match the contract for feed {feed.name}: required column(s) "
                f"{labels} missing (line 1){hint}; deliver them under their field code or Chinese label",
                line=1,
                column=missing[0],
            )
        return column_of, extras, mapping

    def _load(self, d: Delivery, scan, res: FileResult, t0: float, again: bool = False) -> FileResult:
        con, feed = self.con, d.feed
        assert feed is not None
        # A Parquet file or a large one gets a transaction of its own, and is staged outside any: the
        # group before it is committed first (a Parquet file DuckDB cannot read raises inside SQL,
        # which would abort the open transaction; the Python readers refuse without touching it).
        alone = d.fmt == "parquet" or scan.size > GROUP_BYTES
        if alone:
            self._tx_commit()
        else:
            self._tx_begin(feed.name, scan.size)
        header, n, types = self._stage(d, scan)
        column_of, extra_cols, mapping = self._map_header(feed, header)
        if types is not None:
            _refuse_numeric_codes(feed, header, types, column_of)
        if alone:
            self._tx_begin(feed.name, GROUP_BYTES)  # a full group: the next file commits it
        res.extra_columns = _extra_names([header[int(c[1:])] for c in extra_cols], [int(c[1:]) for c in extra_cols])
        # one batch per (slot, content): identical empty files of two senders are two batches
        slot = f"{feed.name}|{d.sender}|{d.period}|{d.seq}|{scan.sha256}"
        batch_id = hashlib.sha256(slot.encode()).hexdigest()[:16]
        today = dt.datetime.now(TZ).date()
        slot_key = (feed.name, d.sender, d.period, d.seq)
        prev = self._slot_batch.get(slot_key)
        sql = self._with_in_file_duplicates(
            feed, normalise.normalise_sql(feed, column_of, extra_cols, width=len(header))
        )
        params: dict = {"today": today, "sender": d.sender}
        params.update({f"h{i}": res.extra_columns[i] for i in range(len(extra_cols))})
        params.update({f"hd{i}": (h or "").strip() for i, h in enumerate(header)})
        # DuckDB refuses named parameters the statement does not use (a feed without dates has no $today)
        params = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
        try:
            if prev:
                con.execute(f'delete from raw."{feed.name}" where _batch_id = ?', [prev[0]])
                con.execute("delete from raw.quarantine where batch_id = ?", [prev[0]])
                con.execute(
                    "update raw.load_manifest set status = 'replaced', replaced_by_batch_id = ? "
                    "where batch_id = ? and status = 'loaded'",
                    [batch_id, prev[0]],
                )
                res.replaced_batch_id = prev[0]
                for key_, (file_, _) in list(self._same_bytes.items()):
                    if file_ == prev[1]:
                        self._same_bytes[key_] = (file_, "replaced")
            con.execute("drop table if exists _norm")
            con.execute(f"create temp table _norm as {sql}", params)
            self._flag_cross_file_duplicates(feed, d.period)
            self._flag_unknown_references(feed, d.period)
            lineage = "?, ?, ?, _line, ?, ?, ?, ?, ?"
            lineage_params = [d.rel, scan.sha256, batch_id, d.sender, d.period, d.seq, self._now(), self.run_id]
            codes = ", ".join(f'"{c}"' for c in feed.codes)
            con.execute(
                f'insert into raw."{feed.name}" ({codes}, _extra, _file, _sha256, _batch_id, _line, '
                f"_sender, _period, _seq, _loaded_at, _run_id) "
                f"select {codes}, _extra, {lineage} from _norm where len(_reasons) = 0 order by _line",
                lineage_params,
            )
            orig = normalise.original_json_sql(header)
            self._insert_quarantine(feed, d, scan.sha256, batch_id, header, orig)
            loaded, quarantined = con.execute(
                "select count(*) filter (where len(_reasons) = 0), count(*) filter (where len(_reasons) > 0) from _norm"
            ).fetchone()
            if loaded + quarantined != n:  # the promise; a breach is a bug, never data loss
                raise AssertionError(f"{d.rel}: read {n} rows but loaded {loaded} + quarantined {quarantined}")
            message = ""
            if prev:
                message = f"correction: replaces batch {prev[0]} from {prev[1]}"
                if again:
                    message = (
                        f"correction withdrawn: these bytes, loaded before, replace batch {prev[0]} "
                        f"from {prev[1]} again"
                    )
            if scan.note:
                message = (message + "; " if message else "") + scan.note
            if self._read_note:
                message = (message + "; " if message else "") + self._read_note
            if n == 0:
                message = (message + "; " if message else "") + (
                    "empty file: loaded as an empty batch" if not header else "header only: empty batch"
                )
            if res.extra_columns:
                message = (message + "; " if message else "") + (
                    "extra columns kept in _extra: " + ", ".join(res.extra_columns)
                )
            self._manifest_insert(
                d,
                scan.sha256,
                scan.size,
                "loaded",
                again=again,
                encoding=scan.encoding,
                batch_id=batch_id,
                rows_read=n,
                rows_loaded=loaded,
                rows_quarantined=quarantined,
                columns_mapped=json.dumps(mapping, ensure_ascii=False),
                extra_columns=json.dumps(res.extra_columns, ensure_ascii=False),
                message=message or None,
                replaces_batch_id=prev[0] if prev else None,
            )
        except BaseException:
            # DuckDB aborts the whole transaction on an error: roll the group back first, so that the
            # clean-up below runs and the original error (e.g. out of memory) is the one raised
            self._tx_rollback()
            raise
        finally:
            con.execute("drop table if exists _norm")
            con.execute("drop table if exists _stage")
        self._slot_batch[slot_key] = (batch_id, d.rel, scan.sha256)
        if n:
            self._same_bytes.setdefault(_bytes_key(feed.name, scan.sha256, d.period), (d.rel, "loaded"))
        res.status = "loaded"
        res.batch_id = batch_id
        res.rows_read, res.rows_loaded, res.rows_quarantined = n, loaded, quarantined
        res.message = message
        res.seconds = time.perf_counter() - t0
        return res

    def _insert_quarantine(self, feed, d, sha, batch_id, header, orig_sql) -> None:
        params = {f"o{i}": h for i, h in enumerate(_extra_names(header, list(range(len(header)))))}
        params.update(
            {"feed": feed.name, "file": d.rel, "sha": sha, "batch": batch_id, "run": self.run_id, "now": self._now()}
        )
        self.con.execute(
            f"insert into raw.quarantine select $feed, $file, $sha, $batch, s._line, "
            f"array_to_string(n._reasons, '; '), {orig_sql}, $run, $now "
            f"from _norm n join _stage s on s._line = n._line where len(n._reasons) > 0 order by s._line",
            params,
        )

    @staticmethod
    def _with_in_file_duplicates(feed: FeedSpec, sql: str) -> str:
        """Wrap the normalising SELECT: a key repeated within the file quarantines every row after the
        first (among rows without other reasons), in the same statement.

        Repeated keys across files are ``_flag_cross_file_duplicates``; the same key in another period
        is a re-delivery ("the latest delivery wins", resolved in staging), not an error.
        """
        if not feed.key:
            return sql
        part = ", ".join(f'"{k}"' for k in feed.key) + ", len(_reasons) = 0"
        cols = ", ".join(f'"{c}"' for c in feed.codes)
        return f"""
with _normalised as ({sql})
select _line, {cols}, _extra,
    case
        when len(_reasons) = 0 and row_number() over (partition by {part} order by _line) > 1
            then list_append(_reasons, 'duplicate_key_in_file(first at line '
                 || min(_line) over (partition by {part}) || ')')
        else _reasons
    end as _reasons
from _normalised
"""

    def _flag_cross_file_duplicates(self, feed: FeedSpec, period: str) -> None:
        """Quarantine keys another file of the same period already delivered."""
        if not feed.key:
            return
        keys = ", ".join(f'"{k}"' for k in feed.key)
        on = " and ".join(f'n."{k}" is not distinct from r."{k}"' for k in feed.key)
        self.con.execute(
            f"""
            update _norm set _reasons = list_append(_reasons, d.reason)
            from (
                select n._line,
                    'duplicate_key_across_files(' || r._file || ' line ' || r._line || ')' as reason
                from _norm n
                join (
                    select {keys}, min(_file) as _file, min(_line) as _line
                    from raw."{feed.name}" where _period = ? group by all
                ) r on {on}
                where len(n._reasons) = 0
            ) d
            where _norm._line = d._line
        """,
            [period],
        )

    def _flag_unknown_references(self, feed: FeedSpec, period: str) -> None:
        """Quarantine rows naming a key the referenced snapshot feed does not hold (``unknown_<feed>(col)``).

        The snapshot judged against is the referenced feed's newest period not after this delivery's
        period — the same period when both were delivered together, else the snapshot still current
        then (reference feeds are delivered monthly or on change). The referenced feed is loaded first
        (``FeedSpec.after``: discovery order, and ``load_all`` asked for this feed loads the other's pending
        files too), so the result depends on what the landing tree holds, not on the order of the assets.
        """
        for col, other, other_col in feed.references:
            self.con.execute(
                f"""
                update _norm set _reasons = list_append(_reasons, ?)
                where "{col}" is not null and "{col}" not in (
                    select "{other_col}" from raw."{other}"
                    where "{other_col}" is not null
                        and _period = (select max(_period) from raw."{other}" where _period <= ?)
                )
            """,
                [f"unknown_{other}({col})", period],
            )
