"""Run this dbt project on Apache Spark (dbt-spark session mode) — the portability check.

    pip install "dbt-core==1.11.16" "dbt-spark[session]==1.11.0" "pyspark==4.3.0"   # own venv
    python dbt_project/spark/run_on_spark.py [--raw-parquet DIR] build

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
import hashlib
import hmac
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

PROFILE = """\
yibao:
  target: spark
  outputs:
    spark:
      type: spark
      method: session
      schema: default
      host: NA
      threads: 1
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw-parquet", type=Path, help="directory of <feed>.parquet files to load into raw")
    ap.add_argument("dbt_args", nargs=argparse.REMAINDER, help="dbt command and arguments (default: build)")
    args = ap.parse_args(argv)

    from pyspark.sql import SparkSession
    from pyspark.sql.types import StringType

    from ingest.config import settings
    from ingest.specs import FEEDS_LIST, raw_table_ddl

    base = Path(os.environ.get("YIBAO_SPARK_DIR", REPO / "data" / "spark")).resolve()
    spark = (
        SparkSession.builder.appName("yibao-dbt")
        .config("spark.sql.warehouse.dir", str(base / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={base / 'derby'}")
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.ui.enabled", "false")
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
                spark.sql(f"insert overwrite raw.`{feed.name}` select * from parquet.`{path}`")

    # the same HMAC-SHA256 as ingest.pseudonym.psn_key (not imported: it needs pyarrow)
    key = settings().psn_key_secret.encode("utf-8")

    def _psn_key(value: str | None) -> str | None:
        return None if value is None else hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    spark.udf.register("yibao_psn_key", _psn_key, StringType())

    profiles = base / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    (profiles / "profiles.yml").write_text(PROFILE, encoding="utf-8")

    from dbt.cli.main import dbtRunner

    dbt_args = args.dbt_args or ["build"]
    result = dbtRunner().invoke([
        *dbt_args, "--project-dir", str(REPO / "dbt_project"), "--profiles-dir", str(profiles),
        "--target-path", str(base / "target"), "--log-path", str(base / "logs"),
    ])
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
