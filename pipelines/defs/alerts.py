"""Webhook alerts, and the freshness policy that flags a night that did not run.

The sensor `usm_alerts` (stopped by default, like `new_extract_files`) decides what to post, and
each alert is posted by a run of the small job `post_alerts`, with the alert as its run config:
evaluating the sensor (a tick, `dagster sensor preview`) posts nothing. It alerts when

- a run of any job ended failed (its failed steps, each with its error: the unreadable file, the
  failed dbt model), or with a failed blocking check (Pandera on the raw tables; dbt tests of
  severity error, by name); one alert per run. A failed run that Dagster's run retries will run
  again is not posted: its last attempt is;
- the amount at risk of open reconciliation exceptions rises above `alerts.amount_at_risk_threshold`;
- more running SLA clocks are at risk (`marts.ticket_sla.is_at_risk`) than `alerts.sla_at_risk_threshold`;
- an asset with a freshness policy (the marts and their snapshot) is older than its fail window.
What each says is pipelines/lib/alert_messages.py.

The figures come from the analysts' snapshot `$USM_OUTPUT_DIR/usm_marts.duckdb`, opened read-only,
never from the warehouse, so the sensor never waits for a run or blocks one. Each occurrence is
requested once: the cursor keeps the last run-end event read, whether each figure was already above
its threshold (a request when it rises above, none while it stays there), and the stale
materializations already reported. A post that fails is retried by the `post_alerts` run
(WEBHOOK_RETRIES); one that still fails leaves that run failed in the UI, and is not alerted about.

A plain sensor rather than a run-status sensor: three of the four conditions are the state of the
snapshot and of the event log rather than the outcome of one run, a night that did not run leaves
no run to react to, and one sensor reading each run end once posts one alert for a run that failed
on a blocking check (rather than one for the check and one for the failure).
"""

import json
import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Self

import dagster as dg
import duckdb

from pipelines import settings
from pipelines.lib.alert_messages import (
    Alert,
    RunEnd,
    Site,
    Snapshot,
    WebhookError,
    amount_at_risk_alert,
    freshness_alert,
    post_webhook,
    run_end_alert,
    sla_at_risk_alert,
)
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


FIRST_TICK_LOOKBACK = timedelta(days=1)
"""Without a cursor (the first tick), runs that ended in the last day are looked at, not the whole history."""
RUN_ENDS_PER_TICK = 100
RUN_END_EVENTS = (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE)
# Dagster's run-retry tags (dagster._core.storage.tags): set on a failed run that will be retried,
# and on a retry, its number.
WILL_RETRY_TAG = "dagster/will_retry"
RETRY_NUMBER_TAG = "dagster/retry_number"
WEBHOOK_RETRIES = dg.RetryPolicy(max_retries=6, delay=5, backoff=dg.Backoff.EXPONENTIAL)
"""After 5, 15, 35, 75, 155 and 315 s: a webhook down for about 10 minutes still gets the alert."""


# --- Posting: a run per alert ----------------------------------------------------------------------


class AlertConfig(dg.Config):
    title: str
    lines: list[str]


def webhook_url() -> str:
    return os.environ.get(settings.site_config().alerts.webhook_url_env, "").strip()


def no_webhook_message() -> str:
    variable = settings.site_config().alerts.webhook_url_env
    return (
        f"alerts not posted: the environment variable {variable} (usm.yaml alerts.webhook_url_env) holds no webhook URL"
    )


@dg.op(retry_policy=WEBHOOK_RETRIES)
def post_alert(context: dg.OpExecutionContext, config: AlertConfig) -> None:
    """POST the alert of the run config to the webhook (Slack- and Teams-compatible JSON)."""
    url = webhook_url()
    if not url:
        raise dg.Failure(description=no_webhook_message(), allow_retries=False)
    try:
        post_webhook(url, Alert(config.title, config.lines))
    except WebhookError as error:
        raise dg.Failure(description=f"{config.title}: not posted, {error}", allow_retries=error.retryable) from None
    context.log.info(f"posted: {config.title}")


@dg.job(
    description="Posts one alert of the `usm_alerts` sensor to the webhook of usm.yaml `alerts`.",
    # The op's retry policy is the retry; Dagster's run retries (dagster.yaml) would repeat a refused
    # post. They still relaunch a run whose process died.
    tags={"dagster/retry_on_asset_or_op_failure": "false"},
)
def post_alerts():
    post_alert()


