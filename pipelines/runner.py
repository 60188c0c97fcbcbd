"""`usm run`: the whole asset graph, every extract date, in one in-process Dagster run.

One process on purpose: on a 2-core machine a subprocess per step costs ~15 s of imports,
far more than the SQL. The run is recorded in the Dagster instance like any other, so
the UI shows it; its dates are one partition range (a single-run backfill).
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipelines import settings
from pipelines.errors import UserError
from pipelines.lib.alert_messages import one_line_cause
from pipelines.lib.run_lock import exclusive_run, warehouse_free
from pipelines.sources.catalog import QUARANTINE_TABLE, dated_entities
from pipelines.sources.landing import extract_dates, files_before

REPO_ROOT = Path(__file__).resolve().parent.parent
PIPELINE_JOB = "pipeline"
GOVERNANCE_JOB = "monthly_governance"
PACKET_STEP = "governance__evidence_packets"


@dataclass
class RunOutcome:
    success: bool
    """Every step ran and no blocking check failed: what was planned published (`usm run` exits 0)."""
    dates: list[date]
    failed_steps: list[tuple[str, str]]
    """(step, its cause in one line): what `usm run` ends with; the full trace is in `log_path`."""
    failed_checks: list[str]
    """Blocking checks that failed: what they guard was held back."""
    row_counts: dict[str, int]
    quarantined: int
    warnings: list[str] = field(default_factory=list)
    """Checks that warn (the marts', the raw ids' shape) and failed: reported, nothing held back."""
    held_back: list[str] = field(default_factory=list)
    """Assets planned but not materialized: a failed step, or downstream of one or of a blocking check."""
    log_path: Path | None = None


def configure_environment(landing: Path | None = None, db: Path | None = None) -> None:
    """Point this process (and the dbt subprocess it starts) at absolute paths, with defaults."""
    if landing:
        os.environ["USM_LANDING_DIR"] = str(landing.resolve())
    if db:
        os.environ["USM_DUCKDB_PATH"] = str(db.resolve())
    os.environ["USM_LANDING_DIR"] = str(settings.landing_dir())
    os.environ["USM_DUCKDB_PATH"] = str(settings.duckdb_path())
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home())
    settings.use_dagster_event_settings()
    settings.duckdb_memory_limit()  # a wrong value is refused now, not in every step
    settings.duckdb_path().parent.mkdir(parents=True, exist_ok=True)
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        # A link, so the instance follows the repository's settings as they change.
        (home / "dagster.yaml").symlink_to(REPO_ROOT / "dagster.yaml")


def run_pipeline(date_from: date | None = None, date_to: date | None = None, full_refresh: bool = False) -> RunOutcome:
    """`full_refresh`: the dbt step rebuilds every model from all of raw (its incremental staging
    models too: `dbt build --full-refresh`)."""
    dates = dates_to_run(date_from, date_to)  # a user error is refused before the code location loads

    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.defs.alerts import step_cause
    from pipelines.progress import RunProgress

    with exclusive_run(settings.duckdb_path()):
        warehouse_free(settings.duckdb_path(), announce=lambda line: print(f"usm run: {line}", flush=True))
        job = defs.resolve_job_def(PIPELINE_JOB)
        run_id = str(uuid.uuid4())
        with dg.DagsterInstance.get() as instance:
            progress = RunProgress(instance, run_id, out=sys.stdout)
            log_path = settings.dagster_home() / "logs" / f"usm-run-{run_id}.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            print(f"run {run_id}: {len(dates)} extract dates, {dates[0]} .. {dates[-1]}; step output in {log_path}")
            progress.start()
            try:
                # dbt's own chatter goes to the log file (and the UI's compute logs); the terminal shows progress.
                with log_path.open("w") as log, contextlib.redirect_stdout(log):
                    result = _execute(job, instance, run_id, dates, full_refresh)
            finally:
                progress.stop()
            events = result.all_events
            failures = [e for e in events if e.event_type_value == "STEP_FAILURE"]
            failed_steps = [(e.step_key, one_line_cause(step_cause(e.step_failure_data) or "")) for e in failures]
            with log_path.open("a") as log:  # the terminal gets one line per failure; the trace is here
                for event in failures:
                    log.write(f"\nstep {event.step_key} failed:\n{event.step_failure_data.error.to_string()}\n")
            failed = [
                e.asset_check_evaluation_data
                for e in events
                if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed
            ]
            blocking = [_describe_failed_check(c) for c in failed if c.severity == dg.AssetCheckSeverity.ERROR]
            warnings = [_describe_failed_check(c) for c in failed if c.severity != dg.AssetCheckSeverity.ERROR]
            held_back = _held_back(instance, run_id)
        counts, quarantined = _warehouse_counts()
    return RunOutcome(
        result.success and not failed_steps and not blocking and not held_back,
        dates, failed_steps, blocking, counts, quarantined, warnings, held_back, log_path,
    )


def dates_to_run(date_from: date | None, date_to: date | None) -> list[date]:
    """The extract dates of the landing within the range asked; what makes a run impossible is
    refused here, in one line, before anything is written."""
    if date_from and date_to and date_to < date_from:
        raise UserError(f"--to {date_to} is before --from {date_from}")
    landing = settings.landing_dir()
    if not landing.is_dir():
        raise UserError(f"the landing folder {landing} does not exist (--landing or USM_LANDING_DIR)")
    mappings = landing / "mappings"
    if not any(mappings.glob("*.csv")):
        raise UserError(
            f"{mappings} holds no mapping files (clients.csv, categories.csv, ...): "
            "a landing needs the site's mappings before its extracts can run (docs/landing.md, Mappings)"
        )
    site = settings.site_config()
    entities = dated_entities(site)
    too_early = files_before(landing, entities, site.extracts_from)
    if too_early and (date_from is None or date_from < site.extracts_from):
        more = f" (and {len(too_early) - 1} more)" if len(too_early) > 1 else ""
        raise UserError(
            f"{too_early[0]}{more} is dated before extracts_from ({site.extracts_from}); "
            "set extracts_from in usm.yaml to that date or earlier"
        )
    every = extract_dates(landing, entities)
    if not every:
        raise UserError(f"no extract files in {landing} (<system>/<entity>/<YYYY-MM-DD>.json, docs/landing.md)")
    dates = [day for day in every if (date_from is None or day >= date_from) and (date_to is None or day <= date_to)]
    if not dates:
        raise UserError(
            f"no extract files between {date_from or 'the start'} and {date_to or 'the end'} in {landing}; "
            f"its extracts run from {every[0]} to {every[-1]}"
        )
    return dates


def _held_back(instance, run_id: str) -> list[str]:
    """The assets the run planned and did not materialize (each once, by key). Read from the
    instance: the planned events are logged when the run is created, not in its step events."""
    import dagster as dg

    kinds = {dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, dg.DagsterEventType.ASSET_MATERIALIZATION}
    planned, done = set(), set()
    for entry in instance.all_logs(run_id, of_type=kinds):
        event = entry.dagster_event
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
            planned.add(event.event_specific_data.asset_key.to_user_string())
        else:
            done.add(event.asset_key.to_user_string())
    return sorted(planned - done)


def _execute(job, instance, run_id: str, dates: list[date], full_refresh: bool):
    from pipelines.defs.transform.dbt_assets import DBT_STEP

    return job.execute_in_process(
        instance=instance,
        run_id=run_id,
        tags={
            "dagster/asset_partition_range_start": dates[0].isoformat(),
            "dagster/asset_partition_range_end": dates[-1].isoformat(),
            "usm/command": "usm run",
        },
        # Nothing on the console: progress comes from RunProgress, the failures' causes are printed at
        # the end, their traces go to the log file and every event is in the instance (the UI).
        run_config={
            "ops": {DBT_STEP: {"config": {"full_refresh": full_refresh}}},
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
        },
        raise_on_error=False,
    )


def run_packets(months: list[date], client_id: str | None = None) -> bool:
    """`usm packet`: the evidence packets of a range of months, in one in-process Dagster run
    of the monthly governance job (recorded in the instance, like the schedule's runs)."""
    import dagster as dg

    from pipelines.definitions import defs

    job = defs.resolve_job_def(GOVERNANCE_JOB)
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": months[0].isoformat(),
                "dagster/asset_partition_range_end": months[-1].isoformat(),
                "usm/command": "usm packet",
            },
            run_config={
                "ops": {PACKET_STEP: {"config": {"client_id": client_id}}},
                "loggers": {"console": {"config": {"log_level": "ERROR"}}},
            },
            raise_on_error=False,
        )
    return result.success


def _describe_failed_check(evaluation) -> str:
    """`asset:check`, then the first failure cases, so the terminal says what is wrong."""
    name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
    failures = evaluation.metadata.get("failures")
    cases = failures.value[:3] if failures is not None and isinstance(failures.value, list) else []
    return name + "".join(f"\n    {case}" for case in cases)


def _warehouse_counts() -> tuple[dict[str, int], int]:
    import gc

    import duckdb

    # A failed step's traceback can keep its warehouse connection alive; DuckDB refuses a
    # connection of another configuration (read-only) beside it in the same process, so this one
    # is read-write like the steps' (the run holds the warehouse's lock).
    gc.collect()
    with duckdb.connect(str(settings.duckdb_path())) as con:
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema = 'marts' ORDER BY 1"
        ).fetchall()
        counts = {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for (name,) in tables}
        quarantined = con.execute(f"SELECT count(*) FROM {QUARANTINE_TABLE}").fetchone()[0]
    return counts, quarantined
