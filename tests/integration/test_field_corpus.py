"""A bad value stops nothing but itself: for every field that staging casts, in every vendor entity,
a run over a generated world with that field unreadable, null or decades ahead exits 0, reports each
bad value, and leaves every other client's mart rows exactly as in the clean run (the shared world
`seed31`, whose own unreadable values, from the generator's truth, are reported too).

The corpus is written into the records of one client (the victim) and into fresh copies of shared
records (calendars, holidays, SLAs and their targets) that nothing references. Every version of a chosen record carries
the same bad value, so its current version does. Expected, as a user would check it:

- a key field (the record's opening or update stamp) that cannot be read, or lies after its
  extract date, quarantines the record (`unparseable_stamp`, `future_stamp`);
- any other field becomes NULL and a `marts.normalization_exceptions` row: `unreadable_value`, or
  `far_future_value` for a stamp more than a year after its extract date;
- a null is no value: nothing to report;
- every mart with a `client_id` has, for every other client, the clean run's rows; every other
  mart publishes.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT, instance_home, shared_world, usm

pytestmark = pytest.mark.slow

READ_FIELDS = REPO_ROOT / "dbt_project" / "macros" / "read_fields.sql"

# What a real export holds where a value of each kind should be. Far-future stamps are in each
# vendor's own format (2099-12-31, or 2100-01-01 as a NinjaOne epoch).
UNREADABLE = {
    "connectwise_stamp": "N/A",
    "servicenow_stamp": "31/12/2026 17:00",
    "servicenow_duration": "3 hours",
    "jira_stamp": "yesterday",
    "ninjaone_stamp": "N/A",
    "double": "1,5",
    "decimal(18, 2)": "EUR 12.00",
    "integer": "two",
    "boolean": "maybe",
    "time": "25:99",
    "day": "31/12/2026",
}
FAR_FUTURE = {
    "connectwise_stamp": "2099-12-31T00:00:00Z",
    "servicenow_stamp": "2099-12-31 00:00:00",
    "jira_stamp": "2099-12-31T00:00:00.000+0000",
    "ninjaone_stamp": 4102444800,
}
# The key stamps: the loader reads them to place the record, so a bad one quarantines it.
KEY_FIELDS = {
    ("connectwise", "tickets", "_info.dateEntered"),
    ("servicenow", "incident", "opened_at"),
    ("servicenow", "sc_req_item", "opened_at"),
    ("servicenow", "sys_audit", "sys_created_on"),
    ("jira", "issues", "fields.created"),
    ("ninjaone", "devices", "lastContact"),
    ("ninjaone", "activities", "activityTime"),
}
SHARED = {
    ("connectwise", "calendars"), ("connectwise", "holidays"),
    ("connectwise", "slas"), ("connectwise", "sla_priorities"),
}
FRESH_ID = 900_000


def staged_fields() -> dict[tuple[str, str], dict[str, str]]:
    """(system, entity) -> {field: kind}, read from the list staging casts through."""
    text = READ_FIELDS.read_text()
    fields = {}
    for system, entity, body in re.findall(r"'(\w+)\.(\w+)': \{(.*?)\}", text, re.S):
        fields[system, entity] = dict(re.findall(r"'([\w.]+)': '([^']+)'", body))
    return fields


@dataclass(frozen=True)
class Bad:
    system: str
    entity: str
    field: str
    variant: str  # unreadable, far_future, null
    value: object
    record_id: str
    copy_of: str | None = None
    """A fresh record: a copy of this one of the victim's (None: of a shared entity's first record)."""

    @property
    def key(self) -> bool:
        return (self.system, self.entity, self.field) in KEY_FIELDS


# --- the landing files, in their formats --------------------------------------------------------


def _read(path: Path) -> tuple[str, list[dict]]:
    data = path.read_bytes()
    text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode()
    if ".ndjson" in path.name:  # a damaged line (the generator's malformed copies) stays as it is
        return "ndjson", [_json_or_text(line) for line in text.splitlines() if line.strip()]
    document = json.loads(text)
    if isinstance(document, list):
        return "array", document
    envelope = next(key for key, value in document.items() if isinstance(value, list))  # its one array
    return envelope, document[envelope]


def _json_or_text(line: str):
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return line


def _write(path: Path, kind: str, records: list) -> None:
    if kind == "ndjson":
        text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)
    elif kind == "array":
        text = json.dumps(records)
    else:
        text = json.dumps({kind: records})
    path.write_bytes(gzip.compress(text.encode()) if path.suffix == ".gz" else text.encode())


def _get(record: dict, path: str):
    for key in path.split("."):
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def _set(record: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for key in parents:
        record = record.setdefault(key, {})
    if isinstance(record.get(last), dict) and "value" in record[last]:  # a ServiceNow {value, display_value}
        record[last]["value"] = value
    else:
        record[last] = value


def _value(field) -> str | None:
    return field.get("value") if isinstance(field, dict) else field


def _files(landing: Path, system: str, entity: str) -> list[Path]:
    return sorted((landing / system / entity).glob("*"))


def _records(landing: Path, system: str, entity: str) -> list[dict]:
    return [r for path in _files(landing, system, entity) for r in _read(path)[1] if isinstance(r, dict)]


# --- the victim client and its records ----------------------------------------------------------


def _victim(landing: Path) -> tuple[str, dict[str, str]]:
    """The first client mapped in all four systems, with its alias in each."""
    with (landing / "mappings" / "clients.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    aliases: dict[str, dict[str, str]] = {}
    for row in rows:
        aliases.setdefault(row["client_id"], {})[row["system"]] = row["alias"]
    return next((client, a) for client, a in aliases.items() if len(a) == 4)


def _victim_records(landing: Path, aliases: dict[str, str]) -> dict[tuple[str, str], list[str]]:
    """(system, entity) -> the victim's record ids, as text, in order."""
    def ids(system, entity, id_path, belongs):
        return sorted({str(_get(r, id_path)) for r in _records(landing, system, entity) if belongs(r)})

    def named(value, system):  # the mappings match names case-insensitively, trimmed
        return isinstance(value, str) and value.strip().lower() == aliases[system].strip().lower()

    companies = ids("connectwise", "companies", "id", lambda r: named(r["identifier"], "connectwise"))
    of_company = lambda r: str(_get(r, "company.id")) in companies  # noqa: E731
    sn_company = ids("servicenow", "core_company", "sys_id", lambda r: named(r["name"], "servicenow"))
    of_sn_company = lambda r: _value(r.get("company")) in sn_company  # noqa: E731
    incidents = ids("servicenow", "incident", "sys_id", of_sn_company)
    organizations = ids("ninjaone", "organizations", "id", lambda r: named(r["name"], "ninjaone"))
    devices = ids("ninjaone", "devices", "id", lambda r: str(r["organizationId"]) in organizations)
    of_device = lambda r: str(r.get("deviceId")) in devices  # noqa: E731
    return {
        ("connectwise", "companies"): companies,
        ("connectwise", "agreements"): ids("connectwise", "agreements", "id", of_company),
        ("connectwise", "tickets"): ids("connectwise", "tickets", "id", of_company),
        ("connectwise", "time_entries"): ids("connectwise", "time_entries", "id", of_company),
        ("connectwise", "invoices"): ids("connectwise", "invoices", "id", of_company),
        ("servicenow", "core_company"): sn_company,
        ("servicenow", "incident"): incidents,
        ("servicenow", "sc_req_item"): ids("servicenow", "sc_req_item", "sys_id", of_sn_company),
        ("servicenow", "sys_audit"): ids("servicenow", "sys_audit", "sys_id", lambda r: r["documentkey"] in incidents),
        ("servicenow", "task_sla"): ids("servicenow", "task_sla", "sys_id", lambda r: _value(r["task"]) in incidents),
        ("jira", "issues"): ids(
            "jira", "issues", "id", lambda r: named(r["fields"]["customfield_10002"][0]["name"], "jira")
        ),
        ("ninjaone", "devices"): devices,
        ("ninjaone", "alerts"): ids("ninjaone", "alerts", "uid", of_device),
        ("ninjaone", "activities"): ids("ninjaone", "activities", "id", of_device),
    }


