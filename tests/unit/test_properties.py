"""Property-based tests (hypothesis) of the stamp parsers and of business time in SQL.

Stamps: each vendor's format is parsed twice, by the loader (`STAMP_PARSERS` in
pipelines/sources/catalog.py) and again in staging (dbt_project/macros/adapter/parse_stamps.sql, the DuckDB variants).
For instants between 1990 and 2100 written the way the vendor writes them, both give back
exactly the UTC instant; and no text at all makes either of them raise.

Business time: the macros of dbt_project/macros/adapter/business_time.sql against the generator's
independent Python walk over the days (pipelines/generator/business_time.py), on the
calendars and holidays of test_business_time_sql.py (Amsterdam and New York with daylight
saving and holidays, 24x7 in UTC and in Amsterdam).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import jinja2
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_business_time_sql import CALENDARS, HOLIDAYS, business_time_connection
from test_business_time_sql import MACROS as BUSINESS_TIME_MACROS

from pipelines.generator.business_time import Calendar
from pipelines.sources.catalog import STAMP_PARSERS

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
STAMP_MACROS = DBT_PROJECT / "macros" / "adapter" / "parse_stamps.sql"

# The loader's stamp format -> the staging macro that parses the same vendor's stamps.
DBT_MACRO = {
    "iso8601": "duckdb__connectwise_stamp",
    "servicenow": "duckdb__servicenow_stamp",
    "jira": "duckdb__jira_stamp",
    "epoch": "duckdb__ninjaone_stamp",
}

STAMPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BUSINESS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- Stamps ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stamp_con():
    """A session zone far from UTC, with a half-hour offset and daylight saving: no vendor stamp
    may be read in the session's zone."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/St_Johns'")
    yield con
    con.close()


@pytest.fixture(scope="module")
def dbt_parsers():
    """The staging macros rendered with Jinja alone, over the parameter `$s`; `var` reads the
    project's defaults from dbt_project.yml."""
    project_vars = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text())["vars"]
    env = jinja2.Environment(autoescape=False, extensions=["jinja2.ext.do"])
    module = env.from_string(STAMP_MACROS.read_text(), globals={"var": project_vars.__getitem__}).module
    return {fmt: str(getattr(module, macro)("$s")) for fmt, macro in DBT_MACRO.items()}


def loader_parser(fmt: str) -> str:
    return STAMP_PARSERS[fmt].format(v="$s")


# Aware instants, 1990-2100, second precision or with milliseconds.
utc_instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31, 23, 59, 59), timezones=st.just(UTC)
)
second_instants = utc_instants.map(lambda d: d.replace(microsecond=0))
milli_instants = utc_instants.map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
# UTC offsets from -12:00 to +14:00, to the minute.
offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


TIMESPEC = {0: "seconds", 3: "milliseconds", 6: "microseconds"}


@st.composite
def connectwise_stamps(draw):
    """`2026-01-05T14:03:00Z`, fractions of a second allowed, or the local time with its
    offset (`2026-01-05T15:03:00.000+01:00`)."""
    instant = draw(st.one_of(second_instants, milli_instants))
    timespec = TIMESPEC[draw(st.sampled_from([3, 6] if instant.microsecond else [0, 3, 6]))]
    if draw(st.booleans()):
        return instant, instant.isoformat(timespec=timespec).replace("+00:00", "Z")
    return instant, instant.astimezone(draw(offsets)).isoformat(timespec=timespec)


@st.composite
def servicenow_stamps(draw):
    """`2026-01-05 14:03:00`, UTC."""
    instant = draw(second_instants)
    return instant, instant.strftime("%Y-%m-%d %H:%M:%S")


@st.composite
def jira_stamps(draw):
    """`2026-01-05T14:03:00.000+0100`: milliseconds and the offset of the local time."""
    instant = draw(milli_instants)
    local = instant.astimezone(draw(offsets))
    return instant, local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + local.strftime("%z")


