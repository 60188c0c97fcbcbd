"""The landing layout: which files hold which entity on which extract date.

`<landing>/<system>/<entity>/<YYYY-MM-DD>[suffix].json|ndjson|csv[.gz]` (docs/landing.md).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from pipelines.sources.catalog import SourceEntity

FILE_NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})(?P<suffix>[^/]*?)\.(?P<format>json|ndjson|csv)(?P<gz>\.gz)?$")


class LandingFileError(Exception):
    """A whole file that cannot be read: its partition fails, naming the file."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def file_format(path: Path) -> tuple[str, bool]:
    """(json|ndjson|csv, gzipped) from a landing file's name."""
    match = FILE_NAME.match(path.name)
    if not match:
        raise LandingFileError(path, "file name is not <YYYY-MM-DD>[suffix].json|ndjson|csv[.gz]")
    return match["format"], bool(match["gz"])


def _dated_files(folder: Path) -> list[tuple[date, Path]]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        match = FILE_NAME.match(path.name)
        if match and path.is_file():
            try:
                found.append((date.fromisoformat(match["date"]), path))
            except ValueError:
                continue  # not a calendar date; not an extract
    return found


def inside_landing(landing: Path, path: Path) -> Path:
    """`path`, refused when it resolves outside the landing folder: a symbolic link (or a
    `..` in a configured name) must not make the pipeline read anything else on the machine."""
    if not path.resolve().is_relative_to(landing.resolve()):
        raise LandingFileError(path, f"resolves to {path.resolve()}, outside the landing folder {landing}: refused")
    return path


def files_by_date(landing: Path, entity: SourceEntity, dates: list[date]) -> dict[date, list[Path]]:
    """Every file of one entity for each of `dates`, in name order, from one listing of its folder
    (not checked to be inside the landing: inside_landing, as each is read)."""
    wanted, found = set(dates), {}
    for day, path in _dated_files(landing / entity.folder):
        if day in wanted:
            found.setdefault(day, []).append(path)
    return found


def files_digest(paths: list[Path]) -> str:
    """What a date's files were when read: names, sizes and modification times. The raw assets
    record it per date and the `new_extract_files` sensor compares it, so a date whose files are
    loaded unchanged is never run again."""
    names = sorted(f"{path.parent.name}/{path.name}:{stat.st_size}:{stat.st_mtime_ns}"
                   for path, stat in ((path, path.stat()) for path in paths))
    return hashlib.sha1("\n".join(names).encode()).hexdigest()[:16]


def mapping_file(landing: Path, name: str) -> Path:
    """`mappings/<name>.csv` of the landing folder, never a file elsewhere."""
    return inside_landing(landing, landing / "mappings" / f"{name}.csv")


def extract_dates(landing: Path, entities: tuple[SourceEntity, ...]) -> list[date]:
    """Every extract date that some entity has a file for, ascending."""
    return sorted({day for entity in entities for day, _ in _dated_files(landing / entity.folder)})


def files_before(landing: Path, entities: tuple[SourceEntity, ...], first: date) -> list[Path]:
    """The landing files dated before `first` (usm.yaml `extracts_from`), oldest first."""
    return [
        path
        for day, path in sorted(
            (dated for entity in entities for dated in _dated_files(landing / entity.folder)),
            key=lambda dated: (dated[0], dated[1].as_posix()),
        )
        if day < first
    ]
