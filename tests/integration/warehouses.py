"""What the tests of the dbt project on other warehouses share (test_dbt_postgres.py,
test_dbt_spark.py): one generated MSP loaded into a DuckDB raw layer by the project's own loader,
dbt run per target in its own folders, one spelling per value for comparing rows, and the vendor
text with edge cases that the adapter layer reads per warehouse.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from datetime import date, datetime
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path

import duckdb
from conftest import REPO_ROOT, usm

from pipelines.sources.catalog import dated_entities
from pipelines.sources.landing import extract_dates
from pipelines.sources.loader import ensure_tables, load_mappings, load_partition

# One small MSP (3 clients, 14 days) in which every entity of the four systems has records.
WORLD = ("--clients", "3", "--days", "14", "--seed", "11")
VENDORS = {"connectwise", "servicenow", "jira", "ninjaone"}
# The marts a comparison must find, not empty: tickets, SLA results, reconciliation.
KEY_MARTS = {"fct_tickets", "ticket_sla", "sla_parity", "ticket_reconciliation", "recon_exceptions"}


def generated_raw_layer(folder: Path) -> Path:
    """The world generated under `folder` and loaded into `folder`/warehouse.duckdb."""
    landing, warehouse = folder / "landing", folder / "warehouse.duckdb"
    usm("generate", "--out", str(landing), *WORLD, env={})
    load_raw(landing, warehouse)
    return warehouse


def normalised(value):
    """One spelling per value on both warehouses: numbers to 6 places, instants without a zone."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (Decimal, float, int)):
        number = float(value)
        return None if math.isnan(number) else round(number, 6)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, (date, clock_time)):
        return value.isoformat()
    return str(value)


def load_raw(landing: Path, warehouse: Path) -> None:
    """The raw assets' loading, partition by partition, as `usm run` does it."""
    loaded_at = datetime(2026, 1, 1, 2)
    entities = dated_entities()
    with duckdb.connect(str(warehouse)) as con:
        ensure_tables(con, entities)
        load_mappings(con, landing, loaded_at)
        for entity in entities:
            for extract_date in extract_dates(landing, (entity,)):
                load_partition(con, entity, landing, extract_date, loaded_at)


def dbt(command: list[str], target: str, env: dict[str, str], scratch: Path) -> subprocess.Popen:
    """dbt with its own target and log folders, so two runs (and the Dagster code location's
    manifest in dbt_project/target) never share one."""
    args = [*command, "--target", target, "--target-path", str(scratch / target), "--log-path", str(scratch / target)]
    if command == ["build"] and target != "local":
        args += ["--exclude-resource-type", "unit_test"]
    return subprocess.Popen(
        [str(REPO_ROOT / ".venv" / "bin" / "dbt"), *args, "--quiet", "--profiles-dir", ".", "--project-dir", "."],
        cwd=REPO_ROOT / "dbt_project",
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def mart_names(duck: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0]
        for row in duck.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
    ]


def mart_columns(duck: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    return [
        row[0]
        for row in duck.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [mart],
        ).fetchall()
    ]


def rows(cursor, query: str) -> list[tuple]:
    cursor.execute(query)
    return [tuple(normalised(value) for value in row) for row in cursor.fetchall()]


# Vendor text the adapter layer reads differently per warehouse (try_strptime and try_cast on
# DuckDB, patterns and parts on PostgreSQL and Spark), edge cases included: each must give the same value,
# or NULL on both. The generated data has few bad values; these are the ones the loader lets
# through to staging (docs/landing.md, "The raw tables").
EDGE_CASES = {
    "connectwise_stamp": [
        "2026-01-05T14:22:10Z",
        "2026-01-05T14:22:10.123456Z",
        "2026-01-05T14:22:10+01:00",
        "2026-01-05T14:22:10.5-05:30",
        "2026-01-05T14:22:10+0100",
        "2026-02-30T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "yesterday",
        "",
        "2026-01-05 14:22:10",
        "2026-1-5T4:2:1Z",
        "2026-01-05T24:00:00Z",
    ],
    "servicenow_stamp": ["2026-01-05 14:22:10", "2026-02-29 00:00:00", "2024-02-29 23:59:59", "2026-01-05T14:22:10"],
    "jira_stamp": [
        "2026-01-05T14:22:10.000+0000",
        "2026-01-05T14:22:10.123+0530",
        "2026-01-05T14:22:10-0800",
        "2026-01-05T14:22:10.1+01:00",
        "x",
    ],
    "ninjaone_stamp": ["1767225600.5", "1767225600", "-1", "1e300", "nan", "abc"],
}
EDGE_CASTS = [
    ("1.5", "integer"),
    ("-2.5", "integer"),
    ("abc", "integer"),
    (" 7 ", "integer"),
    ("99999999999", "integer"),
    ("yes", "boolean"),
    ("T", "boolean"),
    ("maybe", "boolean"),
    ("08:00", "time"),
    ("25:00", "time"),
    ("24:00", "time"),  # a ConnectWise calendar open until midnight
    ("2026-01-05 10:00:00", "timestamp"),
    ("2026-02-30 10:00:00", "timestamp"),
    ("2026-01-05 25:00:00", "timestamp"),
    ("2026-02-30", "date"),
    ("2026-2-3", "date"),
    ("2026-01-05T10:00", "date"),
    ("12.345", "decimal(18, 2)"),
    ("1e3", "decimal(18, 2)"),
    ("1e20", "decimal(18, 2)"),
    ("1e3", "double"),
    (".5", "double"),
    ("1,5", "double"),
]


def edge_query() -> str:
    selects = [
        f"select '{macro} {text}' as k, cast({{{{ {macro}(\"'{text}'\") }}}} as {{{{ dbt.type_string() }}}}) as v"
        for macro, texts in EDGE_CASES.items()
        for text in texts
    ]
    selects += [
        # a double as a decimal: both warehouses then write it the same way
        f"select 'cast {kind} {text}', cast("
        + ("cast(" if kind == "double" else "")
        + f"{{{{ try_cast_text(\"'{text}'\", '{kind}') }}}}"
        + (" as decimal(24, 6))" if kind == "double" else "")
        + " as {{ dbt.type_string() }})"
        for text, kind in EDGE_CASTS
    ]
    return "select k, v from (" + "\nunion all\n".join(selects) + ") as cases"


def shown_values(show: subprocess.Popen) -> dict[str, str | None]:
    """The rows of a `dbt show --output json` of edge_query(), case by case."""
    output = show.communicate(timeout=300)[0]
    assert show.returncode == 0, output[-3000:]
    return {row["k"]: row["v"] for row in json.loads(output[output.index("{") :])["show"]}