@st.composite
def epoch_stamps(draw):
    """NinjaOne: epoch seconds as a JSON number, whole or with milliseconds (`1767621780`,
    `1767621780.0`, `1767621780.123`), as the loader reads its text."""
    instant = draw(st.one_of(second_instants, milli_instants))
    seconds = int(instant.timestamp() // 1)
    millis = instant.microsecond // 1000
    texts = [str(seconds), repr(float(seconds))] if not millis else []
    texts.append(repr(seconds + millis / 1000))
    return instant, draw(st.sampled_from(texts))


VENDOR_STAMPS = {
    "iso8601": connectwise_stamps(),
    "servicenow": servicenow_stamps(),
    "jira": jira_stamps(),
    "epoch": epoch_stamps(),
}


@pytest.mark.parametrize("fmt", sorted(STAMP_PARSERS))
def test_every_format_has_both_parsers(fmt, dbt_parsers):
    assert fmt in DBT_MACRO and fmt in VENDOR_STAMPS
    assert "$s" in dbt_parsers[fmt]


@pytest.mark.parametrize("fmt", sorted(STAMP_PARSERS))
@STAMPS
@given(data=st.data())
def test_stamp_round_trip(fmt, stamp_con, dbt_parsers, data):
    """The vendor's text of an instant parses back to exactly that instant in UTC, in the
    loader and in staging (which therefore agree)."""
    instant, text = data.draw(VENDOR_STAMPS[fmt], label="instant, text")
    expected = instant.astimezone(UTC).replace(tzinfo=None)
    loaded, staged = stamp_con.execute(f"SELECT {loader_parser(fmt)}, {dbt_parsers[fmt]}", {"s": text}).fetchone()
    assert loaded == expected, ("loader", text)
    assert staged == expected, ("dbt", text)


def _mangle(text: str, position: int, insert: str, cut: int) -> str:
    position %= len(text) + 1
    return text[:position] + insert + text[position + cut :]


@st.composite
def near_stamps(draw):
    """A vendor stamp with a few characters cut or put in (digits, signs, separators)."""
    _, text = draw(st.one_of(*VENDOR_STAMPS.values()))
    for _ in range(draw(st.integers(1, 3))):
        insert = draw(st.text(alphabet="0123456789+-:.TZ eE", max_size=4))
        text = _mangle(text, draw(st.integers(0, 40)), insert, draw(st.integers(0, 4)))
    return text


def _number_text(x: float) -> str:
    return repr(x) if math.isfinite(x) else str(x)


# Texts DuckDB reads specially, numbers beyond TIMESTAMP's range, stamps beyond its years or impossible.
SPECIAL_TEXTS = (
    "",
    " ",
    *"nan NaN inf -inf Infinity 1e308 -1e308 1e400 1e19 9e15 9223372036855 0x10".split(),
    *"infinity -infinity epoch now today allballs 0001-01-01T00:00:00Z 9999-12-31T23:59:59Z".split(),
    *"294247-01-10T04:00:54Z 294247-01-10T04:00:54.775-2359 2026-02-30T25:61:00.000+0000".split(),
    *"2026-01-05T14:03:00.000+9999 0001-01-01 -infinity".split(),
)

garbage = st.one_of(
    st.text(max_size=40),
    near_stamps(),
    st.floats(allow_nan=True, allow_infinity=True).map(_number_text),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(SPECIAL_TEXTS),
)


@pytest.mark.parametrize("fmt", sorted(STAMP_PARSERS))
@STAMPS
@given(text=garbage)
def test_garbage_never_raises(fmt, stamp_con, dbt_parsers, text):
    """Any text parses to NULL or to a timestamp, in both parsers: a bad stamp quarantines
    one record (loader) or leaves one field empty (staging), it never fails the load or the build."""
    for parser in (loader_parser(fmt), dbt_parsers[fmt]):
        _, kind = stamp_con.execute(f"SELECT CAST({parser} AS VARCHAR), typeof({parser})", {"s": text}).fetchone()
        assert kind == "TIMESTAMP", (parser, text)


# --- Business time --------------------------------------------------------------------------

# The oracle: the generator's calendars, with the same hours and holidays as the SQL's.
ORACLE = {
    name: Calendar(
        name,
        zone,
        {d: (start, end) for d in days},
        {
            date.fromisoformat(day): ((int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:])) if a else (0, 1440))
            for cal, day, a, b in HOLIDAYS
            if cal == name
        },
    )
    for name, (zone, days, start, end) in CALENDARS.items()
}
AROUND_THE_CLOCK = ("24x7", "ams-24x7")

# The spine is built for these local days; instants are drawn well inside (2026, holidays' year).
FIRST, LAST = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)

# Days where things happen: DST changes (EU 03-29 and 10-25, US 03-08 and 11-01, all Sundays),
# holidays (whole and part days), and the days either side; instants there are drawn on the
# minute (the intervals' bounds) or a second or half a minute off it.
EVENT_DAYS = sorted(
    {date(2026, 3, 29), date(2026, 10, 25), date(2026, 3, 8), date(2026, 11, 1)}
    | {date.fromisoformat(day) for _, day, _, _ in HOLIDAYS}
)
EVENT_DAYS = sorted({d + timedelta(days=k) for d in EVENT_DAYS for k in (-1, 0, 1)})

uniform_instants = st.datetimes(
    min_value=FIRST.replace(tzinfo=None), max_value=LAST.replace(tzinfo=None), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


@st.composite
def event_instants(draw):
    day = draw(st.sampled_from(EVENT_DAYS))
    minute = draw(st.integers(-6 * 60, 30 * 60))
    seconds = draw(st.sampled_from([0, 0, 0, 1, -1, 30]))
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minute, seconds=seconds)


instants = st.one_of(uniform_instants, event_instants())
calendars = st.sampled_from(sorted(CALENDARS))


@pytest.fixture(scope="module")
def bt_macros():
    env = jinja2.Environment(autoescape=False, extensions=["jinja2.ext.do"])
    return env.from_string(BUSINESS_TIME_MACROS.read_text()).module


