"""The truth: what a correct pipeline must find, as CSV files with sorted rows.

Rows come from the world model as it is built (what was injected, and the state every
record is left in at the end of the window), never from reading the landing files back.
Large files are sorted in chunks spilled to disk and merged, so memory stays bounded; the files
of counts and sums (normalization exceptions, revenue, system map) keep one entry per group.
"""

from __future__ import annotations

import csv
import heapq
import json
import tempfile
from collections.abc import Iterator
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
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
    "people.csv": ("person_id", "client_id", "full_name", "email"),
    "sync.csv": ("work_item", "action", "reason", "target_ticket_id", "source_ticket_id"),
    "requesters.csv": ("ticket_id", "person_id"),
    "revenue.csv": ("month", "client_id", "category", "hours_worked", "billable_hours", "invoiced_amount"),
    "system_map.csv": (
        "system",
        "entity",
        "records",
        "records_linked",
        "duplicates",
        "orphans",
        "unmapped_values",
        "unmapped_records",
    ),
}
AGGREGATED = ("normalization_exceptions.csv", "revenue.csv", "system_map.csv")
"""Files collected as counts or sums per group while the world is built, and written when closed."""

SYSTEM_MAP = (
    ("connectwise", "companies"),
    ("connectwise", "tickets"),
    ("connectwise", "time_entries"),
    ("connectwise", "invoices"),
    ("servicenow", "core_company"),
    ("servicenow", "incident"),
    ("servicenow", "sc_req_item"),
    ("servicenow", "cmdb_ci_computer"),
    ("jira", "issues"),
    ("ninjaone", "organizations"),
    ("ninjaone", "devices"),
    ("ninjaone", "alerts"),
)
"""The entities of system_map.csv."""
UNLINKED = {("connectwise", "time_entries"), ("connectwise", "invoices")}
"""Billing records tie within the PSA: their records_linked is null."""
TALLIES = ("records", "records_linked", "duplicates", "orphans")
CENT = Decimal("0.01")


def stamp(value: datetime | None) -> str:
    """A truth timestamp: `YYYY-MM-DD HH:MM:SS` UTC, or empty for null."""
    return value.isoformat(" ")[:19] if value else ""


def flag(value: bool) -> str:
    return "true" if value else "false"


def decimal2(value: float) -> str:
    """A sum with 2 decimals, rounded half up from the float's shortest repr (`12.50`, `0.00`)."""
    rounded = Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded:f}"


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
            if name not in AGGREGATED
        }
        self._exceptions: dict[tuple[str, str, str, str, str], int] = {}
        self._revenue: dict[tuple[str, str, str], list[float]] = {}
        self._tallies: dict[tuple[str, str], dict[str, int]] = {}
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

    def revenue(
        self,
        month: str,
        client_id: str,
        category: str,
        hours_worked: float = 0.0,
        billable_hours: float = 0.0,
        invoiced_amount: float = 0.0,
    ) -> None:
        """Add to the sums of one (month, client_id, category) of revenue.csv (unrounded)."""
        sums = self._revenue.setdefault((month, client_id, category), [0.0, 0.0, 0.0])
        sums[0] += hours_worked
        sums[1] += billable_hours
        sums[2] += invoiced_amount

    def tally(self, system: str, entity: str, **counts: int) -> None:
        """Add to system_map.csv's counts (`records`, `records_linked`, `duplicates`, `orphans`) of an entity."""
        if (system, entity) not in SYSTEM_MAP or not set(counts) <= set(TALLIES):
            raise ValueError(f"system_map.csv has no {system}/{entity} {sorted(counts)}")
        tally = self._tallies.setdefault((system, entity), dict.fromkeys(TALLIES, 0))
        for name, n in counts.items():
            tally[name] += n

    def close(self, manifest: dict) -> None:
        for file in self.files.values():
            file.close()
        spill = Path(self._spill.name)
        exceptions = SortedCsv(
            self.folder / "normalization_exceptions.csv", COLUMNS["normalization_exceptions.csv"], spill
        )
        for key, occurrences in self._exceptions.items():
            exceptions.add([*key, str(occurrences)])
        exceptions.close()
        revenue = SortedCsv(self.folder / "revenue.csv", COLUMNS["revenue.csv"], spill)
        for key, sums in self._revenue.items():
            revenue.add([*key, *(decimal2(value) for value in sums)])
        revenue.close()
        self._system_map(spill)
        self._spill.cleanup()
        (self.folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    def _system_map(self, spill: Path) -> None:
        """system_map.csv: the tallies, and the normalization exceptions per entity."""
        values: dict[tuple[str, str], set[tuple[str, str]]] = {}
        records: dict[tuple[str, str], int] = {}
        for (system, entity, field, raw_value, _), occurrences in self._exceptions.items():
            values.setdefault((system, entity), set()).add((field, raw_value))
            records[system, entity] = records.get((system, entity), 0) + occurrences
        system_map = SortedCsv(self.folder / "system_map.csv", COLUMNS["system_map.csv"], spill)
        for key in SYSTEM_MAP:
            tally = self._tallies.get(key, dict.fromkeys(TALLIES, 0))
            system_map.add(
                [
                    *key,
                    str(tally["records"]),
                    "" if key in UNLINKED else str(tally["records_linked"]),
                    str(tally["duplicates"]),
                    str(tally["orphans"]),
                    str(len(values.get(key, ()))),
                    str(records.get(key, 0)),
                ]
            )
        system_map.close()
