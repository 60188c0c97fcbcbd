"""Time and money: ConnectWise time entries for the work done, weekly invoice runs, agreement
invoices, credits, internal charge-code time, and the billing defects with their truth.

A work item's billing outcome is decided when it arrives (its lifecycle is known then);
the invoice runs carry it out. Runs happen at 23:59:59 UTC every Sunday and on the last
day, and invoice the time of work items resolved by then.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from pipelines.generator import reference
from pipelines.generator.business_time import UTC, Interval
from pipelines.generator.draws import poisson
from pipelines.generator.ids import Ids
from pipelines.generator.rates import Rates
from pipelines.generator.timeline import Timeline
from pipelines.generator.truth import Truth, flag
from pipelines.generator.world import Client, Invoice, Ticket, TimeEntry, WorkItem

INTERNAL_TIME_PER_DAY = 0.25
"""Charge-code entries per client and business day (× the client's size)."""
RECON_STATUS = {
    "missing_time": "missing_time",
    "time_not_invoiced": "time_not_invoiced",
    "partially_billed": "partially_billed",
    "credit_full": "credited",
    "credit_partial": "partially_billed",
}


@dataclass
class Pending:
    """Time waiting for the next invoice run after `ready`."""

    ready: datetime
    client: Client
    entries: list[TimeEntry]
    credit: str | None
    """full or partial: the time gets an invoice of its own, credited a few days later."""
    label: str
    group: tuple[str, str]
    """The work item's (client_id, category) in revenue.csv."""


class Billing:
    def __init__(
        self,
        rng: random.Random,
        rates: Rates,
        ids: Ids,
        timeline: Timeline,
        truth: Truth,
        clients: list[Client],
        end: datetime,
    ):
        self.rng, self.rates, self.ids, self.timeline, self.truth = rng, rates, ids, timeline, truth
        self.clients, self.end = clients, end
        self._pending: list[Pending] = []

    # --- time -------------------------------------------------------------------------

    def _entry(
        self,
        client: Client,
        ticket_id: int,
        block: Interval,
        work_type: str,
        rate: float,
        option: str,
        decided: datetime | None,
        charge_to_type: str = "ServiceTicket",
        member: tuple | None = None,
    ) -> TimeEntry:
        begin, finish = block
        hours = (finish - begin).total_seconds() / 3600
        return TimeEntry(
            id=self.ids.next("time_entry"),
            client=client,
            charge_to_type=charge_to_type,
            charge_to_id=ticket_id,
            member=member or self.rng.choice(reference.TECHNICIANS),
            work_type=work_type,
            hourly_rate=rate,
            start=begin,
            end=finish,
            actual_hours=hours,
            # time entered as no charge is worked and deliberately not billed: no hours billed,
            # which is neither an hours variance nor money at risk
            hours_billed=0.0 if option == "NoCharge" else hours,
            billable_option=option,
            entered=finish + timedelta(minutes=self.rng.randint(1, 4)),
            decided=decided,
            agreement_id=None if option == "Billable" else client.agreement_id,
        )

    def internal_time(self, client: Client, window: list[Interval]) -> None:
        """Charge-code time (admin, training): in no work item, never invoiced."""
        rng = self.rng
        for _ in range(poisson(rng, INTERNAL_TIME_PER_DAY * client.size)):
            a, b = rng.choice(window)
            begin = a + timedelta(minutes=rng.randrange(max(1, int((b - a).total_seconds() // 60))))
            code_id, _ = rng.choice(reference.CHARGE_CODES)
            work_type = reference.INTERNAL_ADMIN_CODE
            if rng.random() < self.rates.unknown_billing_code:
                work_type = rng.choice(reference.UNKNOWN_WORK_TYPES)
            entry = self._entry(
                client,
                code_id,
                (begin, begin + timedelta(hours=rng.choice((0.5, 1.0, 1.5)))),
                work_type,
                0.0,
                "DoNotBill",
                None,
                charge_to_type="ChargeCode",
            )
            self._add(entry)

    def _add(self, entry: TimeEntry) -> bool:
        """Schedule the entry's versions, unless it is entered after the end; True if it is written."""
        if entry.entered > self.end:
            return False
        self.truth.tally("connectwise", "time_entries", records=1)
        if entry.work_type in reference.UNKNOWN_WORK_TYPES:
            self.truth.exception(
                "connectwise", "time_entries", "workType", entry.work_type, "unknown_billing_code"
            )
            self.truth.defect(
                "unknown_billing_code",
                "connectwise",
                "time_entries",
                str(entry.id),
                f"unknown_billing_code {entry.work_type!r}",
            )
        self.timeline.add(entry)
        return True

    def _revenue_hours(self, entry: TimeEntry, group: tuple[str, str]) -> None:
        """revenue.csv's hours of a time entry on the work item, as the entry stands at the end."""
        rejected = entry.rejected and entry.decided is not None and entry.decided <= self.end
        billable = entry.billable_option == "Billable" and not rejected
        self.truth.revenue(
            f"{entry.start:%Y-%m}",
            *group,
            hours_worked=entry.actual_hours,
            billable_hours=entry.hours_billed if billable else 0.0,
        )

    def _revenue_invoiced(self, pending: Pending, credited: float) -> None:
        """revenue.csv's invoiced amount of invoiced time, less the share `credited` of its invoice."""
        for entry in pending.entries:
            self.truth.revenue(
                f"{entry.start:%Y-%m}",
                *pending.group,
                invoiced_amount=entry.hours_billed * entry.hourly_rate * (1 - credited),
            )

    # --- a work item's billing --------------------------------------------------------

    def plan(
        self, wi: WorkItem, label: str, defect: str | None, ticket: Ticket, duplicate: Ticket | None
    ) -> None:
        """The time entries of a work item with a ConnectWise ticket, and what becomes of them."""
        rng, service, client = self.rng, wi.service, wi.client
        resolved = wi.life.state(self.end).resolved_at
        resolutions = [at for at, clock in ticket.life.transitions if clock == "resolved"]
        entries = []
        if defect != "missing_time":
            for block in wi.blocks:
                decided = next((at for at in resolutions if at >= block[1]), None)
                entries.append(
                    self._entry(
                        client,
                        int(ticket.number),
                        block,
                        service.billing_code,
                        service.hourly_rate,
                        "Billable" if service.billable else "NoCharge",
                        decided,
                    )
                )
        entries = [e for e in entries if e.entered <= self.end]
        if resolved is None:
            for entry in entries:
                if rng.random() < self.rates.unknown_billing_code:
                    entry.work_type = rng.choice(reference.UNKNOWN_WORK_TYPES)
        self._apply(defect, entries, duplicate, label)
        without_company = {int(t.number) for t in (ticket, duplicate) if t is not None and t.company_missing}
        for entry in entries:
            entry.company_missing = entry.charge_to_id in without_company
        # the work item's client is any of its tickets' that names one through a mapped alias
        mapped = any(t.system != client.unmapped_system and not t.company_missing for t in wi.tickets)
        first = min((t for t in wi.tickets if t.system == "connectwise"), key=lambda t: int(t.number))
        group = (client.client_id if mapped else reference.UNASSIGNED_CLIENT, first.canonical_category or "")
        for entry in list(entries):
            if self._add(entry):
                self._revenue_hours(entry, group)
            known = entry.work_type not in reference.UNKNOWN_WORK_TYPES
            if known and rng.random() < self.rates.orphan_time_entry:
                self._orphan_entry(entry)
        # a work item whose tickets disagree at the end (closure drift) is not resolved: not billed
        if resolved is None or wi.drift or not (entries or service.billable):
            return
        invoiced = [e for e in entries if e.billable_option == "Billable" and not e.rejected]
        if defect == "time_not_invoiced":
            invoiced = []
        elif defect == "partially_billed":
            invoiced = invoiced[: rng.randint(1, len(invoiced) - 1)]
        status = RECON_STATUS.get(defect) or ("billed" if service.billable else "non_billable")
        if invoiced:
            credit = {"credit_full": "full", "credit_partial": "partial"}.get(defect)
            self._pending.append(
                Pending(
                    resolved + timedelta(minutes=15),
                    client,
                    invoiced,
                    credit,
                    f"{label}: recon_status {status}",
                    group,
                )
            )
        self.truth.add(
            "billing.csv",
            [
                label,
                client.client_id if mapped else reference.UNASSIGNED_CLIENT,
                status,
                flag(defect == "billing_code_mismatch"),
                flag(defect == "hours_variance"),
                flag(defect == "double_billing"),
            ],
        )
        if defect and defect not in ("duplicate_ticket", "credit_full", "credit_partial"):
            finding = {
                "double_billing": "is_double_billed",
                "hours_variance": "is_hours_variance",
                "billing_code_mismatch": "is_billing_code_mismatch",
                "rejected_time": "recon_status billed (rejected time is not billable)",
            }.get(defect, f"recon_status {status}")
            self.truth.defect(defect, "connectwise", "tickets", ticket.number, f"{label}: {finding}")

    def _apply(
        self, defect: str | None, entries: list[TimeEntry], duplicate: Ticket | None, label: str
    ) -> None:
        rng = self.rng
        billable = [e for e in entries if e.billable_option == "Billable"]
        if defect == "hours_variance":
            entry = rng.choice(billable)
            entry.hours_billed = entry.actual_hours + rng.choice((1.5, 2.0, 2.5, 3.0))
        elif defect == "billing_code_mismatch":
            entry = rng.choice(billable)
            other = rng.choice(
                [
                    s
                    for s in (*reference.BILLABLE_IT_SERVICES, reference.MONITORING)
                    if s.billing_code != entry.work_type
                ]
            )
            entry.work_type, entry.hourly_rate = other.billing_code, other.hourly_rate
        elif defect == "double_billing":
            original = rng.choice(billable)
            entries.append(
                replace(
                    original,
                    id=self.ids.next("time_entry"),
                    charge_to_id=int(duplicate.number),
                    entered=original.entered + timedelta(minutes=rng.randint(2, 10)),
                )
            )
        elif defect == "rejected_time":
            original = rng.choice(billable)
            others = [m for m in reference.TECHNICIANS if m not in {e.member for e in entries}]
            entries.append(
                replace(
                    original,
                    id=self.ids.next("time_entry"),
                    member=rng.choice(others),
                    entered=original.entered + timedelta(minutes=rng.randint(2, 10)),
                    rejected=True,
                )
            )

    def _orphan_entry(self, entry: TimeEntry) -> None:
        """Time charged to a ticket id that no system has (a gap in ConnectWise's numbering)."""
        orphan = replace(
            entry,
            id=self.ids.next("time_entry"),
            charge_to_id=self.ids.next("cw_ticket"),
            invoice=None,
            invoiced_at=None,
            rejected=False,
            entered=entry.entered + timedelta(minutes=self.rng.randint(5, 30)),
        )
        orphan.decided = orphan.entered
        if orphan.entered <= self.end:
            self.timeline.add(orphan)
            self.truth.tally("connectwise", "time_entries", records=1, orphans=1)
            self.truth.add("orphans.csv", ["time_entry", str(orphan.id), "orphan_time_entry"])
            self.truth.defect(
                "orphan_time_entry",
                "connectwise",
                "time_entries",
                str(orphan.id),
                f"orphan_time_entry: chargeToId {orphan.charge_to_id} is no ticket",
            )

    # --- invoices ---------------------------------------------------------------------

    def invoice_run(self, day: date) -> None:
        """Invoice, per client, the time of work items resolved by 23:59:59 of `day`."""
        at = datetime.combine(day, time(23, 59, 59), UTC)
        ready: dict[int, list[Pending]] = {}
        for pending in self._pending:
            if pending.ready <= at:
                ready.setdefault(pending.client.index, []).append(pending)
        self._pending = [p for p in self._pending if p.ready > at]
        for client in self.clients:
            mine = ready.get(client.index, [])
            together = [p for p in mine if p.credit is None]
            if together:
                self._invoice(client, at, [e for p in together for e in p.entries])
                for pending in together:
                    self._revenue_invoiced(pending, 0.0)
            for pending in (p for p in mine if p.credit):
                invoice = self._invoice(client, at, pending.entries)
                # credited work is alone on its invoice, and all charged to the work item's ticket
                ticket = pending.entries[0].charge_to_id
                amount = self._credit(invoice, ticket, pending.credit, pending.label)
                self._revenue_invoiced(pending, min(1.0, amount / invoice.total) if invoice.total else 1.0)
            if self.rng.random() < self.rates.orphan_invoice:
                orphan = Invoice(
                    self.ids.next("invoice"), client, "Standard", at, round(self.rng.uniform(150, 2000), 2)
                )
                self.timeline.add(orphan)
                self.truth.tally("connectwise", "invoices", records=1, orphans=1)
                self.truth.add("orphans.csv", ["invoice", str(orphan.id), "orphan_invoice"])
                self.truth.defect(
                    "orphan_invoice",
                    "connectwise",
                    "invoices",
                    str(orphan.id),
                    f"orphan_invoice: {orphan.identifier} has no time entry",
                )

    def _invoice(self, client: Client, at: datetime, entries: list[TimeEntry]) -> Invoice:
        invoice = Invoice(
            self.ids.next("invoice"), client, "Standard", at, round(sum(e.amount for e in entries), 2)
        )
        for entry in entries:
            entry.invoice, entry.invoiced_at = invoice, at
            self.timeline.add(entry)
        self.timeline.add(invoice)
        self.truth.tally("connectwise", "invoices", records=1)
        return invoice

    def _credit(self, invoice: Invoice, ticket: int, kind: str, finding: str) -> float:
        """A credit memo a few days later, applied to the ticket whose time the invoice billed, for all
        or part of it; returns the amount credited."""
        rng = self.rng
        at = datetime.combine(invoice.at.date() + timedelta(days=rng.randint(2, 5)), time(10), UTC)
        at += timedelta(minutes=rng.randint(0, 360))
        if at > self.end:
            raise AssertionError(f"credit of {invoice.identifier} after the end: eligibility is wrong")
        amount = invoice.total if kind == "full" else round(invoice.total * rng.uniform(0.3, 0.7), 2)
        credit = Invoice(
            self.ids.next("invoice"), invoice.client, "CreditMemo", at, -amount, applies_to_ticket=ticket
        )
        self.timeline.add(credit)
        self.truth.tally("connectwise", "invoices", records=1)
        self.truth.defect(
            f"credit_{kind}",
            "connectwise",
            "invoices",
            str(credit.id),
            f"{finding}; {credit.identifier} credits {amount:.2f} of {invoice.identifier} (ticket {ticket})",
        )
        return amount

    def agreement_invoices(self, day: date) -> None:
        """Each client's managed-services fee, on the first of the month."""
        at = datetime.combine(day, time(6), UTC)
        for client in self.clients:
            self.timeline.add(
                Invoice(
                    self.ids.next("invoice"),
                    client,
                    "Agreement",
                    at,
                    client.agreement_amount,
                    agreement_id=client.agreement_id,
                )
            )
            self.truth.tally("connectwise", "invoices", records=1)
