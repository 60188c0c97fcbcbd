"""What an alert says, and how it reaches the webhook; nothing here knows Dagster.

Every alert names the installation (usm.yaml `alerts.instance_name`) in its title and ends with
where to look: the run in the Dagster UI (`alerts.dagster_url`), and for the snapshot's figures
the mart to open. Amounts carry the site's currency (usm.yaml `currency`). Counts, amounts and
identifiers only: never a record's free text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

TIMEOUT_SECONDS = 10
MAX_LISTED = 10
FEW = 5
"""Tickets and exceptions named in an alert; the rest are counted."""
MAX_CAUSE = 600
"""Characters of a step's error shown: the file and its reason fit, a stack of dbt output does not."""


@dataclass(frozen=True)
class Alert:
    title: str
    lines: list[str]

    def payload(self) -> dict[str, str]:
        """Slack incoming webhooks read `text`; Teams' legacy connectors (MessageCard) read `text`,
        and `summary` as the notification's subject. Lines are separated by a blank line: Teams
        joins lines separated by a single newline."""
        return {"text": "\n\n".join([self.title, *self.lines]), "summary": self.title}


@dataclass(frozen=True)
class Site:
    """Who is speaking and where its UI is."""

    instance: str
    dagster_url: str
    currency: str

    def title(self, subject: str) -> str:
        return f"[{self.instance}] {subject}"

    def run_url(self, run_id: str) -> str:
        return f"{self.dagster_url.rstrip('/')}/runs/{run_id}"

    def asset_url(self, key: str) -> str:
        return f"{self.dagster_url.rstrip('/')}/assets/{key}"

    def money(self, amount: Decimal | float) -> str:
        return f"{Decimal(str(amount)):,.2f} {self.currency}"


def _listed(lines: list[str], limit: int = MAX_LISTED) -> list[str]:
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"- and {len(lines) - limit} more"]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _utc(moment: datetime | float) -> str:
    """A moment as UTC; a naive datetime is UTC already (the marts' `_at` columns)."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    elif moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# --- A run that failed, or ended with failed blocking checks ------------------------------------


@dataclass(frozen=True)
class RunEnd:
    run_id: str
    job: str
    partitions: str
    """The partition or range the run was for; empty when none."""
    failed: bool
    failed_steps: Sequence[tuple[str, str]]
    """(step, cause) of every failed step, the cause as its error says it."""
    failed_checks: Sequence[str]
    """Failed blocking checks: `asset: check (n failing rows)`."""
    retries: int = 0
    """Automatic retries before this run (Dagster run retries), when it is one."""


def one_line_cause(text: str) -> str:
    """The first line of an error, cut to MAX_CAUSE characters."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "no error message")
    return line if len(line) <= MAX_CAUSE else line[: MAX_CAUSE - 1] + "…"


def run_end_alert(end: RunEnd, site: Site) -> Alert | None:
    """A failed run names its failed steps and their causes; a run with failed blocking checks
    names the checks and their assets. None for a run that succeeded with none."""
    if not end.failed and not end.failed_checks:
        return None
    about = f"job {end.job}" + (f", partitions {end.partitions}" if end.partitions else "")
    outcome = "failed" if end.failed else "succeeded"
    if end.failed and end.retries:
        outcome += f" after {end.retries} automatic {'retry' if end.retries == 1 else 'retries'}"
    lines = [f"Run {end.run_id[:8]} ({about}) {outcome}."]
    if end.failed_steps:
        lines.append(f"{_plural(len(end.failed_steps), 'failed step')}:")
        lines += _listed([f"- {step}: {one_line_cause(cause)}" for step, cause in end.failed_steps])
    if end.failed_checks:
        lines.append(f"{_plural(len(end.failed_checks), 'failed blocking check')}:")
        lines += _listed([f"- {check}" for check in end.failed_checks])
    lines.append(f"Where to look: {site.run_url(end.run_id)} (instance {site.instance})")
    if end.failed:
        subject = f"{end.job} run failed"
    else:
        subject = f"{_plural(len(end.failed_checks), 'blocking check')} failed in a {end.job} run"
    return Alert(title=site.title(subject), lines=lines)


# --- The figures of the analysts' snapshot --------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Where the figures were read: the snapshot file and the run that published it (None when the
    instance has no record of one)."""

    path: str
    run_id: str | None

    def look(self, site: Site, where: str) -> str:
        published = site.run_url(self.run_id) if self.run_id else site.asset_url("publish/marts_snapshot")
        return f"Where to look: {where} in {self.path}; published by {published} (instance {site.instance})"


def _exception_subject(exception_type: str, entity_type: str, entity_id: str, tickets: str | None) -> str:
    """The tickets people know for a work item's exception; otherwise the time entry or invoice."""
    about = tickets or f"{entity_type.replace('_', ' ')} {entity_id}"
    return f"{about} ({exception_type})"


