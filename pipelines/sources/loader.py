"""The one loader: any landing file, any format, into its raw table or the quarantine.

A file becomes chunks of rows `(source_file, extract_date, position, text)`; one set-based
statement decides for a chunk's every record, whichever files and dates it holds, whether it loads
or is quarantined, and why. NDJSON and CSV are streamed (memory holds a chunk, not the file); a
JSON document is read whole. A load of many dates replaces exactly those dates, in one transaction;
a date with a file that cannot be read is left as it was (`load_partitions`).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.settings import CsvDialect
from pipelines.sources.catalog import (
    MAPPING_COLUMNS,
    QUARANTINE_TABLE,
    REPLACED_DATES_TABLE,
    STAMP_PARSERS,
    SourceEntity,
)
from pipelines.sources.landing import LandingFileError, file_format, files_by_date, inside_landing, mapping_file

# JSON files hold a bare array or a vendor's response envelope: an object with one array of records
# beside its paging fields (ServiceNow `result`, Jira `issues`, NinjaOne `activities`, ...). Where
# an object holds several arrays, these names say which one holds the records.
ENVELOPE_KEYS = ("result", "issues", "records", "data", "activities", "values", "items")

# Records are read, classified and inserted this many at a time (an NDJSON file's lines: fewer
# when they pass CHUNK_BYTES), so memory holds one chunk whatever the file's size.
CHUNK_LINES = 10_000
CHUNK_BYTES = 16 * 2**20
# DuckDB's memory limit while files load (only ever lowered): past it, the transaction's
# rows spill to disk. benchmarks/big_extract_benchmark.py measures the whole process's peak.
LOAD_MEMORY_LIMIT = 512 * 2**20

# A CSV's data rows as JSON objects of strings, in file order, and whether every cell is null (an
# empty row: skipped and counted, not a record). `skip = 0`: left to itself, DuckDB's sniffer may
# take a row with more fields than the header for the real header and silently skip every line
# above it; told not to skip, it fails the file instead. The row's alias is one no export's column
# takes (a column named like the alias would be read in place of the row). `{names}` names the
# columns when the dialect renames or ignores some (CsvLayout); `{exclude}` leaves the ignored ones out.
READ_CSV = """SELECT text, first_value IS NULL AS is_empty
              FROM (SELECT to_json(__usm_row)::VARCHAR AS text, coalesce(*COLUMNS(*)) AS first_value
                    FROM (SELECT * {exclude}
                          FROM read_csv($path, all_varchar = true, header = true, skip = 0, delim = $delim,
                                        nullstr = $null, encoding = $encoding, parallel = false,
                                        compression = 'auto' {names})) AS __usm_row)"""

# The encodings DuckDB's CSV reader decodes itself (by Python's name for them); a CSV in any other
# encoding is transcoded to UTF-8 first, streamed into a temporary file.
DUCKDB_CSV_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "iso8859-1": "latin-1"}

# A decimal-comma number (`1.234,5`) as DuckDB reads numbers (`1234.5`): digits grouped by dots or spaces.
DECIMAL_COMMA = "replace(replace(replace({v}, ' ', ''), '.', ''), ',', '.')"

RAW_COLUMNS = """
    record JSON, record_id VARCHAR, updated_at TIMESTAMP,
    _source_file VARCHAR, _record_position INTEGER, _extract_date DATE,
    _loaded_at TIMESTAMP, _record_hash VARCHAR
"""

QUARANTINE_COLUMNS = """
    system VARCHAR, entity VARCHAR, source_file VARCHAR, record_position INTEGER,
    extract_date DATE, reason VARCHAR, detail VARCHAR, raw_text VARCHAR
"""

REPLACED_DATES_COLUMNS = "raw_table VARCHAR, extract_date DATE, _loaded_at TIMESTAMP"


@dataclass
class FileResult:
    source_file: str
    records: int
    loaded: int
    quarantined: int
    empty_rows: int = 0
    """Blank lines and CSV rows of empty cells: not records, so neither loaded nor quarantined."""


@dataclass
class PartitionResult:
    entity: SourceEntity
    extract_date: date
    files: list[FileResult] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def empty_rows(self) -> int:
        return sum(f.empty_rows for f in self.files)


def ensure_tables(con: duckdb.DuckDBPyConnection, entities: tuple[SourceEntity, ...]) -> None:
    """Create every raw table, the quarantine and the load log, so downstream models find them even when empty."""
    for entity in entities:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {entity.schema}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {entity.table} ({RAW_COLUMNS})")
    for table, columns in ((QUARANTINE_TABLE, QUARANTINE_COLUMNS), (REPLACED_DATES_TABLE, REPLACED_DATES_COLUMNS)):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")


def _read_bytes(path: Path, gzipped: bool) -> bytes:
    try:
        return gzip.decompress(path.read_bytes()) if gzipped else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise LandingFileError(path, f"cannot be read: {error}") from error


def _decode(data: bytes) -> tuple[str, bool]:
    """Text of a whole document (a BOM at its start dropped), and whether bytes that are not UTF-8 were replaced."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors="replace"), True


def _bytes(setting: str) -> float:
    """DuckDB's rendering of a size ('18.8 GiB', '512.0 MiB', '0 bytes') in bytes."""
    number, _, unit = setting.partition(" ")
    return float(number) * 1024 ** ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"].index(unit or "bytes")


