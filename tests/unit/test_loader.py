"""The one loader, on small hand-written files whose right answers are written here."""

import gzip
import hashlib
import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import CsvDialect
from pipelines.sources import loader
from pipelines.sources.catalog import DATED_ENTITIES
from pipelines.sources.landing import LandingFileError
from pipelines.sources.loader import load_mappings, load_partition

ENTITY = {(e.system, e.entity): e for e in DATED_ENTITIES}
DAY = date(2026, 1, 2)
LOADED_AT = datetime(2026, 1, 3, 2, 0)


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        yield connection


def _write(path: Path, text: str, gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode(), mtime=0) if gz else text.encode())


def _load(con, landing, key, day=DAY, dialect=None):
    return load_partition(con, ENTITY[key], landing, day, LOADED_AT, dialect)


def _quarantine(con):
    return con.execute(
        "SELECT source_file, record_position, reason FROM raw_quarantine.quarantined_records ORDER BY ALL"
    ).fetchall()


def test_ndjson_with_malformed_records_loads_the_good_and_quarantines_the_rest(con, tmp_path):
    lines = [
        '{"id": 1, "actualHours": 1.5, "_info": {"lastUpdated": "2026-01-02T10:00:00Z"}}',  # 1 good
        "{broken",  # 2 invalid_json
        "",  # a blank line is not a record
        '{"actualHours": 1.0, "_info": {"lastUpdated": "2026-01-02T10:00:00Z"}}',  # 4 missing_id
        '{"id": 3, "actualHours": -2, "_info": {"lastUpdated": "2026-01-02T10:00:00Z"}}',  # 5 negative_hours
        '{"id": 4, "actualHours": 2, "_info": {"lastUpdated": "2026-01-03T00:00:00Z"}}',  # 6 future_stamp
        '{"id": 5, "actualHours": 2, "_info": {"lastUpdated": "yesterday"}}',  # 7 unparseable_stamp
        "[1, 2]",  # 8 not_an_object
        '{"id": 6, "actualHours": 0, "_info": {"lastUpdated": "2026-01-02T23:59:59Z"}}',  # 9 good
    ]
    _write(tmp_path / "connectwise/time_entries/2026-01-02.ndjson.gz", "\n".join(lines) + "\n", gz=True)

    result = _load(con, tmp_path, ("connectwise", "time_entries"))

    # 8 records (9 lines, one blank): 2 good + 6 quarantined.
    assert (result.records, result.loaded, result.quarantined) == (8, 2, 6)
    f = "connectwise/time_entries/2026-01-02.ndjson.gz"
    assert _quarantine(con) == [
        (f, 2, "invalid_json"),
        (f, 4, "missing_id"),
        (f, 5, "negative_hours"),
        (f, 6, "future_stamp"),
        (f, 7, "unparseable_stamp"),
        (f, 8, "not_an_object"),
    ]
    rows = con.execute(
        "SELECT record_id, updated_at, _record_position, _extract_date, record->>'$.actualHours' "
        "FROM raw_connectwise.time_entries ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("1", datetime(2026, 1, 2, 10, 0), 1, DAY, "1.5"),
        ("6", datetime(2026, 1, 2, 23, 59, 59), 9, DAY, "0"),
    ]


def test_reloading_a_partition_replaces_it_and_leaves_other_dates_alone(con, tmp_path):
    key = ("ninjaone", "alerts")
    _write(tmp_path / "ninjaone/alerts/2026-01-01.ndjson", '{"uid": "a-0", "updateTime": 1767225600}\n')
    _write(tmp_path / "ninjaone/alerts/2026-01-02.ndjson", '{"uid": "a-1", "updateTime": 1767312000.5}\n{x\n')
    _load(con, tmp_path, key, date(2026, 1, 1))
    for _ in range(3):
        _load(con, tmp_path, key)

    assert con.execute("SELECT record_id, updated_at FROM raw_ninjaone.alerts ORDER BY 1").fetchall() == [
        ("a-0", datetime(2026, 1, 1, 0, 0)),  # 1767225600 = 2026-01-01T00:00:00Z
        ("a-1", datetime(2026, 1, 2, 0, 0, 0, 500000)),
    ]
    assert len(_quarantine(con)) == 1


