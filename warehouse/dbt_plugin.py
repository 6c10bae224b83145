"""dbt-duckdb plugin: registers the project's UDFs on every connection dbt opens."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from warehouse.pseudonym import register_udfs


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        register_udfs(conn)
