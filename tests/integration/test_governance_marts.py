"""The governance marts against the generator's truth: the integration map reports exactly the
duplicates, orphans and unmapped values injected, and revenue versus effort adds up the time
and money the generator wrote (revenue.csv, system_map.csv, tickets.csv)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from conftest import World

pytestmark = pytest.mark.slow

SYSTEM_MAP_COLUMNS = ("records", "records_linked", "duplicates", "orphans", "unmapped_values", "unmapped_records")


def _int_or_none(text: str) -> int | None:
    return int(text) if text != "" else None


def test_system_map_reports_exactly_what_the_generator_injected(world: World):
    expected = {
        (r["system"], r["entity"]): tuple(_int_or_none(r[c]) for c in SYSTEM_MAP_COLUMNS)
        for r in world.truth_rows("system_map.csv")
    }
    found = {
        (r["system"], r["entity"]): tuple(r[c] for c in SYSTEM_MAP_COLUMNS)
        for r in world.query_dicts("select * from marts.system_map")
    }
    assert {key: found.get(key) for key in expected} == expected
    # Every unmapped value the normalization found sits on a row of the map.
    unplaced = world.query(
        "select system, entity from marts.normalization_exceptions except select system, entity from marts.system_map"
    )
    assert unplaced == []


def test_linked_share_is_records_linked_over_records(world: World):
    for row in world.query_dicts("select * from marts.system_map where records_linked is not null"):
        assert row["linked_pct"] == pytest.approx(round(100 * row["records_linked"] / row["records"], 2))


def test_revenue_vs_effort_equals_the_time_and_money_the_generator_wrote(world: World):
    def key(month: str, client: str | None, category: str | None) -> tuple[str, str, str]:
        return month, client or "", category or ""

    expected = {
        key(r["month"], r["client_id"], r["category"]): (
            float(r["hours_worked"]),
            float(r["billable_hours"]),
            float(r["invoiced_amount"]),
        )
        for r in world.truth_rows("revenue.csv")
    }
    found = {
        key(month.strftime("%Y-%m"), client, category): (float(hours), float(billable), float(amount))
        for month, client, category, hours, billable, amount in world.query(
            "select month, client_id, category, hours_worked, billable_hours, invoiced_amount "
            "from marts.revenue_vs_effort_monthly"
        )
    }
    assert set(found) == set(expected)
    wrong = {
        k: (found[k], v)
        for k, v in expected.items()
        if any(abs(a - b) > 0.011 for a, b in zip(found[k], v, strict=True))
    }
    assert wrong == {}
    # The effective rate is the invoiced amount per hour worked.
    for amount, hours, rate in world.query(
        "select invoiced_amount, hours_worked, effective_hourly_rate from marts.revenue_vs_effort_monthly"
    ):
        assert float(rate) == pytest.approx(float(amount) / float(hours), abs=0.006)


def test_department_volumes_count_each_request_once(world: World):
    """A work item (an incident and its PSA mirror, an alert's tickets) is one request, counted in
    the month its first ticket opened, under its department and client (tickets.csv)."""
    items: dict[str, list[dict]] = defaultdict(list)
    for ticket in world.truth_rows("tickets.csv"):
        items[ticket["work_item"]].append(ticket)
    expected: dict[tuple[str, str, str], int] = defaultdict(int)
    for tickets in items.values():
        # The ConnectWise original first, then the others by ticket_id (the rule of the README).
        ranked = sorted(
            tickets, key=lambda t: (t["source_system"] != "connectwise", t["is_duplicate"] == "true", t["ticket_id"])
        )
        month = min(t["opened_at"] for t in tickets)[:7]
        client = next((t["client_id"] for t in ranked if t["client_id"]), "")
        expected[(month, client, ranked[0]["department"])] += 1
    found = {
        (month.strftime("%Y-%m"), client or "", department): opened
        for month, client, department, opened in world.query(
            "select month, client_id, department, requests_opened from marts.department_turnaround_monthly"
        )
    }
    assert found == dict(expected)


def test_readiness_follows_the_injected_friction(world: World):
    truth = {(r["system"], r["entity"]): r for r in world.truth_rows("system_map.csv")}

    def friction(system: str) -> int:
        return sum(
            int(r["duplicates"]) + int(r["orphans"]) + int(r["unmapped_values"])
            for (s, _), r in truth.items()
            if s == system
        )

    verdicts = dict(world.query("select integration_path, readiness from marts.integration_readiness"))
    # Jira shares no key with ServiceNow in the generated MSP: nothing can be linked yet.
    assert int(truth[("jira", "issues")]["records_linked"]) == 0
    assert verdicts["ITSM to ESM"] == "not_ready"
    # Alerts reach their PSA tickets and PSA tickets their incidents, with friction on the way.
    for path, systems in {
        "RMM to PSA": ("ninjaone", "connectwise"),
        "PSA to ITSM": ("connectwise", "servicenow"),
    }.items():
        expected = "ready_with_gaps" if sum(friction(s) for s in systems) else "ready"
        assert verdicts[path] == expected, path