def test_servicenow_envelope_and_the_three_reference_shapes_load(con, tmp_path):
    records = [
        {"sys_id": "a" * 32, "company": "c" * 32, "sys_updated_on": "2026-01-02 08:00:00"},
        {
            "sys_id": "b" * 32,
            "company": {"value": "c" * 32, "link": "https://x/api"},
            "sys_updated_on": "2026-01-02 09:00:00",
        },
        {
            "sys_id": "d" * 32,
            "company": {"value": "c" * 32, "display_value": "Acme"},
            "sys_updated_on": "2026-01-02 10:00:00",
        },
    ]
    _write(tmp_path / "servicenow/incident/2026-01-02.json", json.dumps({"result": records}))
    result = _load(con, tmp_path, ("servicenow", "incident"))
    assert (result.loaded, result.quarantined) == (3, 0)
    positions = con.execute("SELECT _record_position, record_id FROM raw_servicenow.incident ORDER BY 1").fetchall()
    assert positions == [(1, "a" * 32), (2, "b" * 32), (3, "d" * 32)]


def test_servicenow_display_value_all_loads_its_id_and_stamp_from_value(con, tmp_path):
    """`sysparm_display_value=all` wraps every field; the display stamp is in the user's zone."""
    record = {
        "sys_id": {"display_value": "e" * 32, "value": "e" * 32},
        "company": {"display_value": "Acme", "link": "https://x/api/now/table/core_company/" + "c" * 32,
                    "value": "c" * 32},
        "sys_updated_on": {"display_value": "02-01-2026 09:00:00", "value": "2026-01-02 08:00:00"},
    }
    wrapped_object_id = {**record, "sys_id": {"display_value": "x", "value": {"nested": 1}}}
    _write(tmp_path / "servicenow/incident/2026-01-02.json", json.dumps({"result": [record, wrapped_object_id]}))
    result = _load(con, tmp_path, ("servicenow", "incident"))
    assert (result.loaded, result.quarantined) == (1, 1)
    assert con.execute("SELECT record_id, updated_at FROM raw_servicenow.incident").fetchall() == [
        ("e" * 32, datetime(2026, 1, 2, 8, 0))]
    assert [r[2] for r in _quarantine(con)] == ["invalid_id"]


def test_jira_envelope_stamp_with_offset_is_converted_to_utc(con, tmp_path):
    issue = {"id": "10001", "key": "HR-1", "fields": {"updated": "2026-01-02T14:22:10.000+0200"}}
    _write(tmp_path / "jira/issues/2026-01-02.json", json.dumps({"issues": [issue], "nextPageToken": None}))
    _load(con, tmp_path, ("jira", "issues"))
    assert con.execute("SELECT updated_at FROM raw_jira.issues").fetchone()[0] == datetime(2026, 1, 2, 12, 22, 10)


@pytest.mark.parametrize(
    "document",
    [
        # NinjaOne's activities response: its paging cursor beside the records
        {"lastActivityId": 70002, "activities": "RECORDS"},
        # any object whose one array holds the records, whatever the key
        {"pageDetails": {"count": 2}, "activityList": "RECORDS"},
        # several arrays: the one a known envelope name marks
        {"warnings": [], "activities": "RECORDS"},
    ],
    ids=["ninjaone_activities", "one_array_any_name", "several_arrays_one_known"],
)
def test_an_object_with_one_array_of_records_is_an_envelope(con, tmp_path, document):
    records = [
        {"id": 70001, "activityTime": 1767348000.5, "deviceId": 1003, "statusCode": "TRIGGERED"},
        {"id": 70002, "activityTime": 1767348600, "deviceId": 1003, "statusCode": "RESET"},
    ]
    document = {key: records if value == "RECORDS" else value for key, value in document.items()}
    _write(tmp_path / "ninjaone/activities/2026-01-02.json", json.dumps(document))
    result = _load(con, tmp_path, ("ninjaone", "activities"))
    assert (result.loaded, result.quarantined) == (2, 0)
    loaded = con.execute("SELECT record_id FROM raw_ninjaone.activities ORDER BY 1").fetchall()
    assert loaded == [("70001",), ("70002",)]


