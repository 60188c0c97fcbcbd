"""A failure holds back what is built on it, and only that: every other mart is rebuilt, the
analysts' snapshot is published, and `usm run` exits 1 naming the failed check and the marts held
back. Two failures, one after the other on the same world:

- a raw table whose load went wrong: a row in `raw_servicenow.incident` whose lineage names another
  entity's file (as a loader bug would leave it), on an extract date with no landing file, so the
  next run keeps it;
- a blocking dbt test: the vendor sends a second target for an SLA and priority it already has,
  so `stg_connectwise__sla_priorities` fails its unique test.

What is built on each is read from dbt's own manifest, not from USM.
"""

from __future__ import annotations

import json
import re
from datetime import date

import dagster as dg
import duckdb
import pytest
from conftest import REPO_ROOT, copy_world, shared_world, usm

pytestmark = pytest.mark.slow

MANIFEST = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
BROKEN = "source.usm.raw_servicenow.incident"
DUPLICATED = "model.usm.stg_connectwise__sla_priorities"


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


def _run(world) -> tuple:
    """`usm run` on the world again: the process and its run id."""
    run = usm("run", env=world.env, check=False)
    return run, re.search(r"^run ([0-9a-f-]{36}):", run.stdout, re.M).group(1)


@pytest.fixture(scope="module")
def rerun(tmp_path_factory):
    world = copy_world(shared_world(tmp_path_factory, "seed31"), tmp_path_factory.mktemp("held-back"), "held-back")
    with duckdb.connect(str(world.warehouse)) as con:
        con.execute(
            "INSERT INTO raw_servicenow.incident VALUES ('{}'::JSON, 'broken', NULL, "
            "'connectwise/tickets/2025-12-01.json', 1, ?, now()::TIMESTAMP, md5('broken'))",
            [date(2025, 12, 1)],
        )
    return world, *_run(world)


def test_the_run_exits_1_naming_the_check_and_the_marts_held_back(rerun):
    world, run, _ = rerun
    held_back = _marts_built_on(BROKEN)
    assert 0 < len(held_back) < 30  # most marts read tickets; dim_assets, dim_clients, … do not
    assert run.returncode == 1, run.stdout[-3000:]
    # the cause comes last, where a person looks first; the traces are in the log file
    assert "usm run: FAILED\n  blocking check raw_servicenow/incident:pandera_incident" in run.stderr
    assert run.stderr.splitlines()[-1].startswith("  full traces: ")
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


@pytest.fixture(scope="module")
def duplicated(rerun):
    """The same world, repaired, then a duplicate SLA target in a landing file of its own."""
    world, _, _ = rerun
    with duckdb.connect(str(world.warehouse)) as con:
        con.execute("DELETE FROM raw_servicenow.incident WHERE record_id = 'broken'")
    first = sorted((world.landing / "connectwise" / "sla_priorities").glob("*.json"))[0]
    duplicate = {
        "id": 9999, "sla": {"id": 1, "name": "Standard EU"}, "priority": {"id": 1, "name": "Priority 1 - Critical"},
        "respondHours": 2.0, "planWithin": 4.0, "resolutionHours": 6.0,
        "_info": {"lastUpdated": f"{first.stem}T06:00:00Z"},
    }
    (first.parent / f"{first.stem}_resent.json").write_text(json.dumps([duplicate]))
    return world, *_run(world)


def test_a_failed_blocking_test_holds_back_only_the_models_built_on_its_model(duplicated):
    world, run, run_id = duplicated
    held_back = _marts_built_on(DUPLICATED)
    assert {"ticket_sla", "sla_attainment_monthly"} <= held_back
    assert run.returncode == 1, run.stdout[-3000:]
    assert re.search(r"\n  blocking check staging/stg_connectwise__sla_priorities:unique_", run.stderr)
    line = next(line for line in run.stdout.splitlines() if line.startswith("held back"))
    assert set(re.search(r"marts \(([^)]*)\)", line).group(1).split(", ")) == held_back
    with dg.DagsterInstance.from_config(world.dagster_home) as instance:
        snapshot = instance.get_latest_materialization_event(dg.AssetKey(["publish", "marts_snapshot"]))
        fct = instance.get_latest_materialization_event(dg.AssetKey(["marts", "fct_tickets"]))
    assert snapshot.run_id == run_id and fct.run_id == run_id
    assert set(snapshot.asset_materialization.metadata["held_back"].value) == held_back


def test_the_snapshot_still_holds_every_mart(rerun):
    world, _, _ = rerun
    with duckdb.connect(str(world.output / "usm_marts.duckdb"), read_only=True) as con:
        tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'")
                  .fetchall()}
    assert _marts_built_on(BROKEN) <= tables
