"""The alert sensor posts to a real webhook receiver on 127.0.0.1, once per occurrence; the marts and
their snapshot carry the nightly freshness policy, and a night that did not run is posted."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import duckdb
import pytest

from pipelines.defs import alerts
from pipelines.defs.alerts import NIGHTLY_FRESHNESS, usm_alerts
from pipelines.lib.snapshot import publish_marts

HOUR = 3600


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
        "alerts:\n  webhook_url_env: TEST_USM_WEBHOOK\n  amount_at_risk_threshold: 5000\n  sla_at_risk_threshold: 10\n"
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


def _tick(instance, cursor=None, definitions=None):
    with dg.build_sensor_context(instance=instance, cursor=cursor, definitions=definitions) as context:
        result = usm_alerts.evaluate_tick(context)
    return result.cursor or cursor, result.skip_message


def _publish(tmp_path, name, open_amounts, closed_amount, at_risk):
    """A snapshot as the pipeline publishes it: open exceptions with these amounts, one closed one,
    and SLA clocks of which `at_risk` are at risk."""
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE OR REPLACE TABLE marts.recon_exceptions "
            "(exception_type VARCHAR, review_status VARCHAR, amount_at_risk DECIMAL(18, 2))"
        )
        rows = [("time_not_invoiced", "open", amount) for amount in open_amounts]
        rows.append(("credited", "excluded", closed_amount))
        con.executemany("INSERT INTO marts.recon_exceptions VALUES (?, ?, ?)", rows)
        con.execute(
            "CREATE OR REPLACE TABLE marts.ticket_sla (ticket_id VARCHAR, sla_metric VARCHAR, is_at_risk BOOLEAN)"
        )
        clocks = [(f"T{i}", "resolution" if i % 3 else "response", i < at_risk) for i in range(at_risk + 5)]
        con.executemany("INSERT INTO marts.ticket_sla VALUES (?, ?, ?)", clocks)
        publish_marts(con, tmp_path / "output", name)


def test_amount_and_slas_at_risk_post_once_when_they_rise_above_their_thresholds(tmp_path, receiver):
    instance = dg.DagsterInstance.ephemeral()
    _publish(tmp_path, "night-1", open_amounts=[4000, 3250.5], closed_amount=90000, at_risk=12)
    cursor, _ = _tick(instance)
    assert len(receiver.posts) == 2
    amount, sla = (post["text"] for post in receiver.posts)  # in this order
    assert amount.startswith("USM: amount at risk above threshold")
    assert "amount at risk 7,250.50 (threshold 5,000.00)" in amount and "Open reconciliation exceptions: 2" in amount
    assert "90,000" not in amount  # a decided exception is not at risk
    assert sla.startswith("USM: SLAs predicted to breach")
    assert "12 running SLA clocks are at risk of breaching (threshold 10)" in sla
    assert "- resolution: 8" in sla and "- response: 4" in sla
    assert all(post["summary"] == post["text"].split("\n\n")[0] for post in receiver.posts)

    cursor, _ = _tick(instance, cursor)  # the same occurrence: nothing new
    _publish(tmp_path, "night-2", open_amounts=[7000], closed_amount=0, at_risk=13)  # still above
    cursor, _ = _tick(instance, cursor)
    assert len(receiver.posts) == 2

    _publish(tmp_path, "night-3", open_amounts=[1200], closed_amount=9000, at_risk=10)  # 10 is not above 10
    cursor, _ = _tick(instance, cursor)
    assert len(receiver.posts) == 2

    _publish(tmp_path, "night-4", open_amounts=[5000.01], closed_amount=0, at_risk=4)  # above again: a new occurrence
    cursor, _ = _tick(instance, cursor)
    assert len(receiver.posts) == 3
    assert "amount at risk 5,000.01" in receiver.posts[-1]["text"]
    assert _tick(instance, cursor)[0] == cursor
    assert len(receiver.posts) == 3


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


def test_a_failed_blocking_check_posts_once_per_run_naming_the_check(receiver):
    instance = dg.DagsterInstance.ephemeral()
    failed = _materialize(instance, bad=True)
    assert not failed.success
    cursor, _ = _tick(instance)
    assert len(receiver.posts) == 1
    text = receiver.posts[0]["text"]
    assert text.startswith("USM: 1 blocking check failed")
    assert f"Run {failed.run_id[:8]}" in text and "failed; 1 blocking check failed" in text
    assert "- tiny_table: tiny_rows_valid (3 failing rows)" in text
    assert "tiny_advice" not in text  # a warning, not blocking

    assert _tick(instance, cursor)[0] == cursor
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


def test_a_failing_webhook_is_retried_once_then_at_the_next_tick(tmp_path, receiver, monkeypatch):
    monkeypatch.setattr(alerts, "RETRY_DELAY_SECONDS", 0)
    instance = dg.DagsterInstance.ephemeral()
    _materialize(instance, bad=True)
    _publish(tmp_path, "night-1", open_amounts=[9000], closed_amount=0, at_risk=0)
    receiver.answers = [500, 503, 500]
    cursor, message = _tick(instance)
    # One try and one retry; the amount's alert waits for the next tick rather than for a dead webhook.
    assert [status for status, _ in receiver.requests] == [500, 503]
    assert "not posted" in message and "amount at risk" in message
    assert receiver.url not in message  # the URL is a secret
    cursor, _ = _tick(instance, cursor)  # 500, then the retry is taken; then the amount
    assert [status for status, _ in receiver.requests] == [500, 503, 500, 200, 200]
    assert [post["summary"] for post in receiver.posts] == [
        "USM: 1 blocking check failed",
        "USM: amount at risk above threshold",
    ]
    _tick(instance, cursor)
    assert len(receiver.requests) == 5


def test_no_webhook_url_no_post_and_a_log_line_that_says_why(tmp_path, receiver, monkeypatch, capfd):
    monkeypatch.delenv("TEST_USM_WEBHOOK")
    instance = dg.DagsterInstance.ephemeral()
    _materialize(instance, bad=True)
    _publish(tmp_path, "night-1", open_amounts=[9000], closed_amount=0, at_risk=20)
    capfd.readouterr()
    cursor, message = _tick(instance)
    assert cursor is None and receiver.requests == []
    assert "TEST_USM_WEBHOOK" in message and "no webhook URL" in message
    logged = [line for line in capfd.readouterr().err.splitlines() if "WARNING" in line]
    assert logged == [f"{logged[0].split(' - ')[0]} - dagster - WARNING - {message}"]


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
    dg.materialize([tiny_mart], instance=instance)
    built = time.time()

    def at(hours):
        monkeypatch.setattr(alerts, "_now", lambda: built + hours * HOUR)
        return _tick(instance, cursor, definitions)[0]

    cursor = at(1)
    cursor = at(25.5)  # late, a warning in the UI: no post
    assert receiver.posts == []
    cursor = at(27)
    assert len(receiver.posts) == 1
    text = receiver.posts[0]["text"]
    assert text.startswith("USM: 1 asset not refreshed")
    assert "(26 h)" in text and "- tiny_mart: last materialized" in text and "(27 h ago)" in text
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
