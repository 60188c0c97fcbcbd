"""The vendors' own SLA clocks: what ServiceNow's task_sla and Jira's SLA fields report.

Both count in the calendars and targets of the central SLA policies (sla_policies.csv):
response from opening to the first move out of `new`, resolution from opening (or a
reopening) to resolution, with on-hold time not counting for resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipelines.generator import reference
from pipelines.generator.business_time import Calendar
from pipelines.generator.reference import SlaPolicy
from pipelines.generator.world import Client, Ticket

Cycle = tuple[datetime, datetime | None, datetime | None]
"""(start, stop, cancel): one run of an SLA clock; stop and cancel None while running."""


def build_policies(clients: list[Client]) -> list[SlaPolicy]:
    """The central SLA and OLA policies for ServiceNow and Jira (sla_policies.csv)."""
    policies = []
    for priority, (response, resolution) in reference.SN_TARGETS.items():
        calendar = "24x7" if priority == "P1" else reference.SERVICE_DESK_CALENDAR
        for metric, target in (("response", response), ("resolution", resolution)):
            policies.append(
                SlaPolicy(
                    f"ITSM {priority} {metric}", "servicenow", "IT", "", priority, metric, target, calendar
                )
            )
    premium = next((c for c in clients if c.premium), None)
    if premium:
        priority, target = reference.PREMIUM_RESOLUTION_OVERRIDE
        policies.append(
            SlaPolicy(
                f"ITSM {priority} resolution ({premium.client_id})",
                "servicenow",
                "IT",
                premium.client_id,
                priority,
                "resolution",
                target,
                premium.calendar,
            )
        )
    for department, targets in reference.JIRA_TARGETS.items():
        for priority, (response, resolution) in targets.items():
            calendar = "24x7" if priority == "P1" else reference.SERVICE_DESK_CALENDAR
            for metric, target in (("response", response), ("resolution", resolution)):
                policies.append(
                    SlaPolicy(
                        f"ESM {department} {priority} {metric}",
                        "jira",
                        department,
                        "",
                        priority,
                        metric,
                        target,
                        calendar,
                    )
                )
            if department in ("HR", "Finance"):
                policies.append(
                    SlaPolicy(
                        f"ESM {department} {priority} approval",
                        "jira",
                        department,
                        "",
                        priority,
                        "approval",
                        reference.APPROVAL_TARGET_MINUTES,
                        reference.SERVICE_DESK_CALENDAR,
                    )
                )
    return policies


class PolicyBook:
    """Finds a ticket's policy: a row for its client wins over the row for all clients."""

    def __init__(self, policies: list[SlaPolicy]):
        self._rows = {(p.system, p.department, p.client_id, p.priority, p.metric): p for p in policies}

    def find(self, ticket: Ticket, metric: str) -> SlaPolicy | None:
        if ticket.canonical_priority is None:
            return None
        key = (ticket.system, ticket.department)
        return self._rows.get(
            (*key, ticket.client.client_id, ticket.canonical_priority, metric)
        ) or self._rows.get((*key, "", ticket.canonical_priority, metric))


def response_cycle(ticket: Ticket, until: datetime) -> Cycle:
    return ticket.opened, ticket.life.state(until).first_response, None


def resolution_cycles(ticket: Ticket, until: datetime) -> list[Cycle]:
    """One cycle from opening to resolution, and another from each reopening."""
    cycles: list[Cycle] = []
    start: datetime | None = ticket.opened
    for at, clock in ticket.life.history(until)[1:]:
        if start and clock in ("resolved", "closed"):
            cycles.append((start, at, None))
            start = None
        elif start and clock == "canceled":
            cycles.append((start, None, at))
            start = None
        elif start is None and clock == "open":
            start = at
    if start:
        cycles.append((start, None, None))
    return cycles


@dataclass
class Reading:
    running_minutes: float
    paused_minutes: float
    due: datetime | None
    """When the target is (or was) reached, pauses accounted; None when not asked for."""
    breached: bool


def read(
    calendar: Calendar, target: int, cycle: Cycle, pauses: list, as_of: datetime, with_due: bool = True
) -> Reading:
    """An SLA clock as the vendor shows it at `as_of`."""
    start, stop, cancel = cycle
    end = min(t for t in (stop, cancel, as_of) if t is not None)
    clipped = [(max(a, start), min(b, end)) for a, b in pauses if b > start and a < end]
    running, paused = calendar.elapsed(start, end, clipped)
    due = calendar.due(start, target, clipped) if with_due else None
    return Reading(running, paused, due, running > target)


class VendorSla:
    """The calendars and policies the vendors' clocks count with."""

    def __init__(self, calendars: dict[str, Calendar], policies: PolicyBook):
        self.calendars, self.policies = calendars, policies

    def cycles(
        self, ticket: Ticket, metric: str, at: datetime, with_due: bool = True
    ) -> list[tuple[SlaPolicy, Cycle, Reading]]:
        """The ticket's cycles of one metric as they stand at `at`, each with its reading."""
        policy = self.policies.find(ticket, metric)
        if policy is None:
            return []
        cycles = [response_cycle(ticket, at)] if metric == "response" else resolution_cycles(ticket, at)
        pauses = ticket.life.state(at).pauses if metric == "resolution" else []
        calendar = self.calendars[policy.calendar]
        return [
            (policy, cycle, read(calendar, policy.target_minutes, cycle, pauses, at, with_due))
            for cycle in cycles
        ]

    def made_sla(self, ticket: Ticket, at: datetime) -> bool:
        """ServiceNow's `made_sla`: no SLA of the ticket breached so far."""
        return not any(
            reading.breached
            for metric in ("response", "resolution")
            for _, _, reading in self.cycles(ticket, metric, at, with_due=False)
        )
