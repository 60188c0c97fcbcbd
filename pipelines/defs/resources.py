"""The resources: the warehouse and dbt, both on `$USM_DUCKDB_PATH`, and the vendors' APIs."""


import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from pipelines import settings
from pipelines.dbt_project import usm_dbt_project
from pipelines.defs.ingestion.vendor_apis import vendor_apis_from_environment

# Pipeline-owned metadata that every asset carries, so the UI says who to ask.
OWNER = "team:usm-data"


def build_resources() -> dict[str, dg.ConfigurableResource]:
    return {
        "warehouse": DuckDBResource(
            database=dg.EnvVar("USM_DUCKDB_PATH"), connection_config={"memory_limit": settings.duckdb_memory_limit()}
        ),
        # dbt from this interpreter's environment, whether or not the venv is on PATH.
        "dbt": DbtCliResource(project_dir=usm_dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")),
        "vendor_apis": vendor_apis_from_environment(),
    }
