"""One `usm run` per warehouse at a time: a second one stops at once with a clear message.

DuckDB itself refuses a second writer process, but only when it gets to the file, possibly
halfway through a run. An advisory lock beside the warehouse makes the refusal immediate and
names the holder. The lock dies with its process (a killed run leaves nothing to clean up).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
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