def _plan(fields: dict, victims: dict) -> list[Bad]:
    """Each (field, variant) on a record of its own: a key field's bad value always (its record is
    quarantined whole), the others while the victim has records enough, never two values of one
    field on one record. Past that, and for shared entities, on a fresh copy of a record."""
    plan = []
    fresh = iter(range(FRESH_ID, FRESH_ID + 10_000))
    for (system, entity), kinds in fields.items():
        wanted = [
            (field, variant, value)
            for field, kind in kinds.items()
            for variant, value in (
                ("unreadable", UNREADABLE[kind]),
                *((("far_future", FAR_FUTURE[kind]),) if kind in FAR_FUTURE else ()),
                ("null", None),
            )
        ]
        records = [] if (system, entity) in SHARED else list(victims[(system, entity)])
        template = records[0] if records else None

        taken: set[tuple[str, str]] = set()
        keyed = [w for w in wanted if (system, entity, w[0]) in KEY_FIELDS]
        for field, variant, value in keyed:
            if len(records) > 1:  # the first stays, the template of the copies
                plan.append(Bad(system, entity, field, variant, value, records.pop()))
            else:
                plan.append(Bad(system, entity, field, variant, value, _fresh_id(system, next(fresh)), template))
        for field, variant, value in (w for w in wanted if (system, entity, w[0]) not in KEY_FIELDS):
            free = [r for r in records if (r, field) not in taken]
            if free:
                taken.add((free[0], field))
                records.append(records.pop(records.index(free[0])))  # the next value goes elsewhere
                plan.append(Bad(system, entity, field, variant, value, free[0]))
            else:
                plan.append(Bad(system, entity, field, variant, value, _fresh_id(system, next(fresh)), template))
    return plan


