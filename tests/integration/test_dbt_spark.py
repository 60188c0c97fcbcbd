"""The dbt project on Apache Spark (dbt-spark, target `spark`, a local session): built from the
same raw layer as on DuckDB, exported as Parquet (the lakehouse's bronze layer), it must give
the same marts.

The generated MSP of the PostgreSQL test (every entity of the four systems has records) is
loaded into DuckDB by the project's own loader, exported by pipelines/lib/lakehouse.py, and
`dbt build` runs on both targets at once: models and data tests (dbt's unit tests are DuckDB
SQL and stay on DuckDB). Spark's marts are read from the Parquet files Spark wrote for them,
by DuckDB, so the test process starts no second JVM. Every mart has the same rows on both,
numbers to 6 places and instants in UTC.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest
from warehouses import (
    EDGE_CASES,
    EDGE_CASTS,
    KEY_MARTS,
    dbt,
    edge_query,
    generated_raw_layer,
    mart_columns,
    mart_names,
    rows,
    shown_values,
)

from pipelines.lib.lakehouse import PARTITION_COLUMN, export_raw_layer

pytestmark = pytest.mark.slow


def _spark_env(folder: Path) -> dict[str, str]:
    return {"USM_LAKEHOUSE_PATH": str(folder / "lakehouse"), "USM_SPARK_HOME": str(folder / "spark-home")}


def _spark_table(folder: Path, schema: str, table: str) -> str:
    """A table Spark built, as DuckDB reads it: the Parquet files of its folder in Spark's warehouse."""
    return f"read_parquet('{folder / 'spark-home' / 'warehouse' / f'{schema}.db' / table}/*.parquet')"


def test_dbt_project_builds_on_spark_with_the_same_marts(tmp_path):
    started = time.monotonic()
    warehouse = generated_raw_layer(tmp_path)
    lakehouse = tmp_path / "lakehouse"
    exported = export_raw_layer(warehouse, lakehouse)

    # The bronze layer holds every raw table, one folder per extract date, the same rows.
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        listed = duck.execute(f"select * from read_parquet('{lakehouse}/_tables/*.parquet') order by 1, 2").fetchall()
        assert listed == duck.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'raw\\_%' escape '\\' order by 1, 2"
        ).fetchall()
        for schema, table in listed:
            columns = {column[0] for column in duck.execute(f'describe "{schema}"."{table}"').fetchall()}
            dates = f"list(distinct {PARTITION_COLUMN}::varchar order by {PARTITION_COLUMN}::varchar)"
            count, dates = duck.execute(
                f'select count(*), coalesce({dates if PARTITION_COLUMN in columns else "null"}, []) '
                f'from "{schema}"."{table}"'
            ).fetchone()
            folders = sorted(path.name for path in (lakehouse / schema / table).glob(f"{PARTITION_COLUMN}=*"))
            assert folders == [f"{PARTITION_COLUMN}={day}" for day in dates if day], (schema, table)
            files = f"read_parquet('{lakehouse / schema / table}/**/*.parquet', hive_partitioning = true)"
            assert duck.execute(f"select count(*) from {files}").fetchone()[0] == count, (schema, table)
        assert len(list((lakehouse / "raw_connectwise" / "tickets").iterdir())) > 1
    prepared = time.monotonic()

    builds = {
        "local": dbt(["build"], "local", {"USM_DUCKDB_PATH": str(warehouse)}, tmp_path),
        "spark": dbt(["build"], "spark", _spark_env(tmp_path), tmp_path),
    }
    outputs = {target: build.communicate(timeout=900)[0] for target, build in builds.items()}
    for target, build in builds.items():
        assert build.returncode == 0, f"dbt build --target {target} failed:\n{outputs[target][-6000:]}"
    # dbt's log (its console is quiet): every exported table was registered
    assert f"register_raw_layer: {len(exported)} raw tables" in (tmp_path / "spark" / "dbt.log").read_text()
    built = time.monotonic()

    with duckdb.connect(str(warehouse), read_only=True) as duck:
        duck.execute("SET TimeZone = 'UTC'")  # Spark writes instants adjusted to UTC
        cursor = duck.cursor()
        marts = mart_names(duck)
        assert KEY_MARTS <= set(marts) and len(marts) >= 17
        counts = {}
        for mart in marts:
            columns = ", ".join(mart_columns(duck, mart))
            duck_rows = sorted(rows(cursor, f"select {columns} from marts.{mart}"), key=repr)
            spark_table = _spark_table(tmp_path, "marts", mart)
            spark_rows = sorted(rows(cursor, f"select {columns} from {spark_table}"), key=repr)
            assert len(spark_rows) == len(duck_rows), f"marts.{mart}: {len(spark_rows)} rows on Spark, {len(duck_rows)}"
            different = [(d, s) for d, s in zip(duck_rows, spark_rows, strict=True) if d != s]
            assert not different, f"marts.{mart}: {len(different)} rows differ, first {different[:3]}"
            counts[mart] = len(duck_rows)
        assert all(counts[mart] > 0 for mart in KEY_MARTS), counts
    print(
        f"\nraw loaded and exported in {prepared - started:.1f} s, both builds in {built - prepared:.1f} s,"
        f" compared in {time.monotonic() - built:.1f} s; marts: {counts}"
    )


