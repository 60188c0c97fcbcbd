"""The dbt project as Dagster sees it. No relative imports: `dagster-dbt project prepare-and-package`
imports this file alone."""

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

usm_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
usm_dbt_project.prepare_if_dev()
