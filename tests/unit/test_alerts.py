"""The alert sensor decides, and runs of `post_alerts` post to a real webhook receiver on 127.0.0.1,
once per occurrence; what each alert says (written out below in full); the marts and their snapshot
carry the nightly freshness policy, and a night that did not run is posted."""

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.defs import alerts
from pipelines.defs.alerts import NIGHTLY_FRESHNESS, post_alerts, usm_alerts
from pipelines.lib.alert_messages import RunEnd, Site, run_end_alert
from pipelines.lib.snapshot import publish_marts

HOUR = 3600
SITE = Site(instance="acme-prod", dagster_url="http://dagster.acme:3000/", currency="EUR")
UI = "http://dagster.acme:3000"


@dataclass
class Receiver:
    """A webhook on a real socket: every request's status and JSON body, in order."""

    url: str
    answers: list[int] = field(default_factory=list)
    """Statuses to answer the next requests with (then 200)."""
    requests: list[tuple[int, dict]] = field(default_factory=list)

    @property
    def posts(self) -> list[dict]:
        """The payloads it accepted."""
        return [body for status, body in self.requests if status == 200]


@pytest.fixture
def receiver(tmp_path, monkeypatch):
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    config = tmp_path / "usm.yaml"
    config.write_text(
        "currency: EUR\n"
        "alerts:\n  webhook_url_env: TEST_USM_WEBHOOK\n  amount_at_risk_threshold: 5000\n  sla_at_risk_threshold: 10\n"
        f"  instance_name: {SITE.instance}\n  dagster_url: {SITE.dagster_url}\n"
    )
    monkeypatch.setenv("USM_CONFIG", str(config))
    monkeypatch.setenv("USM_OUTPUT_DIR", str(tmp_path / "output"))
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = state.answers.pop(0) if state.answers else 200
            state.requests.append((status, body))
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hook"
    monkeypatch.setenv("TEST_USM_WEBHOOK", state.url)
    yield state
    server.shutdown()
    server.server_close()


def _evaluate(instance, cursor=None, definitions=None):
    with dg.build_sensor_context(instance=instance, cursor=cursor, definitions=definitions) as context:
        return usm_alerts.evaluate_tick(context)


def _tick(instance, cursor=None, definitions=None):
    """A tick, then each run it requests, as the daemon would launch them: the posts."""
    result = _evaluate(instance, cursor, definitions)
    for request in result.run_requests:
        post_alerts.execute_in_process(run_config=request.run_config, instance=instance, raise_on_error=False)
    return result.cursor or cursor, result.skip_message


