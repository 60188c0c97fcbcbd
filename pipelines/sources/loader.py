"""The one loader: any landing file, any format, into its raw table or the quarantine.

A file becomes rows `(position, text)` in a temporary table; from there, one set-based
statement decides for every record whether it loads or is quarantined, and why.
Re-loading a partition replaces exactly that partition, in one transaction.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.settings import CsvDialect
from pipelines.sources.catalog import MAPPING_COLUMNS, QUARANTINE_TABLE, STAMP_PARSERS, SourceEntity
from pipelines.sources.landing import LandingFileError, file_format, files_for

# JSON files hold a bare array or one of these vendors' response envelopes.
ENVELOPE_KEYS = ("result", "issues", "records", "data")

RAW_COLUMNS = """
    record JSON, record_id VARCHAR, updated_at TIMESTAMP,
    _source_file VARCHAR, _record_position INTEGER, _extract_date DATE,
    _loaded_at TIMESTAMP, _record_hash VARCHAR
"""

QUARANTINE_COLUMNS = """
    system VARCHAR, entity VARCHAR, source_file VARCHAR, record_position INTEGER,
    extract_date DATE, reason VARCHAR, detail VARCHAR, raw_text VARCHAR
"""


@dataclass
class FileResult:
    source_file: str
    records: int
    loaded: int
    quarantined: int


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


def ensure_tables(con: duckdb.DuckDBPyConnection, entities: tuple[SourceEntity, ...]) -> None:
    """Create every raw table and the quarantine, so downstream models find them even when empty."""
    for entity in entities:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {entity.schema}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {entity.table} ({RAW_COLUMNS})")
    con.execute("CREATE SCHEMA IF NOT EXISTS raw_quarantine")
    con.execute(f"CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} ({QUARANTINE_COLUMNS})")


def _read_bytes(path: Path, gzipped: bool) -> bytes:
    try:
        return gzip.decompress(path.read_bytes()) if gzipped else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise LandingFileError(path, f"cannot be read: {error}") from error


def _decode(path: Path, data: bytes) -> tuple[str, bool]:
    """Text of the file, and whether bytes that are not UTF-8 were replaced."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors="replace"), True


def _stage_ndjson(con: duckdb.DuckDBPyConnection, text: str) -> None:
    lines = text.split("\n")
    con.register("_lines", pa.table({"position": pa.array(range(1, len(lines) + 1), pa.int32()), "text": lines}))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _incoming AS SELECT * FROM _lines WHERE trim(text) <> ''")
    finally:
        con.unregister("_lines")


def _stage_json(con: duckdb.DuckDBPyConnection, path: Path, text: str) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE _document AS SELECT ?::VARCHAR AS doc", [text])
    kind = con.execute("SELECT CASE WHEN json_valid(doc) THEN json_type(doc) END FROM _document").fetchone()[0]
    if kind == "ARRAY":
        array_path = "$"
    elif kind == "OBJECT":
        keys = con.execute("SELECT json_keys(doc) FROM _document").fetchone()[0]
        envelope = next((key for key in ENVELOPE_KEYS if key in keys), None)
        if envelope is None:
            raise LandingFileError(path, f"JSON object without a records array (looked for {ENVELOPE_KEYS})")
        array_path = f"$.{envelope}"
    else:
        raise LandingFileError(path, "not valid JSON (truncated or corrupt); no record could be read")
    # One cast parses the array once; json_each re-reads the document per element (quadratic:
    # 65 s for 8,000 Jira issues, out of memory at 32,000).
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _incoming AS
           WITH items AS (SELECT CAST(json_extract(doc, ?) AS JSON[]) AS arr FROM _document)
           SELECT unnest(range(1, len(arr) + 1))::INTEGER AS position, unnest(arr)::VARCHAR AS text
           FROM items""",
        [array_path],
    )


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, dialect: CsvDialect) -> None:
    try:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _incoming AS
               SELECT (row_number() OVER ())::INTEGER AS position, to_json(csv)::VARCHAR AS text
               FROM read_csv(?, all_varchar = true, header = true, delim = ?, nullstr = ?,
                             parallel = false, compression = 'auto') AS csv""",
            [str(path), dialect.delimiter, dialect.null_marker],
        )
    except duckdb.Error as error:
        raise LandingFileError(path, f"not a readable CSV: {error}") from error


def _json_path(column: str) -> str:
    return column if column.startswith("$") else f'$."{column}"'


