"""Bad input, nothing lost (issue #8): a corpus of malformed files, one case per test.

For every file the loader reads, records in = records loaded + records quarantined, and each
quarantined record carries its file, position, reason and detail (`_accounted`). A file that
cannot be read at all fails its partition with a LandingFileError naming it, and leaves the
partition as it was. What each case does is README's "The raw layer".
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import jinja2
import pytest
from test_loader import DAY, ENTITY, LOADED_AT, _load, _write

from pipelines.settings import CsvDialect
from pipelines.sources.landing import LandingFileError

REPO = Path(__file__).resolve().parents[2]
TIME_ENTRY = ("connectwise", "time_entries")
INCIDENT = ("servicenow", "incident")
STAMP = "2026-01-02T10:00:00Z"
NULL = object()
"""A field's value given as JSON null (None leaves the field out)."""


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        yield connection


def _entry(id_=1, **fields) -> dict:
    """A ConnectWise time entry that loads; `fields` override or add (None removes a field)."""
    record = {
        "id": id_,
        "chargeToId": 100,
        "chargeToType": "ServiceTicket",
        "timeStart": "2026-01-02T08:00:00Z",
        "timeEnd": "2026-01-02T09:30:00Z",
        "actualHours": 1.5,
        "hoursBilled": 1.5,
        "billableOption": "Billable",
        "_info": {"lastUpdated": STAMP},
    }
    record.update(fields)
    return {key: None if value is NULL else value for key, value in record.items() if value is not None}


def _ndjson(*lines: str | dict) -> str:
    return "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)


def _quarantine(con) -> list[tuple]:
    return con.execute(
        "SELECT source_file, record_position, reason FROM raw_quarantine.quarantined_records ORDER BY ALL"
    ).fetchall()


def _raw(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT _record_position, record_id FROM {table} ORDER BY ALL").fetchall()


def _accounted(con, result) -> None:
    """Every record of every file is loaded or quarantined, exactly once, and each quarantined
    one says where it was and why."""
    for f in result.files:
        assert f.records == f.loaded + f.quarantined, f
        raw = con.execute(
            f"SELECT _record_position FROM {result.entity.table} WHERE _source_file = ?", [f.source_file]
        ).fetchall()
        quarantined = con.execute(
            "SELECT record_position, reason, detail, raw_text FROM raw_quarantine.quarantined_records "
            "WHERE source_file = ?",
            [f.source_file],
        ).fetchall()
        assert (len(raw), len(quarantined)) == (f.loaded, f.quarantined), f
        positions = [p for (p,) in raw] + [q[0] for q in quarantined]
        assert len(set(positions)) == len(positions) == f.records, f"a position twice in {f.source_file}"
        for position, reason, detail, raw_text in quarantined:
            assert position >= 1 and reason and detail and raw_text is not None, (position, reason, detail)


def _load_ok(con, landing, key, day=DAY, dialect=None):
    result = _load(con, landing, key, day, dialect)
    _accounted(con, result)
    return result


# --- truncated ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("array", '[{"id": 1, "_info": {"lastUpdated": "2026-01-02T10:00:00Z"}}, {"id": 2, "_in'),
        ("envelope", '{"result": [{"sys_id": "a", "sys_updated_on": "2026-01-02 10:00:00"}, {"sys_'),
        ("cut_after_the_last_record", '[{"id": 1, "_info": {"lastUpdated": "2026-01-02T10:00:00Z"}}'),
    ],
)
def test_a_truncated_json_document_fails_its_file_by_name(con, tmp_path, name, text):
    # A JSON document cut short has no readable structure: which records it held is unknown,
    # so the whole file fails (nothing is loaded from it, nothing is silently dropped).
    key = INCIDENT if name == "envelope" else TIME_ENTRY
    folder = "servicenow/incident" if name == "envelope" else "connectwise/time_entries"
    _write(tmp_path / folder / "2026-01-02.json", text)
    with pytest.raises(LandingFileError, match=rf"{folder}/2026-01-02\.json: not valid JSON \(truncated"):
        _load(con, tmp_path, key)
    assert con.execute(f"SELECT count(*) FROM {ENTITY[key].table}").fetchone() == (0,)


