"""A real incident event log (../shared/data/volvo_it_incidents_2013: Volvo IT Belgium's VINST
system, BPI Challenge 2013) as a declared `per_update` tool: every figure of its README
reproduced from the warehouse.

The log is read from ../shared and unzipped into a temporary folder; it is never copied into
the repository. It is what a tool without a connector gives: one row per status change, no
opening or resolution column (an incident opens at its first row and resolves where its states
say), stamps with an offset, a byte-order mark, years before 2016 (so usm.yaml sets
`extracts_from`). Its `Sub Status` values say what each row means (states.csv below: `Wait*`
pauses, every `Completed` sub status resolves) and `SR Latest Impact` is the priority.

The README's definitions, and where the warehouse answers each:
- opened = the incident's first row: `fct_tickets.opened_at`;
- final resolution = the first row of the run of `Completed` rows that ends the incident:
  `fct_tickets.resolved_at` (the tool declares no resolved column) and the resolution clock's
  `stopped_at` in `ticket_sla`;
- reopened = a non-`Completed` row after a `Completed` one: `fct_tickets.reopen_count`;
- the first `Completed` row: `fct_tickets.first_resolved_at`;
- the 24x7 clock that pauses in `Wait*` and stops while resolved: the resolution clock of
  `ticket_sla` on the 24x7 calendar, where business minutes are wall-clock minutes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest
from conftest import SHARED_DIR, require_shared_data, usm

pytestmark = pytest.mark.slow

LOG = SHARED_DIR / "data" / "volvo_it_incidents_2013" / "IBM-VolvoIT-Challenge.zip"
MEMBER = "VolvoIT-Challenge/VINST-new.csv"

USM_YAML = """\
extracts_from: 2010-01-01
tools:
  - system: vinst
    entity: incidents
    rows: per_update
    csv: {date_format: "%Y-%m-%dT%H:%M:%S%z"}
    columns: {id: SR Number, updated: Change Date+Time, state: Sub Status, priority: SR Latest Impact}
"""
# Each sub status belongs to one status (the README lists the pairs), so it alone says what a row means.
STATES = "system,state,clock\n" + "".join(
    f"vinst,{state},{clock}\n"
    for clock, states in {
        "new": ["Awaiting Assignment"],
        "open": ["In Progress", "Assigned", "Unmatched"],
        "paused": ["Wait", "Wait - User", "Wait - Customer", "Wait - Vendor", "Wait - Implementation"],
        "resolved": ["Resolved", "In Call", "Cancelled"],
        "closed": ["Closed"],
    }.items()
    for state in states
)
PRIORITIES = "system,priority,canonical_priority\nvinst,Major,P1\nvinst,High,P2\nvinst,Medium,P3\nvinst,Low,P4\n"
# Targets of this test's own, around the clock, so every incident gets both clocks.
SLA_POLICIES = "policy,system,department,client_id,priority,metric,target_minutes,calendar\n" + "".join(
    f"VINST {p} {metric},vinst,IT,,{p},{metric},{target},24x7\n"
    for p in ("P1", "P2", "P3", "P4")
    for metric, target in (("response", 60), ("resolution", 2880))
)
CALENDARS = "calendar,time_zone,weekday,start_time,end_time\n" + "".join(
    f"24x7,UTC,{day},00:00,24:00\n" for day in range(1, 8)
)


def _env(base: Path) -> dict[str, str]:
    return {
        "USM_LANDING_DIR": str(base / "landing"),
        "USM_DUCKDB_PATH": str(base / "warehouse.duckdb"),
        "USM_OUTPUT_DIR": str(base / "output"),
        "DAGSTER_HOME": str(base / "dagster_home"),
        "USM_CONFIG": str(base / "usm.yaml"),
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    require_shared_data(LOG)
    base = tmp_path_factory.mktemp("real-event-log")
    landing = base / "landing"
    (landing / "vinst" / "incidents").mkdir(parents=True)
    (landing / "mappings").mkdir()
    with zipfile.ZipFile(LOG) as archive, archive.open(MEMBER) as src:
        # one extract, dated after the log's last change (2012-05-22) so no stamp lies in its future
        (landing / "vinst" / "incidents" / "2012-05-31.csv").write_bytes(src.read())
    for name, text in {
        "states": STATES, "priorities": PRIORITIES, "sla_policies": SLA_POLICIES, "calendars": CALENDARS,
    }.items():
        (landing / "mappings" / f"{name}.csv").write_text(text)
    (base / "usm.yaml").write_text(USM_YAML)
    run = usm("run", env=_env(base), check=False)
    assert run.returncode == 0, f"{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    return base / "warehouse.duckdb"


def one(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_rows_and_incidents(warehouse):
    assert one(warehouse, "SELECT count(*) FROM raw_vinst.incidents") == [(65_533,)]
    assert one(warehouse, "SELECT count(*) FROM raw_quarantine.quarantined_records") == [(0,)]
    assert one(warehouse, "SELECT count(*) FROM marts.fct_tickets") == [(7_554,)]
    # the README's example id arrives whole, under the tool's name
    assert one(warehouse, "SELECT count(*) FROM marts.fct_tickets WHERE ticket_id = 'vinst:1-364285768'") == [(1,)]


def test_impact_of_the_newest_row(warehouse):
    # Low / Medium / High / Major: 3,245 / 4,045 / 261 / 3 (README), through priorities.csv
    assert one(warehouse, "SELECT priority, count(*) FROM marts.fct_tickets GROUP BY 1 ORDER BY 1") == [
        ("P1", 3), ("P2", 261), ("P3", 4_045), ("P4", 3_245),
    ]


def test_final_resolutions_and_reopenings(warehouse):
    (resolved, unresolved, reopened) = one(
        warehouse,
        "SELECT count(resolved_at), count(*) FILTER (WHERE resolved_at IS NULL),"
        " count(*) FILTER (WHERE reopen_count >= 1) FROM marts.fct_tickets",
    )[0]
    assert (resolved, unresolved, reopened) == (7_546, 8, 514)


def test_opened_to_final_resolution(warehouse):
    hours = "date_diff('second', opened_at, resolved_at) / 3600"
    assert one(warehouse, f"SELECT round(median({hours}), 2), round(avg({hours}), 2) FROM marts.fct_tickets") == [
        (15.15, 201.10)
    ]
    # the resolution clock stops at the same instant
    clock = "date_diff('second', started_at, stopped_at) / 3600"
    assert one(
        warehouse,
        f"SELECT count(stopped_at), round(median({clock}), 2), round(avg({clock}), 2)"
        " FROM marts.ticket_sla WHERE sla_metric = 'resolution'",
    ) == [(7_546, 15.15, 201.10)]


def test_the_work_items_resolve_where_the_history_says(warehouse):
    """Every mart that reads a resolution sees the history's, not only fct_tickets: the
    department turnaround counts the 7,546 resolved incidents at the README's mean of 201.10 h."""
    (resolved, mean_hours) = one(
        warehouse,
        "SELECT sum(requests_resolved), round(sum(total_turnaround_hours) / sum(requests_resolved), 2)"
        " FROM marts.department_turnaround_monthly",
    )[0]
    assert (resolved, float(mean_hours)) == (7_546, 201.10)