def amount_at_risk_alert(rows: list[tuple], threshold: float, site: Site, snapshot: Snapshot) -> Alert | None:
    """rows: every open exception as (exception type, entity type, entity id, its tickets or None,
    amount at risk). None while the total is not above the threshold."""
    amounts = [Decimal(str(row[4] or 0)) for row in rows]
    total = sum(amounts, Decimal(0))
    if total <= Decimal(str(threshold)):
        return None
    by_reason: dict[str, tuple[int, Decimal]] = {}
    for (kind, *_), amount in zip(rows, amounts, strict=True):
        count, subtotal = by_reason.get(kind, (0, Decimal(0)))
        by_reason[kind] = (count + 1, subtotal + amount)
    largest = sorted(zip(rows, amounts, strict=True), key=lambda pair: (-pair[1], pair[0][2]))
    return Alert(
        title=site.title(f"amount at risk {site.money(total)}, above threshold"),
        lines=[
            f"Open reconciliation exceptions: {len(rows)}, amount at risk {site.money(total)} "
            f"(threshold {site.money(threshold)}).",
            "By reason:",
            *_listed(
                [
                    f"- {kind}: {count} open, {site.money(subtotal)}"
                    for kind, (count, subtotal) in sorted(by_reason.items(), key=lambda item: (-item[1][1], item[0]))
                ]
            ),
            "Largest:",
            *_listed([f"- {_exception_subject(*row[:4])}: {site.money(amount)}" for row, amount in largest], FEW),
            snapshot.look(site, "marts.recon_exceptions (review_status = 'open')"),
        ],
    )


def sla_at_risk_alert(rows: list[tuple], threshold: int, site: Site, snapshot: Snapshot) -> Alert | None:
    """rows: every running SLA clock at risk as (ticket id, SLA metric, due at, UTC), soonest due
    first. None while they are not more than the threshold."""
    if len(rows) <= threshold:
        return None
    per_metric: dict[str, int] = {}
    for _, metric, _ in rows:
        per_metric[metric] = per_metric.get(metric, 0) + 1
    return Alert(
        title=site.title(f"{_plural(len(rows), 'SLA clock')} at risk of breaching"),
        lines=[
            f"{_plural(len(rows), 'running SLA clock')} {'is' if len(rows) == 1 else 'are'} at risk of breaching "
            f"(threshold {threshold}).",
            *_listed([f"- {metric}: {n}" for metric, n in sorted(per_metric.items(), key=lambda i: (-i[1], i[0]))]),
            "Due first:",
            *_listed(
                [f"- {ticket} {metric}, due {_utc(due) if due else 'unknown'}" for ticket, metric, due in rows],
                FEW,
            ),
            snapshot.look(site, "marts.ticket_sla (is_at_risk)"),
        ],
    )


# --- Freshness ---------------------------------------------------------------------------------


def freshness_alert(stale: dict[str, tuple[float, timedelta, str]], now: float, site: Site, first: str) -> Alert:
    """stale: asset key -> (its last materialization's time, its fail window, the run that made it);
    `first` is listed first (what analysts read)."""
    hours = sorted({round(window.total_seconds() / 3600) for _, window, _ in stale.values()})
    ordered = sorted(stale.items(), key=lambda item: (item[0] != first, item[0]))
    _, (_, _, last_run) = ordered[0]
    return Alert(
        title=site.title(f"{_plural(len(stale), 'asset')} not refreshed"),
        lines=[
            f"Not materialized within their freshness window ({', '.join(f'{h} h' for h in hours)}): "
            "a night that did not run, or did not finish.",
            *_listed(
                [f"- {key}: last materialized {_utc(at)} ({(now - at) / 3600:.0f} h ago)" for key, (at, *_) in ordered]
            ),
            f"Where to look: {site.run_url(last_run)}, the last run that built {ordered[0][0]}, and the runs "
            f"after it (instance {site.instance})",
        ],
    )


# --- Delivery --------------------------------------------------------------------------------


class WebhookError(Exception):
    """The webhook did not take an alert. The message never holds the URL (a secret)."""

    def __init__(self, message: str, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


def post_webhook(url: str, alert: Alert) -> None:
    """POST the alert as JSON, once; the caller's retry policy decides whether to try again."""
    try:
        response = httpx.post(url, json=alert.payload(), timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        raise WebhookError(f"the webhook did not answer ({type(error).__name__})", retryable=True) from None
    if not response.is_success:
        # A wrong URL or a refused payload: the same request again will not help. A 5xx or a 429 may pass later.
        retryable = response.status_code >= 500 or response.status_code == 429
        raise WebhookError(f"the webhook answered HTTP {response.status_code}", retryable=retryable)