def test_a_truncated_ndjson_line_is_quarantined_and_the_rest_loads(con, tmp_path):
    whole = json.dumps(_entry(3))
    text = _ndjson(_entry(1), whole[: len(whole) // 2], _entry(2)) + whole[:-1]  # the last line cut, no newline
    _write(tmp_path / "connectwise/time_entries/2026-01-02.ndjson", text)
    result = _load_ok(con, tmp_path, TIME_ENTRY)
    f = "connectwise/time_entries/2026-01-02.ndjson"
    assert (result.records, result.loaded, result.quarantined) == (4, 2, 2)
    assert _quarantine(con) == [(f, 2, "invalid_json"), (f, 4, "invalid_json")]
    assert _raw(con, "raw_connectwise.time_entries") == [(1, "1"), (3, "2")]


# --- encoding ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ndjson", "ndjson.gz", "json"])
def test_bytes_that_are_not_utf8_quarantine_only_their_record(con, tmp_path, name):
    good = json.dumps(_entry(1, notes="caf\u00e9")).encode()
    bad = json.dumps(_entry(2, notes="cafX")).encode().replace(b"cafX", b"caf\xe9")  # Latin-1 é
    replacement = json.dumps(_entry(3, notes="\ufffd"), ensure_ascii=False).encode()  # a real U+FFFD
    if name == "json":
        data = b"[" + b",\n".join([good, bad]) + b"]"
    else:
        data = b"\n".join([good, bad, replacement]) + b"\n"
    path = tmp_path / f"connectwise/time_entries/2026-01-02.{name}"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)

    result = _load_ok(con, tmp_path, TIME_ENTRY)

    f = f"connectwise/time_entries/2026-01-02.{name}"
    assert _quarantine(con) == [(f, 2, "invalid_encoding")]
    # NDJSON is checked line by line: a line that really holds U+FFFD (valid UTF-8) loads.
    # (In a JSON document with bad bytes, any element holding U+FFFD would be quarantined.)
    expected = [(1, "1")] if name == "json" else [(1, "1"), (3, "3")]
    assert _raw(con, "raw_connectwise.time_entries") == expected
    assert result.quarantined == 1
    raw_text = con.execute("SELECT raw_text FROM raw_quarantine.quarantined_records").fetchone()[0]
    assert "caf\ufffd" in raw_text  # kept, the bad byte shown as U+FFFD


def test_a_csv_with_bytes_that_are_not_utf8_fails_naming_the_file_and_line(con, tmp_path):
    # DuckDB's CSV reader refuses the file; its message names the line.
    path = tmp_path / "servicenow/incident/2026-01-02.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        b"sys_id,short_description,sys_updated_on\na,ok,2026-01-02 10:00:00\nb,caf\xe9,2026-01-02 10:00:00\n"
    )
    with pytest.raises(LandingFileError, match=r"incident/2026-01-02\.csv: not a readable CSV: .*Line: 3"):
        _load(con, tmp_path, INCIDENT)


@pytest.mark.parametrize("name", ["ndjson", "ndjson.gz", "json", "csv"])
def test_a_utf8_bom_at_the_start_loads(con, tmp_path, name):
    record = {"sys_id": "a" * 32, "number": "INC0000001", "sys_updated_on": "2026-01-02 10:00:00"}
    if name == "csv":
        text = "sys_id,number,sys_updated_on\n" + ",".join(record.values()) + "\n"
    elif name == "json":
        text = json.dumps({"result": [record]})
    else:
        text = json.dumps(record) + "\n"
    data = b"\xef\xbb\xbf" + text.encode()
    path = tmp_path / f"servicenow/incident/2026-01-02.{name}"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)

    result = _load_ok(con, tmp_path, INCIDENT)

    assert (result.loaded, result.quarantined) == (1, 0)
    loaded = con.execute("SELECT _record_position, record_id, json_keys(record) FROM raw_servicenow.incident")
    assert loaded.fetchone() == (1, "a" * 32, ["sys_id", "number", "sys_updated_on"])  # no BOM in the first key


