"""The analysts' copy of the marts: published after every build, swapped in atomically."""

import json

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import settings
from pipelines.dbt_project import usm_dbt_project
from pipelines.defs.alerts import NIGHTLY_FRESHNESS
from pipelines.defs.resources import OWNER
from pipelines.defs.transform.dbt_assets import usm_dbt_models
from pipelines.lib.snapshot import SNAPSHOT_FILE, STORAGE_VERSION, mart_docs, publish_marts

# Every mart dbt builds, read from the dbt assets themselves: a new mart is published with no edit here.
MART_KEYS = sorted((key for key in usm_dbt_models.keys if key.path[0] == "marts"), key=lambda k: k.path)
# The snapshot waits for the dbt build through the one mart that reads no data, so that a run which
# holds some marts back (a raw table whose load went wrong, a failed blocking test) still publishes
# the others: a dependency on every mart would skip the snapshot whenever one is held back.
BUILT_EVERY_RUN = dg.AssetKey(["marts", "mart_columns"])


@dg.asset(
    key=["publish", "marts_snapshot"],
    group_name="publish",
    deps=[BUILT_EVERY_RUN],
    description=f"Read-only snapshot of schema `marts` for analysts: `$USM_OUTPUT_DIR/{SNAPSHOT_FILE}`, "
    f"one self-contained DuckDB file (storage version {STORAGE_VERSION}, which DuckDB 0.10.3 and later "
    "open) whose tables and columns carry the dbt descriptions as comments. It is replaced atomically "
    "after each build so that an open analyst session never blocks the pipeline and never sees a "
    "half-built mart. A mart the run held back is published as its last build left it, and the "
    "materialization lists it (`held_back`).",
    kinds={"duckdb"},
    owners=[OWNER],
    tags={"layer": "publish"},
    pool="duckdb",
    freshness_policy=NIGHTLY_FRESHNESS,
)
def marts_snapshot(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    output = settings.output_dir()
    docs = mart_docs(json.loads(usm_dbt_project.manifest_path.read_text()))
    with warehouse.get_connection() as con:
        rows = publish_marts(con, output, context.run_id, docs)
    held_back = _not_built_in(context, context.run_id)
    if held_back:
        context.log.warning(f"published as last built (held back in this run): {', '.join(held_back)}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(output / SNAPSHOT_FILE)),
            "held_back": dg.MetadataValue.json(held_back),
            "tables": len(rows),
            **{f"rows.{table}": count for table, count in rows.items()},
        }
    )


def _not_built_in(context: dg.AssetExecutionContext, run_id: str) -> list[str]:
    """The marts whose newest materialization is not this run's: held back, or not selected."""
    latest = {key: context.instance.get_latest_materialization_event(key) for key in MART_KEYS}
    return [key.path[-1] for key, event in latest.items() if event is None or event.run_id != run_id]
