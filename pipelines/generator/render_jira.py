"""Jira Service Management issues as /rest/api/3/search/jql returns them with expand=changelog.

Stamps like `2026-01-05T14:22:10.000+0000`; the site's custom fields hold the request type
(customfield_10010), organizations (customfield_10002), approvals (customfield_10003) and
the SLAs "Time to resolution" (customfield_10030) and "Time to first response"
(customfield_10031), with JSM's date objects and durations.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pipelines.generator import reference
from pipelines.generator.vendor_sla import VendorSla
from pipelines.generator.world import Ticket

SITE = "https://usmdemo.atlassian.net"
REQUEST_TYPE_FIELD = "customfield_10010"
ORGANIZATIONS_FIELD = "customfield_10002"
APPROVALS_FIELD = "customfield_10003"
SLA_FIELDS = {
    "resolution": ("customfield_10030", "Time to resolution"),
    "response": ("customfield_10031", "Time to first response"),
}
STATUS_IDS = {
    "Waiting for approval": "10006",
    "Waiting for support": "10001",
    "In Progress": "3",
    "Waiting for customer": "10002",
    "Resolved": "5",
    "Closed": "6",
    "Canceled": "10003",
    "Declined": "10004",
}
PRIORITY_IDS = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}


def stamp(value: datetime | None) -> str | None:
    return value.isoformat()[:19] + ".000+0000" if value else None


def date_object(value: datetime) -> dict:
    hour = value.hour % 12 or 12
    return {
        "iso8601": value.isoformat()[:19] + "+0000",
        "jira": stamp(value),
        "friendly": f"{value:%d/%b/%y} {hour}:{value:%M} {'PM' if value.hour >= 12 else 'AM'}",
        "epochMillis": int(value.timestamp() * 1000),
    }


def span(minutes: float) -> dict:
    sign, rest = ("-" if minutes < 0 else ""), round(abs(minutes))
    hours, mins = divmod(rest, 60)
    friendly = " ".join(part for part in (f"{hours}h" if hours else "", f"{mins}m" if mins else "") if part)
    return {"millis": round(minutes * 60000), "friendly": sign + (friendly or "0m")}


def account(seed: str, name: str) -> dict:
    return {"accountId": hashlib.md5(seed.encode()).hexdigest()[:24], "displayName": name, "active": True}


def reporter(t: Ticket) -> dict:
    """Jira Cloud's user object of the requester."""
    p = t.requester
    return {"accountId": p.jira_account_id, "displayName": p.full_name, "emailAddress": p.email, "active": True}


def document(text: str) -> dict:
    """Plain text as Atlassian Document Format: one paragraph."""
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def statuses(t: Ticket, at: datetime) -> list[tuple[datetime, str, str]]:
    """(instant, status name, clock) from creation up to `at`."""
    approval = t.approval
    history = [
        (t.opened, reference.JIRA_AWAITING_APPROVAL if approval else reference.JIRA_STATUSES["new"], "new")
    ]
    if approval and approval.decision == "approved" and approval.decided <= at:
        history.append((approval.decided, reference.JIRA_STATUSES["new"], "new"))
    for when, clock in t.life.transitions:
        if when <= at:
            declined = clock == "canceled" and approval is not None and approval.decision == "declined"
            history.append(
                (when, reference.JIRA_DECLINED if declined else reference.JIRA_STATUSES[clock], clock)
            )
    return sorted(history)


def sets_resolution(t: Ticket) -> bool:
    """Whether the issue's workflow sets a resolution. Where it does not (a done status without a
    resolution screen, as in most of a real instance's sample), a done issue has no resolution and
    no resolutiondate: it resolved at its change into the done category. Drawn from the key."""
    return int(hashlib.md5(t.number.encode()).hexdigest()[:8], 16) % 2 == 0


def _changelog(t: Ticket, history: list[tuple[datetime, str, str]]) -> dict:
    entries = []
    resolution_items = sets_resolution(t)
    for number, ((_, before, old), (when, after, new)) in enumerate(zip(history, history[1:], strict=False)):
        items = [
            {
                "field": "status",
                "fieldtype": "jira",
                "fieldId": "status",
                "from": STATUS_IDS[before],
                "fromString": before,
                "to": STATUS_IDS[after],
                "toString": after,
            }
        ]
        if not resolution_items:
            pass
        elif new == "resolved" and old != "resolved":
            items.append(
                {
                    "field": "resolution",
                    "fieldtype": "jira",
                    "fieldId": "resolution",
                    "from": None,
                    "fromString": None,
                    "to": "10000",
                    "toString": "Done",
                }
            )
        elif old in ("resolved", "closed") and new in ("open", "new", "paused"):
            items.append(
                {
                    "field": "resolution",
                    "fieldtype": "jira",
                    "fieldId": "resolution",
                    "from": "10000",
                    "fromString": "Done",
                    "to": None,
                    "toString": None,
                }
            )
        entries.append(
            {
                "id": str(int(t.record_id) * 100 + number),
                "author": account("agent", "Service Desk Agent"),
                "created": stamp(when),
                "items": items,
            }
        )
    return {"startAt": 0, "maxResults": len(entries), "total": len(entries), "histories": entries}