@dataclass
class _MemoryLimit:
    """DuckDB's memory limit (one setting for the whole database instance) while files load.

    A load is one transaction: unless the limit makes DuckDB spill them to its temp directory,
    the rows it inserted and the table blocks it wrote stay in memory until COMMIT, as much as the
    files hold. So a load runs under LOAD_MEMORY_LIMIT (never raising a lower one), except while a
    JSON document is parsed whole, which needs about ten times its size at once.
    """

    con: duckdb.DuckDBPyConnection
    own: str = ""
    load: str = ""

    def __enter__(self) -> _MemoryLimit:
        self.own = self.load = self.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        if _bytes(self.own) > LOAD_MEMORY_LIMIT:
            try:
                self.con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}B'")
                self.load = f"{LOAD_MEMORY_LIMIT}B"
            except duckdb.Error:
                pass  # more than that is in use and cannot be evicted: load under the instance's own limit
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.con.execute(f"SET memory_limit = '{self.own}'")

    @contextmanager
    def lifted(self) -> Iterator[None]:
        """The instance's own limit for the block."""
        self.con.execute(f"SET memory_limit = '{self.own}'")
        try:
            yield
        finally:
            self.con.execute(f"SET memory_limit = '{self.load}'")


def _open_binary(path: Path, gzipped: bool) -> BinaryIO:
    raw = gzip.GzipFile(path, "rb") if gzipped else path.open("rb", buffering=0)
    return io.BufferedReader(raw, buffer_size=1 << 20)


def _chunk(
    first_position: int,
    text: pa.Array | list[str],
    bad_bytes: list[bool] | None = None,
    is_empty: pa.Array | None = None,
) -> pa.Table:
    """Staged records: `(position, text, bad_bytes, is_empty)`, positions numbered on from first_position."""
    n = len(text)
    return pa.table(
        {
            "position": pa.array(range(first_position, first_position + n), pa.int32()),
            "text": text if isinstance(text, pa.Array) else pa.array(text, pa.string()),
            "bad_bytes": pa.array(bad_bytes, pa.bool_()) if bad_bytes else pa.nulls(n, pa.bool_()),
            "is_empty": is_empty if is_empty is not None else pa.nulls(n, pa.bool_()),
        }
    )


def _decode_lines(raw_lines: list[bytes]) -> tuple[list[str], list[bool] | None]:
    """The lines' text without the newline, and per line whether it held bytes that are not UTF-8 (None: none did)."""
    try:
        text = b"".join(raw_lines).decode("utf-8")
    except UnicodeDecodeError:
        lines, bad = [], []
        for raw in raw_lines:
            try:
                lines.append(raw.decode("utf-8").removesuffix("\n"))
                bad.append(False)
            except UnicodeDecodeError:
                lines.append(raw.decode("utf-8", errors="replace").removesuffix("\n"))
                bad.append(True)
        return lines, bad
    lines = text.split("\n")  # a UTF-8 sequence never holds the byte 0x0A: one piece per raw line
    if len(lines) > len(raw_lines):
        lines.pop()  # the empty piece after the last line's newline
    return lines, None


def _ndjson_chunks(path: Path, gzipped: bool) -> Iterator[pa.Table]:
    """An NDJSON file, CHUNK_LINES lines at a time (fewer when they pass CHUNK_BYTES), read as needed.

    Positions are line numbers and continue across chunks; a BOM is dropped only at the file's start;
    a line holding bytes that are not UTF-8 is marked (`invalid_encoding`), its neighbours are not.
    """
    position = 0
    try:
        with _open_binary(path, gzipped) as stream:
            while raw_lines := stream.readlines(CHUNK_BYTES):
                if position == 0 and raw_lines[0].startswith(codecs.BOM_UTF8):
                    raw_lines[0] = raw_lines[0][len(codecs.BOM_UTF8) :]
                for start in range(0, len(raw_lines), CHUNK_LINES):
                    lines, bad = _decode_lines(raw_lines[start : start + CHUNK_LINES])
                    yield _chunk(position + 1, lines, bad)
                    position += len(lines)
    except (OSError, EOFError, zlib.error) as error:
        where = f" after line {position}" if position else ""
        raise LandingFileError(path, f"cannot be read{where}: {error}") from error


def _arrow_batches(path: Path, reader: pa.RecordBatchReader, what: str) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return
        except (duckdb.Error, OSError, pa.ArrowException) as error:  # DuckDB's error, as Arrow passes it on
            raise LandingFileError(path, f"{what}: {error}") from error


def envelope_key(path: Path, kinds: dict[str, str]) -> str:
    """The key of an envelope's records array, from its keys' JSON types (`ARRAY`, `OBJECT`, ...):
    its one array, else the one an ENVELOPE_KEYS name marks among several. An object with no
    array, or several and none of those names, fails the file. The emulator reads landing files
    by the same rule."""
    arrays = [key for key, kind in kinds.items() if kind == "ARRAY"]
    if len(arrays) == 1:
        return arrays[0]
    named = [key for key in ENVELOPE_KEYS if key in arrays]
    if named:
        return named[0]
    if arrays:
        raise LandingFileError(path, f"JSON object with several arrays ({', '.join(arrays)}): which holds the records?")
    known = next((key for key in kinds if key in ENVELOPE_KEYS), None)
    if known:
        raise LandingFileError(path, f'"{known}" holds a JSON {str(kinds[known]).lower()}, not an array of records')
    shown = ", ".join(list(kinds)[:10]) or "no keys"
    raise LandingFileError(path, f"JSON object without a records array (its keys: {shown})")


# The shape of each JSON document, for a batch of documents at once: its type (from its first character
# when it is valid JSON), and for an object its members' names. Then their JSON types (DOCUMENT_MEMBER_TYPES:
# json_type reads a constant list of paths in one parse, where a path per document would copy each member
# out first); envelope_key picks the records array from them.
DOCUMENT_SHAPES = r"""
    SELECT CASE WHEN NOT json_valid(text) THEN NULL
                WHEN regexp_matches(text, '^\s*\[') THEN 'ARRAY'
                WHEN regexp_matches(text, '^\s*[{]') THEN 'OBJECT'
                ELSE json_type(text) END AS kind,
           CASE WHEN kind = 'OBJECT' THEN json_keys(text) END AS names
    FROM _documents ORDER BY doc
"""
DOCUMENT_MEMBER_TYPES = """
    SELECT CASE WHEN list_contains($objects, doc) THEN json_type(text, $paths) END FROM _documents ORDER BY doc
"""