def _text(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


# --- The snapshot's figures ----------------------------------------------------------------------


class PublishConfig(dg.Config):
    warehouse: str
    output: str


@dg.asset(key=["publish", "marts_snapshot"])
def marts_snapshot(context: dg.AssetExecutionContext, config: PublishConfig):
    """Publishes as the pipeline's asset does: the snapshot is named by the run."""
    with duckdb.connect(config.warehouse) as con:
        publish_marts(con, Path(config.output), context.run.run_id)


def _publish(instance, tmp_path, exceptions, at_risk) -> str:
    """A snapshot published by a run: these exceptions (type, entity type, entity id, review status,
    amount), the tickets of two work items, and `at_risk` SLA clocks at risk (5 more not).
    Returns the run's id."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE OR REPLACE TABLE marts.recon_exceptions (exception_type VARCHAR, entity_type VARCHAR, "
            "entity_id VARCHAR, review_status VARCHAR, amount_at_risk DECIMAL(18, 2))"
        )
        con.executemany("INSERT INTO marts.recon_exceptions VALUES (?, ?, ?, ?, ?)", exceptions)
        con.execute(
            "CREATE OR REPLACE TABLE marts.fct_tickets (ticket_id VARCHAR, work_item_id VARCHAR, is_duplicate BOOLEAN)"
        )
        tickets = [
            ("connectwise:1001", "wi:cw-1001", False),
            ("servicenow:INC0001001", "wi:cw-1001", False),
            ("connectwise:1003", "wi:cw-1001", True),  # a duplicate: not named
            ("jira:OPS-7", "wi:big", False),
        ]
        con.executemany("INSERT INTO marts.fct_tickets VALUES (?, ?, ?)", tickets)
        con.execute(
            "CREATE OR REPLACE TABLE marts.ticket_sla "
            "(ticket_id VARCHAR, sla_metric VARCHAR, due_at TIMESTAMP, is_at_risk BOOLEAN)"
        )
        # Ticket Ti is due at 09:00 + i hours on 2 March: the first five due are T0..T4.
        first_due = datetime(2026, 3, 2, 9)
        clocks = [
            (f"connectwise:{2000 + i}", "response" if i % 3 == 0 else "resolution", first_due + timedelta(hours=i),
             i < at_risk)
            for i in range(at_risk + 5)
        ]
        con.executemany("INSERT INTO marts.ticket_sla VALUES (?, ?, ?, ?)", clocks)
    paths = {"warehouse": str(warehouse), "output": str(tmp_path / "output")}
    config = {"ops": {"publish__marts_snapshot": {"config": paths}}}
    return dg.materialize([marts_snapshot], instance=instance, run_config=config).run_id


OPEN = [
    ("time_not_invoiced", "work_item", "wi:cw-1001", "open", 4000),
    ("orphan_invoice", "invoice", "inv-77", "open", 3250.50),
    *[("non_billable", "work_item", f"wi:cw-200{i}", "open", 10 * i) for i in range(1, 6)],
    ("credited", "work_item", "wi:big", "excluded", 90000),  # decided: not at risk
]


def test_amount_and_slas_at_risk_post_once_when_they_rise_above_their_thresholds(tmp_path, receiver):
    instance = dg.DagsterInstance.ephemeral()
    run_id = _publish(instance, tmp_path, OPEN, at_risk=12)
    cursor, _ = _tick(instance)
    assert len(receiver.posts) == 2
    amount, sla = (post["text"] for post in receiver.posts)  # in this order
    snapshot = tmp_path / "output" / "usm_marts.duckdb"
    published = f"published by {UI}/runs/{run_id} (instance acme-prod)"
    # 4,000 + 3,250.50 + (10 + 20 + 30 + 40 + 50) = 7,400.50; the 90,000 credited is decided.
    assert amount == _text(
        "[acme-prod] amount at risk 7,400.50 EUR, above threshold",
        "Open reconciliation exceptions: 7, amount at risk 7,400.50 EUR (threshold 5,000.00 EUR).",
        "By reason:",
        "- time_not_invoiced: 1 open, 4,000.00 EUR",
        "- orphan_invoice: 1 open, 3,250.50 EUR",
        "- non_billable: 5 open, 150.00 EUR",
        "Largest:",
        "- connectwise:1001, servicenow:INC0001001 (time_not_invoiced): 4,000.00 EUR",
        "- invoice inv-77 (orphan_invoice): 3,250.50 EUR",
        "- work item wi:cw-2005 (non_billable): 50.00 EUR",
        "- work item wi:cw-2004 (non_billable): 40.00 EUR",
        "- work item wi:cw-2003 (non_billable): 30.00 EUR",
        "- and 2 more",
        f"Where to look: marts.recon_exceptions (review_status = 'open') in {snapshot}; {published}",
    )
    # 12 at risk: i = 0..11, response when i is a multiple of 3 (0, 3, 6, 9), resolution the other 8.
    assert sla == _text(
        "[acme-prod] 12 SLA clocks at risk of breaching",
        "12 running SLA clocks are at risk of breaching (threshold 10).",
        "- resolution: 8",
        "- response: 4",
        "Due first:",
        "- connectwise:2000 response, due 2026-03-02 09:00 UTC",
        "- connectwise:2001 resolution, due 2026-03-02 10:00 UTC",
        "- connectwise:2002 resolution, due 2026-03-02 11:00 UTC",
        "- connectwise:2003 response, due 2026-03-02 12:00 UTC",
        "- connectwise:2004 resolution, due 2026-03-02 13:00 UTC",
        "- and 7 more",
        f"Where to look: marts.ticket_sla (is_at_risk) in {snapshot}; {published}",
    )
    assert all(post["summary"] == post["text"].split("\n\n")[0] for post in receiver.posts)

    cursor, _ = _tick(instance, cursor)  # the same occurrence, and the posts' own runs: nothing new
    _publish(instance, tmp_path, [("missing_time", "work_item", "wi:x", "open", 7000)], at_risk=13)  # still above
    cursor, _ = _tick(instance, cursor)
    assert len(receiver.posts) == 2

    # 10 is not above 10
    _publish(instance, tmp_path, [("missing_time", "work_item", "wi:x", "open", 1200)], at_risk=10)
    cursor, _ = _tick(instance, cursor)
    assert len(receiver.posts) == 2

    # Above again: a new occurrence.
    _publish(instance, tmp_path, [("missing_time", "time_entry", "cw-te-5", "open", 5000.01)], at_risk=4)
    cursor, _ = _tick(instance, cursor)
    assert len(receiver.posts) == 3
    assert "- time entry cw-te-5 (missing_time): 5,000.01 EUR" in receiver.posts[-1]["text"]
    _tick(instance, cursor)
    assert len(receiver.posts) == 3


def test_evaluating_the_sensor_posts_nothing_it_requests_the_posts(tmp_path, receiver):
    """What `dagster sensor preview` does: evaluate. The alert is the run config of a post run."""
    instance = dg.DagsterInstance.ephemeral()
    _publish(instance, tmp_path, OPEN, at_risk=0)
    result = _evaluate(instance)
    assert receiver.requests == []
    assert [r.job_name or usm_alerts.job_name for r in result.run_requests] == ["post_alerts"]
    config = result.run_requests[0].run_config["ops"]["post_alert"]["config"]
    assert config["title"] == "[acme-prod] amount at risk 7,400.50 EUR, above threshold"
    assert receiver.url not in json.dumps(result.run_requests[0].run_config)  # the URL is a secret: not in the UI


# --- Runs that failed, or failed a blocking check --------------------------------------------------


def test_a_failed_run_names_its_steps_their_errors_and_the_run_link():
    end = RunEnd(
        run_id="0f1e2d3c-aaaa-bbbb-cccc-000000000001",
        job="pipeline",
        partitions="2026-01-01–2026-01-31",
        failed=True,
        failed_steps=[
            ("raw_connectwise__time_entries", "raw_connectwise.time_entries: 1 file(s) could not be read; the other "
             "dates loaded. /l/connectwise/time_entries/2026-01-02.json: not valid JSON\nTraceback (most recent)"),
            ("usm_dbt_models", "x" * 700),
        ],
        failed_checks=["raw_jira/issues: raw_jira_issues_lineage (4 failing rows)"],
        retries=2,
    )
    assert run_end_alert(end, SITE).payload()["text"] == _text(
        "[acme-prod] pipeline run failed",
        "Run 0f1e2d3c (job pipeline, partitions 2026-01-01–2026-01-31) failed after 2 automatic retries.",
        "2 failed steps:",
        "- raw_connectwise__time_entries: raw_connectwise.time_entries: 1 file(s) could not be read; the other "
        "dates loaded. /l/connectwise/time_entries/2026-01-02.json: not valid JSON",
        "- usm_dbt_models: " + "x" * 599 + "…",  # an error's first line, cut at 600 characters
        "1 failed blocking check:",
        "- raw_jira/issues: raw_jira_issues_lineage (4 failing rows)",
        f"Where to look: {UI}/runs/0f1e2d3c-aaaa-bbbb-cccc-000000000001 (instance acme-prod)",
    )
    succeeded = RunEnd("ab", "pipeline", "", failed=False, failed_steps=[], failed_checks=[])
    assert run_end_alert(succeeded, SITE) is None


@dg.asset
def tiny_table():
    return 1


@dg.asset_check(asset=tiny_table, blocking=True)
def tiny_rows_valid(context):
    """Blocking; fails while the run's tag `bad` is set."""
    return dg.AssetCheckResult(passed="bad" not in context.run.tags, metadata={"failure_cases": 3})


@dg.asset_check(asset=tiny_table)
def tiny_advice():
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)