def _sla_field(t: Ticket, metric: str, at: datetime, sla: VendorSla) -> dict | None:
    cycles = sla.cycles(t, metric, at)
    if not cycles:
        return None
    field_id, name = SLA_FIELDS[metric]
    completed, ongoing = [], None
    for policy, (start, stop, cancel), reading in cycles:
        goal = policy.target_minutes
        cycle = {
            "startTime": date_object(start),
            "breachTime": date_object(reading.due),
            "breached": reading.breached,
            "goalDuration": span(goal),
            "elapsedTime": span(reading.running_minutes),
            "remainingTime": span(goal - reading.running_minutes),
        }
        if stop:
            completed.append({**cycle, "stopTime": date_object(stop)})
        elif cancel is None:
            calendar = sla.calendars[policy.calendar]
            ongoing = {
                **cycle,
                "paused": metric == "resolution" and t.life.state(at).clock == "paused",
                "withinCalendarHours": calendar.next_open(at) == at,
            }
    field = {
        "id": field_id[-2:],
        "name": name,
        "completedCycles": completed,
        "slaDisplayFormat": "NEW_SLA_FORMAT",
    }
    if ongoing:
        field["ongoingCycle"] = ongoing
    return field


def _approvals(t: Ticket, at: datetime) -> list[dict]:
    approval = t.approval
    if approval is None:
        return []
    decided = approval.decided is not None and approval.decided <= at
    decision = approval.decision if decided else "pending"
    record = {
        "id": str(int(t.record_id) % 100000),
        "name": "Manager approval",
        "finalDecision": decision,
        "canAnswerApproval": False,
        "approvers": [
            {
                "approver": account(f"manager {t.client.client_id}", f"{t.client.name} manager"),
                "approverDecision": decision,
            }
        ],
        "createdDate": date_object(approval.requested),
    }
    if decided:
        record["completedDate"] = date_object(approval.decided)
    return [record]


def issue(t: Ticket, at: datetime, sla: VendorSla) -> dict:
    project, request_type = t.category_at(at)
    project_name = reference.JIRA_PROJECTS[project][0]
    history = statuses(t, at)
    status, clock = history[-1][1], history[-1][2]
    category_key, category_name, category_id = reference.JIRA_STATUS_CATEGORIES[clock]
    resolved = t.life.state(at).resolved_at if sets_resolution(t) else None
    agent = reference.TECHNICIANS[int(t.record_id) % len(reference.TECHNICIANS)]
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": t.record_id,
        "self": f"{SITE}/rest/api/3/issue/{t.record_id}",
        "key": t.number,
        "fields": {
            "project": {
                "id": reference.JIRA_PROJECT_IDS[project],
                "key": project,
                "name": project_name,
                "projectTypeKey": "service_desk",
            },
            "issuetype": {
                "id": "10006" if t.approval else "10005",
                "name": "Service Request with Approvals" if t.approval else "Service Request",
            },
            "summary": t.summary,
            "status": {
                "id": STATUS_IDS[status],
                "name": status,
                "statusCategory": {"id": category_id, "key": category_key, "name": category_name},
            },
            "priority": {"id": PRIORITY_IDS.get(t.priority, "10000"), "name": t.priority},
            "created": stamp(t.opened),
            "updated": stamp(at),
            "resolutiondate": stamp(resolved),
            "resolution": {"id": "10000", "name": "Done"} if resolved else None,
            "reporter": reporter(t),
            "description": document(t.description),
            "assignee": account(agent[1], agent[2]) if clock != "new" else None,
            REQUEST_TYPE_FIELD: {
                "requestType": {
                    "id": str(int(hashlib.md5(request_type.encode()).hexdigest()[:4], 16)),
                    "name": request_type,
                },
                "currentStatus": {
                    "status": status,
                    "statusCategory": category_key.upper(),
                    "statusDate": date_object(history[-1][0]),
                },
            },
            ORGANIZATIONS_FIELD: [{"id": t.client.jira_org_id, "name": t.client.jira_org_name}],
            APPROVALS_FIELD: _approvals(t, at),
            SLA_FIELDS["resolution"][0]: _sla_field(t, "resolution", at, sla),
            SLA_FIELDS["response"][0]: _sla_field(t, "response", at, sla),
        },
        "changelog": _changelog(t, history),
    }