# Every document's records, in order. One cast parses each array once; json_each re-reads the document per
# element (quadratic: 65 s for 8,000 Jira issues, out of memory at 32,000). Bytes that were not UTF-8 show as
# U+FFFD in the element that held them.
DOCUMENT_ELEMENTS = """
    CREATE TEMP TABLE _elements AS
    SELECT source_file, extract_date, position, text, bad_bytes AND contains(text, '\ufffd') AS bad_bytes,
           NULL::BOOLEAN AS is_empty
    FROM (SELECT doc, source_file, extract_date, bad_bytes, unnest(range(1, len(arr) + 1))::INTEGER AS position,
                 coalesce(unnest(arr)::VARCHAR, 'null') AS text  -- a JSON null element: SQL NULL here
          FROM (SELECT doc, source_file, extract_date, bad_bytes,
                       CAST(json_extract(text, records_path) AS JSON[]) AS arr
                FROM _documents))
"""

# Documents are split this many bytes of text at a time: parsing needs about ten times their size at once.
DOCUMENT_BATCH_BYTES = 32 * 2**20


@dataclass
class _Document:
    path: Path
    source_file: str
    extract_date: date
    text: str
    bad_bytes: bool


def _records_path(document: _Document, kind: str | None, members: dict[str, str]) -> str:
    """The JSON path of a document's records: itself when an array, else its envelope's records array."""
    if kind == "ARRAY":
        return "$"
    if kind == "OBJECT":
        return f'$."{envelope_key(document.path, members)}"'
    if kind is None:
        raise LandingFileError(document.path, "not valid JSON (truncated or corrupt); no record could be read")
    raise LandingFileError(document.path, f"a JSON {kind.lower()}, not an array of records or an envelope")


class FilesFailed(Exception):
    """Files that cannot be read, each with its error: their dates are left as they were."""

    def __init__(self, errors: dict[Path, LandingFileError]):
        super().__init__(" | ".join(str(error) for error in errors.values()))
        self.errors = errors


def _documents_table(cursor: duckdb.DuckDBPyConnection, documents: list[_Document]) -> pa.Table:
    """The documents with where their records are (`records_path`) and where they come from."""
    _documents = pa.table({
        "doc": pa.array(range(len(documents)), pa.int32()),
        "text": pa.array([d.text for d in documents], pa.string()),
        "source_file": pa.array([d.source_file for d in documents], pa.string()),
        "extract_date": pa.array([d.extract_date for d in documents], pa.date32()),
        "bad_bytes": pa.array([d.bad_bytes for d in documents], pa.bool_()),
    })
    shapes = cursor.sql(DOCUMENT_SHAPES).fetchall()
    objects = [doc for doc, (kind, _) in enumerate(shapes) if kind == "OBJECT"]
    names = sorted({name for _, keys in shapes for name in keys or []})
    types = [None] * len(documents)
    if objects:
        types = [row[0] for row in cursor.sql(
            DOCUMENT_MEMBER_TYPES, params={"objects": objects, "paths": [f'$."{name}"' for name in names] or ["$"]}
        ).fetchall()]
    member_paths = {name: i for i, name in enumerate(names)}
    paths, failures = [], {}
    for document, (kind, keys), member_types in zip(documents, shapes, types, strict=True):
        members = {key: member_types[member_paths[key]] or "NULL" for key in keys or []}
        try:
            paths.append(_records_path(document, kind, members))
        except LandingFileError as error:
            failures[document.path] = error
    if failures:
        raise FilesFailed(failures)
    return _documents.append_column("records_path", pa.array(paths, pa.string()))


def _document_records(
    con: duckdb.DuckDBPyConnection, documents: list[_Document], memory: _MemoryLimit
) -> Iterator[pa.Table]:
    """The records of JSON documents (each a bare array or an envelope's array), CHUNK_LINES at a time, as
    chunk rows. Parsed under the instance's own memory limit, on a cursor of its own, so the documents'
    copies are freed once their records are split out, not at the transaction's COMMIT. Raises
    FilesFailed naming every document whose records cannot be read.

    `_documents` is read by DuckDB, which finds the Arrow table among the caller's variables by name."""
    cursor = con.cursor()
    try:
        with memory.lifted():
            try:
                _documents = _documents_table(cursor, documents)
                cursor.execute(DOCUMENT_ELEMENTS)
            except duckdb.Error as error:
                if len(documents) == 1:
                    path = documents[0].path
                    raise FilesFailed({path: LandingFileError(path, f"its records cannot be read: {error}")}) from error
                # One document defeats the batch (an object with a repeated key, say): each on its own, so
                # that the errors name their files and the others load.
                failures = {}
                for document in documents:
                    try:
                        yield from _document_records(con, [document], memory)
                    except FilesFailed as failed:
                        failures.update(failed.errors)
                if failures:
                    raise FilesFailed(failures) from error
                return
            del _documents  # the documents' text: only the records are needed now
        reader = cursor.sql("SELECT * FROM _elements").to_arrow_reader(CHUNK_LINES)
        for batch in _arrow_batches(documents[0].path, reader, "its records cannot be read"):
            yield pa.Table.from_batches([batch])
    except LandingFileError as error:  # from the records' reader: which document is not known
        raise FilesFailed({d.path: LandingFileError(d.path, error.reason) for d in documents}) from error
    finally:
        cursor.close()

def _text_encoding(encoding: str) -> str:
    """Python's codec for a file in `encoding`: a UTF-8 file may start with a BOM."""
    return "utf-8-sig" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding


def _open_text(path: Path, encoding: str, errors: str = "strict"):
    opener = gzip.open if path.name.endswith(".gz") else open
    return opener(path, "rt", encoding=_text_encoding(encoding), errors=errors, newline="")


