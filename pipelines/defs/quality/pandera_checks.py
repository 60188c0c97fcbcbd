"""Pandera asset checks, all built by one factory: read the table, validate lazily, and
return the failure cases as check metadata. Blocking on the raw tables' lineage, warnings on
their ids' shape and on the marts."""


import dagster as dg
import pandera.errors
import pandera.pandas as pa
from dagster_duckdb import DuckDBResource

from pipelines.schemas.marts import MART_SCHEMAS
from pipelines.schemas.raw import RAW_CHECK_COLUMNS, raw_id_shape_schema, raw_table_schema
from pipelines.sources.catalog import dated_entities

MAX_FAILURE_ROWS = 20


def pandera_check(
    asset_key: dg.AssetKey,
    schema: pa.DataFrameSchema | type[pa.DataFrameModel],
    columns: tuple[str, ...] | None = None,
    blocking: bool = False,
    name: str | None = None,
) -> dg.AssetChecksDefinition:
    table = ".".join(asset_key.path)
    selected = ", ".join(columns) if columns else "*"

    @dg.asset_check(
        asset=asset_key,
        name=name or "pandera_" + asset_key.path[-1],
        description=f"Pandera: {table} matches its model in pipelines/schemas.",
        blocking=blocking,
        pool="duckdb",
    )
    def check(warehouse: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            frame = con.execute(f"SELECT {selected} FROM {table}").fetchdf()
        if frame.empty:
            # DuckDB gives an empty text column as `object`, a filled one as `str`: an empty mart
            # (no PSA companies in the landing, say) is not a wrong dtype.
            frame = frame.astype({column: "str" for column in frame.columns if frame[column].dtype == object})
        try:
            schema.validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as errors:
            cases = errors.failure_cases
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
                metadata={
                    "rows": len(frame),
                    "failure_cases": len(cases),
                    "failures": dg.MetadataValue.json(cases.head(MAX_FAILURE_ROWS).astype(str).to_dict("records")),
                },
            )
        return dg.AssetCheckResult(passed=True, metadata={"rows": len(frame)})

    return check


raw_checks = [
    check
    for e in dated_entities()
    for check in (
        pandera_check(dg.AssetKey([e.schema, e.entity]), raw_table_schema(e), RAW_CHECK_COLUMNS, blocking=True),
        pandera_check(dg.AssetKey([e.schema, e.entity]), raw_id_shape_schema(e), ("record_id",), name="id_shapes"),
    )
]

mart_checks = [pandera_check(dg.AssetKey(["marts", name]), model) for name, model in MART_SCHEMAS.items()]
