"""The demo site's mapping files, `mappings/*.csv`, with the columns README.md ("Mappings") names.

Complete for the demo except what the defects leave out on purpose: the aliases of
unmapped clients, and the unmapped categories, unknown priorities and unknown billing
codes of reference.py, which no file lists.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pipelines.generator import reference
from pipelines.generator.business_time import Calendar
from pipelines.generator.reference import SlaPolicy
from pipelines.generator.world import Client

Rows = list[tuple[str, ...]]


def client_rows(clients: list[Client]) -> Rows:
    rows = []
    for c in clients:
        aliases = {
            "connectwise": c.cw_identifier,
            "servicenow": c.sn_name,
            # spelled differently than in the source now and then: matching ignores case
            "jira": c.jira_org_name.lower() if c.index % 2 else c.jira_org_name,
            "ninjaone": c.ninja_name.upper() if c.index % 3 == 1 else c.ninja_name,
        }
        rows += [
            (system, alias, c.client_id, c.name)
            for system, alias in aliases.items()
            if system != c.unmapped_system
        ]
    return rows


def category_rows() -> Rows:
    rows = []
    for s in (*reference.IT_SERVICES, reference.MONITORING):
        subtypes = ("",) if s.cw_any_subtype else s.cw_subtypes
        rows += [("connectwise", s.cw_type, sub, s.category, s.department) for sub in subtypes]
    for s in (*reference.IT_SERVICES, reference.MONITORING):
        subcategories = ("",) if s.sn_any_subcategory else s.sn_subcategories
        rows += [("servicenow", s.sn_category, sub, s.category, s.department) for sub in subcategories]
    rows += [("servicenow", item, "", s.category, s.department) for item, s in reference.CATALOG_ITEMS]
    rows += [
        ("jira", project, request_type, category, reference.JIRA_PROJECTS[project][1])
        for project, request_type, category, _ in reference.JIRA_REQUEST_TYPES
    ]
    return rows


def billing_code_rows() -> Rows:
    services = [*reference.IT_SERVICES, reference.MONITORING, *(s for _, s in reference.CATALOG_ITEMS)]
    rows = {
        (s.billing_code, s.category, "true" if s.billable else "false", f"{s.hourly_rate:.2f}")
        for s in services
    }
    rows.add((reference.INTERNAL_ADMIN_CODE, "", "false", "0.00"))
    return sorted(rows)


def priority_rows() -> Rows:
    rows = [("connectwise", name, p) for p, name in reference.CW_PRIORITIES.items()]
    rows += [("servicenow", code, p) for p, codes in reference.SN_PRIORITIES.items() for code in codes]
    rows += [("jira", name, p) for p, names in reference.JIRA_PRIORITIES.items() for name in names]
    return rows


def state_rows() -> Rows:
    rows = [("connectwise", name, clock) for clock, name in reference.CW_STATUSES.items()]
    rows += [("servicenow", code, clock) for clock, code in reference.SN_STATES.items()]
    rows += [
        ("servicenow", reference.SN_STATE_LABELS[code], clock) for clock, code in reference.SN_STATES.items()
    ]
    rows += [("servicenow", label, clock) for label, clock in reference.SN_EXPORT_LABELS.items()]
    rows += [("jira", name, clock) for clock, name in reference.JIRA_STATUSES.items()]
    rows += [("jira", reference.JIRA_AWAITING_APPROVAL, "new"), ("jira", reference.JIRA_DECLINED, "canceled")]
    return rows


def sla_policy_rows(policies: list[SlaPolicy]) -> Rows:
    return [
        (
            p.policy,
            p.system,
            p.department,
            p.client_id,
            p.priority,
            p.metric,
            str(p.target_minutes),
            p.calendar,
        )
        for p in policies
    ]


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def calendar_rows(calendars: dict[str, Calendar]) -> Rows:
    return [
        (name, cal.time_zone, str(weekday), _clock(start), _clock(end))
        for name, cal in calendars.items()
        for weekday, (start, end) in sorted(cal.hours.items())
    ]


def holiday_rows(calendars: dict[str, Calendar], years: range) -> Rows:
    return [
        (name, day.isoformat(), title, start or "", end or "")
        for name in calendars
        for year in years
        for day, title, start, end in reference.holidays(name, year)
    ]


FILES = {
    "clients.csv": ("system", "alias", "client_id", "client_name"),
    "categories.csv": ("system", "category", "subcategory", "canonical_category", "department"),
    "billing_codes.csv": ("work_type", "category", "is_billable", "hourly_rate"),
    "priorities.csv": ("system", "priority", "canonical_priority"),
    "states.csv": ("system", "state", "clock"),
    "sla_policies.csv": (
        "policy",
        "system",
        "department",
        "client_id",
        "priority",
        "metric",
        "target_minutes",
        "calendar",
    ),
    "calendars.csv": ("calendar", "time_zone", "weekday", "start_time", "end_time"),
    "holidays.csv": ("calendar", "date", "name", "start_time", "end_time"),
    "asset_naming.csv": ("rule", "value"),
}


def write_mappings(
    folder: Path,
    clients: list[Client],
    calendars: dict[str, Calendar],
    policies: list[SlaPolicy],
    years: range,
) -> dict[str, int]:
    """Write every mapping file; returns the rows per file."""
    contents = {
        "clients.csv": client_rows(clients),
        "categories.csv": category_rows(),
        "billing_codes.csv": billing_code_rows(),
        "priorities.csv": priority_rows(),
        "states.csv": state_rows(),
        "sla_policies.csv": sla_policy_rows(policies),
        "calendars.csv": calendar_rows(calendars),
        "holidays.csv": holiday_rows(calendars, years),
        "asset_naming.csv": [("standard_pattern", reference.ASSET_NAMING_PATTERN)],
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in contents.items():
        with (folder / name).open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(FILES[name])
            writer.writerows(rows)
    return {name: len(rows) for name, rows in contents.items()}
