"""ServiceNow records as the Table API returns them (docs/landing.md, ServiceNow).

Every value is a string, `""` is null, stamps are `YYYY-MM-DD HH:MM:SS` UTC, durations are
stamps after 1970-01-01. Reference fields come in the three shapes the Table API can give
(a plain sys_id, `{"link", "value"}`, `{"display_value", "value"}`), varying from record
to record; catalog items and SLA definitions always carry their display value.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pipelines.generator import reference
from pipelines.generator.vendor_sla import VendorSla, read
from pipelines.generator.world import AuditEntry, Client, Device, TaskSla, Ticket

INSTANCE = "https://usmdemo.service-now.com"
IMPACT_URGENCY = {"1": ("1", "1"), "2": ("1", "2"), "3": ("2", "2"), "4": ("2", "3"), "5": ("3", "3")}
STAGES = {
    "new": "request_approved",
    "open": "fulfillment",
    "paused": "fulfillment",
    "closed": "complete",
    "canceled": "Request Cancelled",
}


def stamp(value: datetime | None) -> str:
    return value.isoformat(" ")[:19] if value else ""


def duration(minutes: float) -> str:
    return stamp(datetime(1970, 1, 1) + timedelta(seconds=round(minutes * 60)))


def hashed_sys_id(name: str) -> str:
    return hashlib.md5(name.encode()).hexdigest()


def shape_of(sys_id: str, at: datetime) -> int:
    """Which reference shape a record version uses: 0 plain, 1 with link, 2 with display value."""
    return (at.toordinal() + int(sys_id[:4], 16)) % 3


def ref(shape: int, table: str, sys_id: str | None, display: str) -> str | dict:
    if shape == 2:
        return {"display_value": display if sys_id else "", "value": sys_id or ""}
    if shape == 1 and sys_id:
        return {"link": f"{INSTANCE}/api/now/table/{table}/{sys_id}", "value": sys_id}
    return sys_id or ""


def _company(shape: int, client: Client) -> str | dict:
    return ref(shape, "core_company", client.sn_sys_id, client.sn_name)


def _task_fields(t: Ticket, at: datetime, shape: int) -> dict:
    """The fields incidents and requested items share (the task table)."""
    state = t.life.state(at)
    group = reference.ASSIGNMENT_GROUPS[int(t.record_id[:2], 16) % len(reference.ASSIGNMENT_GROUPS)]
    caller = t.client.callers[t.caller_index]  # whose person is t.requester
    impact, urgency = IMPACT_URGENCY.get(t.priority, ("2", "2"))
    return {
        "sys_id": t.record_id,
        "number": t.number,
        "short_description": t.summary,
        "description": t.description,
        "company": _company(shape, t.client),
        "caller_id": ref(shape, "sys_user", caller, t.requester.full_name),
        "priority": t.priority,
        "impact": impact,
        "urgency": urgency,
        "state": reference.SN_STATES[state.clock],
        "active": "true" if state.clock in ("new", "open", "paused") else "false",
        "opened_at": stamp(t.opened),
        "closed_at": stamp(state.closed_at),
        "assignment_group": ref(shape, "sys_user_group", hashed_sys_id(group), group),
        "contact_type": t.source,
        "sys_created_on": stamp(t.opened),
        "sys_updated_on": stamp(at),
        "sys_mod_count": str(sum(1 for change in t.changes() if change <= at) - 1),
    }


def incident(t: Ticket, at: datetime, sla: VendorSla) -> dict:
    shape = shape_of(t.record_id, at)
    state = t.life.state(at)
    category, subcategory = t.category_at(at)
    device: Device | None = t.cmdb_ci
    return {
        **_task_fields(t, at, shape),
        "category": category,
        "subcategory": subcategory,
        "incident_state": reference.SN_STATES[state.clock],
        "hold_reason": ("1" if int(t.record_id[-1], 16) % 2 else "4") if state.clock == "paused" else "",
        "resolved_at": stamp(state.resolved_at),
        "cmdb_ci": ref(
            shape,
            "cmdb_ci_computer",
            device.cmdb_sys_id if device else None,
            device.cmdb_name if device else "",
        ),
        "correlation_id": t.correlation_id or "",
        "made_sla": "true" if sla.made_sla(t, at) else "false",
        "reopen_count": str(state.reopen_count),
        "close_code": "Solved (Permanently)" if state.resolved_at else "",
    }


def requested_item(t: Ticket, at: datetime) -> dict:
    shape = shape_of(t.record_id, at)
    item = t.category_at(at)[0]
    cat_item = {"display_value": item, "value": hashed_sys_id(item)}
    if shape == 1:
        cat_item["link"] = f"{INSTANCE}/api/now/table/sc_cat_item/{cat_item['value']}"
    return {**_task_fields(t, at, shape), "cat_item": cat_item, "stage": STAGES[t.life.state(at).clock]}


def audit_entry(a: AuditEntry, at: datetime) -> dict:
    return {
        "sys_id": a.sys_id,
        "documentkey": a.ticket.record_id,
        "tablename": a.ticket.entity,
        "fieldname": a.field,
        "oldvalue": a.old,
        "newvalue": a.new,
        "record_checkpoint": str(sum(1 for change in a.ticket.changes() if change <= a.at) - 1),
        "reason": "",
        "user": "system" if a.ticket.source == "monitoring" else "service.desk",
        "sys_created_by": "system" if a.ticket.source == "monitoring" else "service.desk",
        "sys_created_on": stamp(a.at),
    }


def task_sla(s: TaskSla, at: datetime, sla: VendorSla) -> dict:
    policy, ticket = s.policy, s.ticket
    resolution = policy.metric == "resolution"
    state = ticket.life.state(at)
    pauses = state.pauses if resolution else []
    reading = read(
        sla.calendars[policy.calendar], policy.target_minutes, (s.start, s.stop, s.cancel), pauses, at
    )
    stopped = s.stop is not None and s.stop <= at
    canceled = s.cancel is not None and s.cancel <= at
    if stopped:
        stage = "completed"
    elif canceled:
        stage = "cancelled"
    elif resolution and state.clock == "paused":
        stage = "paused"
    else:
        stage = "in_progress"
    shape = shape_of(s.sys_id, at)
    return {
        "sys_id": s.sys_id,
        "task": ref(shape, ticket.entity, ticket.record_id, ticket.number),
        "sla": {"display_value": policy.policy, "value": hashed_sys_id(policy.policy)},
        "stage": stage,
        "active": "false" if stopped or canceled else "true",
        "has_breached": "true" if reading.breached else "false",
        "start_time": stamp(s.start),
        "end_time": stamp(s.stop if stopped else s.cancel if canceled else None),
        "business_duration": duration(reading.running_minutes),
        "business_pause_duration": duration(reading.paused_minutes),
        "planned_end_time": stamp(reading.due),
        "business_percentage": f"{100 * reading.running_minutes / policy.target_minutes:.2f}",
        "sys_created_on": stamp(s.start),
        "sys_updated_on": stamp(at),
    }


# --- reference snapshots ----------------------------------------------------------------


def core_company(client: Client, at: datetime) -> dict:
    return {
        "sys_id": client.sn_sys_id,
        "name": client.sn_name,
        "customer": "true",
        "vendor": "false",
        "u_client_code": f"C{client.index + 1:04d}",
        "sys_created_on": stamp(at),
        "sys_updated_on": stamp(at),
    }


def computer(device: Device, at: datetime) -> dict:
    shape = shape_of(device.cmdb_sys_id, at)
    return {
        "sys_id": device.cmdb_sys_id,
        "name": device.cmdb_name,
        "asset_tag": f"P{int(device.cmdb_sys_id[:6], 16) % 1000000:06d}",
        "serial_number": device.serial,
        "company": _company(shape, device.client),
        "department": device.department,
        "sys_class_name": "cmdb_ci_server" if device.asset_class == "SERVER" else "cmdb_ci_computer",
        "install_status": "1",
        "sys_created_on": stamp(at),
        "sys_updated_on": stamp(at),
    }
