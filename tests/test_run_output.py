"""`make run` is quiet: stage lines and the summary on the terminal, the rest in the run log; errors stay loud."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import dagster as dg

from ingest.specs import FEEDS_LIST
from orchestration.runlog import Progress, RunLog, attach


def test_the_run_log_gets_everything_the_terminal_only_what_is_meant_for_it(tmp_path):
    terminal = io.StringIO()
    with RunLog(tmp_path / "logs" / "run.log", out=terminal, err=terminal) as log:
        log.term.line("stage: done")
        print("a print")
        # a library's warning in a child process (dbt's agate) reaches the log through the descriptors
        subprocess.run([sys.executable, "-c", "import warnings; warnings.warn('a python warning', RuntimeWarning)"])
        subprocess.run([sys.executable, "-c", "import sys; print('child out'); print('child err', file=sys.stderr)"])
        print("7 of 9 OK created sql table model core.dim_x ... [OK in 0.1s]")
        print("Done. PASS=9 WARN=0 ERROR=0 SKIP=0 TOTAL=9")
    assert terminal.getvalue() == "stage: done\n"
    text = log.path.read_text()
    for expected in ("a print", "a python warning", "child out", "child err", "7 of 9 OK"):
        assert expected in text
    assert (log.dbt.done, log.dbt.total, log.dbt.counts) == (7, 9, "PASS=9 WARN=0 ERROR=0 SKIP=0 TOTAL=9")
    print("after stop")  # back on pytest's stdout, not in the log
    assert "after stop" not in log.path.read_text()


def test_a_failing_step_prints_its_error_and_the_log_path(tmp_path, monkeypatch):
    # Dagster copies a step's captured output back to the run's stderr with `tail -F` (1 s polling) and
    # stops it when the step ends; on a loaded machine its last lines, the STEP_FAILURE line among them,
    # can be cut off unless it may finish its last poll (dagster-io/dagster#23336)
    monkeypatch.setenv("DAGSTER_COMPUTE_LOG_TAIL_WAIT_AFTER_FINISH", "1.5")

    @dg.op
    def explode():
        raise ValueError("warehouse file is locked: close the other client and rerun make run")

    @dg.job
    def broken():
        explode()

    terminal = io.StringIO()
    with dg.instance_for_test() as instance, RunLog(tmp_path / "run.log", out=terminal, err=terminal) as log:
        progress = Progress(log, feeds_total=1)
        attach(instance, progress)
        result = broken.execute_in_process(instance=instance, raise_on_error=False)
        progress.after_run()
    out = terminal.getvalue()
    assert not result.success
    assert "FAILED explode (step explode)" in out
    assert "warehouse file is locked: close the other client and rerun make run" in out
    assert str(log.path) in out
    assert "STEP_FAILURE" in log.path.read_text()  # Dagster's event lines are in the log, not on the terminal
    assert "STEP_FAILURE" not in out


def test_feed_descriptions_say_where_files_are_looked_for_without_html_like_placeholders(dbt_manifest):
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for feed in FEEDS_LIST:
        desc = graph.get(dg.AssetKey(["raw", feed.name])).description
        outside_code = re.sub(r"`[^`]*`", "", desc)
        assert not re.search(r"<[A-Za-z/]", outside_code), desc  # Markdown would swallow it as an HTML tag
        assert f"{feed.name}/YYYYMM/SENDER_{feed.name}_YYYYMM" in desc
        assert "YIBAO_LANDING_DIR" in desc


def test_the_pipeline_terminal_output_is_short_and_ends_with_the_summary(pipeline_run):
    out = pipeline_run["terminal"]
    lines = out.rstrip("\n").splitlines()
    assert len(lines) < 80, out
    assert lines[-1] == "=" * 78
    summary = lines[max(i for i, ln in enumerate(lines) if ln.startswith("yibao-supervision run")) :]
    assert any("rule hits:" in ln for ln in summary)
    assert str(pipeline_run["run_log"]) in summary[-2], summary[-3:]
    assets = len(FEEDS_LIST) + 1  # + raw/unrecognised_deliveries
    for stage in (f"loading feeds: {assets}/{assets}", "quality gate: ", "dbt build: ", "exports: done", "reports: "):
        assert any(ln.startswith(stage) for ln in lines), (stage, out)
    assert " - DEBUG - " not in out and "Warning" not in out and " of " not in out.split("=" * 78)[0]
    log = pipeline_run["run_log"].read_text()
    assert " - DEBUG - " in log and "STEP_START" in log  # Dagster's events, DEBUG included
    assert re.search(r"^\d+ of \d+ (OK|PASS) ", log, re.M)  # dbt's per-node output
    assert "Done. PASS=" in log
    assert "yibao-supervision run" in log  # the summary is kept with the run