def _csv_header(path: Path, delimiter: str, encoding: str = "utf-8") -> list[str]:
    """The header's column names as DuckDB reads them (trimmed); [] for an empty file."""
    try:
        with _open_text(path, encoding, errors="replace") as handle:
            return [name.strip() for name in next(csv.reader(handle, delimiter=delimiter), [])]
    except (OSError, EOFError, zlib.error, csv.Error) as error:
        raise LandingFileError(path, f"cannot be read: {error}") from error


@dataclass(frozen=True)
class CsvLayout:
    """A CSV's columns as they load: the header's names after the dialect's renames, less its ignored columns."""

    names: list[str]
    """The loaded column names, in file order (ignored ones left out)."""
    read_names: list[str] | None = None
    """Every column's name for DuckDB's reader, when a rename or an ignored column asks for it; else None."""
    excluded: list[str] = field(default_factory=list)
    """read_names left out of each record."""

    def sql(self) -> str:
        exclude = ", ".join('"' + name.replace('"', '""') + '"' for name in self.excluded)
        return READ_CSV.format(
            exclude=f"EXCLUDE ({exclude})" if exclude else "",
            names=", names = $names" if self.read_names else "",
        )

    def parameters(self) -> dict[str, object]:
        return {"names": self.read_names} if self.read_names else {}


def _csv_layout(path: Path, dialect: CsvDialect) -> CsvLayout:
    """The file's columns as they load (CsvDialect.ignore_columns and rename_columns applied).

    The n-th column of a name the header repeats is `name#n` to rename_columns; ignore_columns
    drops every column of a name. A name still repeated fails the file: which value is meant is
    unknown (DuckDB would silently rename the second one).
    """
    header = _csv_header(path, dialect.delimiter, dialect.encoding)
    renames, ignored = dict(dialect.rename_columns), set(dialect.ignore_columns)
    totals: dict[str, int] = {}
    for name in header:
        totals[name.lower()] = totals.get(name.lower(), 0) + 1
    occurrences: dict[str, int] = {}
    read_names, excluded, loaded = [], [], []
    for index, name in enumerate(header, start=1):
        occurrences[name.lower()] = occurrences.get(name.lower(), 0) + 1
        nth = f"{name}#{occurrences[name.lower()]}"
        if name and (name in ignored or nth in ignored):
            read_names.append(f"__usm_ignored_{index}")
            excluded.append(read_names[-1])
            continue
        if name in renames and totals[name.lower()] > 1:
            raise LandingFileError(
                path, f'csv.rename_columns names "{name}", which the header repeats: say "{name}#1" or "{name}#2"'
            )
        new = renames.get(nth) or renames.get(name)
        # DuckDB names an unnamed column column<n>, counting from 0.
        read_names.append(new or name or f"column{index - 1}")
        loaded.append((index, read_names[-1], name))
    seen: dict[str, int] = {}
    nth_of: dict[str, int] = {}
    for index, loaded_name, name in loaded:
        nth_of[name.lower()] = nth_of.get(name.lower(), 0) + 1
        if loaded_name.lower() in seen:
            raise LandingFileError(
                path,
                f'column "{loaded_name}" appears twice in the header (columns {seen[loaded_name.lower()]} and '
                f"{index}); which value is meant is ambiguous: usm.yaml's csv.ignore_columns can leave it out, "
                f'or csv.rename_columns rename one ("{name}#{nth_of[name.lower()]}" is column {index})',
            )
        seen[loaded_name.lower()] = index
    needs_names = bool(excluded) or any(new != name for _, new, name in loaded if name)
    return CsvLayout(
        names=[loaded_name for _, loaded_name, _ in loaded],
        read_names=read_names if needs_names else None,
        excluded=excluded,
    )


@contextmanager
def _utf8_csv(path: Path, encoding: str) -> Iterator[tuple[Path, str]]:
    """The CSV as DuckDB can read it, with the encoding to tell it: the file itself when DuckDB decodes
    its encoding, else a UTF-8 copy in a temporary folder, transcoded a megabyte at a time (removed after).
    A byte that is not text in the declared encoding fails the file."""
    native = DUCKDB_CSV_ENCODINGS.get(codecs.lookup(encoding).name)
    if native:
        yield path, native
        return
    with tempfile.TemporaryDirectory(prefix="usm-csv-") as folder:
        copy = Path(folder) / "utf8.csv"
        try:
            with _open_text(path, encoding) as source, copy.open("w", encoding="utf-8", newline="") as target:
                shutil.copyfileobj(source, target, 1 << 20)
        except UnicodeDecodeError as error:
            raise LandingFileError(path, f"not a readable CSV: not {encoding} text: {error}") from error
        except (OSError, EOFError, zlib.error) as error:
            raise LandingFileError(path, f"cannot be read: {error}") from error
        yield copy, "utf-8"


def _csv_chunks(
    con: duckdb.DuckDBPyConnection, path: Path, dialect: CsvDialect, layout: CsvLayout
) -> Iterator[pa.Table]:
    """A CSV's data rows as JSON objects of strings, CHUNK_LINES at a time, in file order.

    DuckDB reads the file on a cursor of its own (Python never holds it whole); a row it cannot
    parse (bytes that are not text in the dialect's encoding, more fields than the header) fails
    the file, DuckDB's message naming the line.
    """
    with _utf8_csv(path, dialect.encoding) as (readable, encoding):
        yield from _csv_rows(con, path, readable, encoding, dialect, layout)


