"""Declared tools (usm.yaml `tools:`, docs/landing.md, "Any other tool"): the settings, the catalog entry
and the one loader on a hand-written export of a made-up tool. The whole pipeline over such an
export: tests/integration/test_declared_csv_tool.py."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.sources.catalog import DATED_ENTITIES, dated_entities, declared_entity
from pipelines.sources.landing import LandingFileError
from pipelines.sources.loader import load_partition

DAY = date(2026, 1, 5)
LOADED_AT = datetime(2026, 1, 6, 2, 0)

TOOL = """\
tools:
  - system: tessera
    entity: tickets
    rows: per_update
    csv: {delimiter: ";", decimal_comma: true, encoding: "%s", null_marker: "-", date_format: "%%d-%%m-%%Y %%H:%%M"}
    columns: {id: Ref, updated: Changed, opened: Opened, resolved: Resolved, state: Status, client: Klant}
    numbers: [Uren]
"""


def _site(tmp_path: Path, monkeypatch, text: str) -> settings.SiteConfig:
    path = tmp_path / "usm.yaml"
    path.write_text(text)
    monkeypatch.setenv("USM_CONFIG", str(path))
    return settings.site_config()


def test_a_declared_tool_is_read_with_its_dialect_and_passed_to_dbt(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, TOOL % "latin-1")
    (tool,) = site.tools
    assert (tool.system, tool.entity, tool.rows, tool.numbers) == ("tessera", "tickets", "per_update", ("Uren",))
    dialect = site.csv_dialect("tessera")
    assert (dialect.delimiter, dialect.null_marker, dialect.encoding) == (";", "-", "latin-1")
    assert dialect.decimal_comma is True
    assert (dialect.id_column, dialect.updated_column, dialect.date_format) == ("Ref", "Changed", "%d-%m-%Y %H:%M")
    assert site.dbt_variables()["declared_tools"] == [
        {
            "system": "tessera",
            "entity": "tickets",
            "rows": "per_update",
            "date_format": "%d-%m-%Y %H:%M",
            "time_zone": "UTC",
            "columns": {
                "id": "Ref", "updated": "Changed", "opened": "Opened", "resolved": "Resolved",
                "state": "Status", "client": "Klant",
            },
        }
    ]
    entities = dated_entities(site)
    assert entities[: len(DATED_ENTITIES)] == DATED_ENTITIES
    assert entities[-1] == declared_entity(tool)
    assert (entities[-1].table, entities[-1].folder) == ("raw_tessera.tickets", "tessera/tickets")
    assert (entities[-1].id_field, entities[-1].stamp_field, entities[-1].non_negative) == (
        '$."Ref"', '$."Changed"', ('$."Uren"',)
    )


def test_without_tools_nothing_is_added(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, "time_zone: UTC\n")
    assert site.tools == ()
    assert "declared_tools" not in site.dbt_variables()
    assert dated_entities(site) == DATED_ENTITIES


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("system: tessera", "system: servicenow"), "shipped system or a reserved name"),
        (("system: tessera", "system: Tessera-2"), "lower-case name"),
        (("entity: tickets", "entity: ../x"), "lower-case name"),
        (("rows: per_update", "rows: per_day"), r"tools\[0\].rows: Input should be 'per_record' or 'per_update'"),
        (("updated: Changed, ", ""), r"must name \['updated'\]"),
        (("id: Ref, ", ""), r"must name \['id'\]"),
        (("state: Status", "status: Status"), r"unknown roles \['status'\]"),
        (('encoding: "latin-1"', 'encoding: "klingon"'), "not a known encoding"),
        (('delimiter: ";"', 'delimiter: ";;"'), "one character"),
        (("client: Klant", 'client: "Kl\\"ant"'), "not a usable column name"),
        (("decimal_comma: true", "id_column: Ref"), r"csv.id_column is set through columns.id"),
    ],
)
def test_a_wrong_declaration_is_refused_naming_what_is_wrong(tmp_path, monkeypatch, change, message):
    text = (TOOL % "latin-1").replace(*change)
    with pytest.raises(ValueError, match=message):
        _site(tmp_path, monkeypatch, text)


def test_a_tool_declared_twice_is_refused(tmp_path, monkeypatch):
    text = TOOL % "latin-1"
    with pytest.raises(ValueError, match="declared twice"):
        _site(tmp_path, monkeypatch, text + text.removeprefix("tools:\n"))


# One row per update, semicolons, decimal commas, day-first stamps, `-` for null; the client
# "Brasserie Française" and "Café" are written in the file's own encoding.
EXPORT = """\
Ref;Changed;Opened;Resolved;Status;Klant;Uren
T-1;05-01-2026 09:00;05-01-2026 09:00;-;Nieuw;Brasserie Française;0,25
T-1;05-01-2026 14:00;05-01-2026 09:00;05-01-2026 14:00;Opgelost;Brasserie Française;1.234,5
T-2;05-01-2026 10:00;05-01-2026 10:00;-;Nieuw;Café €uro;-
T-3;05-01-2026 11:00;05-01-2026 11:00;-;Nieuw;-;veel
T-4;05-01-2026 11:00;05-01-2026 11:00;-;Nieuw;-;-1,5
T-5;32-01-2026 11:00;05-01-2026 11:00;-;Nieuw;-;1
"""


def _load(tmp_path: Path, site: settings.SiteConfig, data: bytes):
    (tool,) = site.tools
    path = tmp_path / "landing" / "tessera" / "tickets" / "2026-01-05.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    con = duckdb.connect()
    result = load_partition(
        con, declared_entity(tool), tmp_path / "landing", DAY, LOADED_AT, site.csv_dialect("tessera")
    )
    return con, result


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "iso-8859-15", "utf-8"])
def test_the_export_loads_in_its_encoding_with_decimal_commas_day_first_stamps_and_its_null_marker(
    tmp_path, monkeypatch, encoding
):
    """DuckDB reads UTF-8 and latin-1 itself; cp1252 and latin-9 are transcoded to UTF-8 first."""
    site = _site(tmp_path, monkeypatch, TOOL % encoding)
    euro = "E" if encoding == "latin-1" else "€"  # latin-1 has no euro sign
    con, result = _load(tmp_path, site, EXPORT.replace("€", euro).encode(encoding))

    assert (result.records, result.loaded, result.quarantined) == (6, 3, 3)
    rows = con.execute(
        "SELECT record_id, updated_at, record->>'Klant', record->>'Resolved', record->>'Uren' "
        "FROM raw_tessera.tickets ORDER BY _record_position"
    ).fetchall()
    assert rows == [
        ("T-1", datetime(2026, 1, 5, 9, 0), "Brasserie Française", None, "0,25"),
        ("T-1", datetime(2026, 1, 5, 14, 0), "Brasserie Française", "05-01-2026 14:00", "1.234,5"),
        ("T-2", datetime(2026, 1, 5, 10, 0), f"Café {euro}uro", None, None),
    ]
    quarantined = con.execute(
        "SELECT record_position, reason, detail FROM raw_quarantine.quarantined_records ORDER BY 1"
    ).fetchall()
    assert quarantined == [
        (4, "not_a_number", '$."Uren" = veel'),
        (5, "negative_hours", '$."Uren" = -1,5'),
        (6, "unparseable_stamp", '$."Changed" = 32-01-2026 11:00'),
    ]


def test_a_byte_that_is_not_text_in_the_declared_encoding_fails_the_file_by_name(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, TOOL % "cp1252")
    header = b"Ref;Changed;Opened;Resolved;Status;Klant;Uren\n"
    with pytest.raises(LandingFileError, match=r"tickets/2026-01-05\.csv: not a readable CSV: not cp1252 text"):
        _load(tmp_path, site, header + b"T-1;05-01-2026 09:00;-;-;Nieuw;\x81;1\n")  # 0x81: no character in cp1252


# A real ITSM export's habits (issue: "unseen real exports"): several null markers, an empty
# cell (null whatever the markers), decimal commas in a numbers column left empty, a column to
# ignore, one to rename, a header that repeats a name, empty trailing columns and empty rows,
# ids with a space, and local stamps in the export's own time zone.
REAL_TOOL = """\
tools:
  - system: helpdesk
    rows: per_update
    csv:
      delimiter: ";"
      decimal_comma: true
      null_marker: ["#N/B", "-"]
      date_format: "%d.%m.%Y %H:%M"
      time_zone: Europe/Amsterdam
      ignore_columns: [Notes]
      rename_columns: {"Status#2": Previous status}
    columns: {id: Case, updated: Changed, state: Status}
    numbers: [Effort]
