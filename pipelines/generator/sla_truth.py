"""The truth about SLA outcomes: what `marts.ticket_sla` must say, from the world model.

The rules (README, "Service levels"), counted with the generator's own business time:

- response: from opening to the first move out of `new` (ConnectWise: `dateResponded`);
  the clock never stops before it.
- resolution: from opening to the start of the final resolved or closed run. On hold, and
  resolved before a reopening, stop the clock; a reopened ticket resumes it. ConnectWise
  extracts carry no status history, so their clocks do not stop before `dateResolved` (or
  `closedDate`). Canceled tickets have no resolution clock.
- approval (Jira requests that need one): from approval requested to decided.
- Policies: ConnectWise through the client's agreement SLA; ServiceNow and Jira through
  sla_policies.csv, the client's own row (when its alias is mapped) before the all-clients row.
- A running clock is read at the end of the window.
"""

from __future__ import annotations

from datetime import datetime

from pipelines.generator import reference
from pipelines.generator.business_time import Calendar, Interval
from pipelines.generator.truth import flag, stamp
from pipelines.generator.vendor_sla import PolicyBook
from pipelines.generator.world import Ticket

ACTIVE = ("new", "open", "paused")


def _connectwise_policy(ticket: Ticket, metric: str) -> tuple[str, str, int] | None:
    """The ticket's own SLA (its client's agreement's), the target of its priority, else the SLA's
    own hours (a priority the SLA lists no target for, one no mapping knows included)."""
    if metric == "approval":
        return None
    sla_id = reference.PREMIUM_SLA if ticket.client.premium else reference.REGION_SLA[ticket.client.region]
    _, name, based_on, calendar = next(s for s in reference.CW_SLAS if s[0] == sla_id)
    respond, _, resolve = reference.cw_sla_hours(sla_id, ticket.priority)
    hours = respond if metric == "response" else resolve
    return name, "24x7" if based_on == "AllHours" else calendar, round(hours * 60)


def _central_policy(ticket: Ticket, metric: str, policies: PolicyBook, mapped: bool) -> tuple[str, str, int] | None:
    if ticket.canonical_priority is None:
        return None
    key = (ticket.system, ticket.department)
    rows = policies._rows  # noqa: SLF001 (the generator's own book)
    policy = (rows.get((*key, ticket.client.client_id, ticket.canonical_priority, metric)) if mapped else None) or (
        rows.get((*key, "", ticket.canonical_priority, metric))
    )
    return (policy.policy, policy.calendar, policy.target_minutes) if policy else None


def _resolution(ticket: Ticket, end: datetime) -> tuple[datetime | None, list[Interval]] | None:
    """(stop, stops of the clock), or None for a canceled ticket."""
    history = ticket.life.history(end)
    if history[-1][1] == "canceled":
        return None
    if ticket.system == "connectwise":
        state = ticket.life.state(end)
        stop = (state.resolved_at or state.closed_at) if state.clock in ("resolved", "closed") else None
        return stop, []
    last_active = max(i for i, (_, clock) in enumerate(history) if clock in ACTIVE)
    stop = history[last_active + 1][0] if last_active + 1 < len(history) else None
    offs = []
    for i, (at, clock) in enumerate(history[: last_active + 1]):
        if clock not in ("new", "open"):
            offs.append((at, history[i + 1][0] if i + 1 < len(history) else end))
    return stop, offs


def sla_rows(
    ticket: Ticket, end: datetime, calendars: dict[str, Calendar], policies: PolicyBook, mapped: bool
) -> list[list[str]]:
    """The ticket's rows of sla.csv."""
    rows = []
    clocks: list[tuple[str, datetime, datetime | None, list[Interval]]] = [
        ("response", ticket.opened, ticket.life.state(end).first_response, [])
    ]
    resolution = _resolution(ticket, end)
    if resolution:
        clocks.append(("resolution", ticket.opened, *resolution))
    if ticket.approval:
        decided = ticket.approval.decided if ticket.approval.decided and ticket.approval.decided <= end else None
        clocks.append(("approval", ticket.approval.requested, decided, []))
    for metric, start, stop, offs in clocks:
        if ticket.system == "connectwise":
            policy = _connectwise_policy(ticket, metric)
        else:
            policy = _central_policy(ticket, metric, policies, mapped)
        if policy is None:
            continue
        _, calendar_name, target = policy
        calendar = calendars[calendar_name]
        until = stop or end
        clipped = [(max(a, start), min(b, until)) for a, b in offs if max(a, start) < min(b, until)]
        running, paused = calendar.elapsed(start, until, clipped)
        due = calendar.due(start, target, clipped)
        rows.append(
            [
                ticket.ticket_id,
                metric,
                str(target),
                stamp(due),
                f"{running:.4f}",
                f"{paused:.4f}",
                flag(running <= target) if stop else "",
                flag(running > target),
                f"{max(running - target, 0):.4f}",
            ]
        )
    return rows
