"""Every mart column is documented once, in the dbt YAML, and shows where people look: dbt docs
(the manifest), and in Dagster the asset definitions (descriptions) and every materialization
of a mart (its row count and its columns with their types and descriptions)."""

from __future__ import annotations

import json
import re

import dagster as dg
import pytest
from conftest import REPO_ROOT, shared_world

MANIFEST = REPO_ROOT / "dbt_project" / "target" / "manifest.json"

# Markdown (dbt docs, the Dagster UI) takes `<word>` outside backticks for an HTML tag and shows
# nothing of it: `connectwise:<id>` read "connectwise:".
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
CODE_SPAN = re.compile(r"`[^`]*`")


def bare_tags(text: str) -> list[str]:
    return HTML_TAG.findall(CODE_SPAN.sub("", text))


def test_a_bare_placeholder_is_found_and_one_in_backticks_is_not():
    assert bare_tags("connectwise:<id>, servicenow:</number>") == ["<id>", "</number>"]
    assert bare_tags("`connectwise:<id>`, hours < 2 and > 1") == []


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(MANIFEST.read_text())


@pytest.fixture(scope="module")
def documented(manifest) -> dict[str, dict[str, str]]:
    """Per mart, its columns' descriptions as the dbt YAML gives them (doc blocks rendered)."""
    return {
        node["name"]: {name: column["description"] for name, column in node["columns"].items()}
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return shared_world(tmp_path_factory, "seed31")


@pytest.fixture(scope="module")
def built(world) -> dict[str, list[tuple[str, str]]]:
    """Per mart as the pipeline built it, its columns and their types, in order."""
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in world.query(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'marts' ORDER BY table_name, ordinal_position"
    ):
        columns.setdefault(table, []).append((column, data_type))
    return columns


def test_every_built_mart_column_has_a_description_and_every_documented_one_is_built(built, documented):
    assert sorted(built) == sorted(documented)
    columns = {(mart, column) for mart, pairs in built.items() for column, _ in pairs}
    described = {(mart, column) for mart, texts in documented.items() for column, text in texts.items() if text.strip()}
    assert sorted(columns - described) == [], "mart columns without a description in the dbt YAML"
    assert sorted({(m, c) for m, texts in documented.items() for c in texts} - columns) == [], (
        "documented columns the marts do not have"
    )


def test_no_description_in_the_project_holds_a_bare_html_tag(manifest):
    found = []
    for node in [*manifest["nodes"].values(), *manifest["sources"].values()]:
        texts = {"": node.get("description") or ""}
        texts |= {name: column.get("description") or "" for name, column in node.get("columns", {}).items()}
        found += [(node["unique_id"], name, tag) for name, text in texts.items() for tag in bare_tags(text)]
    assert found == []


def test_the_dagster_definitions_carry_the_column_descriptions(documented):
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    for mart, texts in documented.items():
        schema = graph.get(dg.AssetKey(["marts", mart])).metadata["dagster/column_schema"]
        assert {column.name: column.description for column in schema.columns} == texts, mart


def test_every_mart_materialization_carries_its_row_count_and_typed_columns(world, built, documented):
    with dg.DagsterInstance.from_config(world.dagster_home) as instance:
        metadata = {
            mart: instance.get_latest_materialization_event(dg.AssetKey(["marts", mart])).asset_materialization.metadata
            for mart in built
        }
    for mart, columns in built.items():
        (count,) = world.query(f'SELECT count(*) FROM marts."{mart}"')[0]
        assert metadata[mart]["dagster/row_count"].value == count, mart
        schema = metadata[mart]["dagster/column_schema"].schema
        assert [(column.name, column.type) for column in schema.columns] == columns, mart
        assert {column.name: column.description for column in schema.columns} == documented[mart], mart
    # The contract's types, known without the warehouse: UTC timestamps, money in exact decimals.
    types = {(mart, c.name): c.type for mart in built for c in metadata[mart]["dagster/column_schema"].schema.columns}
    assert types[("fct_tickets", "opened_at")] == "TIMESTAMP"
    assert types[("recon_exceptions", "amount_at_risk")] == "DECIMAL(18,2)"
    assert types[("ticket_sla", "is_breached")] == "BOOLEAN"
    assert metadata["dim_clients"]["dagster/row_count"].value == len(world.truth_rows("clients.csv"))