def test_an_object_with_several_unnamed_arrays_fails_naming_them(con, tmp_path):
    _write(tmp_path / "ninjaone/activities/2026-01-02.json", json.dumps({"first": [{"id": 1}], "second": [{"id": 2}]}))
    with pytest.raises(LandingFileError, match=r"several arrays \(first, second\)"):
        _load(con, tmp_path, ("ninjaone", "activities"))


def test_csv_export_with_configured_date_format_null_marker_and_id_column(con, tmp_path):
    _write(
        tmp_path / "servicenow/incident/2026-01-02_history.csv",
        "number,incident_state,sys_updated_at,closed_at\n"
        "INC0000045,New,29/2/2016 01:23,?\n"
        "INC0000045,Resolved,29/2/2016 08:53,?\n"
        "INC0000046,New,not a date,?\n",
    )
    dialect = CsvDialect(
        date_format="%d/%m/%Y %H:%M", null_marker="?", id_column="number", updated_column="sys_updated_at"
    )
    result = _load(con, tmp_path, ("servicenow", "incident"), dialect=dialect)
    assert (result.loaded, result.quarantined) == (2, 1)
    rows = con.execute(
        "SELECT record_id, updated_at, record->>'$.closed_at', _record_position FROM raw_servicenow.incident ORDER BY 4"
    ).fetchall()
    assert rows == [
        ("INC0000045", datetime(2016, 2, 29, 1, 23), None, 1),
        ("INC0000045", datetime(2016, 2, 29, 8, 53), None, 2),
    ]
    assert _quarantine(con)[0][1:] == (3, "unparseable_stamp")


def test_a_csv_column_named_csv_is_a_column_like_any_other(con, tmp_path):
    """DuckDB resolves a bare name to a column before a table alias: the row is read under an alias
    no export uses, so a column called `csv` does not replace the whole record."""
    _write(tmp_path / "servicenow/incident/2026-01-02.csv", "sys_id,csv,sys_updated_on\nabc,1,2026-01-02 08:00:00\n")
    result = _load(con, tmp_path, ("servicenow", "incident"))
    assert (result.loaded, result.quarantined) == (1, 0)
    assert con.execute("SELECT record->>'csv', record_id FROM raw_servicenow.incident").fetchall() == [("1", "abc")]


def test_an_unreadable_file_fails_its_partition_by_name_and_keeps_what_was_there(con, tmp_path):
    key = ("connectwise", "tickets")
    good = '[{"id": 1, "_info": {"lastUpdated": "2026-01-02T08:00:00Z"}}]'
    _write(tmp_path / "connectwise/tickets/2026-01-02.json", good)
    _load(con, tmp_path, key)
    _write(tmp_path / "connectwise/tickets/2026-01-02_late.json", '[{"id": 2, "_info": {"lastUp')

    with pytest.raises(LandingFileError, match=r"connectwise/tickets/2026-01-02_late\.json"):
        _load(con, tmp_path, key)
    assert con.execute("SELECT record_id FROM raw_connectwise.tickets").fetchall() == [("1",)]



