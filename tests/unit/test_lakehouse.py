"""The raw layer as Parquet (pipelines/lib/lakehouse.py): the folders a lakehouse and dbt's `spark`
target read, checked against a hand-made raw layer."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.lib.lakehouse import TABLE_LIST, export_raw_layer, main


def _raw_layer(path: Path, dates: list[str]) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw_connectwise")
        con.execute("CREATE SCHEMA IF NOT EXISTS raw_mappings")
        con.execute("CREATE OR REPLACE TABLE raw_connectwise.tickets (record JSON, record_id VARCHAR, "
                    "_source_file VARCHAR, _record_position INTEGER, _extract_date DATE)")
        for day in dates:
            con.execute("INSERT INTO raw_connectwise.tickets VALUES "
                        "('{\"id\": 1, \"summary\": \"it''s down\"}', '1', ?, 1, ?), ('{\"id\": 2}', '2', ?, 2, ?)",
                        [f"connectwise/tickets/{day}.json", day] * 2)
        con.execute("CREATE OR REPLACE TABLE raw_mappings.clients (alias VARCHAR, client_id VARCHAR)")
        con.execute("INSERT INTO raw_mappings.clients VALUES ('Acme', 'CLIENT-1')")
        con.execute("CREATE OR REPLACE TABLE raw_mappings.catalog_items (sys_id VARCHAR, name VARCHAR)")
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")  # not raw: not exported
        con.execute("CREATE OR REPLACE TABLE staging.tickets AS SELECT 1 AS x")


def test_each_raw_table_is_a_folder_partitioned_by_extract_date(tmp_path):
    warehouse, root = tmp_path / "warehouse.duckdb", tmp_path / "lakehouse"
    _raw_layer(warehouse, ["2026-01-05", "2026-01-06"])
    exported = {(t.schema, t.table): (t.rows, t.partitions) for t in export_raw_layer(warehouse, root)}

    # 2 dates x 2 records; the mapping table has 1 row and no extract date; the empty table is one file
    assert exported == {
        ("raw_connectwise", "tickets"): (4, 2),
        ("raw_mappings", "catalog_items"): (0, 0),
        ("raw_mappings", "clients"): (1, 0),
    }
    assert sorted(p.name for p in (root / "raw_connectwise" / "tickets").iterdir()) == [
        "_extract_date=2026-01-05",
        "_extract_date=2026-01-06",
    ]
    assert [p.name for p in (root / "raw_mappings" / "clients").iterdir()] == ["part-0.parquet"]
    with duckdb.connect() as con:
        listed = con.execute(f"SELECT * FROM read_parquet('{root / TABLE_LIST}/*.parquet')").fetchall()
        assert listed == [
            ("raw_connectwise", "tickets"),
            ("raw_mappings", "catalog_items"),
            ("raw_mappings", "clients"),
        ]
        day = con.execute(
            f"SELECT typeof(record), record, _record_position FROM read_parquet("
            f"'{root}/raw_connectwise/tickets/_extract_date=2026-01-05/*.parquet') ORDER BY _record_position"
        ).fetchall()
        # JSON as its text, the quote inside kept; the extract date is the folder, not a column
        assert day == [("VARCHAR", '{"id": 1, "summary": "it\'s down"}', 1), ("VARCHAR", '{"id": 2}', 2)]
        empty = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{root}/raw_mappings/catalog_items/*.parquet')")
        assert [row[0] for row in empty.fetchall()] == ["sys_id", "name"]


def test_an_export_replaces_the_one_before(tmp_path):
    """A date the raw layer no longer holds leaves the lakehouse too: each table's folder is
    written whole."""
    warehouse, root = tmp_path / "warehouse.duckdb", tmp_path / "lakehouse"
    _raw_layer(warehouse, ["2026-01-05", "2026-01-06"])
    export_raw_layer(warehouse, root)
    _raw_layer(warehouse, ["2026-01-06"])
    export_raw_layer(warehouse, root)
    assert [p.name for p in (root / "raw_connectwise" / "tickets").iterdir()] == ["_extract_date=2026-01-06"]
    with duckdb.connect() as con:
        files = f"read_parquet('{root}/raw_connectwise/tickets/**/*.parquet')"
        assert con.execute(f"SELECT count(*) FROM {files}").fetchone() == (2,)


def test_a_warehouse_without_raw_tables_is_refused_in_one_line(tmp_path, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    assert main([str(warehouse), str(tmp_path / "lakehouse")]) == 2
    assert capsys.readouterr().err == f"lakehouse: {warehouse} has no raw table: load it first (usm run)\n"
    assert main([str(tmp_path / "missing.duckdb"), str(tmp_path / "lakehouse")]) == 2
