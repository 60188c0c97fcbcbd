"""Deterministic fault injection: which request of which endpoint fails, and how.

A spec is a comma-separated list of faults, `kind[:key=value...]`:

    429[:every=N][:offset=K][:after=S]   Too Many Requests with Retry-After: S seconds (default 1)
    500 | 502 | 503[:every=N][:offset=K] a server error
    short[:every=N][:offset=K]           a page with half the records asked for (cursors stay right)
    slow[:every=N][:offset=K][:secs=S]   the answer comes S seconds late (default 2)
    drop[:every=N][:offset=K]            the connection is closed without an answer

Each endpoint (a path without its query) counts its own requests from 1; request n gets the
first fault with n % every == offset % every (every defaults to 5, offset to 0). A request
can also ask for faults itself with the header `X-USM-Fault: 429,slow`.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

KINDS = {"429", "500", "502", "503", "short", "slow", "drop"}


@dataclass(frozen=True)
class Fault:
    kind: str
    every: int = 5
    offset: int = 0
    after: float = 1.0
    secs: float = 2.0

    def hits(self, n: int) -> bool:
        return n % self.every == self.offset % self.every


def parse_faults(spec: str | None) -> tuple[Fault, ...]:
    faults = []
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        kind, *options = item.split(":")
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r} in {spec!r}; one of {sorted(KINDS)}")
        values = {}
        for option in options:
            key, _, value = option.partition("=")
            if key not in {"every", "offset", "after", "secs"} or not value:
                raise ValueError(f"bad fault option {option!r} in {spec!r}")
            values[key] = int(value) if key in {"every", "offset"} else float(value)
        fault = Fault(kind, **values)
        if fault.every < 1:
            raise ValueError(f"every must be at least 1 in {item!r}")
        faults.append(fault)
    return tuple(faults)


@dataclass
class FaultPlan:
    faults: tuple[Fault, ...] = ()
    counts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_for(self, endpoint: str, requested: str | None) -> list[Fault]:
        """The faults this request gets: those its header asks for, else the plan's."""
        with self.lock:
            self.counts[endpoint] += 1
            n = self.counts[endpoint]
        if requested:
            return list(parse_faults(requested))
        hit = next((f for f in self.faults if f.hits(n)), None)
        return [hit] if hit else []
