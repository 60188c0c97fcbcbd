"""The MSP's days: work arriving in business hours and alerts around the clock, each
becoming a work item whose tickets live in one or more systems, with the whole lifecycle
planned when it arrives. The ticket-level defects are injected here, and each finished
work item hands its truth to `Truth`, its versions to the `Timeline` and its time to `Billing`.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from pipelines.generator import reference
from pipelines.generator.billing import Billing
from pipelines.generator.business_time import UTC, Calendar, Interval
from pipelines.generator.draws import poisson
from pipelines.generator.ids import Ids
from pipelines.generator.people import People
from pipelines.generator.rates import WORK_ITEM_DEFECTS, Rates
from pipelines.generator.reference import Service
from pipelines.generator.sla_truth import sla_rows
from pipelines.generator.timeline import Timeline
from pipelines.generator.truth import Truth, flag, stamp
from pipelines.generator.vendor_sla import PolicyBook, resolution_cycles, response_cycle
from pipelines.generator.world import (
    Activity,
    Alert,
    Approval,
    AuditEntry,
    Client,
    Device,
    Lifecycle,
    TaskSla,
    Ticket,
    Transition,
    WorkItem,
)

# New work per client and business day (× the client's size), by how it arrives.
ARRIVALS = {"cw_only": 0.35, "sn_mirrored": 0.3, "sn_only": 0.15, "ritm": 0.12, "jira": 0.45}
BUSINESS_DAY_SECONDS = 10 * 3600
ALERTS_PER_DEVICE_AND_DAY = 0.04
SELF_CLEARING_ALERTS = 0.3
ALERTS_WITH_INCIDENT = 0.5
CANCELED = 0.03
JIRA_CLOSED = 0.6
APPROVAL_DECLINED = 0.12
RESPONSE_MINUTES = {"P1": (10, 30), "P2": (20, 90), "P3": (30, 240), "P4": (60, 480)}
WORK_HOURS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
GRACE_DAYS = 7
"""Billable time younger than this is not yet 'not invoiced' (billing defects keep clear of it)."""
QUIET_MINUTES = 30
"""No work arrives in the window's last half hour, so every ticket of a work item exists at the end."""
ALERT_RESET_LEAD = 3
"""An alert resets this many minutes before its work item is resolved (or canceled)."""
DRIFT_TO_INCIDENT = 0.5
"""Closure drift in a work item with a PSA ticket and an incident: the share where the incident lags."""


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def status_category(clock: str) -> str:
    return {"new": "open", "open": "open", "paused": "on_hold"}.get(clock, clock)


def raw_category(category: tuple[str, str]) -> str:
    """How normalization_exceptions spells a category: `category / subcategory`, or the category alone."""
    return f"{category[0]} / {category[1]}" if category[1] else category[0]