def test_crlf_line_ends_load_and_blank_crlf_lines_are_not_records(con, tmp_path):
    text = json.dumps(_entry(1)) + "\r\n\r\n" + json.dumps(_entry(2)) + "\r\n"
    _write(tmp_path / "connectwise/time_entries/2026-01-02.ndjson", text)
    result = _load_ok(con, tmp_path, TIME_ENTRY)
    assert (result.records, result.quarantined) == (2, 0)
    assert _raw(con, "raw_connectwise.time_entries") == [(1, "1"), (3, "2")]


# --- wrong types, missing ids --------------------------------------------------------------------


@pytest.mark.parametrize(
    "case, fields, reason",
    [
        ("id_is_an_object", {"id": {"value": 1}}, "invalid_id"),
        ("id_is_an_array", {"id": [1]}, "invalid_id"),
        ("id_is_a_boolean", {"id": True}, "invalid_id"),
        ("id_is_null", {"id": NULL}, "missing_id"),
        ("id_is_empty_text", {"id": " "}, "missing_id"),
        ("id_is_missing", {"id": None}, "missing_id"),
        # hours are no key: staging nulls and reports what it cannot read (test_field_corpus.py)
        ("hours_as_text", {"actualHours": "abc"}, None),
        ("hours_as_an_object", {"hoursBilled": {"value": 1}}, None),
        ("hours_as_text_nan", {"hoursBilled": "NaN"}, None),
        ("stamp_is_a_number", {"_info": {"lastUpdated": 1767348000}}, "unparseable_stamp"),
        ("stamp_is_text", {"_info": {"lastUpdated": "yesterday"}}, "unparseable_stamp"),
        ("id_as_text", {"id": "42"}, None),
        ("hours_as_numeric_text", {"actualHours": "1.5"}, None),
        ("hours_null", {"hoursBilled": NULL}, None),
    ],
)
def test_wrong_types_and_missing_ids(con, tmp_path, case, fields, reason):
    record = _entry(7, **fields)
    _write(tmp_path / "connectwise/time_entries/2026-01-02.ndjson", _ndjson(_entry(1), record))

    result = _load_ok(con, tmp_path, TIME_ENTRY)

    f = "connectwise/time_entries/2026-01-02.ndjson"
    assert _quarantine(con) == ([(f, 2, reason)] if reason else [])
    assert result.loaded == (1 if reason else 2)


def test_the_quarantine_detail_names_the_field_and_value(con, tmp_path):
    records = [
        _entry(1, id={"value": 1}),
        _entry(2, actualHours="abc"),  # loads: staging nulls and reports it
        _entry(3, actualHours=-1, hoursBilled=-2),
        _entry(4, timeStart="2026-01-02T10:00:00Z", timeEnd="2026-01-02T09:00:00Z"),
    ]
    _write(tmp_path / "connectwise/time_entries/2026-01-02.ndjson", _ndjson(*records))
    _load_ok(con, tmp_path, TIME_ENTRY)
    details = con.execute(
        "SELECT reason, detail FROM raw_quarantine.quarantined_records ORDER BY record_position"
    ).fetchall()
    assert details == [
        ("invalid_id", "a JSON object at $.id, not a string or number"),
        ("negative_hours", "$.actualHours = -1, $.hoursBilled = -2"),
        ("end_before_start", "$.timeEnd = 2026-01-02T09:00:00Z, before $.timeStart = 2026-01-02T10:00:00Z"),
    ]


@pytest.mark.parametrize(
    "value, reason",
    [("not an object", "not_an_object"), (None, "not_an_object"), (42, "not_an_object")],
    ids=["string", "null", "number"],
)
def test_an_array_element_that_is_not_an_object_is_quarantined(con, tmp_path, value, reason):
    _write(tmp_path / "connectwise/time_entries/2026-01-02.json", json.dumps([_entry(1), value, _entry(2)]))
    result = _load_ok(con, tmp_path, TIME_ENTRY)
    assert _quarantine(con) == [("connectwise/time_entries/2026-01-02.json", 2, reason)]
    assert result.loaded == 2


# --- duplicates ---------------------------------------------------------------------------------


def _current(con, table: str) -> list[tuple]:
    """The rows staging takes as current: dbt's own macro (macros/current_records.sql), rendered as
    a full build renders it (dbt's `is_incremental()` is false then)."""
    macros = (REPO / "dbt_project/macros/current_records.sql").read_text()
    template = jinja2.Environment().from_string(macros + f"{{{{ current_records('{table}') }}}}")
    sql = template.render(is_incremental=lambda: False)
    return con.execute(f"SELECT record_id, _record_position FROM ({sql}) ORDER BY ALL").fetchall()


def test_duplicate_ids_in_one_file_are_all_kept_and_staging_picks_the_newest(con, tmp_path):
    """Decision: a repeated id is not an error. An extract may hold a record twice (it changed
    twice that day; a history export has a row per change; an API page overlap), so every
    version loads into raw, and staging's newest-version rule picks one: newest update stamp,
    then extract date, then the later position in the file, then the file name. An exact
    duplicate is two identical versions (same `_record_hash`): whichever is picked, it is the same.
    """
    at = lambda hour: {"lastUpdated": f"2026-01-02T{hour:02d}:00:00Z"}  # noqa: E731
    records = [
        _entry(7, actualHours=1, _info=at(10)),
        _entry(7, actualHours=2, _info=at(12)),  # 2: the newest stamp, though not the last line
        _entry(7, actualHours=3, _info=at(11)),
        _entry(8, actualHours=1, _info=at(9)),
        _entry(8, actualHours=5, _info=at(9)),  # 5: the same stamp: the later position
        _entry(9, _info=at(9)),
        _entry(9, _info=at(9)),  # 7: an exact duplicate of 6
    ]
    _write(tmp_path / "connectwise/time_entries/2026-01-02.ndjson", _ndjson(*records))

    result = _load_ok(con, tmp_path, TIME_ENTRY)

    assert (result.loaded, result.quarantined) == (7, 0)
    assert _current(con, "raw_connectwise.time_entries") == [("7", 2), ("8", 5), ("9", 7)]
    hashes = con.execute(
        "SELECT count(DISTINCT _record_hash) FROM raw_connectwise.time_entries WHERE record_id = '9'"
    ).fetchone()
    assert hashes == (1,)


# --- values out of range --------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["actualHours", "hoursBilled"])
def test_negative_hours_are_quarantined(con, tmp_path, field):
    _write(tmp_path / "connectwise/time_entries/2026-01-02.ndjson", _ndjson(_entry(1, **{field: -0.25})))
    _load_ok(con, tmp_path, TIME_ENTRY)
    assert _quarantine(con) == [("connectwise/time_entries/2026-01-02.ndjson", 1, "negative_hours")]


@pytest.mark.parametrize(
    "start, end, reason",
    [
        ("2026-01-02T10:00:00Z", "2026-01-02T09:59:59Z", "end_before_start"),
        ("2026-01-02T10:00:00+02:00", "2026-01-02T09:00:00Z", None),  # 08:00 UTC to 09:00 UTC
        ("2026-01-02T10:00:00Z", "2026-01-02T10:00:00Z", None),  # zero length
        ("2026-01-02T10:00:00Z", None, None),  # still open: nothing to compare
        ("not a time", "2026-01-02T10:00:00Z", None),  # unreadable: staging reads it as empty
        ("2099-12-31T00:00:00Z", "2026-01-02T10:00:00Z", None),  # a placeholder: staging nulls it
    ],
    ids=["end_before_start", "offsets_compared_as_instants", "equal", "no_end", "unreadable_start", "far_future_start"],
)
def test_a_time_entry_that_ends_before_it_starts_is_quarantined(con, tmp_path, start, end, reason):
    _write(
        tmp_path / "connectwise/time_entries/2026-01-02.ndjson",
        _ndjson(_entry(1, timeStart=start, timeEnd=end)),
    )
    result = _load_ok(con, tmp_path, TIME_ENTRY)
    assert _quarantine(con) == ([("connectwise/time_entries/2026-01-02.ndjson", 1, reason)] if reason else [])
    assert result.loaded == (0 if reason else 1)


@pytest.mark.parametrize(
    "stamp, reason",
    [
        ("2026-01-03T00:00:00Z", "future_stamp"),  # after the end of the extract date
        ("2027-06-01T00:00:00Z", "future_stamp"),
        ("2026-01-02T23:59:59Z", None),
        ("1989-12-31T23:59:59Z", "implausible_stamp"),
        ("1970-01-01T00:00:00Z", "implausible_stamp"),
        ("1990-01-01T00:00:00Z", None),
    ],
)
def test_stamps_in_the_future_or_before_1990_are_quarantined(con, tmp_path, stamp, reason):
    _write(
        tmp_path / "connectwise/time_entries/2026-01-02.ndjson",
        _ndjson(_entry(1, _info={"lastUpdated": stamp})),
    )
    _load_ok(con, tmp_path, TIME_ENTRY)
    assert _quarantine(con) == ([("connectwise/time_entries/2026-01-02.ndjson", 1, reason)] if reason else [])


# --- unknown enumeration values --------------------------------------------------------------------


def test_an_unknown_connectwise_billable_option_loads(con, tmp_path):
    # Not a loader error: the record is the vendor's, as extracted. Downstream,
    # int_recon_time_entries_attributed bills only billableOption = 'Billable', so an unknown
    # option counts as not billable; no mart lists it yet (see the report of issue #8).
    _write(
        tmp_path / "connectwise/time_entries/2026-01-02.ndjson",
        _ndjson(_entry(1, billableOption="BillableOnTuesdays")),
    )
    result = _load_ok(con, tmp_path, TIME_ENTRY)
    assert (result.loaded, result.quarantined) == (1, 0)


def test_an_unknown_servicenow_state_or_priority_loads(con, tmp_path):
    # Not loader errors. Downstream, int_tickets_mapped maps them through mappings/priorities.csv
    # and states.csv: an unmapped priority is listed in marts.normalization_exceptions with the
    # reason `unknown_priority` (int_normalization_exceptions_gathered); an unmapped state leaves
    # the ticket's clock and status_category empty (not listed there yet).
    records = [
        {"sys_id": "a" * 32, "state": "42", "priority": "3", "sys_updated_on": "2026-01-02 10:00:00"},
        {"sys_id": "b" * 32, "state": "2", "priority": "9", "sys_updated_on": "2026-01-02 10:00:00"},
    ]
    _write(tmp_path / "servicenow/incident/2026-01-02.json", json.dumps({"result": records}))
    result = _load_ok(con, tmp_path, INCIDENT)
    assert (result.loaded, result.quarantined) == (2, 0)


# --- CSV columns ----------------------------------------------------------------------------------

CSV_HEADER = "sys_id,number,short_description,sys_updated_on"


def test_a_csv_with_extra_columns_loads_them_in_the_record(con, tmp_path):
    _write(
        tmp_path / "servicenow/incident/2026-01-02.csv",
        f"{CSV_HEADER},u_custom,\n{'a' * 32},INC1,printer,2026-01-02 10:00:00,x,y\n",
    )
    result = _load_ok(con, tmp_path, INCIDENT)
    assert (result.loaded, result.quarantined) == (1, 0)
    record = json.loads(con.execute("SELECT record FROM raw_servicenow.incident").fetchone()[0])
    assert record["u_custom"] == "x" and record["column5"] == "y"  # an unnamed column: DuckDB's name


@pytest.mark.parametrize(
    "header, dialect, column",
    [
        ("number,short_description,sys_updated_on", None, "sys_id"),
        ("sys_id,short_description,sys_updated_on", CsvDialect(id_column="number"), "number"),
        ("SYS_ID,number,short_description,sys_updated_on", None, "sys_id"),  # keys are case-sensitive
        ("sys_id,number,short_description", None, "sys_updated_on"),
    ],
    ids=["no_id_column", "no_configured_id_column", "id_column_in_other_case", "no_update_stamp_column"],
)
def test_a_csv_without_its_id_or_stamp_column_fails_naming_the_file_and_column(con, tmp_path, header, dialect, column):
    _write(tmp_path / "servicenow/incident/2026-01-02.csv", f"{header}\n1,2,3\n")
    with pytest.raises(LandingFileError, match=rf'incident/2026-01-02\.csv: no column "{column}"'):
        _load(con, tmp_path, INCIDENT, dialect=dialect)