"""
REAL_EXPORT = (
    "Case;Changed;Status;Notes;Status;Effort;;;\n"
    "Case 1018;05.01.2026 09:00;Open;secret note;#N/B;1,5;;;\n"
    ";;;;;;;;\n"  # an empty row: skipped and counted, not a missing id
    "Case 1018;05.01.2026 10:30;Wait;-;Open;;;;\n"  # an empty Effort is null, not "not a number"
    ";;;;;;;;\n"
)


def test_a_real_exports_habits_load_without_quarantine(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, REAL_TOOL)
    (tool,) = site.tools
    path = tmp_path / "landing" / "helpdesk" / "tickets" / "2026-01-05.csv"
    path.parent.mkdir(parents=True)
    path.write_text(REAL_EXPORT)
    con = duckdb.connect()
    dialect = site.csv_dialect("helpdesk")
    result = load_partition(con, declared_entity(tool), tmp_path / "landing", DAY, LOADED_AT, dialect)

    assert (result.records, result.loaded, result.quarantined, result.empty_rows) == (2, 2, 0, 2)
    rows = con.execute(
        "SELECT record_id, updated_at, record->>'Status', record->>'Previous status', record->>'Effort',"
        " json_exists(record, '$.Notes') FROM raw_helpdesk.tickets ORDER BY _record_position"
    ).fetchall()
    # 09:00 and 10:30 in Amsterdam in January (CET, UTC+1) are 08:00 and 09:30 UTC
    assert rows == [
        ("Case 1018", datetime(2026, 1, 5, 8, 0), "Open", None, "1,5", False),
        ("Case 1018", datetime(2026, 1, 5, 9, 30), "Wait", "Open", None, False),
    ]


def test_a_repeated_header_name_not_renamed_or_ignored_fails_the_file_saying_how_to_fix_it(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, REAL_TOOL.replace('      rename_columns: {"Status#2": Previous status}\n', ""))
    (tool,) = site.tools
    path = tmp_path / "landing" / "helpdesk" / "tickets" / "2026-01-05.csv"
    path.parent.mkdir(parents=True)
    path.write_text(REAL_EXPORT)
    message = r'column "Status" appears twice .*columns 3 and 5.*"Status#2" is column 5'
    with pytest.raises(LandingFileError, match=message):
        load_partition(
            duckdb.connect(), declared_entity(tool), tmp_path / "landing", DAY, LOADED_AT,
            site.csv_dialect("helpdesk"),
        )


def test_an_event_log_may_leave_out_the_opened_column(tmp_path, monkeypatch):
    """Its first row's stamp is its opening (stg_declared__ticket_versions)."""
    site = _site(tmp_path, monkeypatch, REAL_TOOL)
    assert "opened" not in site.tools[0].columns
    with pytest.raises(ValueError, match=r"must name \['opened'\] \(rows: per_record\)"):
        _site(tmp_path, monkeypatch, REAL_TOOL.replace("rows: per_update", "rows: per_record"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("time_zone: Europe/Amsterdam", "time_zone: Mars/Olympus"), "not a time zone name"),
        (("ignore_columns: [Notes]", "ignore_columns: Notes"), r"csv.ignore_columns: must be a list"),
        (('rename_columns: {"Status#2": Previous status}', "rename_columns: [Status]"), "csv.rename_columns: must map"),
        (('null_marker: ["#N/B", "-"]', "null_marker: [1, 2]"), r"csv.null_marker: must be a list of non-empty texts"),
    ],
)
def test_a_wrong_reading_setting_is_refused_naming_it(tmp_path, monkeypatch, change, message):
    with pytest.raises(ValueError, match=message):
        _site(tmp_path, monkeypatch, REAL_TOOL.replace(*change))


