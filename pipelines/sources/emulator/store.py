"""The landing files as the vendors' APIs would serve them: every record's current version.

A record the loader would quarantine (not JSON, no id, an unparseable or future stamp) is not
served: an API never returns it. Of the valid versions of one vendor id, the newest by update
stamp, then extract date, then position is the one served (the loader's newest-version rule).

What is changed through the APIs (closure sync) is stamped with the emulated systems' time,
`Store.now`: by default the end of the landing's newest extract date. No record of the landing is
stamped later (the loader refuses a stamp after its file's day), so a change is always its
record's newest version, and the next pull files it under that last extract date instead of the
day the emulator happens to run. The end of the day rather than the newest record's stamp: that
stamp belongs to whichever entity moved last, and may be days before the last extract. Changes
are appended to `CHANGES_FILE` as they are made and replayed when the emulator starts again.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from pipelines.sources.catalog import SOURCE_ENTITIES, SourceEntity
from pipelines.sources.landing import LandingFileError, _dated_files, extract_dates, file_format
from pipelines.sources.loader import envelope_key
from pipelines.sources.records import field_value, json_path, parse_stamp


def _records(path: Path) -> list[object]:
    fmt, gzipped = file_format(path)
    text = (gzip.decompress(path.read_bytes()) if gzipped else path.read_bytes()).decode("utf-8-sig", "replace")
    if fmt == "ndjson":
        out = []
        for line in text.split("\n"):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    out.append(None)
        return out
    if fmt != "json":
        return []  # CSV exports are not what an API serves
    try:
        document = json.loads(text)
    except ValueError:
        return []  # a file the loader refuses whole: no API would serve its records
    if isinstance(document, dict):  # an envelope, read by the loader's rule; none: no records
        kinds = {key: "ARRAY" if isinstance(value, list) else type(value).__name__.upper()
                 for key, value in document.items()}
        try:
            document = document[envelope_key(path, kinds)]
        except LandingFileError:
            return []
    return list(document)


@dataclass
class EntityData:
    entity: SourceEntity
    records: list[dict] = field(default_factory=list)
    """Current versions, ordered by (stamp, id text)."""

    def stamp(self, record: dict) -> datetime | None:
        if self.entity.stamp_field is None:
            return None
        return parse_stamp(field_value(record, self.entity.stamp_field, self.entity.wrapped_values),
                           self.entity.stamp_format)

    def record_id(self, record: dict) -> str:
        return str(field_value(record, self.entity.id_field, self.entity.wrapped_values))


def load_entity(landing: Path, entity: SourceEntity) -> EntityData:
    newest: dict[str, tuple] = {}
    for day, path in _dated_files(landing / entity.folder):
        end_of_day = datetime.combine(day, datetime.min.time()) + timedelta(days=1)
        for position, record in enumerate(_records(path), start=1):
            if not isinstance(record, dict):
                continue
            record_id = field_value(record, entity.id_field, entity.wrapped_values)
            if record_id is None or str(record_id).strip() == "":
                continue
            stamp = None
            if entity.stamp_field is not None:
                raw = field_value(record, entity.stamp_field, entity.wrapped_values)
                stamp = parse_stamp(raw, entity.stamp_format)
                if raw is not None and stamp is None:
                    continue
                if stamp is not None and (stamp >= end_of_day or stamp < datetime(1990, 1, 1)):
                    continue
            key = (stamp or datetime.min, day, position)
            if str(record_id) not in newest or key >= newest[str(record_id)][0]:
                newest[str(record_id)] = (key, record)
    data = EntityData(entity)
    data.records = [record for _, record in newest.values()]
    data.records.sort(key=lambda r: (data.stamp(r) or datetime.min, _id_key(data.record_id(r))))
    return data


def _id_key(record_id: str):
    """Numeric ids in numeric order, the others as text (after the numbers)."""
    return (0, int(record_id), "") if record_id.isdigit() else (1, 0, record_id)


CHANGES_FILE = ".usm/emulator_changes.ndjson"
"""Relative to the landing folder, beside the pull's state (pull.STATE_FILE): one JSON line per
version or note written through the APIs. The loader reads only `<system>/<entity>/` and
`mappings/`, so the landing's extracts stay as they were; only the emulated systems remember."""


def last_extract_end(landing: Path) -> datetime | None:
    """23:59:59 of the newest extract date of the landing's files."""
    days = extract_dates(landing, SOURCE_ENTITIES)
    return datetime.combine(days[-1], time(23, 59, 59)) if days else None


