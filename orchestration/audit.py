"""The audit trail: one append-only row per pipeline run in ``audit.runs``.

Who or what triggered the run, the code version, the inputs it handled (file → sha256), rows in /
loaded / quarantined, the assets it materialised and the exports it wrote. Written by ``make run``
after its run and by a run-status sensor for runs started from the Dagster UI, a schedule or a
sensor; a run is recorded once (rows are only ever inserted).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from warehouse.connection import connect
from warehouse.guards import WarehouseBusy
from warehouse.settings import REPO_ROOT, settings

TZ = ZoneInfo("Asia/Shanghai")

AUDIT_DDL = """
create table if not exists audit.runs (
    run_id varchar not null,
    recorded_at timestamp not null,
    started_at timestamp,
    finished_at timestamp,
    status varchar,                 -- success | failure
    trigger varchar,                -- user | schedule | sensor
    triggered_by varchar,           -- OS user, schedule or sensor name
    launched_from varchar,          -- make run | dagster
    code_version varchar,           -- git commit (+dirty) of the code that ran
    inputs varchar,                 -- JSON: [{file, sha256, status}] handled in this run
    rows_in bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    assets_materialised varchar,    -- JSON list of asset keys
    exports_written varchar         -- JSON list of paths
)
"""


def code_version() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        from importlib.metadata import version

        return f"yibao-supervision {version('yibao-supervision')}"


def _local(ts: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(ts, TZ).replace(tzinfo=None, microsecond=0) if ts else None


def run_facts(instance: dg.DagsterInstance, run_id: str) -> dict:
    """What Dagster knows of a run: trigger, times, status, materialised assets, exports written."""
    run = instance.get_run_by_id(run_id)
    tags = run.tags if run else {}
    if tags.get("dagster/schedule_name"):
        trigger, by = "schedule", tags["dagster/schedule_name"]
    elif tags.get("dagster/sensor_name"):
        trigger, by = "sensor", tags["dagster/sensor_name"]
    else:
        trigger, by = "user", tags.get("yibao/user") or getpass.getuser()
    stats = instance.get_run_stats(run_id)
    assets, exports = [], []
    for rec in instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records:
        mat = rec.event_log_entry.asset_materialization
        if mat is None:
            continue
        assets.append("/".join(mat.asset_key.path))
        for key, value in (mat.metadata or {}).items():
            if key.startswith("export_") and key.endswith("_path"):
                exports.append(str(getattr(value, "value", value)))
    return {
        "trigger": trigger,
        "triggered_by": by,
        "launched_from": tags.get("yibao/launched_from", "dagster"),
        "status": run.status.value.lower() if run else None,
        "started_at": _local(stats.start_time),
        "finished_at": _local(stats.end_time),
        "assets": sorted(set(assets)),
        "exports": sorted(set(exports)),
    }


def record_run(con, run_id: str, facts: dict) -> bool:
    """Insert the run's audit row unless it is there already. Returns whether a row was written."""
    con.execute("create schema if not exists audit")
    con.execute(AUDIT_DDL)
    if con.execute("select 1 from audit.runs where run_id = ?", [run_id]).fetchone():
        return False
    has_manifest = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'load_manifest'"
    ).fetchone()[0]
    inputs, rows = [], (0, 0, 0)
    if has_manifest:
        inputs = [
            {"file": f, "sha256": s, "status": st}
            for f, s, st in con.execute(
                "select file, sha256, status from raw.load_manifest where run_id = ? order by file", [run_id]
            ).fetchall()
        ]
        rows = con.execute(
            "select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) "
            "from raw.load_manifest where run_id = ?",
            [run_id],
        ).fetchone()
    con.execute(
        "insert into audit.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            dt.datetime.now(TZ).replace(tzinfo=None, microsecond=0),
            facts.get("started_at"),
            facts.get("finished_at"),
            facts.get("status"),
            facts.get("trigger"),
            facts.get("triggered_by"),
            facts.get("launched_from"),
            code_version(),
            json.dumps(inputs, ensure_ascii=False),
            rows[0],
            rows[1],
            rows[2],
            json.dumps(facts.get("assets", [])),
            json.dumps(facts.get("exports", [])),
        ],
    )
    return True


def _pending_file() -> Path:
    return settings().output_dir / "audit" / "pending_runs.jsonl"


def _replay_pending(con) -> None:
    """Audit rows that could not be written earlier (warehouse busy) are written now, then forgotten."""
    pending = _pending_file()
    if not pending.exists():
        return
    for line in pending.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            facts = {
                k: (dt.datetime.fromisoformat(v) if k.endswith("_at") and v else v) for k, v in item["facts"].items()
            }
            record_run(con, item["run_id"], facts)
    pending.unlink()


def audit_run(instance: dg.DagsterInstance, run_id: str, extra_exports: list[str] | None = None) -> bool:
    """Write the run's audit row. If the warehouse stays busy (a failed run's dbt process still
    closing it, or the next run already writing), the row is kept in
    ``YIBAO_OUTPUT_DIR/audit/pending_runs.jsonl`` and written by the next audit: never lost."""
    cfg = settings()
    facts = run_facts(instance, run_id)
    facts["exports"] = sorted({*facts.get("exports", []), *(extra_exports or [])})
    try:
        con = connect(cfg.warehouse, cfg.duckdb_memory_limit, cfg.duckdb_threads, wait_seconds=120)
    except WarehouseBusy as e:
        pending = _pending_file()
        pending.parent.mkdir(parents=True, exist_ok=True)
        with open(pending, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"run_id": run_id, "facts": facts}, default=str, ensure_ascii=False) + "\n")
        print(f"audit: {e} — the audit row of run {run_id} waits in {pending}")
        return False
    try:
        _replay_pending(con)
        return record_run(con, run_id, facts)
    finally:
        con.close()


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="audit_successful_runs",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
)
def audit_successful_runs(context: dg.RunStatusSensorContext):
    audit_run(context.instance, context.dagster_run.run_id)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.FAILURE,
    name="audit_failed_runs",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
)
def audit_failed_runs(context: dg.RunStatusSensorContext):
    audit_run(context.instance, context.dagster_run.run_id)
