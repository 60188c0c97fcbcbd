"""Business hours: a calendar in an IANA time zone with its days off, and time arithmetic on it.

The world uses it to place work in business hours; the vendors' own SLA clocks
(ServiceNow task_sla, Jira SLA fields) use it to measure elapsed business time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pipelines.generator import reference

UTC = UTC
Interval = tuple[datetime, datetime]


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass
class Calendar:
    name: str
    time_zone: str
    hours: dict[int, tuple[int, int]]
    """ISO weekday -> (start, end) in minutes of the local day; no entry = a day off."""
    days_off: dict[date, tuple[int, int]]
    """date -> (start, end) minutes off; (0, 1440) for a whole day."""
    _intervals: dict[date, tuple[Interval, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.time_zone)

    def _instant(self, day: date, minute: int) -> datetime:
        local = datetime.combine(
            day + timedelta(days=minute // 1440), time((minute % 1440) // 60, minute % 60)
        )
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    def intervals(self, day: date) -> tuple[Interval, ...]:
        """The open intervals (UTC) of one local calendar day."""
        cached = self._intervals.get(day)
        if cached is None:
            spans: list[tuple[int, int]] = []
            if day.isoweekday() in self.hours:
                start, end = self.hours[day.isoweekday()]
                off_start, off_end = self.days_off.get(day, (end, end))
                spans = [(start, min(end, off_start)), (max(start, off_end), end)]
            cached = tuple((self._instant(day, a), self._instant(day, b)) for a, b in spans if a < b)
            self._intervals[day] = cached
        return cached

    def open_spans(self, start: datetime) -> Iterator[Interval]:
        """The open intervals from `start` on, the first one clipped to start. Endless."""
        day = start.astimezone(self.zone).date()
        while True:
            for a, b in self.intervals(day):
                if b > start:
                    yield max(a, start), b
            day += timedelta(days=1)

    def next_open(self, instant: datetime) -> datetime:
        """The first open instant at or after `instant`."""
        return next(self.open_spans(instant))[0]

    def add(self, start: datetime, minutes: float) -> datetime:
        """The instant at which `minutes` business minutes have passed since `start`."""
        remaining = timedelta(minutes=minutes)
        for a, b in self.open_spans(start):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        raise AssertionError("unreachable: open_spans is endless")

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes between two instants (0 when end <= start)."""
        total = timedelta()
        if end > start:
            for a, b in self.open_spans(start):
                if a >= end:
                    break
                total += min(b, end) - a
        return total.total_seconds() / 60

    def elapsed(self, start: datetime, end: datetime, pauses: list[Interval]) -> tuple[float, float]:
        """(running, paused) business minutes between start and end, given pause intervals."""
        paused = sum(self.minutes_between(max(a, start), min(b, end)) for a, b in pauses)
        return self.minutes_between(start, end) - paused, paused

    def due(self, start: datetime, minutes: float, pauses: list[Interval]) -> datetime:
        """When `minutes` of running business time have passed since start, pauses not counting."""
        due = self.add(start, minutes)
        while True:
            paused = sum(self.minutes_between(max(a, start), min(b, due)) for a, b in pauses)
            moved = self.add(start, minutes + paused)
            if moved == due:
                return due
            due = moved


def build_calendars(first_year: int, last_year: int) -> dict[str, Calendar]:
    """Every calendar of reference.CALENDARS with its holidays for the years given."""
    calendars = {}
    for name, (zone, hours) in reference.CALENDARS.items():
        days_off = {}
        for year in range(first_year, last_year + 1):
            for day, _, start, end in reference.holidays(name, year):
                days_off[day] = (_minutes(start), _minutes(end)) if start else (0, 1440)
        calendars[name] = Calendar(
            name, zone, {d: (_minutes(a), _minutes(b)) for d, (a, b) in hours.items()}, days_off
        )
    return calendars