def _fresh_id(system: str, number: int) -> str:
    return f"{number:032x}" if system == "servicenow" else str(number)


def _id_path(system: str, entity: str) -> str:
    return {"alerts": "uid"}.get(entity, "sys_id" if system == "servicenow" else "id")


def _inject(landing: Path, plan: list[Bad]) -> None:
    by_entity: dict[tuple[str, str], list[Bad]] = {}
    for bad in plan:
        by_entity.setdefault((bad.system, bad.entity), []).append(bad)
    for (system, entity), bads in by_entity.items():
        id_path = _id_path(system, entity)
        changes: dict[str, list[Bad]] = {}
        for bad in bads:
            if bad.copy_of is None and (system, entity) not in SHARED:
                changes.setdefault(bad.record_id, []).append(bad)
        copies = [bad for bad in bads if bad not in sum(changes.values(), [])]
        for path in _files(landing, system, entity):
            kind, records = _read(path)
            for record in [r for r in records if isinstance(r, dict)]:
                record_id = str(_get(record, id_path))
                # a fresh copy of the first version of its template (of a shared entity: any record)
                for bad in [b for b in copies if b.copy_of in (record_id, None)]:
                    copies.remove(bad)
                    records.append(_fresh_copy(record, bad, id_path))
                for bad in changes.get(record_id, ()):
                    _set(record, bad.field, bad.value)
            _write(path, kind, records)
        assert not copies, f"no template for {copies}"


def _fresh_copy(record: dict, bad: Bad, id_path: str) -> dict:
    """A copy of the record under a new id, with the bad value; a holiday on a list of its own, so
    that no calendar has it."""
    copy = json.loads(json.dumps(record))
    copy[id_path] = bad.record_id if bad.system == "servicenow" or id_path == "uid" else int(bad.record_id)
    if "holidayList" in copy:
        copy["holidayList"] = {"id": FRESH_ID, "name": "corpus holidays"}
    if bad.entity == "sla_priorities":  # the targets of an SLA of its own, one per copy
        copy["sla"] = {"id": int(bad.record_id), "name": "corpus SLA"}
    if "defaultFlag" in copy:  # never the default SLA
        copy["defaultFlag"] = False
    # the numbers people know the record by are unique too: a Jira key, a ServiceNow number, an invoice's
    if "key" in copy:
        copy["key"] = f"{copy['key'].split('-')[0]}-{bad.record_id}"
    if isinstance(copy.get("number"), str):
        copy["number"] = re.sub(r"\d+$", bad.record_id[-7:], copy["number"])
    if bad.entity == "invoices":
        copy["invoiceNumber"] = f"INV-{bad.record_id}"
    _set(copy, bad.field, bad.value)
    return copy


# --- the runs -----------------------------------------------------------------------------------


@dataclass
class Runs:
    clean: object
    warehouse: Path
    exit_code: int
    output: str
    victim: str
    plan: list[Bad]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    base = tmp_path_factory.mktemp("field-corpus")
    clean = shared_world(tmp_path_factory, "seed31")  # read only: the corpus goes into a copy
    landing, warehouse = base / "bad" / "landing", base / "bad" / "warehouse.duckdb"
    shutil.copytree(clean.landing, landing)
    victim, aliases = _victim(landing)
    plan = _plan(staged_fields(), _victim_records(landing, aliases))
    _inject(landing, plan)
    env = {
        "USM_LANDING_DIR": str(landing),
        "USM_DUCKDB_PATH": str(warehouse),
        "USM_OUTPUT_DIR": str(base / "bad" / "output"),
        "DAGSTER_HOME": instance_home("corpus-bad"),
    }
    run = usm("run", env=env, check=False)
    return Runs(clean, warehouse, run.returncode, run.stdout + run.stderr, victim, plan)


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_corpus_covers_every_field_staging_casts_with_each_kind_of_bad_value(runs):
    fields = staged_fields()
    assert len(fields) == 18 and sum(map(len, fields.values())) == 69  # macros/read_fields.sql today
    planned = {(b.system, b.entity, b.field, b.variant) for b in runs.plan}
    for (system, entity), kinds in fields.items():
        for field, kind in kinds.items():
            assert (system, entity, field, "unreadable") in planned, f"{system}.{entity}.{field}"
            if kind in FAR_FUTURE and (system, entity, field) not in KEY_FIELDS:
                assert (system, entity, field, "far_future") in planned, f"{system}.{entity}.{field}"