def test_extracts_from_sets_where_partitions_start(tmp_path, monkeypatch):
    from pipelines.defs.partitions import extract_date_partitions, packet_month_partitions

    site = _site(tmp_path, monkeypatch, "extracts_from: 2010-03-15\n")
    assert site.extracts_from == date(2010, 3, 15)
    assert extract_date_partitions(site).get_first_partition_key() == "2010-03-15"
    assert packet_month_partitions(site).get_first_partition_key() == "2010-03-01"
    assert _site(tmp_path, monkeypatch, "time_zone: UTC\n").extracts_from == date(2016, 1, 1)
    with pytest.raises(ValueError, match=r"extracts_from: must be a date \(YYYY-MM-DD\), not 'last year'"):
        _site(tmp_path, monkeypatch, "extracts_from: last year\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time_zon: Europe/Amsterdam\n", "unknown key time_zon; did you mean time_zone?"),
        ("alerts:\n  amount_at_risk_treshold: 1\n",
         "unknown key alerts.amount_at_risk_treshold; did you mean amount_at_risk_threshold?"),
        ("csv:\n  servicenow:\n    delimitr: ';'\n", "unknown key csv.servicenow.delimitr; did you mean delimiter?"),
        (TOOL % "latin-1" + "    colums: {}\n", r"unknown key tools\[0\].colums; did you mean columns?"),
        ("retention:\n  days: 3\n", r"unknown key retention.days; did you mean raw_days\? \(known here: raw_days\)"),
    ],
)
def test_an_unknown_key_at_any_level_is_one_line_naming_it_and_what_it_could_be(tmp_path, monkeypatch, text, message):
    with pytest.raises(settings.SettingsError, match=message) as refused:
        _site(tmp_path, monkeypatch, text)
    assert "\n" not in str(refused.value)


def test_the_example_settings_are_valid_settings_with_their_example_tool_switched_on(tmp_path, monkeypatch):
    """usm.example.yaml is what people copy: it must read, and so must its commented example."""
    example = (Path(__file__).resolve().parents[2] / "usm.example.yaml").read_text()
    site = _site(tmp_path, monkeypatch, example)
    assert (site.currency, site.alerts.instance_name, site.tools) == ("USD", "usm", ())
    switched_on = re.sub(r"^# (tools:|  )", r"\1", example, flags=re.MULTILINE)
    (tool,) = _site(tmp_path, monkeypatch, switched_on).tools
    assert (tool.system, tool.csv.delimiter, tool.numbers) == ("tessera", ";", ("Hours",))
