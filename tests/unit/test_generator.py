"""`usm generate`: the same seed gives the same bytes, and the truth agrees with the files.

The checks read the landing files with plain json and csv and apply the README's rules
themselves (newest version, mappings, links, the quarantine reasons); they never call the
generator's internals, so the truth is checked against what was actually written.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.generator import Rates, generate

SMALL = {"clients": 3, "days": 10}


def digest(*folders: Path) -> str:
    sha = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            sha.update(path.relative_to(folder).as_posix().encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    generate(tmp_path / "a" / "landing", tmp_path / "a" / "truth", seed=3, **SMALL)
    generate(tmp_path / "b" / "landing", tmp_path / "b" / "truth", seed=3, **SMALL)
    a, b = tmp_path / "a", tmp_path / "b"
    assert digest(a / "landing", a / "truth") == digest(b / "landing", b / "truth")


def test_another_seed_gives_another_world(tmp_path):
    generate(tmp_path / "a" / "landing", tmp_path / "a" / "truth", seed=3, **SMALL)
    generate(tmp_path / "b" / "landing", tmp_path / "b" / "truth", seed=4, **SMALL)
    assert digest(tmp_path / "a" / "landing") != digest(tmp_path / "b" / "landing")
    clients = [
        {r["client_id"] for r in csv.DictReader((tmp_path / x / "truth" / "clients.csv").open())}
        for x in "ab"
    ]
    assert clients[0] != clients[1]


def test_a_landing_folder_with_files_is_refused(tmp_path):
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "keep.txt").write_text("someone's extract")
    with pytest.raises(FileExistsError):
        generate(tmp_path / "landing", tmp_path / "truth", **SMALL)


def test_rates_are_overridden_by_name_and_checked():
    assert Rates().with_overrides(["missing_time=0.2"]).missing_time == 0.2
    with pytest.raises(ValueError, match="unknown rate"):
        Rates().with_overrides(["no_such_rate=0.1"])
    with pytest.raises(ValueError):
        Rates(on_hold=1.5)


def test_a_zero_rate_injects_nothing(tmp_path):
    generate(
        tmp_path / "landing",
        tmp_path / "truth",
        **SMALL,
        rates=Rates().with_overrides(["malformed_record=0", "unmapped_client=0"]),
    )
    defects = {r["defect"] for r in csv.DictReader((tmp_path / "truth" / "defects.csv").open())}
    assert not defects & {"malformed_record", "unmapped_client"}
    assert (tmp_path / "truth" / "quarantine.csv").read_text().count("\n") == 1


# --- the default demo world, read back from its files ------------------------------------

ID_FIELDS = {"servicenow": "sys_id", "jira": "id"}
STAMPS = {
    "connectwise": ("_info.lastUpdated", "iso"),
    "servicenow": ("sys_updated_on", "servicenow"),
    ("servicenow", "sys_audit"): ("sys_created_on", "servicenow"),
    "jira": ("fields.updated", "jira"),
    ("ninjaone", "devices"): ("lastContact", "epoch"),
    ("ninjaone", "alerts"): ("updateTime", "epoch"),
    ("ninjaone", "activities"): ("activityTime", "epoch"),
}
FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(json|ndjson)(\.gz)?$")


def parse_stamp(text, kind: str) -> datetime | None:
    try:
        if kind == "epoch":
            return datetime.fromtimestamp(float(text), UTC)
        if kind == "iso":
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if kind == "servicenow":
            return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except (TypeError, ValueError):
        return None


def dig(record: dict, path: str):
    for key in path.split("."):
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


@dataclass
class Record:
    system: str
    entity: str
    file: str
    position: int
    extract_date: date
    text: str
    value: object
    """The parsed record, or None when the text is not JSON."""

    @property
    def stamp_rule(self) -> tuple[str, str] | None:
        return STAMPS.get((self.system, self.entity)) or (
            STAMPS.get(self.system) if self.system != "ninjaone" else None
        )

    def reason(self) -> str | None:
        """Why the loader must quarantine this record (docs/landing.md, "The raw tables"), or None."""
        if self.value is None:
            return "invalid_json"
        record_id = self.value.get("uid" if self.entity == "alerts" else ID_FIELDS.get(self.system, "id"))
        if record_id in (None, ""):
            return "missing_id"
        if self.stamp_rule:
            path, kind = self.stamp_rule
            stamp = parse_stamp(dig(self.value, path), kind)
            if stamp is None:
                return "unparseable_stamp"
            if stamp >= datetime.combine(self.extract_date + timedelta(days=1), datetime.min.time(), UTC):
                return "future_stamp"
        if any((self.value.get(f) or 0) < 0 for f in ("actualHours", "hoursBilled")):
            return "negative_hours"
        return None

    @property
    def updated(self) -> datetime:
        return parse_stamp(dig(self.value, self.stamp_rule[0]), self.stamp_rule[1])


class World:
    def __init__(self, landing: Path, truth: Path):
        self.landing, self.truth = landing, truth
        self.records: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for path in sorted(landing.glob("*/*/*")):
            system, entity = path.parent.parent.name, path.parent.name
            match = FILE_NAME.match(path.name)
            if system == "mappings" or not match:
                continue
            data = path.read_bytes()
            text = (gzip.decompress(data) if match[3] else data).decode()
            if match[2] == "ndjson":
                items = [line for line in text.split("\n") if line]
            else:
                document = json.loads(text)
                # a bare array, or an envelope's one array (result, issues, activities)
                array = document if isinstance(document, list) else next(
                    value for value in document.values() if isinstance(value, list)
                )
                items = [json.dumps(item) for item in array]
            for position, item in enumerate(items, start=1):
                try:
                    value = json.loads(item)
                except json.JSONDecodeError:
                    value = None
                self.records[system, entity].append(
                    Record(
                        system,
                        entity,
                        path.relative_to(landing).as_posix(),
                        position,
                        date.fromisoformat(match[1]),
                        item,
                        value,
                    )
                )

    def truth_rows(self, name: str) -> list[dict[str, str]]:
        return list(csv.DictReader((self.truth / name).open()))

    def mapping(self, name: str) -> list[dict[str, str]]:
        return list(csv.DictReader((self.landing / "mappings" / name).open()))

    def current(self, system: str, entity: str, key: str) -> dict[str, dict]:
        """The newest loadable version of each record: by update stamp, extract date, position."""
        newest: dict[str, tuple] = {}
        for r in self.records[system, entity]:
            if r.reason() is None:
                order = (
                    r.updated if r.stamp_rule else datetime.min.replace(tzinfo=UTC),
                    r.extract_date,
                    r.position,
                )
                record_id = str(dig(r.value, key))
                if record_id not in newest or order > newest[record_id][0]:
                    newest[record_id] = (order, r.value)
        return {record_id: value for record_id, (_, value) in newest.items()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> World:
    base = tmp_path_factory.mktemp("demo")
    generate(base / "landing", base / "truth")
    return World(base / "landing", base / "truth")


def test_record_counts_are_the_records_in_each_file(demo):
    counted = {(r["source_file"]): int(r["records"]) for r in demo.truth_rows("record_counts.csv")}
    in_files = defaultdict(int)
    for records in demo.records.values():
        for r in records:
            in_files[r.file] += 1
    assert counted == dict(in_files)


def test_the_quarantine_lists_exactly_the_damaged_records_and_every_other_stamp_is_in_its_day(demo):
    expected = {
        (r["source_file"], int(r["record_position"]), r["reason"]) for r in demo.truth_rows("quarantine.csv")
    }
    damaged = {
        (r.file, r.position, r.reason()) for records in demo.records.values() for r in records if r.reason()
    }
    assert expected == damaged
    assert {reason for *_, reason in damaged} == {
        "invalid_json",
        "missing_id",
        "unparseable_stamp",
        "future_stamp",
        "negative_hours",
    }
    start = datetime(2026, 1, 1, tzinfo=UTC)
    early = [
        r.file
        for records in demo.records.values()
        for r in records
        if not r.reason() and r.stamp_rule and r.updated < start
    ]
    assert not early


def test_every_defect_kind_is_injected_in_the_default_world(demo):
    kinds = {r["defect"] for r in demo.truth_rows("defects.csv")}
    assert kinds == {
        "unmapped_client",
        "nonconforming_asset_name",
        "unmapped_category",
        "unknown_priority",
        "unknown_billing_code",
        "billing_code_mismatch",
        "missing_time",
        "time_not_invoiced",
        "partially_billed",
        "credit_full",
        "credit_partial",
        "hours_variance",
        "double_billing",
        "rejected_time",
        "orphan_time_entry",
        "orphan_invoice",
        "duplicate_ticket",
        "on_hold",
        "reopened",
        "late_correction",
        "stale_resend",
        "malformed_record",
        "unreadable_value",
        "far_future_value",
        "missing_company",
        "odd_id",
        "closure_drift",
    }
    assert {r["reason"] for r in demo.truth_rows("sync.csv")} == {
        "itsm_resolved_psa_open",
        "alert_reset_psa_open",
        "psa_closed_itsm_open",
    }
    statuses = {r["recon_status"] for r in demo.truth_rows("billing.csv")}
    assert statuses == {
        "billed",
        "partially_billed",
        "time_not_invoiced",
        "missing_time",
        "non_billable",
        "credited",
    }
    assert {r["exception_type"] for r in demo.truth_rows("orphans.csv")} == {
        "orphan_time_entry",
        "orphan_invoice",
    }


# --- tickets: the README's normalization rules applied to the newest versions -------------


def lookup(rows: list[dict], *keys: str) -> dict:
    return {tuple(r[k].strip().lower() for k in keys[:-1]): r[keys[-1]] for r in rows}


def stamp(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def sn_stamp(text: str) -> str:
    return text or ""


def expected_tickets(world: World) -> dict[str, dict[str, str]]:
    clients = lookup(world.mapping("clients.csv"), "system", "alias", "client_id")
    priorities = lookup(world.mapping("priorities.csv"), "system", "priority", "canonical_priority")
    clocks = lookup(world.mapping("states.csv"), "system", "state", "clock")
    categories = world.mapping("categories.csv")
    departments = {r["category"].lower(): r["department"] for r in categories if r["system"] == "jira"}
    category_statuses = {"new": "open", "open": "open", "paused": "on_hold"}

    def place(system: str, category: str, subcategory: str) -> tuple[str, str] | None:
        rows = [
            r
            for r in categories
            if r["system"] == system
            and r["category"].lower() == category.lower()
            and r["subcategory"].lower() in ("", (subcategory or "").lower())
        ]
        rows.sort(key=lambda r: r["subcategory"] == "")
        return (rows[0]["canonical_category"], rows[0]["department"]) if rows else None

    def first_response(system: str, changes: list[tuple[str, str, str]]) -> str:
        for at, before, after in sorted(changes):
            if clocks.get((system, before.lower())) == "new" and clocks.get((system, after.lower())) != "new":
                return at
        return ""

    def row(
        system, alias, category, subcategory, priority, state, opened, responded, resolved, closed, fallback
    ):
        placed = place(system, category, subcategory)
        clock = clocks[system, state.lower()]
        return {
            "source_system": system,
            "client_id": clients.get((system, (alias or "").lower()), ""),
            "category": placed[0] if placed else "",
            "department": placed[1] if placed else fallback,
            "priority": priorities.get((system, priority.lower()), ""),
            "status_category": category_statuses.get(clock, clock),
            "opened_at": opened,
            "first_responded_at": responded,
            "resolved_at": resolved,
            "closed_at": closed,
        }

    iso = lambda text: stamp(parse_stamp(text, "iso")) if text else ""  # noqa: E731
    jira = lambda text: stamp(parse_stamp(text, "jira")) if text else ""  # noqa: E731
    tickets = {}
    for t in world.current("connectwise", "tickets", "id").values():
        tickets[f"connectwise:{t['id']}"] = row(
            "connectwise",
            (t.get("company") or {}).get("identifier", ""),  # written without its company: no client
            t["type"]["name"],
            t.get("subType", {}).get("name", ""),
            t["priority"]["name"],
            t["status"]["name"],
            iso(t["_info"]["dateEntered"]),
            iso(t.get("dateResponded")),
            iso(t.get("dateResolved")),
            iso(t.get("closedDate")),
            "IT",
        )

    def value(field):
        return field["value"] if isinstance(field, dict) else field

    companies = {
        c["sys_id"]: c["name"] for c in world.current("servicenow", "core_company", "sys_id").values()
    }
    audits = defaultdict(list)
    for a in world.current("servicenow", "sys_audit", "sys_id").values():
        if a["fieldname"] == "state":
            audits[a["documentkey"]].append((a["sys_created_on"], a["oldvalue"], a["newvalue"]))
    for entity in ("incident", "sc_req_item"):
        for t in world.current("servicenow", entity, "sys_id").values():
            category, subcategory = (
                (t["category"], t["subcategory"])
                if entity == "incident"
                else (t["cat_item"]["display_value"], "")
            )
            tickets[f"servicenow:{t['number']}"] = row(
                "servicenow",
                companies.get(value(t["company"])),
                category,
                subcategory,
                t["priority"],
                t["state"],
                t["opened_at"],
                first_response("servicenow", audits[t["sys_id"]]),
                t.get("resolved_at", ""),
                t["closed_at"],
                "IT",
            )
    for t in world.current("jira", "issues", "id").values():
        f = t["fields"]
        changes = [
            (jira(h["created"]), item["fromString"], item["toString"])
            for h in t["changelog"]["histories"]
            for item in h["items"]
            if item["field"] == "status"
        ]
        clock = clocks["jira", f["status"]["name"].lower()]
        closed = clock == "closed"
        resolved = jira(f["resolutiondate"])
        if not resolved and clock in ("resolved", "closed"):
            # no resolution set: resolved at the last change from an open status into a done one
            resolved = max(
                at for at, before, after in changes
                if clocks["jira", after.lower()] in ("resolved", "closed")
                and clocks["jira", before.lower()] not in ("resolved", "closed")
            )
        tickets[f"jira:{t['key']}"] = row(
            "jira",
            f["customfield_10002"][0]["name"],
            f["project"]["key"],
            f["customfield_10010"]["requestType"]["name"],
            f["priority"]["name"],
            f["status"]["name"],
            jira(f["created"]),
            first_response("jira", changes),
            resolved,
            resolved if closed else "",
            departments[f["project"]["key"].lower()],
        )
    return tickets


def test_some_done_jira_issues_have_no_resolution_as_in_real_instances(demo):
    done = [t for t in demo.current("jira", "issues", "id").values()
            if t["fields"]["status"]["statusCategory"]["key"] == "done"]
    without = [t for t in done if t["fields"]["resolutiondate"] is None]
    assert 0 < len(without) < len(done)
    for t in without:
        assert t["fields"]["resolution"] is None
        assert not any(item["field"] == "resolution" for h in t["changelog"]["histories"] for item in h["items"])


def test_tickets_truth_is_the_newest_version_of_each_ticket_normalized(demo):
    expected = expected_tickets(demo)
    truth = {
        r["ticket_id"]: {k: r[k] for k in next(iter(expected.values()))}
        for r in demo.truth_rows("tickets.csv")
    }
    assert truth.keys() == expected.keys()
    wrong = {t: (truth[t], expected[t]) for t in truth if truth[t] != expected[t]}
    assert not wrong, list(wrong.items())[:3]


# --- linking: alerts, PSA tickets and incidents ------------------------------------------


def match_key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", name.strip().split(".")[0]).upper()


def test_work_items_assets_and_duplicates_follow_the_links_in_the_files(demo):
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    def join(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    cw = demo.current("connectwise", "tickets", "id")
    incidents = {t["number"]: t for t in demo.current("servicenow", "incident", "sys_id").values()}
    alerts = demo.current("ninjaone", "alerts", "uid")
    truth = demo.truth_rows("tickets.csv")
    for r in truth:
        find(r["ticket_id"])
    for uid, alert in alerts.items():
        if str(alert.get("psaTicketId")) in cw:
            join(f"alert:{uid}", f"connectwise:{alert['psaTicketId']}")
    for t in cw.values():
        if t.get("externalXRef") in incidents:
            join(f"connectwise:{t['id']}", f"servicenow:{t['externalXRef']}")
    for number, t in incidents.items():
        if t["correlation_id"] in alerts:
            join(f"servicenow:{number}", f"alert:{t['correlation_id']}")
    groups = defaultdict(set)
    for r in truth:
        groups[find(r["ticket_id"])].add(r["ticket_id"])
    truth_groups = defaultdict(set)
    for r in truth:
        truth_groups[r["work_item"]].add(r["ticket_id"])
    assert {frozenset(g) for g in groups.values()} == {frozenset(g) for g in truth_groups.values()}
    assert any(len(g) >= 3 for g in groups.values())

    assets = {}
    for d in demo.current("ninjaone", "devices", "id").values():
        assets["ninjaone", str(d["id"])] = match_key(d["systemName"])
    for c in demo.current("servicenow", "cmdb_ci_computer", "sys_id").values():
        assets["servicenow", c["sys_id"]] = match_key(c["name"])
    by_key = {match_key(r["asset_id"]): r["asset_id"] for r in demo.truth_rows("assets.csv")}
    members = {find(r["ticket_id"]) for r in truth}
    root_alert = {find(f"alert:{uid}"): uid for uid in alerts if find(f"alert:{uid}") in members}
    for r in truth:
        root = find(r["ticket_id"])
        uid = root_alert.get(root, "")
        assert r["origin_alert_uid"] == uid
        same_system = sorted(
            t
            for t in groups[root]
            if t.split(":")[0] == r["source_system"] and not t.startswith("servicenow:RITM")
        )
        assert r["is_duplicate"] == ("true" if same_system and r["ticket_id"] != same_system[0] else "false")
        if uid:
            asset = by_key[assets["ninjaone", str(alerts[uid]["deviceId"])]]
        else:
            cis = [
                incidents[t.split(":")[1]]["cmdb_ci"] for t in groups[root] if t.split(":")[1] in incidents
            ]
            cis = [c["value"] if isinstance(c, dict) else c for c in cis]
            asset = next((by_key[assets["servicenow", c]] for c in cis if c), "")
        assert r["asset_id"] == asset, r


# --- normalization exceptions --------------------------------------------------------------


def test_odd_ids_are_exactly_the_audit_ids_that_are_not_32_hex_characters(demo):
    odd = {r["record_id"] for r in demo.truth_rows("defects.csv") if r["defect"] == "odd_id"}
    found = {
        r["sys_id"] for r in demo.current("servicenow", "sys_audit", "sys_id").values()
        if not re.fullmatch(r"[0-9a-f]{32}", r["sys_id"])
    }
    assert odd and odd == found
    assert all(re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", record_id) for record_id in odd)


def test_normalization_exceptions_count_the_current_records_that_carry_each_value(demo):
    aliases = {(r["system"], r["alias"].lower()) for r in demo.mapping("clients.csv")}
    codes = {r["work_type"].lower() for r in demo.mapping("billing_codes.csv")}
    pattern = re.compile(
        next(r["value"] for r in demo.mapping("asset_naming.csv") if r["rule"] == "standard_pattern")
    )
    found = defaultdict(int)

    def unmapped(system, entity, field, value):
        if (system, value.lower()) not in aliases:
            found[system, entity, field, value, "unmapped_client"] += 1

    for c in demo.current("connectwise", "companies", "id").values():
        unmapped("connectwise", "companies", "identifier", c["identifier"])
    for c in demo.current("servicenow", "core_company", "sys_id").values():
        unmapped("servicenow", "core_company", "name", c["name"])
    for o in demo.current("ninjaone", "organizations", "id").values():
        unmapped("ninjaone", "organizations", "name", o["name"])
    for t in demo.current("jira", "issues", "id").values():
        unmapped("jira", "issues", "organization", t["fields"]["customfield_10002"][0]["name"])
    for d in demo.current("ninjaone", "devices", "id").values():
        if not pattern.match(d["systemName"]):
            found["ninjaone", "devices", "systemName", d["systemName"], "nonconforming_asset_name"] += 1
    for c in demo.current("servicenow", "cmdb_ci_computer", "sys_id").values():
        if not pattern.match(c["name"]):
            found["servicenow", "cmdb_ci_computer", "name", c["name"], "nonconforming_asset_name"] += 1
    for e in demo.current("connectwise", "time_entries", "id").values():
        if e["workType"]["name"].lower() not in codes:
            found[
                "connectwise", "time_entries", "workType", e["workType"]["name"], "unknown_billing_code"
            ] += 1
    # Values that are no value of their kind, read from the current records: an entry date that is
    # no ISO stamp, or one in 2099 (decades past any extract date), a flag that is not true/false,
    # an epoch that is no number, or one in 2100.
    def unreadable(system, entity, field, value, readable, far):
        if not readable(value):
            found[system, entity, field, str(value), "unreadable_value"] += 1
        elif far(value):
            found[system, entity, field, str(value), "far_future_value"] += 1

    def iso(value):
        try:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return None

    # a time entry's entry date is its own field; the others' is under _info
    for entity, field in (("companies", "_info.dateEntered"), ("time_entries", "dateEntered"),
                          ("invoices", "_info.dateEntered")):
        for r in demo.current("connectwise", entity, "id").values():
            unreadable("connectwise", entity, field, dig(r, field), iso, lambda v: iso(v).year >= 2099)
    # a ticket or time entry written without its company names no client
    for entity in ("tickets", "time_entries"):
        for r in demo.current("connectwise", entity, "id").values():
            if r.get("company") is None:
                found["connectwise", entity, "company", "(none)", "missing_client"] += 1
    for c in demo.current("servicenow", "core_company", "sys_id").values():
        unreadable("servicenow", "core_company", "customer", c["customer"], lambda v: v in ("true", "false"),
                   lambda v: False)
    for d in demo.current("ninjaone", "devices", "id").values():
        unreadable("ninjaone", "devices", "created", d["created"], lambda v: isinstance(v, int | float),
                   lambda v: v >= 4102444800)
    truth = {
        (r["system"], r["entity"], r["field"], r["raw_value"], r["reason"]): int(r["occurrences"])
        for r in demo.truth_rows("normalization_exceptions.csv")
    }
    ticket_reasons = {"unmapped_category", "unknown_priority"}
    assert {k: v for k, v in truth.items() if k[4] not in ticket_reasons} == dict(found)
    tickets = {r["ticket_id"]: r for r in demo.truth_rows("tickets.csv")}
    assert sum(v for k, v in truth.items() if k[4] == "unmapped_category") == sum(
        1 for r in tickets.values() if not r["category"]
    )
    assert sum(v for k, v in truth.items() if k[4] == "unknown_priority") == sum(
        1 for r in tickets.values() if not r["priority"]
    )


# --- billing -------------------------------------------------------------------------------


def credits_by_ticket(world) -> tuple[dict, dict]:
    """What credit memos (CreditMemo, applyToType Ticket) took back per ticket, and what was invoiced
    for each ticket's billable time (hours billed at its rate, to the cent)."""
    credited = defaultdict(float)
    for i in world.current("connectwise", "invoices", "id").values():
        if i["type"] == "CreditMemo" and i.get("applyToType") == "Ticket":
            credited[i["applyToId"]] += abs(i["total"])
    invoiced = defaultdict(float)
    for e in world.current("connectwise", "time_entries", "id").values():
        if "invoice" in e and e["billableOption"] == "Billable" and e["status"] != "Rejected":
            invoiced[e["chargeToId"]] += round(e["hoursBilled"] * e["hourlyRate"], 2)
    return credited, invoiced


