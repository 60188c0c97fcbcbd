"""Raw data retention (usm.yaml `retention.raw_days`): superseded versions and quarantined text
older than the window go, every record's current version stays, and nothing happens when the
setting is absent. What else a nightly run leaves on disk is capped too (dbt's target folders)."""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg
import duckdb
import pytest

from pipelines.defs.ingestion.raw_retention import raw_retention
from pipelines.defs.resources import build_resources
from pipelines.settings import site_config
from pipelines.sources.catalog import DATED_ENTITIES
from pipelines.sources.loader import ensure_tables

D = date(2026, 3, 1)


def _warehouse(path) -> None:
    with duckdb.connect(str(path)) as con:
        ensure_tables(con, DATED_ENTITIES)
        rows = [
            # ticket 1: three versions, on days 1, 5 and 10; ticket 2: one version on day 1
            ("1", datetime(2026, 3, 1, 9), date(2026, 3, 1)),
            ("1", datetime(2026, 3, 5, 9), date(2026, 3, 5)),
            ("1", datetime(2026, 3, 10, 9), date(2026, 3, 10)),
            ("2", datetime(2026, 3, 1, 10), date(2026, 3, 1)),
        ]
        for record_id, updated_at, extract_date in rows:
            con.execute(
                "insert into raw_connectwise.tickets values "
                "('{}'::JSON, ?, ?, ?, 1, ?, now()::TIMESTAMP, md5(?))",
                [record_id, updated_at, f"connectwise/tickets/{extract_date}.json", extract_date, record_id],
            )
        for extract_date in (date(2026, 3, 1), date(2026, 3, 10)):
            con.execute(
                "insert into raw_quarantine.quarantined_records values "
                "('connectwise', 'tickets', ?, 2, ?, 'missing_id', 'no value at $.id', '{\"summary\": \"Jan\"}')",
                [f"connectwise/tickets/{extract_date}.json", extract_date],
            )


def _materialize(tmp_path, monkeypatch, config: str):
    warehouse = tmp_path / "warehouse.duckdb"
    _warehouse(warehouse)
    (tmp_path / "usm.yaml").write_text(config)
    monkeypatch.setenv("USM_CONFIG", str(tmp_path / "usm.yaml"))
    monkeypatch.setenv("USM_DUCKDB_PATH", str(warehouse))
    result = dg.materialize([raw_retention], resources=build_resources())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        versions = con.execute("select record_id, _extract_date from raw_connectwise.tickets order by all").fetchall()
        quarantine = con.execute(
            "select extract_date, reason, raw_text is not null from raw_quarantine.quarantined_records order by all"
        ).fetchall()
    return result, versions, quarantine


def test_retention_keeps_current_versions_and_drops_what_is_older_than_the_window(tmp_path, monkeypatch):
    # Newest extract date 10 March, 3 days kept: the cut-off is 7 March.
    result, versions, quarantine = _materialize(tmp_path, monkeypatch, "retention:\n  raw_days: 3\n")
    assert result.success
    assert versions == [("1", date(2026, 3, 10)), ("2", date(2026, 3, 1))]  # ticket 2's only version stays
    assert quarantine == [(date(2026, 3, 1), "missing_id", False), (date(2026, 3, 10), "missing_id", True)]
    metadata = result.asset_materializations_for_node("raw_maintenance__retention")[0].metadata
    assert metadata["retention_days"].value == 3
    assert "raw_connectwise.tickets: 2 superseded versions deleted" in metadata["pruned"].value


def test_without_the_setting_nothing_is_removed(tmp_path, monkeypatch):
    result, versions, quarantine = _materialize(tmp_path, monkeypatch, "time_zone: UTC\n")
    assert result.success
    assert len(versions) == 4 and all(kept for *_, kept in quarantine)


def test_a_retention_that_is_not_a_number_of_days_names_the_file(tmp_path, monkeypatch):
    (tmp_path / "usm.yaml").write_text("retention:\n  raw_days: forever\n")
    monkeypatch.setenv("USM_CONFIG", str(tmp_path / "usm.yaml"))
    with pytest.raises(ValueError, match="usm.yaml: retention.raw_days: Input should be a valid integer, not 'forev"):
        site_config()


def test_only_the_newest_dbt_invocation_folders_are_kept(tmp_path):
    """Each dbt build leaves a ~16 MB target folder; a year of nightly runs keeps ten, not 365."""
    import os

    from pipelines.lib.dbt_invocations import prune_invocation_folders

    folders = [tmp_path / f"usm_dbt_models-{n:03d}-abc" for n in range(14)]
    folders[0] = tmp_path / "4b6adeb"  # a run-operation's folder: a bare id
    for age, folder in enumerate(reversed(folders)):  # folders[-1] is the newest
        folder.mkdir()
        (folder / "dbt.log").write_text("")
        os.utime(folder, (1_000_000 - age, 1_000_000 - age))
    (tmp_path / "manifest.json").write_text("{}")  # dbt's own files and folders beside them stay
    (tmp_path / "compiled").mkdir()
    current = folders[-1]
    removed = prune_invocation_folders(current, keep=10)
    assert sorted(removed) == folders[:4]
    kept = sorted([f.name for f in folders[4:]] + ["compiled", "manifest.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == kept
