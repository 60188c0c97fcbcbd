"""Vendor ids and keys, handed out in order from one random source."""

from __future__ import annotations

import random

# Where each vendor's numbering starts.
FIRST = {
    "cw_ticket": 100001,
    "time_entry": 300001,
    "invoice": 881,
    "incident": 10001,
    "ritm": 10001,
    "jira_issue": 10001,
    "activity": 70001,
}


class Ids:
    def __init__(self, rng: random.Random):
        self._rng = rng
        self._next = dict(FIRST)
        self._jira_keys: dict[str, int] = {}

    def next(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value

    def sys_id(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def uuid(self) -> str:
        text = f"{self._rng.getrandbits(128):032x}"
        return (
            f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{'89ab'[int(text[16], 16) % 4]}{text[17:20]}-{text[20:]}"
        )

    def jira_key(self, project: str) -> str:
        self._jira_keys[project] = self._jira_keys.get(project, 0) + 1
        return f"{project}-{self._jira_keys[project]}"