def test_billing_truth_follows_from_the_time_entries_and_invoices(demo):
    """The recon rules of MARTS.md with the assumptions in pipelines/generator/README.md."""
    tickets = demo.truth_rows("tickets.csv")
    work_item_of = {r["ticket_id"]: r["work_item"] for r in tickets}
    statuses = defaultdict(set)
    for r in tickets:
        statuses[r["work_item"]].add(r["status_category"])
    # resolved: some ticket resolved or closed, none still open or on hold (int_work_items_attributed)
    resolved = {w for w, s in statuses.items() if s & {"resolved", "closed"} and not s & {"open", "on_hold"}}
    category = {r["work_item"]: r["category"] for r in tickets if r["category"]}
    codes = {r["work_type"]: r for r in demo.mapping("billing_codes.csv")}
    expected_code = {r["category"]: r["work_type"] for r in codes.values() if r["is_billable"] == "true"}
    credited, invoiced_of_ticket = credits_by_ticket(demo)
    entries = defaultdict(list)
    for e in demo.current("connectwise", "time_entries", "id").values():
        work_item = work_item_of.get(f"connectwise:{e['chargeToId']}")
        if e["chargeToType"] == "ServiceTicket" and work_item:
            entries[work_item].append(e)
    in_scope = {w for w in resolved if entries[w] or expected_code.get(category.get(w))}
    truth = {r["work_item"]: r for r in demo.truth_rows("billing.csv")}
    assert truth.keys() == in_scope
    for work_item, row in truth.items():
        billable = [
            e for e in entries[work_item] if e["billableOption"] == "Billable" and e["status"] != "Rejected"
        ]
        invoiced = [e for e in billable if "invoice" in e]
        credit = [credited[e["chargeToId"]] / invoiced_of_ticket[e["chargeToId"]] for e in invoiced]
        if not entries[work_item]:
            status = "missing_time"
        elif not billable:
            status = "non_billable"
        elif not invoiced:
            status = "time_not_invoiced"
        elif len(invoiced) < len(billable) or any(0 < c < 0.999 for c in credit):
            status = "partially_billed"
        elif all(c >= 0.999 for c in credit):
            status = "credited"
        else:
            status = "billed"
        charged = {(e["chargeToId"]) for e in invoiced}
        assert row["recon_status"] == status, (work_item, row)
        assert row["is_double_billed"] == ("true" if len(charged) > 1 else "false"), row
        assert row["is_hours_variance"] == (
            "true" if any(abs(e["hoursBilled"] - e["actualHours"]) > 0.5 for e in billable) else "false"
        ), row
        mismatch = any(
            e["workType"]["name"] != expected_code.get(category.get(work_item), e["workType"]["name"])
            for e in entries[work_item]
        )
        assert row["is_billing_code_mismatch"] == ("true" if mismatch else "false"), row


