"""Any other tool (docs/landing.md, "Any other tool"): the export of a made-up ITSM,
Tessera, through a mapping declared in usm.yaml, run by `usm run` into fct_tickets and the SLA
marts, checked against answers computed by hand below.

The export is what such a tool writes: semicolons, decimal commas (`Hours`), day-first stamps
without seconds (UTC), `-` for an empty cell, latin-1 text (the client "Brasserie Française" and
the category "Réseau"), one row per update of a ticket, delivered as two daily extracts. Its
statuses, priorities, categories, clients and SLA targets map through the mapping files like
any other system's, with `system` = tessera.

A second declared tool, Kiosk, exports one row per ticket (its state now) in the default dialect
(commas, UTF-8, an empty cell for null): its clock runs from opening to resolution, as ConnectWise's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT

pytestmark = pytest.mark.slow

USM_YAML = """\
tools:
  - system: tessera
    entity: tickets
    rows: per_update
    csv: {delimiter: ";", decimal_comma: true, encoding: latin-1, null_marker: "-", date_format: "%d-%m-%Y %H:%M"}
    columns: {id: Ref, updated: Changed, opened: Opened, resolved: Resolved, closed: Closed, state: Status,
              priority: Prio, category: Category, client: Customer, requester: Caller}
    numbers: [Hours]
  - system: kiosk
    rows: per_record
    csv: {date_format: "%Y-%m-%d %H:%M"}
    columns: {id: Number, opened: Created, responded: Answered, resolved: Solved, state: Status, priority: Urgency,
              client: Company}
"""

HEADER = "Ref;Changed;Opened;Resolved;Closed;Status;Prio;Category;Customer;Caller;Hours\n"
A = "Hoog;Réseau;Brasserie Française;J. Janssen"  # T-1001 and T-1003: P2, Network Incident, CLIENT-A
B = "Kritiek;Werkplek;Bakkerij de Vries;-"  # T-1002: P1, Workstation, CLIENT-B, no caller
# One row per update, in the order the tool lists them.
DAY_1 = HEADER + "\n".join([
    f"T-1001;05-01-2026 09:00;05-01-2026 09:00;-;-;Nieuw;{A};0",
    f"T-1001;05-01-2026 09:20;05-01-2026 09:00;-;-;In behandeling;{A};0,25",
    f"T-1001;05-01-2026 10:00;05-01-2026 09:00;-;-;Wacht op klant;{A};0,5",
    f"T-1001;05-01-2026 12:00;05-01-2026 09:00;-;-;In behandeling;{A};0,5",
    f"T-1001;05-01-2026 14:00;05-01-2026 09:00;05-01-2026 14:00;-;Opgelost;{A};1,5",
    f"T-1003;05-01-2026 15:00;05-01-2026 15:00;-;-;Nieuw;{A};0",
    f"T-1003;05-01-2026 15:30;05-01-2026 15:00;-;-;In behandeling;{A};0,25",
    f"T-1003;05-01-2026 15:50;05-01-2026 15:00;05-01-2026 15:50;-;Opgelost;{A};0,5",
    # not a number of hours: quarantined, so T-1005 never reaches the marts
    "T-1005;05-01-2026 16:00;05-01-2026 16:00;-;-;Nieuw;Normaal;Werkplek;Bakkerij de Vries;-;veel",
    f"T-1002;05-01-2026 20:00;05-01-2026 20:00;-;-;Nieuw;{B};0",
    f"T-1002;05-01-2026 20:45;05-01-2026 20:00;-;-;In behandeling;{B};0,75",
]) + "\n"
DAY_2 = HEADER + "\n".join([
    f"T-1002;06-01-2026 02:30;05-01-2026 20:00;06-01-2026 02:30;-;Opgelost;{B};1,25",
    f"T-1003;06-01-2026 08:00;05-01-2026 15:00;-;-;In behandeling;{A};0,5",  # reopened
    f"T-1001;06-01-2026 09:00;05-01-2026 09:00;05-01-2026 14:00;06-01-2026 09:00;Gesloten;{A};1,5",
    f"T-1003;06-01-2026 11:00;05-01-2026 15:00;06-01-2026 11:00;-;Opgelost;{A};2,5",
]) + "\n"

# Kiosk: the ticket as it was on the 5th, then as it is on the 6th (no update stamp: the later extract wins).
KIOSK_HEADER = "Number,Created,Answered,Solved,Status,Urgency,Company\n"
# The version of the 5th carries what real exports hold: an answer stamp decades ahead and a solved
# stamp that is no stamp, each NULL and reported; the version of the 6th has them right.
KIOSK_DAY_1 = KIOSK_HEADER + "K-1,2026-01-05 08:00,2099-12-31 00:00,soon,Open,High,Kiosk Corner\n"
KIOSK_DAY_2 = KIOSK_HEADER + "K-1,2026-01-05 08:00,2026-01-05 08:10,2026-01-05 11:00,Done,High,Kiosk Corner\n"

MAPPINGS = {
    "clients": """\
