"""The simulated MSP as plain data.

Clients and their devices; work items with their alert and tickets; time entries and
invoices; ServiceNow audit rows and task SLAs. Every object that changes over time keeps
the instants at which it changed (`changes()`), and its state at any instant is computed
from them, so the writer can render the version of any day, and the truth is simply the
state at the end of the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipelines.generator.business_time import Interval
from pipelines.generator.reference import Service, SlaPolicy

Transition = tuple[datetime, str]
"""(instant, clock): a ticket's state moves to that clock at that instant. The clocks are the
ones of states.csv: new, open, paused, resolved, closed, canceled."""


@dataclass
class Client:
    index: int
    client_id: str
    name: str
    domain: str
    region: str
    calendar: str
    size: float
    premium: bool
    cw_id: int
    cw_identifier: str
    sn_sys_id: str
    sn_name: str
    jira_org_id: str
    jira_org_name: str
    ninja_id: int
    ninja_name: str
    agreement_id: int
    agreement_amount: float
    callers: tuple[str, ...]
    """ServiceNow sys_user sys_ids of the client's staff."""
    unmapped_system: str | None = None
    """The one system whose alias for this client is missing from clients.csv."""
    devices: list[Device] = field(default_factory=list)
    jira_issues: int = 0
    """Jira issues carrying the client's organization (at the end of the window)."""
    people: list[Person] = field(default_factory=list)
    """The client's staff, who raise its tickets (people.py)."""
    caller_people: tuple[Person, ...] = ()
    """The person behind each of `callers`, in the same order."""


@dataclass
class Person:
    """One of a client's employees: the requester of tickets, and personal data in their records."""

    person_id: str
    client: Client
    first_name: str
    last_name: str
    email: str
    cw_contact_id: int
    """The ConnectWise contact id."""
    jira_account_id: str
    """The Atlassian account id."""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class Device:
    asset_id: str
    asset_class: str
    department: str
    client: Client
    node_class: str
    serial: str
    ninja_id: int | None
    ninja_name: str | None
    cmdb_sys_id: str | None
    cmdb_name: str | None
    created: datetime


@dataclass
class Alert:
    uid: str
    device: Device
    created: datetime
    kind: tuple
    severity: str
    priority: str
    psa_ticket: Ticket | None = None

    def changes(self) -> list[datetime]:
        return [self.created] + ([self.psa_ticket.opened] if self.psa_ticket else [])


@dataclass
class Activity:
    id: int
    alert: Alert
    at: datetime
    status: str

    def changes(self) -> list[datetime]:
        return [self.at]


@dataclass
class Approval:
    requested: datetime
    decided: datetime | None
    decision: str
    """approved, declined, or pending (not decided within the window)."""


@dataclass
class Lifecycle:
    """A ticket's (or a work item's) clock: opened in `new`, then the transitions."""

    opened: datetime
    transitions: list[Transition]

    def shifted(self, delta: timedelta) -> Lifecycle:
        return Lifecycle(self.opened + delta, [(at + delta, clock) for at, clock in self.transitions])

    def history(self, until: datetime) -> list[Transition]:
        """[(opened, "new"), *transitions up to `until`]."""
        return [(self.opened, "new"), *((at, c) for at, c in self.transitions if at <= until)]

    def state(self, instant: datetime) -> LifeState:
        """Where the clock stands at `instant`, from one pass over the history."""
        history = self.history(instant)
        first_response = resolved = paused_from = None
        pauses: list[Interval] = []
        reopens = 0
        clock = "new"
        for at, after in history[1:]:
            if first_response is None and clock == "new" and after != "new":
                first_response = at
            if after == "resolved":
                resolved = at
            elif after != "closed":
                resolved = None
            reopens += clock == "resolved" and after == "open"
            if clock == "paused":
                pauses.append((paused_from, at))
            paused_from = at if after == "paused" else None
            clock = after
        if clock == "paused":
            pauses.append((paused_from, instant))
        closed = history[-1][0] if clock == "closed" else None
        return LifeState(clock, first_response, resolved, closed, pauses, reopens)


@dataclass
class LifeState:
    clock: str
    first_response: datetime | None
    """The first move from a `new` clock to any other."""
    resolved_at: datetime | None
    """The last resolution, unless reopened or canceled since."""
    closed_at: datetime | None
    pauses: list[Interval]
    """On-hold intervals; a pause still running ends at the instant asked about."""
    reopen_count: int