# --- closure drift: sync.csv ------------------------------------------------------------------


def test_sync_truth_is_every_disagreement_left_at_the_end(demo):
    """A work item's PSA ticket open while its incident is resolved or closed, or (no incident
    open) while its alert's last activity is a reset after the ticket last changed; its incident
    open while the PSA ticket is resolved or closed. Duplicates aside."""
    tickets = demo.truth_rows("tickets.csv")
    members = defaultdict(dict)
    for r in tickets:
        if r["is_duplicate"] == "false" and not r["ticket_id"].startswith("servicenow:RITM"):
            members[r["work_item"]][r["source_system"]] = r
    updated = {
        f"connectwise:{i}": parse_stamp(t["_info"]["lastUpdated"], "iso")
        for i, t in demo.current("connectwise", "tickets", "id").items()
    }
    last = {}
    for a in demo.current("ninjaone", "activities", "id").values():
        at = parse_stamp(a["activityTime"], "epoch")
        if a["seriesUid"] not in last or (at, a["id"]) > last[a["seriesUid"]][:2]:
            last[a["seriesUid"]] = (at, a["id"], a["statusCode"])
    done, open_ = {"resolved", "closed"}, {"open", "on_hold"}
    expected = set()
    for work_item, m in members.items():
        psa, incident = m.get("connectwise"), m.get("servicenow")
        if not psa:
            continue
        psa_state, incident_state = psa["status_category"], incident and incident["status_category"]
        uid = psa["origin_alert_uid"]
        if psa_state in open_ and incident_state in done:
            expected.add((work_item, "close_psa_ticket", "itsm_resolved_psa_open", psa["ticket_id"],
                          incident["ticket_id"]))
        elif psa_state in open_ and incident_state not in open_ and uid in last:
            reset_at, _, status = last[uid]
            if status == "RESET" and reset_at > updated[psa["ticket_id"]]:
                expected.add((work_item, "close_psa_ticket", "alert_reset_psa_open", psa["ticket_id"],
                              f"alert:{uid}"))
        elif psa_state in done and incident_state in open_:
            expected.add((work_item, "resolve_itsm_incident", "psa_closed_itsm_open", incident["ticket_id"],
                          psa["ticket_id"]))
    truth = {tuple(r.values()) for r in demo.truth_rows("sync.csv")}
    assert truth == expected
    drifted = {r["record_id"] for r in demo.truth_rows("defects.csv") if r["defect"] == "closure_drift"}
    assert len(drifted) == len(truth)
    assert not {r["work_item"] for r in demo.truth_rows("sync.csv")} & {
        r["work_item"] for r in demo.truth_rows("billing.csv")
    }, "a work item whose tickets disagree is not resolved, so not reconciled"


