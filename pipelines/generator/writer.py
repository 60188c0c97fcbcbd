"""The daily landing files: each entity's records of one extract date in its vendor's format.

Formats vary by entity so every reader path is exercised (a bare JSON array, the
ServiceNow and Jira envelopes, NDJSON, each plain or gzip). Malformed records are injected
here as extra damaged copies placed right after the record they copy, so the world is
unaffected; each one is written down in quarantine.csv, and every file in record_counts.csv.

Unreadable values are written into the records themselves, in fields that no other truth reads
(an entry date, a flag), so the world's figures stay as they are; each one is a
normalization_exceptions.csv row (`unreadable_value`, `far_future_value`).
"""

from __future__ import annotations

import gzip
import json
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

from pipelines.generator.business_time import UTC
from pipelines.generator.rates import Rates
from pipelines.generator.truth import Truth

# (system, entity) -> file format: array, result (ServiceNow envelope), issues (Jira envelope), ndjson;
# a `.gz` suffix compresses the file.
FORMATS = {
    ("connectwise", "companies"): "array",
    ("connectwise", "agreements"): "array",
    ("connectwise", "slas"): "array",
    ("connectwise", "sla_priorities"): "array",
    ("connectwise", "calendars"): "array",
    ("connectwise", "holidays"): "array",
    ("connectwise", "tickets"): "array",
    ("connectwise", "time_entries"): "ndjson",
    ("connectwise", "invoices"): "array",
    ("servicenow", "core_company"): "result",
    ("servicenow", "cmdb_ci_computer"): "result.gz",
    ("servicenow", "incident"): "result",
    ("servicenow", "sc_req_item"): "result.gz",
    ("servicenow", "sys_audit"): "ndjson.gz",
    ("servicenow", "task_sla"): "result.gz",
    ("jira", "issues"): "issues.gz",
    ("ninjaone", "organizations"): "array",
    ("ninjaone", "devices"): "ndjson",
    ("ninjaone", "alerts"): "ndjson",
    ("ninjaone", "activities"): "activities",
}

# Where the malformed copies go, and how they are damaged. The id and stamp paths are the
# ones the loader reads (pipelines/sources/catalog.py).
MALFORMED = {
    ("connectwise", "tickets"): (
        "id",
        "_info.lastUpdated",
        "iso",
        ("missing_id", "unparseable_stamp", "future_stamp"),
    ),
    ("connectwise", "time_entries"): (
        "id",
        "_info.lastUpdated",
        "iso",
        ("invalid_json", "missing_id", "future_stamp", "negative_hours"),
    ),
    ("servicenow", "incident"): (
        "sys_id",
        "sys_updated_on",
        "servicenow",
        ("missing_id", "unparseable_stamp", "future_stamp"),
    ),
    ("servicenow", "sys_audit"): ("sys_id", "sys_created_on", "servicenow", ("invalid_json",)),
    ("jira", "issues"): ("id", "fields.updated", "jira", ("missing_id", "unparseable_stamp", "future_stamp")),
    ("ninjaone", "alerts"): ("uid", "updateTime", "epoch", ("invalid_json", "missing_id", "future_stamp")),
}
BAD_STAMPS = {
    "iso": "2026-02-30T25:61:00Z",
    "servicenow": "2026-02-30 25:61:00",
    "jira": "2026-02-30T25:61:00.000+0000",
}
# Where unreadable values go: (system, entity) -> (id path, field path, the field's kind). Only
# fields that no figure of the truth depends on. Whether a record gets one is drawn from its id,
# so every version written of it carries the same value and its current version reports it.
UNREADABLE = {
    ("connectwise", "companies"): ("id", "_info.dateEntered", "iso"),
    ("connectwise", "time_entries"): ("id", "dateEntered", "iso"),
    ("connectwise", "invoices"): ("id", "_info.dateEntered", "iso"),
    ("servicenow", "core_company"): ("sys_id", "customer", "boolean"),
    ("ninjaone", "devices"): ("id", "created", "epoch"),
}
# Records that may be written without their company (rate missing_company): each is a
# `missing_client` exception, counted once per record however many versions are written.
WITHOUT_COMPANY = {("connectwise", "tickets"), ("connectwise", "time_entries")}
# Records whose id may come in another shape (rate odd_id): (system, entity) -> id path. Nothing
# references an audit entry, so its id is free to change.
ODD_IDS = {("servicenow", "sys_audit"): "sys_id"}
# What real exports hold where a value should be: placeholders, spreadsheet errors, local formats.
GARBAGE = {
    "iso": ("N/A", "0000-00-00T00:00:00Z", "#N/B", "31/12/2026 17:00", "2026-13-45T10:00:00Z"),
    "boolean": ("maybe", "#N/B", "unknown"),
    "epoch": ("N/A", "1.2.3", "soon"),
}
# A stamp decades after any extract date: a placeholder, read as a real date, past the horizon.
FAR_FUTURE = {"iso": "2099-12-31T00:00:00Z", "epoch": 4102444800}
EXTENSIONS = {"array": ".json", "result": ".json", "issues": ".json", "activities": ".json", "ndjson": ".ndjson"}


ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(record) -> str:
    return ENCODER.encode(record)


