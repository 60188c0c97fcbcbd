"""The executive summary's sentences and the inline SVG charts, on hand-built tables."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from pipelines.evidence import charts
from pipelines.evidence.summary import executive_summary, headline

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
            {"action": "Invoice the billable time of wi:connectwise:7", "amount_at_risk": 250.0},
        ],
    }
    tables.update(overrides)
    return tables


def test_the_summary_says_what_changed_in_plain_sentences():
    text = executive_summary("Acme (CLIENT-A-1): evidence for March 2026", MARCH, _tables())
    assert text.splitlines()[0] == "# Acme (CLIENT-A-1): evidence for March 2026"
    assert "35 SLA clocks stopped in March 2026; 91.4 % met their target." in text
    assert (
        "Resolution SLA attainment fell from 96.1 % to 91.4 % over 35 clocks, with 3 breaches; "
        "3 of them P1, all in Network Incident." in text
    )
    assert "At the end of the month (2026-03-31), 5 tickets were open, 1 of them for more than 30 days." in text
    assert "Reconciliation found 2 exceptions this month; 1 still open, with 250.00 at risk." in text
    # Email Incident invoiced nothing, so the lowest invoiced category is Network Incident itself.
    assert "1,250.00 invoiced for 12.50 hours worked, an effective rate of 100.00 per hour." in text
    assert "Requests opened: IT 12 (mean turnaround 20.2 h)." in text
    assert text.endswith("## Key actions\n\n- Invoice the billable time of wi:connectwise:7 (250.00 at risk).\n")


def test_first_month_held_attainment_and_many_p1_categories():
    only_march = [r for r in _tables()["sla_trend"] if r["month"] == MARCH]
    assert "Resolution SLA attainment was 91.4 % over 35 clocks" in executive_summary(
        "x", MARCH, _tables(sla_trend=only_march)
    )
    held = [dict(r, attainment_pct=91.4) for r in _tables()["sla_trend"]]
    assert "Resolution SLA attainment held at 91.4 %" in executive_summary("x", MARCH, _tables(sla_trend=held))
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
    text = executive_summary("x", MARCH, _tables(sla_breaches=breaches))
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
        charts.bar_chart("SLA <by> priority", ["P1", "P2"], {"response": [50.0, None]}, unit="%", max_value=100),
        charts.stacked_bar_chart("Backlog", ["IT & Ops"], {"0-2d": [3], "31d+": [1]}),
        charts.line_chart("Trend", ["2026-01", "2026-02"], {"resolution": [80.0, 90.0]}, unit="%"),
        charts.bar_chart("Nothing", [], {}),
    ]
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "SLA &lt;by&gt; priority" in svgs[0] and "IT &amp; Ops" in svgs[1]
    assert len(ET.fromstring(svgs[2]).findall(".//{http://www.w3.org/2000/svg}circle")) == 2
    assert "no data" in svgs[3]
