"""Webhook alerts, and the freshness policy that flags a night that did not run.

The sensor `usm_alerts` (stopped by default, like `new_extract_files`) posts to the webhook whose
URL is in the environment variable named by usm.yaml `alerts.webhook_url_env` when

- a run ended with a failed blocking check (Pandera on the raw tables; dbt tests of severity error),
  one post per such run, naming the checks;
- the amount at risk of open reconciliation exceptions rises above `alerts.amount_at_risk_threshold`;
- more running SLA clocks are at risk (`marts.ticket_sla.is_at_risk`) than `alerts.sla_at_risk_threshold`;
- an asset with a freshness policy (the marts and their snapshot) is older than its fail window.

The figures come from the analysts' snapshot `$USM_OUTPUT_DIR/usm_marts.duckdb`, opened read-only,
never from the warehouse, so the sensor never waits for a run or blocks one. Each occurrence is
posted once: the cursor keeps the last run-end event read, whether each figure was already above
its threshold (a post when it rises above, none while it stays there), and the stale materializations
already reported. A post that fails is tried again at the next tick.

A plain sensor rather than a run-status sensor: three of the four conditions are the state of the
snapshot and of the event log rather than the outcome of one run, and a night that did not run
leaves no run to react to.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import httpx

from pipelines import settings
from pipelines.lib.snapshot import SNAPSHOT_FILE

# The nightly run publishes the marts at about the same time every day: one older than 26 hours
# missed a night (a late night warns from 25 hours). Dagster's freshness daemon evaluates the policy
# for the UI; the sensor below posts when it fails.
NIGHTLY_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26), warn_window=timedelta(hours=25))
SNAPSHOT = "publish/marts_snapshot"


def with_nightly_freshness(spec: dg.AssetSpec) -> dg.AssetSpec:
    """The policy on a mart (group `marts`, the dbt models' layer); the dbt translator applies it.
    The snapshot's asset names the policy itself."""
    if spec.group_name == "marts":
        return spec.replace_attributes(freshness_policy=NIGHTLY_FRESHNESS)
    return spec


TIMEOUT_SECONDS = 10
RETRY_DELAY_SECONDS = 1
FIRST_TICK_LOOKBACK = timedelta(days=1)
"""Without a cursor (the first tick), runs that ended in the last day are looked at, not the whole history."""
RUN_ENDS_PER_TICK = 100
MAX_LISTED = 10
RUN_END_EVENTS = (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE)


@dataclass(frozen=True)
class Alert:
    title: str
    lines: list[str]

    def payload(self) -> dict[str, str]:
        """Slack incoming webhooks read `text`; Teams' legacy connectors (MessageCard) read `text`,
        and `summary` as the notification's subject. Lines are separated by a blank line: Teams
        joins lines separated by a single newline."""
        return {"text": "\n\n".join([self.title, *self.lines]), "summary": self.title}


class WebhookError(Exception):
    """The webhook did not take an alert. The message never holds the URL (a secret)."""


def post_alert(url: str, alert: Alert) -> None:
    """POST the alert as JSON; one retry after a network error, a 5xx or a 429."""
    problem = ""
    for attempt in range(2):
        if attempt:
            time.sleep(RETRY_DELAY_SECONDS)
        try:
            response = httpx.post(url, json=alert.payload(), timeout=TIMEOUT_SECONDS)
        except httpx.HTTPError as error:
            problem = f"did not answer ({type(error).__name__})"
            continue
        if response.is_success:
            return
        problem = f"answered HTTP {response.status_code}"
        if response.status_code < 500 and response.status_code != 429:
            break  # a wrong URL or a refused payload: the same request again will not help
    raise WebhookError(f"the webhook {problem}")


@dataclass
class AlertState:
    """The sensor's cursor."""

    run_end: int | None = None
    """Storage id of the last run-end event read."""
    above: dict[str, bool] = field(default_factory=dict)
    """Per figure, whether it was above its threshold when last read (and that was posted)."""
    stale: dict[str, int] = field(default_factory=dict)
    """Per stale asset, the storage id of the materialization already reported as too old."""

    @classmethod
    def load(cls, cursor: str | None) -> AlertState:
        return cls(**json.loads(cursor)) if cursor else cls()

    def dump(self) -> str:
        return json.dumps({"run_end": self.run_end, "above": self.above, "stale": self.stale}, sort_keys=True)


def _now() -> float:
    return time.time()


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _listed(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LISTED:
        return lines
    return [*lines[:MAX_LISTED], f"- and {len(lines) - MAX_LISTED} more"]


# --- Failed blocking checks -------------------------------------------------------------------


def _is_blocking_failure(evaluation) -> bool:
    return not evaluation.passed and (bool(evaluation.blocking) or evaluation.severity == dg.AssetCheckSeverity.ERROR)


def _failure_figure(evaluation) -> str:
    for key in ("failure_cases", "dagster_dbt/failed_row_count"):
        if key in evaluation.metadata:
            return f" ({evaluation.metadata[key].value} failing rows)"
    return ""


def check_failure_alert(instance: dg.DagsterInstance, run_id: str, run_failed: bool) -> Alert | None:
    """The run's failed blocking checks, by name, with their counts of failing rows (never their values)."""
    failed = [
        evaluation
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        if (evaluation := entry.asset_check_evaluation) is not None and _is_blocking_failure(evaluation)
    ]
    if not failed:
        return None
    run = instance.get_run_by_id(run_id)
    tags = run.tags if run else {}
    partition = tags.get("dagster/partition") or "–".join(
        filter(None, (tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")))
    )
    about = f"job {run.job_name}" if run else "a run"
    about += f", partition {partition}" if partition else ""
    count = f"{len(failed)} blocking check{'s' if len(failed) > 1 else ''} failed"
    return Alert(
        title=f"USM: {count}",
        lines=[
            f"Run {run_id[:8]} ({about}) {'failed' if run_failed else 'succeeded'}; {count}:",
            *_listed([f"- {e.asset_key.to_user_string()}: {e.check_name}{_failure_figure(e)}" for e in failed]),
        ],
    )


def _run_ends(instance: dg.DagsterInstance, after: int | None, now: float) -> list:
    """Run-end events after the cursor, oldest first; every one up to the returned last is included
    even when there were more than a page of them."""
    records, last = [], None
    for event_type in RUN_END_EVENTS:
        if after is None:
            records_filter = dg.RunStatusChangeRecordsFilter(
                event_type=event_type, after_timestamp=now - FIRST_TICK_LOOKBACK.total_seconds()
            )
        else:
            records_filter = dg.RunStatusChangeRecordsFilter(event_type=event_type, after_storage_id=after)
        result = instance.fetch_run_status_changes(records_filter, limit=RUN_ENDS_PER_TICK, ascending=True)
        records += result.records
        if result.has_more and result.records:
            page_end = result.records[-1].storage_id
            last = page_end if last is None else min(last, page_end)
    return sorted((r for r in records if last is None or r.storage_id <= last), key=lambda r: r.storage_id)


# --- Figures of the analysts' snapshot ------------------------------------------------------------


def _query(context: dg.SensorEvaluationContext, snapshot: Path, sql: str) -> list[tuple] | None:
    try:
        with duckdb.connect(str(snapshot), read_only=True) as con:
            return con.execute(sql).fetchall()
    except duckdb.Error as error:
        context.log.warning(f"{snapshot}: {type(error).__name__}: {error}")
        return None


def amount_at_risk_alert(rows: list[tuple], threshold: float) -> Alert | None:
    """rows: (exception type, open exceptions, amount at risk)."""
    amount = sum((Decimal(str(a)) for *_, a in rows), Decimal(0))
    if amount <= Decimal(str(threshold)):
        return None
    count = sum(c for _, c, _ in rows)
    return Alert(
        title="USM: amount at risk above threshold",
        lines=[
            f"Open reconciliation exceptions: {count}, amount at risk {amount:,.2f} (threshold {threshold:,.2f}).",
            *_listed([f"- {kind}: {c} open, {Decimal(str(a)):,.2f} at risk" for kind, c, a in rows]),
        ],
    )


def sla_at_risk_alert(rows: list[tuple], threshold: float) -> Alert | None:
    """rows: (SLA metric, running clocks at risk)."""
    count = sum(c for _, c in rows)
    if count <= threshold:
        return None
    return Alert(
        title="USM: SLAs predicted to breach",
        lines=[
            f"{count} running SLA clocks are at risk of breaching (threshold {threshold:g}).",
            *_listed([f"- {metric}: {c}" for metric, c in rows]),
        ],
    )


OPEN_EXCEPTIONS_SQL = (
    "SELECT exception_type, count(*), coalesce(sum(amount_at_risk), 0) FROM marts.recon_exceptions "
    "WHERE review_status = 'open' GROUP BY 1 ORDER BY 3 DESC, 1"
)
SLA_AT_RISK_SQL = "SELECT sla_metric, count(*) FROM marts.ticket_sla WHERE is_at_risk GROUP BY 1 ORDER BY 2 DESC, 1"


# --- Freshness ---------------------------------------------------------------------------------


def stale_assets(instance: dg.DagsterInstance, asset_graph, now: float) -> dict[str, tuple[int, float, timedelta]]:
    """Assets whose time-window freshness policy fails at `now`, as Dagster's freshness daemon judges
    it (the last materialization at least `fail_window` old): key -> (its storage id, its time, the
    window). An asset never materialized has no freshness to judge."""
    stale = {}
    for node in asset_graph.asset_nodes:
        fail_window = getattr(node.freshness_policy, "fail_window", None)  # a time-window policy
        if fail_window is None:
            continue
        records = instance.fetch_materializations(node.key, limit=1).records
        if not records:
            continue
        window = fail_window.to_timedelta()
        if now - records[0].timestamp >= window.total_seconds():
            stale[node.key.to_user_string()] = (records[0].storage_id, records[0].timestamp, window)
    return stale


def freshness_alert(stale: dict[str, tuple[int, float, timedelta]], now: float) -> Alert:
    hours = sorted({round(window.total_seconds() / 3600) for *_, window in stale.values()})
    return Alert(
        title=f"USM: {len(stale)} asset{'s' if len(stale) > 1 else ''} not refreshed",
        lines=[
            f"Not materialized within their freshness window ({', '.join(f'{h} h' for h in hours)}): "
            "a night that did not run, or did not finish.",
            *_listed(
                [
                    f"- {key}: last materialized {_utc(at)} ({(now - at) / 3600:.0f} h ago)"
                    # The analysts' snapshot first: it is what they read.
                    for key, (_, at, _) in sorted(stale.items(), key=lambda item: (item[0] != SNAPSHOT, item[0]))
                ]
            ),
        ],
    )


# --- The sensor --------------------------------------------------------------------------------


@dg.sensor(
    name="usm_alerts",
    minimum_interval_seconds=120,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Posts to the webhook of usm.yaml `alerts` (Slack- and Teams-compatible JSON), once per "
    "occurrence: a failed blocking check, the amount at risk or the SLAs at risk above their thresholds, "
    "a mart older than its freshness policy allows.",
)
def usm_alerts(context: dg.SensorEvaluationContext):
    config = settings.site_config().alerts
    url = os.environ.get(config.webhook_url_env, "").strip()
    if not url:
        message = (
            f"alerts not posted: the environment variable {config.webhook_url_env} "
            "(usm.yaml alerts.webhook_url_env) holds no webhook URL"
        )
        context.log.warning(message)
        return dg.SkipReason(message)

    state = AlertState.load(context.cursor)
    now = _now()
    posted: list[str] = []
    unposted: list[str] = []

    def deliver(alert: Alert) -> bool:
        if unposted:  # the webhook failed this tick: the rest wait for the next, within the tick's time limit
            unposted.append(alert.title)
            return False
        try:
            post_alert(url, alert)
        except WebhookError as error:
            context.log.error(f"{alert.title}: not posted, {error}; tried again at the next tick")
            unposted.append(alert.title)
            return False
        context.log.info(f"posted: {alert.title}")
        posted.append(alert.title)
        return True

    # Runs that ended with failed blocking checks: one post per run.
    for record in _run_ends(context.instance, state.run_end, now):
        run_failed = record.event_log_entry.dagster_event_type == dg.DagsterEventType.RUN_FAILURE
        alert = check_failure_alert(context.instance, record.event_log_entry.run_id, run_failed)
        if alert is not None and not deliver(alert):
            break  # this run and the later ones at the next tick
        state.run_end = record.storage_id

    # The snapshot's figures: a post when one rises above its threshold.
    snapshot = settings.output_dir() / SNAPSHOT_FILE
    if snapshot.exists():
        figures: list[tuple[str, str, Callable[[list[tuple], float], Alert | None], float]] = [
            ("amount_at_risk", OPEN_EXCEPTIONS_SQL, amount_at_risk_alert, config.amount_at_risk_threshold),
            ("sla_at_risk", SLA_AT_RISK_SQL, sla_at_risk_alert, config.sla_at_risk_threshold),
        ]
        for name, sql, build, threshold in figures:
            rows = _query(context, snapshot, sql)
            if rows is None:
                continue
            alert = build(rows, threshold)
            if alert is None:
                state.above[name] = False
            elif not state.above.get(name) and deliver(alert):
                state.above[name] = True
    else:
        context.log.info(f"no snapshot at {snapshot} yet: amount at risk and SLAs not read")

    # Freshness: one post for the assets newly found too old.
    if context.repository_def is not None:
        stale = stale_assets(context.instance, context.repository_def.asset_graph, now)
        new = {key: found for key, found in stale.items() if state.stale.get(key) != found[0]}
        if new and deliver(freshness_alert(new, now)):
            state.stale.update({key: storage_id for key, (storage_id, *_) in new.items()})
        state.stale = {key: storage_id for key, storage_id in state.stale.items() if key in stale}

    summary = f"posted {len(posted)} alert(s)" + (f": {'; '.join(posted)}" if posted else "")
    if unposted:
        summary += f"; not posted (webhook failing, tried again next tick): {'; '.join(unposted)}"
    return dg.SensorResult(skip_reason=summary, cursor=state.dump())
