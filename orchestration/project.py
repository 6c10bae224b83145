"""The dbt project as Dagster sees it (kept in its own module, as dagster-dbt recommends)."""

from __future__ import annotations

from dagster_dbt import DbtProject

from ingest.config import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# `dagster dev` re-parses the project on start; `make run` and the tests run `dbt parse` first.
dbt_project.prepare_if_dev()
