"""The dbt project on a second warehouse: built on PostgreSQL (dbt-postgres, target `postgres`)
from the same raw layer as on DuckDB, it must give the same marts.

A small generated MSP is loaded into a DuckDB raw layer by the project's own loader (the raw
assets' code, without Dagster), copied into a fresh PostgreSQL database by
pipelines/lib/raw_export.py, then `dbt build` runs on both targets at once: models and data
tests. dbt's unit tests are left out on PostgreSQL: their fixtures are DuckDB SQL
(`'{...}'::json`, `null::varchar` rows), and they test the model logic the DuckDB build
already tests. The comparison is what a user would check: every mart has the same number of
rows on both, and every mart but one (COUNTED_ONLY, below) has the same contents, decimals and
timestamps normalised, the key marts (KEY_MARTS: tickets, SLA results, reconciliation) among
them and not empty.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import threading
import time
from datetime import date, datetime
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import pytest
from conftest import POSTGRES, REPO_ROOT, usm

from pipelines.lib.raw_export import copy_raw_layer, warehouse_dsn
from pipelines.sources.catalog import dated_entities
from pipelines.sources.landing import extract_dates
from pipelines.sources.loader import ensure_tables, load_mappings, load_partition

pytestmark = pytest.mark.slow

# Every mart is compared row by row (sorted), except these, compared by row count: their hours
# are a float sum divided and rounded to 2 places, and where the exact value is a half in the
# last place DuckDB rounds the binary double down (49.675 h -> 49.67) and PostgreSQL the
# decimal up (49.68); macros/adapter/casts.sql, round_places.
COUNTED_ONLY = {"department_turnaround_monthly"}
VENDORS = {"connectwise", "servicenow", "jira", "ninjaone"}
KEY_MARTS = {"fct_tickets", "ticket_sla", "sla_parity", "ticket_reconciliation", "recon_exceptions"}


def _normalised(value):
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


def _rows(cursor, query: str) -> list[tuple]:
    cursor.execute(query)
    return [tuple(_normalised(value) for value in row) for row in cursor.fetchall()]


def _load_raw(landing: Path, warehouse: Path) -> None:
    """The raw assets' loading, partition by partition, as `usm run` does it."""
    loaded_at = datetime(2026, 1, 1, 2)
    entities = dated_entities()
    with duckdb.connect(str(warehouse)) as con:
        ensure_tables(con, entities)
        load_mappings(con, landing, loaded_at)
        for entity in entities:
            for extract_date in extract_dates(landing, (entity,)):
                load_partition(con, entity, landing, extract_date, loaded_at)


