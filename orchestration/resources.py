"""Dagster resources: connections to the warehouse, and dbt.

Assets take them by parameter (``warehouse: WarehouseResource``, ``dbt: DbtCliResource``), so no
asset opens or closes a connection by hand; ``definitions.py`` registers them under the keys
``warehouse`` and ``dbt``.
"""

import contextlib
from collections.abc import Iterator

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from orchestration.project import dbt_project
from warehouse.connection import connect, connect_read_only
from warehouse.settings import Settings, venv_bin
from warehouse.settings import settings as current_settings

# DuckDB has one writer: every asset that writes the warehouse runs in this pool, whose limit is 1
# (orchestration/dagster.yaml)
WRITER_POOL = "duckdb_writer"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse the environment names (``YIBAO_WAREHOUSE``, memory and thread limits).

    The environment is read when a connection is asked for, not when the definitions are loaded:
    ``make run``, ``dagster dev`` and the tests each set it before anything runs.
    """

    @property
    def settings(self) -> Settings:
        return current_settings()

    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A writable connection with the configured limits, closed however the block ends. Only
        assets in ``WRITER_POOL`` ask for one."""
        cfg = self.settings
        con = connect(cfg.warehouse, cfg.duckdb_memory_limit, cfg.duckdb_threads)
        try:
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection, closed however the block ends."""
        con = connect_read_only(self.settings.warehouse)
        try:
            yield con
        finally:
            con.close()


def dbt_resource() -> DbtCliResource:
    # the dbt next to this interpreter, so a venv works without being activated
    return DbtCliResource(
        project_dir=dbt_project, profiles_dir=str(dbt_project.profiles_dir), dbt_executable=venv_bin("dbt")
    )
