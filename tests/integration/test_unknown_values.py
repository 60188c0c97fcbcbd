"""Unknown enumeration values load (they are not broken records) and then surface in
marts.normalization_exceptions, so nobody has to find them by hand: a state no row of
states.csv places, and a ConnectWise billable option that ConnectWise does not define."""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb
import pytest
from conftest import dbt

from pipelines.sources.catalog import DATED_ENTITIES
from pipelines.sources.loader import ensure_tables, load_mappings, load_partition

pytestmark = pytest.mark.slow

DAY = date(2026, 1, 2)
ENTITY = {(e.system, e.entity): e for e in DATED_ENTITIES}


def _write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_unknown_states_and_billable_options_are_reported(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "mappings/states.csv", "system,state,clock\nconnectwise,New,new\nconnectwise,Closed,closed\n")
    tickets = [
        {
            "id": 1,
            "status": {"name": "New"},
            "_info": {"lastUpdated": "2026-01-02T08:00:00Z", "dateEntered": "2026-01-02T08:00:00Z"},
        },
        {
            "id": 2,
            "status": {"name": "Waiting on Vendor"},
            "_info": {"lastUpdated": "2026-01-02T09:00:00Z", "dateEntered": "2026-01-02T09:00:00Z"},
        },
    ]
    _write(landing / "connectwise/tickets/2026-01-02.json", json.dumps(tickets))
    entries = [
        {
            "id": 10,
            "chargeToId": 1,
            "chargeToType": "ServiceTicket",
            "billableOption": "Billable",
            "actualHours": 1,
            "hoursBilled": 1,
            "_info": {"lastUpdated": "2026-01-02T10:00:00Z"},
        },
        {
            "id": 11,
            "chargeToId": 1,
            "chargeToType": "ServiceTicket",
            "billableOption": "Sometimes",
            "actualHours": 1,
            "hoursBilled": 1,
            "_info": {"lastUpdated": "2026-01-02T10:00:00Z"},
        },
    ]
    _write(landing / "connectwise/time_entries/2026-01-02.ndjson", "\n".join(json.dumps(e) for e in entries) + "\n")
    warehouse = tmp_path / "warehouse.duckdb"
    loaded_at = datetime(2026, 1, 3, 2)
    with duckdb.connect(str(warehouse)) as con:
        ensure_tables(con, DATED_ENTITIES)
        load_mappings(con, landing, loaded_at)
        for key in (("connectwise", "tickets"), ("connectwise", "time_entries")):
            result = load_partition(con, ENTITY[key], landing, DAY, loaded_at)
            assert result.quarantined == 0  # unknown values are not broken records
    dbt("run", "--select", "+normalization_exceptions", warehouse=warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute(
            "select reason, system, entity, field, raw_value, occurrences from marts.normalization_exceptions "
            "where reason in ('unknown_state', 'unknown_billable_option') order by all"
        ).fetchall()
    assert found == [
        ("unknown_billable_option", "connectwise", "time_entries", "billableOption", "Sometimes", 1),
        ("unknown_state", "connectwise", "tickets", "state", "Waiting on Vendor", 1),
    ]
