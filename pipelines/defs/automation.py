"""Schedules and sensors, selected by group or tag, never by a list of keys."""

import hashlib
import json
from datetime import timedelta

import dagster as dg

from pipelines import settings
from pipelines.sources.catalog import dated_entities
from pipelines.sources.landing import _dated_files, extract_dates, files_digest

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
    def nightly(context: dg.ScheduleEvaluationContext):
        day = context.scheduled_execution_time.date() - timedelta(days=1)
        landing = settings.landing_dir()
        if day not in extract_dates(landing, dated_entities()):
            return dg.SkipReason(f"no extract dated {day} in {landing}: nothing to load, no run")
        return dg.RunRequest(run_key=day.isoformat(), partition_key=day.isoformat())

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


def landing_digests(landing) -> dict[str, dict[dg.AssetKey, str]]:
    """Per extract date, per raw asset with files that date: the digest of its files."""
    files: dict[str, dict[dg.AssetKey, list]] = {}
    for entity in dated_entities():
        for day, path in _dated_files(landing / entity.folder):
            key = dg.AssetKey([entity.schema, entity.entity])
            files.setdefault(day.isoformat(), {}).setdefault(key, []).append(path)
    return {day: {key: files_digest(paths) for key, paths in by_key.items()} for day, by_key in files.items()}


def _one_digest(digests: dict[dg.AssetKey, str]) -> str:
    named = sorted((key.to_user_string(), digest) for key, digest in digests.items())
    return hashlib.sha1(json.dumps(named).encode()).hexdigest()[:16]


def _loaded_unchanged(instance: dg.DagsterInstance, day: str, digests: dict[dg.AssetKey, str]) -> bool:
    """Every raw asset with files that date last loaded exactly these files (its materialization
    records their digest): `usm run`, the UI or an earlier tick already did the work."""
    for key, digest in digests.items():
        latest = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key, asset_partitions=[day]), limit=1)
        if not latest.records:
            return False
        recorded = latest.records[0].asset_materialization.metadata.get("file_digests")
        if recorded is None or recorded.value.get(day) != digest:
            return False
    return True


@dg.sensor(
    name="new_extract_files",
    job=pipeline_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Runs the pipeline for every extract date whose files appeared or changed "
    "(an extract dropped in the landing folder, or pages written by `usm pull`), never for a date "
    "whose files are loaded unchanged.",
)
def new_extract_files(context: dg.SensorEvaluationContext):
    seen = json.loads(context.cursor) if context.cursor else {}
    now = {day: (digests, _one_digest(digests)) for day, digests in landing_digests(settings.landing_dir()).items()}
    changed = sorted(day for day, (_, digest) in now.items() if seen.get(day) != digest)
    first = settings.site_config().extracts_from.isoformat()
    for day in [day for day in changed if day < first]:
        context.log.warning(f"extract date {day} is before extracts_from ({first}) in usm.yaml: not run")
    for day in [day for day in changed if day >= first]:
        digests, digest = now[day]
        if not _loaded_unchanged(context.instance, day, digests):
            yield dg.RunRequest(run_key=f"{day}:{digest}", partition_key=day)
    if changed:
        context.update_cursor(json.dumps({day: digest for day, (_, digest) in now.items()}, sort_keys=True))
