"""The code location: assembles the definitions; nothing else."""

import dagster as dg

from pipelines.defs.alerts import post_alerts, usm_alerts
from pipelines.defs.automation import (
    build_monthly_schedule,
    build_nightly_schedule,
    governance_job,
    new_extract_files,
    pipeline_job,
)
from pipelines.defs.governance.evidence_packets import evidence_packets
from pipelines.defs.governance.reconciliation_report import reconciliation_report
from pipelines.defs.ingestion.api_pull import pull_apis
from pipelines.defs.ingestion.raw_assets import quarantine, raw_assets, raw_mappings
from pipelines.defs.ingestion.raw_retention import raw_retention
from pipelines.defs.publish.marts_snapshot import marts_snapshot
from pipelines.defs.quality.pandera_checks import mart_checks
from pipelines.defs.resources import build_resources
from pipelines.defs.transform.dbt_assets import usm_dbt_models

defs = dg.Definitions(
    assets=[*raw_assets, raw_mappings, quarantine, usm_dbt_models, marts_snapshot, reconciliation_report,
            evidence_packets, raw_retention],
    asset_checks=mart_checks,
    jobs=[pipeline_job, governance_job, pull_apis, post_alerts],
    schedules=[build_nightly_schedule(), build_monthly_schedule()],
    sensors=[new_extract_files, usm_alerts],
    resources=build_resources(),
    # One process per run: a subprocess per step costs ~15 s of imports here, more than the SQL.
    executor=dg.in_process_executor,
)
