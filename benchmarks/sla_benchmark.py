"""Times the SLA computation on 1,000,000 synthetic tickets and records it in BENCHMARKS.md.

    python benchmarks/sla_benchmark.py [--tickets 1000000] [--no-write]

Runs the dbt macros of dbt_project/macros/adapter/business_time.sql (rendered with Jinja alone) on a
plain in-memory DuckDB: the calendar spine (the four calendars of the generated MSP, two
with daylight saving, and their holidays, over 14 months), then one resolution clock per
ticket (opened over a year, 0 to 10 days long, a third with an on-hold pause, targets of
4 to 48 business hours) with elapsed and paused business minutes and the due instant.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import jinja2

ROOT = Path(__file__).resolve().parents[1]
MACROS = ROOT / "dbt_project" / "macros" / "adapter" / "business_time.sql"

CALENDARS = [
    ("24x7", "UTC", range(1, 8), 0, 1440),
    ("business-eu", "Europe/Amsterdam", range(1, 6), 480, 1080),
    ("business-us", "America/New_York", range(1, 6), 480, 1020),
    ("business-apac", "Asia/Singapore", range(1, 6), 540, 1080),
]
HOLIDAYS = [
    ("business-eu", "2026-01-01", None, None),
    ("business-eu", "2026-04-03", None, None),
    ("business-eu", "2026-04-06", None, None),
    ("business-eu", "2026-12-24", "13:00", "18:00"),
    ("business-eu", "2026-12-25", None, None),
    ("business-us", "2026-07-03", "13:00", "17:00"),
    ("business-us", "2026-07-04", None, None),
    ("business-us", "2026-11-26", None, None),
    ("business-apac", "2026-08-09", None, None),
]


def run(tickets: int) -> dict[str, float]:
    macros = jinja2.Environment(autoescape=False, extensions=["jinja2.ext.do"]).from_string(MACROS.read_text()).module
    con = duckdb.connect()
    con.execute(
        "create table calendars (calendar varchar, time_zone varchar, weekday integer,"
        " start_minute integer, end_minute integer)"
    )
    for name, zone, days, start, end in CALENDARS:
        con.executemany("insert into calendars values (?, ?, ?, ?, ?)", [(name, zone, d, start, end) for d in days])
    con.execute("create table holidays (calendar varchar, holiday_on date, start_time varchar, end_time varchar)")
    con.executemany("insert into holidays values (?, ?, ?, ?)", HOLIDAYS)
    con.execute(
        """create table clocks as
        select i as clock_id,
            (['24x7', 'business-eu', 'business-us', 'business-apac'])[1 + i % 4] as calendar,
            timestamp '2026-01-01' + to_minutes(cast(hash(i) % (365 * 1440) as bigint)) as started_at,
            timestamp '2026-01-01' + to_minutes(cast(hash(i) % (365 * 1440) as bigint))
                + to_minutes(cast(hash(i + 1) % (10 * 1440) as bigint)) as end_at,
            ([240, 480, 1440, 2880])[1 + cast(hash(i + 2) % 4 as integer)] as target_minutes
        from range(?) as r(i)""",
        [tickets],
    )
    con.execute(
        """create table off as
        select clock_id,
            started_at + to_minutes(cast(hash(clock_id + 3) % 600 as bigint)) as off_from,
            started_at
                + to_minutes(cast(hash(clock_id + 3) % 600 + 30 + hash(clock_id + 4) % 2000 as bigint))
                as off_to
        from clocks where clock_id % 3 = 0"""
    )
    started = time.perf_counter()
    con.execute(
        "create table intervals as "
        + macros.duckdb__business_intervals("calendars", "holidays", "date '2025-12-25'", "date '2027-03-01'")
    )
    spine = time.perf_counter() - started
    started = time.perf_counter()
    con.execute("create table measured as " + macros.duckdb__business_clock("clocks", "off", "intervals"))
    clock = time.perf_counter() - started
    (rows,) = con.execute("select count(*) from measured").fetchone()
    (intervals,) = con.execute("select count(*) from intervals").fetchone()
    assert rows == tickets
    return {"tickets": tickets, "intervals": intervals, "spine_s": spine, "clock_s": clock}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    result = run(args.tickets)
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d} | {result['tickets']:,} clocks (a third paused) | "
        f"{result['intervals']:,} | {result['spine_s']:.2f} s | {result['clock_s']:.2f} s | "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, DuckDB {duckdb.__version__} |"
    )
    print(line)
    if not args.no_write:
        path = ROOT / "BENCHMARKS.md"
        header = (
            "# Benchmarks\n\n## SLA computation (`benchmarks/sla_benchmark.py`)\n\n"
            "Business-time spine and SLA clocks (elapsed, paused, due) in plain DuckDB on the\n"
            "compiled macros of `dbt_project/macros/adapter/business_time.sql`.\n\n"
            "| date | clocks | spine intervals | spine | clocks | machine |\n|---|---|---|---|---|---|\n"
        )
        text = path.read_text() if path.exists() else ""
        if "## SLA computation" not in text:
            text = (text.rstrip() + "\n\n" + header[len("# Benchmarks\n\n") :]) if text else header
        # the new row goes at the end of this section's table, before any later section
        lines = text.rstrip("\n").split("\n")
        at = lines.index("## SLA computation (`benchmarks/sla_benchmark.py`)")
        end = next((i for i in range(at + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        while lines[end - 1] == "":
            end -= 1
        lines.insert(end, line)
        path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