def _request(alert: Alert, run_key: str | None) -> dg.RunRequest:
    config = {"ops": {"post_alert": {"config": {"title": alert.title, "lines": alert.lines}}}}
    return dg.RunRequest(run_key=run_key, run_config=config)


# --- The sensor's reading of the instance and of the snapshot ----------------------------------------


@dataclass
class AlertState:
    """The sensor's cursor."""

    run_end: int | None = None
    """Storage id of the last run-end event read."""
    above: dict[str, bool] = field(default_factory=dict)
    """Per figure, whether it was above its threshold when last read (and that was requested)."""
    stale: dict[str, int] = field(default_factory=dict)
    """Per stale asset, the storage id of the materialization already reported as too old."""

    @classmethod
    def load(cls, cursor: str | None) -> Self:
        return cls(**json.loads(cursor)) if cursor else cls()

    def dump(self) -> str:
        return json.dumps({"run_end": self.run_end, "above": self.above, "stale": self.stale}, sort_keys=True)


def _now() -> float:
    return time.time()


def _site() -> Site:
    site = settings.site_config()
    return Site(instance=site.alerts.instance_name, dagster_url=site.alerts.dagster_url, currency=site.currency)


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


def _is_blocking_failure(evaluation) -> bool:
    return not evaluation.passed and (bool(evaluation.blocking) or evaluation.severity == dg.AssetCheckSeverity.ERROR)


def _failure_figure(evaluation) -> str:
    for key in ("failure_cases", "dagster_dbt/failed_row_count"):
        if key in evaluation.metadata:
            return f" ({evaluation.metadata[key].value} failing rows)"
    return ""


def step_cause(failure) -> str | None:
    """What a failed step's error says: a dg.Failure's description, the user's exception that
    Dagster wrapped, else Dagster's own error. None for a blocking check's failure (the check is
    named instead)."""
    error = failure.error
    if error is None:
        return "no error recorded"
    if error.cls_name == "DagsterAssetCheckFailedError":
        return None
    if failure.user_failure_data is not None and failure.user_failure_data.description:
        return failure.user_failure_data.description
    if error.cls_name == "DagsterExecutionStepExecutionError" and error.cause is not None:
        error = error.cause
    return error.message


