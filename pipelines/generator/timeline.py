"""Which record versions go into which day's extract.

An object is due in the file of every day on which it changed (its `changes()`), once a
day, rendered as it stood at the end of that day. A stale resend puts an older version
of it into a later day's file as well.
"""

from __future__ import annotations

from datetime import date, datetime


class Timeline:
    def __init__(self, end: datetime):
        self.end = end
        self.today: date | None = None
        """The day being simulated (set by the day loop); nothing is added to an earlier day."""
        self._due: dict[date, dict[int, object]] = {}
        self._stale: dict[date, list[tuple[object, datetime]]] = {}

    def add(self, obj) -> None:
        """Due on each day it changed, from today until the end of the window."""
        for at in obj.changes():
            if at <= self.end and (self.today is None or at.date() >= self.today):
                self._due.setdefault(at.date(), {})[id(obj)] = obj

    def add_stale(self, obj, as_of: datetime, day: date) -> None:
        """Re-send the version of `obj` as of `as_of` in the file of `day`."""
        self._stale.setdefault(day, []).append((obj, as_of))

    def pop(self, day: date) -> tuple[list, list[tuple[object, datetime]]]:
        return list(self._due.pop(day, {}).values()), self._stale.pop(day, [])
