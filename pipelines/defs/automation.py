"""Schedules and sensors, selected by group or tag, never by a list of keys."""


import dagster as dg

from pipelines.defs.partitions import extract_date_partitions

# Everything that a day's extracts feed: the raw layer and what dbt builds from it.
# `usm run` executes this same job over a range of dates.
pipeline_job = dg.define_asset_job(
    "pipeline",
    selection=dg.AssetSelection.tag("layer", "raw").downstream(),
    partitions_def=extract_date_partitions,
    description="Load a day's extracts and rebuild what depends on them.",
)

nightly_schedule = dg.build_schedule_from_partitioned_job(
    pipeline_job,
    hour_of_day=2,
    minute_of_hour=0,
    description="02:00 UTC: yesterday's extracts, then the models.",
)
