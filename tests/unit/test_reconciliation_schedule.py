"""The nightly schedule runs at 02:00 in the site's time zone, for yesterday in that time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.automation import build_nightly_schedule


def test_nightly_runs_at_two_in_the_configured_time_zone_for_yesterday(tmp_path, monkeypatch):
    config = tmp_path / "usm.yaml"
    config.write_text("time_zone: America/Chicago\n")
    monkeypatch.setenv("USM_CONFIG", str(config))
    schedule = build_nightly_schedule()
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "America/Chicago")
    at = datetime(2026, 3, 2, 2, 0, tzinfo=ZoneInfo("America/Chicago"))  # 08:00 UTC on 2 March
    with dg.build_schedule_context(scheduled_execution_time=at, repository_def=defs.get_repository_def()) as context:
        request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-03-01"