def test_opened_to_the_first_completed_row(warehouse):
    hours = "date_diff('second', opened_at, first_resolved_at) / 3600"
    assert one(
        warehouse,
        f"SELECT count(first_resolved_at), round(median({hours}), 2), round(avg({hours}), 2) FROM marts.fct_tickets",
    ) == [(7_546, 6.03, 176.44)]


def test_the_clock_pauses_in_wait_and_stops_while_resolved(warehouse):
    """On 24x7, elapsed business minutes are opened to final resolution less the Wait* time and
    the Completed time before each reopening; the paused minutes are those two together
    (729,961.5 h + 47,790.1 h = 777,751.6 h)."""
    (n, median_hours, mean_hours, paused_hours) = one(
        warehouse,
        "SELECT count(*), round(median(elapsed_business_minutes) / 60, 2),"
        " round(avg(elapsed_business_minutes) / 60, 2), round(sum(paused_business_minutes) / 60, 1)"
        " FROM marts.ticket_sla WHERE sla_metric = 'resolution' AND stopped_at IS NOT NULL",
    )[0]
    assert (n, median_hours, mean_hours) == (7_546, 1.31, 98.03)
    assert paused_hours == pytest.approx(777_751.6, abs=0.1)


def test_wait_and_reopened_time_apart(warehouse):
    """The two kinds of pause apart, from the state history the clocks read (intermediate layer):
    Wait* before the final resolution, 729,961.5 h over 3,359 incidents; Completed before a
    reopening, 47,790.1 h over 514 incidents."""
    rows = one(
        warehouse,
        """SELECT h.clock = 'paused' AS waiting,
                  round(sum(date_diff('second', h.clock_from, h.clock_to)) / 3600, 1), count(DISTINCT h.ticket_id)
           FROM intermediate.int_ticket_state_history AS h
           JOIN intermediate.int_ticket_resolutions_derived AS r USING (ticket_id)
           WHERE r.final_resolved_at IS NOT NULL AND h.clock_from < r.final_resolved_at
             AND h.clock IN ('paused', 'resolved', 'closed')
           GROUP BY 1 ORDER BY 1""",
    )
    assert rows == [(False, 47_790.1, 514), (True, 729_961.5, 3_359)]


def test_an_extract_dated_before_extracts_from_is_refused_in_one_line(tmp_path):
    """Without `extracts_from`, the partitions start in 2016: the run stops before anything loads,
    in one line naming the file and the setting, not a Dagster traceback."""
    path = tmp_path / "landing" / "vinst" / "incidents" / "2012-05-31.csv"
    path.parent.mkdir(parents=True)
    path.write_text("SR Number,Change Date+Time,Sub Status\n1-1,2012-05-01T10:00:00+02:00,Resolved\n")
    (tmp_path / "landing" / "mappings").mkdir()
    (tmp_path / "landing" / "mappings" / "states.csv").write_text("system,state,clock\n")
    (tmp_path / "usm.yaml").write_text(USM_YAML.replace("extracts_from: 2010-01-01\n", ""))
    run = usm("run", env=_env(tmp_path), check=False)
    assert run.returncode == 2  # a user error
    assert run.stderr.strip().splitlines() == [
        f"usm run: {path} is dated before extracts_from (2016-01-01); "
        "set extracts_from in usm.yaml to that date or earlier"
    ]
    assert not (tmp_path / "warehouse.duckdb").exists()
