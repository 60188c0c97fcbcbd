"""NinjaOne RMM records as the public API v2 returns them (docs/landing.md, NinjaOne).

Stamps are epoch seconds (fractional); an alert carries the PSA ticket it opened
(`psaTicketId`) once that ticket exists; activities are an alert's lifecycle.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta

from pipelines.generator import reference
from pipelines.generator.business_time import UTC
from pipelines.generator.world import Activity, Alert, Client, Device


def epoch(value: datetime) -> float:
    return value.timestamp()


def source_uid(name: str) -> str:
    text = hashlib.md5(name.encode()).hexdigest()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def organization(client: Client) -> dict:
    return {
        "id": client.ninja_id,
        "name": client.ninja_name,
        "description": f"Managed client ({client.region})",
        "nodeApprovalMode": "AUTOMATIC",
        "tags": [],
        "fields": {},
    }


def device(d: Device, day) -> dict:
    """The device as a snapshot of `day` sees it (last contact during that day)."""
    contact = datetime.combine(day, time(0), UTC) + timedelta(seconds=(d.ninja_id * 7919) % 86400)
    dns_base = d.ninja_name.lower().replace(" ", "-").replace("_", "-")
    return {
        "id": d.ninja_id,
        "organizationId": d.client.ninja_id,
        "locationId": d.client.ninja_id * 10 + 1,
        "nodeClass": d.node_class,
        "nodeRoleId": {"WINDOWS_WORKSTATION": 1, "MAC": 3, "WINDOWS_SERVER": 2, "LINUX_SERVER": 4}[
            d.node_class
        ],
        "approvalStatus": "APPROVED",
        "offline": False,
        "displayName": d.ninja_name,
        "systemName": d.ninja_name,
        "dnsName": dns_base if "." in dns_base else f"{dns_base}.{d.client.domain}",
        "created": epoch(d.created),
        "lastContact": epoch(contact),
        "lastUpdate": epoch(contact),
    }


def alert(a: Alert, at: datetime) -> dict:
    name, subject, _, _, _ = a.kind
    record = {
        "uid": a.uid,
        "deviceId": a.device.ninja_id,
        "message": f"{subject} ({a.device.ninja_name})",
        "createTime": epoch(a.created),
        "updateTime": epoch(at),
        "sourceType": "CONDITION",
        "sourceConfigUid": source_uid(name),
        "sourceName": name,
        "subject": subject,
        "severity": a.severity,
        "priority": reference.NINJA_PRIORITY[a.priority],
        "device": {
            "id": a.device.ninja_id,
            "systemName": a.device.ninja_name,
            "nodeClass": a.device.node_class,
            "organizationId": a.device.client.ninja_id,
        },
    }
    if a.psa_ticket and a.psa_ticket.opened <= at:
        record["psaTicketId"] = int(a.psa_ticket.number)
    return record


def activity(x: Activity, at: datetime) -> dict:
    a = x.alert
    name, subject, _, _, _ = a.kind
    return {
        "id": x.id,
        "activityTime": epoch(x.at),
        "deviceId": a.device.ninja_id,
        "severity": a.severity,
        "priority": reference.NINJA_PRIORITY[a.priority],
        "seriesUid": a.uid,
        "activityType": "CONDITION",
        "statusCode": x.status,
        "status": x.status,
        "activityResult": "SUCCESS",
        "sourceConfigUid": source_uid(name),
        "sourceName": name,
        "subject": subject,
        "message": f"{subject} ({x.status.lower()})",
    }
