"""One `usm run` per warehouse at a time: a second one stops at once with a clear message.

DuckDB itself refuses a second writer process, but only when it gets to the file, possibly
halfway through a run. An advisory lock beside the warehouse makes the refusal immediate and
names the holder. The lock dies with its process (a killed run leaves nothing to clean up).

Another program holding the warehouse (a Python session left open on it) is not a usm run:
`warehouse_free` names it at once, waits a bounded time for it to close, then gives up in one line.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path


class WarehouseBusy(RuntimeError):
    pass


@contextlib.contextmanager
def exclusive_run(warehouse: Path) -> Iterator[None]:
    lock_path = warehouse.with_name(warehouse.name + ".run.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WarehouseBusy(
                f"another usm run is writing {warehouse} ({holder}); wait for it to finish, then run again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


# DuckDB's refusal names the program and its PID: "Conflicting lock is held in /usr/bin/python3 (PID 42)".
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
LOCK_WAIT_SECONDS = 30


def warehouse_free(warehouse: Path, announce) -> None:
    """Return once this process can open the warehouse for writing; wait at most
    `$USM_LOCK_WAIT_SECONDS` (30) for another program to let it go, saying at once who holds it."""
    import duckdb

    wait = float(os.environ.get("USM_LOCK_WAIT_SECONDS") or LOCK_WAIT_SECONDS)
    deadline, announced = time.monotonic() + wait, False
    while True:
        try:
            duckdb.connect(str(warehouse)).close()
            return
        except duckdb.IOException as error:
            held = _HOLDER.search(str(error))
            if held is None:
                raise
            holder = _describe(int(held["pid"]), held["program"])
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{warehouse} is still held by {holder} after {wait:g} s; close that session "
                    "(analysts read the snapshot in the output folder, never the warehouse) and run again"
                ) from None
            if not announced:
                announce(f"{warehouse} is held by {holder}; waiting up to {wait:g} s for it to close")
                announced = True
            time.sleep(0.5)


def _describe(pid: int, program: str) -> str:
    """`PID 42 (python3 -i analysis.py)`: the command line when this machine can read it."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        command = " ".join(arguments.split())  # one line, whatever the arguments hold
    except OSError:
        command = program
    return f"PID {pid} ({command[:120] or program})"
