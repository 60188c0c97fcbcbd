"""A raw table whose load went wrong holds back what is built on it, and only that: every other
mart is rebuilt, the analysts' snapshot is published, and `usm run` exits 1 naming the failed check
and the marts held back.

The load goes wrong by hand: a row in `raw_servicenow.incident` whose lineage names another
entity's file (as a loader bug would leave it), on an extract date with no landing file, so the
second run keeps it. What is built on the table is read from dbt's own manifest, not from USM.
"""

from __future__ import annotations

import json
import re
from datetime import date

import dagster as dg
import duckdb
import pytest
from conftest import REPO_ROOT, build_world, usm

pytestmark = pytest.mark.slow

MANIFEST = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
BROKEN = "source.usm.raw_servicenow.incident"


def _marts_built_on(source: str) -> set[str]:
    manifest = json.loads(MANIFEST.read_text())
    children, seen, todo = manifest["child_map"], set(), [source]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return {
        manifest["nodes"][node]["name"]
        for node in seen
        if node.startswith("model.") and manifest["nodes"][node]["config"]["schema"] == "marts"
    }


@pytest.fixture(scope="module")
def rerun(tmp_path_factory):
    world = build_world(tmp_path_factory.mktemp("held-back"), "held-back", seed=31, clients=6, days=30)
    with duckdb.connect(str(world.warehouse)) as con:
        con.execute(
            "INSERT INTO raw_servicenow.incident VALUES ('{}'::JSON, 'broken', NULL, "
            "'connectwise/tickets/2025-12-01.json', 1, ?, now()::TIMESTAMP, md5('broken'))",
            [date(2025, 12, 1)],
        )
    run = usm("run", env=world.env, check=False)
    run_id = re.search(r"^run ([0-9a-f-]{36}):", run.stdout, re.M).group(1)
    return world, run, run_id


def test_the_run_exits_1_naming_the_check_and_the_marts_held_back(rerun):
    world, run, _ = rerun
    held_back = _marts_built_on(BROKEN)
    assert 0 < len(held_back) < 30  # most marts read tickets; dim_assets, dim_clients, … do not
    assert run.returncode == 1, run.stdout[-3000:]
    assert "FAILED blocking check: raw_servicenow/incident:pandera_incident" in run.stdout
    line = next(line for line in run.stdout.splitlines() if line.startswith("held back"))
    named = set(re.search(r"marts \(([^)]*)\)", line).group(1).split(", "))
    assert named == held_back


def test_every_other_mart_is_rebuilt_and_the_snapshot_published(rerun):
    world, _, run_id = rerun
    held_back = _marts_built_on(BROKEN)
    with dg.DagsterInstance.from_config(world.dagster_home) as instance:
        marts = [
            key for key in instance.get_asset_keys() if key.path[0] == "marts"
        ]
        rebuilt = {
            key.path[-1] for key in marts if instance.get_latest_materialization_event(key).run_id == run_id
        }
        snapshot = instance.get_latest_materialization_event(dg.AssetKey(["publish", "marts_snapshot"]))
    assert rebuilt == {key.path[-1] for key in marts} - held_back
    assert {"dim_assets", "dim_clients", "dim_service_categories", "mart_columns"} <= rebuilt
    assert snapshot.run_id == run_id
    published = snapshot.asset_materialization.metadata["held_back"].value
    assert set(published) == held_back


def test_the_snapshot_still_holds_every_mart(rerun):
    world, _, _ = rerun
    with duckdb.connect(str(world.output / "usm_marts.duckdb"), read_only=True) as con:
        views = {name for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert _marts_built_on(BROKEN) <= views
