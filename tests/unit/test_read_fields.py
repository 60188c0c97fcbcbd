"""Staging casts a vendor record's fields only through `read_field` (dbt_project/macros/read_fields.sql),
so that every field it casts is in the one list that int_unreadable_values_listed reports from: a
value staging nulls is never nulled silently. Casting a record's field directly would bypass it.

Nested arrays (a Jira issue's histories, SLA cycles and approvals, a ConnectWise SLA's priorities)
are read element by element and are not in the list yet; the mapping CSVs are the site's own files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STAGING = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging"
VENDORS = ("connectwise", "servicenow", "jira", "ninjaone")

# A cast or stamp macro applied straight to a record's field.
DIRECT_CAST = re.compile(
    r"(try_cast_text|_stamp)\(\s*(json_text\(\s*'record'|servicenow_value\()"
)
READ_FIELD = re.compile(r"read_field\('(\w+)\.(\w+)', '([^']+)'\)")


def _models() -> list[Path]:
    return sorted(path for vendor in VENDORS for path in (STAGING / vendor).glob("*.sql"))


@pytest.mark.parametrize("model", _models(), ids=lambda path: path.stem)
def test_staging_casts_a_records_fields_only_through_read_field(model: Path) -> None:
    direct = DIRECT_CAST.findall(model.read_text())
    assert not direct, f"{model.name} casts a record's field directly; use read_field"


def test_read_field_names_the_raw_entity_its_model_reads() -> None:
    """`read_field('connectwise.tickets', ...)` in a model that reads `source('raw_connectwise', 'tickets')`."""
    checked = 0
    for model in _models():
        text = model.read_text()
        sources = set(re.findall(r"source\('raw_(\w+)', '(\w+)'\)", text))
        for system, entity, _ in READ_FIELD.findall(text):
            assert (system, entity) in sources, f"{model.name}: read_field names {system}.{entity}"
            checked += 1
    assert checked > 50  # the vendor staging models read 69 fields through it
