"""Raw ingestion: one asset per source entity, daily partitions by extract date.

Each asset is keyed `[raw_<system>, <entity>]`, the same key as its dbt source, so dbt
lineage attaches to it without glue. A run over a range of dates is one run (single-run
backfill policy) and one load: its dates are replaced together (pipelines/sources/loader.py,
`load_partitions`), and a date whose file cannot be read is left as it was while the others load.
"""


from datetime import UTC, date, datetime

import dagster as dg
import duckdb
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster_duckdb import DuckDBResource

from pipelines import settings
from pipelines.defs.partitions import extract_date_partitions
from pipelines.defs.quality.pandera_checks import ID_SHAPES_CHECK, lineage_check_name, pandera_result
from pipelines.defs.resources import OWNER
from pipelines.schemas.raw import RAW_CHECK_COLUMNS, raw_id_shape_schema, raw_table_schema
from pipelines.sources.catalog import MAPPING_COLUMNS, SourceEntity, dated_entities
from pipelines.sources.landing import extract_dates, files_by_date, files_digest
from pipelines.sources.loader import bulk_loading, ensure_tables, load_mappings, load_partitions


def _build_raw_asset(entity: SourceEntity) -> dg.AssetsDefinition:
    key = dg.AssetKey([entity.schema, entity.entity])
    lineage = dg.AssetCheckSpec(
        lineage_check_name(entity),
        asset=key,
        description=f"Pandera: {entity.table}'s lineage columns are complete and each file position holds one "
        "record. Run in the load step; when it fails, dbt holds back every model built on the table.",
    )
    id_shapes = dg.AssetCheckSpec(
        ID_SHAPES_CHECK,
        asset=key,
        description=f"Pandera: {entity.table}'s record ids have the vendor's shape (a warning: an odd id still "
        "loads, as its record's key). Run in the load step.",
    )

    @dg.asset(
        key=key,
        check_specs=[lineage, id_shapes],
        group_name=entity.schema,
        description=f"Every version of every {entity.system} {entity.entity} record, as extracted "
        f"(`{entity.folder}/<date>.*`); unreadable records go to the quarantine.",
        partitions_def=extract_date_partitions(),
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"duckdb", entity.system},
        owners=[OWNER],
        tags={"layer": "raw"},
        pool="duckdb",
        # A date with no extract of any system is not materialized (nothing is marked loaded, and
        # what is built on it is skipped); a date with other systems' files is, so dbt still runs.
        output_required=False,
    )
    def raw_entity(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
        landing = settings.landing_dir()
        with_extracts = set(extract_dates(landing, dated_entities()))
        if not with_extracts & {date.fromisoformat(key) for key in context.partition_keys}:
            said = (
                f"no extract: {landing} has no file of any system dated {_dates(context.partition_keys)}; "
                "nothing loaded, and the date is not marked materialized"
            )
            context.log.warning(said)
            # Dagster requires the checks' results: they read again what failed them, so a run with
            # nothing to load does not release a table held back
            with warehouse.get_connection() as con:
                ensure_tables(con, (entity,))
                yield from _checked(con, entity, context.instance, (lineage, id_shapes), loaded_at=None)
            return
        dialect = settings.site_config().csv_dialect(entity.system)
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        dates = [date.fromisoformat(key) for key in context.partition_keys]
        # per extract date, what its files were (`new_extract_files` skips a date loaded unchanged)
        digests = {day.isoformat(): files_digest(paths) for day, paths in files_by_date(landing, entity, dates).items()}
        with warehouse.get_connection() as con, bulk_loading(con):
            loaded = load_partitions(con, entity, landing, dates, loaded_at, dialect)
            # The load's own checks, in its step: dbt reads the lineage check's verdict before it builds
            # (dbt_assets.py).
            checked = _checked(con, entity, context.instance, (lineage, id_shapes), loaded_at)
        per_date = loaded.partitions
        for partition in per_date:
            if partition.quarantined:
                context.log.warning(
                    f"{partition.extract_date}: {partition.quarantined} of {partition.records} records quarantined"
                )
        failures = [str(error) for error in loaded.failures.values()]
        for day, error in loaded.failures.items():
            context.log.error(f"partition {day} not loaded: {error}")
        if failures:
            raise dg.Failure(
                description=f"{entity.table}: {len(failures)} file(s) could not be read; "
                "the other dates loaded. " + " | ".join(failures),
                metadata={"unreadable_files": failures},
            )
        yield dg.MaterializeResult(
            check_results=checked,
            metadata={
                "dates": len(per_date),
                "file_digests": dg.MetadataValue.json(digests),
                "files": sum(len(r.files) for r in per_date),
                "records_in": sum(r.records for r in per_date),
                "records_loaded": dg.MetadataValue.int(sum(r.loaded for r in per_date)),
                "records_quarantined": dg.MetadataValue.int(sum(r.quarantined for r in per_date)),
                # blank lines and CSV rows of empty cells: not records, neither loaded nor quarantined
                "empty_rows_skipped": dg.MetadataValue.int(sum(r.empty_rows for r in per_date)),
            }
        )

    return raw_entity


CLEAN_THROUGH = "clean_through"
"""Check metadata: when the rows the lineage check last passed on were written (their `_loaded_at`)."""


def _checked(
    con: duckdb.DuckDBPyConnection,
    entity: SourceEntity,
    instance: dg.DagsterInstance,
    checks: tuple[dg.AssetCheckSpec, dg.AssetCheckSpec],
    loaded_at: datetime | None,
) -> list[dg.AssetCheckResult]:
    """The raw table's lineage and id-shape checks over what changed: every row of a file written to
    since the lineage check last passed (a leftover copy of a file's rows breaks the uniqueness of its
    positions only beside the new ones). Passed, the next checks start after this load; failed, they
    read again what this one did, until a load replaces the rows that failed."""
    lineage, id_shapes = checks
    key = lineage.asset_key
    since = _clean_through(instance, key, lineage.name)
    changed = (
        f"_source_file IN (SELECT _source_file FROM {entity.table} WHERE _loaded_at > $since::TIMESTAMP) "
        "OR _loaded_at IS NULL",
        {"since": since},
    ) if since else None
    checked = [
        pandera_result(con, key, raw_table_schema(entity), RAW_CHECK_COLUMNS, dg.AssetCheckSeverity.ERROR,
                       lineage.name, rows=changed),
        pandera_result(con, key, raw_id_shape_schema(entity), ("record_id",), dg.AssetCheckSeverity.WARN,
                       id_shapes.name, rows=changed),
    ]
    clean_through = loaded_at.isoformat() if checked[0].passed and loaded_at else since
    if not clean_through:
        return checked
    return [
        result._replace(metadata={**result.metadata, CLEAN_THROUGH: dg.MetadataValue.text(clean_through)})
        for result in checked
    ]


def _clean_through(instance: dg.DagsterInstance, key: dg.AssetKey, check_name: str) -> str | None:
    """Where a raw table's checks start: rows written after the last load whose lineage check passed
    (by a later load or anything else), so they read what changed, not the whole table. None (the
    first load, or a table whose check never passed): the whole table."""
    # the latest evaluation (this run's own is only planned yet); the status enum is not in dagster's
    # public API, the history query that needs it is
    done = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}
    records = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(key, check_name), limit=1, status=done
    )
    value = records[0].evaluation.metadata.get(CLEAN_THROUGH) if records and records[0].evaluation else None
    return value.value if value is not None else None


