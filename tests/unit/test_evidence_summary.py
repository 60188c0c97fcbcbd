"""The executive summary's sentences, the inline SVG charts and the key actions' tickets, on
hand-built tables."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import duckdb

from pipelines.evidence import charts
from pipelines.evidence.summary import executive_summary, headline, pct
from pipelines.evidence.tables import TABLES

MARCH, FEBRUARY = date(2026, 3, 1), date(2026, 2, 1)


def _tables(**overrides) -> dict[str, list[dict]]:
    tables = {
        # February: 74 of 77 resolution clocks met = 96.10 %; March: 32 of 35 = 91.43 %.
        "sla_attainment": [
            {
                "sla_metric": "resolution",
                "priority": "P1",
                "tickets": 5,
                "met": 2,
                "breached": 3,
                "attainment_pct": 40.0,
            },
            {
                "sla_metric": "resolution",
                "priority": "P3",
                "tickets": 30,
                "met": 30,
                "breached": 0,
                "attainment_pct": 100.0,
            },
        ],
        "sla_trend": [
            {
                "month": FEBRUARY,
                "sla_metric": "resolution",
                "tickets": 77,
                "met": 74,
                "breached": 3,
                "attainment_pct": 96.1,
            },
            {
                "month": MARCH,
                "sla_metric": "resolution",
                "tickets": 35,
                "met": 32,
                "breached": 3,
                "attainment_pct": 91.4,
            },
        ],
        "sla_breaches": [
            {
                "ticket_id": f"servicenow:INC00{n}",
                "sla_metric": "resolution",
                "priority": "P1",
                "category": "Network Incident",
            }
            for n in range(3)
        ],
        "backlog_aging": [
            {"snapshot_date": date(2026, 3, 31), "department": "IT", "age_bucket": "0-2d", "open_tickets": 4},
            {"snapshot_date": date(2026, 3, 31), "department": "IT", "age_bucket": "31d+", "open_tickets": 1},
        ],
        "reconciliation_exceptions": [
            {"exception_type": "time_not_invoiced", "exceptions": 2, "open_exceptions": 1, "amount_at_risk": 250.0},
        ],
        # 1,250.00 + 0.00 invoiced for 10 + 2.5 hours: 100.00 per hour.
        "revenue_vs_effort": [
            {
                "category": "Network Incident",
                "hours_worked": 10.0,
                "billable_hours": 10.0,
                "invoiced_amount": 1250.0,
                "effective_hourly_rate": 125.0,
            },
            {
                "category": "Email Incident",
                "hours_worked": 2.5,
                "billable_hours": 2.5,
                "invoiced_amount": 0.0,
                "effective_hourly_rate": 0.0,
            },
        ],
        "department_turnaround": [
            {"department": "IT", "requests_opened": 12, "requests_resolved": 10, "mean_turnaround_hours": 20.25},
        ],
        "key_actions": [
            {"action": "Invoice the billable time of ConnectWise #7", "amount_at_risk": 250.0},
        ],
    }
    tables.update(overrides)
    return tables


def test_the_summary_says_what_changed_in_plain_sentences():
    text = executive_summary("Acme (CLIENT-A-1): evidence for March 2026", MARCH, _tables(), "USD")
    assert text.splitlines()[0] == "# Acme (CLIENT-A-1): evidence for March 2026"
    assert "35 SLA clocks stopped in March 2026; 91.4 % met their target." in text
    assert (
        "Resolution SLA attainment fell from 96.1 % to 91.4 % over 35 clocks, with 3 breaches; "
        "3 of them P1, all in Network Incident." in text
    )
    assert "At the end of the month (2026-03-31), 5 tickets were open, 1 of them for more than 30 days." in text
    assert "Reconciliation found 2 exceptions this month; 1 still open, with 250.00 USD at risk." in text
    # Email Incident invoiced nothing, so the lowest invoiced category is Network Incident itself.
    assert "1,250.00 USD invoiced for 12.50 hours worked, an effective rate of 100.00 USD per hour." in text
    assert "Requests opened: IT 12 (mean turnaround 20.2 h)." in text
    assert text.endswith("## Key actions\n\n- Invoice the billable time of ConnectWise #7 (250.00 USD at risk).\n")


def test_every_amount_carries_the_currency_given():
    text = executive_summary("x", MARCH, _tables(), "EUR")
    # 250.00 at risk (twice: the sentence and the action), 1,250.00 invoiced, 100.00 per hour.
    assert text.count(" EUR") == 4 and "USD" not in text
    assert "with 250.00 EUR at risk" in text and "1,250.00 EUR invoiced" in text
    assert "an effective rate of 100.00 EUR per hour" in text and "(250.00 EUR at risk)" in text


def test_first_month_held_attainment_and_many_p1_categories():
    only_march = [r for r in _tables()["sla_trend"] if r["month"] == MARCH]
    assert "Resolution SLA attainment was 91.4 % over 35 clocks" in executive_summary(
        "x", MARCH, _tables(sla_trend=only_march), "USD"
    )
    held = [dict(r, attainment_pct=91.4) for r in _tables()["sla_trend"]]
    assert "Resolution SLA attainment held at 91.4 %" in executive_summary("x", MARCH, _tables(sla_trend=held), "USD")
    # Five categories with P1 breaches (2, 1, 1, 1, 1): the top three by count then name, and the rest counted.
    breaches = [
        {"sla_metric": "resolution", "priority": "P1", "category": c}
        for c in [
            "Network Incident",
            "Network Incident",
            "Email Incident",
            "Backup Failure",
            "Security Incident",
            "Workplace Move",
        ]
    ]
    text = executive_summary("x", MARCH, _tables(sla_breaches=breaches), "USD")
    assert (
        "6 of them P1, in Network Incident (2), Backup Failure (1), Email Incident (1) and 2 other categories."
    ) in text


def test_headline_figures_add_up_the_tables():
    figures = headline(_tables())
    assert (figures.sla_clocks, figures.sla_met, figures.sla_breaches, figures.sla_attainment_pct) == (35, 32, 3, 91.4)
    assert (figures.open_backlog, figures.backlog_over_30_days) == (5, 1)
    assert (figures.hours_worked, figures.invoiced_amount, figures.effective_hourly_rate) == (12.5, 1250.0, 100.0)
    empty = headline(_tables(sla_attainment=[], revenue_vs_effort=[]))
    assert empty.sla_attainment_pct is None and empty.effective_hourly_rate is None


def test_charts_are_well_formed_svg_with_escaped_labels():
    svgs = [
        charts.bar_chart("SLA <by> priority", ["P1", "P2"], {"response": [50.0, None]}, fmt=pct, max_value=100),
        charts.stacked_bar_chart("Backlog", ["IT & Ops"], {"0-2d": [3], "31d+": [1]}),
        charts.line_chart("Trend", ["2026-01", "2026-02"], {"resolution": [80.0, 90.0]}, fmt=pct, max_value=100),
        charts.bar_chart("Nothing", [], {}),
    ]
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "SLA &lt;by&gt; priority" in svgs[0] and "IT &amp; Ops" in svgs[1]
    assert len(ET.fromstring(svgs[2]).findall(".//{http://www.w3.org/2000/svg}circle")) == 2
    assert "no data" in svgs[3]
    # Axis labels and tooltips are written by the format given: 0 to 100 % in quarters, and the value.
    assert [t.text for t in ET.fromstring(svgs[2]).iter("{http://www.w3.org/2000/svg}text")][:5] == [
        "0.0 %",
        "25.0 %",
        "50.0 %",
        "75.0 %",
        "100.0 %",
    ]
    assert "resolution: 90.0 %" in svgs[2]


def test_an_amount_axis_leaves_room_for_its_labels():
    """The plot starts right of its longest axis label, so that a wide amount is not cut off."""
    svg = charts.bar_chart("At risk", ["credited"], {"at risk": [123456.0]}, fmt=lambda v: f"{v:,.2f} EUR")
    labels = [t for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text") if t.get("text-anchor") == "end"]
    assert labels[-1].text == "123,456.00 EUR"
    # 14 characters at 6.2 px each, a margin of 8 px and the gap of 4 px before the plot.
    assert float(labels[-1].get("x")) == round(8 + 14 * 6.2 - 4, 1)


# A work item of each kind, the tickets people know it by and what the packet must call it:
# ConnectWise first (not its duplicate), else ServiceNow, else Jira.
TICKETS = [
    # ticket_id, source_system, client_id, category, work_item_id, is_duplicate
    ("connectwise:100700", "connectwise", "CLIENT-A", "Email Incident", "wi:aaa", False),
    ("connectwise:100701", "connectwise", "CLIENT-A", "Email Incident", "wi:aaa", True),
    ("servicenow:INC0010426", "servicenow", "CLIENT-A", "Email Incident", "wi:aaa", False),
    ("servicenow:INC0010001", "servicenow", "CLIENT-A", "Network Incident", "wi:bbb", False),
    ("jira:ITSD-4", "jira", "CLIENT-A", "Network Incident", "wi:bbb", False),
    ("jira:FAC-12", "jira", "CLIENT-B", "Workplace Move", "wi:ccc", False),
]
EXCEPTIONS = [
    # exception_id, exception_type, entity_type, entity_id, client_id, amount_at_risk, detected_on, review_status
    ("e1", "is_double_billed", "work_item", "wi:aaa", "CLIENT-A", 300, MARCH, "open"),
    ("e2", "missing_time", "work_item", "wi:bbb", "CLIENT-A", 200, MARCH, "open"),
    ("e3", "time_not_invoiced", "work_item", "wi:ccc", "CLIENT-B", 100, MARCH, "open"),
    ("e4", "orphan_time_entry", "time_entry", "300075", "CLIENT-A", 50, MARCH, "open"),
    ("e5", "credited", "work_item", "wi:aaa", "CLIENT-A", 900, MARCH, "credited"),
]


def _key_actions(client: str | None) -> list[tuple]:
    sql = next(table.sql for table in TABLES if table.name == "key_actions")
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_tickets (ticket_id varchar, source_system varchar, client_id varchar, "
            "category varchar, work_item_id varchar, is_duplicate boolean)"
        )
        con.executemany("insert into marts.fct_tickets values (?, ?, ?, ?, ?, ?)", TICKETS)
        con.execute(
            "create table marts.recon_exceptions (exception_id varchar, exception_type varchar, entity_type varchar, "
            "entity_id varchar, client_id varchar, amount_at_risk decimal(18, 2), detected_on date, "
            "review_status varchar)"
        )
        con.executemany("insert into marts.recon_exceptions values (?, ?, ?, ?, ?, ?, ?, ?)", EXCEPTIONS)
        cursor = con.execute(sql, {"month": MARCH, "client": client})
        names = [d[0] for d in cursor.description]
        return [tuple(row[names.index(c)] for c in ("ticket", "category", "action")) for row in cursor.fetchall()]


def test_key_actions_name_the_tickets_people_know():
    assert _key_actions(None) == [
        (
            "ConnectWise #100700",
            "Email Incident",
            "Credit the time billed twice on ConnectWise #100700 and merge its duplicate tickets (ConnectWise #100701)",
        ),
        ("ServiceNow INC0010001", "Network Incident", "Have the time of ServiceNow INC0010001 logged"),
        ("Jira FAC-12", "Workplace Move", "Invoice the billable time of Jira FAC-12"),
        ("time entry 300075", None, "Charge time entry 300075 to an existing ticket"),
    ]
    # A client's packet: its own actions only (e5 is decided, so no action at all).
    assert [row[0] for row in _key_actions("CLIENT-B")] == ["Jira FAC-12"]
