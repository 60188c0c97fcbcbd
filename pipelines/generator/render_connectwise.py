"""ConnectWise PSA records as the REST API v3.0 returns them (docs/landing.md, ConnectWise).

Nested references (`{"id", "identifier", "name"}`), ISO 8601 stamps with `Z`, `_info`
with `lastUpdated` (the update stamp) and `dateEntered`; fields without a value are left out.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache

from pipelines.generator import reference
from pipelines.generator.business_time import Calendar
from pipelines.generator.world import Client, Invoice, Ticket, TimeEntry

ENTERED_BY = "ZAPIUSM"


def stamp(value: datetime) -> str:
    return value.isoformat()[:19] + "Z"


@cache
def ref_id(name: str) -> int:
    """A stable small id for a named reference (board, type, status, work type…)."""
    return int(hashlib.md5(name.encode()).hexdigest()[:6], 16) % 900 + 100


def info(updated: datetime, entered: datetime) -> dict:
    return {
        "lastUpdated": stamp(updated),
        "updatedBy": ENTERED_BY,
        "dateEntered": stamp(entered),
        "enteredBy": ENTERED_BY,
    }


def company(client: Client) -> dict:
    return {"id": client.cw_id, "identifier": client.cw_identifier, "name": client.name}


def named(name: str) -> dict:
    return {"id": ref_id(name), "name": name}


def agreement(client: Client) -> dict:
    return {"id": client.agreement_id, "name": f"Managed Services - {client.name}"}


def ticket(t: Ticket, at: datetime) -> dict:
    """The ticket as it stood at `at` (a moment it changed)."""
    state = t.life.state(at)
    clock = state.clock
    category, subcategory = t.category_at(at)
    priorities = list(reference.CW_PRIORITIES.values())
    record = {
        "id": int(t.number),
        "summary": t.summary,
        "recordType": "ServiceTicket",
        "board": named("Monitoring" if t.source == "RMM" else "Service Desk"),
        "status": named(reference.CW_STATUSES[clock]),
        "company": None if t.company_missing else company(t.client),
        "contact": {"id": t.requester.cw_contact_id, "name": t.requester.full_name},
        "contactEmailAddress": t.requester.email,
        "type": named(category),
        "subType": named(subcategory) if subcategory else None,
        "priority": {
            **named(t.priority),
            "sort": priorities.index(t.priority) + 1 if t.priority in priorities else 99,
        },
        "source": named(t.source),
        "agreement": agreement(t.client),
        # the SLA the ticket runs under: its agreement's here
        "sla": sla_ref(client_sla(t.client)),
        "severity": "High" if t.work_item.priority in ("P1", "P2") else "Medium",
        "impact": "Medium",
        "closedFlag": clock == "closed",
        "closedDate": state.closed_at,
        "dateResponded": state.first_response,
        "dateResolved": state.resolved_at,
        "externalXRef": t.external_xref,
        "initialDescription": t.description or None,
        "_info": info(at, t.opened),
    }
    return {k: stamp(v) if isinstance(v, datetime) else v for k, v in record.items() if v is not None}


def time_entry(e: TimeEntry, at: datetime) -> dict:
    status = "Open"
    if e.decided and e.decided <= at:
        status = "Rejected" if e.rejected else "ApprovedByTier2"
    member_id, identifier, name, role = e.member
    record = {
        "id": e.id,
        "company": None if e.company_missing else company(e.client),
        "chargeToId": e.charge_to_id,
        "chargeToType": e.charge_to_type,
        "member": {"id": member_id, "identifier": identifier, "name": name},
        "workType": named(e.work_type),
        "workRole": named(role),
        "agreement": agreement(e.client) if e.agreement_id else None,
        "timeStart": stamp(e.start),
        "timeEnd": stamp(e.end),
        "actualHours": e.actual_hours,
        "hoursBilled": e.hours_billed,
        "billableOption": e.billable_option,
        "hourlyRate": e.hourly_rate,
        "invoice": {"id": e.invoice.id, "identifier": e.invoice.identifier}
        if e.invoice and e.invoiced_at <= at
        else None,
        "status": status,
        "notes": "Worked on the ticket" if e.charge_to_type == "ServiceTicket" else "Internal time",
        # a time entry's entry date is a field of its own, not in `_info` (ConnectWise's TimeEntry model)
        "dateEntered": stamp(e.entered),
        "enteredBy": ENTERED_BY,
        "_info": {"lastUpdated": stamp(at), "updatedBy": ENTERED_BY},
    }
    return {k: v for k, v in record.items() if v is not None}


def invoice(inv: Invoice, at: datetime) -> dict:
    record = {
        "id": inv.id,
        "invoiceNumber": inv.identifier,
        "type": inv.type,
        "status": named("Sent"),
        "company": company(inv.client),
        "date": stamp(inv.at.replace(hour=0, minute=0, second=0)),
        "total": inv.total,
        "subtotal": inv.total,
        "applyToType": "Ticket" if inv.applies_to_ticket else "All",
        "applyToId": inv.applies_to_ticket,
        "agreement": agreement(inv.client) if inv.agreement_id else None,
        "_info": info(at, inv.at),
    }
    return {k: v for k, v in record.items() if v is not None}


# --- reference snapshots ----------------------------------------------------------------


def companies(clients: list[Client], at: datetime) -> list[dict]:
    return [
        {**company(c), "status": named("Active"), "types": [named("Client")], "_info": info(at, at)}
        for c in clients
    ]


def agreements(clients: list[Client], at: datetime) -> list[dict]:
    return [
        {
            **agreement(c),
            "type": named("Managed Services"),
            "company": company(c),
            "startDate": "2025-01-01T00:00:00Z",
            "noEndingDateFlag": True,
            "sla": sla_ref(client_sla(c)),
            "billAmount": c.agreement_amount,
            "billingCycle": named("Monthly"),
            "_info": info(at, at),
        }
        for c in clients
    ]


def sla_ref(sla_id: int) -> dict:
    return {"id": sla_id, "name": next(name for i, name, *_ in reference.CW_SLAS if i == sla_id)}


def client_sla(client: Client) -> int:
    return reference.PREMIUM_SLA if client.premium else reference.REGION_SLA[client.region]


def slas(all_calendars: dict[str, Calendar], at: datetime) -> list[dict]:
    """The SLAs, without their targets per priority: those are a sub-resource (sla_priorities)."""
    calendar_ids = {cal.name: number for number, cal in enumerate(_business(all_calendars), start=1)}
    respond, plan, resolve = reference.CW_SLA_DEFAULT_HOURS
    return [
        {
            "id": sla_id,
            "name": name,
            "basedOn": based_on,
            **({"customCalendar": {"id": calendar_ids[calendar], "name": calendar}} if calendar else {}),
            "respondHours": respond,
            "planWithin": plan,
            "resolutionHours": resolve,
            "defaultFlag": sla_id == reference.CW_SLAS[0][0],
            "_info": info(at, at),
        }
        for sla_id, name, based_on, calendar in reference.CW_SLAS
    ]


def sla_priorities(at: datetime) -> list[dict]:
    """service/SLAs/{id}/priorities: one record per SLA and priority it lists a target for."""
    records = []
    for sla_id, *_ in reference.CW_SLAS:
        for p, (respond, plan, resolve) in reference.CW_SLA_HOURS.items():
            if (sla_id, p) in reference.CW_SLA_UNLISTED:
                continue
            records.append(
                {
                    "id": len(records) + 1,
                    "sla": sla_ref(sla_id),
                    "priority": {"id": list(reference.CW_PRIORITIES).index(p) + 1, "name": reference.CW_PRIORITIES[p]},
                    "respondHours": respond,
                    "planWithin": plan,
                    "resolutionHours": resolve,
                    "_info": info(at, at),
                }
            )
    return records


def _business(all_calendars: dict[str, Calendar]) -> list[Calendar]:
    """ConnectWise's calendars: the business ones (an `AllHours` SLA needs none)."""
    return [cal for name, cal in all_calendars.items() if name != "24x7"]


