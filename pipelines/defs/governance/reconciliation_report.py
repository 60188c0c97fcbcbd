"""The nightly reconciliation report: `$USM_OUTPUT_DIR/reconciliation/<date>/exceptions.csv`
and `summary.md`, for the last extract date that reconciliation judged."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import settings
from pipelines.defs.resources import OWNER
from pipelines.lib.recon_report import evaluated_on, write_report


@dg.asset(
    key=["governance", "reconciliation_report"],
    group_name="governance",
    deps=[dg.AssetKey(["marts", "ticket_reconciliation"]), dg.AssetKey(["marts", "recon_exceptions"])],
    description="The nightly exception list (CSV) and its summary (Markdown): counts and amount at "
    "risk by client and exception type, in `$USM_OUTPUT_DIR/reconciliation/<date>/`.",
    kinds={"csv", "markdown"},
    owners=[OWNER],
    tags={"layer": "governance"},
    pool="duckdb",
)
def reconciliation_report(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        report_date = evaluated_on(con)
        if report_date is None:
            context.log.info("no resolved work item to reconcile: no report")
            return dg.MaterializeResult(metadata={"exceptions": 0})
        folder = settings.output_dir() / "reconciliation" / report_date.isoformat()
        figures = write_report(con, folder, report_date)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(folder)),
            "report_date": report_date.isoformat(),
            "amount_at_risk": figures["amount_at_risk"],
            "exceptions": figures["exceptions"],
            "closed_exceptions": figures["closed_exceptions"],
            "work_items_by_status": dg.MetadataValue.json(figures["work_items_by_status"]),
            "open_exceptions_by_type": dg.MetadataValue.json(figures["open_exceptions_by_type"]),
            **{f"work_items.{k}": v for k, v in figures["work_items_by_status"].items()},
        }
    )