# JSON that Spark reads as text and DuckDB as its JSON type: numbers, null, a string that looks
# like an object (no object), a key with a space, nested paths, an array's elements. No backslash:
# the two warehouses read one differently in a string literal.
JSON_DOCUMENT = '{"a": 1.50, "b": null, "c": "x", "d": {"e": true}, "f": "{}", "h i": [1, 2], "arr": [{"k": "v"}, "w"]}'
JSON_CASES = {
    "json_text a": "{{ json_text('doc.r', 'a') }}",
    "json_text b": "{{ json_text('doc.r', 'b') }}",
    "json_text c": "{{ json_text('doc.r', 'c') }}",
    "json_text d.e": "{{ json_text('doc.r', 'd.e') }}",
    "json_text h i": "{{ json_text('doc.r', ['h i']) }}",
    "json_text missing": "{{ json_text('doc.r', 'zz') }}",
    "json_text of json_get d": "{{ json_text(json_get('doc.r', 'd'), 'e') }}",
    "json_is_object d": "cast({{ json_is_object(json_get('doc.r', 'd')) }} as {{ dbt.type_string() }})",
    "json_is_object f": "cast({{ json_is_object(json_get('doc.r', 'f')) }} as {{ dbt.type_string() }})",
    "json_is_object c": "cast({{ json_is_object(json_get('doc.r', 'c')) }} as {{ dbt.type_string() }})",
    "json_is_object missing": "cast({{ json_is_object(json_get('doc.r', 'zz')) }} as {{ dbt.type_string() }})",
}
# The array's elements, in order: each one's key `k`, or the element itself as JSON text.
JSON_ELEMENTS = (
    "{{ dbt.listagg('coalesce(' ~ json_text('item', 'k') ~ ', cast(item as ' ~ dbt.type_string() ~ '))',"
    " \"', '\", 'order by item_position') }}"
)


def _json_query() -> str:
    """The cases over the CTE `doc` (the query that uses them defines it)."""
    selects = [f"select '{case}' as k, {sql} as v from doc" for case, sql in JSON_CASES.items()]
    selects.append(
        f"select 'json_array_rows arr', {JSON_ELEMENTS} from ("
        "{{ json_array_rows('doc', json_get('doc.r', 'arr'), 'item', 'item_position') }}) as items"
    )
    return "\nunion all\n".join(selects)


def test_vendor_text_reads_the_same_on_spark(tmp_path):
    query = (
        f"with doc as (select '{JSON_DOCUMENT}' as r)\n"
        f"select k, v from ({edge_query()}\nunion all\n{_json_query()}) as every_case"
    )
    arguments = ["show", "--inline", query, "--limit", "500", "--output", "json"]
    shows = {
        "local": dbt(arguments, "local", {"USM_DUCKDB_PATH": str(tmp_path / "empty.duckdb")}, tmp_path),
        "spark": dbt(arguments, "spark", _spark_env(tmp_path), tmp_path),
    }
    values = {target: shown_values(show) for target, show in shows.items()}
    assert len(values["local"]) == sum(map(len, EDGE_CASES.values())) + len(EDGE_CASTS) + len(JSON_CASES) + 1
    different = {case: (value, values["spark"].get(case)) for case, value in values["local"].items()
                 if values["spark"].get(case) != value}
    assert not different, f"DuckDB's value, then Spark's: {different}"
    # and the cases mean what they say
    assert values["spark"]["connectwise_stamp 2026-01-05T14:22:10.5-05:30"] == "2026-01-05 19:52:10.5"
    assert values["spark"]["jira_stamp 2026-01-05T14:22:10.123+0530"] == "2026-01-05 08:52:10.123"
    assert values["spark"]["ninjaone_stamp 1e300"] is None
    assert values["spark"]["cast integer 1.5"] == "2"
    assert values["spark"]["cast time 24:00"] == "24:00:00"
    assert values["spark"]["json_is_object f"] == "false"  # a string holding JSON is no object
    assert values["spark"]["json_array_rows arr"] == 'v, "w"'  # the string element keeps its quotes
