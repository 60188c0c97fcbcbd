"""Closure sync against `usm serve-api`: applied once it aligns, applied twice it does nothing.

`marts.sync_actions` has no dbt model yet, so the plan here is written by hand in its columns
(pipelines/lib/closure_sync.py); the actions go through the real clients over 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
from test_api_ingestion import FAST_RETRIES, REPO_ROOT, _Emulator, generated  # noqa: F401

from pipelines.lib.closure_sync import SYNC_ACTION_COLUMNS, apply_plan
from pipelines.sources.connectwise import ConnectWiseClient
from pipelines.sources.servicenow import ServiceNowClient


def _plan(store) -> list[dict]:
    ticket = next(r for r in store.get("connectwise", "tickets").records if not r.get("closedFlag"))
    incident = next(r for r in store.get("servicenow", "incident").records if str(r.get("state")) in {"1", "2", "3"})
    return [
        {"action_id": f"close_psa_ticket:connectwise:{ticket['id']}", "work_item_id": "wi:test-1",
         "action": "close_psa_ticket", "reason": "itsm_resolved_psa_open",
         "target_ticket_id": f"connectwise:{ticket['id']}", "target_record_id": str(ticket["id"]),
         "source_ticket_id": "servicenow:INC0099999"},
        {"action_id": f"resolve_itsm_incident:servicenow:{incident['number']}", "work_item_id": "wi:test-2",
         "action": "resolve_itsm_incident", "reason": "psa_closed_itsm_open",
         "target_ticket_id": f"servicenow:{incident['number']}", "target_record_id": incident["sys_id"],
         "source_ticket_id": "connectwise:999999"},
    ]


def test_applying_twice_aligns_once_and_logs_before_and_after(generated, tmp_path):  # noqa: F811
    log_file = tmp_path / "sync" / "actions.ndjson"
    with _Emulator(generated, faults="503:every=4") as emulator:
        store = emulator.server.store
        plan = _plan(store)
        psa, itsm = ConnectWiseClient.from_env(FAST_RETRIES), ServiceNowClient.from_env(FAST_RETRIES)
        first = apply_plan(plan, psa, itsm, log_file)
        second = apply_plan(plan, psa, itsm, log_file)
        notes = psa.ticket_notes(plan[0]["target_record_id"])
        psa.close(), itsm.close()
        ticket = store.find("connectwise", "tickets", plan[0]["target_record_id"])
        incident = store.find("servicenow", "incident", plan[1]["target_record_id"])
    assert [o.applied for o in first] == [True, True] and [o.applied for o in second] == [False, False]
    assert ticket["closedFlag"] and ticket["status"]["name"] == "Closed"
    assert incident["state"] == "6"
    assert len(notes) == 1 and "servicenow:INC0099999" in notes[0]["text"]
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [(line["applied"], line["before"] != line["after"]) for line in lines] == [
        (True, True), (True, True), (False, False), (False, False)]
    assert lines[0]["before"]["closedFlag"] is False and lines[0]["after"]["closedFlag"] is True


def test_usm_sync_without_apply_only_prints_the_plan(generated, tmp_path):  # noqa: F811
    warehouse = tmp_path / "warehouse.duckdb"
    with _Emulator(generated) as emulator:
        plan = _plan(emulator.server.store)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(f"CREATE TABLE marts.sync_actions ({', '.join(f'{c} VARCHAR' for c in SYNC_ACTION_COLUMNS)})")
        con.executemany(f"INSERT INTO marts.sync_actions VALUES ({', '.join('?' * len(SYNC_ACTION_COLUMNS))})",
                        [[a[c] for c in SYNC_ACTION_COLUMNS] for a in plan])
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "sync", "--db", str(warehouse)], cwd=REPO_ROOT,
                         env={**os.environ, "USM_OUTPUT_DIR": str(tmp_path / "out")}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "2 action(s)" in run.stdout and "plan only" in run.stdout
    assert plan[0]["target_ticket_id"] in run.stdout
    assert not (tmp_path / "out").exists()
