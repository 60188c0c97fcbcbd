"""The staging models read the vendors' real payload shapes (tests/fixtures/vendor_payloads, with the
sources each shape was checked against): every field a staging model reads from a vendor record is
in the fixtures of its entity, under the same name, and every fixture file loads with nothing
quarantined. Our generator and emulator agreeing with staging proves nothing about the vendors; this does.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.sources.catalog import SOURCE_ENTITIES
from pipelines.sources.loader import load_partition

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "vendor_payloads"
STAGING = REPO / "dbt_project" / "models" / "staging"
VARS = yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text())["vars"]

# Fields staging reads that real payloads do not carry: the shapes of older or hand-made extracts,
# read as a fallback beside the real one.
OLDER_SHAPES = {
    ("connectwise", "agreements", "type"): "a type written as text; the API's is {id, name}",
    ("connectwise", "calendars", "holidayList"): "a holiday list written as its bare id",
    ("connectwise", "holidays", "holidayList"): "a holiday list written as its bare id",
    ("connectwise", "invoices", "identifier"):
        "the number before invoiceNumber (a time entry's invoice reference keeps it)",
    ("connectwise", "invoices", "type.name"):
        "a type written as {id, name}; the API's is text (CreditMemo, Standard, ...)",
    ("connectwise", "invoices", "status"): "a status written as text; the API's is {id, name}",
    ("connectwise", "slas", "calendar"): "the calendar before customCalendar",
    ("connectwise", "slas", "calendar.id"): "the calendar before customCalendar",
    ("connectwise", "slas", "calendar.name"): "the calendar before customCalendar",
    ("connectwise", "time_entries", "status.name"): "an approval state written as {name}; the API's is text",
    ("connectwise", "time_entries", "_info.dateEntered"): "the entry date before the top-level dateEntered",
    ("servicenow", "sc_req_item", "resolved_at"):
        "a requested item is a task, which has no resolved_at; an instance may add it",
}

PATTERNS = (
    re.compile(r"json_(?:text|get)\('record', '([^']+)'\)"),
    re.compile(r"json_(?:text|get)\('record', '([^']+)' ~ var\('(\w+)'\)(?: ~ '([^']+)')?\)"),
    re.compile(r"read_field\('\w+\.\w+', '([^']+)'\)"),
    re.compile(r"servicenow_(?:display_)?value\('([^']+)'\)"),
)


def _read_paths(sql: str) -> set[str]:
    paths = set(PATTERNS[0].findall(sql)) | set(PATTERNS[2].findall(sql)) | set(PATTERNS[3].findall(sql))
    paths |= {f"{head}{VARS[name]}{tail}" for head, name, tail in PATTERNS[1].findall(sql)}
    return paths


def _entity_reads() -> dict[tuple[str, str], set[str]]:
    reads: dict[tuple[str, str], set[str]] = {}
    for model in STAGING.glob("*/stg_*.sql"):
        sql = model.read_text()
        for system, entity in re.findall(r"source\('raw_(\w+)', '(\w+)'\)", sql):
            if system in ("connectwise", "servicenow", "jira", "ninjaone"):
                reads.setdefault((system, entity), set()).update(_read_paths(sql))
    return reads


def _records(system: str, entity: str) -> list[dict]:
    document = json.loads((FIXTURES / system / f"{entity}.json").read_text())
    if isinstance(document, list):
        return document
    return next(value for value in document.values() if isinstance(value, list))


def _at(record, path: str):
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            record = record[index] if isinstance(record, list) and len(record) > index else None
        else:
            record = record.get(part) if isinstance(record, dict) else None
    return record


def _present(value) -> bool:
    if isinstance(value, dict) and "value" in value and set(value) <= {"value", "display_value", "link"}:
        value = value["value"]  # a ServiceNow reference or display-value field
    return value not in (None, "", [], {})


def test_every_vendor_entity_has_its_fixture():
    missing = [e.folder for e in SOURCE_ENTITIES if not (FIXTURES / e.system / f"{e.entity}.json").exists()]
    assert not missing


@pytest.mark.parametrize("key", sorted(_entity_reads()), ids=lambda key: ".".join(key))
def test_every_field_staging_reads_is_in_the_real_shape(key):
    system, entity = key
    records = _records(system, entity)
    missing = sorted(
        path for path in _entity_reads()[key]
        if (system, entity, path) not in OLDER_SHAPES and not any(_present(_at(r, path)) for r in records)
    )
    assert not missing, f"{system}/{entity}: staging reads {missing}, which the vendor's payloads do not carry"


def test_the_older_shapes_listed_are_still_read():
    reads = _entity_reads()
    stale = [key for key in OLDER_SHAPES if key[2] not in reads.get(key[:2], set())]
    assert not stale


@pytest.mark.parametrize("entity", SOURCE_ENTITIES, ids=lambda e: e.folder)
def test_every_fixture_loads_with_nothing_quarantined(entity, tmp_path):
    day = date(2026, 3, 9)
    target = tmp_path / entity.folder / f"{day.isoformat()}.json"
    target.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / entity.system / f"{entity.entity}.json", target)
    con = duckdb.connect()
    result = load_partition(con, entity, tmp_path, day, datetime(2026, 3, 10))
    assert (result.loaded, result.quarantined) == (len(_records(entity.system, entity.entity)), 0)