def test_a_range_loads_in_one_go_and_each_unreadable_file_leaves_only_its_own_date_as_it_was(con, tmp_path):
    """Five dates in one load_partitions call, as a run over a range loads them. Dates 2 and 4 each
    get one unreadable file beside a good one (a truncated JSON document; an envelope whose records
    field is a number); both keep what they had, named by their file; dates 1, 3 and 5 load."""
    key = ("servicenow", "incident")
    days = [date(2026, 1, d) for d in range(2, 7)]

    def envelope(*ids):
        return json.dumps({"result": [{"sys_id": i, "sys_updated_on": "2026-01-02 08:00:00"} for i in ids]})

    for day in days:  # what was there before: one record per date
        _write(tmp_path / f"servicenow/incident/{day}.json", envelope(f"old-{day.day}"))
    assert len(loader.load_partitions(con, ENTITY[key], tmp_path, days, LOADED_AT).partitions) == 5
    for day in days:
        _write(tmp_path / f"servicenow/incident/{day}.json", envelope(f"new-{day.day}a", f"new-{day.day}b"))
    _write(tmp_path / "servicenow/incident/2026-01-03_late.json", '{"result": [{"sys_id": "x", "sys_upd')
    _write(tmp_path / "servicenow/incident/2026-01-05_page2.json", '{"result": 7, "next": null}')

    result = loader.load_partitions(con, ENTITY[key], tmp_path, days, LOADED_AT)

    assert sorted(result.failures) == [date(2026, 1, 3), date(2026, 1, 5)]
    assert "2026-01-03_late.json: not valid JSON" in str(result.failures[date(2026, 1, 3)])
    assert '2026-01-05_page2.json: "result" holds a JSON ubigint, not an array' in str(
        result.failures[date(2026, 1, 5)]
    )
    assert [(p.extract_date.day, p.records) for p in result.partitions] == [(2, 2), (4, 2), (6, 2)]
    rows = con.execute(
        "SELECT day(_extract_date), record_id, _record_position FROM raw_servicenow.incident ORDER BY ALL"
    ).fetchall()
    assert rows == [
        (2, "new-2a", 1), (2, "new-2b", 2),
        (3, "old-3", 1),
        (4, "new-4a", 1), (4, "new-4b", 2),
        (5, "old-5", 1),
        (6, "new-6a", 1), (6, "new-6b", 2),
    ]

def test_a_corrupt_gzip_names_the_file(con, tmp_path):
    _write(tmp_path / "ninjaone/devices/2026-01-02.ndjson.gz", "not gzip at all")
    with pytest.raises(LandingFileError, match=r"2026-01-02\.ndjson\.gz"):
        _load(con, tmp_path, ("ninjaone", "devices"))


def test_mappings_load_trimmed_and_a_missing_column_names_the_file(con, tmp_path):
    _write(
        tmp_path / "mappings/clients.csv",
        "system,alias,client_id,client_name,note\nconnectwise, AcmeCo ,CLIENT-A-001,Acme Co,x\n",
    )
    counts = load_mappings(con, tmp_path, LOADED_AT)
    assert counts["clients"] == 1 and counts["states"] == 0
    assert con.execute("SELECT alias, _row->>'$.note' FROM raw_mappings.clients").fetchone() == ("AcmeCo", "x")

    _write(tmp_path / "mappings/states.csv", "system,state\nservicenow,1\n")
    with pytest.raises(LandingFileError, match=r"states\.csv: missing column\(s\) clock"):
        load_mappings(con, tmp_path, LOADED_AT)


def test_a_large_envelope_keeps_every_record_at_its_position(con, tmp_path):
    # 50,000 records: the n-th element carries the sys_id n-1 written in hex, so each row's
    # position can be checked against its content.
    records = [{"sys_id": f"{n:032x}", "sys_updated_on": "2026-01-02 08:00:00"} for n in range(50_000)]
    _write(tmp_path / "servicenow/sys_audit/2026-01-02.json.gz", json.dumps({"result": records}), gz=True)
    result = _load(con, tmp_path, ("servicenow", "sys_audit"))
    assert (result.loaded, result.quarantined) == (50_000, 0)
    misplaced = con.execute(
        "SELECT count(*) FROM raw_servicenow.sys_audit WHERE record_id <> printf('%032x', _record_position - 1)"
    ).fetchone()[0]
    assert misplaced == 0


def test_several_ndjson_pages_of_one_date_all_load(con, tmp_path):
    # An API pull writes one file per page: several NDJSON files share an extract date.
    for page in range(1, 4):
        lines = [json.dumps({"id": 1000 + 10 * page + i, "lastContact": 1767312000.0 + i}) for i in range(2)]
        _write(tmp_path / f"ninjaone/devices/2026-01-02_api-{page:06d}.ndjson", "\n".join(lines) + "\n")
    result = _load(con, tmp_path, ("ninjaone", "devices"))
    assert [f.loaded for f in result.files] == [2, 2, 2]
    assert con.execute("SELECT count(DISTINCT record_id) FROM raw_ninjaone.devices").fetchall() == [(6,)]


