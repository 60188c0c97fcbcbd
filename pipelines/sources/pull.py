"""Incremental, resumable pulls from the vendor APIs into the landing layout.

Each vendor client lists its *streams* (an entity, or part of one) and fetches their pages.
Every page with records becomes one landing file written atomically,
`<system>/<entity>/<YYYY-MM-DD>_api-<n>.ndjson` (the date is that of the newest update stamp
in the page, so no record is ever after its file's date; `n` counts the entity's pages), and
right after it the state file records the cursor to continue from. A pull killed at any point
resumes from the last recorded cursor and writes the interrupted page again under the same
`n`, replacing what it may have left, so no page lands twice.

A pull of a system is one unit: until all its streams are done, the state names the streams
it completed and the instant it started, and the next `usm pull` finishes that pull (skipping
those streams) instead of starting a new one.

Between pulls a stream's `since` is kept: the newest update stamp pulled (but not after the
pull's start), minus an overlap window, so a record updated at the boundary is not missed.
Records pulled twice by the overlap are one version: the loader's newest-version rule keeps one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from pipelines.sources.catalog import SOURCE_ENTITIES, SourceEntity
from pipelines.sources.records import field_value, parse_stamp

log = logging.getLogger("usm.pull")

STATE_FILE = ".usm/api_state.json"
"""Relative to the landing folder."""
DEFAULT_OVERLAP = timedelta(minutes=10)

CATALOG = {e.folder: e for e in SOURCE_ENTITIES}


@dataclass(frozen=True)
class Stream:
    entity: str
    key: str
    """Unique within the system: the entity, or `<entity>/<part>` (ConnectWise holiday lists)."""
    kind: str = "stamp"
    """`stamp`: incremental by update stamp; `id`: incremental by an increasing id; `snapshot`: all."""


@dataclass
class Page:
    records: list[dict]
    resume: dict | None
    """The cursor that continues after this page; None when this page is the stream's last."""
    high_water: str | None = None
    """For `id` streams: the newest id of the page."""


class VendorClient(Protocol):
    system: str

    def streams(self) -> list[Stream]: ...

    def pages(self, stream: Stream, since: str | None, resume: dict | None, page_size: int) -> Iterator[Page]: ...

    def close(self) -> None: ...


@dataclass
class PullState:
    """The cursors of every stream and the page counters of every entity, in one JSON file."""

    path: Path
    data: dict = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path) -> PullState:
        data = json.loads(path.read_text()) if path.exists() else {}
        data.setdefault("streams", {})
        data.setdefault("pages", {})
        return cls(path, data)

    def stream(self, system: str, stream: Stream) -> dict:
        return self.data["streams"].setdefault(f"{system}/{stream.key}", {"since": None, "resume": None})

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with tmp.open("w") as handle:
            json.dump(self.data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)


