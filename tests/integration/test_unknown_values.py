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


def test_a_bare_catalog_item_is_named_by_catalog_items_csv_or_reported(tmp_path):
    """A ServiceNow export without display values carries a requested item's cat_item as a bare
    sys_id: catalog_items.csv names it (its category), or it is an unmapped_catalog_item with none."""
    landing = tmp_path / "landing"
    laptop, unknown = "04b7e94b4f7b4200086eeed18110c7fd", "1d3b2c9c4f7b4200086eeed18110c712"
    _write(landing / "mappings/catalog_items.csv", f"sys_id,name\n{laptop.upper()},Standard Laptop\n")
    _write(landing / "mappings/categories.csv",
           "system,category,subcategory,canonical_category,department\n"
           "servicenow,Standard Laptop,,Hardware Request,IT\n")
    items = [
        {"sys_id": f"{n:032x}", "number": f"RITM00{n}", "cat_item": cat_item, "state": "1",
         "opened_at": "2026-01-02 08:00:00", "sys_updated_on": "2026-01-02 08:00:00"}
        for n, cat_item in ((1, laptop), (2, unknown), (3, {"value": unknown, "display_value": "Monitor"}))
    ]
    _write(landing / "servicenow/sc_req_item/2026-01-02.json", json.dumps({"result": items}))
    warehouse = tmp_path / "warehouse.duckdb"
    loaded_at = datetime(2026, 1, 3, 2)
    with duckdb.connect(str(warehouse)) as con:
        ensure_tables(con, DATED_ENTITIES)
        load_mappings(con, landing, loaded_at)
        assert load_partition(con, ENTITY["servicenow", "sc_req_item"], landing, DAY, loaded_at).quarantined == 0
    dbt("run", "--select", "+normalization_exceptions", "+int_tickets_mapped", warehouse=warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        categories = con.execute(
            "select ticket_number, category from intermediate.int_tickets_mapped order by 1"
        ).fetchall()
        found = con.execute(
            "select field, raw_value, occurrences, sample_record_keys from marts.normalization_exceptions "
            "where reason = 'unmapped_catalog_item'"
        ).fetchall()
    # 1: named by the mapping; 2: a bare sys_id nobody names; 3: its display value (no mapping needed)
    assert categories == [("RITM001", "Hardware Request"), ("RITM002", None), ("RITM003", None)]
    assert found == [("cat_item", unknown, 1, f"{2:032x}")]
