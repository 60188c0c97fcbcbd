"""The executive summary: plain sentences generated from a packet's tables, deterministic.

Every figure is one the packet's tables hold (the tests read them back from the marts)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

METRICS = ("response", "resolution", "approval")
OLD_BACKLOG = "31d+"
TOP_CATEGORIES = 3
"""A sentence names the categories with the most P1 breaches, up to this many."""


def month_label(month: date) -> str:
    return month.strftime("%B %Y")


def pct(value: float) -> str:
    return f"{value:.1f} %"


def money(value, currency: str) -> str:
    """Every amount of a packet, with the site's currency (usm.yaml `currency`) after it, as the
    alerts write it: "1,234.50 EUR"."""
    return f"{float(value):,.2f} {currency}"


def hours(value) -> str:
    return f"{float(value):,.2f}"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} " + (word if n == 1 else plural or word + "s")


@dataclass(frozen=True)
class Headline:
    """The figures at the top of a packet and in the Dagster metadata."""

    sla_clocks: int
    sla_met: int
    sla_breaches: int
    sla_attainment_pct: float | None
    open_backlog: int
    backlog_over_30_days: int
    exceptions: int
    open_exceptions: int
    amount_at_risk: float
    hours_worked: float
    invoiced_amount: float
    effective_hourly_rate: float | None
    requests_opened: int

    def as_metadata(self) -> dict[str, float | int]:
        return {name: value for name, value in self.__dict__.items() if value is not None}


def headline(tables: dict[str, list[dict]]) -> Headline:
    sla = tables["sla_attainment"]
    clocks, met = sum(r["tickets"] for r in sla), sum(r["met"] for r in sla)
    worked = round(sum(float(r["hours_worked"]) for r in tables["revenue_vs_effort"]), 2)
    invoiced = round(sum(float(r["invoiced_amount"]) for r in tables["revenue_vs_effort"]), 2)
    exceptions = tables["reconciliation_exceptions"]
    return Headline(
        sla_clocks=clocks,
        sla_met=met,
        sla_breaches=sum(r["breached"] for r in sla),
        sla_attainment_pct=round(100.0 * met / clocks, 1) if clocks else None,
        open_backlog=sum(r["open_tickets"] for r in tables["backlog_aging"]),
        backlog_over_30_days=sum(r["open_tickets"] for r in tables["backlog_aging"] if r["age_bucket"] == OLD_BACKLOG),
        exceptions=sum(r["exceptions"] for r in exceptions),
        open_exceptions=sum(r["open_exceptions"] for r in exceptions),
        amount_at_risk=round(sum(float(r["amount_at_risk"]) for r in exceptions), 2),
        hours_worked=worked,
        invoiced_amount=invoiced,
        effective_hourly_rate=round(invoiced / worked, 2) if worked else None,
        requests_opened=sum(r["requests_opened"] for r in tables["department_turnaround"]),
    )


def _sla_sentence(metric: str, month: date, tables: dict[str, list[dict]]) -> str | None:
    by_month = {r["month"]: r for r in tables["sla_trend"] if r["sla_metric"] == metric}
    now = by_month.get(month)
    if now is None:
        return None
    previous_month = max((m for m in by_month if m < month), default=None)
    before = by_month.get(previous_month) if previous_month and _months_apart(previous_month, month) == 1 else None
    name = f"{metric.capitalize()} SLA attainment"
    current = pct(now["attainment_pct"])
    if before is None:
        sentence = f"{name} was {current}"
    elif now["attainment_pct"] > before["attainment_pct"]:
        sentence = f"{name} rose from {pct(before['attainment_pct'])} to {current}"
    elif now["attainment_pct"] < before["attainment_pct"]:
        sentence = f"{name} fell from {pct(before['attainment_pct'])} to {current}"
    else:
        sentence = f"{name} held at {current}"
    sentence += f" over {_plural(now['tickets'], 'clock')}"
    breaches = [r for r in tables["sla_breaches"] if r["sla_metric"] == metric]
    if not breaches:
        return sentence + ", with no breach."
    sentence += f", with {_plural(len(breaches), 'breach', 'breaches')}"
    p1 = [r for r in breaches if r["priority"] == "P1"]
    if p1:
        categories = Counter(r["category"] or "an unmapped category" for r in p1)
        ranked = sorted(categories.items(), key=lambda item: (-item[1], item[0]))
        parts = [f"{category} ({n})" for category, n in ranked[:TOP_CATEGORIES]]
        if len(ranked) == 1:
            where = f"all in {ranked[0][0]}"
        elif len(ranked) <= TOP_CATEGORIES:
            where = "in " + ", ".join(parts[:-1]) + " and " + parts[-1]
        else:
            rest = len(ranked) - TOP_CATEGORIES
            where = "in " + ", ".join(parts) + f" and {rest} other categor{'y' if rest == 1 else 'ies'}"
        sentence += f"; {len(p1)} of them P1, {where}"
    return sentence + "."


def _months_apart(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def sentences(month: date, tables: dict[str, list[dict]], currency: str) -> list[str]:
    """The summary's sentences, in the order a reader wants them: SLAs, backlog, money, demand."""
    figures = headline(tables)
    sentences = []
    if figures.sla_clocks:
        sentences.append(
            f"{_plural(figures.sla_clocks, 'SLA clock')} stopped in {month_label(month)}; "
            f"{pct(figures.sla_attainment_pct)} met their target."
        )
    else:
        sentences.append(f"No SLA clock stopped in {month_label(month)}.")
    sentences += [s for metric in METRICS if (s := _sla_sentence(metric, month, tables))]
    if figures.open_backlog:
        snapshot = tables["backlog_aging"][0]["snapshot_date"]
        sentences.append(
            f"At the end of the month ({snapshot.isoformat()}), {_plural(figures.open_backlog, 'ticket')} "
            f"{'was' if figures.open_backlog == 1 else 'were'} open, "
            f"{f'{figures.backlog_over_30_days:,}' if figures.backlog_over_30_days else 'none'} "
            "of them for more than 30 days."
        )
    else:
        sentences.append("No ticket was open at the end of the month.")
    if figures.exceptions:
        sentences.append(
            f"Reconciliation found {_plural(figures.exceptions, 'exception')} this month; "
            f"{figures.open_exceptions:,} still open, with {money(figures.amount_at_risk, currency)} at risk."
        )
    else:
        sentences.append("Reconciliation found no exception this month.")
    if figures.hours_worked:
        sentence = (
            f"{money(figures.invoiced_amount, currency)} invoiced for {hours(figures.hours_worked)} hours worked, "
            f"an effective rate of {money(figures.effective_hourly_rate, currency)} per hour"
        )
        # The lowest rate among categories that bill: work covered by an agreement earns 0 by design.
        rated = [r for r in tables["revenue_vs_effort"] if r["category"] and r["invoiced_amount"]]
        if len(rated) > 1:
            lowest = min(rated, key=lambda r: (float(r["effective_hourly_rate"]), r["category"]))
            sentence += (
                f"; the lowest of the categories invoiced is {lowest['category']} "
                f"({money(lowest['effective_hourly_rate'], currency)} per hour)"
            )
        sentences.append(sentence + ".")
    else:
        sentences.append("No time was logged this month.")
    departments = tables["department_turnaround"]
    if departments:
        parts = [
            f"{r['department']} {r['requests_opened']:,}"
            + (
                f" (mean turnaround {r['mean_turnaround_hours']:.1f} h)"
                if r["mean_turnaround_hours"] is not None
                else ""
            )
            for r in departments
        ]
        sentences.append("Requests opened: " + ", ".join(parts) + ".")
    return sentences


def key_actions(tables: dict[str, list[dict]], currency: str) -> list[str]:
    actions = tables["key_actions"]
    if not actions:
        return ["No open reconciliation exception."]
    return [f"{r['action']} ({money(r['amount_at_risk'] or 0, currency)} at risk)." for r in actions]


def executive_summary(title: str, month: date, tables: dict[str, list[dict]], currency: str) -> str:
    """summary.md: a title, the sentences, and the key actions as a list."""
    lines = [f"# {title}", "", *sentences(month, tables, currency), "", "## Key actions", ""]
    lines += [f"- {action}" for action in key_actions(tables, currency)]
    return "\n".join(lines) + "\n"
