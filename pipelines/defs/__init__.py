"""The Dagster definitions, one folder per stage of the data flow."""

import warnings

# Single-run backfills (one run for a range of dates or months) are what `usm run` and
# `usm packet` rely on; Dagster marks the parameter beta and warns once per asset.
warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy`", category=Warning)
