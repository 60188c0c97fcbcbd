"""Closure sync end to end: the generator's drift, found, applied through `usm serve-api`, gone.

The generator leaves some work items' systems disagreeing at the end (`closure_drift`) and lists
them in truth/sync.csv; `marts.sync_actions` must list exactly those. Then a small MSP with a
raised drift rate goes the whole way: `usm run`, `usm sync` (the plan only), `usm sync --apply`
against `usm serve-api` (a separate process on 127.0.0.1, with server errors injected), the same
again (nothing left to change), `usm pull` of the APIs into a new landing folder and `usm run` on
it: no disagreement is left.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import instance_home, usm
from test_api_ingestion import CREDENTIALS
from test_live_path import ServeApi, clean_environment, credential_environment

pytestmark = pytest.mark.slow

COLUMNS = ("work_item", "action", "reason", "target_ticket_id", "source_ticket_id")
REASONS = {"itsm_resolved_psa_open", "alert_reset_psa_open", "psa_closed_itsm_open"}
# A small MSP whose systems disagree in several work items of each kind (seed 1: 2 alert resets,
# 3 incidents resolved and 3 PSA tickets closed ahead of the other system).
SMALL = ["--clients", "3", "--days", "10", "--seed", "1", "--rate", "closure_drift=0.5"]
SYNCED_AT = "2026-01-11 08:00:00"  # the emulated systems' time of the sync: the morning after the window
FAULTS = "503:every=3:offset=2"  # each record's second request (the write) fails once and is retried


def _truth(truth: Path) -> set[tuple[str, ...]]:
    with (truth / "sync.csv").open(newline="") as handle:
        return {tuple(row[c] for c in COLUMNS) for row in csv.DictReader(handle)}


def _plan(warehouse: Path) -> set[tuple[str, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return set(con.execute(
            "SELECT work_item_id, action, reason, target_ticket_id, source_ticket_id FROM marts.sync_actions"
        ).fetchall())


def test_sync_actions_are_exactly_the_disagreements_the_generator_left(world):
    expected, actual = _truth(world.truth), _plan(world.warehouse)
    assert expected, f"{world.name}: the generator left no disagreement: the test would prove nothing"
    assert expected == actual, f"{world.name}: missing {expected - actual}, unexpected {actual - expected}"
    # the target's vendor id is the record the generator drifted (defects.csv closure_drift)
    drifted = {row["record_id"] for row in world.truth_rows("defects.csv") if row["defect"] == "closure_drift"}
    targets = world.query("SELECT action_id, action, target_ticket_id, target_record_id FROM marts.sync_actions")
    assert {record_id for *_, record_id in targets} == drifted
    assert all(action_id == f"{action}:{target}" for action_id, action, target, _ in targets)


@pytest.fixture(scope="module")
def drifted(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("closure-sync")
    env = {
        "USM_LANDING_DIR": str(base / "landing"),
        "USM_DUCKDB_PATH": str(base / "warehouse.duckdb"),
        "USM_OUTPUT_DIR": str(base / "output"),
        "DAGSTER_HOME": instance_home("closure-sync"),
    }
    usm("generate", "--out", env["USM_LANDING_DIR"], "--truth", str(base / "truth"), *SMALL, env=env)
    run = usm("run", env=env, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return {"base": base, "env": env, "truth": _truth(base / "truth")}


def test_the_plan_is_the_disagreements_and_usm_sync_only_prints_it(drifted):
    truth = drifted["truth"]
    assert {reason for _, _, reason, _, _ in truth} == REASONS
    assert all(sum(row[2] == reason for row in truth) >= 2 for reason in REASONS), "several of each kind"
    assert _plan(Path(drifted["env"]["USM_DUCKDB_PATH"])) == truth
    run = usm("sync", env=drifted["env"])
    printed = {tuple(line.split()[:2]) for line in run.stdout.splitlines() if line.startswith("  ")}
    assert printed == {(action, target) for _, action, _, target, _ in truth}
    assert f"{len(truth)} action(s)" in run.stdout and "plan only" in run.stdout
    assert not (Path(drifted["env"]["USM_OUTPUT_DIR"]) / "sync").exists(), "the plan alone writes no log"


def test_applied_through_the_apis_no_disagreement_is_left_and_a_second_apply_does_nothing(drifted):
    base, env, truth = drifted["base"], drifted["env"], drifted["truth"]
    log_file = Path(env["USM_OUTPUT_DIR"]) / "sync" / "actions.ndjson"
    pulled = base / "pulled"
    credentials = credential_environment(CREDENTIALS)  # the only ones the emulator accepts
    with ServeApi(Path(env["USM_LANDING_DIR"]), clean_environment(**credentials),
                  "--now", SYNCED_AT, "--faults", FAULTS) as server:
        apis = {**env, **credentials, **server.exports}
        first = usm("sync", "--apply", env=apis)
        second = usm("sync", "--apply", env=apis)
        pull = usm("pull", "--landing", str(pulled), "--page-size", "200", env=apis, check=False)
        assert pull.returncode == 0, pull.stderr[-3000:]
        notes = _psa_notes(apis, [t.split(":")[1] for _, a, _, t, _ in truth if a == "close_psa_ticket"])
    assert f"applied {len(truth)}, already aligned 0" in first.stdout, first.stdout + first.stderr
    assert f"applied 0, already aligned {len(truth)}" in second.stdout, second.stdout + second.stderr
    assert "HTTP 503" in first.stderr and "retry" in first.stderr, "no write met a server error"

    # every action logged with the target's state before and after; the second time nothing changed
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert len(lines) == 2 * len(truth)
    once, twice = lines[: len(truth)], lines[len(truth):]
    assert {(x["work_item_id"], x["action"], x["reason"], x["target_ticket_id"], x["source_ticket_id"])
            for x in once} == truth
    for line in once:
        assert line["applied"] and line["note"] and line["source_ticket_id"] in line["note"]
        if line["action"] == "close_psa_ticket":
            assert line["before"]["closedFlag"] is False and line["before"]["status"] != "Closed"
            assert line["after"] == {"status": "Closed", "closedFlag": True}
        else:
            assert line["before"]["state"] in {"1", "2", "3"} and line["after"]["state"] == "6"
    assert [x["action_id"] for x in twice] == [x["action_id"] for x in once]
    assert all(not x["applied"] and x["before"] == x["after"] == y["after"] for x, y in zip(twice, once, strict=True))
    assert all(len(texts) == 1 for texts in notes.values()), "one note per closed ticket, not one per apply"

    # the systems' own records, pulled and built again, disagree nowhere
    shutil.copytree(Path(env["USM_LANDING_DIR"]) / "mappings", pulled / "mappings")
    after = {"USM_LANDING_DIR": str(pulled), "USM_DUCKDB_PATH": str(base / "pulled.duckdb"),
             "USM_OUTPUT_DIR": str(base / "pulled-output"), "DAGSTER_HOME": instance_home("closure-sync-pulled")}
    run = usm("run", env=after, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert _plan(base / "pulled.duckdb") == set()
    with duckdb.connect(after["USM_DUCKDB_PATH"], read_only=True) as con:
        states = dict(con.execute("SELECT ticket_id, status_category FROM marts.fct_tickets").fetchall())
    assert {states[target] for _, action, _, target, _ in truth if action == "close_psa_ticket"} == {"closed"}
    assert {states[target] for _, action, _, target, _ in truth if action == "resolve_itsm_incident"} == {"resolved"}


def _psa_notes(env: dict[str, str], ticket_ids: list[str]) -> dict[str, list[str]]:
    """The notes on these ConnectWise tickets, read through the API."""
    from pipelines.sources.connectwise import ConnectWiseClient
    from pipelines.sources.transport import settings_from_env

    client = ConnectWiseClient(settings_from_env("connectwise", {**os.environ, **env}))
    try:
        return {ticket_id: [n["text"] for n in client.ticket_notes(ticket_id)] for ticket_id in ticket_ids}
    finally:
        client.close()