def run_end(instance: dg.DagsterInstance, run_id: str) -> RunEnd | None:
    """What the instance recorded of a run that ended; None for one that needs no alert: a post of
    this sensor's own (a failed one is in the UI; posting about it would loop), or a failed run that
    Dagster's run retries will launch again (the retry's end is read in its turn). `usm run` records
    runs executed in process, which nothing retries."""
    run = instance.get_run_by_id(run_id)
    if run is None or run.job_name == post_alerts.name:
        return None
    failed = run.status == dg.DagsterRunStatus.FAILURE
    if failed and run.tags.get(WILL_RETRY_TAG) == "true" and run.remote_job_origin is not None:
        return None
    checks = [
        f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}{_failure_figure(evaluation)}"
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        if (evaluation := entry.asset_check_evaluation) is not None and _is_blocking_failure(evaluation)
    ]
    steps = [
        (entry.step_key, cause)
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        if (cause := step_cause(entry.dagster_event.step_failure_data)) is not None
    ]
    if failed and not steps and not checks:
        # The run itself failed (its process died, a resource did not start): the run's own error.
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE):
            error = getattr(entry.dagster_event.event_specific_data, "error", None)
            steps.append(("the run", error.message if error else entry.message))
    tags = run.tags
    bounds = (tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end"))
    partitions = tags.get("dagster/partition") or "–".join(dict.fromkeys(filter(None, bounds)))  # one day: once
    return RunEnd(run_id, run.job_name, partitions, failed, steps, checks, int(tags.get(RETRY_NUMBER_TAG, 0)))


def _query(context: dg.SensorEvaluationContext, snapshot: Path, sql: str) -> list[tuple] | None:
    try:
        with duckdb.connect(str(snapshot), read_only=True) as con:
            return con.execute(sql).fetchall()
    except duckdb.Error as error:
        context.log.warning(f"{snapshot}: {type(error).__name__}: {error}")
        return None


def _published_by(instance: dg.DagsterInstance) -> str | None:
    """The run that published the snapshot last, as the instance recorded it."""
    records = instance.fetch_materializations(dg.AssetKey.from_user_string(SNAPSHOT), limit=1).records
    return records[0].run_id if records else None


# The tickets people know for a work item (one per system, fct_tickets.is_duplicate aside); a time
# entry's or an invoice's exception has none.
OPEN_EXCEPTIONS_SQL = """
SELECT e.exception_type, e.entity_type, e.entity_id,
       (SELECT string_agg(t.ticket_id, ', ' ORDER BY t.ticket_id) FROM marts.fct_tickets t
        WHERE e.entity_type = 'work_item' AND t.work_item_id = e.entity_id AND NOT t.is_duplicate),
       e.amount_at_risk
FROM marts.recon_exceptions e
WHERE e.review_status = 'open'
"""
SLA_AT_RISK_SQL = (
    "SELECT ticket_id, sla_metric, due_at FROM marts.ticket_sla WHERE is_at_risk ORDER BY due_at NULLS LAST, 1, 2"
)


def stale_assets(instance: dg.DagsterInstance, asset_graph, now: float) -> dict[str, tuple[int, float, timedelta, str]]:
    """Assets whose time-window freshness policy fails at `now`, as Dagster's freshness daemon judges
    it (the last materialization at least `fail_window` old): key -> (its storage id, its time, the
    window, its run). An asset never materialized has no freshness to judge."""
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
            last = records[0]
            stale[node.key.to_user_string()] = (last.storage_id, last.timestamp, window, last.run_id)
    return stale


# --- The sensor --------------------------------------------------------------------------------


@dg.sensor(
    name="usm_alerts",
    job=post_alerts,
    minimum_interval_seconds=120,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Alerts to the webhook of usm.yaml `alerts` (Slack- and Teams-compatible JSON), once per "
    "occurrence, each posted by a run of `post_alerts`: a failed run (its steps and their errors) or a "
    "failed blocking check, the amount at risk or the SLAs at risk above their thresholds, a mart older "
    "than its freshness policy allows. Evaluating it (a preview) posts nothing.",
)
def usm_alerts(context: dg.SensorEvaluationContext):
    config = settings.site_config().alerts
    if not webhook_url():
        message = no_webhook_message()
        context.log.warning(message)
        return dg.SkipReason(message)

    state = AlertState.load(context.cursor)
    site = _site()
    now = _now()
    requests: list[tuple[Alert, str | None]] = []

    # Runs that failed or ended with failed blocking checks: one alert per run.
    for record in _run_ends(context.instance, state.run_end, now):
        run_id = record.event_log_entry.run_id
        end = run_end(context.instance, run_id)
        alert = run_end_alert(end, site) if end is not None else None
        if alert is not None:
            requests.append((alert, f"run:{run_id}"))
        state.run_end = record.storage_id

    # The snapshot's figures: an alert when one rises above its threshold.
    path = settings.output_dir() / SNAPSHOT_FILE
    if path.exists():
        snapshot = Snapshot(str(path), _published_by(context.instance))
        figures = [
            ("amount_at_risk", OPEN_EXCEPTIONS_SQL, amount_at_risk_alert, config.amount_at_risk_threshold),
            ("sla_at_risk", SLA_AT_RISK_SQL, sla_at_risk_alert, config.sla_at_risk_threshold),
        ]
        for name, sql, build, threshold in figures:
            rows = _query(context, path, sql)
            if rows is None:
                continue
            alert = build(rows, threshold, site, snapshot)
            if alert is None:
                state.above[name] = False
            elif not state.above.get(name):
                requests.append((alert, None))  # no run key: rising above again is a new occurrence
                state.above[name] = True
    else:
        context.log.info(f"no snapshot at {path} yet: amount at risk and SLAs not read")

    # Freshness: one alert for the assets newly found too old.
    if context.repository_def is not None:
        stale = stale_assets(context.instance, context.repository_def.asset_graph, now)
        new = {key: found for key, found in stale.items() if state.stale.get(key) != found[0]}
        if new:
            alert = freshness_alert({key: found[1:] for key, found in new.items()}, now, site, SNAPSHOT)
            occurrence = ",".join(f"{key}@{storage_id}" for key, (storage_id, *_) in sorted(new.items()))
            requests.append((alert, f"stale:{occurrence}"))
            state.stale.update({key: storage_id for key, (storage_id, *_) in new.items()})
        state.stale = {key: storage_id for key, storage_id in state.stale.items() if key in stale}

    if not requests:
        return dg.SensorResult(skip_reason="nothing new to alert", cursor=state.dump())
    context.log.info(f"{len(requests)} alert(s) to post: {'; '.join(alert.title for alert, _ in requests)}")
    return dg.SensorResult(run_requests=[_request(alert, key) for alert, key in requests], cursor=state.dump())
