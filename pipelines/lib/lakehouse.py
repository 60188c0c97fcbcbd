"""Export the raw layer of a DuckDB warehouse as Parquet files, the lakehouse's bronze layer, for
the dbt target `spark` (docs/production.md, "The dbt project on Spark").

Every base table of every `raw_*` schema becomes a folder `<root>/<schema>/<table>/`: the schema
is the system (`raw_connectwise`), the table the entity (`tickets`). A table with an extract date
is partitioned by it, one folder per date (`_extract_date=2026-01-05/`), the layout in which a
lakehouse adds or replaces one day's extract without touching the others (this export rewrites
each table whole, from the raw layer); a table without one (the mapping
CSVs, the quarantine, the loader's log) or with no row is one file. JSON columns are written as
their text, which Spark's JSON functions read. Each table's folder is replaced whole, so the same
raw layer always gives the same files.

Set-based: DuckDB's COPY writes each table (and its partitions) in one statement.

    python -m pipelines.lib.lakehouse WAREHOUSE.duckdb ROOT

`<root>/_tables/` lists the tables written. dbt's `spark` target registers each as a table over
its folder when a run starts (macros/adapter/lakehouse.sql), from USM_LAKEHOUSE_PATH, the same
ROOT: the vendors' entities, the mappings, the quarantine and any declared tool's table alike.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.lib.raw_export import quoted, raw_columns, raw_tables

PARTITION_COLUMN = "_extract_date"
# The list of the tables exported, `<root>/_tables/`: what dbt's `spark` target registers.
TABLE_LIST = "_tables"


@dataclass(frozen=True)
class ExportedTable:
    schema: str
    table: str
    rows: int
    partitions: int


def export_raw_layer(warehouse: Path, root: Path) -> list[ExportedTable]:
    """Write every raw table of `warehouse` under `root`, replacing what was there."""
    exported = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for schema, table in raw_tables(con):
            columns = raw_columns(con, schema, table)
            rows = con.execute(f"SELECT count(*) FROM {quoted(schema)}.{quoted(table)}").fetchone()[0]
            folder = root / schema / table
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            partitioned = rows > 0 and PARTITION_COLUMN in {name for name, _ in columns}
            select = ", ".join(
                f"CAST({quoted(name)} AS VARCHAR) AS {quoted(name)}" if kind == "JSON" else quoted(name)
                for name, kind in columns
            )
            # The order of the rows in the files is the table's lineage order, so the same raw
            # layer writes the same files.
            order = ", ".join(quoted(name) for name in ("_source_file", "_record_position") if name in dict(columns))
            query = f"SELECT {select} FROM {quoted(schema)}.{quoted(table)}" + (f" ORDER BY {order}" if order else "")
            target = str(folder if partitioned else folder / "part-0.parquet").replace("'", "''")
            options = f"FORMAT parquet, PARTITION_BY ({PARTITION_COLUMN})" if partitioned else "FORMAT parquet"
            con.execute(f"COPY ({query}) TO '{target}' ({options})")
            partitions = len(list(folder.glob(f"{PARTITION_COLUMN}=*"))) if partitioned else 0
            exported.append(ExportedTable(schema, table, rows, partitions))
        _write_table_list(con, root, exported)
    return exported


def _write_table_list(con: duckdb.DuckDBPyConnection, root: Path, exported: list[ExportedTable]) -> None:
    folder = root / TABLE_LIST
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    con.execute("CREATE TEMP TABLE exported_tables (table_schema VARCHAR, table_name VARCHAR)")
    if exported:
        con.executemany("INSERT INTO exported_tables VALUES (?, ?)", [(t.schema, t.table) for t in exported])
    target = str(folder / "part-0.parquet").replace("'", "''")
    con.execute(f"COPY (SELECT * FROM exported_tables ORDER BY ALL) TO '{target}' (FORMAT parquet)")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m pipelines.lib.lakehouse WAREHOUSE.duckdb ROOT", file=sys.stderr)
        return 2
    warehouse = Path(argv[0])
    if not warehouse.is_file():
        print(f"lakehouse: no warehouse at {warehouse}", file=sys.stderr)
        return 2
    exported = export_raw_layer(warehouse, Path(argv[1]))
    if not exported:
        print(f"lakehouse: {warehouse} has no raw table: load it first (usm run)", file=sys.stderr)
        return 2
    for table in exported:
        print(f"{table.schema}.{table.table}: {table.rows} rows, {table.partitions} extract dates")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
