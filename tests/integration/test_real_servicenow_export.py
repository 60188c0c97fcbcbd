"""The real ServiceNow incident history export (../shared/data/servicenow_incident_event_log)
through the ServiceNow CSV path: every figure of its README reproduced from the warehouse.

The export is read from ../shared and unzipped into a temporary folder; it is never copied
into the repository. Its dialect (day-first stamps without seconds, `?` for null, keyed by
`number`, updated by `sys_updated_at`) comes from a usm.yaml this test writes, and its
display-value states and priorities map through the states.csv and priorities.csv rows below.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT, SHARED_DIR, require_shared_data

pytestmark = pytest.mark.slow

EXPORT = SHARED_DIR / "data" / "servicenow_incident_event_log" / "incident_event_log.zip"

USM_YAML = """\
csv:
  servicenow:
    date_format: "%d/%m/%Y %H:%M"
    null_marker: "?"
    id_column: number
    updated_column: sys_updated_at
"""
STATES = """\
system,state,clock
servicenow,New,new
servicenow,Active,open
servicenow,Awaiting User Info,paused
servicenow,Awaiting Vendor,paused
servicenow,Awaiting Problem,paused
servicenow,Awaiting Evidence,paused
servicenow,Resolved,resolved
servicenow,Closed,closed
"""
PRIORITIES = """\
system,priority,canonical_priority
servicenow,1 - Critical,P1
servicenow,2 - High,P2
servicenow,3 - Moderate,P3
servicenow,4 - Low,P4
"""
# Targets of this test's own, around the clock, so the history export's states drive clocks.
SLA_POLICIES = "policy,system,department,client_id,priority,metric,target_minutes,calendar\n" + "".join(
    f"ITSM {p} {metric},servicenow,IT,,{p},{metric},{target},24x7\n"
    for p, targets in {"P1": (15, 240), "P2": (60, 480), "P3": (240, 1440), "P4": (480, 2880)}.items()
    for metric, target in zip(("response", "resolution"), targets, strict=True)
)
CALENDARS = "calendar,time_zone,weekday,start_time,end_time\n" + "".join(
    f"24x7,UTC,{day},00:00,24:00\n" for day in range(1, 8)
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    require_shared_data(EXPORT)
    base = tmp_path_factory.mktemp("real-servicenow")
    landing = base / "landing"
    (landing / "servicenow" / "incident").mkdir(parents=True)
    (landing / "mappings").mkdir()
    with zipfile.ZipFile(EXPORT) as archive:
        # one extract, dated after the export's last update so no stamp lies in its future
        with archive.open("incident_event_log.csv") as src:
            (landing / "servicenow" / "incident" / "2017-12-31.csv").write_bytes(src.read())
    (landing / "mappings" / "states.csv").write_text(STATES)
    (landing / "mappings" / "priorities.csv").write_text(PRIORITIES)
    (landing / "mappings" / "sla_policies.csv").write_text(SLA_POLICIES)
    (landing / "mappings" / "calendars.csv").write_text(CALENDARS)
    (base / "usm.yaml").write_text(USM_YAML)
    env = {
        **os.environ,
        "USM_LANDING_DIR": str(landing),
        "USM_DUCKDB_PATH": str(base / "warehouse.duckdb"),
        "USM_OUTPUT_DIR": str(base / "output"),
        "DAGSTER_HOME": str(base / "dagster_home"),
        "USM_CONFIG": str(base / "usm.yaml"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    # Mart checks only warn (the empty client dimension of a lone ServiceNow export fails
    # its dtype check), so the exit status is not the test: the marts must be there.
    try:
        with duckdb.connect(str(base / "warehouse.duckdb"), read_only=True) as con:
            con.execute("SELECT count(*) FROM marts.ticket_sla").fetchone()
    except duckdb.Error as error:
        raise AssertionError(f"{error}\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}") from error
    return base / "warehouse.duckdb"


def one(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_rows_and_incidents(warehouse):
    assert one(warehouse, "SELECT count(*) FROM raw_servicenow.incident") == [(141_712,)]
    assert one(warehouse, "SELECT count(*) FROM raw_quarantine.quarantined_records") == [(0,)]
    assert one(warehouse, "SELECT count(*) FROM marts.fct_tickets WHERE source_system = 'servicenow'") == [(24_918,)]


def test_made_sla_from_the_newest_row(warehouse):
    (met, total) = one(
        warehouse,
        "SELECT count(*) FILTER (WHERE vendor_is_met), count(*) FROM marts.sla_parity"
        " WHERE vendor_source = 'servicenow made_sla'",
    )[0]
    assert (met, total) == (15_803, 24_918)
    assert round(100 * met / total, 2) == 63.42


def test_made_sla_by_priority(warehouse):
    rows = one(
        warehouse,
        "SELECT t.priority, count(*) FILTER (WHERE p.vendor_is_met),"
        " count(*) FILTER (WHERE NOT p.vendor_is_met)"
        " FROM marts.sla_parity AS p INNER JOIN marts.fct_tickets AS t USING (ticket_id)"
        " WHERE p.vendor_source = 'servicenow made_sla' GROUP BY 1 ORDER BY 1",
    )
    assert rows == [("P1", 5, 265), ("P2", 2, 406), ("P3", 15_145, 8_321), ("P4", 651, 123)]


def test_resolution_and_closure_hours(warehouse):
    rows = one(
        warehouse,
        "SELECT count(resolved_at),"
        " round(median(date_diff('second', opened_at, resolved_at)) / 3600, 2),"
        " round(avg(date_diff('second', opened_at, resolved_at)) / 3600, 2),"
        " round(median(date_diff('second', opened_at, closed_at)) / 3600, 2),"
        " round(avg(date_diff('second', opened_at, closed_at)) / 3600, 2)"
        " FROM marts.fct_tickets",
    )
    assert rows == [(23_362, 22.10, 178.17, 145.87, 315.33)]


def test_the_history_export_drives_the_sla_clocks(warehouse):
    """Without sys_audit, the states of the export's rows are the incidents' history: every
    incident gets a response and a resolution clock, stopped (all are closed), and the
    Awaiting states stop the resolution clock."""
    rows = one(
        warehouse,
        "SELECT sla_metric, count(*), count(*) FILTER (WHERE stopped_at IS NULL),"
        " count(*) FILTER (WHERE paused_business_minutes > 0)"
        " FROM marts.ticket_sla GROUP BY 1 ORDER BY 1",
    )
    assert [r[:3] for r in rows] == [("resolution", 24_918, 0), ("response", 24_918, 0)]
    assert rows[0][3] > 1_000
    # on a 24x7 calendar business minutes are wall-clock minutes (two incidents have an
    # update stamped before their opening: a clock that stops before it starts counts zero)
    (worst, early) = one(
        warehouse,
        "SELECT max(abs(elapsed_business_minutes + paused_business_minutes"
        " - greatest(date_diff('second', started_at, stopped_at), 0) / 60.0)),"
        " count(*) FILTER (WHERE stopped_at < started_at)"
        " FROM marts.ticket_sla WHERE sla_metric = 'response'",
    )[0]
    assert (worst, early) == (0, 2)