def _csv_rows(
    con: duckdb.DuckDBPyConnection, path: Path, readable: Path, encoding: str, dialect: CsvDialect, layout: CsvLayout
) -> Iterator[pa.Table]:
    cursor = con.cursor()
    try:
        try:
            reader = cursor.sql(
                layout.sql(),
                params={
                    "path": str(readable),
                    "delim": dialect.delimiter,
                    "null": dialect.null_strings,
                    "encoding": encoding,
                    **layout.parameters(),
                },
            ).to_arrow_reader(CHUNK_LINES)
        except duckdb.Error as error:
            raise LandingFileError(path, f"not a readable CSV: {error}") from error
        position = 0
        for batch in _arrow_batches(path, reader, "not a readable CSV"):
            yield _chunk(position + 1, batch.column(0), is_empty=batch.column(1))
            position += batch.num_rows
    finally:
        cursor.close()


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, dialect: CsvDialect) -> None:
    """A (small) CSV's rows in the temp table `_incoming (position, text)`: for the mappings.
    Empty rows are left out (numbered all the same)."""
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _incoming AS SELECT position, text FROM ("
            "SELECT (row_number() OVER ())::INTEGER AS position, text, is_empty "
            f"FROM ({READ_CSV.format(exclude='', names='')})) WHERE NOT is_empty",
            {"path": str(path), "delim": dialect.delimiter, "null": dialect.null_strings, "encoding": "utf-8"},
        )
    except duckdb.Error as error:
        raise LandingFileError(path, f"not a readable CSV: {error}") from error


def _json_path(column: str) -> str:
    return column if column.startswith("$") else f'$."{column}"'


def _column_of(json_path: str) -> str:
    """The CSV column a JSON path reads: `$."number"` -> number, `$.sys_id` -> sys_id."""
    path = json_path.removeprefix("$.")
    return path[1 : path.index('"', 1)] if path.startswith('"') else path.split(".")[0]


def _field_paths(entity: SourceEntity, id_field: str, stamp_field: str | None) -> list[str]:
    """The JSON paths `_classify_sql` reads from each record, in the order of its `v[...]`."""
    pair_paths = [path for pair in entity.ordered for path in pair]
    return [id_field, stamp_field or id_field, *entity.non_negative, *pair_paths, entity.opened_field or id_field]


def _classify_sql(entity: SourceEntity, stamp_parser: str, number: str = "{v}") -> str:
    """One statement over the staged chunk `_chunk`: every record with its id, stamp, and the
    reason it cannot load (or NULL). A record gets the first reason that applies, in this order.
    A line of blanks (a CRLF file's "\\r" too) or a CSV row of empty cells is not a record: skipped, and counted.

    Each record is parsed once for all its fields: `v` holds the values at `$paths` (_field_paths).
    `number` turns a number's text into DuckDB's notation (DECIMAL_COMMA for a decimal-comma CSV).
    """
    stamp = "NULL::VARCHAR" if entity.stamp_field is None else "v[2]"
    # A field of a wrapped-values source may be `{"value": ..., "display_value": ...}`: its value counts.
    values, id_type, type_paths = "json_extract_string(text, $paths)", "types[2]", "['$', $id_field]"
    if entity.wrapped_values:
        type_paths = "['$', $id_field, $id_field || '.value']"
        values = ("list_transform(json_extract(text, $paths), "
                  "lambda x: CASE WHEN json_type(x) = 'OBJECT' THEN x->>'$.value' ELSE x->>'$' END)")
        id_type = "CASE WHEN types[2] = 'OBJECT' THEN types[3] ELSE types[2] END"
    numbers = {f"v[{3 + i}]": path for i, path in enumerate(entity.non_negative)}
    as_double = {value: f"try_cast({number.format(v=value)} AS DOUBLE)" for value in numbers}
    not_a_number = {
        value: f"({value} IS NOT NULL AND NOT coalesce(isfinite({as_double[value]}), false))" for value in numbers
    } if entity.numbers_must_read else {}
    negative = {value: f"{as_double[value]} < 0" for value in numbers}
    first_pair = 3 + len(numbers)
    pairs = {
        (f"v[{first_pair + 2 * i}]", f"v[{first_pair + 2 * i + 1}]"): pair for i, pair in enumerate(entity.ordered)
    }
    # A stamp after the extract date is no real time of work (a placeholder such as 2099-12-31, which
    # staging nulls and reports): the pair is not checked, as with one missing.
    reversed_pair = {
        (start, end): f"({stamp_parser.format(v=end)} < {stamp_parser.format(v=start)} "
        f"AND {stamp_parser.format(v=start)} < extract_date + INTERVAL 1 DAY)"
        for start, end in pairs
    }

    opened = f"v[{first_pair + 2 * len(pairs)}]" if entity.opened_field else "NULL::VARCHAR"
    opened_at = stamp_parser.format(v=opened)

    def any_of(conditions: dict) -> str:
        return " OR ".join(conditions.values()) or "false"

    def offenders(conditions: dict, describe: dict) -> str:
        """Each offending field's description, comma-separated."""
        parts = [f"CASE WHEN {conditions[key]} THEN {describe[key]} END" for key in conditions]
        return f"concat_ws(', ', {', '.join(parts)})" if parts else "NULL"

    number_values = {value: f"'{path} = ' || {value}" for value, path in numbers.items()}
    pair_values = {
        (start, end): f"'{end_path} = ' || {end} || ', before {start_path} = ' || {start}"
        for (start, end), (start_path, end_path) in pairs.items()
    }
    return f"""
        WITH staged AS (
            SELECT source_file, extract_date, position, text, coalesce(bad_bytes, false) AS bad_bytes,
                   json_valid(text) AS is_json
            FROM _chunk
            WHERE trim(text, ' \t\r') <> '' AND NOT coalesce(is_empty, false)
        ),
        typed AS (
            SELECT *, CASE WHEN is_json THEN json_type(text, {type_paths}) END AS types
            FROM staged
        ),
        fields AS (
            SELECT *, types[1] AS value_type, {id_type} AS id_type,
                   CASE WHEN types[1] = 'OBJECT' THEN {values} END AS v
            FROM typed
        ),
        parsed AS (
            SELECT *, nullif(trim(v[1]), '') AS record_id, {stamp} AS stamp_text,
                   {stamp_parser.format(v=stamp)} AS updated_at,
                   nullif(trim({opened}), '') AS opened_text, {opened_at} AS opened_at
            FROM fields
        ),
        classified AS (
            SELECT *,
                CASE
                    WHEN bad_bytes THEN 'invalid_encoding'
                    WHEN NOT is_json THEN 'invalid_json'
                    WHEN value_type <> 'OBJECT' THEN 'not_an_object'
                    WHEN record_id IS NULL THEN 'missing_id'
                    WHEN id_type IN ('OBJECT', 'ARRAY', 'BOOLEAN') THEN 'invalid_id'
                    WHEN stamp_text IS NOT NULL AND updated_at IS NULL THEN 'unparseable_stamp'
                    WHEN updated_at >= extract_date + INTERVAL 1 DAY THEN 'future_stamp'
                    WHEN updated_at < TIMESTAMP '1990-01-01' THEN 'implausible_stamp'
                    WHEN opened_text IS NOT NULL AND opened_at IS NULL THEN 'unparseable_opened'
                    WHEN opened_at >= extract_date + INTERVAL 1 DAY THEN 'future_opened'
                    WHEN {any_of(not_a_number)} THEN 'not_a_number'
                    WHEN {any_of(negative)} THEN 'negative_hours'
                    WHEN {any_of(reversed_pair)} THEN 'end_before_start'
                END AS reason
            FROM parsed
        )
        SELECT source_file, extract_date, position, text, record_id, updated_at,
            CASE reason WHEN 'unparseable_opened' THEN 'unparseable_stamp' WHEN 'future_opened' THEN 'future_stamp'
                ELSE reason END AS reason,
            CASE reason
                WHEN 'unparseable_opened' THEN $opened_label || ' = ' || opened_text
                WHEN 'future_opened' THEN $opened_label || ' = ' || opened_text
                WHEN 'invalid_encoding' THEN 'bytes that are not UTF-8'
                WHEN 'invalid_json' THEN 'not a JSON value'
                WHEN 'not_an_object' THEN 'a JSON ' || lower(value_type) || ', not an object'
                WHEN 'missing_id' THEN 'no value at ' || $id_field
                WHEN 'invalid_id' THEN 'a JSON ' || lower(id_type) || ' at ' || $id_field || ', not a string or number'
                WHEN 'not_a_number' THEN {offenders(not_a_number, number_values)}
                WHEN 'negative_hours' THEN {offenders(negative, number_values)}
                WHEN 'end_before_start' THEN {offenders(reversed_pair, pair_values)}
                ELSE $stamp_label || ' = ' || stamp_text
            END AS detail
        FROM classified
    """