def test_without_closure_drift_the_same_seed_gives_the_same_world_but_the_drifted_tickets(tmp_path):
    """Closure drift draws from its own random sequence: turned off, every other truth row is the same."""
    generate(tmp_path / "a" / "landing", tmp_path / "a" / "truth", seed=11, clients=6, days=45)
    generate(tmp_path / "b" / "landing", tmp_path / "b" / "truth", seed=11, clients=6, days=45,
             rates=Rates(closure_drift=0))
    drift, plain = (World(tmp_path / x / "landing", tmp_path / x / "truth") for x in "ab")
    targets = {r["target_ticket_id"] for r in drift.truth_rows("sync.csv")}
    assert targets and not plain.truth_rows("sync.csv")
    rows = [{r["ticket_id"]: r for r in w.truth_rows("tickets.csv")} for w in (drift, plain)]
    assert rows[0].keys() == rows[1].keys()
    assert {t for t in rows[0] if rows[0][t] != rows[1][t]} == targets
    assert drift.truth_rows("people.csv") == plain.truth_rows("people.csv")


def test_orphans_have_nothing_behind_them(demo):
    tickets = set(demo.current("connectwise", "tickets", "id"))
    entries = demo.current("connectwise", "time_entries", "id")
    referenced = {str(e["invoice"]["id"]) for e in entries.values() if "invoice" in e}
    expected = {
        ("time_entry", i)
        for i, e in entries.items()
        if e["chargeToType"] == "ServiceTicket" and str(e["chargeToId"]) not in tickets
    }
    expected |= {
        ("invoice", i)
        for i, v in demo.current("connectwise", "invoices", "id").items()
        if v["type"] == "Standard" and i not in referenced
    }
    assert {(r["entity_type"], r["entity_id"]) for r in demo.truth_rows("orphans.csv")} == expected


