"""The analysts' copy of the marts: published after every build, swapped in atomically."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import settings
from pipelines.defs.alerts import NIGHTLY_FRESHNESS
from pipelines.defs.resources import OWNER
from pipelines.defs.transform.dbt_assets import usm_dbt_models
from pipelines.lib.snapshot import SNAPSHOT_FILE, publish_marts

# Every mart dbt builds, read from the dbt assets themselves: a new mart is published with no edit here.
MART_KEYS = sorted((key for key in usm_dbt_models.keys if key.path[0] == "marts"), key=lambda k: k.path)


@dg.asset(
    key=["publish", "marts_snapshot"],
    group_name="publish",
    deps=MART_KEYS,
    description=f"Read-only snapshot of schema `marts` for analysts: `$USM_OUTPUT_DIR/{SNAPSHOT_FILE}` "
    "(views over Parquet files), replaced atomically after each build so that an open analyst "
    "session never blocks the pipeline and never sees a half-built mart.",
    kinds={"duckdb", "parquet"},
    owners=[OWNER],
    tags={"layer": "publish"},
    pool="duckdb",
    freshness_policy=NIGHTLY_FRESHNESS,
)
def marts_snapshot(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    output = settings.output_dir()
    output.mkdir(parents=True, exist_ok=True)
    with warehouse.get_connection() as con:
        rows = publish_marts(con, output, context.run_id)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(output / SNAPSHOT_FILE)),
            "tables": len(rows),
            **{f"rows.{table}": count for table, count in rows.items()},
        }
    )
