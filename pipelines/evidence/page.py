"""packet.html: one self-contained page (inline CSS and SVG, no script, nothing fetched)."""

from __future__ import annotations

from datetime import date, datetime
from html import escape

import pyarrow as pa

from pipelines.evidence import charts
from pipelines.evidence.summary import METRICS, Headline, key_actions, money, pct, sentences
from pipelines.evidence.tables import TABLES, PacketTable

TABLE_ROWS_SHOWN = 25
AGE_BUCKETS = ("0-2d", "3-7d", "8-30d", "31d+")
LONG_WORD = 24
"""A table cell with a word longer than this (an id, a hash, a path) may break inside it: a
table grows to its words' width, so one such word would push the table past the page."""

# The page fits a 1280 px screen whatever the values: text wraps between words, a word longer
# than LONG_WORD anywhere; numbers, amounts and dates keep to one line.
STYLE = """
body { font-family: sans-serif; margin: 2em auto; padding: 0 1em; max-width: 60em; color: #222;
  overflow-wrap: anywhere; }
td { overflow-wrap: normal; } td.long { overflow-wrap: anywhere; }
svg { max-width: 100%; height: auto; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 2em; }
.note { color: #666; font-size: 0.9em; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 1em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 1em; min-width: 9em; }
.card b { display: block; font-size: 1.4em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.25em 0.7em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.d { white-space: nowrap; }
"""


def _cell(value, currency: str | None) -> str:
    """One value; `currency` when the column is an amount of money."""
    if value is None:
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if currency is not None:
        return f'<td class="n">{escape(money(value, currency))}</td>'
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return f'<td class="n">{escape(_number(value))}</td>'
    if isinstance(value, datetime):
        return f"<td>{value.isoformat(sep=' ')}</td>"
    if isinstance(value, date):
        return f'<td class="d">{value.isoformat()}</td>'
    text = str(value)
    long = any(len(word) > LONG_WORD for word in text.split())
    return f'<td class="long">{escape(text)}</td>' if long else f"<td>{escape(text)}</td>"


def _number(value) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.2f}"


def _table(spec: PacketTable, table: pa.Table, currency: str) -> str:
    rows = table.to_pylist()
    # A column name breaks after its underscores, not inside a word.
    head = "".join(f"<th>{escape(column).replace('_', '_<wbr>')}</th>" for column in table.column_names)
    units = {c: currency if c in spec.amounts else None for c in table.column_names}
    body = "".join(
        "<tr>" + "".join(_cell(row[c], units[c]) for c in table.column_names) + "</tr>"
        for row in rows[:TABLE_ROWS_SHOWN]
    )
    more = (
        f'<p class="note">{len(rows) - TABLE_ROWS_SHOWN:,} more rows in {spec.name}.csv.</p>'
        if len(rows) > TABLE_ROWS_SHOWN
        else ""
    )
    empty = '<p class="note">Nothing this month.</p>' if not rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}{empty}"


def _cards(figures: Headline, currency: str) -> str:
    cards = [
        ("SLA attainment", pct(figures.sla_attainment_pct) if figures.sla_attainment_pct is not None else "n/a"),
        ("SLA breaches", f"{figures.sla_breaches:,}"),
        ("Open backlog", f"{figures.open_backlog:,}"),
        ("At risk, found this month", money(figures.amount_at_risk, currency)),
        ("Invoiced", money(figures.invoiced_amount, currency)),
        ("Hours worked", f"{figures.hours_worked:,.2f}"),
    ]
    return (
        '<div class="cards">'
        + "".join(f'<div class="card">{escape(k)}<b>{escape(v)}</b></div>' for k, v in cards)
        + "</div>"
    )


def _charts(rows: dict[str, list[dict]], currency: str) -> dict[str, str]:
    attainment = rows["sla_attainment"]
    priorities = sorted({r["priority"] or "unknown" for r in attainment})
    metrics = [m for m in METRICS if any(r["sla_metric"] == m for r in attainment)]
    by_key = {(r["sla_metric"], r["priority"] or "unknown"): r["attainment_pct"] for r in attainment}
    trend = rows["sla_trend"]
    months = sorted({r["month"] for r in trend})
    trend_key = {(r["sla_metric"], r["month"]): r["attainment_pct"] for r in trend}
    trend_metrics = [m for m in METRICS if any(r["sla_metric"] == m for r in trend)]
    backlog = rows["backlog_aging"]
    departments = sorted({r["department"] for r in backlog})
    aged = {(r["department"], r["age_bucket"]): r["open_tickets"] for r in backlog}
    revenue = [r for r in rows["revenue_vs_effort"] if r["effective_hourly_rate"] is not None]
    exceptions = rows["reconciliation_exceptions"]
    turnaround = rows["department_turnaround"]
    return {
        "sla_attainment": charts.bar_chart(
            "SLA attainment by priority (%)",
            priorities,
            {m: [by_key.get((m, p)) for p in priorities] for m in metrics},
            fmt=pct,
            max_value=100,
        ),
        "sla_trend": charts.line_chart(
            "SLA attainment, last four months (%)",
            [m.strftime("%Y-%m") for m in months],
            {m: [trend_key.get((m, month)) for month in months] for m in trend_metrics},
            fmt=pct,
            max_value=100,
        ),
        "backlog_aging": charts.stacked_bar_chart(
            "Open tickets by department and age",
            departments,
            {bucket: [aged.get((d, bucket), 0) for d in departments] for bucket in AGE_BUCKETS},
        ),
        "reconciliation_exceptions": charts.bar_chart(
            "Amount at risk by exception type",
            [r["exception_type"] for r in exceptions],
            {"amount at risk": [float(r["amount_at_risk"]) for r in exceptions]},
            fmt=lambda value: money(value, currency),
        ),
        "revenue_vs_effort": charts.bar_chart(
            "Effective hourly rate by category",
            [r["category"] or "unmapped" for r in revenue],
            {"invoiced per hour worked": [float(r["effective_hourly_rate"]) for r in revenue]},
            fmt=lambda value: money(value, currency),
        ),
        "department_turnaround": charts.bar_chart(
            "Requests opened by department",
            [r["department"] for r in turnaround],
            {
                "opened": [r["requests_opened"] for r in turnaround],
                "resolved": [r["requests_resolved"] for r in turnaround],
            },
        ),
    }


def render(title: str, month: date, tables: dict[str, pa.Table], figures: Headline, currency: str) -> str:
    rows = {name: table.to_pylist() for name, table in tables.items()}
    svgs = _charts(rows, currency)
    summary = "".join(f"<p>{escape(s)}</p>" for s in sentences(month, rows, currency))
    actions = "".join(f"<li>{escape(a)}</li>" for a in key_actions(rows, currency))
    sections = []
    for table in TABLES:
        chart = svgs.get(table.name, "")
        sections.append(
            f'<section id="{table.name}"><h2>{escape(table.title)}</h2>{chart}'
            f"{_table(table, tables[table.name], currency)}</section>"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        '<p class="note">Generated by USM from the marts. Every table is also in this folder as CSV and '
        "Parquet.</p>"
        f"{_cards(figures, currency)}<h2>Summary</h2>{summary}<h2>Key actions</h2><ul>{actions}</ul>"
        + "".join(sections)
        + "</body></html>\n"
    )