def _write_page(folder: Path, day: date, number: int, records: list[dict]) -> Path:
    """One page, one file, written atomically; replaces a file of the same page number."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = f"_api-{number:06d}.ndjson"
    for stale in folder.glob(f"*{suffix}"):
        stale.unlink()  # an interrupted pull's copy of this page, perhaps under another date
    path = folder / f"{day.isoformat()}{suffix}"
    tmp = folder / f".{path.name}.tmp"
    with tmp.open("w") as handle:
        for record in records:
            handle.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path


@dataclass
class StreamResult:
    key: str
    pages: int = 0
    records: int = 0
    files: list[str] = field(default_factory=list)


def _stamps(entity: SourceEntity, records: list[dict]) -> list[datetime]:
    if entity.stamp_field is None:
        return []
    found = (parse_stamp(field_value(r, entity.stamp_field, entity.wrapped_values), entity.stamp_format)
             for r in records)
    return [s for s in found if s is not None]


def pull_system(client: VendorClient, landing: Path, state: PullState, *, page_size: int,
                overlap: timedelta = DEFAULT_OVERLAP, started_at: datetime | None = None) -> list[StreamResult]:
    """Pull every stream of one system, page by page, recording progress after each page."""
    runs = state.data.setdefault("runs", {})
    if client.system in runs:  # an interrupted pull: finish it, skipping the streams it completed
        log.info("%s: resuming the pull started at %s", client.system, runs[client.system]["started_at"])
    else:
        moment = started_at or datetime.now(UTC).replace(tzinfo=None)
        runs[client.system] = {"started_at": moment.isoformat(sep=" "), "done": []}
    run = runs[client.system]
    started_at = datetime.fromisoformat(run["started_at"])
    results = []
    for stream in client.streams():
        entity = CATALOG[f"{client.system}/{stream.entity}"]
        cursor = state.stream(client.system, stream)
        result = StreamResult(f"{client.system}/{stream.key}")
        if stream.key in run["done"]:
            results.append(result)
            continue
        log.info("%s: since %s%s", result.key, cursor["since"],
                 f", resuming at {cursor['resume']}" if cursor["resume"] else "")
        for page in client.pages(stream, cursor["since"], cursor["resume"], page_size):
            stamps = _stamps(entity, page.records)
            if page.records:
                day = max(stamps).date() if stamps else date.fromisoformat(
                    state.data.get("last_date") or started_at.date().isoformat())
                number = state.data["pages"].get(entity.folder, 0) + 1
                path = _write_page(landing / entity.folder, day, number, page.records)
                state.data["pages"][entity.folder] = number
                state.data["last_date"] = max(state.data.get("last_date") or "", day.isoformat())
                result.files.append(path.relative_to(landing).as_posix())
                result.pages += 1
                result.records += len(page.records)
            if stamps:
                newest = max(stamps).isoformat(sep=" ")
                cursor["run_newest"] = max(cursor.get("run_newest") or "", newest)
            if page.high_water is not None:
                cursor["run_newest"] = page.high_water
            cursor["resume"] = page.resume
            if page.resume is None:  # the stream's last page: the next pull starts from here
                cursor["since"] = _next_since(stream, cursor, overlap, started_at)
                cursor.pop("run_newest", None)
                run["done"].append(stream.key)
            state.save()
        results.append(result)
        log.info("%s: %d records in %d pages", result.key, result.records, result.pages)
    del runs[client.system]  # the pull is complete: the next one starts afresh from each `since`
    state.save()
    return results


def _next_since(stream: Stream, cursor: dict, overlap: timedelta, started_at: datetime) -> str | None:
    newest = cursor.get("run_newest")
    if stream.kind == "snapshot" or newest is None:
        return cursor["since"]
    if stream.kind == "id":
        return newest
    high = min(datetime.fromisoformat(newest), started_at)
    return (high - overlap).isoformat(sep=" ")


def state_path(landing: Path) -> Path:
    return landing / STATE_FILE


SYSTEMS = ("connectwise", "servicenow", "jira", "ninjaone")


def client_for(system: str, policy=None, connection: dict[str, str] | None = None) -> VendorClient:
    """The system's client, with the given URL and credentials or else from the environment (transport.ENVIRONMENT)."""
    from pipelines.sources.connectwise import ConnectWiseClient
    from pipelines.sources.jira import JiraClient
    from pipelines.sources.ninjaone import NinjaOneClient
    from pipelines.sources.servicenow import ServiceNowClient

    classes = {"connectwise": ConnectWiseClient, "servicenow": ServiceNowClient,
               "jira": JiraClient, "ninjaone": NinjaOneClient}
    client = classes[system]
    return client(connection, policy) if connection else client.from_env(policy)


def pull(landing: Path, systems: tuple[str, ...] = SYSTEMS, *, page_size: int = 1000,
         overlap: timedelta = DEFAULT_OVERLAP, policy=None,
         connections: dict[str, dict[str, str]] | None = None) -> list[StreamResult]:
    """Pull the systems in order into `landing`, keeping cursors in `landing/.usm/api_state.json`.

    `connections`: each system's URL and credentials (the Dagster resource `vendor_apis`); a system
    without them reads its environment variables (`usm pull`), all checked before anything is pulled."""
    from pipelines.sources.transport import require_settings

    require_settings([system for system in systems if system not in (connections or {})])
    with exclusive_pull(landing):
        state = PullState.open(state_path(landing))
        results = []
        for system in systems:
            client = client_for(system, policy, (connections or {}).get(system))
            try:
                results += pull_system(client, landing, state, page_size=page_size, overlap=overlap)
            finally:
                client.close()
        return results


@contextlib.contextmanager
def exclusive_pull(landing: Path) -> Iterator[None]:
    """One pull per landing folder at a time; the advisory lock dies with its process."""
    from pipelines.sources.transport import PullError

    lock_path = landing / ".usm" / "pull.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PullError(f"another usm pull is writing {landing}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