def test_the_run_exits_0(runs):
    assert runs.exit_code == 0, runs.output[-6000:]


def test_every_bad_value_of_a_field_that_is_not_a_key_is_reported_and_its_record_loads(runs):
    exceptions = _query(
        runs.warehouse,
        "SELECT system, entity, field, raw_value, reason, sample_record_keys FROM marts.normalization_exceptions "
        "WHERE reason IN ('unreadable_value', 'far_future_value')",
    )
    reported = {(s, e, f, v, r): keys.split(", ") for s, e, f, v, r, keys in exceptions}
    expected = {}
    for bad in runs.plan:
        if bad.key or bad.variant == "null":
            continue
        reason = "unreadable_value" if bad.variant == "unreadable" else "far_future_value"
        expected.setdefault((bad.system, bad.entity, bad.field, str(bad.value), reason), set()).add(bad.record_id)
    # and the world's own (the generator's truth), unless the corpus replaced the value or
    # quarantined its record
    replaced = {(b.system, b.entity, b.field, b.record_id) for b in runs.plan}
    quarantined = {(b.system, b.entity, b.record_id) for b in runs.plan if b.key and b.variant != "null"}
    for row in runs.clean.truth_rows("defects.csv"):
        if row["defect"] not in ("unreadable_value", "far_future_value"):
            continue
        field, _, value = row["expected_finding"].removesuffix(" is NULL; the record loads").partition(" = ")
        record = (row["system"], row["entity"], row["record_id"])
        if (*record[:2], field, record[2]) in replaced or record in quarantined:
            continue
        key = (row["system"], row["entity"], field, value, row["defect"])
        expected.setdefault(key, set()).add(row["record_id"])
    assert set(reported) == set(expected)
    for key, records in expected.items():
        assert records <= set(reported[key]) or len(reported[key]) == 5, key
    for bad in runs.plan:
        if not bad.key:
            loaded = _query(
                runs.warehouse,
                f"SELECT count(*) FROM raw_{bad.system}.{bad.entity} WHERE record_id = '{bad.record_id}'",
            )
            assert loaded[0][0] > 0, bad


def test_a_bad_key_stamp_quarantines_its_record_naming_the_field(runs):
    rows = _query(
        runs.warehouse,
        "SELECT system, entity, reason, detail, raw_text FROM raw_quarantine.quarantined_records",
    )
    for bad in runs.plan:
        if not bad.key or bad.variant == "null":
            continue
        reason = "unparseable_stamp" if bad.variant == "unreadable" else "future_stamp"
        found = [
            r for r in rows
            if (r[0], r[1], r[2]) == (bad.system, bad.entity, reason)
            and f"{bad.field} = {bad.value}" in r[3] and bad.record_id in r[4]
        ]
        assert found, bad


def _marts(warehouse: Path) -> dict[str, list[str]]:
    rows = _query(
        warehouse,
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'marts' "
        "ORDER BY table_name, ordinal_position",
    )
    marts: dict[str, list[str]] = {}
    for table, column in rows:
        marts.setdefault(table, []).append(column)
    return marts


def test_every_other_clients_mart_rows_equal_the_clean_runs(runs):
    clean_marts, bad_marts = _marts(runs.clean.warehouse), _marts(runs.warehouse)
    assert set(bad_marts) == set(clean_marts)
    compared = 0
    for table, columns in clean_marts.items():
        if "client_id" not in columns:
            continue
        sql = (
            f"SELECT * FROM marts.{table} WHERE client_id IS NOT NULL AND client_id <> '{runs.victim}' "
            "ORDER BY ALL"
        )
        clean, bad = _query(runs.clean.warehouse, sql), _query(runs.warehouse, sql)
        assert bad == clean, f"marts.{table}: other clients' rows differ"
        compared += len(clean)
    assert compared > 1000


def test_every_mart_without_a_client_publishes(runs):
    for table, columns in _marts(runs.warehouse).items():
        if "client_id" in columns:
            continue
        clean = _query(runs.clean.warehouse, f"SELECT count(*) FROM marts.{table}")[0][0]
        bad = _query(runs.warehouse, f"SELECT count(*) FROM marts.{table}")[0][0]
        assert (bad > 0) == (clean > 0), table
