"""The sensor asks for a run of every extract date whose files are new or changed, once."""

import os

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.automation import new_extract_files


def _tick(cursor):
    """An instance that has loaded nothing: what is new or changed is asked for."""
    with dg.DagsterInstance.ephemeral() as instance, dg.build_sensor_context(
        instance=instance, cursor=cursor, repository_def=defs.get_repository_def()
    ) as context:
        result = new_extract_files.evaluate_tick(context)
    return sorted(r.partition_key for r in result.run_requests), result.cursor or cursor


def test_new_and_changed_extract_files_request_their_dates_once(tmp_path, monkeypatch):
    monkeypatch.setenv("USM_LANDING_DIR", str(tmp_path))
    tickets = tmp_path / "connectwise" / "tickets"
    tickets.mkdir(parents=True)
    (tickets / "2026-01-01.json").write_text("[]")
    (tickets / "2026-01-02_api-000001.ndjson").write_text("{}\n")
    (tmp_path / "connectwise" / "tickets" / "notes.txt").write_text("not an extract")
    requested, cursor = _tick(None)
    assert requested == ["2026-01-01", "2026-01-02"]
    assert _tick(cursor)[0] == []  # nothing new: no run
    (tmp_path / "jira" / "issues").mkdir(parents=True)
    (tmp_path / "jira" / "issues" / "2026-01-03.json").write_text('{"issues": []}')
    page = tickets / "2026-01-02_api-000001.ndjson"
    page.write_text('{"id": 1}\n')  # a page written again
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000))
    requested, cursor = _tick(cursor)
    assert requested == ["2026-01-02", "2026-01-03"]
    assert _tick(cursor)[0] == []
