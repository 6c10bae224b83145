"""sqlfluff-only stand-in for dbt's ``graph`` (empty: the graph exists only inside dbt)."""

nodes: dict = {}