def _load_chunk(
    con: duckdb.DuckDBPyConnection,
    entity: SourceEntity,
    classify_sql: str,
    parameters: dict[str, object],
    loaded_at: datetime,
    _chunk: pa.Table,
) -> pa.Table:
    """Classify one chunk (rows of one or more files) and insert its records into the raw table or the
    quarantine; the classified records (empty rows are not records: they are left out).

    DuckDB finds the Arrow tables `_chunk` and `_classified` among this function's variables by
    name: a view registered inside the transaction would keep every chunk alive until COMMIT.
    """
    _classified = con.sql(classify_sql, params=parameters).to_arrow_table()
    con.execute(
        f"""INSERT INTO {entity.table}
            SELECT text::JSON, record_id, updated_at, source_file, position, extract_date, $loaded_at, md5(text)
            FROM _classified WHERE reason IS NULL""",
        {"loaded_at": loaded_at},
    )
    if _classified["reason"].null_count < _classified.num_rows:
        con.execute(
            f"""INSERT INTO {QUARANTINE_TABLE}
                SELECT $system, $entity, source_file, position, extract_date, reason, detail, text
                FROM _classified WHERE reason IS NOT NULL""",
            {"system": entity.system, "entity": entity.entity},
        )
    return _classified


def _text_bytes(chunk: pa.Table) -> int:
    return pc.sum(pc.binary_length(chunk["text"])).as_py() or 0


def _with_origin(chunk: pa.Table, source_file: str, extract_date: date) -> pa.Table:
    """A file's chunk rows, each naming its file and extract date: a chunk may hold several files."""
    n = chunk.num_rows
    return chunk.add_column(0, "source_file", pa.array([source_file] * n, pa.string())).add_column(
        1, "extract_date", pa.array([extract_date] * n, pa.date32())
    )


def _per_file(rows: pa.Table, *aggregates: tuple[str, str]) -> dict[str, tuple[int, ...]]:
    grouped = rows.group_by("source_file").aggregate(list(aggregates)).to_pydict()
    names = [f"{column}_{function}" for column, function in aggregates]
    return {
        source_file: tuple(grouped[name][i] for name in names)
        for i, source_file in enumerate(grouped["source_file"])
    }