def test_a_header_only_csv_is_zero_records(con, tmp_path):
    _write(tmp_path / "servicenow/incident/2026-01-02.csv", CSV_HEADER + "\n")
    result = _load_ok(con, tmp_path, INCIDENT)
    assert (result.records, len(result.files)) == (0, 1)


@pytest.mark.parametrize(
    "header, name",
    [(f"{CSV_HEADER},number", "number"), ("sys_id,State,state,sys_updated_on", "state")],
    ids=["same_name", "same_name_in_other_case"],
)
def test_a_csv_with_a_repeated_column_fails_naming_it(con, tmp_path, header, name):
    # Decision: which of the two values is meant is unknown (DuckDB would rename the second one),
    # so the file fails rather than load a guess.
    _write(tmp_path / "servicenow/incident/2026-01-02.csv", f"{header}\n{'a' * 32},1,2,2026-01-02 10:00:00,4\n")
    with pytest.raises(LandingFileError, match=rf'incident/2026-01-02\.csv: column "{name}" appears twice'):
        _load(con, tmp_path, INCIDENT)


@pytest.mark.parametrize(
    "row, at",
    [("surplus", 2), ("surplus", 30_000), ("fewer", 2), ("fewer", 30_000)],
    ids=["more_fields_early", "more_fields_late", "fewer_fields_early", "fewer_fields_late"],
)
def test_a_csv_row_with_more_or_fewer_fields_than_the_header_fails_naming_the_file(con, tmp_path, row, at):
    # Early rows are in the sample DuckDB sniffs the dialect from, late ones are not. Either way
    # the file fails: no row is lost or guessed (without `skip = 0`, the early surplus row was
    # taken for the header and every row above it silently skipped).
    rows = [f"{n:032x},INC{n},x,2026-01-02 10:00:00" for n in range(1, at + 2)]
    rows[at - 1] = rows[at - 1] + ",surplus" if row == "surplus" else rows[at - 1].rsplit(",", 1)[0]
    _write(tmp_path / "servicenow/incident/2026-01-02.csv", CSV_HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(LandingFileError, match=r"incident/2026-01-02\.csv: not a readable CSV"):
        _load(con, tmp_path, INCIDENT)
    assert con.execute("SELECT count(*) FROM raw_servicenow.incident").fetchone() == (0,)


# --- empty files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("ndjson", ""),
        ("ndjson.gz", ""),
        ("json", ""),
        ("json.gz", ""),
        ("csv", ""),
        ("json", "  \n"),
        ("ndjson", "\n\n"),
        ("json", "[]"),
        ("json", '{"result": []}'),
    ],
    ids=["ndjson", "ndjson_gz", "json", "json_gz", "csv", "json_blanks", "ndjson_blank_lines", "empty_array",
         "empty_envelope"],
)
def test_an_empty_file_is_zero_records_and_no_error(con, tmp_path, name, text):
    _write(tmp_path / f"servicenow/incident/2026-01-02.{name}", text, gz=name.endswith(".gz"))
    result = _load_ok(con, tmp_path, INCIDENT)
    assert (len(result.files), result.records) == (1, 0)


@pytest.mark.parametrize(
    "text, message",
    [
        ('"just text"', "a JSON varchar, not an array of records or an envelope"),
        ('{"error": {"message": "not found"}}', "JSON object without a records array"),
        ('{"result": {"sys_id": "a"}}', '"result" holds a JSON object, not an array of records'),
        ('{"result": null}', '"result" holds a JSON null, not an array of records'),
    ],
    ids=["a_string", "an_error_response", "records_not_an_array", "records_null"],
)
def test_a_json_document_without_a_records_array_fails_naming_the_file(con, tmp_path, text, message):
    _write(tmp_path / "servicenow/incident/2026-01-02.json", text)
    with pytest.raises(LandingFileError, match=rf"incident/2026-01-02\.json: {message}"):
        _load(con, tmp_path, INCIDENT)


# --- unreadable files -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ndjson.gz", "json.gz", "csv.gz"])
def test_a_corrupt_gzip_fails_naming_the_file(con, tmp_path, name):
    _write(tmp_path / f"servicenow/incident/2026-01-02.{name}", "not gzip at all")
    with pytest.raises(LandingFileError, match=rf"incident/2026-01-02\.{name.replace('.', '[.]')}"):
        _load(con, tmp_path, INCIDENT)


