"""USM's pipeline: the Dagster code location, the loader, the `usm` command."""

import sys

# pandera imports pandas-on-Spark whenever pyspark is installed (the `spark` extra, for dbt's Spark
# target, which runs in dbt's own process): that import patches pandas' classes and warns about
# pandas 3 on every command's output. The pipeline never uses pandas-on-Spark, so its import fails
# here and pandera goes on without it.
sys.modules.setdefault("pyspark.pandas", None)
