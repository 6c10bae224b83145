"""Operations: the landing sensor, and BI readers that never wait for the writer."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import dagster as dg
import duckdb


def test_landing_sensor_requests_a_run_once_files_settle(tmp_path, monkeypatch):
    from orchestration.definitions import defs

    landing = tmp_path / "landing"
    f = landing / "psn" / "202501" / "990100_psn_202501.csv"
    f.parent.mkdir(parents=True)
    f.write_text("psn_no\n", encoding="utf-8")
    monkeypatch.setenv("YIBAO_LANDING_DIR", str(landing))
    sensor = defs.resolve_sensor_def("landing_directory_sensor")
    with dg.instance_for_test() as instance:
        fresh = sensor(dg.build_sensor_context(instance=instance, definitions=defs))
        assert isinstance(fresh, dg.SkipReason) and "settle" in fresh.skip_message
        old = time.time() - 3600
        os.utime(f, (old, old))
        ctx = dg.build_sensor_context(instance=instance, definitions=defs)
        req = sensor(ctx)
        assert isinstance(req, dg.RunRequest)
        again = sensor(dg.build_sensor_context(instance=instance, definitions=defs, cursor=ctx.cursor))
        assert isinstance(again, dg.SkipReason) and "no new deliveries" in again.skip_message


def test_bi_export_opens_while_the_warehouse_is_being_written(pipeline_run):
    writer = duckdb.connect(str(pipeline_run["warehouse"]))  # holds the writer lock, as a run does
    try:
        bi = duckdb.connect(
            str(pipeline_run["warehouse"].parent / "outputs" / "bi" / "yibao_bi.duckdb"), read_only=True
        )
        try:
            assert bi.execute("select count(*) from core.fct_fee_line").fetchone()[0] > 0
        finally:
            bi.close()
    finally:
        writer.close()


def test_audit_row_waits_when_the_warehouse_is_busy_and_is_written_later(tmp_path, monkeypatch):
    from orchestration import audit

    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("YIBAO_OUTPUT_DIR", str(tmp_path / "out"))
    facts = {
        "trigger": "user",
        "triggered_by": "t",
        "launched_from": "pytest",
        "status": "failure",
        "started_at": None,
        "finished_at": None,
        "assets": [],
        "exports": [],
    }
    monkeypatch.setattr(audit, "run_facts", lambda instance, run_id: facts)
    from warehouse.connection import connect as real_connect

    # another process holds the warehouse (as a failed run's dbt process still closing it would)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('holding', flush=True); time.sleep(60)",
            str(tmp_path / "wh.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setattr(audit, "connect", lambda *a, **k: real_connect(*a[:3]))  # no waiting in the test
        assert audit.audit_run(None, "run-1") is False
    finally:
        holder.kill()
        holder.wait()
    assert (tmp_path / "out" / "audit" / "pending_runs.jsonl").exists()
    assert audit.audit_run(None, "run-2") is True
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        assert sorted(r[0] for r in con.execute("select run_id from audit.runs").fetchall()) == ["run-1", "run-2"]
    finally:
        con.close()
    assert not (tmp_path / "out" / "audit" / "pending_runs.jsonl").exists()
