"""sqlfluff-only stand-in for dbt's ``target``: models lint as on the DuckDB target."""

type = "duckdb"  # noqa: A001 - the attribute dbt's target has
name = "duckdb"