def _dates(keys: list[str]) -> str:
    return keys[0] if len(keys) == 1 else f"{keys[0]} to {keys[-1]}"


# The shipped entities and the site's declared tools (usm.yaml `tools:`, read when the code location loads).
raw_assets = [_build_raw_asset(entity) for entity in dated_entities()]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=["raw_mappings", name],
            group_name="raw_mappings",
            description=f"The site's `mappings/{name}.csv` (docs/landing.md, Mapping files).",
            kinds={"duckdb", "csv"},
            owners=[OWNER],
            tags={"layer": "raw"},
        )
        for name in MAPPING_COLUMNS
    ],
    pool="duckdb",
)
def raw_mappings(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    """All mapping files load together: they are one data plan, replaced in one transaction."""
    with warehouse.get_connection() as con:
        counts = load_mappings(con, settings.landing_dir(), datetime.now(UTC).replace(tzinfo=None))
    for name, rows in counts.items():
        yield dg.MaterializeResult(asset_key=["raw_mappings", name], metadata={"rows": rows})


# Written by every raw asset as it loads (the records it could not read), never on its own:
# declared so the graph shows where the quarantine comes from and who owns it.
quarantine = dg.AssetSpec(
    key=["raw_quarantine", "quarantined_records"],
    group_name="raw_quarantine",
    description="Every record that could not be read as its entity: file, position, reason (docs/landing.md).",
    kinds={"duckdb"},
    owners=[OWNER],
    tags={"layer": "raw"},
)
