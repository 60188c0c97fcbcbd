"""Pandera asset checks, all from one validation (`pandera_result`): read the table, validate
lazily, and return the failure cases as check metadata. The raw tables' checks run in their own
load step, over the rows written since they last passed (pipelines/defs/ingestion/raw_assets.py):
the lineage check holds back what dbt builds on a table that fails it
(pipelines/defs/transform/dbt_assets.py); the ids' shape and the marts warn."""


import dagster as dg
import duckdb
import pandera.errors
import pandera.pandas as pa
from dagster_duckdb import DuckDBResource

from pipelines.schemas.marts import MART_SCHEMAS
from pipelines.sources.catalog import SourceEntity

MAX_FAILURE_ROWS = 20


ID_SHAPES_CHECK = "id_shapes"
"""The raw id-shape check's name, on each raw asset (a warning, run in its load step)."""


def lineage_check_name(entity: SourceEntity) -> str:
    """The raw lineage check's name: `pandera_<entity>`, on the asset `[raw_<system>, <entity>]`."""
    return "pandera_" + entity.entity


def pandera_result(
    con: duckdb.DuckDBPyConnection,
    asset_key: dg.AssetKey,
    schema: pa.DataFrameSchema | type[pa.DataFrameModel],
    columns: tuple[str, ...] | None = None,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.WARN,
    check_name: str | None = None,
    rows: tuple[str, dict[str, object]] | None = None,
) -> dg.AssetCheckResult:
    """The table of `asset_key` validated against `schema`: passed, or the failure cases. `rows`:
    only those a condition (and its parameters) selects, such as what a load changed."""
    table = ".".join(asset_key.path)
    selected = ", ".join(columns) if columns else "*"
    where, parameters = rows or ("true", {})
    frame = con.execute(f"SELECT {selected} FROM {table} WHERE {where}", parameters).fetchdf()
    if frame.empty:
        # DuckDB gives an empty text column as `object`, a filled one as `str`: an empty mart
        # (no PSA companies in the landing, say) is not a wrong dtype.
        frame = frame.astype({column: "str" for column in frame.columns if frame[column].dtype == object})
    named = {"asset_key": asset_key, "check_name": check_name} if check_name else {}
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return dg.AssetCheckResult(
            passed=False,
            severity=severity,
            metadata={
                "rows": len(frame),
                "failure_cases": len(cases),
                "failures": dg.MetadataValue.json(cases.head(MAX_FAILURE_ROWS).astype(str).to_dict("records")),
            },
            **named,
        )
    return dg.AssetCheckResult(passed=True, metadata={"rows": len(frame)}, **named)


def pandera_check(
    asset_key: dg.AssetKey,
    schema: pa.DataFrameSchema | type[pa.DataFrameModel],
    columns: tuple[str, ...] | None = None,
    name: str | None = None,
) -> dg.AssetChecksDefinition:
    """A warning check of its own step: `pandera_result` on the asset's table."""

    @dg.asset_check(
        asset=asset_key,
        name=name or "pandera_" + asset_key.path[-1],
        description=f"Pandera: {'.'.join(asset_key.path)} matches its model in pipelines/schemas.",
        pool="duckdb",
    )
    def check(warehouse: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            return pandera_result(con, asset_key, schema, columns)

    return check


mart_checks = [pandera_check(dg.AssetKey(["marts", name]), model) for name, model in MART_SCHEMAS.items()]