@pytest.fixture(scope="module")
def bt_con(bt_macros):
    """test_business_time_sql's calendars and holidays, and their spine."""
    con = business_time_connection(bt_macros)
    con.execute(
        "create table clocks (clock_id integer, calendar varchar, started_at timestamp,"
        " end_at timestamp, target_minutes integer)"
    )
    con.execute("create table off (clock_id integer, off_from timestamp, off_to timestamp)")
    yield con
    con.close()


def naive(d: datetime) -> datetime:
    return d.astimezone(UTC).replace(tzinfo=None)


def run_clocks(con, macros, calendar: str, clocks: list[tuple[datetime, datetime, int]]):
    """[(elapsed business seconds, due_at aware UTC)] of clocks (start, end, target minutes), no stops."""
    con.execute("delete from clocks")
    con.executemany(
        "insert into clocks values (?, ?, ?, ?, ?)",
        [(i, calendar, naive(a), naive(b), target) for i, (a, b, target) in enumerate(clocks)],
    )
    rows = con.execute(
        "select clock_id, elapsed_business_minutes, due_at"
        f" from ({macros.duckdb__business_clock('clocks', 'off', 'intervals')}) order by clock_id"
    ).fetchall()
    assert [r[0] for r in rows] == list(range(len(clocks)))
    out = []
    for _, minutes, due in rows:
        seconds = round(minutes * 60)
        assert abs(seconds - minutes * 60) < 1e-6, minutes  # whole seconds (seconds / 60.0 in the SQL)
        out.append((seconds, due.replace(tzinfo=UTC) if due is not None else None))
    return out


def elapsed(con, macros, calendar: str, *pairs: tuple[datetime, datetime]) -> list[int]:
    return [s for s, _ in run_clocks(con, macros, calendar, [(a, b, 1) for a, b in pairs])]


def oracle_seconds(calendar: str, a: datetime, b: datetime) -> int:
    minutes = ORACLE[calendar].minutes_between(a, b)
    seconds = round(minutes * 60)
    assert abs(seconds - minutes * 60) < 1e-6, minutes
    return seconds


@BUSINESS
@given(calendar=calendars, a=instants, b=instants)
def test_elapsed_equals_the_oracle(bt_con, bt_macros, calendar, a, b):
    a, b = min(a, b), max(a, b)
    assert elapsed(bt_con, bt_macros, calendar, (a, b)) == [oracle_seconds(calendar, a, b)]


@BUSINESS
@given(calendar=calendars, points=st.lists(instants, min_size=3, max_size=3))
def test_elapsed_is_additive(bt_con, bt_macros, calendar, points):
    a, b, c = sorted(points)
    ab, bc, ac = elapsed(bt_con, bt_macros, calendar, (a, b), (b, c), (a, c))
    assert ab + bc == ac


@BUSINESS
@given(calendar=calendars, a=instants, b=instants)
def test_elapsed_is_at_most_the_wall_clock(bt_con, bt_macros, calendar, a, b):
    a, b = min(a, b), max(a, b)
    wall = (b - a).total_seconds()
    (got,) = elapsed(bt_con, bt_macros, calendar, (a, b))
    assert 0 <= got <= wall
    if calendar in AROUND_THE_CLOCK:
        assert got == wall
    # A clock read before it started (end < start) has run for nothing.
    assert elapsed(bt_con, bt_macros, calendar, (b, a)) == [0]


@BUSINESS
@given(
    calendar=calendars,
    start=instants,
    target=st.one_of(st.integers(1, 3 * 1440), st.sampled_from([1, 15, 60, 240, 480, 540, 600, 1440, 2880])),
)
def test_due_at_is_the_first_instant_the_target_is_reached(bt_con, bt_macros, calendar, start, target):
    ((_, due),) = run_clocks(bt_con, bt_macros, calendar, [(start, start, target)])
    assert due == ORACLE[calendar].due(start, target, [])
    assert due > start
    at_due, just_before = elapsed(bt_con, bt_macros, calendar, (start, due), (start, due - timedelta(seconds=1)))
    assert at_due == target * 60
    assert just_before < target * 60


@BUSINESS
@given(calendar=calendars, start=instants)
def test_a_target_of_zero_is_due_at_the_first_open_instant(bt_con, bt_macros, calendar, start):
    """With nothing to run, the clock is due at the first open instant at or after its start
    (the oracle's `add(start, 0)`), never before the start."""
    ((_, due),) = run_clocks(bt_con, bt_macros, calendar, [(start, start, 0)])
    assert due == ORACLE[calendar].due(start, 0, [])
    assert due >= start
    assert elapsed(bt_con, bt_macros, calendar, (start, due)) == [0]


@pytest.mark.parametrize("fmt", sorted(STAMP_PARSERS))
@STAMPS
@given(text=near_stamps())
def test_parsers_agree_where_both_read_a_stamp(fmt, stamp_con, dbt_parsers, text):
    """On damaged stamps each parser may accept what the other refuses (the loader's ISO cast
    takes a bare date, staging's Jira also a stamp without milliseconds), but when both read
    a timestamp it is the same one."""
    loaded, staged = stamp_con.execute(f"SELECT {loader_parser(fmt)}, {dbt_parsers[fmt]}", {"s": text}).fetchone()
    if loaded is not None and staged is not None:
        assert loaded == staged