def test_pauses_are_the_on_hold_intervals_of_the_state_histories(demo):
    clocks = lookup(demo.mapping("states.csv"), "system", "state", "clock")
    numbers = {}
    for entity in ("incident", "sc_req_item"):
        numbers |= {sys_id: t["number"] for sys_id, t in demo.current("servicenow", entity, "sys_id").items()}
    changes = defaultdict(list)
    for a in demo.current("servicenow", "sys_audit", "sys_id").values():
        if a["fieldname"] == "state":
            changes[f"servicenow:{numbers[a['documentkey']]}"].append(
                (a["sys_created_on"], "servicenow", a["newvalue"])
            )
    for t in demo.current("jira", "issues", "id").values():
        for h in t["changelog"]["histories"]:
            for item in h["items"]:
                if item["field"] == "status":
                    at = stamp(parse_stamp(h["created"], "jira"))
                    changes[f"jira:{t['key']}"].append((at, "jira", item["toString"]))
    pauses = set()
    for ticket, history in changes.items():
        paused_from = None
        for at, system, state in sorted(history):
            paused = clocks[system, state.lower()] == "paused"
            if paused and paused_from is None:
                paused_from = at
            elif not paused and paused_from:
                pauses.add((ticket, paused_from, at))
                paused_from = None
        if paused_from:
            pauses.add((ticket, paused_from, ""))
    assert {
        (r["ticket_id"], r["paused_from"], r["paused_to"]) for r in demo.truth_rows("pauses.csv")
    } == pauses
    assert pauses