def _get(record: dict, path: str):
    for key in path.split("."):
        record = record[key]
    return record


def _set(record: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for key in parents:
        record = record[key]
    record[last] = value


def _copy(record: dict) -> dict:
    return json.loads(json.dumps(record))


class Writer:
    def __init__(self, out: Path, truth: Truth, rates: Rates, seed: int):
        self.out, self.truth, self.rates = out, truth, rates
        self.rng = random.Random(f"{seed}:malformed")
        self.seed = seed
        # The records already reported, each once however many versions are written.
        self.unreadable_reported: set[tuple[str, str, str]] = set()
        self.missing_client_reported: set[tuple[str, str, str]] = set()
        self.odd_ids_reported: set[tuple[str, str, str]] = set()
        self.records: dict[tuple[str, str], int] = {}
        self.files = 0
        self.bytes = 0

    def write_day(self, day: date, records: dict[tuple[str, str], list[dict]]) -> None:
        for key in FORMATS:
            if records.get(key):
                self._write_file(day, key, records[key])

    def _write_file(self, day: date, key: tuple[str, str], records: list[dict]) -> None:
        system, entity = key
        kind, _, gz = FORMATS[key].partition(".")
        relative = f"{system}/{entity}/{day.isoformat()}{EXTENSIONS[kind]}" + (".gz" if gz else "")
        texts = []
        for record in records:
            if key in UNREADABLE:
                record = self._unreadable(key, record)
            if key in ODD_IDS:
                record = self._odd_id(key, record)
            if key in WITHOUT_COMPANY and record.get("company") is None:
                self._missing_client(key, record)
            texts.append(dumps(record))
            if key in MALFORMED and self.rng.random() < self.rates.malformed_record:
                damaged, reason, record_id = self._damage(key, record, day)
                texts.append(damaged)
                self.truth.add("quarantine.csv", [system, entity, relative, str(len(texts)), reason])
                self.truth.defect(
                    "malformed_record",
                    system,
                    entity,
                    record_id,
                    f"quarantined as {reason}: {relative} record {len(texts)}",
                )
        if kind == "ndjson":
            body = "".join(text + "\n" for text in texts)
        else:
            # NinjaOne's activities response: the newest id as the next page's cursor, then the records
            newest = max((r["id"] for r in records), default=0) if kind == "activities" else None
            opening = {"array": "[", "result": '{"result":[', "issues": '{"isLast":true,"issues":[',
                       "activities": f'{{"lastActivityId":{newest},"activities":['}[kind]
            body = opening + "\n" + ",\n".join(texts) + "\n" + ("]" if kind == "array" else "]}") + "\n"
        data = body.encode()
        if gz:
            data = gzip.compress(data, compresslevel=6, mtime=0)
        path = self.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.truth.add("record_counts.csv", [system, entity, relative, str(len(texts))])
        self.records[key] = self.records.get(key, 0) + len(texts)
        self.files += 1
        self.bytes += len(data)

    def _odd_id(self, key: tuple[str, str], record: dict) -> dict:
        """The record, or a copy whose id is a dashed upper-case GUID (drawn from the id, so every
        version of the record gets the same one)."""
        system, entity = key
        path = ODD_IDS[key]
        record_id = str(_get(record, path))
        if random.Random(f"{self.seed}:odd_id:{system}:{entity}:{record_id}").random() >= self.rates.odd_id:
            return record
        hexed = record_id.upper()
        odd = "-".join((hexed[:8], hexed[8:12], hexed[12:16], hexed[16:20], hexed[20:]))
        if (system, entity, odd) not in self.odd_ids_reported:
            self.odd_ids_reported.add((system, entity, odd))
            self.truth.defect("odd_id", system, entity, odd, "loads; the raw id-shape check warns")
        changed = _copy(record)
        _set(changed, path, odd)
        return changed

    def _missing_client(self, key: tuple[str, str], record: dict) -> None:
        system, entity = key
        if (system, entity, str(record["id"])) not in self.missing_client_reported:
            self.missing_client_reported.add((system, entity, str(record["id"])))
            self.truth.exception(system, entity, "company", "(none)", "missing_client")

    def _unreadable(self, key: tuple[str, str], record: dict) -> dict:
        """The record, or a copy with one unreadable value (the same for every version of it)."""
        system, entity = key
        id_path, field_path, kind = UNREADABLE[key]
        record_id = str(_get(record, id_path))
        draw = random.Random(f"{self.seed}:unreadable:{system}:{entity}:{record_id}")
        if draw.random() >= self.rates.unreadable_value:
            return record
        choices = [*GARBAGE[kind], *([FAR_FUTURE[kind]] if kind in FAR_FUTURE else [])]
        value = draw.choice(choices)
        damaged = _copy(record)
        _set(damaged, field_path, value)
        if (system, entity, record_id) not in self.unreadable_reported:
            self.unreadable_reported.add((system, entity, record_id))
            reason = "far_future_value" if value == FAR_FUTURE.get(kind) else "unreadable_value"
            self.truth.exception(system, entity, field_path, str(value), reason)
            self.truth.defect(reason, system, entity, record_id, f"{field_path} = {value} is NULL; the record loads")
        return damaged

    def _damage(self, key: tuple[str, str], record: dict, day: date) -> tuple[str, str, str]:
        """(the damaged copy's text, the quarantine reason, the id of the record it copies).

        `invalid_json` is listed for NDJSON entities only: in a JSON document it would break the whole file.
        """
        id_path, stamp_path, stamp_kind, reasons = MALFORMED[key]
        record_id = str(_get(record, id_path))
        reason = self.rng.choice(reasons)
        damaged = _copy(record)
        if reason == "invalid_json":
            text = dumps(record)
            return text[: len(text) // 2], reason, record_id
        if reason == "missing_id":
            del damaged[id_path]
        elif reason == "unparseable_stamp":
            _set(damaged, stamp_path, BAD_STAMPS[stamp_kind])
        elif reason == "future_stamp":
            later = datetime.combine(day + timedelta(days=self.rng.randint(1, 30)), time(9), UTC)
            _set(
                damaged,
                stamp_path,
                {
                    "iso": later.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "servicenow": later.strftime("%Y-%m-%d %H:%M:%S"),
                    "jira": later.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                    "epoch": later.timestamp(),
                }[stamp_kind],
            )
        elif reason == "negative_hours":
            damaged["actualHours"] = -damaged["actualHours"]
        return dumps(damaged), reason, record_id
