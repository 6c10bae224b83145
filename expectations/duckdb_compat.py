"""Make Great Expectations' SQL execution engine work on DuckDB (through duckdb_engine).

GX 1.x has no DuckDB dialect. duckdb_engine presents DuckDB to SQLAlchemy as a Postgres-like
dialect named ``duckdb``, and two things break inside GX (measured on GX 1.24.1, see
shared/docs/TOOLCHAIN.md):

1. **Every metric fails with ``list index out of range``.** GX's ``execute_query`` returns the
   cursor result *after* leaving ``with engine.connect()``, i.e. after the pooled connection went
   back to the pool; duckdb_engine's cursor is gone by then and ``fetchall()`` returns ``[]``.
   GX already solves this for sqlite/mssql/bigquery/databricks by keeping one persisted
   connection (``_PERSISTED_CONNECTION_DIALECTS``) on a ``StaticPool``. We add ``duckdb`` to that
   list, which also makes the engine a single-connection ``StaticPool``.
2. **Regex expectations raise "Regex is not supported for dialect duckdb".**
   ``get_dialect_regex_expression`` knows no DuckDB; it is imported by name into six metric
   modules, so each of those names is wrapped to emit ``regexp_matches(col, pattern)`` (a
   *search*, like Postgres ``~`` and GX's pandas ``str.contains``) for the duckdb dialect and
   defer to GX for every other dialect.

3. **Every UnexpectedRowsExpectation runs its query twice**: once counted
   (``unexpected_rows_query.row_count``) and once fetching the rows (``unexpected_rows_query.table``,
   a declared dependency whatever the result format) — which only ``result_format="COMPLETE"`` puts
   in the result. The gate validates with SUMMARY and finds the offending files and lines with its own
   grouped query, so the rows query is dropped from the dependencies: the count alone decides (at 10M
   fee lines the second run of each query cost ≈ 4 s per gate run; a check with millions of
   unexpected rows no longer fetches any of them either). With COMPLETE the result would carry no
   rows (``details.unexpected_rows`` is ``None``).

These touch GX internals, so :func:`install` refuses to run on any GX other than the pinned
:data:`GX_VERSION` (raise, not warn: a silently half-working gate is worse than none) and
``tests/test_expectations.py`` exercises every expectation type the suites use on a real
DuckDB file.

Connections: :func:`duckdb_datasource` opens the warehouse **read-only** (many readers may share
a file, the writer lock is never taken) and :func:`dispose_datasource` closes the persisted
connection and disposes both engines GX creates (the datasource's own and the execution
engine's). Call it in a ``finally``: a forgotten engine keeps the file open and the next writer
(dbt, the loader) fails with ``Could not set lock on file``.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

logger = logging.getLogger(__name__)

GX_VERSION = "1.24.1"

# modules that did ``from great_expectations.expectations.metrics.util import get_dialect_regex_expression``
_REGEX_MODULES = (
    "great_expectations.expectations.metrics.util",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_not_match_regex",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex_list",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_not_match_regex_list",
    "great_expectations.expectations.metrics.column_aggregate_metrics.column_values_match_regex_values",
    "great_expectations.expectations.metrics.column_aggregate_metrics.column_values_not_match_regex_values",
)

_installed = False


class _DuckDBDialectName(str):
    """A dialect marker that compares equal to ``"duckdb"`` and has ``.value`` like GXSqlDialect.

    GX tests membership of ``_PERSISTED_CONNECTION_DIALECTS`` both with ``dialect_name in …``
    (a str) and with ``dialect.value`` (enum members); this object satisfies both.
    """

    @property
    def value(self) -> str:
        return str(self)


DUCKDB = _DuckDBDialectName("duckdb")


def _is_duckdb(dialect: Any) -> bool:
    name = getattr(dialect, "name", None)
    if name is None:
        name = getattr(getattr(dialect, "dialect", None), "name", None)
    return isinstance(name, str) and name.lower() == "duckdb"


def _wrap_regex(original):
    from great_expectations.compatibility.sqlalchemy import sqlalchemy as sa

    def get_dialect_regex_expression(column, regex, dialect, positive: bool = True):
        if _is_duckdb(dialect):
            expr = sa.func.regexp_matches(column, sa.literal(regex))
            return expr if positive else sa.not_(expr)
        return original(column, regex, dialect, positive=positive)

    get_dialect_regex_expression.__wrapped__ = original  # type: ignore[attr-defined]
    get_dialect_regex_expression._yibao_duckdb = True  # type: ignore[attr-defined]
    return get_dialect_regex_expression


def install() -> None:
    """Apply the patches (idempotent). Raises if the installed GX is not the pinned version."""
    global _installed
    if _installed:
        return
    import great_expectations as gx

    if gx.__version__ != GX_VERSION:
        raise RuntimeError(
            f"expectations.duckdb_compat patches GX internals and is tested with great-expectations "
            f"=={GX_VERSION}, but {gx.__version__} is installed. Pin great-expectations=={GX_VERSION} "
            "in pyproject.toml, or re-run tests/test_expectations.py against the new version and "
            "update GX_VERSION."
        )
    from great_expectations.execution_engine import sqlalchemy_execution_engine as see

    if DUCKDB not in see._PERSISTED_CONNECTION_DIALECTS:
        see._PERSISTED_CONNECTION_DIALECTS = (*see._PERSISTED_CONNECTION_DIALECTS, DUCKDB)

    util = importlib.import_module(_REGEX_MODULES[0])
    original = util.get_dialect_regex_expression
    if not getattr(original, "_yibao_duckdb", False):
        wrapped = _wrap_regex(original)
        for name in _REGEX_MODULES:
            mod = importlib.import_module(name)
            if getattr(mod, "get_dialect_regex_expression", None) is original:
                mod.get_dialect_regex_expression = wrapped
    _count_unexpected_rows_only()
    _installed = True


def _count_unexpected_rows_only() -> None:
    """Patch 3: UnexpectedRowsExpectation depends on the row count only (module docstring)."""
    from great_expectations.expectations.core.unexpected_rows_expectation import UnexpectedRowsExpectation

    if getattr(UnexpectedRowsExpectation, "_yibao_count_only", False):
        return
    original = UnexpectedRowsExpectation._validate

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        metrics = {**metrics, "unexpected_rows_query.table": metrics.get("unexpected_rows_query.table")}
        return original(self, metrics, runtime_configuration, execution_engine)

    UnexpectedRowsExpectation.metric_dependencies = ("unexpected_rows_query.row_count",)
    UnexpectedRowsExpectation._validate = _validate
    UnexpectedRowsExpectation._yibao_count_only = True


def connection_string(warehouse) -> str:
    return f"duckdb:///{warehouse}"


def duckdb_datasource(
    context,
    name: str,
    warehouse,
    *,
    read_only: bool = True,
    threads: int | None = None,
    memory_limit: str | None = None,
):
    """A GX SQL datasource on the DuckDB file ``warehouse`` (read-only unless told otherwise)."""
    install()
    config: dict[str, Any] = {}
    if threads:
        config["threads"] = int(threads)
    if memory_limit:
        config["memory_limit"] = str(memory_limit)
    connect_args: dict[str, Any] = {"read_only": bool(read_only)}
    if config:
        connect_args["config"] = config
    return context.data_sources.add_sql(
        name=name,
        connection_string=connection_string(warehouse),
        kwargs={"connect_args": connect_args},
    )


def dispose_datasource(datasource) -> None:
    """Close every connection GX opened for ``datasource`` so the DuckDB file lock is released."""
    ee = getattr(datasource, "_execution_engine", None)
    if ee is not None:
        conn = getattr(ee, "_connection", None)
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - best effort while releasing
                logger.debug("closing GX's persisted connection failed", exc_info=True)
            ee._connection = None
        try:
            ee.engine.dispose()
        except Exception:  # noqa: BLE001
            logger.debug("disposing GX's execution engine failed", exc_info=True)
    engine = getattr(datasource, "_engine", None)
    if engine is not None:
        try:
            engine.dispose()
        except Exception:  # noqa: BLE001
            logger.debug("disposing the datasource engine failed", exc_info=True)
