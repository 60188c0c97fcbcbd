"""The dbt models as Dagster assets; dbt tests become asset checks.

A model's group is its layer, read from the same place dbt takes its schema (the
`+schema` of its folder), so where a model sits in the tree decides its group.
"""

import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from pipelines import settings
from pipelines.dbt_project import usm_dbt_project
from pipelines.defs.resources import OWNER


class UsmDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return dbt_resource_props["source_name"]
        return dbt_resource_props["config"].get("schema") or "default"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {**super().get_tags(dbt_resource_props), "layer": self.get_group_name(dbt_resource_props) or ""}


@dbt_assets(
    manifest=usm_dbt_project.manifest_path,
    project=usm_dbt_project,
    dagster_dbt_translator=UsmDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    pool="duckdb",
)
def usm_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    site_vars = settings.site_config().dbt_variables()
    args = ["build", *(["--vars", json.dumps(site_vars)] if site_vars else [])]
    # The reconciliation marts' outputs (and their checks) wait until dbt has let go of the
    # warehouse, then carry their row counts by status and the amount at risk.
    held = []
    for event in dbt.cli(args, context=context).stream():
        if _asset_key_of(context, event) in RECON_METADATA_SQL:
            held.append(event)
        else:
            yield event
    if not held:
        return
    warehouse = duckdb.connect(str(settings.duckdb_path()), read_only=True)
    try:
        for event in held:
            key = _asset_key_of(context, event)
            if isinstance(event, dg.Output | dg.AssetMaterialization):
                rows = warehouse.execute(RECON_METADATA_SQL[key]).fetchall()
                event = event.with_metadata({**event.metadata, **_recon_metadata(rows)})
            yield event
    finally:
        warehouse.close()


# Per reconciliation mart: (status or exception type, rows, amount at risk).
RECON_METADATA_SQL = {
    dg.AssetKey(["marts", "ticket_reconciliation"]): (
        "SELECT recon.recon_status, count(DISTINCT recon.work_item_id), sum(open.amount_at_risk) "
        "FROM marts.ticket_reconciliation AS recon LEFT JOIN marts.recon_exceptions AS open "
        "ON open.entity_type = 'work_item' AND open.entity_id = recon.work_item_id "
        "AND open.review_status = 'open' GROUP BY 1 ORDER BY 1"
    ),
    dg.AssetKey(["marts", "recon_exceptions"]): (
        "SELECT exception_type, count(*), sum(amount_at_risk) FILTER (WHERE review_status = 'open') "
        "FROM marts.recon_exceptions GROUP BY 1 ORDER BY 1"
    ),
}


def _asset_key_of(context: dg.AssetExecutionContext, event) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    if isinstance(event, dg.AssetCheckResult):
        return event.asset_key
    return None


def _recon_metadata(rows: list[tuple]) -> dict[str, object]:
    metadata: dict[str, object] = {f"rows.{name}": count for name, count, _ in rows}
    metadata["amount_at_risk"] = float(sum(amount or 0 for *_, amount in rows))
    metadata["amount_at_risk_by_type"] = dg.MetadataValue.json({name: float(amount or 0) for name, _, amount in rows})
    return metadata
