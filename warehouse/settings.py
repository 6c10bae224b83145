"""Run-time configuration from the environment, shared by `make run`, `dagster dev` and the tests.

Every path is resolved against the repository root when relative, so the commands behave the same
from any working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# what every production `dbt build` adds (Dagster, benchmarks): unit tests run in `make test` / CI only
PRODUCTION_BUILD_ARGS = ("--exclude-resource-type", "unit_test")

# A fixed, clearly labelled development key so the demo runs without set-up. Production
# deployments MUST set YIBAO_PSN_KEY_SECRET: with this key anyone can re-identify psn_key values.
DEV_PSN_KEY_SECRET = "DEVELOPMENT-ONLY-psn-key-secret-set-YIBAO_PSN_KEY_SECRET-in-production"

DEFAULTS = {
    "YIBAO_LANDING_DIR": "data/landing",
    "YIBAO_WAREHOUSE": "data/warehouse.duckdb",
    "YIBAO_OUTPUT_DIR": "data/outputs",
}


def _path(var: str) -> Path:
    p = Path(os.environ.get(var) or DEFAULTS[var]).expanduser()
    return p if p.is_absolute() else (REPO_ROOT / p)


def _optional_path(var: str) -> Path | None:
    value = (os.environ.get(var) or "").strip()
    if not value:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else (REPO_ROOT / p)


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    output_dir: Path
    psn_key_secret: str
    duckdb_memory_limit: str | None
    duckdb_threads: int | None
    # YIBAO_LAKE_DIR: also keep every loaded batch as Parquet there for a cluster engine (ingest/lake.py);
    # unset (the default), there is no lake
    lake_dir: Path | None = None

    @property
    def landing_is_default(self) -> bool:
        return self.landing_dir == (REPO_ROOT / DEFAULTS["YIBAO_LANDING_DIR"])

    @property
    def uses_dev_secret(self) -> bool:
        return self.psn_key_secret == DEV_PSN_KEY_SECRET

    def export_env(self) -> dict[str, str]:
        """Environment for child processes (dbt) with every path made absolute."""
        env = {
            "YIBAO_LANDING_DIR": str(self.landing_dir),
            "YIBAO_WAREHOUSE": str(self.warehouse),
            "YIBAO_OUTPUT_DIR": str(self.output_dir),
        }
        if self.duckdb_memory_limit:
            env["YIBAO_DUCKDB_MEMORY_LIMIT"] = self.duckdb_memory_limit
        if self.duckdb_threads:
            env["YIBAO_DUCKDB_THREADS"] = str(self.duckdb_threads)
        if self.lake_dir:
            env["YIBAO_LAKE_DIR"] = str(self.lake_dir)
        return env


# DuckDB's own default is 80 % of RAM, and DuckDB keeps what it may use: at 10M fee lines dbt's
# process grew to 16 GiB. 3 GB keeps every process of the pipeline under 4 GiB (benchmarks/);
# DuckDB spills the rest to <warehouse>.tmp. "auto" restores DuckDB's default.
DEFAULT_MEMORY_LIMIT = "3GB"


def settings() -> Settings:
    threads = os.environ.get("YIBAO_DUCKDB_THREADS")
    memory = os.environ.get("YIBAO_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
    return Settings(
        landing_dir=_path("YIBAO_LANDING_DIR"),
        warehouse=_path("YIBAO_WAREHOUSE"),
        output_dir=_path("YIBAO_OUTPUT_DIR"),
        psn_key_secret=os.environ.get("YIBAO_PSN_KEY_SECRET") or DEV_PSN_KEY_SECRET,
        duckdb_memory_limit=None if memory.lower() == "auto" else memory,
        duckdb_threads=int(threads) if threads else None,
        lake_dir=_optional_path("YIBAO_LAKE_DIR"),
    )


def venv_bin(name: str) -> str:
    """A console script of the running environment (works without activating the venv, and in
    subprocesses whose sys.executable is the resolved base interpreter)."""
    import shutil
    import sys

    for base in (Path(sys.prefix) / "bin", Path(sys.executable).parent):
        if (base / name).exists():
            return str(base / name)
    return shutil.which(name) or name


# The quarterly 通报's issuing body (落款 and 红头) and issue date. The default issuer is a placeholder a
# deployment replaces with its own name; the issue date defaults to the day of rendering in China.
DEFAULT_REPORT_ISSUER = "XX市医疗保障局"


def report_issuer() -> str:
    """YIBAO_REPORT_ISSUER: the bureau that issues the quarterly 通报."""
    return (os.environ.get("YIBAO_REPORT_ISSUER") or "").strip() or DEFAULT_REPORT_ISSUER


def report_issue_date():
    """YIBAO_REPORT_DATE (YYYY-MM-DD): the 通报's issue date; the render date in Asia/Shanghai when unset."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    value = (os.environ.get("YIBAO_REPORT_DATE") or "").strip()
    if not value:
        return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"YIBAO_REPORT_DATE={value!r} is not a date: write it as YYYY-MM-DD, e.g. 2025-07-15"
        ) from None
