"""`usm generate`: a synthetic MSP's extracts in the landing layout, and the truth about them.

See README.md here for what is generated, every truth file and column, and the defect rates.
The generator uses its own world model only: nothing else from `pipelines` is imported.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

from pipelines.generator import render_connectwise as cw
from pipelines.generator import render_jira as jira
from pipelines.generator import render_ninjaone as ninja
from pipelines.generator import render_servicenow as sn
from pipelines.generator.billing import Billing
from pipelines.generator.business_time import UTC, build_calendars
from pipelines.generator.clients import build_clients
from pipelines.generator.ids import Ids
from pipelines.generator.mappings import write_mappings
from pipelines.generator.people import People
from pipelines.generator.rates import Rates
from pipelines.generator.simulate import Simulation
from pipelines.generator.timeline import Timeline
from pipelines.generator.truth import Truth, flag
from pipelines.generator.vendor_sla import PolicyBook, VendorSla, build_policies
from pipelines.generator.world import Activity, Alert, AuditEntry, Client, Invoice, TaskSla, Ticket, TimeEntry
from pipelines.generator.writer import Writer

__all__ = ["Rates", "generate"]

SNAPSHOT_EVERY_DAYS = 30
"""Reference entities come as full snapshots on the first day and every 30 days after."""


def generate(
    out: Path,
    truth: Path,
    clients: int = 12,
    days: int = 90,
    start: date = date(2026, 1, 1),
    seed: int = 7,
    rates: Rates | None = None,
) -> str:
    """Write the landing files into `out` and the truth into `truth`; return a short summary."""
    if clients < 1 or days < 1:
        raise ValueError("clients and days must be at least 1")
    out, truth = Path(out), Path(truth)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; generate into a new or empty folder")
    rates = rates or Rates()
    rng = random.Random(seed)
    last_day = start + timedelta(days=days - 1)
    end = datetime.combine(last_day, time(23, 59, 59), UTC)
    years = range(start.year, last_day.year + 2)  # lifecycles and SLA due dates run into the next year
    calendars = build_calendars(years.start, years.stop - 1)
    truths = Truth(truth)
    ids = Ids(rng)
    world = build_clients(rng, ids, clients, start, rates, truths)
    people = People(seed, world, truths)  # its own random sequence: the world's is untouched
    policies = build_policies(world)
    book = PolicyBook(policies)
    vendor_sla = VendorSla(calendars, book)
    timeline = Timeline(end)
    billing = Billing(rng, rates, ids, timeline, truths, world, end)
    drift_rng = random.Random(f"{seed}:closure_drift")  # its own sequence, like the people's
    missing_rng = random.Random(f"{seed}:missing_company")
    simulation = Simulation(
        rng, rates, world, calendars, end, ids, truths, timeline, billing, book, people, drift_rng, missing_rng
    )
    writer = Writer(out, truths, rates, seed)
    mapping_rows = write_mappings(out / "mappings", world, calendars, policies, years)
    reference_stamp = datetime.combine(start, time(6), UTC)

    def render(obj, at: datetime) -> tuple[tuple[str, str], dict]:
        if isinstance(obj, Ticket):
            if obj.system == "connectwise":
                return ("connectwise", "tickets"), cw.ticket(obj, at)
            if obj.entity == "incident":
                return ("servicenow", "incident"), sn.incident(obj, at, vendor_sla)
            if obj.entity == "sc_req_item":
                return ("servicenow", "sc_req_item"), sn.requested_item(obj, at)
            return ("jira", "issues"), jira.issue(obj, at, vendor_sla)
        if isinstance(obj, TimeEntry):
            return ("connectwise", "time_entries"), cw.time_entry(obj, at)
        if isinstance(obj, Invoice):
            return ("connectwise", "invoices"), cw.invoice(obj, at)
        if isinstance(obj, AuditEntry):
            return ("servicenow", "sys_audit"), sn.audit_entry(obj, at)
        if isinstance(obj, TaskSla):
            return ("servicenow", "task_sla"), sn.task_sla(obj, at, vendor_sla)
        if isinstance(obj, Alert):
            return ("ninjaone", "alerts"), ninja.alert(obj, at)
        if isinstance(obj, Activity):
            return ("ninjaone", "activities"), ninja.activity(obj, at)
        raise TypeError(f"nothing renders a {type(obj).__name__}")

    for number in range(days):
        day = start + timedelta(days=number)
        timeline.today = day
        simulation.simulate_day(day)
        if day.day == 1:
            billing.agreement_invoices(day)
        if day.isoweekday() == 7 or day == last_day:
            billing.invoice_run(day)
        records: dict[tuple[str, str], list[tuple]] = {}
        if number % SNAPSHOT_EVERY_DAYS == 0:
            for key, snapshot in _snapshots(world, calendars, years, day, reference_stamp).items():
                records[key] = [(reference_stamp, "", record) for record in snapshot]
        due, stale = timeline.pop(day)
        day_end = datetime.combine(day, time(23, 59, 59), UTC)
        for obj, as_of in [(obj, day_end) for obj in due] + stale:
            at = max(change for change in obj.changes() if change <= as_of)
            key, record = render(obj, at)
            records.setdefault(key, []).append(
                (at, str(record.get("id") or record.get("sys_id") or record.get("uid")), record)
            )
        writer.write_day(
            day,
            {key: [r for *_, r in sorted(rows, key=lambda row: row[:2])] for key, rows in records.items()},
        )

    _dimension_truth(world, truths)
    parameters = {
        "clients": clients,
        "days": days,
        "start": start.isoformat(),
        "seed": seed,
        "end": end.strftime("%Y-%m-%d %H:%M:%S"),
    }
    counts = {
        "records": {f"{system}/{entity}": n for (system, entity), n in writer.records.items()},
        "files": writer.files,
        "bytes": writer.bytes,
        "tickets": simulation.ticket_counts,
        "devices": sum(len(c.devices) for c in world),
        "people": people.count,
        "mappings": mapping_rows,
        "defects": dict(sorted(truths.defect_counts.items())),
    }
    truths.close({"parameters": parameters, "rates": rates.as_dict(), "counts": counts})
    return _summary(parameters, counts)


def _snapshots(world: list[Client], calendars, years: range, day: date, at: datetime) -> dict:
    devices = [d for c in world for d in c.devices]
    return {
        ("connectwise", "companies"): cw.companies(world, at),
        ("connectwise", "agreements"): cw.agreements(world, at),
        ("connectwise", "slas"): cw.slas(calendars, at),
        ("connectwise", "sla_priorities"): cw.sla_priorities(at),
        ("connectwise", "calendars"): cw.calendars(calendars, at),
        ("connectwise", "holidays"): cw.holidays(calendars, years, at),
        ("servicenow", "core_company"): [sn.core_company(c, at) for c in world],
        ("servicenow", "cmdb_ci_computer"): [sn.computer(d, at) for d in devices if d.cmdb_sys_id],
        ("ninjaone", "organizations"): [ninja.organization(c) for c in world],
        ("ninjaone", "devices"): [ninja.device(d, day) for d in devices if d.ninja_id],
    }


def _dimension_truth(world: list[Client], truths: Truth) -> None:
    """clients.csv and assets.csv, the normalization exceptions of client and device records, and
    system_map.csv's counts of company, organization and device records."""
    for c in world:

        def key(system: str, value: str, c=c) -> str:
            return value if c.unmapped_system != system else ""

        keys = {
            "connectwise": key("connectwise", str(c.cw_id)),
            "servicenow": key("servicenow", c.sn_sys_id),
            "jira": key("jira", c.jira_org_id) if c.jira_issues else "",
            "ninjaone": key("ninjaone", str(c.ninja_id)),
        }
        truths.add("clients.csv", [c.client_id, c.name, *keys.values()])
        for system, entity in (
            ("connectwise", "companies"),
            ("servicenow", "core_company"),
            ("ninjaone", "organizations"),
        ):
            # linked: the company's alias is mapped, and the client has a key in another system
            linked = bool(keys[system]) and any(v for other, v in keys.items() if other != system)
            truths.tally(system, entity, records=1, records_linked=int(linked))
        aliases = {
            "connectwise": ("companies", "identifier", c.cw_identifier),
            "servicenow": ("core_company", "name", c.sn_name),
            "ninjaone": ("organizations", "name", c.ninja_name),
        }
        if c.unmapped_system in aliases:
            entity, field, alias = aliases[c.unmapped_system]
            truths.exception(c.unmapped_system, entity, field, alias, "unmapped_client")
        for d in c.devices:
            both = int(bool(d.ninja_id and d.cmdb_sys_id))
            if d.ninja_id:
                truths.tally("ninjaone", "devices", records=1, records_linked=both)
            if d.cmdb_sys_id:
                truths.tally("servicenow", "cmdb_ci_computer", records=1, records_linked=both)
            conforming = [name == d.asset_id for name in (d.ninja_name, d.cmdb_name) if name]
            by_ninja = d.ninja_id is not None and c.unmapped_system != "ninjaone"
            by_cmdb = d.cmdb_sys_id is not None and c.unmapped_system != "servicenow"
            truths.add(
                "assets.csv",
                [
                    d.asset_id,
                    c.client_id if by_ninja or by_cmdb else "",
                    d.asset_class,
                    d.department if d.cmdb_sys_id else "",
                    str(d.ninja_id) if d.ninja_id else "",
                    d.cmdb_sys_id or "",
                    flag(all(conforming)),
                ],
            )
            if d.ninja_name and d.ninja_name != d.asset_id:
                truths.exception(
                    "ninjaone", "devices", "systemName", d.ninja_name, "nonconforming_asset_name"
                )
            if d.cmdb_name and d.cmdb_name != d.asset_id:
                truths.exception(
                    "servicenow", "cmdb_ci_computer", "name", d.cmdb_name, "nonconforming_asset_name"
                )


def _summary(parameters: dict, counts: dict) -> str:
    lines = [
        f"generated {parameters['clients']} clients x {parameters['days']} days from {parameters['start']} "
        f"(seed {parameters['seed']}): {counts['files']} files, {counts['bytes'] / 1e6:.1f} MB",
        "records per system/entity:",
    ]
    lines += [f"  {name:<32} {n:>9}" for name, n in sorted(counts["records"].items())]
    lines.append("tickets: " + ", ".join(f"{k} {v}" for k, v in sorted(counts["tickets"].items())))
    lines.append("defects injected:")
    lines += [f"  {name:<32} {n:>9}" for name, n in counts["defects"].items()]
    return "\n".join(lines)