class _PartitionsLoad:
    """One entity's files of many dates, read in order and loaded in shared chunks: one statement
    classifies and inserts up to CHUNK_LINES records, from however many files, so a year of small
    daily files costs what one big file does. JSON documents are split DOCUMENT_BATCH_BYTES at a time;
    a CSV file is classified on its own (its dialect and header decide how its fields are read)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        entity: SourceEntity,
        dialect: CsvDialect,
        loaded_at: datetime,
        memory: _MemoryLimit,
    ):
        self.con, self.entity, self.dialect, self.loaded_at, self.memory = con, entity, dialect, loaded_at, memory
        self.files: dict[str, FileResult] = {}
        self.documents: list[_Document] = []
        self.document_bytes = 0
        self.staged: list[pa.Table] = []
        self.staged_rows = self.staged_bytes = 0
        self.classification = (
            _classify_sql(entity, STAMP_PARSERS[entity.stamp_format]),
            self._parameters(entity.id_field, entity.stamp_field),
        )

    def _parameters(self, id_field: str, stamp_field: str | None, **extra: object) -> dict[str, object]:
        return {
            "id_field": id_field,
            "paths": _field_paths(self.entity, id_field, stamp_field),
            "stamp_label": stamp_field or "",
            "opened_label": self.entity.opened_field or "",
            **extra,
        }

    def add(self, path: Path, source_file: str, extract_date: date) -> FileResult:
        """Read one file; its records load now or with the next chunk. Raises LandingFileError."""
        result = self.files[source_file] = FileResult(source_file, 0, 0, 0)
        fmt, gzipped = file_format(path)
        if fmt == "json":
            text, bad_bytes = _decode(_read_bytes(path, gzipped))
            if text.strip():  # else an empty file: no records
                self.documents.append(_Document(path, source_file, extract_date, text, bad_bytes))
                self.document_bytes += len(text)
                if self.document_bytes >= DOCUMENT_BATCH_BYTES:
                    self._split_documents()
            return result
        self._split_documents()  # pending documents first: rows go in in the order of their files
        if fmt == "ndjson":
            for chunk in _ndjson_chunks(path, gzipped):
                self._stage(_with_origin(chunk, source_file, extract_date))
        else:
            self.flush()
            classification = self._csv_classification(path)
            if classification:
                for chunk in _csv_chunks(self.con, path, self.dialect, classification[2]):
                    self._load(_with_origin(chunk, source_file, extract_date), classification[:2])
        return result

    def finish(self) -> None:
        self._split_documents()
        self.flush()

    def _split_documents(self) -> None:
        documents, self.documents, self.document_bytes = self.documents, [], 0
        if documents:
            for chunk in _document_records(self.con, documents, self.memory):
                self._stage(chunk)

    def _stage(self, chunk: pa.Table) -> None:
        self.staged.append(chunk)
        self.staged_rows += chunk.num_rows
        self.staged_bytes += _text_bytes(chunk)
        while self.staged_rows >= CHUNK_LINES or self.staged_bytes >= CHUNK_BYTES:
            self.flush(limit=CHUNK_LINES)

    def flush(self, limit: int | None = None) -> None:
        """Load the staged rows (the first `limit` of them)."""
        if not self.staged:
            return
        staged = pa.concat_tables(self.staged)
        chunk = staged.slice(0, limit) if limit else staged
        rest = staged.slice(chunk.num_rows)
        self.staged = [rest] if rest.num_rows else []
        self.staged_rows = rest.num_rows
        self.staged_bytes = _text_bytes(rest)
        self._load(chunk, self.classification)

    def _load(self, chunk: pa.Table, classification: tuple[str, dict[str, object]]) -> None:
        sql, parameters = classification
        classified = _load_chunk(self.con, self.entity, sql, parameters, self.loaded_at, chunk)
        for source_file, rows in _per_file(chunk, ("position", "count")).items():
            self.files[source_file].empty_rows += rows[0]
        for source_file, (records, quarantined) in _per_file(
            classified, ("position", "count"), ("reason", "count")
        ).items():
            counted = self.files[source_file]
            counted.records += records
            counted.quarantined += quarantined
            counted.loaded += records - quarantined
            counted.empty_rows -= records

    def _csv_classification(self, path: Path) -> tuple[str, dict[str, object], CsvLayout] | None:
        """How a CSV file's rows are classified: its id and stamp columns, and the dialect's formats for
        stamps and numbers. None for an empty file."""
        dialect = self.dialect
        layout = _csv_layout(path, dialect)
        header = layout.names
        if not header:
            return None
        id_field = _json_path(dialect.id_column) if dialect.id_column else self.entity.id_field
        stamp_field = _json_path(dialect.updated_column) if dialect.updated_column else self.entity.stamp_field
        # Without its id (or update stamp) column no row could load: the file fails, naming the column.
        for role, json_path in {"id": id_field, "update stamp": stamp_field}.items():
            if json_path and _column_of(json_path) not in header:
                raise LandingFileError(
                    path,
                    f'no column "{_column_of(json_path)}" (the {role}; usm.yaml\'s csv settings may name another '
                    f"column); the header has {', '.join(header[:30])}",
                )
        # The export's configured format first, then the vendor's own (e.g. ISO 8601 in a decisions file).
        # A format with an offset (%z) gives an instant, read in UTC.
        configured = "try_strptime({v}, $csv_date_format)"
        if "%z" in dialect.date_format:
            configured = f"timezone('UTC', {configured})"
        elif dialect.time_zone != "UTC":  # a local stamp, in the export's declared zone
            configured = f"timezone('UTC', timezone($csv_time_zone, {configured}))"
        stamp_parser = f"coalesce({configured}, {STAMP_PARSERS[self.entity.stamp_format]})"
        number = DECIMAL_COMMA if dialect.decimal_comma else "{v}"
        parameters = self._parameters(
            id_field,
            stamp_field,
            csv_date_format=dialect.date_format,
            **({"csv_time_zone": dialect.time_zone} if dialect.time_zone != "UTC" else {}),
        )
        return _classify_sql(self.entity, stamp_parser, number), parameters, layout


BULK_CHECKPOINT_THRESHOLD = "256MB"


@contextmanager
def bulk_loading(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Around the load of many partitions: checkpoint every 256 MB of WAL instead of every 16 MB,
    and once at the end. A checkpoint's cost grows with the table, so a year of daily partitions
    spent a fifth of its load time checkpointing (commit ea6cdd2 has the figures)."""
    previous = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]
    con.execute(f"SET checkpoint_threshold = '{BULK_CHECKPOINT_THRESHOLD}'")
    try:
        yield
        con.execute("CHECKPOINT")
    finally:
        con.execute(f"SET checkpoint_threshold = '{previous}'")


@dataclass
class LoadResult:
    """What a load of many dates did: the partitions replaced, and the dates left as they were."""

    partitions: list[PartitionResult]
    failures: dict[date, LandingFileError] = field(default_factory=dict)