@dataclass
class Ticket:
    system: str
    entity: str
    record_id: str
    number: str
    client: Client
    work_item: WorkItem
    life: Lifecycle
    category: tuple[str, str]
    """In the system's own terms: (type, subtype), (category, subcategory), (cat_item, ""),
    or (project, request type)."""
    canonical_category: str | None
    """None when categories.csv does not place `category`."""
    department: str
    priority: str
    canonical_priority: str | None
    """None when priorities.csv does not know `priority`."""
    summary: str
    source: str = ""
    external_xref: str | None = None
    correlation_id: str | None = None
    cmdb_ci: Device | None = None
    approval: Approval | None = None
    miscategory: tuple[str, str] | None = None
    """The unmapped category the ticket was first filed under, until `corrected_at`."""
    corrected_at: datetime | None = None
    is_duplicate: bool = False
    requester: Person | None = None
    """Who raised the ticket (ServiceNow: the person behind its caller_id)."""
    description: str = ""
    """The requester's free text (Jira description, ServiceNow description, ConnectWise initialDescription)."""
    company_missing: bool = False
    """Written without its company (ConnectWise `company: null`): the ticket names no client."""
    planned: Lifecycle | None = None
    """Closure drift: the lifecycle the ticket was planned with, when it missed the work item's
    resolution and `life` stops before it. The world's random draws follow this one, so a drift
    changes no other record's draws."""

    @property
    def ticket_id(self) -> str:
        return f"{self.system}:{self.number}"

    @property
    def caller_index(self) -> int:
        """Which of the client's `callers` a ServiceNow ticket's caller_id is."""
        return int(self.record_id[-2:], 16) % len(self.client.callers)

    @property
    def opened(self) -> datetime:
        return self.life.opened

    @property
    def planned_life(self) -> Lifecycle:
        return self.planned or self.life

    def changes(self, life: Lifecycle | None = None) -> list[datetime]:
        """The instants the ticket changed (with `life`: as it would have with that lifecycle)."""
        times = [self.opened, *(at for at, _ in (life or self.life).transitions)]
        if self.corrected_at:
            times.append(self.corrected_at)
        if self.approval and self.approval.decided and self.approval.decision == "approved":
            times.append(self.approval.decided)
        return sorted(times)

    def category_at(self, instant: datetime) -> tuple[str, str]:
        if self.miscategory and (self.corrected_at is None or instant < self.corrected_at):
            return self.miscategory
        return self.category


@dataclass
class WorkItem:
    client: Client
    priority: str
    life: Lifecycle
    service: Service | None = None
    """What the work is (ConnectWise and ServiceNow work items); None for Jira requests."""
    alert: Alert | None = None
    device: Device | None = None
    blocks: list[Interval] = field(default_factory=list)
    """Periods worked (each becomes a time entry when the work item has a PSA ticket)."""
    tickets: list[Ticket] = field(default_factory=list)
    drift: tuple[str, str, str, str] | None = None
    """Closure drift: (action, reason, target ticket_id, source ticket_id) of sync.csv, or None."""

    def label(self, end: datetime) -> str:
        """`wi:` + the alert uid, else the smallest ticket_id existing at `end`."""
        if self.alert:
            return f"wi:{self.alert.uid}"
        return "wi:" + min(t.ticket_id for t in self.tickets if t.opened <= end)


@dataclass
class TimeEntry:
    id: int
    client: Client
    charge_to_type: str
    charge_to_id: int
    member: tuple
    work_type: str
    hourly_rate: float
    start: datetime
    end: datetime
    actual_hours: float
    hours_billed: float
    billable_option: str
    entered: datetime
    decided: datetime | None = None
    rejected: bool = False
    agreement_id: int | None = None
    invoice: Invoice | None = None
    invoiced_at: datetime | None = None
    company_missing: bool = False
    """Written without its company, as its ticket is."""

    def changes(self) -> list[datetime]:
        return sorted(t for t in (self.entered, self.decided, self.invoiced_at) if t)

    @property
    def amount(self) -> float:
        return round(self.hours_billed * self.hourly_rate, 2)


@dataclass
class Invoice:
    id: int
    client: Client
    type: str
    at: datetime
    total: float
    applies_to_ticket: int | None = None
    """A credit memo's ticket (applyToType `Ticket`): it takes back part of what that ticket's time was invoiced."""
    agreement_id: int | None = None

    @property
    def identifier(self) -> str:
        return f"INV-{self.id:05d}"

    def changes(self) -> list[datetime]:
        return [self.at]


@dataclass
class AuditEntry:
    sys_id: str
    ticket: Ticket
    at: datetime
    field: str
    old: str
    new: str

    def changes(self) -> list[datetime]:
        return [self.at]


@dataclass
class TaskSla:
    sys_id: str
    ticket: Ticket
    policy: SlaPolicy
    start: datetime
    stop: datetime | None
    """When the SLA's stop condition was met (first response, resolution); None if never."""
    cancel: datetime | None = None
    """When the ticket was canceled before the stop condition."""

    def changes(self) -> list[datetime]:
        times = [self.start, *(t for t in (self.stop, self.cancel) if t)]
        if self.policy.metric == "resolution":
            end = self.stop or self.cancel
            times += [
                at for at, _ in self.ticket.life.transitions if at > self.start and (end is None or at < end)
            ]
        return sorted(times)
