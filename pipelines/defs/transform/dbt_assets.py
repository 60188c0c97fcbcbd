"""The dbt models as Dagster assets; dbt tests become asset checks.

A model's group is its layer, read from the same place dbt takes its schema (the
`+schema` of its folder), so where a model sits in the tree decides its group.
"""


import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
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
    yield from dbt.cli(args, context=context).stream()
