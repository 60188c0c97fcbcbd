"""The nightly reconciliation report: the open exception list as CSV and a Markdown summary of
counts and amount at risk by client and exception type. Knows nothing of Dagster."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

EXCEPTION_COLUMNS = (
    "exception_id",
    "exception_type",
    "entity_type",
    "entity_id",
    "client_id",
    "amount_at_risk",
    "detected_on",
    "review_status",
)


def evaluated_on(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last extract date that reconciliation judged (its evaluation instant is the end of it)."""
    row = con.execute(
        "SELECT cast(max(evaluated_at) - INTERVAL 1 DAY AS DATE) FROM intermediate.int_recon_work_items_resolved"
    ).fetchone()
    return row[0] if row else None


def write_report(con: duckdb.DuckDBPyConnection, folder: Path, report_date: date) -> dict[str, object]:
    """Write `exceptions.csv` (every exception, open or decided) and `summary.md` into `folder`;
    return the figures for materialization metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = con.execute(
        f"SELECT {', '.join(EXCEPTION_COLUMNS)} FROM marts.recon_exceptions "
        "ORDER BY exception_type, client_id NULLS LAST, entity_id"
    ).fetchall()
    with (folder / "exceptions.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXCEPTION_COLUMNS)
        writer.writerows(rows)

    by_status = dict(
        con.execute("SELECT recon_status, count(*) FROM marts.ticket_reconciliation GROUP BY 1 ORDER BY 1").fetchall()
    )
    open_rows = con.execute(
        "SELECT coalesce(client_id, '(unmapped)'), exception_type, count(*), sum(amount_at_risk) "
        "FROM marts.recon_exceptions WHERE review_status = 'open' GROUP BY ALL ORDER BY 1, 2"
    ).fetchall()
    by_type: dict[str, list] = {}
    for _client, kind, count, amount in open_rows:
        total = by_type.setdefault(kind, [0, Decimal(0)])
        total[0] += count
        total[1] += amount or 0
    at_risk = sum((amount or 0 for *_, amount in open_rows), Decimal(0))
    closed = len(rows) - sum(count for _, _, count, _ in open_rows)

    lines = [
        f"# Reconciliation exceptions, {report_date}",
        "",
        f"{sum(by_status.values())} resolved work items reconciled; "
        f"{sum(c for c, _ in by_type.values())} open exceptions with {at_risk:,.2f} at risk; "
        f"{closed} closed by analysts' decisions.",
        "",
        "## Work items by status",
        "",
        "| status | work items |",
        "|---|---:|",
        *(f"| {status} | {count} |" for status, count in by_status.items()),
        "",
        "## Open exceptions by type",
        "",
        "| exception type | count | amount at risk |",
        "|---|---:|---:|",
        *(f"| {kind} | {count} | {amount:,.2f} |" for kind, (count, amount) in sorted(by_type.items())),
        "",
        "## Open exceptions by client and type",
        "",
        "| client | exception type | count | amount at risk |",
        "|---|---|---:|---:|",
        *(f"| {client} | {kind} | {count} | {(amount or 0):,.2f} |" for client, kind, count, amount in open_rows),
        "",
    ]
    (folder / "summary.md").write_text("\n".join(lines))
    return {
        "work_items_by_status": {k: int(v) for k, v in by_status.items()},
        "open_exceptions_by_type": {k: int(c) for k, (c, _) in by_type.items()},
        "amount_at_risk": float(at_risk),
        "exceptions": len(rows),
        "closed_exceptions": closed,
    }


# Per reconciliation mart: (status or exception type, rows, amount at risk), shown as the
# mart's materialization metadata in Dagster.
RECON_METADATA_SQL = {
    "ticket_reconciliation": (
        "SELECT recon.recon_status, count(DISTINCT recon.work_item_id), sum(open.amount_at_risk) "
        "FROM marts.ticket_reconciliation AS recon LEFT JOIN marts.recon_exceptions AS open "
        "ON open.entity_type = 'work_item' AND open.entity_id = recon.work_item_id "
        "AND open.review_status = 'open' GROUP BY 1 ORDER BY 1"
    ),
    "recon_exceptions": (
        "SELECT exception_type, count(*), sum(amount_at_risk) FILTER (WHERE review_status = 'open') "
        "FROM marts.recon_exceptions GROUP BY 1 ORDER BY 1"
    ),
}


def recon_metadata(con: duckdb.DuckDBPyConnection, mart: str) -> dict[str, object]:
    """Rows by status (or exception type) and the amount at risk, for one reconciliation mart."""
    rows = con.execute(RECON_METADATA_SQL[mart]).fetchall()
    metadata: dict[str, object] = {f"rows.{name}": count for name, count, _ in rows}
    metadata["amount_at_risk"] = float(sum(amount or 0 for *_, amount in rows))
    # A plain dict: Dagster shows it as JSON metadata.
    metadata["amount_at_risk_by_type"] = {name: float(amount or 0) for name, _, amount in rows}
    return metadata
