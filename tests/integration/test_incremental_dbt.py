"""Incremental dbt (issue #15): the staging models read from raw take in only what the loads since
their last build changed, and what they build equals a full refresh (`usm run --full-refresh`).

Every world of WORLDS is built in two runs (conftest.build_world), so its warehouse is built
incrementally; here it is compared, table by table and row by row, with a full refresh of a copy.
No column is left out: no model keeps the time it was built."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
from conftest import copy_world, dbt, shared_world, usm

BUILT_SCHEMAS = ("staging", "intermediate", "marts")


def full_refresh(warehouse: Path, base: Path) -> Path:
    """A copy of the warehouse with every dbt model rebuilt from all of raw."""
    copy = base / "full-refresh.duckdb"
    shutil.copy2(warehouse, copy)
    dbt("run", "--full-refresh", warehouse=copy)
    return copy


def differences(built: Path, rebuilt: Path) -> dict[str, tuple[int, int]]:
    """Per table of the dbt schemas of `built` that differs in `rebuilt`: (rows only in `built`,
    rows only in `rebuilt`), (-1, -1) when `rebuilt` has no such table. A table only in `rebuilt`
    is no difference: a full dbt build also builds what the pipeline job leaves out."""
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{built}' AS built (READ_ONLY)")
        con.execute(f"ATTACH '{rebuilt}' AS rebuilt (READ_ONLY)")
        tables = {
            catalog: {
                f'{schema}."{table}"'
                for schema, table in con.execute(
                    "SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_catalog = ? AND table_schema IN ? AND table_type = 'BASE TABLE'",
                    [catalog, list(BUILT_SCHEMAS)],
                ).fetchall()
            }
            for catalog in ("built", "rebuilt")
        }
        found = {}
        for table in sorted(tables["built"]):
            if table not in tables["rebuilt"]:
                found[table] = (-1, -1)
                continue
            only = [
                con.execute(f"SELECT count(*) FROM (FROM {a}.{table} EXCEPT ALL FROM {b}.{table})").fetchone()[0]
                for a, b in (("built", "rebuilt"), ("rebuilt", "built"))
            ]
            if any(only):
                found[table] = tuple(only)
    return found


def test_the_incrementally_built_warehouse_equals_a_full_refresh(world, tmp_path):
    rebuilt = full_refresh(world.warehouse, tmp_path)
    (tables,) = world.query("SELECT count(*) FROM information_schema.tables WHERE table_schema IN ?",
                            [list(BUILT_SCHEMAS)])[0]
    assert tables > 50
    assert differences(world.warehouse, rebuilt) == {}


def test_redelivered_files_that_drop_change_and_empty_records_rebuild_like_a_full_refresh(
    tmp_path_factory, tmp_path
):
    """Two earlier days' ticket files come again. The first: one ticket is gone for good (it was only
    in that file), one falls back to its next newest version (another day's), one has a new summary.
    The second is an empty array: the load leaves no row of that day in raw, so only the loader's
    log (raw_loads.replaced_dates) says the day was replaced, and the tickets only that file held
    leave staging. After one `usm run` over those days, staging shows exactly that, and every table
    equals a full refresh."""
    world = copy_world(shared_world(tmp_path_factory, "seed31"), tmp_path / "redelivered", "seed31-redelivered")
    day, gone, falls_back, changed, fallback_day = world.query(
        """
        WITH versions AS (
            SELECT record_id, _extract_date,
                   count(DISTINCT _extract_date) OVER (PARTITION BY record_id) AS days_seen,
                   row_number() OVER (
                       PARTITION BY record_id
                       ORDER BY updated_at DESC NULLS LAST, _extract_date DESC, _record_position DESC
                   ) AS newness
            FROM raw_connectwise.tickets
        ),
        current_versions AS (
            SELECT record_id, _extract_date AS day, days_seen FROM versions WHERE newness = 1
        ),
        -- a ticket whose current version is a day's and whose next newest version another day's
        fallbacks AS (
            SELECT c.record_id, c.day, v._extract_date AS fallback_day
            FROM current_versions AS c
            JOIN versions AS v ON v.record_id = c.record_id AND v.newness = 2 AND v._extract_date <> c.day
        ),
        -- a ticket only ever in a day's file
        only_in_one_file AS (
            SELECT day, min(record_id) AS record_id FROM current_versions WHERE days_seen = 1 GROUP BY day
        )
        SELECT day, o.record_id, f.record_id, max(c.record_id), f.fallback_day
        FROM only_in_one_file AS o
        JOIN fallbacks AS f USING (day)
        JOIN current_versions AS c USING (day)
        WHERE c.days_seen > 1 AND c.record_id <> f.record_id
            AND day < (SELECT max(_extract_date) FROM raw_connectwise.tickets) - 2
        GROUP BY ALL
        ORDER BY day DESC, f.record_id
        LIMIT 1
        """
    )[0]
    # the other day: the latest before it whose file holds tickets no other file does, none of the three
    emptied_day, only_there = world.query(
        """
        WITH versions AS (
            SELECT record_id, _extract_date, count(DISTINCT _extract_date) OVER (PARTITION BY record_id) AS days_seen
            FROM raw_connectwise.tickets
        )
        SELECT _extract_date, list(DISTINCT record_id ORDER BY record_id) FROM versions
        WHERE days_seen = 1 AND _extract_date < ? AND _extract_date <> ?
        GROUP BY ALL ORDER BY _extract_date DESC LIMIT 1
        """,
        [day, fallback_day],
    )[0]
    path = world.landing / "connectwise" / "tickets" / f"{day}.json"
    records = json.loads(path.read_text())
    kept = [record for record in records if str(record["id"]) not in (gone, falls_back)]
    for record in kept:
        if str(record["id"]) == changed:
            record["summary"] = "summary of the re-delivered file"
    assert len(kept) == len(records) - 2
    path.write_text(json.dumps(kept))
    (world.landing / "connectwise" / "tickets" / f"{emptied_day}.json").write_text("[]")

    run = usm("run", "--from", str(emptied_day), "--to", str(day), env=world.env, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    staged = {
        ticket_id: (summary, extract_date)
        for ticket_id, summary, extract_date in world.query(
            "SELECT ticket_id, summary, _extract_date FROM staging.stg_connectwise__tickets "
            "WHERE ticket_id IN (?, ?, ?)",
            [gone, falls_back, changed],
        )
    }
    assert gone not in staged
    assert staged[falls_back][1] == fallback_day
    assert staged[changed] == ("summary of the re-delivered file", day)
    assert world.query("SELECT count(*) FROM raw_connectwise.tickets WHERE _extract_date = ?", [emptied_day]) == [
        (0,)
    ]
    still = world.query(
        "SELECT ticket_id FROM staging.stg_connectwise__tickets WHERE list_contains(?, ticket_id)", [only_there]
    )
    assert still == []
    assert differences(world.warehouse, full_refresh(world.warehouse, tmp_path)) == {}
