"""Spark smoke test: every seed, model, data test and unit test of the dbt project on Apache Spark.

Runs dbt_project/spark/run_on_spark.py (dbt-spark session mode, local[*]) in a child process on
the small sample (seed 7, scale 1): the project's loader loads the landing files and keeps the lake
(ingest/lake.py), and Spark's raw tables are external tables over that lake. Skipped unless pyspark
is installed (`make spark-test` installs the `spark` extra and runs only this). Takes a few minutes: Spark starts a JVM and each model is a Spark job.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None,
        reason="pyspark / dbt-spark not installed (pip install -e '.[spark]')",
    ),
]


def test_dbt_build_on_spark(tmp_path):
    from synthetic import generate

    landing = tmp_path / "landing"
    generate(landing, seed=7, scale=1.0)
    env = {**os.environ, "YIBAO_SPARK_DIR": str(tmp_path / "spark"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    log = tmp_path / "spark.log"
    with log.open("wb") as out:
        proc = subprocess.run(
            [
                sys.executable,
                str(REPO / "dbt_project" / "spark" / "run_on_spark.py"),
                "--landing",
                str(landing),
                "build",
            ],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=3600,
        )
    text = log.read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, text[-6000:]
    done = [line for line in text.splitlines() if "Done. PASS=" in line]
    assert done and "ERROR=0" in done[-1], done
    # the raw tables really were read from the lake the loader wrote: dbt's unit tests alone would pass
    # on empty tables
    read = next(line for line in text.splitlines() if line.startswith("raw tables read from the lake"))
    assert "fee_list 0," not in read and "fee_list" in read, read
    lake = tmp_path / "spark" / "lake"
    assert len(list((lake / "fee_list").glob("period=*/*.parquet"))) >= 12
