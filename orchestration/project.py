"""The dbt project as Dagster sees it (kept in its own module, as dagster-dbt recommends)."""

from __future__ import annotations

import os
import subprocess

from dagster_dbt import DbtProject

from warehouse.settings import DBT_PROJECT_DIR, venv_bin

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def parse_dbt_project() -> None:
    """Write target/manifest.json, which the dbt assets read at import."""
    subprocess.run(
        [
            venv_bin("dbt"),
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        check=True,
    )


# `dagster dev` re-parses the project on start (like DbtProject.prepare_if_dev, but with the venv's
# dbt, which need not be on PATH); `make run` and the tests call parse_dbt_project() themselves.
if os.environ.get("DAGSTER_IS_DEV_CLI"):
    parse_dbt_project()