class Simulation:
    def __init__(
        self,
        rng: random.Random,
        rates: Rates,
        clients: list[Client],
        calendars: dict[str, Calendar],
        end: datetime,
        ids: Ids,
        truth: Truth,
        timeline: Timeline,
        billing: Billing,
        policies: PolicyBook,
        people: People,
        drift_rng: random.Random,
        missing_rng: random.Random,
    ):
        self.rng, self.rates, self.clients, self.calendars = rng, rates, clients, calendars
        self.end, self.ids, self.truth, self.timeline = end, ids, truth, timeline
        self.billing, self.policies, self.people = billing, policies, people
        self.drift_rng = drift_rng
        """Closure drift's own random sequence, so drawing it disturbs no other draw."""
        self.missing_rng = missing_rng
        """Missing companies' own random sequence, for the same reason."""
        self.last_day = end.date()
        self.ticket_counts: dict[str, int] = {}

    # --- arrivals ---------------------------------------------------------------------

    def business_window(self, client: Client, day: date) -> list[Interval]:
        """The client's business hours that fall on this UTC day."""
        day_start = datetime.combine(day, time(0), UTC)
        day_end = day_start + timedelta(days=1)
        calendar = self.calendars[client.calendar]
        return [
            (max(a, day_start), min(b, day_end))
            for local in (day - timedelta(days=1), day, day + timedelta(days=1))
            for a, b in calendar.intervals(local)
            if b > day_start and a < day_end
        ]

    def instant_in(self, window: list[Interval]) -> datetime:
        offset = self.rng.randrange(int(sum((b - a).total_seconds() for a, b in window)))
        for a, b in window:
            if offset < (b - a).total_seconds():
                return a + timedelta(seconds=offset)
            offset -= int((b - a).total_seconds())
        raise AssertionError("offset beyond the window")

    def simulate_day(self, day: date) -> None:
        rng = self.rng
        arrivals = []
        for client in self.clients:
            window = self.business_window(client, day)
            seconds = sum((b - a).total_seconds() for a, b in window)
            for kind, rate in ARRIVALS.items():
                for _ in range(poisson(rng, rate * client.size * seconds / BUSINESS_DAY_SECONDS)):
                    arrivals.append((self.instant_in(window), client.index, kind))
            monitored = sum(1 for d in client.devices if d.ninja_id)
            for _ in range(poisson(rng, ALERTS_PER_DEVICE_AND_DAY * monitored)):
                arrivals.append(
                    (
                        datetime.combine(day, time(0), UTC) + timedelta(seconds=rng.randrange(86400)),
                        client.index,
                        "alert",
                    )
                )
            if seconds:
                self.billing.internal_time(client, window)
        for opened, index, kind in sorted(arrivals):
            if opened <= self.end - minutes(QUIET_MINUTES):
                getattr(self, f"_arrive_{kind}")(self.clients[index], opened)

    def _priority(self) -> str:
        return self.rng.choices(reference.PRIORITIES, weights=reference.PRIORITY_SHARES)[0]

    def _arrive_alert(self, client: Client, at: datetime) -> None:
        rng = self.rng
        devices = [d for d in client.devices if d.ninja_id]
        if not devices:
            return
        device = rng.choice(devices)
        kind = rng.choice(reference.ALERT_KINDS)
        severity = rng.choice(kind[4])
        alert = Alert(self.ids.uuid(), device, at, kind, severity, reference.SEVERITY_PRIORITY[severity])
        self._activity(alert, at, "TRIGGERED")
        if rng.random() < SELF_CLEARING_ALERTS:
            self._activity(alert, at + minutes(rng.randint(5, 60)), "RESET")
            self.timeline.add(alert)
            self.truth.tally("ninjaone", "alerts", records=1)
            return
        service = reference.MONITORING
        wi = self._work_item(client, at, alert.priority, service, alert=alert, device=device)
        summary = f"{kind[1]} on {device.asset_id}"
        alert.psa_ticket = self._cw_ticket(wi, 1, (service.cw_type, kind[2]), "RMM", summary)
        if rng.random() < ALERTS_WITH_INCIDENT:
            links = rng.choices(("both", "correlation_id", "externalXRef"), weights=(0.6, 0.2, 0.2))[0]
            incident = self._incident(
                wi, 2, (service.sn_category, kind[3]), summary, "monitoring",
                device=device if device.cmdb_sys_id else None,
                correlation_id=alert.uid if links != "externalXRef" else None,
            )
            if links != "correlation_id":
                alert.psa_ticket.external_xref = incident.number
        cleared = next((at for at, clock in wi.life.transitions if clock in ("resolved", "canceled")), None)
        if cleared:
            self._activity(alert, cleared - minutes(ALERT_RESET_LEAD), "RESET")
        self.timeline.add(alert)
        self.truth.tally("ninjaone", "alerts", records=1, records_linked=1)  # psaTicketId: its PSA ticket
        self._finish(wi)

    def _activity(self, alert: Alert, at: datetime, status: str) -> None:
        self.timeline.add(Activity(self.ids.next("activity"), alert, at, status))

    def _arrive_cw_only(self, client: Client, at: datetime) -> None:
        rng = self.rng
        service = rng.choices(reference.IT_SERVICES, weights=(3, 3, 3, 1, 2, 2))[0]
        wi = self._work_item(client, at, self._priority(), service)
        subtype = rng.choice(service.cw_subtypes)
        source = rng.choice(("Phone", "Email", "Portal"))
        summary = f"{subtype} - {rng.choice(('user report', 'urgent', 'follow-up', 'new issue'))}"
        self._cw_ticket(wi, 0, (service.cw_type, subtype), source, summary)
        self._finish(wi)

    def _arrive_sn_mirrored(self, client: Client, at: datetime) -> None:
        rng = self.rng
        service = rng.choice(reference.BILLABLE_IT_SERVICES)
        wi = self._work_item(client, at, self._priority(), service)
        subcategory = rng.choice(service.sn_subcategories)
        device = None
        if service.category in ("Hardware Incident", "Software Incident") and rng.random() < 0.6:
            device = rng.choice([d for d in client.devices if d.cmdb_sys_id] or [None])
        summary = f"{subcategory.capitalize()} problem" + (f" on {device.asset_id}" if device else "")
        contact_type = rng.choice(("email", "phone", "self-service"))
        category = (service.sn_category, subcategory)
        incident = self._incident(wi, 0, category, summary, contact_type, device=device)
        subtype = rng.choice(service.cw_subtypes)
        ticket = self._cw_ticket(wi, rng.randint(1, 3), (service.cw_type, subtype), "Integration", summary)
        ticket.external_xref = incident.number
        self._finish(wi)

    def _arrive_sn_only(self, client: Client, at: datetime) -> None:
        service = reference.PASSWORD_RESET
        wi = self._work_item(client, at, self._priority(), service)
        contact_type = self.rng.choice(("phone", "self-service"))
        category = (service.sn_category, service.sn_subcategories[0])
        self._incident(wi, 0, category, "Password reset", contact_type)
        self._finish(wi)

    def _arrive_ritm(self, client: Client, at: datetime) -> None:
        item, service = self.rng.choice(reference.CATALOG_ITEMS)
        wi = self._work_item(client, at, self._priority(), service, close="direct")
        self._ticket(
            wi, "servicenow", "sc_req_item", f"RITM{self.ids.next('ritm'):07d}", 0,
            record_id=self.ids.sys_id(),
            category=(item, ""), canonical_category=service.category, department=service.department,
            summary=f"Request: {item}", source="self-service",
        )
        self._finish(wi)

    def _arrive_jira(self, client: Client, at: datetime) -> None:
        rng = self.rng
        projects = reference.JIRA_PROJECTS
        project = rng.choices(list(projects), weights=[share for _, _, share in projects.values()])[0]
        types = [r for r in reference.JIRA_REQUEST_TYPES if r[0] == project]
        _, request_type, category, needs_approval = rng.choice(types)
        approval, work_from, declined_at = None, None, None
        if needs_approval:
            decided = self.calendars[client.calendar].add(at, rng.randint(30, 960))
            decision = "declined" if rng.random() < APPROVAL_DECLINED else "approved"
            if decided > self.end:
                approval = Approval(at, None, "pending")
            else:
                approval = Approval(at, decided, decision)
            work_from = decided
            declined_at = decided if approval.decision == "declined" else None
        priority = rng.choices(reference.PRIORITIES, weights=(0.02, 0.18, 0.6, 0.2))[0]
        wi = self._work_item(client, at, priority, None, close="sometimes",
                             declined_at=declined_at, work_from=work_from)
        self._ticket(
            wi, "jira", "issues", self.ids.jira_key(project), 0, record_id=str(self.ids.next("jira_issue")),
            category=(project, request_type), canonical_category=category, department=projects[project][1],
            summary=f"{request_type} for {client.name}", approval=approval,
        )
        self._finish(wi)

    # --- lifecycles -------------------------------------------------------------------

    def _work_item(
        self,
        client: Client,
        opened: datetime,
        priority: str,
        service: Service | None,
        close: str = "always",
        alert: Alert | None = None,
        device=None,
        declined_at: datetime | None = None,
        work_from: datetime | None = None,
    ) -> WorkItem:
        """A work item with its lifecycle planned from arrival to closing."""
        rng = self.rng
        calendar = "24x7" if priority == "P1" else client.calendar
        wi = WorkItem(client, priority, Lifecycle(opened, []), service=service, alert=alert, device=device)
        if declined_at:
            wi.life.transitions = [(declined_at, "canceled")]
            return wi
        canceled = rng.random() < CANCELED
        on_hold = rng.random() < self.rates.on_hold
        reopened = not canceled and close != "direct" and rng.random() < self.rates.reopened
        transitions, blocks = self._plan(
            self.calendars[calendar], work_from or opened, priority, canceled, on_hold, reopened, close
        )
        wi.life.transitions, wi.blocks = self._clear_of_end(transitions, blocks)
        return wi

    def _plan(
        self,
        cal: Calendar,
        start: datetime,
        priority: str,
        canceled: bool,
        on_hold: bool,
        reopened: bool,
        close: str,
    ) -> tuple[list[Transition], list[Interval]]:
        rng = self.rng
        low, high = RESPONSE_MINUTES[priority]
        responded = max(cal.add(start, rng.randint(low, high)), start + minutes(20))
        transitions: list[Transition] = [(responded, "open")]
        blocks: list[Interval] = []
        if canceled:
            return [*transitions, (cal.add(responded, rng.randint(15, 600)), "canceled")], blocks
        cursor = self._work(cal, responded, rng.choice((1, 1, 2, 2, 3)), on_hold, transitions, blocks)
        resolved = cursor + minutes(rng.randint(5, 30))
        transitions.append((resolved, "closed" if close == "direct" else "resolved"))
        if reopened:
            back = cal.add(resolved, rng.randint(60, 1440))
            transitions.append((back, "open"))
            resolved = self._work(cal, back, 1, False, transitions, blocks) + minutes(rng.randint(5, 30))
            transitions.append((resolved, "resolved"))
        if close == "always" or (close == "sometimes" and rng.random() < JIRA_CLOSED):
            transitions.append((cal.add(resolved, rng.randint(600, 2400)), "closed"))
        return transitions, blocks

    def _work(
        self,
        cal: Calendar,
        start: datetime,
        count: int,
        on_hold: bool,
        transitions: list[Transition],
        blocks: list[Interval],
    ) -> datetime:
        """`count` blocks of work from `start`, one of them after an on-hold pause; returns when done."""
        rng = self.rng
        cursor = start
        pause_before = rng.randrange(count) if on_hold else None
        for i in range(count):
            if i == pause_before:
                paused = cursor + minutes(rng.randint(5, 30))
                cursor = cal.add(paused, rng.randint(120, 1800))
                transitions += [(paused, "paused"), (cursor, "open")]
            begin = cal.next_open(cursor + minutes(rng.randint(5, 180)))
            cursor = begin + timedelta(hours=rng.choice(WORK_HOURS))
            blocks.append((begin, cursor))
        return cursor

    def _clear_of_end(self, transitions: list[Transition], blocks: list[Interval]):
        """Move the lifecycle's tail past the end when a transition falls in the window's last 20
        minutes, so the tickets of a work item (a few minutes apart) agree on their state at the end;
        or in the first minutes after it, so an alert does not reset (a few minutes before its work
        item clears) while its tickets are still open. What moves is after the end either way."""
        edge = self.end - minutes(20)
        moving = next((at for at, _ in transitions if edge < at <= self.end + minutes(ALERT_RESET_LEAD)), None)
        if moving is None:
            return transitions, blocks
        later = minutes(30)
        return (
            [(at + later if at >= moving else at, c) for at, c in transitions],
            [(a + later, b + later) if a >= moving else (a, b) for a, b in blocks],
        )

    # --- tickets ----------------------------------------------------------------------

    def _ticket(self, wi: WorkItem, system: str, entity: str, number: str, delay: int, **fields) -> Ticket:
        """A ticket of the work item in one system, `delay` minutes behind the work item's lifecycle;
        `fields` are the Ticket's own (record_id, category, canonical_category, department, summary…)."""
        rng = self.rng
        values = {
            "connectwise": (reference.CW_PRIORITIES[wi.priority],),
            "servicenow": reference.SN_PRIORITIES[wi.priority],
            "jira": reference.JIRA_PRIORITIES[wi.priority],
        }[system]
        priority, canonical_priority = rng.choice(values), wi.priority
        if rng.random() < self.rates.unknown_priority:
            priority, canonical_priority = rng.choice(reference.UNKNOWN_PRIORITIES[system]), None
        ticket = Ticket(
            system=system,
            entity=entity,
            number=number,
            client=wi.client,
            work_item=wi,
            life=wi.life.shifted(minutes(delay)),
            priority=priority,
            canonical_priority=canonical_priority,
            **fields,
        )
        if canonical_priority is None:
            finding = f"unknown_priority {priority!r}; {ticket.ticket_id} has no priority"
            self.truth.defect("unknown_priority", system, entity, ticket.record_id, finding)
        wi.tickets.append(ticket)
        return ticket

    def _cw_ticket(self, wi: WorkItem, delay: int, category: tuple[str, str], source: str,
                   summary: str) -> Ticket:
        number = str(self.ids.next("cw_ticket"))
        service = wi.service
        ticket = self._ticket(
            wi, "connectwise", "tickets", number, delay, record_id=number, category=category,
            canonical_category=service.category, department=service.department, summary=summary,
            source=source,
        )
        if self.missing_rng.random() < self.rates.missing_company:
            ticket.company_missing = True
            finding = f"missing_client: connectwise:{number} and its time entries have no company"
            self.truth.defect("missing_company", "connectwise", "tickets", number, finding)
        return ticket

    def _incident(self, wi: WorkItem, delay: int, category: tuple[str, str], summary: str, contact_type: str,
                  device: Device | None = None, correlation_id: str | None = None) -> Ticket:
        service = wi.service
        return self._ticket(
            wi, "servicenow", "incident", f"INC{self.ids.next('incident'):07d}", delay,
            record_id=self.ids.sys_id(), category=category, canonical_category=service.category,
            department=service.department, summary=summary,
            source=contact_type, cmdb_ci=device, correlation_id=correlation_id,
        )

    # --- finishing a work item --------------------------------------------------------

    def _finish(self, wi: WorkItem) -> None:
        defect = self._draw_defect(wi)
        if defect in ("duplicate_ticket", "double_billing"):
            self._duplicate(wi, cw_only=defect == "double_billing")
        for ticket in wi.tickets:
            self._miscategorize(ticket)
        self._drift(wi, defect)
        label = wi.label(self.end)
        for system in ("connectwise", "servicenow"):
            same = sorted(
                (t for t in wi.tickets if t.system == system and t.entity != "sc_req_item"),
                key=lambda t: t.ticket_id,
            )
            for duplicate in same[1:]:
                duplicate.is_duplicate = True
                self.truth.defect(
                    "duplicate_ticket",
                    system,
                    duplicate.entity,
                    duplicate.record_id,
                    f"is_duplicate: {duplicate.ticket_id} duplicates {same[0].ticket_id} in {label}",
                )
        self.people.assign(wi)
        for ticket in wi.tickets:
            self._ticket_truth(ticket, label)
            self._schedule(ticket)
        if wi.drift:
            self._drift_truth(wi, label)
        cw = [t for t in wi.tickets if t.system == "connectwise"]
        if cw:
            self.billing.plan(wi, label, defect, cw[0], cw[1] if len(cw) > 1 else None)

    def _draw_defect(self, wi: WorkItem) -> str | None:
        """At most one work-item defect (rates.WORK_ITEM_DEFECTS), each with its rate among the eligible."""
        cw = any(t.system == "connectwise" for t in wi.tickets)
        incident = any(t.entity == "incident" for t in wi.tickets)
        resolved = wi.life.state(self.end).resolved_at
        age = (self.end - resolved).days if resolved else -1
        billable = cw and wi.service is not None and wi.service.billable and age > GRACE_DAYS
        eligible = {
            "duplicate_ticket": cw and incident,
            "double_billing": billable and incident,
            "missing_time": billable,
            "time_not_invoiced": billable,
            "partially_billed": billable and len(wi.blocks) > 1,
            "credit_full": billable and age > 2 * GRACE_DAYS,
            "credit_partial": billable and age > 2 * GRACE_DAYS,
            "hours_variance": billable,
            "billing_code_mismatch": billable,
            "rejected_time": billable,
        }
        draw, threshold = self.rng.random(), 0.0
        for name in WORK_ITEM_DEFECTS:
            if eligible[name]:
                threshold += getattr(self.rates, name)
                if draw < threshold:
                    return name
        return None

    def _duplicate(self, wi: WorkItem, cw_only: bool) -> None:
        """A second ticket of one system in the work item: a PSA ticket mirroring the same incident,
        or (alert-born) a second incident with the alert's correlation_id."""
        incident = next(t for t in wi.tickets if t.entity == "incident")
        delay = self.rng.randint(5, 15)
        if wi.alert and not cw_only and self.rng.random() < 0.5:
            self._incident(wi, delay, incident.category, incident.summary, "monitoring",
                           device=incident.cmdb_ci, correlation_id=wi.alert.uid)
            return
        original = next(t for t in wi.tickets if t.system == "connectwise")
        duplicate = self._cw_ticket(wi, delay, original.category, "Integration", original.summary)
        duplicate.external_xref = incident.number

    def _drift(self, wi: WorkItem, defect: str | None) -> None:
        """Closure drift, drawn from its own random sequence: in a resolved work item one ticket
        misses the resolution (its lifecycle stops before the first one) and stays open, so the
        systems disagree at the end. The PSA ticket lags while the incident resolves (or, without an
        incident, while the alert resets), or the incident lags while the PSA ticket resolves and
        closes. Only work items with one PSA ticket and at most one incident, without another
        work-item defect or a late correction; nothing else about them changes (their alert still
        resets, their time is entered), except that work whose tickets disagree is not invoiced."""
        psa = [t for t in wi.tickets if t.system == "connectwise"]
        incidents = [t for t in wi.tickets if t.entity == "incident"]
        eligible = (
            defect is None
            and len(psa) == 1
            and len(incidents) <= 1
            and bool(incidents or wi.alert)
            and wi.life.state(self.end).clock in ("resolved", "closed")
            and not any(t.corrected_at for t in wi.tickets)
        )
        if not eligible or self.drift_rng.random() >= self.rates.closure_drift:
            return
        incident = incidents[0] if incidents else None
        if incident and self.drift_rng.random() < DRIFT_TO_INCIDENT:
            lagging, reason, source = incident, "psa_closed_itsm_open", psa[0].ticket_id
        elif incident:
            lagging, reason, source = psa[0], "itsm_resolved_psa_open", incident.ticket_id
        else:
            lagging, reason, source = psa[0], "alert_reset_psa_open", f"alert:{wi.alert.uid}"
        life = lagging.life
        cut = next(i for i, (_, clock) in enumerate(life.transitions) if clock in ("resolved", "closed"))
        lagging.planned, lagging.life = life, Lifecycle(life.opened, life.transitions[:cut])
        action = "close_psa_ticket" if lagging.system == "connectwise" else "resolve_itsm_incident"
        wi.drift = (action, reason, lagging.ticket_id, source)

    def _drift_truth(self, wi: WorkItem, label: str) -> None:
        action, reason, target_id, source = wi.drift
        target = next(t for t in wi.tickets if t.ticket_id == target_id)
        self.truth.add("sync.csv", [label, action, reason, target_id, source])
        self.truth.defect(
            "closure_drift",
            target.system,
            target.entity,
            target.record_id,
            f"sync_actions: {action} {target_id} ({reason}; {source} is ahead); {label} is not resolved",
        )

    def _miscategorize(self, ticket: Ticket) -> None:
        """The unmapped_category defect, or a late correction of one (never both on one ticket)."""
        rng, wi = self.rng, ticket.work_item
        unbilled = (
            ticket.entity in ("sc_req_item", "issues")
            or wi.life.state(self.end).resolved_at is None
            or (ticket.entity == "incident" and not any(t.system == "connectwise" for t in wi.tickets))
        )
        if unbilled and rng.random() < self.rates.unmapped_category:
            ticket.category = self._unmapped_category(ticket)
            ticket.canonical_category = None
            if ticket.system == "jira":
                ticket.department = reference.JIRA_PROJECTS[ticket.category[0]][1]
            else:
                ticket.department = "IT"
            self.truth.defect(
                "unmapped_category",
                ticket.system,
                ticket.entity,
                ticket.record_id,
                f"unmapped_category {raw_category(ticket.category)!r}; {ticket.ticket_id} has "
                f"no category, department {ticket.department}",
            )
            return
        closed = ticket.life.state(self.end).closed_at
        if ticket.entity in ("tickets", "incident") and closed and rng.random() < self.rates.late_correction:
            corrected = closed + timedelta(days=rng.randint(1, 5), minutes=rng.randint(0, 600))
            if corrected <= self.end:
                ticket.miscategory, ticket.corrected_at = self._unmapped_category(ticket), corrected
                self.truth.defect(
                    "late_correction",
                    ticket.system,
                    ticket.entity,
                    ticket.record_id,
                    f"category {ticket.canonical_category} from the later file of "
                    f"{corrected.date()}; no unmapped_category for {ticket.ticket_id}",
                )

    def _unmapped_category(self, ticket: Ticket) -> tuple[str, str]:
        rng = self.rng
        if ticket.entity == "tickets":
            return rng.choice(reference.UNMAPPED_CW_CATEGORIES)
        if ticket.entity == "incident":
            return rng.choice(reference.UNMAPPED_SN_CATEGORIES)
        if ticket.entity == "sc_req_item":
            return rng.choice(reference.UNMAPPED_CATALOG_ITEMS), ""
        return ticket.category[0], reference.UNMAPPED_JIRA_REQUEST_TYPES[ticket.category[0]]

    def _ticket_truth(self, ticket: Ticket, label: str) -> None:
        self.ticket_counts[ticket.entity] = self.ticket_counts.get(ticket.entity, 0) + 1
        end, wi = self.end, ticket.work_item
        state = ticket.life.state(end)
        clock = state.clock
        if ticket.system == "jira":
            closed = state.resolved_at if clock == "closed" else None
        else:
            closed = state.closed_at
        asset = wi.device if wi.alert else next((t.cmdb_ci for t in wi.tickets if t.cmdb_ci), None)
        mapped = ticket.client.unmapped_system != ticket.system and not ticket.company_missing
        linked = wi.alert is not None or any(t.system != ticket.system for t in wi.tickets)
        self.truth.tally(
            ticket.system,
            ticket.entity,
            records=1,
            records_linked=int(linked),
            duplicates=int(ticket.is_duplicate),
        )
        self.truth.add(
            "tickets.csv",
            [
                ticket.ticket_id,
                ticket.system,
                ticket.client.client_id if mapped else "",
                ticket.department,
                ticket.canonical_category or "",
                ticket.canonical_priority or "",
                status_category(clock),
                stamp(ticket.opened),
                stamp(state.first_response),
                stamp(state.resolved_at),
                stamp(closed),
                asset.asset_id if asset else "",
                wi.alert.uid if wi.alert else "",
                label,
                flag(ticket.is_duplicate),
            ],
        )
        if ticket.canonical_category is None:
            self.truth.exception(
                ticket.system, ticket.entity, "category", raw_category(ticket.category), "unmapped_category"
            )
        if ticket.canonical_priority is None:
            self.truth.exception(
                ticket.system, ticket.entity, "priority", ticket.priority, "unknown_priority"
            )
        if ticket.system == "jira":
            ticket.client.jira_issues += 1
            if not mapped:
                self.truth.exception(
                    "jira", "issues", "organization", ticket.client.jira_org_name, "unmapped_client"
                )
        for row in sla_rows(ticket, end, self.calendars, self.policies, mapped):
            self.truth.add("sla.csv", row)
        pauses = state.pauses
        if ticket.system != "connectwise":
            for paused_from, paused_to in pauses:
                still = paused_to == end and clock == "paused"
                self.truth.add(
                    "pauses.csv", [ticket.ticket_id, stamp(paused_from), "" if still else stamp(paused_to)]
                )
        if pauses:
            self.truth.defect(
                "on_hold",
                ticket.system,
                ticket.entity,
                ticket.record_id,
                f"{ticket.ticket_id} on hold from {stamp(pauses[0][0])}",
            )
        if state.reopen_count:
            self.truth.defect(
                "reopened",
                ticket.system,
                ticket.entity,
                ticket.record_id,
                f"{ticket.ticket_id} reopened; resolved_at {stamp(state.resolved_at) or 'null'}",
            )

    def _schedule(self, ticket: Ticket) -> None:
        """Every version of the ticket into its day's file, with ServiceNow's audit rows and task SLAs."""
        self.timeline.add(ticket)
        if ticket.system == "servicenow":
            history = ticket.life.history(self.end)
            planned = ticket.planned_life.history(self.end)  # a drifted ticket's history is a prefix of it
            codes = reference.SN_STATES
            for i, ((_, before), (at, after)) in enumerate(zip(planned, planned[1:], strict=False)):
                sys_id = self.ids.sys_id()  # drawn as planned, so a drift moves no other id
                if i + 1 < len(history):
                    self.timeline.add(AuditEntry(sys_id, ticket, at, "state", codes[before], codes[after]))
            if ticket.corrected_at:
                self.timeline.add(
                    AuditEntry(
                        self.ids.sys_id(),
                        ticket,
                        ticket.corrected_at,
                        "category",
                        ticket.miscategory[0],
                        ticket.category[0],
                    )
                )
            if ticket.entity == "incident":
                self._task_slas(ticket)
        self._stale_resend(ticket)

    def _task_slas(self, ticket: Ticket) -> None:
        cycles = self._sla_cycles(ticket)
        # a drifted ticket's ids are drawn for the cycles it was planned with (it has no more)
        planned = self._sla_cycles(replace(ticket, life=ticket.planned)) if ticket.planned else cycles
        assert len(cycles) <= len(planned), f"{ticket.ticket_id}: a drift added task SLAs"
        ids = [self.ids.sys_id() for _ in planned]
        for sys_id, (policy, (start, stop, cancel)) in zip(ids, cycles, strict=False):
            self.timeline.add(TaskSla(sys_id, ticket, policy, start, stop, cancel))

    def _sla_cycles(self, ticket: Ticket) -> list:
        """(policy, cycle) of each task SLA the ticket has started by the end."""
        forever = datetime.max.replace(tzinfo=UTC)
        response = self.policies.find(ticket, "response")
        resolution = self.policies.find(ticket, "resolution")
        cycles = ([(response, response_cycle(ticket, forever))] if response else []) + (
            [(resolution, cycle) for cycle in resolution_cycles(ticket, forever)] if resolution else []
        )
        return [(policy, cycle) for policy, cycle in cycles if cycle[0] <= self.end]

    def _stale_resend(self, ticket: Ticket) -> None:
        days = sorted({at.date() for at in ticket.changes() if at <= self.end})
        # drawn for the days the ticket was planned to change on, so a drift disturbs no other draw;
        # a drifted ticket re-sends only versions it went through, before its current one
        planned = sorted({at.date() for at in ticket.changes(ticket.planned_life) if at <= self.end})
        later = (self.last_day - planned[-1]).days
        for day in planned[:-1]:
            if later > 0 and self.rng.random() < self.rates.stale_resend:
                resend = planned[-1] + timedelta(days=self.rng.randint(1, later))
                if day not in days[:-1]:
                    continue
                as_of = datetime.combine(day, time(23, 59, 59), UTC)
                self.timeline.add_stale(ticket, as_of, resend)
                self.truth.defect(
                    "stale_resend",
                    ticket.system,
                    ticket.entity,
                    ticket.record_id,
                    f"the version of {day} re-sent on {resend}; current state unchanged",
                )
