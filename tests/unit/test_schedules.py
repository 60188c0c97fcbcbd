"""The schedules: nightly at 02:00 and monthly on the 1st at 06:00, in the site's time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.automation import build_nightly_schedule


def test_nightly_runs_at_two_in_the_configured_time_zone_for_yesterday(tmp_path, monkeypatch):
    config = tmp_path / "usm.yaml"
    config.write_text("time_zone: America/Chicago\n")
    monkeypatch.setenv("USM_CONFIG", str(config))
    monkeypatch.setenv("USM_LANDING_DIR", str(tmp_path / "landing"))
    (tmp_path / "landing" / "connectwise" / "tickets").mkdir(parents=True)
    (tmp_path / "landing" / "connectwise" / "tickets" / "2026-03-01.json").write_text("[]")
    schedule = build_nightly_schedule()
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "America/Chicago")
    at = datetime(2026, 3, 2, 2, 0, tzinfo=ZoneInfo("America/Chicago"))  # 08:00 UTC on 2 March
    with dg.build_schedule_context(scheduled_execution_time=at, repository_def=defs.get_repository_def()) as context:
        request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-03-01"


def test_nightly_without_an_extract_for_yesterday_says_so_and_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("USM_LANDING_DIR", str(tmp_path))
    (tmp_path / "connectwise" / "tickets").mkdir(parents=True)
    (tmp_path / "connectwise" / "tickets" / "2026-03-01.json").write_text("[]")
    at = datetime(2026, 3, 3, 2, 0, tzinfo=ZoneInfo("UTC"))  # yesterday is 2 March: no file
    with dg.build_schedule_context(scheduled_execution_time=at, repository_def=defs.get_repository_def()) as context:
        tick = build_nightly_schedule().evaluate_tick(context)
    assert tick.run_requests == []
    assert tick.skip_message == f"no extract dated 2026-03-02 in {tmp_path}: nothing to load, no run"


def test_monthly_governance_runs_on_the_first_at_six_for_last_month(tmp_path, monkeypatch):
    from pipelines.defs.automation import build_monthly_schedule

    config = tmp_path / "usm.yaml"
    config.write_text("time_zone: Asia/Singapore\n")
    monkeypatch.setenv("USM_CONFIG", str(config))
    schedule = build_monthly_schedule()
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 1 * *", "Asia/Singapore")
    # 06:00 on 1 January in Singapore is 22:00 UTC on 31 December: the packets are December's.
    at = datetime(2027, 1, 1, 6, 0, tzinfo=ZoneInfo("Asia/Singapore"))
    with dg.build_schedule_context(scheduled_execution_time=at, repository_def=defs.get_repository_def()) as context:
        request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-12-01"
    assert schedule.job_name == "monthly_governance"
