"""Raw ingestion: one asset per source entity, daily partitions by extract date.

Each asset is keyed `[raw_<system>, <entity>]`, the same key as its dbt source, so dbt
lineage attaches to it without glue. A run over a range of dates is one run (single-run
backfill policy); each date is still replaced in its own transaction.
"""


from datetime import UTC, date, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import settings
from pipelines.defs.partitions import extract_date_partitions
from pipelines.defs.quality.pandera_checks import lineage_check_name, pandera_result
from pipelines.defs.resources import OWNER
from pipelines.schemas.raw import RAW_CHECK_COLUMNS, raw_table_schema
from pipelines.sources.catalog import MAPPING_COLUMNS, SourceEntity, dated_entities
from pipelines.sources.landing import LandingFileError, extract_dates, files_digest, files_for
from pipelines.sources.loader import bulk_loading, load_mappings, load_partition


def _build_raw_asset(entity: SourceEntity) -> dg.AssetsDefinition:
    key = dg.AssetKey([entity.schema, entity.entity])
    lineage = dg.AssetCheckSpec(
        lineage_check_name(entity),
        asset=key,
        description=f"Pandera: {entity.table}'s lineage columns are complete and each file position holds one "
        "record. Run in the load step; when it fails, dbt holds back every model built on the table.",
    )

    @dg.asset(
        key=key,
        check_specs=[lineage],
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
            # Dagster requires the check's result; the table is as it was, so its lineage still holds.
            yield dg.AssetCheckResult(check_name=lineage.name, asset_key=key, passed=True, metadata={"note": said})
            return
        dialect = settings.site_config().csv_dialect(entity.system)
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        per_date, failures, digests = [], [], {}
        with warehouse.get_connection() as con, bulk_loading(con):
            for partition in context.partition_keys:
                if files := files_for(landing, entity, date.fromisoformat(partition)):
                    digests[partition] = files_digest(files)
                try:
                    result = load_partition(con, entity, landing, date.fromisoformat(partition), loaded_at, dialect)
                except LandingFileError as error:
                    failures.append(str(error))
                    context.log.error(f"partition {partition} not loaded: {error}")
                    continue
                per_date.append(result)
                if result.quarantined:
                    context.log.warning(f"{partition}: {result.quarantined} of {result.records} records quarantined")
            # the load's own check, in its step: dbt reads its verdict before it builds (dbt_assets.py)
            checked = pandera_result(
                con, key, raw_table_schema(entity), RAW_CHECK_COLUMNS, dg.AssetCheckSeverity.ERROR, lineage.name
            )
        if failures:
            raise dg.Failure(
                description=f"{entity.table}: {len(failures)} file(s) could not be read; "
                "the other dates loaded. " + " | ".join(failures),
                metadata={"unreadable_files": failures},
            )
        yield dg.MaterializeResult(
            check_results=[checked],
            metadata={
                "dates": len(per_date),
                # per extract date, what its files were (`new_extract_files` skips a date loaded unchanged)
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
