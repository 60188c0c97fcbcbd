"""The dbt models as Dagster assets; dbt tests become asset checks.

A model's group is its layer, read from the same place dbt takes its schema (the
`+schema` of its folder), so where a model sits in the tree decides its group.
The staging model of the declared tools reads their raw tables by name (var `declared_tools`),
not as dbt sources: its asset depends on the site's declared raw assets (usm.yaml `tools:`).
"""

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_duckdb import DuckDBResource

from pipelines import settings
from pipelines.dbt_project import usm_dbt_project
from pipelines.defs.alerts import with_nightly_freshness
from pipelines.defs.quality.pandera_checks import lineage_check_name
from pipelines.defs.resources import OWNER
from pipelines.lib.dbt_invocations import prune_invocation_folders
from pipelines.lib.recon_report import RECON_METADATA_SQL, recon_metadata
from pipelines.sources.catalog import dated_entities, declared_entity

MARTS_SCHEMA = "marts"
RECON_MARTS = {dg.AssetKey([MARTS_SCHEMA, name]) for name in RECON_METADATA_SQL}
DECLARED_STAGING_NAME = "stg_declared__ticket_versions"
DECLARED_STAGING = f"model.usm.{DECLARED_STAGING_NAME}"
DBT_STEP = "usm_dbt_models"
"""The dbt step's name in a job: where its run config goes (`usm run --full-refresh`)."""


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False
    """Rebuild the incremental staging models from all of raw (`dbt build --full-refresh`), as after
    a change of their SQL; otherwise they take in only what the loads since their last build changed."""


class UsmDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return dbt_resource_props["source_name"]
        return dbt_resource_props["config"].get("schema") or "default"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {**super().get_tags(dbt_resource_props), "layer": self.get_group_name(dbt_resource_props) or ""}

    def get_asset_check_spec(
        self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetCheckSpec | None:
        # A dbt test of severity error stays an error, but not a Dagster blocking check: Dagster would
        # fail the whole dbt step on it, and so every mart. dbt itself skips what is built on the
        # tested model, and only that (docs/architecture.md, "How failures are contained").
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        return spec._replace(blocking=False) if spec is not None and spec.blocking else spec

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
    name=DBT_STEP,
)
def usm_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource, config: DbtBuildConfig
):
    site_vars = settings.site_config().dbt_variables()
    failed_tables, excludes = _raw_tables_held_back(context.instance)
    if failed_tables:
        context.log.error(
            f"held back: every model built on {', '.join(failed_tables)}, whose lineage check failed; "
            "the other models build"
        )
    args = [
        "build",
        *(["--vars", json.dumps(site_vars)] if site_vars else []),
        *(["--exclude", " ".join(excludes)] if excludes else []),
        *(["--full-refresh"] if config.full_refresh else []),
    ]
    # The marts' outputs (and their checks) wait until dbt has let go of the warehouse (DuckDB lets
    # no other process read it while dbt writes), then carry their row counts and columns, and the
    # reconciliation marts their rows by status and the amount at risk. What is built on a mart
    # waits with it (Dagster wants outputs in dependency order); every other event goes out as dbt
    # reports it (holding them all cost 5-12 s a run in event writes after dbt had finished).
    waiting = _marts_and_what_is_built_on_them(context.assets_def.asset_deps)
    held = []
    # A dbt test that fails (severity error: a duplicate key, a broken join) makes dbt skip what is
    # built on its model, and only that: the rest publishes, and the skipped models are not
    # materialized (`usm run` names them). A model or test that cannot run at all is a bug: the
    # step fails, after the models that built are recorded.
    invocation = dbt.cli(args, context=context, raise_on_error=False)
    try:
        for event in invocation.stream():
            if _asset_key_of(context, event) in waiting:
                held.append(event)
            else:
                yield event
        results = invocation.get_artifact("run_results.json")["results"]
    finally:
        # A failure while streaming must not leave dbt building on its own: it would hold the
        # warehouse's lock after the run has ended.
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait(timeout=60)
        prune_invocation_folders(invocation.target_path)
    yield from _with_mart_metadata(context, held, warehouse, invocation.manifest)
    broken = sorted(r["unique_id"] for r in results if r["status"] == "error")
    if broken:
        raise dg.Failure(description=f"dbt could not run {', '.join(broken)} (see the step's log)")
    skipped = sorted(r["unique_id"] for r in results if r["status"] == "skipped")
    if skipped:
        context.log.error(f"dbt held back {len(skipped)} nodes after a failed test: {', '.join(skipped)}")


def _raw_tables_held_back(instance: dg.DagsterInstance) -> tuple[list[str], list[str]]:
    """The raw tables whose latest lineage check failed (the load went wrong), and the dbt
    exclusions that hold back every model built on them."""
    declared = {declared_entity(tool) for tool in settings.site_config().tools}
    checks = {
        dg.AssetCheckKey(dg.AssetKey([entity.schema, entity.entity]), lineage_check_name(entity)): entity
        for entity in dated_entities()
    }
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(checks))
    failed = sorted(
        (checks[key] for key, record in latest.items() if record.status.value == "FAILED"),
        key=lambda entity: entity.table,
    )
    # a declared tool's table is read by name, through its staging model, not as a dbt source
    excludes = sorted(
        {f"{DECLARED_STAGING_NAME}+" if entity in declared else f"source:{entity.table}+" for entity in failed}
    )
    return [entity.table for entity in failed], excludes


def _with_mart_metadata(
    context: dg.AssetExecutionContext, held: list, warehouse: DuckDBResource, manifest: Mapping[str, Any]
):
    if not held:
        return
    with warehouse.get_connection() as con:
        built = defaultdict(list)
        for table, column, data_type in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? ORDER BY table_name, ordinal_position",
            [MARTS_SCHEMA],
        ).fetchall():
            built[table].append((column, data_type))
        for event in held:
            key = _asset_key_of(context, event)
            if _is_mart(key) and isinstance(event, dg.Output | dg.AssetMaterialization):
                mart = key.path[-1]
                documented = manifest["nodes"][event.metadata["unique_id"].value]["columns"]
                metadata = _mart_shape(con, mart, built[mart], documented)
                if key in RECON_MARTS:
                    metadata |= recon_metadata(con, mart)
                event = event.with_metadata({**event.metadata, **metadata})
            yield event


def _mart_shape(con, mart: str, columns: list[tuple[str, str]], documented: Mapping[str, Any]) -> dict[str, object]:
    """A mart's row count and its columns as built: the warehouse's types beside the dbt YAML's
    descriptions, which the Dagster UI shows together."""
    (row_count,) = con.execute(f'SELECT count(*) FROM {MARTS_SCHEMA}."{mart}"').fetchone()
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name=name, type=data_type, description=documented.get(name, {}).get("description") or None)
            for name, data_type in columns
        ]
    )
    return {"dagster/row_count": row_count, "dagster/column_schema": schema}


def _marts_and_what_is_built_on_them(deps: Mapping[dg.AssetKey, set[dg.AssetKey]]) -> set[dg.AssetKey]:
    waiting = {key for key in deps if _is_mart(key)}
    while grown := {key for key, upstream in deps.items() if key not in waiting and upstream & waiting}:
        waiting |= grown
    return waiting


def _is_mart(key: dg.AssetKey | None) -> bool:
    return key is not None and key.path[0] == MARTS_SCHEMA


def _asset_key_of(context: dg.AssetExecutionContext, event) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    if isinstance(event, dg.AssetCheckResult):
        return event.asset_key
    return None
