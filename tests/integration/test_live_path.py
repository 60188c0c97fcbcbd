"""The live path as a person meets it: `usm serve-api` in its own process on 127.0.0.1, `usm pull`
against it, the way a shell runs them.

`serve-api` prints every variable the clients read (URL and credentials, as `export` lines that
work when pasted), and never the value of a credential it took from its own environment. A pull
with a variable unset, or with credentials the server refuses, exits 2 in one line naming the
variables (what to fix, not "run it again"); Ctrl-C exits 130 in one line, for `usm sync --apply`
too. A change made through the APIs is stamped at the end of the landing's last extract date (read
here from the file names), is kept in the landing's `.usm` folder (which the loader does not read),
and is served again after a restart.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from test_api_ingestion import CREDENTIALS

from pipelines.generator import generate
from pipelines.sources.pull import PullState, state_path
from pipelines.sources.transport import ENVIRONMENT

EVERY_VARIABLE = {variable for names in ENVIRONMENT.values() for variable in names.values()}
SECRET_KEYS = {"private_key", "password", "token", "client_secret"}


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any vendor variable, plus `extra`."""
    return {**{k: v for k, v in os.environ.items() if k not in EVERY_VARIABLE}, **extra}


def credential_environment(systems) -> dict[str, str]:
    return {ENVIRONMENT[system][key]: value for system in systems for key, value in CREDENTIALS[system].items()}


class ServeApi:
    """`usm serve-api` in its own process on a free port, read up to its "ready" line."""

    def __init__(self, landing: Path, env: dict[str, str], *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "serve-api", "--port", "0", "--landing", str(landing), *args],
            cwd=REPO_ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if line.startswith("usm serve-api: ready"):
                break
        if not self.lines or not self.lines[-1].startswith("usm serve-api: ready"):
            self.stop()
            raise AssertionError(f"usm serve-api did not start: {self.lines} {self.process.stderr.read()[-3000:]}")
        self.exports = dict(re.fullmatch(r"export (\w+)=(\S+)", line).groups()
                            for line in self.lines if line.startswith("export "))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.communicate(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _usm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("live-path")
    generate(out=base / "landing", truth=base / "truth", clients=2, days=3, seed=7)
    return base / "landing"


@pytest.fixture
def served(landing, tmp_path) -> Path:
    """A copy of the landing for a test whose changes through the APIs `serve-api` keeps in it."""
    shutil.copytree(landing, tmp_path / "served")
    return tmp_path / "served"


def test_serve_api_prints_every_variable_and_a_pull_with_exactly_those_succeeds(landing, tmp_path):
    with ServeApi(landing, clean_environment()) as server:
        assert set(server.exports) == EVERY_VARIABLE
        port = re.search(r"http://127\.0\.0\.1:(\d+)", server.lines[0])[1]
        assert server.exports["USM_SERVICENOW_URL"] == f"http://127.0.0.1:{port}/servicenow"
        pulled = _usm("pull", "--landing", str(tmp_path), env=clean_environment(**server.exports))
    assert pulled.returncode == 0, pulled.stderr[-3000:]
    assert {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*.ndjson")} == set(ENVIRONMENT)


def test_credentials_from_its_environment_are_named_never_printed(landing):
    env = clean_environment(**credential_environment(["servicenow", "jira"]))
    with ServeApi(landing, env) as server:
        output = "\n".join(server.lines)
    taken = {ENVIRONMENT[s][k] for s in ("servicenow", "jira") for k in CREDENTIALS[s]}
    assert set(server.exports) == EVERY_VARIABLE - taken
    for system in ("servicenow", "jira"):
        named = [line for line in server.lines if line.startswith("# ") and ENVIRONMENT[system]["user" if system ==
                 "servicenow" else "email"] in line]
        assert len(named) == 1 and all(ENVIRONMENT[system][k] in named[0] for k in CREDENTIALS[system])
    for system, values in CREDENTIALS.items():
        for key, value in values.items():
            assert value not in output, f"{system} {key} printed"


def test_a_pull_with_variables_unset_exits_2_naming_them_and_pulls_nothing(landing, tmp_path):
    with ServeApi(landing, clean_environment()) as server:
        exports = {k: v for k, v in server.exports.items() if k not in {"USM_JIRA_TOKEN", "USM_NINJAONE_URL"}}
        pulled = _usm("pull", "--landing", str(tmp_path), env=clean_environment(**exports))
    assert pulled.returncode == 2
    assert pulled.stderr.splitlines() == [
        "usm pull: set USM_JIRA_TOKEN, USM_NINJAONE_URL in the environment (each system's API URL and credentials;"
        " `usm serve-api` prints them for its emulator)"]
    assert not list(tmp_path.rglob("*.ndjson")), "ConnectWise, pulled first, was pulled before the check"


@pytest.fixture(scope="module")
def guarded(landing):
    """An emulator that accepts only CREDENTIALS, as a vendor accepts only its integration's."""
    with ServeApi(landing, clean_environment(**credential_environment(CREDENTIALS))) as server:
        yield server


@pytest.mark.parametrize("system", list(ENVIRONMENT))
def test_refused_credentials_exit_2_naming_the_variables_and_the_url(guarded, system, tmp_path):
    secret = next(key for key in CREDENTIALS[system] if key in SECRET_KEYS)
    wrong = {**credential_environment(CREDENTIALS), ENVIRONMENT[system][secret]: "not-the-secret-0451"}
    url = guarded.exports[ENVIRONMENT[system]["url"]]
    pulled = _usm("pull", "--system", system, "--landing", str(tmp_path),
                  env=clean_environment(**wrong, **{ENVIRONMENT[s]["url"]: guarded.exports[ENVIRONMENT[s]["url"]]
                                                     for s in ENVIRONMENT}))
    assert pulled.returncode == 2, pulled.stderr[-3000:]
    last = pulled.stderr.splitlines()[-1]
    variables = ", ".join(v for k, v in ENVIRONMENT[system].items() if k != "url")
    assert last.startswith(f"usm pull: {system}: the credentials in {variables} were refused by {url} (")
    assert "HTTP 401" in last and "resume" not in pulled.stderr and "Traceback" not in pulled.stderr
    assert sum(line.startswith("usm pull:") for line in pulled.stderr.splitlines()) == 1
    assert "not-the-secret-0451" not in pulled.stderr and not list(tmp_path.rglob("*.ndjson"))


def test_ctrl_c_during_a_pull_is_one_line_and_exit_130(landing, tmp_path):
    with ServeApi(landing, clean_environment(), "--faults", "slow:every=1:secs=0.3") as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "pull", "--landing", str(tmp_path), "--page-size", "1"],
            cwd=REPO_ROOT, env=clean_environment(**server.exports), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
                state_path(tmp_path).exists() and sum(PullState.open(state_path(tmp_path)).data["pages"].values())):
            time.sleep(0.05)
        assert process.poll() is None, "the pull ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err[-3000:]
    assert err.splitlines()[-1] == "usm pull: interrupted; run it again to resume from the last page written"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def _extract_dates(landing: Path) -> list[str]:
    """The dates in the names of the landing's extract files (not its mappings)."""
    return sorted({m[1] for p in landing.rglob("*") if p.is_file() and p.relative_to(landing).parts[0] in ENVIRONMENT
                   and (m := re.match(r"(\d{4}-\d{2}-\d{2})", p.name))})


