"""A busy Jira issue: its search result carries 40 of its 100 status changes, as Jira Cloud's
`/search/jql` does, and `usm pull` reads the other 60 from `/rest/api/3/issue/{id}/changelog`.
The clocks of the pulled issue are the clocks of its whole history.

The issue: one of a generated world's, given 100 status changes 10 minutes apart, alternating
between In Progress (its clock runs) and Waiting for customer (paused), then resolved. By hand:
opened at T, first response at T + 10 min (the first change out of Waiting for support), 49
pauses of 10 minutes each, resolved at T + 1,000 min.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
from conftest import instance_home, usm

from pipelines.generator import generate
from pipelines.sources.emulator.server import EmulatorServer
from pipelines.sources.pull import pull
from pipelines.sources.transport import RetryPolicy

pytestmark = pytest.mark.slow

CHANGES = 100
STEP = timedelta(minutes=10)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _busy_issue(landing: Path) -> str:
    """The last issue of the last Jira file, rewritten with 100 status changes, in a file of its own."""
    last = sorted((landing / "jira" / "issues").iterdir())[-1]
    issue = _issues(last)[-1]
    opened = datetime.strptime(issue["fields"]["created"][:19], "%Y-%m-%dT%H:%M:%S")
    statuses = ["Waiting for support"] + ["In Progress", "Waiting for customer"] * 49 + ["In Progress", "Resolved"]
    histories = [
        {
            "id": str(900_000 + number),
            "created": _stamp(opened + STEP * number),
            "items": [{"field": "status", "fromString": before, "toString": after}],
        }
        for number, (before, after) in enumerate(zip(statuses, statuses[1:], strict=False), start=1)
    ]
    assert len(histories) == CHANGES
    resolved = opened + STEP * CHANGES
    issue["fields"].update(
        status={"name": "Resolved", "statusCategory": {"key": "done", "name": "Done"}},
        resolutiondate=_stamp(resolved), updated=_stamp(resolved),
    )
    issue["changelog"] = {"startAt": 0, "maxResults": CHANGES, "total": CHANGES, "histories": histories}
    (last.parent / f"{resolved.date().isoformat()}_busy.json").write_text(json.dumps({"issues": [issue]}))
    return issue["key"]


@pytest.fixture(scope="module")
def landings(tmp_path_factory) -> tuple[Path, Path, str]:
    base = tmp_path_factory.mktemp("jira-paging")
    whole = base / "whole"
    generate(out=whole, truth=base / "truth", clients=3, days=5, seed=7)
    key = _busy_issue(whole)
    # the pulled landing: the same world, its Jira issues as usm pull writes them from the emulator
    pulled = base / "pulled"
    shutil.copytree(whole, pulled)
    shutil.rmtree(pulled / "jira")
    server = EmulatorServer(whole)
    server.start_in_thread()
    try:
        connections = {"jira": {"url": server.urls()["jira"], "email": "usm@example.com", "token": "t"}}
        pull(pulled, ("jira",), page_size=50, policy=RetryPolicy(attempts=3, base_seconds=0.01),
             connections=connections)
    finally:
        server.shutdown()
        server.server_close()
    return whole, pulled, key


def _issues(path: Path) -> list[dict]:
    """The issues of a landing file: a Jira envelope or NDJSON (what usm pull writes), maybe gzipped."""
    data = path.read_bytes()
    text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode()
    if ".ndjson" in path.name:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)["issues"]


def _changelog(landing: Path, key: str) -> list[dict]:
    found = [i for path in sorted((landing / "jira" / "issues").iterdir()) for i in _issues(path) if i["key"] == key]
    return max(found, key=lambda issue: issue["fields"]["updated"])["changelog"]["histories"]


def test_the_search_carries_40_changes_and_the_pull_reads_the_other_60(landings):
    whole, pulled, key = landings
    assert len(_changelog(whole, key)) == CHANGES
    server = EmulatorServer(whole)
    server.start_in_thread()
    try:
        response = httpx.get(
            f"{server.urls()['jira']}/rest/api/3/search/jql",
            params={"jql": 'updated >= "2000-01-01 00:00"', "fields": "*all", "expand": "changelog",
                    "maxResults": 5000},
            auth=("usm@example.com", "t"),
        )
    finally:
        server.shutdown()
        server.server_close()
    searched = next(issue for issue in response.json()["issues"] if issue["key"] == key)
    assert len(searched["changelog"]["histories"]) == 40 and searched["changelog"]["total"] == CHANGES
    assert _changelog(pulled, key) == _changelog(whole, key)


def _clocks(landing: Path, base: Path, key: str) -> list[tuple]:
    env = {
        "USM_LANDING_DIR": str(landing),
        "USM_DUCKDB_PATH": str(base / "warehouse.duckdb"),
        "USM_OUTPUT_DIR": str(base / "output"),
        "DAGSTER_HOME": instance_home(base.name),
    }
    run = usm("run", env=env, check=False)
    assert run.returncode == 0, run.stdout[-3000:]
    with duckdb.connect(str(base / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT sla_metric, started_at, stopped_at, elapsed_business_minutes, paused_business_minutes, "
            "target_minutes, is_met FROM marts.ticket_sla WHERE ticket_id = ? ORDER BY sla_metric",
            [f"jira:{key}"],
        ).fetchall()


def test_the_pulled_issue_has_the_clocks_of_its_whole_history(landings, tmp_path):
    whole, pulled, key = landings
    expected = _clocks(whole, tmp_path / "whole-run", key)
    assert _clocks(pulled, tmp_path / "pulled-run", key) == expected
    by_metric = {row[0]: row for row in expected}
    # response: Waiting for support (new) -> In Progress after 10 minutes, nothing paused before it
    assert by_metric["response"][2] - by_metric["response"][1] == STEP
    # resolution: 1,000 minutes from opening to resolved, 49 pauses of 10 minutes
    assert by_metric["resolution"][2] - by_metric["resolution"][1] == STEP * CHANGES
