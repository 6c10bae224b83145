"""The lake (ingest/lake.py): every loaded batch also kept as Parquet, corrections replacing their batch,
writes atomic — a crash mid-write leaves nothing partial where a reader looks — and off by default."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.lake import batch_path
from ingest.loader import Loader
from tests.helpers import ID_A, ID_B, PSN_HEADER, query, write
from warehouse.connection import connect
from warehouse.settings import settings

REPO = Path(__file__).resolve().parents[1]
PSN_1 = "psn/202501/990100_psn_202501.csv"
PSN_2 = "psn/202502/990100_psn_202502.csv"
MANIFEST_COLUMNS = (
    "file, sha256, status, feed, sender, period, seq, batch_id, rows_read, rows_loaded, rows_quarantined, message"
)


def load(root: Path, db: Path, lake: Path | None):
    con = connect(db)
    try:
        return Loader(con, root, lake=lake).load_all()
    finally:
        con.close()


def visible_files(lake: Path) -> list[Path]:
    """What a reader of the lake sees: Spark, Hive and ``*.parquet`` globs skip hidden files."""
    return sorted(p for p in lake.rglob("*.parquet") if not p.name.startswith((".", "_")))


def lake_rows_equal_raw(db: Path, lake: Path, feed: str) -> bool:
    con = duckdb.connect(str(db), read_only=True)
    try:
        files = [str(p) for p in visible_files(lake / feed)]
        if not files:
            return con.execute(f"select count(*) from raw.{feed}").fetchone()[0] == 0
        lake_sql = f"select * from read_parquet({files!r}, hive_partitioning = false)"
        one_way = con.execute(f"select count(*) from ({lake_sql} except all select * from raw.{feed})").fetchone()[0]
        other = con.execute(f"select count(*) from (select * from raw.{feed} except all {lake_sql})").fetchone()[0]
        return one_way == 0 and other == 0
    finally:
        con.close()


def loaded_batches(db: Path) -> set[tuple[str, str, str]]:
    return set(query(db, "select feed, period, batch_id from raw.load_manifest where status = 'loaded'"))


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "landing"
    write(root, PSN_1, f"{PSN_HEADER}\nP1,{ID_A},张三,1,1949-12-31,990101\nP2,{ID_B},李四,1,1990-03-07,990101\n")
    # one row quarantined (bad date), one file refused (bad name): neither reaches the lake
    write(root, PSN_2, f"{PSN_HEADER}\nP3,{ID_B},王五,1,1990-03-07,990101\nP4,{ID_A},赵六,1,19491399,990101\n")
    write(root, "psn/202502/wrongname.csv", "a\n1\n")
    return root, tmp_path / "wh.duckdb", tmp_path / "lake"


def test_each_loaded_batch_is_a_parquet_file_and_the_manifest_is_unchanged(tree, tmp_path):
    root, db, lake = tree
    report = load(root, db, lake)
    assert report.lake is not None and len(report.lake.written) == 2
    expected = {batch_path(lake, f, p, b) for f, p, b in loaded_batches(db)}
    assert set(visible_files(lake)) == expected
    assert all(p.parent.name.startswith("period=2025") for p in expected)
    assert lake_rows_equal_raw(db, lake, "psn")
    assert query(db, "select count(*) from raw.quarantine")[0][0] == 1
    # lineage travels with the rows: a Spark reader can trace every row to its file and line
    january = next(f for f in report.files if f.file == PSN_1)
    table = pq.read_table(batch_path(lake, "psn", "202501", january.batch_id))
    assert table.column("_file").to_pylist() == [PSN_1, PSN_1] and table.column("_line").to_pylist() == [2, 3]
    # the same tree without a lake: the manifest says the same (the lake adds nothing to it)
    plain = tmp_path / "plain.duckdb"
    assert load(root, plain, None).lake is None
    sql = f"select {MANIFEST_COLUMNS} from raw.load_manifest order by file"
    assert query(db, sql) == query(plain, sql)
    # a second run with nothing new writes nothing
    again = load(root, db, lake)
    assert again.lake.written == [] and again.lake.removed == []


def test_a_correction_replaces_its_batch_and_a_withdrawal_restores_it(tree):
    root, db, lake = tree
    original = (root / PSN_1).read_bytes()
    first = next(f for f in load(root, db, lake).files if f.file == PSN_1).batch_id
    write(root, PSN_1, f"{PSN_HEADER}\nP1,{ID_A},张三丰,1,1949-12-31,990101\n")
    report = load(root, db, lake)
    corrected = next(f for f in report.files if f.status == "loaded")
    assert corrected.replaced_batch_id == first
    january = sorted((lake / "psn" / "period=202501").iterdir())
    assert january == [batch_path(lake, "psn", "202501", corrected.batch_id)]
    assert report.lake.removed == [batch_path(lake, "psn", "202501", first)]
    assert lake_rows_equal_raw(db, lake, "psn")
    assert ("P1", "张三丰") in [
        (r["psn_no"], r["psn_name"]) for r in pq.read_table(january[0]).select(["psn_no", "psn_name"]).to_pylist()
    ]
    # the correction withdrawn: the original bytes are the truth again, in the warehouse and in the lake
    (root / PSN_1).write_bytes(original)
    load(root, db, lake)
    assert sorted((lake / "psn" / "period=202501").iterdir()) == [batch_path(lake, "psn", "202501", first)]
    assert lake_rows_equal_raw(db, lake, "psn")


CRASHING_LOADER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    import ingest.lake as lake_mod
    from ingest.loader import Loader
    from warehouse.connection import connect

    real_copy = lake_mod._copy_batch
    writes = 0

    def copy_then_die(con, feed, batch_id, tmp):
        global writes
        real_copy(con, feed, batch_id, tmp)
        writes += 1
        if writes == {crash_at}:
            size = tmp.stat().st_size
            with open(tmp, "r+b") as fh:  # the process dies half-way through writing this file
                fh.truncate(size // 2)
            os._exit(137)

    lake_mod._copy_batch = copy_then_die
    con = connect(Path({db!r}))
    Loader(con, Path({root!r}), lake=Path({lake!r})).load_all()
    """
)


