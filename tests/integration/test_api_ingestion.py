"""Live ingestion against `usm serve-api` over a real socket on 127.0.0.1.

A small generated MSP is served by the emulator; `usm pull` writes what it pulls into a new
landing folder. Both folders are read by the one loader, and each entity's current records
(vendor id and update stamp of the newest version) must be the same: with and without faults
on every endpoint, and when a pull is killed midway and resumed. No credential may appear in
the logs or in any file written.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.generator import generate
from pipelines.sources.catalog import SOURCE_ENTITIES
from pipelines.sources.emulator.server import EmulatorServer
from pipelines.sources.landing import extract_dates
from pipelines.sources.loader import load_partition
from pipelines.sources.pull import PullState, exclusive_pull, pull, state_path
from pipelines.sources.transport import ENVIRONMENT, PullError, RetryPolicy, Transport

REPO_ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {
    "connectwise": {"company": "usmtest", "public_key": "pubKEY1", "private_key": "cw-Pr1v4te-S3cret",
                    "client_id": "0b5c9c1e-client"},
    "servicenow": {"user": "usm.integration", "password": "sn-P4ssw0rd-S3cret"},
    "jira": {"email": "usm@example.com", "token": "ATATT-jira-T0ken-S3cret"},
    "ninjaone": {"client_id": "ninja-client", "client_secret": "n1-Cl13nt-S3cret"},
}
SECRETS = [values[key] for values, key in [
    (CREDENTIALS["connectwise"], "private_key"), (CREDENTIALS["servicenow"], "password"),
    (CREDENTIALS["jira"], "token"), (CREDENTIALS["ninjaone"], "client_secret"),
]]
# Each endpoint's first four requests meet a 429, a 503, a dropped connection and a timeout;
# later ones meet them again, and every second answer is a short page.
EVERY_ENDPOINT = ("429:every=4:offset=1:after=0,503:every=5:offset=2,drop:every=7:offset=3,"
                  "slow:every=9:offset=4:secs=0.5,short:every=2")
FAST_RETRIES = RetryPolicy(attempts=8, base_seconds=0.01, max_seconds=0.05, timeout=0.4)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("api-world")
    generate(out=base / "landing", truth=base / "truth", clients=3, days=5, seed=7)
    return base / "landing"


def _environment(server: EmulatorServer) -> dict[str, str]:
    env = {}
    for system, url in server.urls().items():
        env[ENVIRONMENT[system]["url"]] = url
        for key, value in CREDENTIALS[system].items():
            env[ENVIRONMENT[system][key]] = value
    return env


class _Emulator:
    def __init__(self, landing: Path, faults: str | None = None):
        self.server = EmulatorServer(landing, faults=faults, credentials=CREDENTIALS)
        self.env = _environment(self.server)

    def __enter__(self):
        self.server.start_in_thread()
        self._saved = {name: os.environ.get(name) for name in self.env}
        os.environ.update(self.env)
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _raw_rows(landing: Path) -> dict[str, list[tuple]]:
    """Every loaded row (vendor id, update stamp) per entity, read by the one loader."""
    con = duckdb.connect()
    rows = {}
    for entity in SOURCE_ENTITIES:
        for day in extract_dates(landing, (entity,)):
            load_partition(con, entity, landing, day, datetime(2026, 1, 1))
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [entity.schema, entity.entity],
        ).fetchall()[0][0]
        rows[entity.folder] = (
            con.execute(f"SELECT record_id, updated_at, _extract_date, _record_position FROM {entity.table}").fetchall()
            if exists else []
        )
    return rows


def _current(rows: dict[str, list[tuple]]) -> dict[str, set[tuple]]:
    """The newest version of each record: by update stamp, then extract date, then position."""
    current = {}
    for folder, versions in rows.items():
        newest = {}
        for record_id, stamp, day, position in versions:
            key = (stamp or datetime.min, day, position)
            if record_id not in newest or key > newest[record_id][0]:
                newest[record_id] = (key, stamp)
        current[folder] = {(record_id, stamp) for record_id, (_, stamp) in newest.items()}
    return current


def _assert_same_records(expected_landing: Path, pulled_landing: Path) -> dict[str, list[tuple]]:
    pulled = _raw_rows(pulled_landing)
    expected, actual = _current(_raw_rows(expected_landing)), _current(pulled)
    assert sum(len(v) for v in expected.values()) > 200
    for folder in expected:
        missing, extra = expected[folder] - actual[folder], actual[folder] - expected[folder]
        assert not missing and not extra, f"{folder}: missing {sorted(missing)[:5]}, unexpected {sorted(extra)[:5]}"
    return pulled


def _no_version_twice(rows: dict[str, list[tuple]]) -> None:
    for folder, versions in rows.items():
        twice = [key for key, n in Counter((r, s) for r, s, _, _ in versions).items() if n > 1]
        assert not twice, f"{folder}: pulled twice: {twice[:5]}"


def test_a_pull_lands_the_same_records_as_the_files(generated, tmp_path):
    with _Emulator(generated):
        results = pull(tmp_path, page_size=7, policy=FAST_RETRIES)
    assert {r.key.split("/")[0] for r in results if r.records} == {"connectwise", "servicenow", "jira", "ninjaone"}
    assert any(r.pages > 1 for r in results), "page size 7 should give some entity several pages"
    pulled = _assert_same_records(generated, tmp_path)
    _no_version_twice(pulled)
    files = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.ndjson")]
    assert files and all("_api-" in name for name in files)


def test_a_second_pull_takes_only_the_overlap_and_changes_no_record(generated, tmp_path):
    with _Emulator(generated):
        pull(tmp_path, page_size=50, policy=FAST_RETRIES)
        first = len(list(tmp_path.rglob("*.ndjson")))
        state = PullState.open(state_path(tmp_path)).data["streams"]
        assert state["connectwise/tickets"]["since"] and state["ninjaone/activities"]["since"]
        pull(tmp_path, page_size=50, policy=FAST_RETRIES)
    tickets = _raw_rows(tmp_path)["connectwise/tickets"]
    assert len(list(tmp_path.rglob("*.ndjson"))) > first  # the overlap window, and the snapshots
    assert len({r for r, *_ in tickets}) < len(tickets) <= 2 * len({r for r, *_ in tickets})
    _assert_same_records(generated, tmp_path)


def test_faults_on_every_endpoint_are_retried_and_the_records_are_the_same(generated, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="usm.pull")
    with _Emulator(generated, faults=EVERY_ENDPOINT) as emulator:
        pull(tmp_path, page_size=7, policy=FAST_RETRIES)
        counts = emulator.server.faults.counts
    # Every endpoint was asked at least five times: it met every kind of failure, then answered.
    assert len(counts) >= 20 and all(n >= 5 for n in counts.values()), counts
    retried = {record.getMessage().split()[0] for record in caplog.records if "retry" in record.getMessage()}
    assert retried == {"connectwise", "servicenow", "jira", "ninjaone"}
    kinds = " ".join(record.getMessage() for record in caplog.records)
    for seen in ("HTTP 429", "HTTP 503", "ReadTimeout", "RemoteProtocolError"):
        assert seen in kinds, f"no {seen} was met"
    _no_version_twice(_assert_same_records(generated, tmp_path))


def test_retry_after_is_honoured(generated):
    with _Emulator(generated, faults="429:every=2:offset=1:after=1") as emulator:
        transport = Transport("jira", emulator.server.urls()["jira"], policy=FAST_RETRIES,
                              auth=(CREDENTIALS["jira"]["email"], CREDENTIALS["jira"]["token"]))
        started = time.monotonic()
        body, _ = transport.get_json("rest/api/3/search/jql", params={"jql": "", "maxResults": 1})
        transport.close()
    assert body["issues"] and transport.retries == 1
    assert time.monotonic() - started >= 1.0, "the client came back before Retry-After: 1"


def test_a_pull_gives_up_naming_the_endpoint_and_the_cursor(generated, tmp_path):
    with _Emulator(generated, faults="503:every=1"):
        with pytest.raises(PullError) as failure:
            pull(tmp_path, ("servicenow",), page_size=7, policy=RetryPolicy(attempts=3, base_seconds=0.01))
    message = str(failure.value)
    assert "servicenow GET api/now/table/core_company" in message
    assert "gave up after 3 attempts at cursor" in message and "HTTP 503" in message


def test_a_second_pull_into_the_same_folder_stops_at_once(generated, tmp_path):
    with _Emulator(generated), exclusive_pull(tmp_path):
        with pytest.raises(PullError, match="another usm pull is writing"):
            pull(tmp_path, ("jira",), policy=FAST_RETRIES)
    assert not list(tmp_path.rglob("*.ndjson"))


def _landing_files(landing: Path) -> dict[str, bytes]:
    return {p.relative_to(landing).as_posix(): p.read_bytes()
            for p in landing.rglob("*.ndjson") if not p.name.startswith(".")}


def _usm_pull(landing: Path, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "pull", "--landing", str(landing), *args],
        cwd=REPO_ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_a_killed_pull_resumes_with_exactly_the_same_records(generated, tmp_path):
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    with _Emulator(generated) as emulator:
        pull(whole, page_size=3, policy=FAST_RETRIES)
    # Slow answers, so the kill lands while pages are being written.
    with _Emulator(generated, faults="slow:every=1:secs=0.03") as emulator:
        process = _usm_pull(resumed, emulator.env, "--page-size", "3")
        state_file = state_path(resumed)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pages = PullState.open(state_file).data["pages"] if state_file.exists() else {}
            if sum(pages.values()) >= 25:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        assert process.returncode == -signal.SIGKILL
        interrupted = PullState.open(state_file).data
        assert 25 <= sum(interrupted["pages"].values()) < sum(
            PullState.open(state_path(whole)).data["pages"].values()), "the kill came too late to prove anything"
        process = _usm_pull(resumed, emulator.env, "--page-size", "3")
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-3000:]
    # The resumed pull wrote exactly the files of an uninterrupted one, byte for byte.
    assert _landing_files(resumed) == _landing_files(whole)
    _no_version_twice(_assert_same_records(generated, resumed))


def test_no_credential_in_logs_or_written_files(generated, tmp_path):
    with _Emulator(generated, faults="429:every=4:after=0,503:every=6,drop:every=9") as emulator:
        process = _usm_pull(tmp_path, emulator.env, "--page-size", "5")
        out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-3000:]
    assert "HTTP Request:" in err and "retry" in err, "the pull logged nothing: the check would prove nothing"
    basic = [base64.b64encode(f"{c['company']}+{c['public_key']}:{c['private_key']}".encode()).decode()
             for c in [CREDENTIALS["connectwise"]]]
    from pipelines.sources.emulator import ninjaone as ninjaone_emulator

    bearer = list(ninjaone_emulator._tokens)  # the access tokens the emulator handed out
    assert bearer
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    for secret in [*SECRETS, *basic, *bearer]:
        assert secret not in out and secret not in err, "a credential was logged"
        assert secret.encode() not in written, "a credential was written to the landing folder"


# What a pull cannot know: the versions a record went through before the pull. So an
# exception is first seen on the day of the version pulled, not of the first version.
HISTORY_BLIND = {
    "normalization_exceptions": "SELECT * EXCLUDE (first_seen_at) FROM marts.normalization_exceptions",
}


@pytest.mark.slow
def test_the_pulled_landing_builds_the_same_marts(generated, tmp_path):
    pulled = tmp_path / "pulled"
    with _Emulator(generated, faults="429:every=4:offset=1:after=0,503:every=5:offset=2,short:every=2"):
        pull(pulled, page_size=50, policy=FAST_RETRIES)
    shutil.copytree(generated / "mappings", pulled / "mappings")
    marts = {}
    for name, landing in {"files": generated, "api": pulled}.items():
        env = {"USM_LANDING_DIR": str(landing), "USM_DUCKDB_PATH": str(tmp_path / f"{name}.duckdb"),
               "USM_OUTPUT_DIR": str(tmp_path / f"{name}-output"), "DAGSTER_HOME": str(tmp_path / f"{name}-dagster")}
        run = subprocess.run([sys.executable, "-m", "pipelines.cli", "run"], cwd=REPO_ROOT,
                             env={**os.environ, **env}, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        with duckdb.connect(env["USM_DUCKDB_PATH"], read_only=True) as con:
            tables = [t for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1").fetchall()]
            marts[name] = {t: set(con.execute(HISTORY_BLIND.get(t, f"SELECT * FROM marts.{t}")).fetchall())
                           for t in tables}
    assert marts["files"]["fct_tickets"] and marts["files"]["ticket_sla"]
    assert marts["files"].keys() == marts["api"].keys()
    for table, rows in marts["files"].items():
        assert rows == marts["api"][table], f"marts.{table}: {sorted(rows ^ marts['api'][table], key=str)[:6]}"


def test_the_pull_apis_job_pulls_with_credentials_from_the_environment_and_records_none(generated, tmp_path,
                                                                                         monkeypatch):
    from pipelines.defs.ingestion.api_pull import pull_apis
    from pipelines.defs.ingestion.vendor_apis import vendor_apis_from_environment

    monkeypatch.setenv("USM_LANDING_DIR", str(tmp_path))
    instance = dg.DagsterInstance.ephemeral()
    with _Emulator(generated):
        apis = vendor_apis_from_environment()  # as the code location binds it: dg.EnvVar per setting
        assert apis.configured() == ["connectwise", "servicenow", "jira", "ninjaone"]
        result = pull_apis.execute_in_process(
            run_config={"ops": {"pull_vendor_apis": {"config": {"systems": ["jira", "ninjaone"], "page_size": 20}}}},
            instance=instance, resources={"vendor_apis": apis},
        )
    assert result.success
    assert result.output_for_node("pull_vendor_apis") == sum(
        len(open(p).readlines()) for p in tmp_path.rglob("*.ndjson"))
    assert {p.parts[-3] for p in tmp_path.rglob("*.ndjson")} == {"jira", "ninjaone"}
    # What the instance keeps of the run (its config, its events) names variables, never values.
    kept = repr(instance.get_run_by_id(result.run_id)) + repr(instance.all_logs(result.run_id))
    assert "ATATT-jira" not in kept and "n1-Cl13nt" not in kept
    assert not any(secret in kept for secret in SECRETS)


def test_an_unset_credential_fails_the_pull_run_naming_the_variable(generated, tmp_path, monkeypatch):
    from pipelines.defs.ingestion.api_pull import pull_apis
    from pipelines.defs.ingestion.vendor_apis import vendor_apis_from_environment

    monkeypatch.setenv("USM_LANDING_DIR", str(tmp_path))
    with _Emulator(generated):
        apis = vendor_apis_from_environment()
        monkeypatch.delenv(ENVIRONMENT["jira"]["token"])  # unset after the code location loaded
        with pytest.raises(dg.DagsterInvalidConfigError, match="USM_JIRA_TOKEN"):
            pull_apis.execute_in_process(
                run_config={"ops": {"pull_vendor_apis": {"config": {"systems": ["jira"]}}}},
                instance=dg.DagsterInstance.ephemeral(), resources={"vendor_apis": apis},
            )
    assert not list(tmp_path.rglob("*.ndjson"))


def test_writes_through_the_apis_land_as_new_versions_on_the_next_pull(generated, tmp_path):
    from pipelines.sources.connectwise import ConnectWiseClient
    from pipelines.sources.servicenow import ServiceNowClient

    with _Emulator(generated, faults="503:every=3") as emulator:
        emulator.server.store.now = datetime(2026, 1, 6, 9, 30)
        pull(tmp_path, page_size=50, policy=FAST_RETRIES)
        psa, itsm = ConnectWiseClient.from_env(FAST_RETRIES), ServiceNowClient.from_env(FAST_RETRIES)
        ticket = next(r for r in emulator.server.store.get("connectwise", "tickets").records if not r.get("closedFlag"))
        incident = next(r for r in emulator.server.store.get("servicenow", "incident").records
                        if str(r.get("state")) in {"1", "2", "3"})
        close = [{"op": "replace", "path": "status/name", "value": "Closed"},
                 {"op": "replace", "path": "closedFlag", "value": True}]
        closed = psa.update_ticket(ticket["id"], close)
        assert closed["closedFlag"] and closed["closedDate"] == "2026-01-06T09:30:00Z"
        assert psa.update_ticket(ticket["id"], close) == closed  # the second time changes nothing
        psa.add_ticket_note(ticket["id"], f"Closed by usm sync: {incident['number']} is resolved")
        assert [n["text"] for n in psa.ticket_notes(ticket["id"])] == [
            f"Closed by usm sync: {incident['number']} is resolved"]
        resolved = itsm.update_record("incident", incident["sys_id"], {"state": "6", "close_code": "Solved"})
        assert resolved["resolved_at"] == resolved["sys_updated_on"] == "2026-01-06 09:30:00"
        psa.close(), itsm.close()
        pull(tmp_path, page_size=50, policy=FAST_RETRIES)
    rows = _current(_raw_rows(tmp_path))
    assert (str(ticket["id"]), datetime(2026, 1, 6, 9, 30)) in rows["connectwise/tickets"]
    assert (incident["sys_id"], datetime(2026, 1, 6, 9, 30)) in rows["servicenow/incident"]
    audits = {r for r, s in rows["servicenow/sys_audit"] if s == datetime(2026, 1, 6, 9, 30)}
    assert len(audits) == 1, "the state change is audited, and the audit row pulled"
    assert {p.name[:10] for p in (tmp_path / "servicenow" / "incident").glob("*.ndjson")} >= {"2026-01-06"}
