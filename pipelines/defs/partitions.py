"""Partitions: extract dates (the date in a landing file's name), in UTC."""

import dagster as dg

# Early enough for real history exports (the ServiceNow event log starts in 2016);
# `usm run` only ever materializes the dates that have files.
extract_date_partitions = dg.DailyPartitionsDefinition(start_date="2016-01-01", end_offset=1)

# Governance: one evidence packet per calendar month (UTC, like every stamp in the marts).
packet_month_partitions = dg.MonthlyPartitionsDefinition(start_date="2016-01-01", end_offset=1)
