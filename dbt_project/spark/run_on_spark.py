"""Run this dbt project on Apache Spark (dbt-spark session mode) — the portability check.

    uv pip install -e '.[dev,spark]'        # dbt-spark[session]==1.11.0, pyspark==4.3.0 (make spark-test does it)
    python dbt_project/spark/run_on_spark.py [--landing DIR | --raw-parquet DIR] [build ...]

``--landing DIR`` loads that landing tree with the project's own loader into a scratch DuckDB file,
exports each raw table to Parquet and fills Spark's raw tables from those files — the same rows
the DuckDB path sees. dbt uses the ``spark`` output of dbt_project/profiles.yml (session method,
``local[*]``; warehouse and metastore directories from YIBAO_SPARK_DIR).

What the Spark path needs, in one place:
  * the raw tables in database `raw` (created here from ingest/specs.py, types as Spark names them;
    with --raw-parquet DIR each table is filled from DIR/<feed>.parquet, e.g. a DuckDB export);
  * the pseudonym function `yibao_psn_key` registered as a session UDF with the secret from
    YIBAO_PSN_KEY_SECRET — which is why dbt runs in this process (dbtRunner) after the session
    exists: dbt-spark's session mode reuses SparkSession.getOrCreate();
  * one dbt process at a time, with explicit warehouse and Derby metastore directories
    (YIBAO_SPARK_DIR, default data/spark).

Not imported by anything else; the DuckDB path needs none of it.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def export_raw_parquet(landing: Path, out: Path) -> Path:
    """Load ``landing`` with ingest.loader into a scratch DuckDB file; write raw.<feed> to out/<feed>.parquet."""
    from ingest.loader import Loader
    from ingest.specs import FEEDS_LIST
    from warehouse.connection import connect

    out.mkdir(parents=True, exist_ok=True)
    db = out / "scratch.duckdb"
    db.unlink(missing_ok=True)
    con = connect(db)
    try:
        Loader(con, landing, progress=print).load_all()
        for feed in FEEDS_LIST:
            con.execute(f"copy raw.\"{feed.name}\" to '{out / (feed.name + '.parquet')}' (format parquet)")
    finally:
        con.close()
    db.unlink(missing_ok=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw-parquet", type=Path, help="directory of <feed>.parquet files to load into raw")
    ap.add_argument("--landing", type=Path, help="landing tree to load (through ingest.loader) into raw")
    ap.add_argument("dbt_args", nargs=argparse.REMAINDER, help="dbt command and arguments (default: build)")
    args = ap.parse_args(argv)

    from pyspark.sql import SparkSession
    from pyspark.sql.types import StringType

    from ingest.specs import FEEDS_LIST, raw_table_ddl
    from warehouse.pseudonym import psn_key
    from warehouse.settings import settings

    base = Path(os.environ.get("YIBAO_SPARK_DIR", REPO / "data" / "spark")).resolve()
    os.environ["YIBAO_SPARK_DIR"] = str(base)  # the profile's spark output reads it too
    if args.landing:
        args.raw_parquet = export_raw_parquet(args.landing.resolve(), base / "raw_parquet")
    spark = (
        SparkSession.builder.appName("yibao-dbt")
        .master(os.environ.get("YIBAO_SPARK_MASTER", "local[*]"))
        .config("spark.sql.warehouse.dir", str(base / "warehouse"))
        .config("javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={base / 'metastore_db'};create=true")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={base / 'derby'}")
        .config("spark.sql.shuffle.partitions", os.environ.get("YIBAO_SPARK_SHUFFLE_PARTITIONS", "4"))
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.ui.enabled", "false")
        # the driver plans every model; rule views with many unions and filters (and unit tests, whose
        # fixtures are inline unions) make Catalyst's constraint propagation grow past the 1 GiB default
        .config("spark.driver.memory", os.environ.get("YIBAO_SPARK_DRIVER_MEMORY", "4g"))
        .config("spark.sql.constraintPropagation.enabled", "false")
        .enableHiveSupport()
        .getOrCreate()
    )
    spark.sql("create database if not exists raw")
    for feed in FEEDS_LIST:
        ddl = raw_table_ddl(feed).replace('"', "`").replace(" varchar", " string")
        spark.sql(ddl + " using parquet")
        if args.raw_parquet:
            path = args.raw_parquet / f"{feed.name}.parquet"
            if path.exists():
                cols = ", ".join(f"`{c}`" for c in spark.table(f"raw.`{feed.name}`").columns)
                spark.sql(f"insert overwrite raw.`{feed.name}` select {cols} from parquet.`{path}`")

    # the DuckDB path's pseudonym function, with the same secret
    spark.udf.register("yibao_psn_key", functools.partial(psn_key, settings().psn_key_secret), StringType())

    from dbt.cli.main import dbtRunner

    dbt_args = args.dbt_args or ["build"]
    result = dbtRunner().invoke(
        [
            *dbt_args,
            "--project-dir",
            str(REPO / "dbt_project"),
            "--profiles-dir",
            str(REPO / "dbt_project"),
            "--target",
            "spark",
            "--target-path",
            str(base / "target"),
            "--log-path",
            str(base / "logs"),
        ]
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
