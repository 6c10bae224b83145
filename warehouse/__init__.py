"""What every part of the pipeline shares about the warehouse: settings from the environment
(``settings``), connections (``connection``), the one-writer guards (``guards``), SQL quoting
(``sql``), the pseudonym function (``pseudonym``) and the dbt-duckdb plugin that registers it
(``dbt_plugin``). Imports nothing else of the project."""
