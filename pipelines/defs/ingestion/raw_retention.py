"""Raw data retention: after each run, superseded raw versions and quarantined text older
than usm.yaml's `retention.raw_days` are removed (dbt macro prune_raw). Off by default."""

import json

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines import settings
from pipelines.defs.resources import OWNER
from pipelines.lib.dbt_invocations import prune_invocation_folders


@dg.asset(
    key=["raw_maintenance", "retention"],
    group_name="raw_maintenance",
    # After the snapshot is published: a run's marts are built from what was there before pruning.
    deps=[dg.AssetKey(["publish", "marts_snapshot"])],
    description="Removes superseded raw versions and quarantined text older than usm.yaml "
    "`retention.raw_days` (before the newest extract date); every record's current version stays.",
    kinds={"duckdb"},
    owners=[OWNER],
    tags={"layer": "raw_maintenance"},
    pool="duckdb",
)
def raw_retention(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> dg.MaterializeResult:
    days = settings.site_config().raw_retention_days
    if days is None:
        return dg.MaterializeResult(metadata={"retention": "off (usm.yaml retention.raw_days not set)"})
    invocation = dbt.cli(["run-operation", "prune_raw", "--args", json.dumps({"keep_days": days})])
    report = [
        message
        for event in invocation.stream_raw_events()
        if (message := event.raw_event.get("info", {}).get("msg", "")).startswith("prune_raw:")
    ]
    invocation.wait()
    prune_invocation_folders(invocation.target_path)
    return dg.MaterializeResult(
        metadata={"retention_days": days, "pruned": dg.MetadataValue.md("\n".join(f"- {m}" for m in report))}
    )
