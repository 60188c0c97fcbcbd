"""Business time in SQL (dbt_project/macros/adapter/business_time.sql, the DuckDB variants), checked by hand.

The macros are plain SQL in Jinja with relation names as arguments, so they are rendered
here with Jinja alone and run on an in-memory DuckDB. Every expected figure is worked out
in the comment beside it; stamps are UTC.

Calendars: `eu` Europe/Amsterdam Mon-Fri 08:00-18:00 (CET = UTC+1, CEST = UTC+2 from
2026-03-29 to 2026-10-25); `us` America/New_York Mon-Fri 08:00-17:00 (EST = UTC-5,
EDT = UTC-4 from 2026-03-08 to 2026-11-01); `24x7` UTC around the clock; `ams-24x7`
Europe/Amsterdam around the clock (its local days of a DST change last 23 and 25 hours).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import jinja2
import pytest

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "adapter" / "business_time.sql"

CALENDARS = {
    "eu": ("Europe/Amsterdam", range(1, 6), 8 * 60, 18 * 60),
    "us": ("America/New_York", range(1, 6), 8 * 60, 17 * 60),
    "24x7": ("UTC", range(1, 8), 0, 1440),
    "ams-24x7": ("Europe/Amsterdam", range(1, 8), 0, 1440),
}
HOLIDAYS = [
    ("eu", "2026-01-01", None, None),
    ("eu", "2026-04-03", None, None),  # Good Friday
    ("eu", "2026-04-06", None, None),  # Easter Monday
    ("eu", "2026-12-24", "13:00", "18:00"),  # Christmas Eve afternoon
    ("eu", "2026-12-25", None, None),
    ("us", "2026-07-03", "13:00", "17:00"),
    ("us", "2026-07-04", None, None),
]


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def macros():
    return jinja2.Environment(autoescape=False, extensions=["jinja2.ext.do"]).from_string(MACROS.read_text()).module


SPINE = ("2025-12-01", "2027-02-28")


def business_time_connection(macros) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with CALENDARS, HOLIDAYS and their interval spine (also used by
    test_properties.py), with the session in UTC."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "create table calendars (calendar varchar, time_zone varchar, weekday integer,"
        " start_minute integer, end_minute integer)"
    )
    for name, (zone, days, start, end) in CALENDARS.items():
        con.executemany("insert into calendars values (?, ?, ?, ?, ?)", [(name, zone, d, start, end) for d in days])
    con.execute("create table holidays (calendar varchar, holiday_on date, start_time varchar, end_time varchar)")
    con.executemany("insert into holidays values (?, ?, ?, ?)", HOLIDAYS)
    spine = macros.duckdb__business_intervals("calendars", "holidays", f"date '{SPINE[0]}'", f"date '{SPINE[1]}'")
    con.execute(f"create table intervals as {spine}")
    return con


@pytest.fixture(scope="module")
def con(macros):
    return business_time_connection(macros)


def clock(con, macros, calendar, start, end, target=60, off=()):
    """(elapsed, paused, due_at) of one clock."""
    con.execute(
        "create or replace temp table clocks (clock_id integer, calendar varchar, started_at timestamp,"
        " end_at timestamp, target_minutes integer)"
    )
    con.execute("insert into clocks values (1, ?, ?, ?, ?)", [calendar, t(start), t(end), target])
    con.execute("create or replace temp table off (clock_id integer, off_from timestamp, off_to timestamp)")
    for a, b in off:
        con.execute("insert into off values (1, ?, ?)", [t(a), t(b) if b else None])
    elapsed, paused, due = con.execute(
        f"select elapsed_business_minutes, paused_business_minutes, due_at"
        f" from ({macros.duckdb__business_clock('clocks', 'off', 'intervals')})"
    ).fetchone()
    return elapsed, paused, due


def test_weekend(con, macros):
    # eu, Fri 2026-01-09 17:00 CET (16:00Z) to Mon 2026-01-12 09:00 CET (08:00Z):
    # Friday 17:00-18:00 = 60, the weekend 0, Monday 08:00-09:00 = 60 -> 120.
    # Due after 90: Friday's 60, then 30 on Monday -> 08:30 CET = 07:30Z.
    assert clock(con, macros, "eu", "2026-01-09 16:00", "2026-01-12 08:00", target=90) == (
        120,
        0,
        t("2026-01-12 07:30"),
    )


def test_whole_day_holidays(con, macros):
    # eu, Thu 2026-04-02 17:00 CEST (15:00Z) to Tue 2026-04-07 09:00 CEST (07:00Z):
    # Thursday 60, Good Friday off, weekend, Easter Monday off, Tuesday 08:00-09:00 = 60 -> 120.
    assert clock(con, macros, "eu", "2026-04-02 15:00", "2026-04-07 07:00", target=120) == (
        120,
        0,
        t("2026-04-07 07:00"),
    )


def test_part_day_holiday(con, macros):
    # eu, Thu 2026-12-24 12:00 CET (11:00Z) to Mon 2026-12-28 09:00 CET (08:00Z):
    # Christmas Eve 12:00-13:00 = 60 (13:00-18:00 off), Christmas Day off, weekend,
    # Monday 08:00-09:00 = 60 -> 120. Due after 61: 60 on the 24th, 1 on Monday -> 08:01 CET.
    assert clock(con, macros, "eu", "2026-12-24 11:00", "2026-12-28 08:00", target=61) == (
        120,
        0,
        t("2026-12-28 07:01"),
    )


def test_spring_forward_amsterdam(con, macros):
    # eu, Fri 2026-03-27 17:00 CET (16:00Z) to Mon 2026-03-30 09:00 CEST (07:00Z): 60 + 60 = 120.
    # (Reading Monday 08:00 with the old offset would put it at 07:00Z, and give 60.)
    assert clock(con, macros, "eu", "2026-03-27 16:00", "2026-03-30 07:00", target=120) == (
        120,
        0,
        t("2026-03-30 07:00"),
    )
    # ams-24x7, Sat 2026-03-28 12:00 CET (11:00Z) to Mon 2026-03-30 12:00 CEST (10:00Z):
    # 12 h + a 23-hour Sunday + 12 h = 47 h = 2820 minutes. Due after 24 h: Sun 13:00 CEST = 11:00Z.
    assert clock(con, macros, "ams-24x7", "2026-03-28 11:00", "2026-03-30 10:00", target=1440) == (
        2820,
        0,
        t("2026-03-29 11:00"),
    )


def test_fall_back_amsterdam(con, macros):
    # ams-24x7, Sat 2026-10-24 12:00 CEST (10:00Z) to Mon 2026-10-26 12:00 CET (11:00Z):
    # 12 h + a 25-hour Sunday + 12 h = 49 h = 2940 minutes.
    # eu, Fri 2026-10-23 17:00 CEST (15:00Z) to Mon 2026-10-26 09:00 CET (08:00Z): 60 + 60 = 120.
    assert clock(con, macros, "ams-24x7", "2026-10-24 10:00", "2026-10-26 11:00", target=2940) == (
        2940,
        0,
        t("2026-10-26 11:00"),
    )
    assert clock(con, macros, "eu", "2026-10-23 15:00", "2026-10-26 08:00", target=120) == (
        120,
        0,
        t("2026-10-26 08:00"),
    )


def test_spring_forward_and_fall_back_new_york(con, macros):
    # us, Fri 2026-03-06 16:00 EST (21:00Z) to Mon 2026-03-09 09:00 EDT (13:00Z): 60 + 60 = 120;
    # due after 120 is that Monday 09:00 EDT = 13:00Z.
    assert clock(con, macros, "us", "2026-03-06 21:00", "2026-03-09 13:00", target=120) == (
        120,
        0,
        t("2026-03-09 13:00"),
    )
    # us, Fri 2026-10-30 16:30 EDT (20:30Z) to Mon 2026-11-02 08:30 EST (13:30Z): 30 + 30 = 60;
    # due after 45: 30 on Friday, 15 on Monday -> 08:15 EST = 13:15Z.
    assert clock(con, macros, "us", "2026-10-30 20:30", "2026-11-02 13:30", target=45) == (
        60,
        0,
        t("2026-11-02 13:15"),
    )


def test_opened_outside_business_hours(con, macros):
    # eu, Tue 2026-01-13 06:30 CET (05:30Z) to 08:45 CET (07:45Z): the clock starts at 08:00 -> 45.
    # Due after 60: 09:00 CET = 08:00Z.
    assert clock(con, macros, "eu", "2026-01-13 05:30", "2026-01-13 07:45", target=60) == (
        45,
        0,
        t("2026-01-13 08:00"),
    )


def test_pause_spanning_closed_hours(con, macros):
    # eu, from Mon 2026-01-12 16:00 CET (15:00Z) to Tue 11:00 CET (10:00Z), on hold from
    # Mon 17:30 CET (16:30Z) to Tue 09:30 CET (08:30Z).
    # Business time: Mon 16:00-18:00 = 120 + Tue 08:00-11:00 = 180 = 300.
    # Paused: Mon 17:30-18:00 = 30 + Tue 08:00-09:30 = 90 = 120; elapsed 300 - 120 = 180.
    # Due after 240: 90 on Monday before the pause, 150 from Tue 09:30 -> 12:00 CET = 11:00Z.
    assert clock(
        con,
        macros,
        "eu",
        "2026-01-12 15:00",
        "2026-01-13 10:00",
        target=240,
        off=[("2026-01-12 16:30", "2026-01-13 08:30")],
    ) == (180, 120, t("2026-01-13 11:00"))


def test_reopened_ticket_resumes_its_clock(con, macros):
    # eu, opened Mon 2026-01-12 09:00 CET (08:00Z), resolved 10:00 CET (09:00Z), reopened
    # Tue 10:00 CET (09:00Z), resolved again Tue 11:00 CET (10:00Z). Resolved until the
    # reopening stops the clock.
    # Span: Mon 09:00-18:00 = 540 + Tue 08:00-11:00 = 180 = 720; stopped: Mon 10:00-18:00 = 480
    # + Tue 08:00-10:00 = 120 = 600; elapsed 120.
    # Due after 90: 60 on Monday, 30 from Tue 10:00 -> 10:30 CET = 09:30Z.
    assert clock(
        con,
        macros,
        "eu",
        "2026-01-12 08:00",
        "2026-01-13 10:00",
        target=90,
        off=[("2026-01-12 09:00", "2026-01-13 09:00")],
    ) == (120, 600, t("2026-01-13 09:30"))


def test_still_paused_at_the_end(con, macros):
    # eu, from Mon 2026-01-12 09:00 CET (08:00Z), on hold since 10:00 CET (09:00Z), read at
    # 12:00 CET (11:00Z): elapsed 60, paused 120. Due after 90: the pause counts up to the
    # reading, so 60 + 120 paused + 30 -> 12:30 CET = 11:30Z.
    assert clock(
        con, macros, "eu", "2026-01-12 08:00", "2026-01-12 11:00", target=90, off=[("2026-01-12 09:00", None)]
    ) == (60, 120, t("2026-01-12 11:30"))


def test_24x7_p1(con, macros):
    # 24x7, opened Sat 2026-01-10 22:00Z, resolved Sun 01:30Z: 210 minutes around the clock,
    # the weekend counting. Target 240 -> due Sun 02:00Z.
    assert clock(con, macros, "24x7", "2026-01-10 22:00", "2026-01-11 01:30", target=240) == (
        210,
        0,
        t("2026-01-11 02:00"),
    )


def test_agrees_with_the_generators_business_time(con, macros):
    """500 random clocks against pipelines/generator/business_time.py, an independent
    implementation (a Python walk over the days)."""
    from pipelines.generator.business_time import UTC, Calendar

    calendars = {
        name: Calendar(
            name,
            zone,
            {d: (start, end) for d in days},
            {
                datetime.fromisoformat(day).date(): (
                    (int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:])) if a else (0, 1440)
                )
                for cal, day, a, b in HOLIDAYS
                if cal == name
            },
        )
        for name, (zone, days, start, end) in CALENDARS.items()
    }
    rng = random.Random(4)
    rows = []
    for clock_id in range(500):
        name = rng.choice(list(calendars))
        start = datetime(2026, 1, 2) + timedelta(minutes=rng.randrange(360 * 1440))
        end = start + timedelta(minutes=rng.randrange(10 * 1440))
        a = start + timedelta(minutes=rng.randrange(int((end - start).total_seconds() // 60) + 1))
        b = a + timedelta(minutes=rng.randrange(3 * 1440))
        rows.append((clock_id, name, start, end, rng.choice([15, 240, 480, 2880]), a, b))
    con.execute(
        "create or replace temp table clocks (clock_id integer, calendar varchar, started_at timestamp,"
        " end_at timestamp, target_minutes integer)"
    )
    con.executemany("insert into clocks values (?, ?, ?, ?, ?)", [r[:5] for r in rows])
    con.execute("create or replace temp table off (clock_id integer, off_from timestamp, off_to timestamp)")
    con.executemany("insert into off values (?, ?, ?)", [(r[0], r[5], r[6]) for r in rows])
    measured = macros.duckdb__business_clock("clocks", "off", "intervals")
    got = {r[0]: r[1:] for r in con.execute(f"select * from ({measured})").fetchall()}
    for clock_id, name, start, end, target, a, b in rows:
        cal = calendars[name]
        u = lambda x: x.replace(tzinfo=UTC)  # noqa: E731
        pauses = [(max(u(a), u(start)), min(u(b), u(end)))] if min(b, end) > max(a, start) else []
        running, paused = cal.elapsed(u(start), u(end), pauses)
        due = cal.due(u(start), target, pauses).replace(tzinfo=None)
        assert got[clock_id] == (running, paused, due), (
            name,
            start,
            end,
            target,
            a,
            b,
            got[clock_id],
            (running, paused, due),
        )