def _files(landing: Path) -> dict[str, bytes]:
    return {p.relative_to(landing).as_posix(): p.read_bytes() for p in landing.rglob("*") if p.is_file()}


def test_a_change_is_stamped_at_the_last_extract_and_served_again_after_a_restart(served, tmp_path):
    from pipelines.sources.connectwise import ConnectWiseClient
    from pipelines.sources.servicenow import ServiceNowClient
    from pipelines.sources.transport import settings_from_env

    pulled = tmp_path / "pulled"
    extracts = _extract_dates(served)
    assert len(extracts) >= 2
    last = extracts[-1]  # the newest date of the file names: the emulated systems' "now" is its end
    before = _files(served)

    def clients(env):
        return (ConnectWiseClient(settings_from_env("connectwise", env)),
                ServiceNowClient(settings_from_env("servicenow", env)))

    with ServeApi(served, clean_environment()) as server:
        assert "(0 replayed" in server.lines[1]
        psa, itsm = clients(server.exports)
        tickets, _ = psa.transport.get_json("service/tickets", params={"pageSize": 1000})
        ticket = next(t for t in tickets if not t.get("closedFlag"))
        closed = psa.update_ticket(ticket["id"], [{"op": "replace", "path": "closedFlag", "value": True}])
        psa.add_ticket_note(ticket["id"], "closed by the live-path test")
        body, _ = itsm.transport.get_json("api/now/table/incident")
        incident = body["result"][0]
        state = "2" if incident["state"] == "6" else "6"  # a change of state, which the instance audits
        resolved = itsm.update_record("incident", incident["sys_id"], {"state": state})
        psa.close(), itsm.close()
    assert closed["_info"]["lastUpdated"] == closed["closedDate"] == f"{last}T23:59:59Z"
    assert resolved["sys_updated_on"] == f"{last} 23:59:59"
    kept = {name: data for name, data in _files(served).items() if name not in before}
    assert list(kept) == [".usm/emulator_changes.ndjson"], "the change went somewhere the loader reads"
    assert _files(served).items() >= before.items(), "a landing file was changed"

    with ServeApi(served, clean_environment()) as server:
        # the ticket, its note, the incident and its state audit
        assert "(4 replayed" in server.lines[1], server.lines[1]
        assert f"stamped {last} 23:59:59" in server.lines[1]
        psa, itsm = clients(server.exports)
        again = psa.get_ticket(ticket["id"])
        notes = [n["text"] for n in psa.ticket_notes(ticket["id"])]
        served_state = itsm.get_record("incident", incident["sys_id"])["state"]
        psa.close(), itsm.close()
        pull = _usm("pull", "--system", "connectwise", "--landing", str(pulled),
                    env=clean_environment(**server.exports))
    assert again == closed and notes == ["closed by the live-path test"] and served_state == state
    assert pull.returncode == 0, pull.stderr[-3000:]
    # The next pull files the change under the last extract date, not the day the test runs.
    holding = [p for p in (pulled / "connectwise" / "tickets").glob("*.ndjson")
               if f'"id":{ticket["id"]},' in p.read_text()]
    assert [p.name[:10] for p in holding] == [last]
    assert f'"lastUpdated":"{last}T23:59:59Z"' in holding[0].read_text()


