"""Schedules and sensors, selected by group or tag, never by a list of keys."""

from datetime import timedelta

import dagster as dg

from pipelines import settings
from pipelines.defs.partitions import extract_date_partitions

# Everything that a day's extracts feed: the raw layer, what dbt builds from it (reconciliation
# included) and the nightly reconciliation report. `usm run` executes this same job over a
# range of dates.
pipeline_job = dg.define_asset_job(
    "pipeline",
    selection=dg.AssetSelection.tag("layer", "raw").downstream(),
    partitions_def=extract_date_partitions,
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
