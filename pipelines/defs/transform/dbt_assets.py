"""The dbt models as Dagster assets; dbt tests become asset checks.

A model's group is its layer, read from the same place dbt takes its schema (the
`+schema` of its folder), so where a model sits in the tree decides its group.
The staging model of the declared tools reads their raw tables by name (var `declared_tools`),
not as dbt sources: its asset depends on the site's declared raw assets (usm.yaml `tools:`).
"""

import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_duckdb import DuckDBResource

from pipelines import settings
from pipelines.dbt_project import usm_dbt_project
from pipelines.defs.alerts import with_nightly_freshness
from pipelines.defs.resources import OWNER
from pipelines.lib.dbt_invocations import prune_invocation_folders
from pipelines.lib.recon_report import RECON_METADATA_SQL, recon_metadata
from pipelines.sources.catalog import declared_entity

RECON_MARTS = {dg.AssetKey(["marts", name]) for name in RECON_METADATA_SQL}
DECLARED_STAGING = "model.usm.stg_declared__ticket_versions"


class UsmDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return dbt_resource_props["source_name"]
        return dbt_resource_props["config"].get("schema") or "default"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {**super().get_tags(dbt_resource_props), "layer": self.get_group_name(dbt_resource_props) or ""}

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        # The marts carry the nightly freshness policy (pipelines/defs/alerts.py).
        spec = with_nightly_freshness(super().get_asset_spec(manifest, unique_id, project))
        if unique_id == DECLARED_STAGING:
            raw = [declared_entity(tool) for tool in settings.site_config().tools]
            spec = spec.merge_attributes(deps=[dg.AssetKey([entity.schema, entity.entity]) for entity in raw])
        return spec


@dbt_assets(
    manifest=usm_dbt_project.manifest_path,
    project=usm_dbt_project,
    dagster_dbt_translator=UsmDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    pool="duckdb",
)
def usm_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource):
    site_vars = settings.site_config().dbt_variables()
    args = ["build", *(["--vars", json.dumps(site_vars)] if site_vars else [])]
    # The reconciliation marts' outputs (and their checks) wait until dbt has let go of the
    # warehouse, then carry their row counts by status and the amount at risk. Every event
    # after the first of them waits too: Dagster wants outputs in dependency order, and the
    # governance marts read the reconciliation marts.
    held = []
    invocation = dbt.cli(args, context=context)
    try:
        for event in invocation.stream():
            if held or _asset_key_of(context, event) in RECON_MARTS:
                held.append(event)
            else:
                yield event
    finally:
        # A failure while streaming must not leave dbt building on its own: it would hold the
        # warehouse's lock after the run has ended.
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait(timeout=60)
        prune_invocation_folders(invocation.target_path)
    if not held:
        return
    with warehouse.get_connection() as con:
        for event in held:
            key = _asset_key_of(context, event)
            if key in RECON_MARTS and isinstance(event, dg.Output | dg.AssetMaterialization):
                mart = key.path[-1]
                event = event.with_metadata({**event.metadata, **recon_metadata(con, mart)})
            yield event


def _asset_key_of(context: dg.AssetExecutionContext, event) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    if isinstance(event, dg.AssetCheckResult):
        return event.asset_key
    return None
