"""Every seed, model, data test and unit test of the dbt project on Apache Spark, and the same hits as DuckDB.

The project's loader loads the small sample (seed 7, scale 1) into a DuckDB warehouse and keeps the lake
(ingest/lake.py); dbt_project/spark/run_on_spark.py (dbt-spark session mode, local[*]) builds every
model in a child process with Spark's raw tables as external tables over that lake; then dbt builds the
same models on DuckDB, and both engines must give the same hits, rule by rule. Skipped unless pyspark
is installed (`make spark-test` installs the `spark` extra and runs only this). Takes about twenty minutes:
Spark starts a JVM and each model is a Spark job.
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


def test_dbt_build_on_spark_gives_duckdbs_hits(tmp_path, monkeypatch):
    from benchmarks.spark_lake import compare_hits
    from ingest.loader import Loader
    from synthetic import generate
    from tests.helpers import run_dbt
    from warehouse.connection import connect

    landing, lake, warehouse = tmp_path / "landing", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    generate(landing, seed=7, scale=1.0)
    # the loader as production runs it with YIBAO_LAKE_DIR set: the warehouse, and every batch in the lake
    con = connect(warehouse)
    try:
        Loader(con, landing, lake=lake).load_all()
    finally:
        con.close()

    env = {**os.environ, "YIBAO_SPARK_DIR": str(tmp_path / "spark"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    log = tmp_path / "spark.log"
    with log.open("wb") as out:
        proc = subprocess.run(
            [sys.executable, str(REPO / "dbt_project" / "spark" / "run_on_spark.py"), "--lake", str(lake), "build"],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=3600,
        )
    text = log.read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, failure_summary(text)
    done = [line for line in text.splitlines() if "Done. PASS=" in line]
    assert done and "ERROR=0" in done[-1], done
    # the raw tables really were read from the lake the loader wrote: dbt's unit tests alone would pass
    # on empty tables
    read = next(line for line in text.splitlines() if line.startswith("raw tables read from the lake"))
    assert "fee_list 0," not in read and "fee_list" in read, read
    assert len(list((lake / "fee_list").glob("period=*/*.parquet"))) >= 12

    # DuckDB builds the same raw rows: every rule must find the same hits (ids and amounts) on both engines.
    # A portability slip — a time read in another zone, a null ordered differently — shows here.
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(warehouse))
    run_dbt(
        "build",
        "--exclude",
        "resource_type:unit_test",
        project=REPO / "dbt_project",
        target=tmp_path / "duckdb-target",
        logs=tmp_path / "duckdb-logs",
    )
    compared = compare_hits(warehouse, tmp_path / "spark")
    differ = {rule: h.describe() for rule, h in compared.items() if not h.same}
    assert not differ, differ
    assert len(compared) >= 25 and sum(h.duckdb for h in compared.values()) > 100, compared


def failure_summary(text: str, limit: int = 8000) -> str:
    """What a failed Spark build says about its failures, without the JVM stack frames: dbt's summary from
    "Completed with" on (each failing node, its error and every "Caused by"), else the log's tail."""
    start = text.rfind("Completed with")
    lines = text[start:].splitlines() if start >= 0 else text.splitlines()[-200:]
    kept = [line for line in lines if not line.strip().startswith(("at ", "... "))]
    return "\n".join(kept)[:limit]
