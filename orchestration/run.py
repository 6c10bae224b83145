"""`make run`: materialise every asset on the configured landing tree and say where everything is.

Generates the sample extracts first when the (default) landing directory is empty; never generates
into a landing directory someone else configured.

The terminal shows one line per stage and the summary; the full output (Dagster's events, dbt,
Great Expectations, warnings) goes to the run log under <output>/logs/ (orchestration/runlog.py).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from orchestration.runlog import Progress, RunLog, attach, duration, run_log_path
from warehouse.connection import connect_read_only
from warehouse.guards import NotEnoughDisk, WarehouseBusy, run_lock
from warehouse.settings import REPO_ROOT, settings

DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")


def dagster_home() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / "data" / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(DAGSTER_YAML, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def prepare_env() -> None:
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.update(settings().export_env())
    dagster_home()


def ensure_landing(say: Callable[[str], None] = print) -> str | None:
    cfg = settings()
    has_files = cfg.landing_dir.is_dir() and any(p.is_file() for p in cfg.landing_dir.rglob("*"))
    if has_files:
        return None
    if not cfg.landing_is_default:
        raise SystemExit(
            f"YIBAO_LANDING_DIR={cfg.landing_dir} is empty or missing. `make run` only generates sample "
            "extracts into the default data/landing; point YIBAO_LANDING_DIR at a delivered landing tree."
        )
    from synthetic import generate

    t0 = time.perf_counter()
    generate(cfg.landing_dir, seed=7, scale=1.0)  # its per-month lines go to the run log
    files = sum(1 for p in cfg.landing_dir.rglob("*") if p.is_file())
    say(
        f"sample: {cfg.landing_dir} was empty, generated {files} sample extract files (seed 7, scale 1) "
        f"({duration(time.perf_counter() - t0)})"
    )
    return str(cfg.landing_dir)


def score_against_truth(con, truth: Path) -> dict:
    """Rule hits scored against the sample's ground truth (``make score`` prints the table)."""
    from synthetic.scoring import read_truth, score

    return score(con, read_truth(truth))


def render_reports(instance, tags: dict[str, str] | None = None) -> dict[str, list[Path]]:
    """The 通报 of every quarter in reporting.rpt_quarters, rendered by running the partitioned
    quarterly_reports_job in this process once per quarter, so that Dagster records the asset
    ``reports/quarterly`` as materialised for each quarter's partition. Returns {quarter: [workbook, html]}
    of the quarters rendered; a quarter whose run failed is named on stderr and left out."""
    from orchestration.assets.reports import partition_key
    from orchestration.definitions import defs
    from reporting.data import quarters

    with contextlib.closing(connect_read_only(settings().warehouse)) as con:
        present = quarters(con)
    job = defs.resolve_job_def("quarterly_reports_job")
    rendered: dict[str, list[Path]] = {}
    for quarter in present:
        result = job.execute_in_process(
            instance=instance, partition_key=partition_key(quarter), raise_on_error=False, tags=tags or {}
        )
        if not result.success:
            print(f"quarterly report {quarter} failed: see Dagster run {result.run_id}", file=sys.stderr)
            continue
        for event in result.get_asset_materialization_events():
            meta = event.step_materialization_data.materialization.metadata
            if "workbook_path" in meta and "html_path" in meta:
                rendered[quarter] = [Path(meta["workbook_path"].value), Path(meta["html_path"].value)]
    return rendered


def materialize_everything(instance, launched_from: str = "make run"):
    """Run the materialize_all job in this process, then the quarterly 通报 of every quarter in the data as
    partitions of ``reports/quarterly``, and leave the audit row."""
    from orchestration.audit import audit_run
    from orchestration.definitions import defs

    tags = {"yibao/launched_from": launched_from, "yibao/user": getpass.getuser()}
    result = defs.resolve_job_def("materialize_all").execute_in_process(
        instance=instance, raise_on_error=False, tags=tags
    )
    reports: list[str] = []
    if result.success:  # the quarterly 通报 of every quarter in the data (workbook + HTML)
        reports = [str(p) for paths in render_reports(instance, tags).values() for p in paths]
    audit_run(instance, result.run_id, extra_exports=reports)
    return result


def main() -> int:
    prepare_env()
    cfg = settings()
    log = RunLog(run_log_path(cfg.output_dir)).start()  # from here on stdout/stderr go to the log file
    term = log.term
    term.line(f"make run: progress here, everything else in {log.path}")
    try:
        with run_lock(cfg.warehouse, on_wait=term.line):
            return _run(cfg, log)
    except (WarehouseBusy, NotEnoughDisk) as e:
        term.line(f"make run stopped: {e}", error=True)
        return 2
    except SystemExit as e:  # a message for the user (ensure_landing), not a crash
        if isinstance(e.code, int) or e.code is None:
            return e.code or 0
        term.line(f"make run stopped: {e.code}", error=True)
        return 2
    except BaseException as e:
        tail = log.tail(15)  # what the failing command printed last (dbt parse, a library) before the traceback
        log.write(traceback.format_exc())
        term.line(f"make run FAILED: {type(e).__name__}: {e}", error=True)
        if tail:
            term.line(f"last lines of the run log before the error ({log.path}):", error=True)
            for line in tail:
                term.line("  " + line[:300], error=True)
        term.line(f"full traceback and output: {log.path}", error=True)
        return 1


def _run(cfg, log: RunLog) -> int:
    term = log.term
    if cfg.uses_dev_secret:
        term.line("note: YIBAO_PSN_KEY_SECRET is not set — using the DEVELOPMENT key; set a secret in production.")
    generated = ensure_landing(term.line)
    t0 = time.perf_counter()
    from orchestration.project import parse_dbt_project

    parse_dbt_project()
    import dagster as dg

    instance = dg.DagsterInstance.get()
    term.line(f"prepared: dbt project parsed ({duration(time.perf_counter() - t0)})")
    result = run_and_summarise(cfg, instance, log, t0, generated)
    return 0 if result.success else 1


def run_and_summarise(
    cfg, instance, log: RunLog, t0: float, generated: str | None = None, launched_from: str = "make run"
):
    """The Dagster job with one terminal line per stage, then the summary (on the terminal and in the log)."""
    from ingest.specs import FEEDS_LIST
    from orchestration.summary import print_summary

    progress = Progress(log, feeds_total=len(FEEDS_LIST) + 1)  # + raw/unrecognised_deliveries
    attach(instance, progress)
    result = materialize_everything(instance, launched_from=launched_from)
    progress.after_run()
    if result.success and not progress.saw_stage("reports"):  # rendered after the job
        quarters = sorted(p.name for p in (cfg.output_dir / "reports").glob("*Q*") if p.is_dir())
        took = duration(time.perf_counter() - progress.run_ended)
        log.term.line(f"reports: 季度通报 rendered for {', '.join(quarters) or 'no quarter'} ({took})")
    elapsed = time.perf_counter() - t0
    print_summary(
        cfg,
        result.run_id,
        elapsed,
        generated,
        ok=result.success,
        score_truth=score_against_truth,
        log_path=log.path,
        file=log.summary_stream(),
    )
    return result


if __name__ == "__main__":
    # a normal exit, not os._exit: dagster-dbt registers dbt's duckdb adapter in this process, and its
    # connection manager's multiprocessing RLock (a named semaphore) is only released by multiprocessing's
    # exit handlers — skipping them left the "leaked semaphore" warning. What libraries print while the
    # interpreter exits (duckdb's "nanobind: leaked …") goes to the run log.
    sys.exit(main())
