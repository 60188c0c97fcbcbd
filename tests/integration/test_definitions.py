"""The code location loads, and every asset says where it belongs, who owns it and what it is."""

import dagster as dg

from pipelines.definitions import defs
from pipelines.sources.catalog import DATED_ENTITIES, MAPPING_COLUMNS

LAYER_GROUPS = {"staging", "intermediate", "marts"}


def _asset_nodes():
    return defs.resolve_asset_graph().asset_nodes


def test_the_code_location_loads():
    repository = defs.get_repository_def()
    assert repository.get_job("pipeline") is not None


def test_every_asset_has_a_group_an_owner_and_a_kind():
    missing = [
        (node.key.to_user_string(), node.group_name, node.owners, node.kinds)
        for node in _asset_nodes()
        if not node.group_name or node.group_name == "default" or not node.owners or not node.kinds
    ]
    assert missing == []


def test_raw_assets_share_their_dbt_source_keys_and_feed_the_models():
    graph = defs.resolve_asset_graph()
    raw_keys = {dg.AssetKey([e.schema, e.entity]) for e in DATED_ENTITIES}
    raw_keys |= {dg.AssetKey(["raw_mappings", name]) for name in MAPPING_COLUMNS}
    materializable = {node.key for node in graph.asset_nodes if node.is_materializable}
    assert raw_keys <= materializable
    # The tickets mart is downstream of the raw tickets: dbt sources joined the raw assets.
    fct = dg.AssetKey(["marts", "fct_tickets"])
    assert fct in materializable
    upstream = set()
    frontier = {fct}
    while frontier:
        key = frontier.pop()
        for parent in graph.get(key).parent_keys:
            if parent not in upstream:
                upstream.add(parent)
                frontier.add(parent)
    assert dg.AssetKey(["raw_connectwise", "tickets"]) in upstream
    assert dg.AssetKey(["raw_ninjaone", "alerts"]) in upstream


def test_groups_are_the_layers():
    groups = {node.group_name for node in _asset_nodes()}
    assert LAYER_GROUPS <= groups
    raw_groups = {"raw_connectwise", "raw_servicenow", "raw_jira", "raw_ninjaone", "raw_mappings"}
    assert raw_groups <= {g for g in groups if g.startswith("raw_")}


def test_the_pipeline_job_builds_the_declared_tools_staging_even_when_none_is_declared():
    """stg_declared__* read raw tables by name, so nothing raw is upstream of them without a declared
    tool; the tickets models read them all the same, so the nightly job must build them."""
    selected = defs.resolve_job_def("pipeline").asset_layer.selected_asset_keys
    assert dg.AssetKey(["staging", "stg_declared__ticket_versions"]) in selected
    assert dg.AssetKey(["staging", "stg_declared__tickets"]) in selected
