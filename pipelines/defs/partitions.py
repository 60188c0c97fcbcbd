"""Partitions: extract dates (the date in a landing file's name), in UTC.

Both start at usm.yaml `extracts_from` (docs/configuration.md), read when the code location
loads: a history export may begin years before 2016. `usm run` only ever materializes the
dates that have files, and refuses a file dated before the start in one line.
"""

import dagster as dg

from pipelines import settings


def extract_date_partitions(site: settings.SiteConfig | None = None) -> dg.DailyPartitionsDefinition:
    start = (site or settings.site_config()).extracts_from
    return dg.DailyPartitionsDefinition(start_date=start.isoformat(), end_offset=1)


def packet_month_partitions(site: settings.SiteConfig | None = None) -> dg.MonthlyPartitionsDefinition:
    """Governance: one evidence packet per calendar month (UTC, like every stamp in the marts)."""
    start = (site or settings.site_config()).extracts_from.replace(day=1)
    return dg.MonthlyPartitionsDefinition(start_date=start.isoformat(), end_offset=1)
