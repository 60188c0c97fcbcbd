"""The truth: what a correct pipeline must find, as CSV files with sorted rows.

Rows come from the world model as it is built (what was injected, and the state every
record is left in at the end of the window), never from reading the landing files back.
Large files are sorted in chunks spilled to disk and merged, so memory stays bounded.
"""

from __future__ import annotations

import csv
import heapq
import json
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

COLUMNS = {
    "tickets.csv": (
        "ticket_id",
        "source_system",
        "client_id",
        "department",
        "category",
        "priority",
        "status_category",
        "opened_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "asset_id",
        "origin_alert_uid",
        "work_item",
        "is_duplicate",
    ),
    "clients.csv": (
        "client_id",
        "client_name",
        "psa_company_id",
        "itsm_company_sys_id",
        "esm_organization_id",
        "rmm_organization_id",
    ),
    "assets.csv": (
        "asset_id",
        "client_id",
        "asset_class",
        "department",
        "rmm_device_id",
        "cmdb_sys_id",
        "name_conforms",
    ),
    "normalization_exceptions.csv": ("system", "entity", "field", "raw_value", "reason", "occurrences"),
    "quarantine.csv": ("system", "entity", "source_file", "record_position", "reason"),
    "record_counts.csv": ("system", "entity", "source_file", "records"),
    "billing.csv": (
        "work_item",
        "client_id",
        "recon_status",
        "is_billing_code_mismatch",
        "is_hours_variance",
        "is_double_billed",
    ),
    "orphans.csv": ("entity_type", "entity_id", "exception_type"),
    "pauses.csv": ("ticket_id", "paused_from", "paused_to"),
    "sla.csv": (
        "ticket_id",
        "sla_metric",
        "target_minutes",
        "due_at",
        "elapsed_business_minutes",
        "paused_business_minutes",
        "is_met",
        "is_breached",
        "breach_minutes",
    ),
    "defects.csv": ("defect", "system", "entity", "record_id", "expected_finding"),
}


def stamp(value: datetime | None) -> str:
    """A truth timestamp: `YYYY-MM-DD HH:MM:SS` UTC, or empty for null."""
    return value.isoformat(" ")[:19] if value else ""


def flag(value: bool) -> str:
    return "true" if value else "false"


class SortedCsv:
    """A CSV file written in sorted row order, whatever order rows are added in."""

    CHUNK_ROWS = 50_000

    def __init__(self, path: Path, header: tuple[str, ...], spill: Path):
        self.path, self.header, self._spill = path, header, spill
        self._rows: list[list[str]] = []
        self._chunks: list[Path] = []

    def add(self, row: list[str]) -> None:
        if len(row) != len(self.header):
            raise ValueError(f"{self.path.name}: {len(row)} values for {len(self.header)} columns")
        self._rows.append(row)
        if len(self._rows) >= self.CHUNK_ROWS:
            chunk = self._spill / f"{self.path.stem}.{len(self._chunks)}.csv"
            _write_rows(chunk, sorted(self._rows))
            self._chunks.append(chunk)
            self._rows = []

    def close(self) -> None:
        readers = [_read_rows(chunk) for chunk in self._chunks]
        with self.path.open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(self.header)
            writer.writerows(heapq.merge(sorted(self._rows), *readers))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _read_rows(path: Path) -> Iterator[list[str]]:
    with path.open(newline="") as handle:
        yield from csv.reader(handle)


class Truth:
    """Collects the truth while the world is built, and writes it when closed."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._spill = tempfile.TemporaryDirectory(dir=folder, prefix=".spill-")
        self.files = {
            name: SortedCsv(folder / name, header, Path(self._spill.name))
            for name, header in COLUMNS.items()
            if name != "normalization_exceptions.csv"
        }
        self._exceptions: dict[tuple[str, str, str, str, str], int] = {}
        self.defect_counts: dict[str, int] = {}

    def add(self, file: str, row: list[str]) -> None:
        self.files[file].add(row)

    def defect(self, defect: str, system: str, entity: str, record_id: str, finding: str) -> None:
        self.defect_counts[defect] = self.defect_counts.get(defect, 0) + 1
        self.files["defects.csv"].add([defect, system, entity, record_id, finding])

    def exception(self, system: str, entity: str, field: str, raw_value: str, reason: str) -> None:
        """One more current record carrying a value no mapping places."""
        key = (system, entity, field, raw_value, reason)
        self._exceptions[key] = self._exceptions.get(key, 0) + 1

    def close(self, manifest: dict) -> None:
        for file in self.files.values():
            file.close()
        exceptions = SortedCsv(
            self.folder / "normalization_exceptions.csv",
            COLUMNS["normalization_exceptions.csv"],
            Path(self._spill.name),
        )
        for key, occurrences in self._exceptions.items():
            exceptions.add([*key, str(occurrences)])
        exceptions.close()
        self._spill.cleanup()
        (self.folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