# --- the package itself --------------------------------------------------------------------

GENERATOR = Path(__file__).resolve().parents[2] / "pipelines" / "generator"


def test_the_generator_imports_nothing_else_from_pipelines():
    imports = re.compile(r"^\s*(?:from|import)\s+(pipelines(?:\.\w+)*)", re.MULTILINE)
    foreign = {
        (path.name, module)
        for path in GENERATOR.glob("*.py")
        for module in imports.findall(path.read_text())
        if not module.startswith("pipelines.generator")
    }
    assert not foreign


def test_the_readme_lists_every_rate_with_its_default():
    readme = (GENERATOR / "README.md").read_text()
    missing = [
        name for name, default in Rates().as_dict().items() if f"| `{name}` | {default} |" not in readme
    ]
    assert not missing


# --- governance: revenue.csv and system_map.csv ---------------------------------------------

SYSTEM_MAP_ENTITIES = {
    ("connectwise", "companies"),
    ("connectwise", "tickets"),
    ("connectwise", "time_entries"),
    ("connectwise", "invoices"),
    ("servicenow", "core_company"),
    ("servicenow", "incident"),
    ("servicenow", "sc_req_item"),
    ("servicenow", "cmdb_ci_computer"),
    ("jira", "issues"),
    ("ninjaone", "organizations"),
    ("ninjaone", "devices"),
    ("ninjaone", "alerts"),
}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> World:
    base = tmp_path_factory.mktemp("small")
    generate(base / "landing", base / "truth", clients=4, days=20, seed=3)
    return World(base / "landing", base / "truth")


@pytest.fixture(params=["small", "demo"])
def world(request) -> World:
    return request.getfixturevalue(request.param)


def ticket_entity(ticket_id: str) -> tuple[str, str]:
    system, number = ticket_id.split(":", 1)
    if system == "servicenow":
        return system, "incident" if number.startswith("INC") else "sc_req_item"
    return system, {"connectwise": "tickets", "jira": "issues"}[system]


def test_revenue_sums_the_time_on_tickets_by_month_client_and_category(world):
    tickets = world.truth_rows("tickets.csv")
    by_work_item = defaultdict(list)
    for r in tickets:
        by_work_item[r["work_item"]].append(r)
    work_item_of = {r["ticket_id"]: r["work_item"] for r in tickets}
    # a work item none of whose tickets names a mapped client counts under the unassigned client
    client_of = {
        w: next((r["client_id"] for r in rows if r["client_id"]), "UNASSIGNED") for w, rows in by_work_item.items()
    }
    category_of = {}
    for w, rows in by_work_item.items():
        cw = [r for r in rows if r["source_system"] == "connectwise"]
        if cw:
            category_of[w] = min(cw, key=lambda r: int(r["ticket_id"].split(":")[1]))["category"]
    credited, invoiced_of_ticket = credits_by_ticket(world)
    expected = defaultdict(lambda: [0.0, 0.0, 0.0])
    actual_hours = 0.0
    for e in world.current("connectwise", "time_entries", "id").values():
        work_item = work_item_of.get(f"connectwise:{e['chargeToId']}")
        if e["chargeToType"] != "ServiceTicket" or work_item is None:
            continue
        actual_hours += e["actualHours"]
        sums = expected[e["timeStart"][:7], client_of[work_item], category_of[work_item]]
        sums[0] += e["actualHours"]
        if e["billableOption"] == "Billable" and e["status"] != "Rejected":
            sums[1] += e["hoursBilled"]
            if "invoice" in e:
                share = min(1.0, credited[e["chargeToId"]] / invoiced_of_ticket[e["chargeToId"]])
                sums[2] += e["hoursBilled"] * e["hourlyRate"] * (1 - share)
    rows = world.truth_rows("revenue.csv")
    assert rows and all(re.fullmatch(r"\d{4}-\d{2}", r["month"]) for r in rows)
    assert sum(float(r["hours_worked"]) for r in rows) == pytest.approx(actual_hours, abs=0.005 * len(rows))
    truth = {
        (r["month"], r["client_id"], r["category"]): [
            float(r[k]) for k in ("hours_worked", "billable_hours", "invoiced_amount")
        ]
        for r in rows
    }
    assert len(truth) == len(rows)
    assert truth.keys() == expected.keys()
    wrong = {
        k: (truth[k], v)
        for k, v in expected.items()
        if any(abs(a - b) > 0.0051 for a, b in zip(truth[k], v, strict=True))
    }
    assert not wrong, list(wrong.items())[:3]
    assert all(re.fullmatch(r"\d+\.\d{2}", r[k]) for r in rows for k in ("hours_worked", "invoiced_amount"))