def load_partitions(
    con: duckdb.DuckDBPyConnection,
    entity: SourceEntity,
    landing: Path,
    dates: list[date],
    loaded_at: datetime,
    dialect: CsvDialect | None = None,
) -> LoadResult:
    """Replace one entity's partitions of `dates` (their raw rows and quarantined records) in one
    transaction. A date with a file that cannot be read is left as it was, and the others load:
    the transaction is rolled back and run again without it (a file's error is found only by
    reading it, and DuckDB has no savepoint to undo one date's rows). One pass finds every such file,
    so a load takes two passes at most."""
    dialect = dialect or CsvDialect()
    ensure_tables(con, (entity,))
    files = files_by_date(landing, entity, dates)
    failures: dict[date, LandingFileError] = {}
    while True:
        todo = [day for day in dates if day not in failures]
        try:
            partitions = _replace_partitions(con, entity, landing, todo, files, loaded_at, dialect)
        except FilesFailed as failed:
            dated = {path: day for day, paths in files.items() for path in paths}
            failures.update({dated[path]: error for path, error in failed.errors.items()})
            continue
        return LoadResult(partitions, dict(sorted(failures.items())))


def _replace_partitions(
    con: duckdb.DuckDBPyConnection,
    entity: SourceEntity,
    landing: Path,
    dates: list[date],
    files: dict[date, list[Path]],
    loaded_at: datetime,
    dialect: CsvDialect,
) -> list[PartitionResult]:
    with _MemoryLimit(con) as memory:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"DELETE FROM {entity.table} WHERE list_contains($dates, _extract_date)", {"dates": dates})
            con.execute(
                f"DELETE FROM {QUARANTINE_TABLE} WHERE system = $system AND entity = $entity "
                "AND list_contains($dates, extract_date)",
                {"system": entity.system, "entity": entity.entity, "dates": dates},
            )
            # a date replaced by no rows (an emptied file) leaves no trace in raw: the log keeps it
            con.execute(
                f"DELETE FROM {REPLACED_DATES_TABLE} WHERE raw_table = $table AND list_contains($dates, extract_date)",
                {"table": entity.table, "dates": dates},
            )
            con.execute(
                f"INSERT INTO {REPLACED_DATES_TABLE} SELECT $table, unnest($dates::DATE[]), $loaded_at",
                {"table": entity.table, "dates": dates, "loaded_at": loaded_at},
            )
            load = _PartitionsLoad(con, entity, dialect, loaded_at, memory)
            partitions, failures = [], {}
            # Every unreadable file is found in this one pass, so that a rerun without their dates is the last.
            for day in dates:
                partition = PartitionResult(entity, day)
                for path in files.get(day, []):
                    try:
                        partition.files.append(
                            load.add(inside_landing(landing, path), path.relative_to(landing).as_posix(), day)
                        )
                    except LandingFileError as error:
                        failures[path] = error
                        break  # the date fails: its other files need not be read
                    except FilesFailed as failed:  # earlier files' documents, split as this one was added
                        failures.update(failed.errors)
                partitions.append(partition)
            try:
                load.finish()
            except FilesFailed as failed:
                failures.update(failed.errors)
            if failures:
                raise FilesFailed(failures)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return partitions


def load_partition(
    con: duckdb.DuckDBPyConnection,
    entity: SourceEntity,
    landing: Path,
    extract_date: date,
    loaded_at: datetime,
    dialect: CsvDialect | None = None,
) -> PartitionResult:
    """Replace one entity's partition (its raw rows and its quarantined records) in one transaction.

    Raises LandingFileError, naming the file, when a whole file cannot be read; the
    partition is then left as it was.
    """
    result = load_partitions(con, entity, landing, [extract_date], loaded_at, dialect)
    if result.failures:
        raise result.failures[extract_date]
    return result.partitions[0]


def load_mappings(con: duckdb.DuckDBPyConnection, landing: Path, loaded_at: datetime) -> dict[str, int]:
    """Replace every `raw_mappings.<name>` from `mappings/<name>.csv`, in one transaction.

    Columns are the required ones (trimmed text) plus `_row`, the whole row as JSON.
    A missing file loads as an empty table (its values then surface as normalization
    exceptions); a file without a required column fails, naming the file and the column.
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS raw_mappings")
    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for name, required in MAPPING_COLUMNS.items():
            path = mapping_file(landing, name)
            lineage = "$file::VARCHAR AS _source_file, $loaded_at::TIMESTAMP AS _loaded_at"
            if not path.exists():
                columns = ", ".join(f"NULL::VARCHAR AS {column}" for column in required)
                con.execute(
                    f"CREATE OR REPLACE TABLE raw_mappings.{name} AS "
                    f"SELECT {columns}, NULL::JSON AS _row, NULL::INTEGER AS _record_position, {lineage} LIMIT 0",
                    {"file": None, "loaded_at": loaded_at},
                )
                counts[name] = 0
                continue
            missing = [column for column in required if column not in _csv_layout(path, CsvDialect()).names]
            if missing:
                raise LandingFileError(path, f"missing column(s) {', '.join(missing)}")
            _stage_csv(con, path, CsvDialect())
            # Only the known columns become SQL identifiers; the whole row is kept in `_row`.
            columns = ", ".join(f"trim(text::JSON->>'{column}') AS {column}" for column in required)
            con.execute(
                f"CREATE OR REPLACE TABLE raw_mappings.{name} AS "
                f"SELECT {columns}, text::JSON AS _row, position AS _record_position, {lineage} "
                "FROM _incoming ORDER BY position",
                {"file": path.relative_to(landing).as_posix(), "loaded_at": loaded_at},
            )
            counts[name] = con.execute(f"SELECT count(*) FROM raw_mappings.{name}").fetchone()[0]
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts
