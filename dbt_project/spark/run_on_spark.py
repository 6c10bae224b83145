"""Run this dbt project on Apache Spark (dbt-spark session mode), its raw tables read from the lake.

    uv pip install -e '.[dev,spark]'        # dbt-spark[session]==1.11.0, pyspark==4.3.0 (make spark-test does it)
    python dbt_project/spark/run_on_spark.py --lake DIR [build ...]
    python dbt_project/spark/run_on_spark.py --landing DIR [build ...]

``--lake DIR`` reads the lake the loader keeps (``YIBAO_LAKE_DIR``, ingest/lake.py): each raw table is a
view over an external Parquet table over ``DIR/<feed>`` — one file per loaded batch under ``period=<YYYYMM>/`` — so
Spark sees exactly the batches the manifest holds as loaded, and nothing is copied. ``--landing DIR``
first loads that landing tree with the project's own loader (a scratch DuckDB file under YIBAO_SPARK_DIR,
with the lake beside it), then reads that lake. dbt uses the ``spark`` output of dbt_project/profiles.yml
(session method, ``local[*]``; warehouse and metastore directories from YIBAO_SPARK_DIR).

What the Spark path needs, in one place:
  * the raw tables in database `raw`: views over external tables over the lake in database `lake`
    (columns from ingest/specs.py, types as Spark names them; `recursiveFileLookup`, since the lineage
    column `_period` already holds the period and one feed, kb_point_code, has a column named `period`
    of its own; timestamps read as the wall-clock times they are, see SPARK_TYPES);
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


def load_into_lake(landing: Path, base: Path) -> Path:
    """Load ``landing`` with ingest.loader into a scratch DuckDB file, keeping the lake at base/lake."""
    from ingest.loader import Loader
    from warehouse.connection import connect

    lake = base / "lake"
    db = base / "scratch.duckdb"
    db.unlink(missing_ok=True)
    con = connect(db)
    try:
        report = Loader(con, landing, progress=print, lake=lake).load_all()
    finally:
        con.close()
    db.unlink(missing_ok=True)
    print(f"loaded {report.rows_loaded:,} rows from {landing}; lake {lake}: {report.lake.summary()}")
    return lake


# DuckDB type → Spark type of a lake column. The warehouse's timestamps are Beijing wall-clock times
# without a zone, and DuckDB writes them to Parquet as such (isAdjustedToUTC=false). Declared as Spark's
# `timestamp`, the external table would read them as UTC instants and show them 8 hours later in the
# Asia/Shanghai session — every hour-of-day and calendar-day check off by eight hours. So the external
# table declares `timestamp_ntz` (the wall-clock time as written), and the raw view casts it to
# `timestamp` in the session's zone, Asia/Shanghai: the same wall-clock time, the type the models expect.
SPARK_TYPES = {"varchar": "string", "timestamp": "timestamp_ntz"}


def raw_table_sql(feed, lake: Path) -> list[str]:
    """The external table of one feed over its lake directory (database ``lake``; columns and order as
    ingest/specs.py), and the view ``raw.<feed>`` over it that the dbt sources read."""
    from ingest.specs import LINEAGE_COLUMNS

    columns = [(f.code, f.sql_type) for f in feed.fields] + [(name, typ) for name, typ, _ in LINEAGE_COLUMNS]
    body = ",\n".join(f"    `{name}` {SPARK_TYPES.get(typ, typ)}" for name, typ in columns)
    location = str(lake / feed.name).replace("'", "\\'")
    select = ",\n".join(
        f"    cast(`{name}` as timestamp) as `{name}`" if typ == "timestamp" else f"    `{name}`"
        for name, typ in columns
    )
    return [
        f"create table lake.`{feed.name}` (\n{body}\n)"
        f" using parquet options (recursiveFileLookup 'true') location '{location}'",
        f"create view raw.`{feed.name}` as select\n{select}\nfrom lake.`{feed.name}`",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--lake", type=Path, help="the loader's lake (YIBAO_LAKE_DIR) to read raw from")
    source.add_argument("--landing", type=Path, help="landing tree to load (through ingest.loader) into a lake first")
    ap.add_argument("dbt_args", nargs=argparse.REMAINDER, help="dbt command and arguments (default: build)")
    args = ap.parse_args(argv)

    from pyspark.sql import SparkSession
    from pyspark.sql.types import StringType

    from ingest.specs import FEEDS_LIST
    from warehouse.pseudonym import psn_key
    from warehouse.settings import settings

    base = Path(os.environ.get("YIBAO_SPARK_DIR", REPO / "data" / "spark")).resolve()
    os.environ["YIBAO_SPARK_DIR"] = str(base)  # the profile's spark output reads it too
    base.mkdir(parents=True, exist_ok=True)
    lake = load_into_lake(args.landing.resolve(), base) if args.landing else args.lake.resolve()
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
        # fct_rule_hits unions every rule view: their broadcast joins all start at once and queue for the
        # cores (200 s for the table on the small sample with two cores), past the 300 s default wait
        .config("spark.sql.broadcastTimeout", os.environ.get("YIBAO_SPARK_BROADCAST_TIMEOUT", "3600"))
        .enableHiveSupport()
        .getOrCreate()
    )
    spark.sql("create database if not exists lake")
    spark.sql("create database if not exists raw")
    # replace what an earlier run left (external tables: dropping one leaves the lake alone)
    for database in ("raw", "lake"):
        for table in spark.catalog.listTables(database):
            kind = "view" if table.tableType == "VIEW" else "table"
            spark.sql(f"drop {kind} {database}.`{table.name}`")
    counts = []
    for feed in FEEDS_LIST:
        (lake / feed.name).mkdir(parents=True, exist_ok=True)  # a feed never delivered: an empty table
        for statement in raw_table_sql(feed, lake):
            spark.sql(statement)
        counts.append(f"{feed.name} {spark.table(f'raw.`{feed.name}`').count():,}")
    print(f"raw tables read from the lake {lake}: " + ", ".join(counts))

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
