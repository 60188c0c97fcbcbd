"""marts.ticket_sla against the generator's truth/sla.csv, which the generator computes with
its own business time (pipelines/generator/business_time.py) from the lifecycles it planned."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

COLUMNS = [
    "ticket_id",
    "sla_metric",
    "target_minutes",
    "due_at",
    "elapsed_business_minutes",
    "paused_business_minutes",
    "is_met",
    "is_breached",
    "breach_minutes",
]


def _row(values: dict) -> tuple:
    def text(v):
        if v is None or v == "":
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        if hasattr(v, "strftime"):
            return v.strftime("%Y-%m-%d %H:%M:%S")
        return str(v)

    return (
        values["ticket_id"],
        values["sla_metric"],
        int(values["target_minutes"]),
        text(values["due_at"]),
        round(float(values["elapsed_business_minutes"]), 2),
        round(float(values["paused_business_minutes"]), 2),
        text(values["is_met"]),
        text(values["is_breached"]),
        round(float(values["breach_minutes"]), 2),
    )


def test_ticket_sla_matches_the_truth_exactly(world):
    expected = {_row(r) for r in world.truth_rows("sla.csv")}
    actual = {_row(r) for r in world.query_dicts(f"SELECT {', '.join(COLUMNS)} FROM marts.ticket_sla")}
    assert any(r[7] == "true" for r in expected), "no breach in the truth: the test would prove nothing"
    assert any(r[5] > 0 for r in expected), "no pause in the truth: the test would prove nothing"
    missing, extra = sorted(expected - actual, key=str), sorted(actual - expected, key=str)
    assert expected == actual, (
        f"{world.name}: missing {len(missing)}: {missing[:10]}\nunexpected {len(extra)}: {extra[:10]}"
    )


def test_sla_attainment_adds_up_to_ticket_sla(world):
    (stopped,) = world.query("SELECT count(*) FROM marts.ticket_sla WHERE is_met IS NOT NULL")[0]
    (counted,) = world.query("SELECT sum(tickets) FROM marts.sla_attainment_monthly")[0]
    assert stopped == counted


def test_backlog_today_is_the_open_tickets(world):
    expected = sum(
        1
        for r in world.truth_rows("tickets.csv")
        if r["status_category"] in ("open", "on_hold") and r["is_duplicate"] == "false"
    )
    (actual,) = world.query(
        "SELECT coalesce(sum(open_tickets), 0) FROM marts.backlog_daily"
        " WHERE snapshot_date = (SELECT max(snapshot_date) FROM marts.backlog_daily)"
    )[0]
    assert actual == expected


def test_parity_agrees_with_the_vendors_except_for_known_reasons(world):
    rows = world.query_dicts("SELECT * FROM marts.sla_parity")
    assert rows, "no vendor verdicts"
    agreed = sum(r["is_agreed"] for r in rows)
    assert agreed / len(rows) > 0.95
    assert all(r["reason"] for r in rows if not r["is_agreed"])


def test_pauses_are_the_on_hold_intervals_of_the_truth(world):
    expected = {(r["ticket_id"], r["paused_from"], r["paused_to"] or None) for r in world.truth_rows("pauses.csv")}
    actual = {
        (ticket_id, paused_from.strftime("%Y-%m-%d %H:%M:%S"), paused_to and paused_to.strftime("%Y-%m-%d %H:%M:%S"))
        for ticket_id, paused_from, paused_to in world.query(
            "SELECT ticket_id, clock_from, clock_to FROM intermediate.int_ticket_state_history WHERE clock = 'paused'"
        )
    }
    assert expected, "no pause in the truth"
    assert expected == actual
