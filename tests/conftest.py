"""Shared fixtures: an empty landing tree beside a warehouse path, a parsed dbt project, a small generated
landing tree, and a full pipeline run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from warehouse.settings import DBT_PROJECT_DIR

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

SAMPLE_SEED = 11
SAMPLE_SCALE = 0.05
# a secret of this test session: the scanner proves it never reaches logs, target/ or exports
TEST_SECRET = "pytest-secret-" + os.urandom(8).hex()


@pytest.fixture
def tree(tmp_path) -> tuple[Path, Path]:
    """An empty landing directory and the path of a warehouse that does not exist yet."""
    root = tmp_path / "landing"
    root.mkdir()
    return root, tmp_path / "wh.duckdb"


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """target/manifest.json, which dagster-dbt reads when the definitions are imported."""
    from orchestration.project import parse_dbt_project

    parse_dbt_project()
    return DBT_PROJECT_DIR / "target" / "manifest.json"


@pytest.fixture(scope="session")
def sample_tree(tmp_path_factory) -> tuple[Path, Path]:
    """A small generated landing tree and its ground-truth file (every rule's cases, few rows)."""
    from synthetic import generate

    base = tmp_path_factory.mktemp("sample")
    landing, truth = base / "landing", base / "ground_truth.csv"
    generate(landing, seed=SAMPLE_SEED, scale=SAMPLE_SCALE, truth=truth)
    return landing, truth


@pytest.fixture(scope="session")
def pipeline_run(sample_tree, dbt_manifest, tmp_path_factory):
    """Materialise every asset of the Dagster definitions on the sample tree, in process, the way
    `make run` does: progress and summary on a terminal (kept as text), the rest in a run log."""
    import io
    import time

    import dagster as dg

    landing, truth = sample_tree
    out = tmp_path_factory.mktemp("run")
    env = {
        "YIBAO_LANDING_DIR": str(landing),
        "YIBAO_WAREHOUSE": str(out / "warehouse.duckdb"),
        "YIBAO_OUTPUT_DIR": str(out / "outputs"),
        "YIBAO_PSN_KEY_SECRET": TEST_SECRET,
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from orchestration.run import run_and_summarise
        from orchestration.runlog import RunLog
        from warehouse.settings import settings

        terminal = io.StringIO()
        with dg.instance_for_test() as instance:
            with RunLog(out / "outputs" / "logs" / "run.log", out=terminal, err=terminal) as log:
                result = run_and_summarise(settings(), instance, log, time.perf_counter(), launched_from="pytest")
            events = [e for e in result.all_events if e.is_step_failure]
            yield {
                "result": result,
                "landing": landing,
                "truth": truth,
                "warehouse": out / "warehouse.duckdb",
                "instance": instance,
                "failures": events,
                "terminal": terminal.getvalue(),
                "run_log": log.path,
            }
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