def _dbt(command: list[str], target: str, env: dict[str, str], scratch: Path) -> subprocess.Popen:
    """dbt with its own target and log folders, so two runs (and the Dagster code location's
    manifest in dbt_project/target) never share one."""
    args = [*command, "--target", target, "--target-path", str(scratch / target), "--log-path", str(scratch / target)]
    if command == ["build"] and target == "postgres":
        args += ["--exclude-resource-type", "unit_test"]
    return subprocess.Popen(
        [str(REPO_ROOT / ".venv" / "bin" / "dbt"), *args, "--quiet", "--profiles-dir", ".", "--project-dir", "."],
        cwd=REPO_ROOT / "dbt_project",
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _postgres_env(database: str) -> dict[str, str]:
    return {
        "USM_WAREHOUSE_HOST": POSTGRES["host"],
        "USM_WAREHOUSE_PORT": str(POSTGRES["port"]),
        "USM_WAREHOUSE_USER": POSTGRES["user"],
        "USM_WAREHOUSE_PASSWORD": os.environ.get("USM_WAREHOUSE_PASSWORD", ""),
        "USM_WAREHOUSE_DATABASE": database,
    }


def test_dbt_project_builds_on_postgres_with_the_same_marts(tmp_path, postgres_database):
    started = time.monotonic()
    landing = tmp_path / "landing"
    warehouse = tmp_path / "warehouse.duckdb"
    usm("generate", "--out", str(landing), "--clients", "3", "--days", "14", "--seed", "11", env={})
    _load_raw(landing, warehouse)
    dsn = warehouse_dsn(_postgres_env(postgres_database))  # as `python -m pipelines.lib.raw_export` connects
    copied = {(table.schema, table.table): table.rows for table in copy_raw_layer(warehouse, dsn)}
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        raw = {
            (schema, table): duck.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for schema, table in duck.execute(
                "select table_schema, table_name from information_schema.tables where table_schema like 'raw_%'"
            ).fetchall()
        }
    assert copied == raw
    # every source entity of the four systems has records, so every staging model reads some
    vendor_tables = {key: rows for key, rows in raw.items() if key[0].split("_", 1)[1] in VENDORS}
    assert len(vendor_tables) == len([e for e in dated_entities() if e.system in VENDORS])
    assert all(vendor_tables.values()), vendor_tables
    prepared = time.monotonic()

    builds = {
        "local": _dbt(["build"], "local", {"USM_DUCKDB_PATH": str(warehouse)}, tmp_path),
        "postgres": _dbt(["build"], "postgres", _postgres_env(postgres_database), tmp_path),
    }
    outputs = {target: build.communicate(timeout=600)[0] for target, build in builds.items()}
    for target, build in builds.items():
        assert build.returncode == 0, f"dbt build --target {target} failed:\n{outputs[target][-6000:]}"
    built = time.monotonic()

    with duckdb.connect(str(warehouse), read_only=True) as duck, psycopg2.connect(dsn) as pg:
        duck_cursor, pg_cursor = duck.cursor(), pg.cursor()
        marts = [
            row[0]
            for row in duck.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        assert KEY_MARTS | COUNTED_ONLY <= set(marts)
        counts = {
            system: {mart: _rows(cursor, f"select count(*) from marts.{mart}")[0][0] for mart in marts}
            for system, cursor in (("duckdb", duck_cursor), ("postgres", pg_cursor))
        }
        assert counts["postgres"] == counts["duckdb"]
        assert all(counts["duckdb"][mart] > 0 for mart in KEY_MARTS), counts["duckdb"]

        for mart in marts:
            if mart in COUNTED_ONLY:
                continue
            columns = [
                row[0]
                for row in duck.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [mart],
                ).fetchall()
            ]
            query = f"select {', '.join(columns)} from marts.{mart}"
            duck_rows = sorted(_rows(duck_cursor, query), key=repr)
            pg_rows = sorted(_rows(pg_cursor, query), key=repr)
            different = [(d, p) for d, p in zip(duck_rows, pg_rows, strict=True) if d != p]
            assert not different, f"marts.{mart}: {len(different)} rows differ, first {different[:3]}"
    print(
        f"\nraw loaded and copied in {prepared - started:.1f} s, both builds in {built - prepared:.1f} s,"
        f" compared in {time.monotonic() - built:.1f} s; marts: {counts['duckdb']}"
    )


# Vendor text the adapter layer reads differently per warehouse (try_strptime and try_cast on
# DuckDB, patterns and parts on PostgreSQL), edge cases included: each must give the same value,
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


def _edge_query() -> str:
    selects = [
        f"select '{macro} {text}' as k, cast({{{{ {macro}(\"'{text}'\") }}}} as varchar) as v"
        for macro, texts in EDGE_CASES.items()
        for text in texts
    ]
    selects += [
        # a double as a decimal: both warehouses then write it the same way
        f"select 'cast {kind} {text}', cast("
        + ("cast(" if kind == "double" else "")
        + f"{{{{ try_cast_text(\"'{text}'\", '{kind}') }}}}"
        + (" as decimal(24, 6))" if kind == "double" else "")
        + " as varchar)"
        for text, kind in EDGE_CASTS
    ]
    return "select k, v from (" + "\nunion all\n".join(selects) + ") as cases"


def test_vendor_text_reads_the_same_on_both_warehouses(tmp_path, postgres_database):
    query = _edge_query()
    shows = {
        "local": _dbt(
            ["show", "--inline", query, "--limit", "500", "--output", "json"],
            "local",
            {"USM_DUCKDB_PATH": str(tmp_path / "empty.duckdb")},
            tmp_path,
        ),
        "postgres": _dbt(
            ["show", "--inline", query, "--limit", "500", "--output", "json"],
            "postgres",
            _postgres_env(postgres_database),
            tmp_path,
        ),
    }
    values = {}
    for target, show in shows.items():
        output = show.communicate(timeout=300)[0]
        assert show.returncode == 0, output[-3000:]
        values[target] = {row["k"]: row["v"] for row in json.loads(output[output.index("{") :])["show"]}
    assert len(values["local"]) == sum(map(len, EDGE_CASES.values())) + len(EDGE_CASTS)
    assert values["postgres"] == values["local"]
    # and the cases mean what they say
    assert values["local"]["connectwise_stamp 2026-01-05T14:22:10.5-05:30"] == "2026-01-05 19:52:10.5"
    assert values["local"]["connectwise_stamp 2026-02-30T10:00:00Z"] is None
    assert values["local"]["cast integer 1.5"] == "2"


def test_a_copy_postgres_refuses_fails_at_once_naming_the_table(tmp_path, postgres_database):
    """PostgreSQL refuses `\\u0000` in jsonb: the export fails with PostgreSQL's error naming the
    table, and neither end of the pipe is left waiting (50,000 rows follow the refused one)."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA raw_test")
        con.execute("""CREATE TABLE raw_test.records AS
                       SELECT CASE WHEN i = 1 THEN '{"a": "nul \\u0000"}' ELSE '{"a": ' || i || '}' END::JSON AS record
                       FROM range(1, 50001) t(i)""")  # about 500 KB after the bad row
    dsn = warehouse_dsn(_postgres_env(postgres_database))  # as `python -m pipelines.lib.raw_export` connects
    outcome: list[BaseException | None] = []

    def export() -> None:
        try:
            copy_raw_layer(warehouse, dsn)
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - inspected below
            outcome.append(error)

    worker = threading.Thread(target=export, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the export hung after PostgreSQL refused a row"
    assert isinstance(outcome[0], psycopg2.Error) and "records" in str(outcome[0])