def test_system_map_counts_records_links_and_friction_per_entity(world):
    rows = {(r["system"], r["entity"]): r for r in world.truth_rows("system_map.csv")}
    assert set(rows) == SYSTEM_MAP_ENTITIES
    assert [(r["system"], r["entity"]) for r in world.truth_rows("system_map.csv")] == sorted(rows)
    count = lambda key, column: int(rows[key][column])  # noqa: E731

    tickets = world.truth_rows("tickets.csv")
    systems_of = defaultdict(set)
    for r in tickets:
        systems_of[r["work_item"]].add(r["source_system"])
    records, linked, duplicates = defaultdict(int), defaultdict(int), defaultdict(int)
    for r in tickets:
        key = ticket_entity(r["ticket_id"])
        records[key] += 1
        duplicates[key] += r["is_duplicate"] == "true"
        linked[key] += bool(r["origin_alert_uid"]) or len(systems_of[r["work_item"]]) > 1
    orphans = defaultdict(int)
    for r in world.truth_rows("orphans.csv"):
        orphans["connectwise", {"time_entry": "time_entries", "invoice": "invoices"}[r["entity_type"]]] += 1
    values, occurrences = defaultdict(set), defaultdict(int)
    for r in world.truth_rows("normalization_exceptions.csv"):
        values[r["system"], r["entity"]].add((r["field"], r["raw_value"]))
        occurrences[r["system"], r["entity"]] += int(r["occurrences"])
    for key in SYSTEM_MAP_ENTITIES:
        assert count(key, "duplicates") == duplicates[key], key
        assert count(key, "orphans") == orphans[key], key
        assert count(key, "unmapped_values") == len(values[key]), key
        assert count(key, "unmapped_records") == occurrences[key], key
    for key in records:
        assert (count(key, "records"), count(key, "records_linked")) == (records[key], linked[key]), key
    assert sum(records.values()) and sum(orphans.values()) and sum(occurrences.values())

    # the other entities' records, from the newest loadable versions in the landing files
    ids = {
        ("connectwise", "companies"): "id",
        ("connectwise", "time_entries"): "id",
        ("connectwise", "invoices"): "id",
        ("servicenow", "core_company"): "sys_id",
        ("servicenow", "cmdb_ci_computer"): "sys_id",
        ("ninjaone", "organizations"): "id",
        ("ninjaone", "devices"): "id",
        ("ninjaone", "alerts"): "uid",
    }
    current = {key: world.current(*key, id_field) for key, id_field in ids.items()}
    for key, found in current.items():
        assert count(key, "records") == len(found), key
    assert rows["connectwise", "time_entries"]["records_linked"] == ""
    assert rows["connectwise", "invoices"]["records_linked"] == ""
    cw = set(world.current("connectwise", "tickets", "id"))
    correlated = {t["correlation_id"] for t in world.current("servicenow", "incident", "sys_id").values()}
    alerts = current["ninjaone", "alerts"]
    assert count(("ninjaone", "alerts"), "records_linked") == sum(
        1 for uid, a in alerts.items() if str(a.get("psaTicketId")) in cw or uid in correlated
    )
    assets = world.truth_rows("assets.csv")
    both = sum(1 for a in assets if a["rmm_device_id"] and a["cmdb_sys_id"])
    assert count(("ninjaone", "devices"), "records_linked") == both
    assert count(("servicenow", "cmdb_ci_computer"), "records_linked") == both
    keys = ("psa_company_id", "itsm_company_sys_id", "esm_organization_id", "rmm_organization_id")
    for key, column in (
        (("connectwise", "companies"), "psa_company_id"),
        (("servicenow", "core_company"), "itsm_company_sys_id"),
        (("ninjaone", "organizations"), "rmm_organization_id"),
    ):
        expected = sum(
            1
            for c in world.truth_rows("clients.csv")
            if c[column] and any(c[other] for other in keys if other != column)
        )
        assert count(key, "records_linked") == expected, key


def test_the_same_seed_gives_the_same_revenue_and_system_map(tmp_path):
    for run in "ab":
        generate(tmp_path / run / "landing", tmp_path / run / "truth", clients=4, days=20, seed=3)
    for name in ("revenue.csv", "system_map.csv"):
        assert (tmp_path / "a" / "truth" / name).read_bytes() == (tmp_path / "b" / "truth" / name).read_bytes()


# --- personal data: people.csv and requesters.csv -------------------------------------------

TICKET_ENTITIES = {
    ("connectwise", "tickets"): lambda r: f"connectwise:{r['id']}" if "id" in r else None,
    ("servicenow", "incident"): lambda r: f"servicenow:{r['number']}",
    ("servicenow", "sc_req_item"): lambda r: f"servicenow:{r['number']}",
    ("jira", "issues"): lambda r: f"jira:{r['key']}",
}
FOLD = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ı": "i"})


def email_name(name: str) -> str:
    """A name as the e-mail address spells it: folded to lowercase ASCII letters, digits and hyphens."""
    decomposed = unicodedata.normalize("NFKD", name.translate(FOLD))
    return re.sub(r"[^a-z0-9-]", "", "".join(c for c in decomposed if not unicodedata.combining(c)).lower())


def strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def test_every_ticket_has_exactly_one_requester_a_person_of_its_client(small):
    tickets = small.truth_rows("tickets.csv")
    rows = small.truth_rows("requesters.csv")
    assert [r["ticket_id"] for r in rows] == sorted(t["ticket_id"] for t in tickets)
    people = {p["person_id"]: p for p in small.truth_rows("people.csv")}
    assert list(people) == sorted(people)
    assert set(people) == {r["person_id"] for r in rows}  # everyone listed is someone's requester
    names = {c["client_id"]: c["client_name"] for c in small.truth_rows("clients.csv")}
    for p in people.values():
        assert re.fullmatch(r"P-[0-9a-f]{8}", p["person_id"])
        first, last = p["full_name"].split(" ", 1)
        domain = re.sub(r"[^a-z0-9]+", "-", names[p["client_id"]].lower()) + ".example"
        assert p["email"] == f"{email_name(first)}.{email_name(last)}@{domain}", p
    assert len({p["email"] for p in people.values()}) == len(people)
    requester = {r["ticket_id"]: people[r["person_id"]] for r in rows}
    for t in tickets:
        if t["client_id"]:
            assert requester[t["ticket_id"]]["client_id"] == t["client_id"], t["ticket_id"]
    # the tickets of a work item share one requester, except ServiceNow tickets (their caller's)
    for work_item in {t["work_item"] for t in tickets}:
        others = {requester[t["ticket_id"]]["person_id"] for t in tickets if t["work_item"] == work_item}
        assert len(others) <= 2


def test_names_are_international_and_addresses_ascii(demo):
    people = demo.truth_rows("people.csv")
    assert any(not p["full_name"].isascii() for p in people)
    assert any("'" in p["full_name"] for p in people)
    assert all(p["email"].isascii() and p["email"] == p["email"].lower() for p in people)
    assert len({p["client_id"] for p in people}) == len(demo.truth_rows("clients.csv"))


def test_a_person_appears_only_in_the_records_of_tickets_they_requested(small):
    people = {p["person_id"]: p for p in small.truth_rows("people.csv")}
    requester = {r["ticket_id"]: people[r["person_id"]] for r in small.truth_rows("requesters.csv")}
    by_text = defaultdict(set)
    for p in people.values():
        by_text[p["full_name"]].add(p["person_id"])
        by_text[p["email"]].add(p["person_id"])
    alternatives = "|".join(re.escape(text) for text in sorted(by_text, key=len, reverse=True))
    mention = re.compile(rf"(?<![\w.'-])(?:{alternatives})(?![\w'-])")
    emails_seen = defaultdict(set)
    hits = 0
    for (system, entity), records in small.records.items():
        ticket_of = TICKET_ENTITIES.get((system, entity))
        ticket_id = None
        for r in records:
            texts = [r.text] if r.value is None else strings(r.value)
            found = {m for text in texts for m in mention.findall(text)}
            if r.value is not None and ticket_of:
                # a malformed copy without its id follows the record it copies
                ticket_id = ticket_of(r.value) or ticket_id
            if not found:
                continue
            assert ticket_of, (r.file, r.position, found)
            person = requester[ticket_id]
            for text in found:
                hits += 1
                assert person["person_id"] in by_text[text], (ticket_id, text, person["full_name"])
                if "@" in text:
                    emails_seen[ticket_id].add(text)
    assert hits
    # and each ticket's records do carry its requester's address
    assert {t: {p["email"]} for t, p in requester.items()} == dict(emails_seen)


def test_reporter_caller_and_contact_are_the_requester(small):
    people = {p["person_id"]: p for p in small.truth_rows("people.csv")}
    requester = {r["ticket_id"]: people[r["person_id"]] for r in small.truth_rows("requesters.csv")}
    keys = defaultdict(set)  # (system, per-person key) -> person ids

    jira = small.current("jira", "issues", "id")
    assert jira
    for issue in jira.values():
        p, fields = requester[f"jira:{issue['key']}"], issue["fields"]
        reporter = fields["reporter"]
        assert reporter["displayName"] == p["full_name"] and reporter["emailAddress"] == p["email"]
        assert reporter["active"] is True
        keys["jira", reporter["accountId"]].add(p["person_id"])
        doc = fields["description"]
        assert (doc["type"], doc["version"]) == ("doc", 1)
        text = doc["content"][0]["content"][0]
        assert text["type"] == "text" and p["full_name"] in text["text"]
        if fields["project"]["key"] == "HR":
            assert text["text"].startswith(f"Hi, {p['full_name']} here ({p['email']}). ")

    display_values = 0
    for entity in ("incident", "sc_req_item"):
        records = small.current("servicenow", entity, "sys_id")
        assert records
        for record in records.values():
            p = requester[f"servicenow:{record['number']}"]
            caller = record["caller_id"]
            if isinstance(caller, dict) and "display_value" in caller:
                assert caller["display_value"] == p["full_name"]
                display_values += 1
            keys["servicenow", caller["value"] if isinstance(caller, dict) else caller].add(p["person_id"])
            assert p["full_name"] in record["description"] and p["email"] in record["description"]
    assert display_values
    # every ServiceNow version, not only the newest, names the caller behind its sys_id
    for entity in ("incident", "sc_req_item"):
        for r in small.records["servicenow", entity]:
            caller = r.value and r.value.get("caller_id")
            if isinstance(caller, dict) and caller.get("display_value"):
                assert caller["display_value"] == requester[f"servicenow:{r.value['number']}"]["full_name"]

    cw = small.current("connectwise", "tickets", "id")
    assert cw
    for ticket in cw.values():
        p = requester[f"connectwise:{ticket['id']}"]
        assert ticket["contact"]["name"] == p["full_name"] and ticket["contactEmailAddress"] == p["email"]
        assert isinstance(ticket["contact"]["id"], int)
        assert p["full_name"] in ticket["initialDescription"]
        keys["connectwise", ticket["contact"]["id"]].add(p["person_id"])
    # each system's own key for a person stands for that one person
    assert all(len(ids) == 1 for ids in keys.values()), {k: v for k, v in keys.items() if len(v) > 1}


def test_the_same_seed_gives_the_same_people_and_requesters(small, tmp_path):
    generate(tmp_path / "landing", tmp_path / "truth", clients=4, days=20, seed=3)
    for name in ("people.csv", "requesters.csv"):
        assert (tmp_path / "truth" / name).read_bytes() == (small.truth / name).read_bytes()