system,alias,client_id,client_name
tessera,Brasserie Française,CLIENT-A,Brasserie Française BV
tessera,Bakkerij de Vries,CLIENT-B,Bakkerij de Vries
kiosk,Kiosk Corner,CLIENT-C,Kiosk Corner
""",
    "states": """\
system,state,clock
tessera,Nieuw,new
tessera,In behandeling,open
tessera,Wacht op klant,paused
tessera,Opgelost,resolved
tessera,Gesloten,closed
tessera,Geannuleerd,canceled
kiosk,Open,open
kiosk,Done,resolved
""",
    "priorities": """\
system,priority,canonical_priority
tessera,Kritiek,P1
tessera,Hoog,P2
tessera,Normaal,P3
kiosk,High,P1
""",
    "categories": """\
system,category,subcategory,canonical_category,department
tessera,Réseau,,Network Incident,IT
tessera,Werkplek,,Workstation,IT
""",
    "sla_policies": """\
policy,system,department,client_id,priority,metric,target_minutes,calendar
Tessera P1 response,tessera,IT,,P1,response,30,24x7
Tessera P1 resolution,tessera,IT,,P1,resolution,240,24x7
Tessera P2 response,tessera,IT,,P2,response,60,kantoor
Tessera P2 resolution,tessera,IT,,P2,resolution,180,kantoor
Kiosk P1 response,kiosk,IT,,P1,response,30,24x7
Kiosk P1 resolution,kiosk,IT,,P1,resolution,240,24x7
""",
    # kantoor: 08:00-17:00 in Amsterdam on weekdays, which in January (CET, UTC+1) is 07:00-16:00 UTC.
    "calendars": "calendar,time_zone,weekday,start_time,end_time\n"
    + "".join(f"24x7,UTC,{day},00:00,24:00\n" for day in range(1, 8))
    + "".join(f"kantoor,Europe/Amsterdam,{day},08:00,17:00\n" for day in range(1, 6)),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("declared-tool")
    landing = base / "landing"
    (landing / "tessera" / "tickets").mkdir(parents=True)
    (landing / "mappings").mkdir()
    (landing / "tessera" / "tickets" / "2026-01-05.csv").write_bytes(DAY_1.encode("latin-1"))
    (landing / "tessera" / "tickets" / "2026-01-06.csv").write_bytes(DAY_2.encode("latin-1"))
    (landing / "kiosk" / "tickets").mkdir(parents=True)
    (landing / "kiosk" / "tickets" / "2026-01-05.csv").write_text(KIOSK_DAY_1, encoding="utf-8")
    (landing / "kiosk" / "tickets" / "2026-01-06.csv").write_text(KIOSK_DAY_2, encoding="utf-8")
    for name, text in MAPPINGS.items():
        (landing / "mappings" / f"{name}.csv").write_text(text, encoding="utf-8")
    (base / "usm.yaml").write_text(USM_YAML)
    env = {
        **os.environ,
        "USM_LANDING_DIR": str(landing),
        "USM_DUCKDB_PATH": str(base / "warehouse.duckdb"),
        "USM_OUTPUT_DIR": str(base / "output"),
        "DAGSTER_HOME": str(base / "dagster_home"),
        "USM_CONFIG": str(base / "usm.yaml"),
    }
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    print(f"usm run over the Tessera export: {time.monotonic() - started:.1f} s")
    assert run.returncode == 0, f"{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    return base / "warehouse.duckdb"


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute)


def test_every_row_loads_but_the_one_without_a_number_of_hours(warehouse):
    # 11 rows on 5 January (one quarantined: Hours "veel"), 4 on the 6th; "1,5" and "0,25" are numbers.
    assert rows(warehouse, "SELECT count(*) FROM raw_tessera.tickets") == [(14,)]
    assert rows(warehouse, "SELECT count(*) FROM raw_kiosk.tickets") == [(2,)]
    assert rows(
        warehouse, "SELECT system, entity, record_position, reason, detail FROM raw_quarantine.quarantined_records"
    ) == [("tessera", "tickets", 9, "not_a_number", '$."Hours" = veel')]


def test_fct_tickets_holds_each_tickets_newest_row_mapped(warehouse):
    got = rows(
        warehouse,
        """SELECT ticket_id, source_system, source_entity, client_id, department, category, priority,
                  opened_at, first_responded_at, resolved_at, closed_at, status_category, work_item_id,
                  is_duplicate, requester_key IS NOT NULL
           FROM marts.fct_tickets ORDER BY ticket_id""",
    )
    assert got == [
        # Kiosk: the version of the 6th; no category declared, so none and the default department
        ("kiosk:K-1", "kiosk", "tickets", "CLIENT-C", "IT", None, "P1",
         t(5, 8), t(5, 8, 10), t(5, 11), None, "resolved", "wi:kiosk:K-1", False, False),
        # closed on the 6th; first response: the first row out of Nieuw (09:20)
        ("tessera:T-1001", "tessera", "tickets", "CLIENT-A", "IT", "Network Incident", "P2",
         t(5, 9), t(5, 9, 20), t(5, 14), t(6, 9), "closed", "wi:tessera:T-1001", False, True),
        # Closed is "-" (null) on its newest row; no caller
        ("tessera:T-1002", "tessera", "tickets", "CLIENT-B", "IT", "Workstation", "P1",
         t(5, 20), t(5, 20, 45), t(6, 2, 30), None, "resolved", "wi:tessera:T-1002", False, False),
        # reopened, resolved again: resolved_at is the newest row's
        ("tessera:T-1003", "tessera", "tickets", "CLIENT-A", "IT", "Network Incident", "P2",
         t(5, 15), t(5, 15, 30), t(6, 11), None, "resolved", "wi:tessera:T-1003", False, True),
    ]  # fmt: skip
    assert rows(
        warehouse,
        "SELECT system, entity, field, raw_value, reason, sample_record_keys FROM marts.normalization_exceptions "
        "ORDER BY field",
    ) == [
        ("kiosk", "tickets", "Answered", "2099-12-31 00:00", "far_future_value", "K-1"),
        ("kiosk", "tickets", "Solved", "soon", "unreadable_value", "K-1"),
    ]


def test_ticket_sla_against_the_hand_computed_clocks(warehouse):
    got = rows(
        warehouse,
        """SELECT ticket_id, sla_metric, calendar, target_minutes, started_at, stopped_at, due_at,
                  elapsed_business_minutes, paused_business_minutes, is_met, breach_minutes
           FROM marts.ticket_sla ORDER BY ticket_id, sla_metric DESC""",
    )
    assert got == [
        # K-1, P1, 24x7, one row per ticket: response 08:00 -> 08:10 (its Answered column) = 10 of 30;
        #   resolution 08:00 -> 11:00 (Solved, its state Done being resolved) = 180 of 240, nothing paused
        ("kiosk:K-1", "response", "24x7", 30, t(5, 8), t(5, 8, 10), t(5, 8, 30), 10, 0, True, 0),
        ("kiosk:K-1", "resolution", "24x7", 240, t(5, 8), t(5, 11), t(5, 12), 180, 0, True, 0),
        # T-1001, P2, kantoor (07:00-16:00 UTC on Monday 5 January):
        #   response 09:00 -> 09:20 (first row out of Nieuw) = 20 min of 60: met, due 10:00
        ("tessera:T-1001", "response", "kantoor", 60, t(5, 9), t(5, 9, 20), t(5, 10), 20, 0, True, 0),
        #   resolution 09:00 -> 14:00 (Opgelost; Gesloten on the 6th does not move the stop) = 300 min,
        #   less Wacht op klant 10:00 -> 12:00 = 120 paused: 180 of 180, met on the minute;
        #   due: 60 min to 10:00, the pause, 120 more from 12:00 = 14:00
        ("tessera:T-1001", "resolution", "kantoor", 180, t(5, 9), t(5, 14), t(5, 14), 180, 120, True, 0),
        # T-1002, P1, 24x7:
        #   response 20:00 -> 20:45 = 45 of 30: breached by 15, due 20:30
        ("tessera:T-1002", "response", "24x7", 30, t(5, 20), t(5, 20, 45), t(5, 20, 30), 45, 0, False, 15),
        #   resolution 20:00 -> 02:30 on the 6th = 390 of 240: breached by 150, due 00:00
        ("tessera:T-1002", "resolution", "24x7", 240, t(5, 20), t(6, 2, 30), t(6, 0), 390, 0, False, 150),
        # T-1003, P2, kantoor:
        #   response 15:00 -> 15:30 = 30 of 60: met; due when 60 business minutes have run: 16:00
        ("tessera:T-1003", "response", "kantoor", 60, t(5, 15), t(5, 15, 30), t(5, 16), 30, 0, True, 0),
        #   resolution 15:00 -> 11:00 on the 6th (the final Opgelost run starts there): business time
        #   15:00-16:00 + 07:00-11:00 = 60 + 240 = 300; resolved 15:50 -> reopened 08:00 stands still:
        #   15:50-16:00 + 07:00-08:00 = 10 + 60 = 70; elapsed 300 - 70 = 230 of 180: breached by 50;
        #   due: 50 min to 15:50, stopped, 130 more from 08:00 = 10:10 on the 6th
        ("tessera:T-1003", "resolution", "kantoor", 180, t(5, 15), t(6, 11), t(6, 10, 10), 230, 70, False, 50),
    ]


def test_sla_attainment_monthly_against_the_hand_computed_counts(warehouse):
    got = rows(
        warehouse,
        """SELECT month, client_id, department, priority, sla_metric, tickets, met, breached, attainment_pct
           FROM marts.sla_attainment_monthly ORDER BY client_id, sla_metric DESC""",
    )
    january = date(2026, 1, 1)
    assert got == [
        # CLIENT-A, P2: T-1001 and T-1003 both answered in time; T-1001 resolved in time, T-1003 not
        (january, "CLIENT-A", "IT", "P2", "response", 2, 2, 0, 100.0),
        (january, "CLIENT-A", "IT", "P2", "resolution", 2, 1, 1, 50.0),
        # CLIENT-B, P1: T-1002 late on both
        (january, "CLIENT-B", "IT", "P1", "response", 1, 0, 1, 0.0),
        (january, "CLIENT-B", "IT", "P1", "resolution", 1, 0, 1, 0.0),
        # CLIENT-C, P1: K-1 in time on both
        (january, "CLIENT-C", "IT", "P1", "response", 1, 1, 0, 100.0),
        (january, "CLIENT-C", "IT", "P1", "resolution", 1, 1, 0, 100.0),
    ]


def test_backlog_follows_the_exported_history(warehouse):
    # At the end of 5 January only T-1002 is open (T-1001 resolved at 14:00, T-1003 at 15:50 and
    # reopened only the next morning, K-1 at 11:00); at the end of the 6th nothing is.
    assert rows(
        warehouse, "SELECT snapshot_date, client_id, department, age_bucket, open_tickets FROM marts.backlog_daily"
    ) == [(date(2026, 1, 5), "CLIENT-B", "IT", "0-2d", 1)]


def test_the_code_location_reads_the_declared_tool(tmp_path):
    """usm.yaml's tools become raw assets with their checks at import, and the staging model that
    reads their tables depends on them, so a run loads the export before dbt reads it."""
    (tmp_path / "usm.yaml").write_text(USM_YAML)
    script = """
import dagster as dg
from pipelines.definitions import defs
graph = defs.resolve_asset_graph()
raw = dg.AssetKey(["raw_tessera", "tickets"])
staging = dg.AssetKey(["staging", "stg_declared__ticket_versions"])
print(graph.get(raw).group_name, raw in graph.get(staging).parent_keys,
      dg.AssetKey(["raw_kiosk", "tickets"]) in graph.get(staging).parent_keys,
      sorted(key.name for key in graph.get(raw).check_keys))
"""
    env = {**os.environ, "USM_CONFIG": str(tmp_path / "usm.yaml"), "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    run = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-4000:]
    assert run.stdout.split("\n")[-2] == "raw_tessera True True ['id_shapes', 'pandera_tickets']"