def _classify_sql(entity: SourceEntity, stamp_parser: str, had_bad_bytes: bool) -> str:
    """One statement: every staged record with its id, stamp, and the reason it cannot load (or NULL)."""
    stamp = "NULL::VARCHAR" if entity.stamp_field is None else "rec->>$stamp_field"
    negative = " OR ".join(f"try_cast(rec->>'{f}' AS DOUBLE) < 0" for f in entity.non_negative) or "false"
    bad_bytes = "contains(text, '\ufffd')" if had_bad_bytes else "false"
    return f"""
        WITH staged AS (
            SELECT position, text,
                   CASE WHEN json_valid(text) AND json_type(text) = 'OBJECT' THEN text::JSON END AS rec,
                   json_valid(text) AS is_json
            FROM _incoming
        ),
        fields AS (
            SELECT *, nullif(trim(rec->>$id_field), '') AS record_id, {stamp} AS stamp_text
            FROM staged
        ),
        parsed AS (
            SELECT *, {stamp_parser.format(v='stamp_text')} AS updated_at FROM fields
        )
        , classified AS (
            SELECT position, text, rec, record_id, updated_at, stamp_text,
                CASE
                    WHEN {bad_bytes} THEN 'invalid_encoding'
                    WHEN NOT is_json THEN 'invalid_json'
                    WHEN rec IS NULL THEN 'not_an_object'
                    WHEN record_id IS NULL THEN 'missing_id'
                    WHEN stamp_text IS NOT NULL AND updated_at IS NULL THEN 'unparseable_stamp'
                    WHEN updated_at >= $extract_date::DATE + INTERVAL 1 DAY THEN 'future_stamp'
                    WHEN updated_at < TIMESTAMP '1990-01-01' THEN 'implausible_stamp'
                    WHEN {negative} THEN 'negative_hours'
                END AS reason
            FROM parsed
        )
        SELECT position, text, rec, record_id, updated_at, reason,
            CASE reason
                WHEN 'invalid_encoding' THEN 'bytes that are not UTF-8'
                WHEN 'invalid_json' THEN 'not a JSON value'
                WHEN 'not_an_object' THEN 'a JSON ' || lower(json_type(text)) || ', not an object'
                WHEN 'missing_id' THEN 'no value at ' || $id_field
                WHEN 'negative_hours' THEN 'a negative value in {", ".join(entity.non_negative)}'
                ELSE $stamp_label || ' = ' || stamp_text
            END AS detail
        FROM classified
    """


def _load_file(
    con: duckdb.DuckDBPyConnection,
    entity: SourceEntity,
    path: Path,
    relative: str,
    extract_date: date,
    loaded_at: datetime,
    dialect: CsvDialect,
) -> FileResult:
    fmt, gzipped = file_format(path)
    had_bad_bytes = False
    id_field, stamp_field, stamp_parser = entity.id_field, entity.stamp_field, STAMP_PARSERS[entity.stamp_format]
    if fmt == "csv":
        _stage_csv(con, path, dialect)
        id_field = _json_path(dialect.id_column) if dialect.id_column else id_field
        stamp_field = _json_path(dialect.updated_column) if dialect.updated_column else stamp_field
        # The export's configured format first, then the vendor's own (e.g. ISO 8601 in a decisions file).
        stamp_parser = f"coalesce(try_strptime({{v}}, $csv_date_format), {stamp_parser})"
    else:
        text, had_bad_bytes = _decode(path, _read_bytes(path, gzipped))
        if fmt == "ndjson":
            _stage_ndjson(con, text)
        else:
            _stage_json(con, path, text)

    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _classified AS {_classify_sql(entity, stamp_parser, had_bad_bytes)}",
        {
            "id_field": id_field,
            "extract_date": extract_date,
            "stamp_label": stamp_field or "",
            **({"stamp_field": stamp_field} if entity.stamp_field else {}),
            **({"csv_date_format": dialect.date_format} if fmt == "csv" else {}),
        },
    )
    con.execute(
        f"""INSERT INTO {entity.table}
            SELECT rec, record_id, updated_at, $file, position, $extract_date, $loaded_at, md5(text)
            FROM _classified WHERE reason IS NULL ORDER BY position""",
        {"file": relative, "extract_date": extract_date, "loaded_at": loaded_at},
    )
    con.execute(
        f"""INSERT INTO {QUARANTINE_TABLE}
            SELECT $system, $entity, $file, position, $extract_date, reason, detail, text
            FROM _classified WHERE reason IS NOT NULL ORDER BY position""",
        {"system": entity.system, "entity": entity.entity, "file": relative, "extract_date": extract_date},
    )
    records, quarantined = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE reason IS NOT NULL) FROM _classified"
    ).fetchall()[0]  # fetchall: a half-read result would block the next file's staging
    return FileResult(relative, records, records - quarantined, quarantined)


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
    dialect = dialect or CsvDialect()
    ensure_tables(con, (entity,))
    result = PartitionResult(entity, extract_date)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {entity.table} WHERE _extract_date = ?", [extract_date])
        con.execute(
            f"DELETE FROM {QUARANTINE_TABLE} WHERE system = ? AND entity = ? AND extract_date = ?",
            [entity.system, entity.entity, extract_date],
        )
        for path in files_for(landing, entity, extract_date):
            relative = path.relative_to(landing).as_posix()
            result.files.append(_load_file(con, entity, path, relative, extract_date, loaded_at, dialect))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


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
            path = landing / "mappings" / f"{name}.csv"
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
            _stage_csv(con, path, CsvDialect())
            header = con.execute("SELECT json_keys(text::JSON) FROM _incoming LIMIT 1").fetchone()
            present = set(header[0]) if header else set(
                con.execute("SELECT * FROM read_csv(?, all_varchar = true, header = true) LIMIT 0", [str(path)])
                .fetchdf().columns
            )
            missing = [column for column in required if column not in present]
            if missing:
                raise LandingFileError(path, f"missing column(s) {', '.join(missing)}")
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