def _materialize(instance, bad: bool):
    tags = {"bad": "yes"} if bad else {}
    return dg.materialize(
        [tiny_table, tiny_rows_valid, tiny_advice], instance=instance, tags=tags, raise_on_error=False
    )


def test_a_failed_blocking_check_posts_once_per_run_naming_the_check_and_its_asset(receiver):
    instance = dg.DagsterInstance.ephemeral()
    failed = _materialize(instance, bad=True)
    assert not failed.success
    cursor, _ = _tick(instance)
    job = failed.dagster_run.job_name
    # The check's own failed step is not listed as a step: the check is named.
    assert [post["text"] for post in receiver.posts] == [
        _text(
            f"[acme-prod] {job} run failed",
            f"Run {failed.run_id[:8]} (job {job}) failed.",
            "1 failed blocking check:",
            "- tiny_table: tiny_rows_valid (3 failing rows)",
            f"Where to look: {UI}/runs/{failed.run_id} (instance acme-prod)",
        )
    ]

    cursor, _ = _tick(instance, cursor)  # the post's own run: nothing new
    assert len(receiver.posts) == 1
    assert _materialize(instance, bad=False).success  # the WARN check fails again: no alert
    cursor, _ = _tick(instance, cursor)
    assert len(receiver.posts) == 1

    again = _materialize(instance, bad=True)  # the next failure is a new occurrence
    cursor, _ = _tick(instance, cursor)
    assert len(receiver.posts) == 2
    assert f"Run {again.run_id[:8]}" in receiver.posts[1]["text"]
    _tick(instance, cursor)
    assert len(receiver.posts) == 2


@dg.asset
def unreadable_extract():
    raise dg.Failure(description="raw_x.items: 1 file(s) could not be read. /landing/x/2026-01-02.json: not valid JSON")


@dg.asset
def buggy_step():
    try:
        int("twelve")
    except ValueError as error:
        raise RuntimeError("cannot parse the rate") from error


def test_a_failed_run_posts_once_naming_each_failed_step_and_its_error(receiver):
    """An in-process run (as `usm run` makes them) on an instance with run retries: it is tagged to
    retry, yet nothing can launch it again, so it is posted."""
    instance = dg.DagsterInstance.ephemeral(settings={"run_retries": {"enabled": True, "max_retries": 2}})
    run = dg.materialize([unreadable_extract, buggy_step], instance=instance, raise_on_error=False)
    assert instance.get_run_by_id(run.run_id).tags["dagster/will_retry"] == "true"
    cursor, _ = _tick(instance)
    job = run.dagster_run.job_name
    assert [post["text"] for post in receiver.posts] == [
        _text(
            f"[acme-prod] {job} run failed",
            f"Run {run.run_id[:8]} (job {job}) failed.",
            "2 failed steps:",
            # In the order they failed. The user's exception that Dagster wrapped, by its class and message;
            # a dg.Failure by its description.
            "- buggy_step: RuntimeError: cannot parse the rate",
            "- unreadable_extract: raw_x.items: 1 file(s) could not be read. "
            "/landing/x/2026-01-02.json: not valid JSON",
            f"Where to look: {UI}/runs/{run.run_id} (instance acme-prod)",
        )
    ]
    _tick(instance, cursor)
    assert len(receiver.posts) == 1


def test_a_run_that_dagster_will_retry_is_posted_only_when_its_last_attempt_fails(receiver):
    # Runs launched through a code location (the daemon, the UI) carry its origin, and only those can be
    # retried; Dagster's test helper and origin classes make one without a daemon.
    from dagster._core.remote_origin import RegisteredCodeLocationOrigin, RemoteRepositoryOrigin
    from dagster._core.test_utils import create_run_for_test

    instance = dg.DagsterInstance.ephemeral(settings={"run_retries": {"enabled": True, "max_retries": 1}})
    origin = RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("usm"), "__repository__").get_job_origin("pipeline")
    day = {"dagster/partition": "2026-01-02"}
    first = create_run_for_test(instance, "pipeline", remote_job_origin=origin, tags=day)
    instance.report_run_failed(first, message="the run worker exited unexpectedly")
    assert instance.get_run_by_id(first.run_id).tags["dagster/will_retry"] == "true"
    cursor, _ = _tick(instance)
    assert receiver.posts == []  # its retry decides

    retry = create_run_for_test(
        instance, "pipeline", remote_job_origin=origin, root_run_id=first.run_id, parent_run_id=first.run_id,
        tags={**day, "dagster/retry_number": "1", "dagster/root_run_id": first.run_id,
              "dagster/parent_run_id": first.run_id},
    )
    instance.report_run_failed(retry, message="the run worker exited unexpectedly")
    assert instance.get_run_by_id(retry.run_id).tags["dagster/will_retry"] == "false"  # max_retries reached
    _tick(instance, cursor)
    assert [post["text"] for post in receiver.posts] == [
        _text(
            "[acme-prod] pipeline run failed",
            f"Run {retry.run_id[:8]} (job pipeline, partitions 2026-01-02) failed after 1 automatic retry.",
            "1 failed step:",
            "- the run: the run worker exited unexpectedly",
            f"Where to look: {UI}/runs/{retry.run_id} (instance acme-prod)",
        )
    ]


# --- The webhook ---------------------------------------------------------------------------------


def test_a_failing_webhook_is_retried_by_the_post_run_and_a_refusal_is_not(tmp_path, receiver):
    # Run retries as dagster.yaml sets them.
    instance = dg.DagsterInstance.ephemeral(settings={"run_retries": {"enabled": True, "max_retries": 2}})
    _materialize(instance, bad=True)
    receiver.answers = [503]
    started = time.monotonic()
    cursor, _ = _tick(instance)
    # The post run's retry policy: the first retry 5 s later.
    assert [status for status, _ in receiver.requests] == [503, 200]
    assert time.monotonic() - started >= 5
    posts = instance.get_runs(dg.RunsFilter(job_name="post_alerts"))
    assert [run.status for run in posts] == [dg.DagsterRunStatus.SUCCESS]

    receiver.answers = [404]  # a wrong URL: the same request again would not help
    _materialize(instance, bad=True)
    cursor, _ = _tick(instance, cursor)
    assert [status for status, _ in receiver.requests] == [503, 200, 404]
    failed = instance.get_runs(dg.RunsFilter(job_name="post_alerts", statuses=[dg.DagsterRunStatus.FAILURE]))
    assert len(failed) == 1
    assert failed[0].tags["dagster/will_retry"] == "false"  # nor by Dagster's run retries
    (failure,) = instance.all_logs(failed[0].run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    description = failure.dagster_event.step_failure_data.user_failure_data.description
    assert description.endswith(" run failed: not posted, the webhook answered HTTP 404")
    assert receiver.url not in description  # the URL is a secret
    _tick(instance, cursor)  # the failed post's run is in the UI; it is not itself alerted
    assert len(receiver.requests) == 3


def test_no_webhook_url_no_post_and_a_log_line_that_says_why(tmp_path, receiver, monkeypatch, capfd):
    monkeypatch.delenv("TEST_USM_WEBHOOK")
    instance = dg.DagsterInstance.ephemeral()
    _materialize(instance, bad=True)
    _publish(instance, tmp_path, OPEN, at_risk=20)
    capfd.readouterr()
    cursor, message = _tick(instance)
    assert cursor is None and receiver.requests == []
    assert "TEST_USM_WEBHOOK" in message and "no webhook URL" in message
    logged = [line for line in capfd.readouterr().err.splitlines() if "WARNING" in line]
    assert logged == [f"{logged[0].split(' - ')[0]} - dagster - WARNING - {message}"]


# --- Freshness ---------------------------------------------------------------------------------


def test_the_marts_and_their_snapshot_carry_the_nightly_freshness_policy():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    with_policy = {node.key for node in graph.asset_nodes if node.freshness_policy is not None}
    marts = {node.key for node in graph.asset_nodes if node.key.path[0] == "marts"}
    assert len(marts) >= 10 and with_policy == marts | {dg.AssetKey(["publish", "marts_snapshot"])}
    assert {graph.get(key).freshness_policy for key in with_policy} == {NIGHTLY_FRESHNESS}
    assert NIGHTLY_FRESHNESS.fail_window.to_timedelta().total_seconds() == 26 * HOUR
    # The nightly job refreshes every one of them.
    assert with_policy <= set(defs.resolve_job_def("pipeline").asset_layer.executable_asset_keys)


@dg.asset(group_name="marts", freshness_policy=NIGHTLY_FRESHNESS)
def tiny_mart():
    return 1


def test_a_night_that_did_not_run_is_posted_once(receiver, monkeypatch):
    definitions = dg.Definitions(assets=[tiny_mart])
    instance = dg.DagsterInstance.ephemeral()
    cursor, _ = _tick(instance, definitions=definitions)  # never materialized: nothing to judge
    built_by = dg.materialize([tiny_mart], instance=instance).run_id
    built = time.time()

    def at(hours):
        monkeypatch.setattr(alerts, "_now", lambda: built + hours * HOUR)
        return _tick(instance, cursor, definitions)[0]

    cursor = at(1)
    cursor = at(25.5)  # late, a warning in the UI: no post
    assert receiver.posts == []
    cursor = at(27)
    assert len(receiver.posts) == 1
    stamp = instance.fetch_materializations(tiny_mart.key, limit=1).records[0].timestamp
    when = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M")
    assert receiver.posts[0]["text"] == _text(
        "[acme-prod] 1 asset not refreshed",
        "Not materialized within their freshness window (26 h): a night that did not run, or did not finish.",
        f"- tiny_mart: last materialized {when} UTC (27 h ago)",
        f"Where to look: {UI}/runs/{built_by}, the last run that built tiny_mart, and the runs after it "
        "(instance acme-prod)",
    )
    cursor = at(40)
    assert len(receiver.posts) == 1

    dg.materialize([tiny_mart], instance=instance)  # the next night ran
    built = time.time()
    cursor = at(2)
    assert json.loads(cursor)["stale"] == {}
    cursor = at(30)  # and then one did not: a new occurrence
    assert len(receiver.posts) == 2


def test_alert_settings_come_from_usm_yaml_and_the_url_never_does(tmp_path, monkeypatch):
    from pipelines import settings

    config = tmp_path / "usm.yaml"
    monkeypatch.setenv("USM_CONFIG", str(config))
    config.write_text("time_zone: UTC\n")
    assert settings.site_config().alerts == settings.AlertsConfig()
    config.write_text("alerts:\n  amount_at_risk_threshold: 250.5\n")
    assert settings.site_config().alerts.amount_at_risk_threshold == 250.5
    config.write_text("alerts:\n  webhook_url: https://hooks.example/T000/B000/XXXX\n")
    with pytest.raises(ValueError, match="the URL is a secret"):
        settings.site_config()
    config.write_text("alerts:\n  sla_at_risk_threshold: -1\n")
    with pytest.raises(ValueError, match="sla_at_risk_threshold"):
        settings.site_config()
