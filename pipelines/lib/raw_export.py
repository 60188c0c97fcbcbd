"""Copy the raw layer of a DuckDB warehouse into PostgreSQL, for the dbt target `postgres`.

The dbt project reads its sources from schemas `raw_<system>` (docs/landing.md, "The raw tables"):
the vendors' records, `raw_mappings` (the mapping CSVs), `raw_reviews` (analysts'
decisions) and `raw_quarantine`. This copies every base table of every `raw_*` schema
into PostgreSQL under the same schema and table names, so `source()` resolves the same on
both targets. JSON columns become jsonb (the adapter layer's JSON macros read jsonb),
VARCHAR text, TIMESTAMP timestamp, DATE date, integers and decimals their PostgreSQL
types. Each table is replaced whole.

Set-based: DuckDB writes each table as CSV (JSON as its text) into a pipe that psycopg2's
COPY reads, in chunks, so no Python loop touches a row and memory stays flat.

    python -m pipelines.lib.raw_export WAREHOUSE.duckdb

The PostgreSQL database is the dbt target's: USM_WAREHOUSE_HOST, _PORT, _USER, _PASSWORD and
_DATABASE (dbt_project/profiles.yml), read from the environment so no password is on a command line.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

_TYPES = {
    "JSON": "jsonb",
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIME": "time",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric",
    "UBIGINT": "numeric",
    "UINTEGER": "bigint",
    "DOUBLE": "double precision",
    "FLOAT": "real",
}


@dataclass(frozen=True)
class CopiedTable:
    schema: str
    table: str
    rows: int


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL type of a raw column; DECIMAL(p,s) keeps its precision and scale."""
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    if duckdb_type not in _TYPES:
        raise ValueError(f"raw_export: no PostgreSQL type for DuckDB type {duckdb_type}")
    return _TYPES[duckdb_type]


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema LIKE 'raw\\_%' ESCAPE '\\' AND table_type = 'BASE TABLE' "
        "ORDER BY table_schema, table_name"
    ).fetchall()


def raw_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    """A raw table's columns and their DuckDB types, in order."""
    return con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()


def copy_raw_layer(warehouse: Path, dsn: str) -> list[CopiedTable]:
    """Replace every raw table of `warehouse` in the PostgreSQL database `dsn`, in one transaction."""
    copied = []
    scratch_folder = tempfile.TemporaryDirectory(prefix="usm-raw-export-")
    with duckdb.connect(str(warehouse), read_only=True) as source, contextlib.closing(psycopg2.connect(dsn)) as conn:
        # `with conn` commits (or rolls back) the transaction; closing() closes the connection.
        with conn as target, target.cursor() as cursor, scratch_folder as scratch:
            for schema, table in raw_tables(source):
                columns = raw_columns(source, schema, table)
                relation = sql.Identifier(schema, table)
                cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
                cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(relation))
                cursor.execute(
                    sql.SQL("CREATE TABLE {} ({})").format(
                        relation,
                        sql.SQL(", ").join(
                            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(postgres_type(kind)))
                            for name, kind in columns
                        ),
                    )
                )
                _copy_table(source, cursor, schema, table, [name for name, _ in columns], Path(scratch))
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(relation))
                copied.append(CopiedTable(schema, table, cursor.fetchone()[0]))
                cursor.execute(sql.SQL("ANALYZE {}").format(relation))
    return copied


def _copy_table(
    source: duckdb.DuckDBPyConnection, cursor, schema: str, table: str, columns: list[str], scratch: Path
) -> None:
    """DuckDB's COPY TO writes CSV into a named pipe while PostgreSQL's COPY FROM reads it."""
    pipe = scratch / f"{schema}.{table}.csv"
    os.mkfifo(pipe)
    column_list = ", ".join(map(quoted, columns))
    target = str(pipe).replace("'", "''")
    errors: list[BaseException] = []

    def write() -> None:
        try:
            # A cursor of its own: the DuckDB connection is not shared across threads.
            source.cursor().execute(
                f"COPY (SELECT {column_list} FROM {quoted(schema)}.{quoted(table)}) TO '{target}' "
                "(FORMAT csv, HEADER false, NULLSTR '\\N')"
            )
        except BaseException as error:  # noqa: BLE001 - re-raised below, in the caller's thread
            errors.append(error)
            # Unblock a reader still waiting for a writer to open the pipe. Non-blocking: when the
            # reader has gone (PostgreSQL's COPY failed), a plain open would wait for ever.
            with contextlib.suppress(OSError):
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))

    writer = threading.Thread(target=write, name=f"raw-export-{schema}.{table}")
    writer.start()
    try:
        with open(pipe, "rb") as stream:
            cursor.copy_expert(
                sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, NULL '\\N')")
                .format(sql.Identifier(schema, table), sql.SQL(", ").join(map(sql.Identifier, columns)))
                .as_string(cursor),
                stream,
            )
    finally:
        writer.join()
    if errors:
        raise errors[0]


def quoted(name: str) -> str:
    """A DuckDB identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def warehouse_dsn(environ=os.environ) -> str:
    """The dbt target `postgres`'s database, with the profile's defaults."""
    return psycopg2.extensions.make_dsn(
        host=environ.get("USM_WAREHOUSE_HOST", "127.0.0.1"), port=environ.get("USM_WAREHOUSE_PORT", "5432"),
        user=environ.get("USM_WAREHOUSE_USER", "postgres"), password=environ.get("USM_WAREHOUSE_PASSWORD", ""),
        dbname=environ.get("USM_WAREHOUSE_DATABASE", "usm"),
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m pipelines.lib.raw_export WAREHOUSE.duckdb  (the database: USM_WAREHOUSE_*)",
              file=sys.stderr)
        return 2
    for copied in copy_raw_layer(Path(argv[0]), warehouse_dsn()):
        print(f"{copied.schema}.{copied.table}: {copied.rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
