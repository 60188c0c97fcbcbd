"""Closure sync: carry out `marts.sync_actions` through the vendors' APIs.

The plan is a mart (one row per action; the columns are `SYNC_ACTION_COLUMNS`). Applying an
action reads the target record first: when it is already aligned (a ConnectWise ticket closed,
a ServiceNow incident resolved or closed) nothing is written, so applying a plan twice changes
nothing the second time. Otherwise the target is changed and a note links the two records.
Every action is logged as one JSON line with the target's state before and after.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SYNC_ACTION_COLUMNS = (
    "action_id",  # stable: <action>:<target_ticket_id>
    "work_item_id",
    "action",  # close_psa_ticket | resolve_itsm_incident
    "reason",  # itsm_resolved_psa_open | alert_reset_psa_open | psa_closed_itsm_open
    "target_ticket_id",  # connectwise:<id> | servicenow:<number>
    "target_record_id",  # the vendor id: ConnectWise ticket id, ServiceNow incident sys_id
    "source_ticket_id",  # the record that is ahead (a ticket id, or alert:<uid>)
)
ACTIONS = {"close_psa_ticket", "resolve_itsm_incident"}
REASONS = {
    "itsm_resolved_psa_open": "is resolved while this ticket stays open",
    "alert_reset_psa_open": "was reset while this ticket stays open",
    "psa_closed_itsm_open": "is closed while this incident stays open",
}
PSA_CLOSED_STATUS = "Closed"
ITSM_RESOLVED_STATES = {"6", "7"}


@dataclass
class Outcome:
    action_id: str
    applied: bool
    before: dict
    after: dict
    note: str | None = None


def read_plan(warehouse: Path) -> list[dict]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_schema = 'marts' AND table_name = 'sync_actions'").fetchall()[0][0]
        if not found:
            raise LookupError(f"{warehouse} has no marts.sync_actions: run `usm run` first")
        cursor = con.execute(f"SELECT {', '.join(SYNC_ACTION_COLUMNS)} FROM marts.sync_actions ORDER BY action_id")
        return [dict(zip(SYNC_ACTION_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def _psa_state(ticket: dict) -> dict:
    return {"status": (ticket.get("status") or {}).get("name"), "closedFlag": bool(ticket.get("closedFlag"))}


def _itsm_state(incident: dict) -> dict:
    return {"state": str(incident.get("state")), "close_code": incident.get("close_code")}


def apply_action(action: dict, psa, itsm) -> Outcome:
    """One action; `psa` and `itsm` are the ConnectWise and ServiceNow clients."""
    what = REASONS.get(action["reason"], action["reason"])
    note = f"usm sync: {action['source_ticket_id']} {what}; aligning {action['target_ticket_id']} (work item " \
           f"{action['work_item_id']})"
    if action["action"] == "close_psa_ticket":
        before = _psa_state(psa.get_ticket(action["target_record_id"]))
        if before["closedFlag"]:
            return Outcome(action["action_id"], False, before, before)
        psa.update_ticket(action["target_record_id"], [
            {"op": "replace", "path": "status/name", "value": PSA_CLOSED_STATUS},
            {"op": "replace", "path": "closedFlag", "value": True},
        ])
        psa.add_ticket_note(action["target_record_id"], note)
        after = _psa_state(psa.get_ticket(action["target_record_id"]))
    elif action["action"] == "resolve_itsm_incident":
        before = _itsm_state(itsm.get_record("incident", action["target_record_id"]))
        if before["state"] in ITSM_RESOLVED_STATES:
            return Outcome(action["action_id"], False, before, before)
        after = _itsm_state(itsm.update_record("incident", action["target_record_id"], {
            "state": "6", "close_code": "Solved (Permanently)", "close_notes": note, "work_notes": note,
        }))
    else:
        raise ValueError(f"{action['action_id']}: unknown action {action['action']!r}; one of {sorted(ACTIONS)}")
    return Outcome(action["action_id"], True, before, after, note)


def apply_plan(actions: list[dict], psa, itsm, log_file: Path) -> list[Outcome]:
    """Apply every action, appending one JSON line per action to `log_file`."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    outcomes = []
    with log_file.open("a") as log:
        for action in actions:
            outcome = apply_action(action, psa, itsm)
            outcomes.append(outcome)
            log.write(json.dumps({
                "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"), **action,
                "applied": outcome.applied, "before": outcome.before, "after": outcome.after, "note": outcome.note,
            }, default=str) + "\n")
            log.flush()
    return outcomes
