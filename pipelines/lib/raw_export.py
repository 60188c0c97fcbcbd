"""Copy the raw layer of a DuckDB warehouse into PostgreSQL, for the dbt target `postgres`.

The dbt project reads its sources from schemas `raw_<system>` (README, "The raw layer"):
the vendors' records, `raw_mappings` (the mapping CSVs), `raw_reviews` (analysts'
decisions) and `raw_quarantine`. This copies every base table of every `raw_*` schema
into PostgreSQL under the same schema and table names, so `source()` resolves the same on
both targets. JSON columns become jsonb (the adapter layer's JSON macros read jsonb),
VARCHAR text, TIMESTAMP timestamp, DATE date, integers and decimals their PostgreSQL
types. Each table is replaced whole.

Set-based: DuckDB writes each table as CSV (JSON as its text) into a pipe that psycopg2's
COPY reads, in chunks, so no Python loop touches a row and memory stays flat.

    python -m pipelines.lib.raw_export WAREHOUSE.duckdb "host=... dbname=... user=..."
"""

from __future__ import annotations

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


def copy_raw_layer(warehouse: Path, dsn: str) -> list[CopiedTable]:
    """Replace every raw table of `warehouse` in the PostgreSQL database `dsn`, in one transaction."""
    copied = []
    with duckdb.connect(str(warehouse), read_only=True) as source, psycopg2.connect(dsn) as target:
        with target.cursor() as cursor, tempfile.TemporaryDirectory(prefix="usm-raw-export-") as scratch:
            for schema, table in raw_tables(source):
                columns = source.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                    [schema, table],
                ).fetchall()
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
    quoted = ", ".join('"' + name.replace('"', '""') + '"' for name in columns)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            # A cursor of its own: the DuckDB connection is not shared across threads.
            source.cursor().execute(
                f'COPY (SELECT {quoted} FROM "{schema}"."{table}") TO \'{pipe}\' '
                "(FORMAT csv, HEADER false, NULLSTR '\\N')"
            )
        except BaseException as error:  # noqa: BLE001 - re-raised below, in the caller's thread
            errors.append(error)
            # Unblock the reader, which waits for a writer to open the pipe.
            with open(pipe, "wb"):
                pass

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


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    for copied in copy_raw_layer(Path(argv[0]), argv[1]):
        print(f"{copied.schema}.{copied.table}: {copied.rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
