"""Security: values from input are data, never SQL; no file outside the configured folders is
read or written, whatever a file name, a link or a client id says."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest
from test_loader import _load, _write

from pipelines.evidence.packets import _write_packet
from pipelines.sources.landing import LandingFileError

HOSTILE = "1'); DROP TABLE raw_connectwise.tickets; --"


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        yield connection


def test_values_that_look_like_sql_load_as_data(con, tmp_path):
    record = {
        "id": HOSTILE,
        "summary": "'; DELETE FROM raw_quarantine.quarantined_records; --",
        "_info": {"lastUpdated": "2026-01-02T10:00:00Z"},
    }
    _write(tmp_path / "landing/connectwise/tickets/2026-01-02.json", json.dumps([record]))
    _load(con, tmp_path / "landing", ("connectwise", "tickets"))
    rows = con.execute("select record_id, record->>'$.summary' from raw_connectwise.tickets").fetchall()
    assert rows == [(HOSTILE, record["summary"])]


def test_a_csv_header_that_looks_like_sql_is_a_key_not_an_identifier(con, tmp_path):
    header = 'number,"x"" ; DROP TABLE raw_servicenow.incident; --",sys_updated_on'
    _write(tmp_path / "landing/servicenow/incident/2026-01-02.csv", f"{header}\nINC1,boom,2026-01-02 10:00:00\n")
    from pipelines.settings import CsvDialect

    _load(
        con,
        tmp_path / "landing",
        ("servicenow", "incident"),
        dialect=CsvDialect(id_column="number", updated_column="sys_updated_on"),
    )
    (record,) = con.execute("select record from raw_servicenow.incident").fetchone()
    assert json.loads(record)['x" ; DROP TABLE raw_servicenow.incident; --'] == "boom"


def test_a_landing_file_that_links_outside_the_landing_folder_is_refused(con, tmp_path):
    secret = tmp_path / "outside" / "secret.ndjson"
    _write(secret, '{"id": 1, "_info": {"lastUpdated": "2026-01-02T10:00:00Z"}}\n')
    link = tmp_path / "landing/connectwise/time_entries/2026-01-02.ndjson"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    with pytest.raises(LandingFileError, match="outside the landing folder"):
        _load(con, tmp_path / "landing", ("connectwise", "time_entries"))
    loaded = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw_connectwise' "
        "and table_name = 'time_entries'"
    ).fetchone()[0] and con.execute("select count(*) from raw_connectwise.time_entries").fetchone()[0]
    assert not loaded


def test_a_decisions_file_that_links_outside_is_refused(con, tmp_path):
    secret = tmp_path / "elsewhere.csv"
    _write(secret, "exception_id,decision,decided_by,decided_at\nx,billed,a,2026-01-02 10:00:00\n")
    link = tmp_path / "landing/reviews/decisions/2026-01-02.csv"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    with pytest.raises(LandingFileError, match="outside the landing folder"):
        _load(con, tmp_path / "landing", ("reviews", "decisions"))


@pytest.mark.parametrize("client_id", ["../../etc", "a/b", ".hidden", "organisation", ""])
def test_a_client_id_cannot_name_a_packet_folder_outside_its_month(tmp_path, client_id):
    with pytest.raises(ValueError, match="cannot name a packet folder"):
        _write_packet(None, tmp_path / "evidence" / "2026-03", date(2026, 3, 1), client_id, "x", "USD")
    assert not (tmp_path / "evidence").exists()


def test_a_mapping_file_that_links_outside_the_landing_folder_is_refused(con, tmp_path):
    from datetime import datetime

    from pipelines.sources.loader import load_mappings

    secret = tmp_path / "secret.csv"
    _write(secret, "client_id,client_name\nCLIENT-A-1,Acme\n")
    link = tmp_path / "landing/mappings/clients.csv"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    with pytest.raises(LandingFileError, match=r"clients\.csv.*outside the landing folder"):
        load_mappings(con, tmp_path / "landing", datetime(2026, 1, 3))