@dataclass
class Store:
    landing: Path
    entities: dict[str, EntityData]
    """Keyed by `<system>/<entity>`."""
    now: datetime
    """The emulated systems' time: what every change through the APIs is stamped with."""
    changes: Path | None = None
    """Where changes are kept and replayed from (CHANGES_FILE); None: forgotten when the emulator stops."""
    journal: list[dict] = field(default_factory=list)
    """Notes written through the APIs (ConnectWise ticket notes, ServiceNow work notes)."""
    replayed: int = 0
    """The changes made again from `changes` when the store was loaded."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, system: str, entity: str) -> EntityData:
        return self.entities[f"{system}/{entity}"]

    def find(self, system: str, entity: str, record_id: str) -> dict | None:
        data = self.get(system, entity)
        return next((r for r in data.records if data.record_id(r) == str(record_id)), None)

    def update(self, system: str, entity: str, record_id: str, mutate: Callable[[dict, datetime], None]) -> dict | None:
        """Apply a change as the vendor would: a new version of the record, stamped `now`
        (none when the change leaves the record as it was), kept before the API answers.

        ServiceNow audits a change of `state` in `sys_audit`, as the real instance does.
        """
        with self.lock:
            data = self.get(system, entity)
            old = self.find(system, entity, record_id)
            if old is None:
                return None
            now = self.now
            new = copy.deepcopy(old)
            mutate(new, now)
            if new == old:  # nothing changed: no new version, as on the real systems
                return old
            if system == "connectwise":
                new.setdefault("_info", {})["lastUpdated"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
            elif system == "servicenow":
                new["sys_updated_on"] = now.strftime("%Y-%m-%d %H:%M:%S")
                if str(old.get("state")) != str(new.get("state")):
                    self._audit(new, entity, "state", old.get("state"), new.get("state"), now)
            data.records = [r for r in data.records if r is not old] + [new]
            self._keep({"entity": data.entity.folder, "record": new})
            return new

    def add_note(self, note: dict) -> dict:
        """A note written through an API, numbered in the order written (ConnectWise's note id)."""
        with self.lock:
            note = {"id": len(self.journal) + 1, **note}
            self.journal.append(note)
            self._keep({"note": note})
        return note

    @staticmethod
    def _merge(data: EntityData, version: dict) -> None:
        """A kept change replaces its record's current version unless that one is newer (the
        loader's rule): an extract added to the landing since the change may hold a later version."""
        record_id = data.record_id(version)
        current = next((r for r in data.records if data.record_id(r) == record_id), None)
        if current is not None:
            stamps = data.stamp(current), data.stamp(version)
            if None not in stamps and stamps[0] > stamps[1]:
                return
            data.records.remove(current)
        data.records.append(version)

    def _keep(self, change: dict) -> None:
        """Append one change to `changes`, on disk before the API answers that it was made."""
        if self.changes is None:
            return
        self.changes.parent.mkdir(parents=True, exist_ok=True)
        with self.changes.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(change, separators=(",", ":"), ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def replay(self) -> datetime | None:
        """Make again the changes kept in `changes`; the newest stamp among them."""
        if self.changes is None or not self.changes.exists():
            return None
        stamps = []
        for line in self.changes.read_text(encoding="utf-8").splitlines():
            try:
                change = json.loads(line)
            except ValueError:
                continue  # cut short by a kill while being written: its request was never answered
            if "note" in change:
                self.journal.append(change["note"])
            else:
                data = self.entities[change["entity"]]
                self._merge(data, change["record"])
                stamps.append(data.stamp(change["record"]))
            self.replayed += 1
        return max(filter(None, stamps), default=None)

    def _audit(self, record: dict, table: str, fieldname: str, old, new, now: datetime) -> None:
        seed = f"{record['sys_id']}:{fieldname}:{old}:{new}:{now.isoformat()}"
        audit = {
            "sys_id": hashlib.md5(seed.encode()).hexdigest(), "documentkey": record["sys_id"],
            "tablename": table, "fieldname": fieldname, "oldvalue": "" if old is None else str(old),
            "newvalue": "" if new is None else str(new), "user": "usm.sync", "sys_created_by": "usm.sync",
            "sys_created_on": now.strftime("%Y-%m-%d %H:%M:%S"),
        }
        self.get("servicenow", "sys_audit").records.append(audit)
        self._keep({"entity": "servicenow/sys_audit", "record": audit})


def load_store(landing: Path, now: datetime | None = None, changes: Path | None = None) -> Store:
    """The landing's records with the kept `changes` made again. `now` None: the end of the
    landing's last extract, or of the newest change replayed when that is later, so the emulated
    time never goes back before a change it already served (the wall clock when nothing is dated)."""
    store = Store(landing, {e.folder: load_entity(landing, e) for e in SOURCE_ENTITIES},
                  now or datetime.now(UTC).replace(tzinfo=None, microsecond=0), changes)
    newest_change = store.replay()
    if now is None:
        store.now = max(filter(None, [last_extract_end(landing), newest_change]), default=store.now)
    return store


def id_order(record_id) -> tuple:
    return _id_key(str(record_id))


__all__ = ["Store", "EntityData", "load_store", "parse_stamp", "json_path", "id_order", "date"]
