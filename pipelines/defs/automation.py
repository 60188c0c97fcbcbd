"""Schedules and sensors, selected by group or tag, never by a list of keys."""

import hashlib
import json
from datetime import timedelta

import dagster as dg

from pipelines import settings
from pipelines.sources.catalog import dated_entities
from pipelines.sources.landing import _dated_files

MONTHLY = dg.AssetSelection.tag("cadence", "monthly")

# Everything that a day's extracts feed: the raw layer, what dbt builds from it (reconciliation
# included) and the nightly reconciliation report. `usm run` executes this same job over a
# range of dates. The monthly governance assets have their own job and schedule. The staging
# model of the declared tools reads raw tables by name (dbt tag `reads_raw_by_name`): with no
# tool declared nothing raw is upstream of it, yet the tickets models read it. The marts' column
# reference reads no data (dbt tag `every_run`), and the analysts' snapshot is published after it.
pipeline_job = dg.define_asset_job(
    "pipeline",
    selection=(
        dg.AssetSelection.tag("layer", "raw")
        | dg.AssetSelection.tag("reads_raw_by_name", "")
        | dg.AssetSelection.tag("every_run", "")
    ).downstream()
    - MONTHLY,
    description="Load a day's extracts and rebuild what depends on them.",
)


def build_nightly_schedule() -> dg.ScheduleDefinition:
    """02:00 in the site's time zone (usm.yaml `time_zone`): ingestion of yesterday's extracts
    (yesterday in that time zone), then the models, reconciliation and its report."""
    time_zone = settings.site_config().time_zone

    @dg.schedule(
        name="nightly",
        job=pipeline_job,
        cron_schedule="0 2 * * *",
        execution_timezone=time_zone,
        description=f"02:00 {time_zone}: yesterday's extracts, then the models, reconciliation and its report.",
    )
    def nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        day = (context.scheduled_execution_time.date() - timedelta(days=1)).isoformat()
        return dg.RunRequest(run_key=day, partition_key=day)

    return nightly


governance_job = dg.define_asset_job(
    "monthly_governance",
    selection=MONTHLY,
    description="Write a month's evidence packets from the published marts. `usm packet` runs it.",
)


def build_monthly_schedule() -> dg.ScheduleDefinition:
    """The 1st at 06:00 in the site's time zone: last month's evidence packets, after the
    nightly run of 02:00 has published the marts with that month's last day."""
    time_zone = settings.site_config().time_zone

    @dg.schedule(
        name="monthly_governance",
        job=governance_job,
        cron_schedule="0 6 1 * *",
        execution_timezone=time_zone,
        description=f"The 1st at 06:00 {time_zone}: last month's evidence packets.",
    )
    def monthly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        this_month = context.scheduled_execution_time.date().replace(day=1)
        last_month = (this_month - timedelta(days=1)).replace(day=1).isoformat()
        return dg.RunRequest(run_key=last_month, partition_key=last_month)

    return monthly


def landing_fingerprints(landing) -> dict[str, str]:
    """Per extract date, a digest of its files' names, sizes and modification times."""
    files: dict[str, list[str]] = {}
    for entity in dated_entities():
        for day, path in _dated_files(landing / entity.folder):
            stat = path.stat()
            name = f"{entity.folder}/{path.name}:{stat.st_size}:{stat.st_mtime_ns}"
            files.setdefault(day.isoformat(), []).append(name)
    return {day: hashlib.sha1("\n".join(sorted(names)).encode()).hexdigest()[:16] for day, names in files.items()}


@dg.sensor(
    name="new_extract_files",
    job=pipeline_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Runs the pipeline for every extract date whose files appeared or changed "
    "(an extract dropped in the landing folder, or pages written by `usm pull`).",
)
def new_extract_files(context: dg.SensorEvaluationContext):
    seen = json.loads(context.cursor) if context.cursor else {}
    now = landing_fingerprints(settings.landing_dir())
    changed = sorted(day for day, digest in now.items() if seen.get(day) != digest)
    first = settings.site_config().extracts_from.isoformat()
    for day in [day for day in changed if day < first]:
        context.log.warning(f"extract date {day} is before extracts_from ({first}) in usm.yaml: not run")
    for day in [day for day in changed if day >= first]:
        yield dg.RunRequest(run_key=f"{day}:{now[day]}", partition_key=day)
    if changed:
        context.update_cursor(json.dumps(now, sort_keys=True))
