"""Publish the marts as a read-only snapshot that analysts open without blocking the pipeline.

DuckDB lets one process write a file and locks every other out, so analysts never open the
warehouse itself. After a run, each mart is written to Parquet in a new folder, and a small
DuckDB file of views over those files replaces `usm_marts.duckdb` atomically (rename). An analyst
who has the old file open keeps reading the old snapshot; the next connection sees the new one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

# Not `marts.duckdb`: DuckDB names a file's catalog after it, and a catalog `marts` would make
# `marts.<table>` ambiguous with the schema `marts`.
SNAPSHOT_FILE = "usm_marts.duckdb"
SNAPSHOT_FOLDERS = "marts_snapshots"


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish_marts(con: duckdb.DuckDBPyConnection, output: Path, snapshot_id: str, keep: int = 3) -> dict[str, int]:
    """Write every table of schema `marts` to `<output>/marts_snapshots/<snapshot_id>/`, then swap
    `<output>/usm_marts.duckdb` to views over them. Returns the rows per table. Keeps the newest
    `keep` snapshot folders (an open analyst session may still read the previous one)."""
    folders = output / SNAPSHOT_FOLDERS
    target = folders / snapshot_id
    staging = folders / f".{snapshot_id}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    tables = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
        ).fetchall()
    ]
    rows = {}
    for table in tables:
        path = staging / f"{table}.parquet"
        source = f"marts.{_quote_identifier(table)}"
        con.execute(f"COPY (SELECT * FROM {source}) TO {_quote_literal(str(path))} (FORMAT parquet)")
        rows[table] = con.execute(f"SELECT count(*) FROM marts.{_quote_identifier(table)}").fetchone()[0]
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)

    views_file = output / f"partial_{snapshot_id.replace('-', '_')}.duckdb"
    views_file.unlink(missing_ok=True)
    with duckdb.connect(str(views_file)) as views:
        views.execute("CREATE SCHEMA marts")
        for table in tables:
            parquet = _quote_literal(str(target / f"{table}.parquet"))
            views.execute(f"CREATE VIEW marts.{_quote_identifier(table)} AS SELECT * FROM read_parquet({parquet})")
    os.replace(views_file, output / SNAPSHOT_FILE)

    published = sorted((p for p in folders.iterdir() if p.is_dir() and not p.name.startswith(".")),
                       key=lambda p: p.stat().st_mtime)
    for old in published[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return rows
