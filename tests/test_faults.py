"""Faults to survive (RELIABILITY.md): kill -9 mid-load, two runs at once, memory limit, full disk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingest.loader import Loader
from warehouse.connection import connect
from warehouse.guards import NotEnoughDisk, WarehouseBusy, run_lock
from warehouse.settings import REPO_ROOT

HEADER = "收费流水号,定点医药机构编号,就诊ID,医保目录编码,数量,单价,金额,收费时间\n"


def his_charge_csv(path: Path, rows: int, prefix: str = "C") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sender = path.name.split("_")[0]  # an institution delivers its own rows
    with open(path, "w", encoding="gb18030", newline="") as fh:
        fh.write(HEADER)
        for i in range(rows):
            fh.write(
                f"{prefix}{i},{sender},M{i // 10},X{i % 300},{1 + i % 3},2.50,{(1 + i % 3) * 2.5:.2f},"
                f"2025-01-{1 + i % 28:02d} 10:{i % 60:02d}:00\n"
            )


def loader_cmd(landing: Path, warehouse: Path) -> list[str]:
    return [sys.executable, "-m", "ingest.load", "--landing", str(landing), "--warehouse", str(warehouse)]


def env_with(**kw) -> dict:
    env = dict(os.environ)
    env.update({k: str(v) for k, v in kw.items()})
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.3, 1.5, 3.0])
def test_kill_9_mid_file_leaves_batches_complete_or_absent(tmp_path, delay):
    landing, wh = tmp_path / "landing", tmp_path / "wh.duckdb"
    his_charge_csv(landing / "his_charge/202501/H0001_his_charge_202501.csv", 50)
    his_charge_csv(landing / "his_charge/202502/H0001_his_charge_202502.csv", 600_000, prefix="D")
    proc = subprocess.Popen(
        loader_cmd(landing, wh), stdout=subprocess.PIPE, text=True, env=env_with(), start_new_session=True
    )
    first = proc.stdout.readline()  # the small file is committed before the big one starts
    assert "202501" in first and "loaded" in first, first
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    con = duckdb.connect(str(wh))  # opens after the crash (WAL replayed)
    try:
        per_batch = dict(con.execute("select _period, count(*) from raw.his_charge group by 1").fetchall())
        manifest = dict(con.execute("select period, rows_loaded from raw.load_manifest").fetchall())
    finally:
        con.close()
    assert per_batch.get("202501") == 50 and manifest.get("202501") == 50
    assert per_batch.get("202502") in (None, 600_000)  # complete or absent, never partial
    assert manifest.get("202502") == per_batch.get("202502")
    # the next run finishes the job
    subprocess.run(loader_cmd(landing, wh), check=True, capture_output=True, env=env_with())
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("select count(*) from raw.his_charge").fetchone()[0] == 600_050
        assert con.execute("select count(*) from raw.load_manifest where status = 'loaded'").fetchone()[0] == 2
    finally:
        con.close()


class FailingLoader(Loader):
    """Fault injection: a DuckDB statement fails while the loader checks its ``fail_at``-th file (not a
    mock: the warehouse and the error are real; DuckDB aborts the open transaction on it)."""

    fail_at = 3

    def _flag_cross_file_duplicates(self, feed, period):
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls == self.fail_at:
            self.con.execute("select cast('injected failure mid-group' as integer)")
        return super()._flag_cross_file_duplicates(feed, period)


def test_failure_mid_group_leaves_the_group_absent_and_the_next_run_loads_it(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "wh.duckdb"
    for i in range(5):  # small files of one feed: one transaction
        his_charge_csv(landing / f"his_charge/202501/H000{i}_his_charge_202501.csv", 20, prefix=f"C{i}_")
    said: list[str] = []
    con = connect(wh)
    try:
        with pytest.raises(duckdb.ConversionException, match="injected"):  # the error itself, not a follow-up
            FailingLoader(con, landing, progress=said.append).load_all()
        assert said == []  # nothing was reported loaded: nothing was committed
        assert con.execute("select count(*) from raw.his_charge").fetchone()[0] == 0
        assert con.execute("select count(*) from raw.load_manifest").fetchone()[0] == 0
        report = Loader(con, landing).load_all()
        assert [f.status for f in report.files] == ["loaded"] * 5
        assert con.execute("select count(*) from raw.his_charge").fetchone()[0] == 100
    finally:
        con.close()


def test_second_writer_stops_with_a_clear_message(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "wh.duckdb"
    his_charge_csv(landing / "his_charge/202501/H0001_his_charge_202501.csv", 10)
    holder = duckdb.connect(str(wh))  # another process's writer, as far as the loader can tell
    try:
        r = subprocess.run(loader_cmd(landing, wh), capture_output=True, text=True, env=env_with())
    finally:
        holder.close()
    assert r.returncode == 2
    assert "in use by another run" in r.stderr and "Nothing was written" in r.stderr
    assert "Traceback" not in r.stderr
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert not con.execute("select * from information_schema.tables where table_schema = 'raw'").fetchall()
    finally:
        con.close()


def test_second_pipeline_run_stops_or_waits(tmp_path):
    wh = tmp_path / "wh.duckdb"
    with run_lock(wh):
        with pytest.raises(WarehouseBusy, match="in use by another run"), run_lock(wh, wait=False):
            pass
        r = subprocess.run(
            [sys.executable, "-m", "orchestration.run"],
            capture_output=True,
            text=True,
            env=env_with(
                YIBAO_WAREHOUSE=wh,
                YIBAO_LANDING_DIR=tmp_path / "landing",
                YIBAO_OUTPUT_DIR=tmp_path / "out",
                YIBAO_WAIT_FOR_LOCK=0,
            ),
        )
        assert r.returncode == 2 and "in use by another run" in r.stderr, r.stderr[-2000:]
    # released: the next one gets it, and a waiting run proceeds once the holder is done
    with run_lock(wh, wait=True):
        pass


def test_memory_limit_gives_a_clear_error_and_an_intact_warehouse(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "wh.duckdb"
    his_charge_csv(landing / "his_charge/202501/H0001_his_charge_202501.csv", 20)
    subprocess.run(loader_cmd(landing, wh), check=True, capture_output=True, env=env_with())
    his_charge_csv(landing / "his_charge/202502/H0001_his_charge_202502.csv", 300_000, prefix="D")
    r = subprocess.run(
        loader_cmd(landing, wh), capture_output=True, text=True, env=env_with(YIBAO_DUCKDB_MEMORY_LIMIT="4MB")
    )
    assert r.returncode == 2, r.stderr[-2000:]
    assert "ran out of memory" in r.stderr and "YIBAO_DUCKDB_MEMORY_LIMIT" in r.stderr
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("select count(*) from raw.his_charge").fetchone()[0] == 20
        assert con.execute("select count(*) from raw.load_manifest").fetchone()[0] == 1
    finally:
        con.close()


def test_ten_times_the_usual_file_streams_within_a_memory_limit(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "wh.duckdb"
    his_charge_csv(landing / "his_charge/202501/H0001_his_charge_202501.csv", 300_000)
    r = subprocess.run(
        loader_cmd(landing, wh), capture_output=True, text=True, env=env_with(YIBAO_DUCKDB_MEMORY_LIMIT="96MB")
    )
    assert r.returncode == 0, r.stderr[-2000:]
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("select count(*) from raw.his_charge").fetchone()[0] == 300_000
    finally:
        con.close()


def test_not_enough_disk_stops_before_loading(tmp_path, monkeypatch):
    landing, wh = tmp_path / "landing", tmp_path / "wh.duckdb"
    his_charge_csv(landing / "his_charge/202501/H0001_his_charge_202501.csv", 10)
    import shutil

    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=1024))
    con = connect(wh)
    try:
        with pytest.raises(NotEnoughDisk, match="Nothing was loaded"):
            Loader(con, landing).load_all()
        assert con.execute("select count(*) from raw.load_manifest").fetchone()[0] == 0
    finally:
        con.close()