def test_the_clock_never_goes_back_before_a_change_it_kept(served):
    """A change stamped later than the last extract (by --now) is still the newest after a restart
    without --now: the default clock starts from it, or a second change would be older than the first."""
    from pipelines.sources.connectwise import ConnectWiseClient
    from pipelines.sources.transport import settings_from_env

    later = f"{_extract_dates(served)[-1][:8]}28 08:00:00"  # the 28th of the last extract's month
    with ServeApi(served, clean_environment(), "--now", later) as server:
        psa = ConnectWiseClient(settings_from_env("connectwise", server.exports))
        tickets, _ = psa.transport.get_json("service/tickets", params={"pageSize": 1000})
        ticket = next(t for t in tickets if not t.get("closedFlag"))
        psa.update_ticket(ticket["id"], [{"op": "replace", "path": "closedFlag", "value": True}])
        psa.close()
    with ServeApi(served, clean_environment()) as server:
        assert f"stamped {later} (" in server.lines[1] and "(1 replayed" in server.lines[1], server.lines[1]


def _sync_plan(warehouse: Path, ticket_ids: list[int]) -> None:
    """A marts.sync_actions table closing these ConnectWise tickets: the plan `usm sync` reads."""
    import duckdb

    from pipelines.lib.closure_sync import SYNC_ACTION_COLUMNS

    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(f"CREATE TABLE marts.sync_actions ({', '.join(f'{c} VARCHAR' for c in SYNC_ACTION_COLUMNS)})")
        for ticket_id in ticket_ids:
            con.execute("INSERT INTO marts.sync_actions VALUES (?, ?, ?, ?, ?, ?, ?)", [
                f"close_psa_ticket:connectwise:{ticket_id}", f"wi:{ticket_id}", "close_psa_ticket",
                "itsm_resolved_psa_open", f"connectwise:{ticket_id}", str(ticket_id), "servicenow:INC0000001"])


def test_usm_sync_apply_names_unset_variables_and_ctrl_c_is_one_line(served, tmp_path):
    from pipelines.sources.connectwise import ConnectWiseClient
    from pipelines.sources.transport import settings_from_env

    warehouse, output = tmp_path / "warehouse.duckdb", tmp_path / "output"
    # Each request answers half a second late: an action (read, close, note, read) takes about two.
    with ServeApi(served, clean_environment(), "--faults", "slow:every=1:secs=0.5") as server:
        psa = ConnectWiseClient(settings_from_env("connectwise", server.exports))
        listed, _ = psa.transport.get_json("service/tickets", params={"pageSize": 1000})
        psa.close()
        tickets = [t["id"] for t in listed if not t.get("closedFlag")]
        assert len(tickets) >= 3, tickets
        _sync_plan(warehouse, tickets)
        unset = _usm("sync", "--apply", "--db", str(warehouse), env=clean_environment(USM_OUTPUT_DIR=str(output)))
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "sync", "--apply", "--db", str(warehouse)], cwd=REPO_ROOT,
            env=clean_environment(USM_OUTPUT_DIR=str(output), **server.exports),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        log_file, deadline = output / "sync" / "actions.ndjson", time.monotonic() + 60
        while time.monotonic() < deadline and not (log_file.exists() and log_file.read_text()):
            time.sleep(0.05)
        assert process.poll() is None, "the sync ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert unset.returncode == 2
    assert unset.stderr.splitlines() == [
        "usm sync: set " + ", ".join([*ENVIRONMENT["connectwise"].values(), *ENVIRONMENT["servicenow"].values()])
        + " in the environment (each system's API URL and credentials; `usm serve-api` prints them for its emulator)"]
    assert process.returncode == 130, err[-3000:]
    assert err.splitlines()[-1] == (f"usm sync: interrupted; the actions done are in {log_file}; "
                                    "applying again skips what is aligned")
    assert "Traceback" not in err
    assert 1 <= len(log_file.read_text().splitlines()) < len(tickets)
