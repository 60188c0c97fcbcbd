"""Publish the marts as a read-only snapshot that analysts open without blocking the pipeline.

DuckDB lets one process write a file and locks every other out, so analysts never open the
warehouse itself. After a run, every mart is copied as a table into a new DuckDB file, which then
replaces `usm_marts.duckdb` atomically (rename). An analyst who has the old file open keeps reading
the old snapshot (the file stays whole until its last reader closes it); the next connection sees
the new one.

The file holds the rows themselves, not views over Parquet files: DuckDB resolves a view's relative
path from the reader's working directory, so views would tie the snapshot to an absolute folder,
and a copied or shared output folder would break. It is written in storage version v1.0.0, which
every DuckDB from 0.10.3 on reads: the shells, drivers and notebooks analysts use ship older DuckDBs
than the pipeline's own. Each table and column carries its dbt description as a comment
(`duckdb_columns()`, `duckdb_tables()`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

# Not `marts.duckdb`: DuckDB names a file's catalog after it, and a catalog `marts` would make
# `marts.<table>` ambiguous with the schema `marts`.
SNAPSHOT_FILE = "usm_marts.duckdb"
# The oldest storage version this DuckDB writes; DuckDB 0.10.3, 1.0.0, 1.2.2, 1.3.2, 1.4.4 and
# 1.5.6 were checked to read it. The default (the writer's own, v2.0.0) is refused by every 1.x.
STORAGE_VERSION = "v1.0.0"
# Where releases that published views over Parquet kept the files; nothing reads them any more.
PARQUET_FOLDERS = "marts_snapshots"
_CATALOG = "usm_snapshot_partial"


@dataclass(frozen=True)
class MartDoc:
    """A mart's dbt description and its columns' descriptions (by lower-case column name)."""

    description: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)


def mart_docs(manifest: Mapping[str, Any]) -> dict[str, MartDoc]:
    """The descriptions of the models in schema `marts`, by table name, from dbt's manifest.json."""
    return {
        node["alias"]: MartDoc(
            description=(node.get("description") or "").strip(),
            columns={
                name.lower(): (column.get("description") or "").strip() for name, column in node["columns"].items()
            },
        )
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish_marts(
    con: duckdb.DuckDBPyConnection, output: Path, snapshot_id: str, docs: Mapping[str, MartDoc] | None = None
) -> dict[str, int]:
    """Copy every table of schema `marts` into a new `<output>/usm_marts.duckdb`, commented from
    `docs` (mart_docs), and swap it in. Returns the rows per table. `snapshot_id` names the file
    being written, so that two publishers never write the same one."""
    output.mkdir(parents=True, exist_ok=True)
    partial = output / f".{SNAPSHOT_FILE}.{snapshot_id}.partial"
    partial.unlink(missing_ok=True)
    con.execute(f"ATTACH {_quote_literal(str(partial))} AS {_CATALOG} (STORAGE_VERSION '{STORAGE_VERSION}')")
    try:
        # One transaction, so that every mart is read from the same state of the warehouse; closing
        # the cursor rolls it back if anything fails, and the catalog can then be detached.
        with con.cursor() as cursor:
            cursor.execute("BEGIN")
            rows = _copy_marts(cursor, docs or {})
            cursor.execute("COMMIT")
    except BaseException:
        con.execute(f"DETACH {_CATALOG}")
        partial.unlink(missing_ok=True)
        raise
    con.execute(f"DETACH {_CATALOG}")
    os.replace(partial, output / SNAPSHOT_FILE)
    shutil.rmtree(output / PARQUET_FOLDERS, ignore_errors=True)
    return rows


def _copy_marts(cursor: duckdb.DuckDBPyConnection, docs: Mapping[str, MartDoc]) -> dict[str, int]:
    tables = [
        name
        for (name,) in cursor.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = 'marts' ORDER BY 1"
        ).fetchall()
    ]
    cursor.execute(f"CREATE SCHEMA {_CATALOG}.marts")
    rows = {}
    for table in tables:
        target = f"{_CATALOG}.marts.{_quote_identifier(table)}"
        cursor.execute(f"CREATE TABLE {target} AS SELECT * FROM marts.{_quote_identifier(table)}")
        rows[table] = cursor.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
        doc = docs.get(table, MartDoc())
        # COMMENT ON takes no parameters: the text goes in as a quoted literal.
        if doc.description:
            cursor.execute(f"COMMENT ON TABLE {target} IS {_quote_literal(doc.description)}")
        columns = cursor.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'marts'"
            " AND table_name = ? ORDER BY column_index",
            [_CATALOG, table],
        ).fetchall()
        for (column,) in columns:
            if description := doc.columns.get(column.lower()):
                cursor.execute(
                    f"COMMENT ON COLUMN {target}.{_quote_identifier(column)} IS {_quote_literal(description)}"
                )
    return rows
