"""The marts against the generator's truth: every finding it injected is found, and nothing else.

The truth files are written by the generator from its own world model (what it injected);
they never come from the pipeline's logic. Each test compares a whole mart both ways.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pytest

pytestmark = pytest.mark.slow


def _norm(value) -> str | None:
    """One spelling for values from CSV text and from DuckDB."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    return text.lower() if text.lower() in {"true", "false"} else text


def _diff(expected: set, actual: set, limit: int = 15) -> str:
    missing, extra = sorted(expected - actual, key=str), sorted(actual - expected, key=str)
    return f"missing {len(missing)}: {missing[:limit]}\nunexpected {len(extra)}: {extra[:limit]}"


def _compare_table(world, truth_file: str, mart: str, key: str, columns: list[str]) -> None:
    expected = {
        tuple(_norm(row[c]) for c in [key, *columns]) for row in world.truth_rows(truth_file)
    }
    actual = {
        tuple(_norm(row[c]) for c in [key, *columns])
        for row in world.query_dicts(f"SELECT * FROM marts.{mart}")
    }
    assert expected == actual, f"{world.name}: marts.{mart} vs truth/{truth_file}\n" + _diff(expected, actual)


def test_normalization_exceptions_are_exactly_the_injected_ones(world):
    columns = ["system", "entity", "field", "raw_value", "reason", "occurrences"]
    expected = {tuple(_norm(r[c]) for c in columns) for r in world.truth_rows("normalization_exceptions.csv")}
    actual = {
        tuple(_norm(v) for v in row)
        for row in world.query(f"SELECT {', '.join(columns)} FROM marts.normalization_exceptions")
    }
    assert expected, "the generator injected no normalization defect: the test would prove nothing"
    assert expected == actual, _diff(expected, actual)


def test_every_ticket_matches_the_truth_field_by_field(world):
    columns = [
        "source_system", "client_id", "department", "category", "priority", "status_category",
        "opened_at", "first_responded_at", "resolved_at", "closed_at", "asset_id", "origin_alert_uid",
        "is_duplicate",
    ]
    _compare_table(world, "tickets.csv", "fct_tickets", "ticket_id", columns)


def test_work_items_group_exactly_the_tickets_the_generator_linked(world):
    truth_groups = defaultdict(set)
    for row in world.truth_rows("tickets.csv"):
        truth_groups[row["work_item"]].add(row["ticket_id"])
    mart_groups = defaultdict(set)
    for ticket_id, work_item_id in world.query("SELECT ticket_id, work_item_id FROM marts.fct_tickets"):
        mart_groups[work_item_id].add(ticket_id)
    expected = {frozenset(g) for g in truth_groups.values()}
    actual = {frozenset(g) for g in mart_groups.values()}
    assert any(len(g) >= 3 for g in expected), "no alert -> PSA ticket -> incident chain in the truth"
    assert expected == actual, _diff(expected, actual, limit=5)


def test_dim_clients_match_the_truth(world):
    columns = ["client_name", "psa_company_id", "itsm_company_sys_id", "esm_organization_id", "rmm_organization_id"]
    _compare_table(world, "clients.csv", "dim_clients", "client_id", columns)


def test_dim_assets_match_the_truth(world):
    columns = ["client_id", "asset_class", "department", "rmm_device_id", "cmdb_sys_id", "name_conforms"]
    _compare_table(world, "assets.csv", "dim_assets", "asset_id", columns)


def test_quarantine_holds_exactly_the_malformed_records(world):
    columns = ["system", "entity", "source_file", "record_position", "reason"]
    expected = {tuple(_norm(r[c]) for c in columns) for r in world.truth_rows("quarantine.csv")}
    actual = {
        tuple(_norm(v) for v in row)
        for row in world.query(f"SELECT {', '.join(columns)} FROM raw_quarantine.quarantined_records")
    }
    assert expected, "the generator injected no malformed record"
    assert expected == actual, _diff(expected, actual)


def test_every_record_of_every_file_is_loaded_or_quarantined(world):
    """records in (counted by the generator as it wrote each file) = loaded + quarantined."""
    expected = {(r["source_file"], int(r["records"])) for r in world.truth_rows("record_counts.csv")}
    raw_tables = world.query(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema LIKE 'raw_%' AND table_schema NOT IN ('raw_mappings', 'raw_quarantine', 'raw_loads')"
    )
    union = " UNION ALL ".join(f"SELECT _source_file AS f FROM {t}" for (t,) in raw_tables)
    actual = set(
        world.query(
            f"SELECT f, count(*) FROM ({union} UNION ALL "
            "SELECT source_file FROM raw_quarantine.quarantined_records) GROUP BY f"
        )
    )
    assert expected == actual, _diff(expected, actual)


def test_odd_ids_load_and_only_warn(world):
    """An audit entry whose sys_id is a GUID, not 32 hex characters, is that record's key: it loads,
    and the raw id-shape check warns; the run still exits 0 (build_world asserts it)."""
    odd = {r["record_id"] for r in world.truth_rows("defects.csv") if r["defect"] == "odd_id"}
    if not odd:
        pytest.skip(f"{world.name}: the generator drew no odd id")
    loaded = {
        record_id for (record_id,) in world.query("SELECT DISTINCT record_id FROM raw_servicenow.sys_audit")
    }
    assert odd <= loaded
    assert "warning: check raw_servicenow/sys_audit:id_shapes" in world.run_output


def test_usm_run_reports_every_step_and_the_records_it_loaded(world):
    """The progress lines a user watches: every step once, k of n, and at the end the records
    loaded, which the truth knows (records written minus records malformed). The world was built
    in two runs (conftest.build_world): their records loaded add up to the truth's."""
    import re

    runs = re.split(r"^(?=run \S+: \d+ extract dates)", world.run_output, flags=re.M)[1:]
    assert len(runs) == 2, world.run_output[-2000:]
    loaded = 0
    for output in runs:
        progress = re.findall(r"^\[\s*(\d+)/(\d+)\] (\S+)\s+\S+.*records loaded so far: ([\d,]+)$", output, re.M)
        assert progress, output[-2000:]
        steps, total = [int(k) for k, *_ in progress], int(progress[-1][1])
        assert steps == list(range(1, total + 1))
        assert {verdict for _, _, verdict, _ in progress} == {"ok"}
        loaded += int(progress[-1][3].replace(",", ""))
    written = sum(int(r["records"]) for r in world.truth_rows("record_counts.csv"))
    malformed = len(world.truth_rows("quarantine.csv"))
    assert loaded == written - malformed