def test_a_decisions_file_takes_the_configured_format_or_iso_8601(con, tmp_path):
    _write(
        tmp_path / "reviews/decisions/2026-01-30.csv",
        "exception_id,decision,decided_by,decided_at,note\n"
        "e1,billed,ana,2026-01-30 09:00:00,\n"
        "e2,excluded,ana,2026-01-30T10:30:00Z,\n"
        "e3,billed,ana,30 January,\n",
    )
    result = _load(con, tmp_path, ("reviews", "decisions"), date(2026, 1, 30))
    assert (result.loaded, result.quarantined) == (2, 1)
    assert con.execute("SELECT record_id, updated_at FROM raw_reviews.decisions ORDER BY 1").fetchall() == [
        ("e1", datetime(2026, 1, 30, 9, 0)),
        ("e2", datetime(2026, 1, 30, 10, 30)),
    ]


@pytest.mark.parametrize("gz", [False, True], ids=["ndjson", "ndjson_gz"])
@pytest.mark.parametrize("chunk_lines, chunk_bytes", [(3, 2**20), (1000, 200)], ids=["3_lines", "200_bytes"])
def test_a_multi_chunk_ndjson_keeps_positions_counts_and_quarantine_across_chunks(
    con, tmp_path, monkeypatch, gz, chunk_lines, chunk_bytes
):
    # The loader streams NDJSON: small chunks here (3 lines; or ~200 bytes, one or two lines)
    # put malformed lines on both sides of chunk boundaries.
    monkeypatch.setattr(loader, "CHUNK_LINES", chunk_lines)
    monkeypatch.setattr(loader, "CHUNK_BYTES", chunk_bytes)
    sizes = []
    load_chunk = loader._load_chunk
    monkeypatch.setattr(loader, "_load_chunk", lambda *args: sizes.append(args[-1].num_rows) or load_chunk(*args))

    def entry(n, **extra):
        return json.dumps({"id": n, "timeStart": "2026-01-02T08:00:00Z", "timeEnd": "2026-01-02T09:00:00Z",
                           "actualHours": 1, "_info": {"lastUpdated": "2026-01-02T10:00:00Z"}, **extra}).encode()

    lines = [
        b"\xef\xbb\xbf" + entry(1),  # 1: the file's BOM: dropped
        entry(2),
        b'{"id": 3, "_info": {"lastUp',  # 3: invalid_json, the last line of chunk 1
        b"\xef\xbb\xbf" + entry(4),  # 4: a BOM not at the file's start: invalid_json, first of chunk 2
        entry(5),
        b"",  # 6: blank, the last line of chunk 2: not a record
        entry(7, notes="caf\xe9").replace(b"caf\\u00e9", b"caf\xe9"),  # 7: invalid_encoding, first of chunk 3
        entry(8),
        json.dumps({"actualHours": 1, "_info": {"lastUpdated": "2026-01-02T10:00:00Z"}}).encode(),  # 9: missing_id
        entry(10),
        entry(11, timeEnd="2026-01-02T07:00:00Z"),  # 11: end_before_start
        entry(12),
        entry(13),
        entry(14),  # no newline after the last line
    ]
    data = b"\n".join(lines)
    name = "2026-01-02.ndjson" + (".gz" if gz else "")
    path = tmp_path / "connectwise/time_entries" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)

    result = _load(con, tmp_path, ("connectwise", "time_entries"))

    if chunk_lines == 3:
        assert sizes == [3, 3, 3, 3, 2]
    else:
        assert len(sizes) >= 5 and max(sizes) <= 3 and sum(sizes) == 14
    assert (result.records, result.loaded, result.quarantined) == (13, 8, 5)
    f = f"connectwise/time_entries/{name}"
    assert _quarantine(con) == [
        (f, 3, "invalid_json"),
        (f, 4, "invalid_json"),
        (f, 7, "invalid_encoding"),
        (f, 9, "missing_id"),
        (f, 11, "end_before_start"),
    ]
    rows = con.execute(
        "SELECT _record_position, record_id, _record_hash FROM raw_connectwise.time_entries ORDER BY 1"
    ).fetchall()
    assert [(p, i) for p, i, _ in rows] == [(1, "1"), (2, "2"), (5, "5"), (8, "8"), (10, "10"), (12, "12"),
                                           (13, "13"), (14, "14")]
    assert rows[0][2] == hashlib.md5(entry(1)).hexdigest()  # the record's text, without the BOM