def test_a_gzip_cut_short_fails_naming_the_file_and_the_last_line_read(con, tmp_path, monkeypatch):
    import pipelines.sources.loader as loader

    monkeypatch.setattr(loader, "CHUNK_LINES", 1000)
    monkeypatch.setattr(loader, "CHUNK_BYTES", 64 * 1024)
    lines = _ndjson(*(_entry(n) for n in range(1, 50_001)))
    data = gzip.compress(lines.encode(), mtime=0)
    path = tmp_path / "connectwise/time_entries/2026-01-02.ndjson.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(data[: len(data) // 2])  # the first chunks read fine, then the stream ends

    with pytest.raises(LandingFileError, match=r"2026-01-02\.ndjson\.gz: cannot be read after line [1-9]\d*: "):
        _load(con, tmp_path, TIME_ENTRY)
    assert con.execute("SELECT count(*) FROM raw_connectwise.time_entries").fetchone() == (0,)  # all or nothing


def test_an_unreadable_file_fails_its_date_and_the_other_dates_still_load(tmp_path, monkeypatch):
    """Through the raw asset, as `usm run` runs it: three dates in one run, the middle one's
    second file truncated. That date fails naming the file and keeps what it had; the others load."""
    from pipelines.defs.ingestion.raw_assets import raw_assets
    from pipelines.defs.resources import build_resources

    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    folder = landing / "connectwise/time_entries"
    for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
        _write(folder / f"{day}.ndjson", _ndjson(_entry(int(day[-1]), _info={"lastUpdated": f"{day}T10:00:00Z"})))
    monkeypatch.setenv("USM_LANDING_DIR", str(landing))
    monkeypatch.setenv("USM_DUCKDB_PATH", str(warehouse))
    monkeypatch.delenv("USM_CONFIG", raising=False)
    asset = next(a for a in raw_assets if a.key == dg.AssetKey(["raw_connectwise", "time_entries"]))

    def run():
        return dg.materialize(
            [asset],
            resources=build_resources(),
            tags={
                "dagster/asset_partition_range_start": "2026-01-01",
                "dagster/asset_partition_range_end": "2026-01-03",
            },
            raise_on_error=False,
        )

    assert run().success
    _write(folder / "2026-01-02_late.json", '[{"id": 5, "_info": {"lastUpd')  # truncated
    _write(folder / "2026-01-03.ndjson", _ndjson(_entry(3), _entry(4, _info={"lastUpdated": "2026-01-03T11:00:00Z"})))

    result = run()

    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message
    assert "connectwise/time_entries/2026-01-02_late.json: not valid JSON" in failure
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT _extract_date, record_id FROM raw_connectwise.time_entries ORDER BY ALL"
        ).fetchall()
    assert rows == [
        (date(2026, 1, 1), "1"),
        (date(2026, 1, 2), "2"),  # as it was before the failed run
        (date(2026, 1, 3), "3"),  # reloaded
        (date(2026, 1, 3), "4"),
    ]


def test_a_load_restores_the_memory_limit_it_lowered(con, tmp_path):
    _write(tmp_path / "connectwise/time_entries/2026-01-02.ndjson", _ndjson(_entry(1)))
    for limit in ("3.0 GiB", "100.0 MiB"):  # above the loader's limit: restored; below it: untouched
        con.execute(f"SET memory_limit = '{limit}'")
        _load_ok(con, tmp_path, TIME_ENTRY)
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == (limit,)


def test_loaded_at_and_lineage_survive_streaming(con, tmp_path):
    _write(tmp_path / "connectwise/time_entries/2026-01-02.ndjson", _ndjson(_entry(1)))
    _load_ok(con, tmp_path, TIME_ENTRY)
    row = con.execute(
        "SELECT _source_file, _extract_date, _loaded_at, updated_at, _record_hash = md5(?) "
        "FROM raw_connectwise.time_entries",
        [json.dumps(_entry(1))],
    ).fetchone()
    assert row == (
        "connectwise/time_entries/2026-01-02.ndjson",
        DAY,
        LOADED_AT,
        datetime(2026, 1, 2, 10, 0),
        True,
    )