def calendars(all_calendars: dict[str, Calendar], at: datetime) -> list[dict]:
    records = []
    for number, cal in enumerate(_business(all_calendars), start=1):
        record = {
            "id": number,
            "name": cal.name,
            "holidayList": {"id": number, "name": f"{cal.name} holidays"},
        }
        for weekday, day in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), start=1
        ):
            hours = cal.hours.get(weekday)
            record[f"{day}StartTime"] = _clock(hours[0]) if hours else None
            record[f"{day}EndTime"] = _clock(hours[1]) if hours else None
        record["_info"] = info(at, at)
        records.append(record)
    return records


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}:00"


def holidays(all_calendars: dict[str, Calendar], years: range, at: datetime) -> list[dict]:
    records = []
    for number, cal in enumerate(_business(all_calendars), start=1):
        for year in years:
            for day, title, start, end in reference.holidays(cal.name, year):
                records.append(
                    {
                        "id": len(records) + 1,
                        "name": title,
                        "holidayList": {"id": number, "name": f"{cal.name} holidays"},
                        "date": day.isoformat(),
                        "allDayFlag": start is None,
                        **({"timeStart": f"{start}:00", "timeEnd": f"{end}:00"} if start else {}),
                        "_info": info(at, at),
                    }
                )
    return records