def crash_loading(root: Path, db: Path, lake: Path, crash_at: int) -> int:
    script = CRASHING_LOADER.format(repo=str(REPO), db=str(db), root=str(root), lake=str(lake), crash_at=crash_at)
    return subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, timeout=300).returncode


def test_a_crash_mid_write_leaves_no_partial_parquet_visible_and_the_next_run_completes_the_lake(tree):
    root, db, lake = tree
    assert crash_loading(root, db, lake, crash_at=2) == 137
    # the warehouse committed both batches before the lake was written; the lake has the first only
    assert len(loaded_batches(db)) == 2
    visible = visible_files(lake)
    assert len(visible) == 1
    for p in visible:  # whatever a reader sees is whole
        assert pq.read_table(p).num_rows > 0
    hidden = [p for p in lake.rglob("*") if p.is_file() and p.name.startswith(".")]
    assert len(hidden) == 1 and hidden[0].name.endswith(".tmp")  # the half-written file, out of sight
    with pytest.raises(pa.ArrowInvalid):
        pq.read_table(hidden[0])
    # a reader globbing the lake is not disturbed by the crash
    con = duckdb.connect()
    assert con.execute(f"select count(*) from read_parquet('{lake}/psn/*/*.parquet')").fetchone()[0] > 0
    # the next run brings the lake in line with the manifest and clears the unfinished write
    report = load(root, db, lake)
    assert len(report.lake.written) == 1 and len(report.lake.temp_removed) == 1
    assert not [p for p in lake.rglob("*") if p.is_file() and p.name.startswith(".")]
    assert {p for p in visible_files(lake)} == {batch_path(lake, f, p, b) for f, p, b in loaded_batches(db)}
    assert lake_rows_equal_raw(db, lake, "psn")


def test_a_crash_while_writing_a_correction_keeps_the_old_batch_visible(tree):
    root, db, lake = tree
    first = next(f for f in load(root, db, lake).files if f.file == PSN_1).batch_id
    write(root, PSN_1, f"{PSN_HEADER}\nP1,{ID_A},张三丰,1,1949-12-31,990101\n")
    assert crash_loading(root, db, lake, crash_at=1) == 137
    # the old batch's file stays until the new one is whole: readers see January as it was
    assert batch_path(lake, "psn", "202501", first) in visible_files(lake)
    assert len(visible_files(lake)) == 2
    load(root, db, lake)
    assert batch_path(lake, "psn", "202501", first) not in visible_files(lake)
    assert lake_rows_equal_raw(db, lake, "psn")


def test_switching_the_lake_on_fills_it_with_everything_loaded_so_far(tree):
    root, db, lake = tree
    load(root, db, None)
    assert not lake.exists()
    report = load(root, db, lake)
    assert len(report.lake.written) == 2 and lake_rows_equal_raw(db, lake, "psn")


def test_the_lake_is_off_unless_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("YIBAO_LAKE_DIR", raising=False)
    assert settings().lake_dir is None and "YIBAO_LAKE_DIR" not in settings().export_env()
    monkeypatch.setenv("YIBAO_LAKE_DIR", str(tmp_path / "lake"))
    assert settings().lake_dir == tmp_path / "lake"
    assert settings().export_env()["YIBAO_LAKE_DIR"] == str(tmp_path / "lake")
    assert os.environ["YIBAO_LAKE_DIR"] == str(tmp_path / "lake")