def test_multi_chunk_csv_and_json_keep_their_positions(con, tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "CHUNK_LINES", 2)
    _write(
        tmp_path / "servicenow/incident/2026-01-02.csv",
        "sys_id,sys_updated_on\n" + "".join(f"c{n},{'x' if n == 2 else '2026-01-02 08:00:00'}\n" for n in range(1, 6)),
    )
    records = [{"sys_id": f"j{n}", "sys_updated_on": "2026-01-02 08:00:00"} if n != 3 else [n] for n in range(1, 6)]
    _write(tmp_path / "servicenow/incident/2026-01-02_api.json", json.dumps({"result": records}))

    result = _load(con, tmp_path, ("servicenow", "incident"))

    assert [(f.records, f.loaded) for f in result.files] == [(5, 4), (5, 4)]
    assert [r[1:] for r in _quarantine(con)] == [(2, "unparseable_stamp"), (3, "not_an_object")]
    rows = con.execute("SELECT record_id, _record_position FROM raw_servicenow.incident ORDER BY 1").fetchall()
    assert rows == [("c1", 1), ("c3", 3), ("c4", 4), ("c5", 5), ("j1", 1), ("j2", 2), ("j4", 4), ("j5", 5)]


@pytest.mark.parametrize(
    ("key", "record", "detail"),
    [
        # the opening stamp is where every SLA clock starts: a key field like the update stamp
        (("servicenow", "incident"), {"opened_at": "yesterday"}, "$.opened_at = yesterday"),
        (("servicenow", "incident"), {"opened_at": "2099-01-01 00:00:00"}, "$.opened_at = 2099-01-01 00:00:00"),
        (("connectwise", "tickets"), {"_info": {"dateEntered": "2026-13-01T00:00:00Z"}},
         "$._info.dateEntered = 2026-13-01T00:00:00Z"),
        (("jira", "issues"), {"fields": {"created": "2099-01-05T10:00:00.000+0000"}},
         "$.fields.created = 2099-01-05T10:00:00.000+0000"),
    ],
)
def test_an_unreadable_or_future_opening_stamp_quarantines_its_record_naming_the_field(
    con, tmp_path, key, record, detail
):
    """The record beside it, opened well or not at all, loads."""
    stamps = {
        "servicenow": ({"sys_updated_on": "2026-01-02 08:00:00"}, "sys_id", "0" * 32, "1" * 32),
        "connectwise": ({"_info": {"lastUpdated": "2026-01-02T08:00:00Z"}}, "id", 1, 2),
        "jira": ({"fields": {"updated": "2026-01-02T08:00:00.000+0000"}}, "id", "1", "2"),
    }
    updated, id_field, bad_id, good_id = stamps[key[0]]

    def merged(base: dict, extra: dict) -> dict:
        out = json.loads(json.dumps(base))
        for name, value in extra.items():
            out[name] = {**out.get(name, {}), **value} if isinstance(value, dict) else value
        return out

    bad = merged({id_field: bad_id, **updated}, record)
    good = {id_field: good_id, **updated}
    _write(tmp_path / f"{key[0]}/{key[1]}/2026-01-02.ndjson", json.dumps(bad) + "\n" + json.dumps(good) + "\n")
    result = _load(con, tmp_path, key)
    assert (result.loaded, result.quarantined) == (1, 1)
    reason = "future_stamp" if "2099" in detail else "unparseable_stamp"
    assert con.execute("SELECT reason, detail FROM raw_quarantine.quarantined_records").fetchall() == [
        (reason, detail)
    ]
