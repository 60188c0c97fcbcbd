"""Partitions follow the data: a date without an extract is not marked loaded, and the sensor
never asks again for a date whose files are loaded unchanged."""

from __future__ import annotations

import os
from datetime import date, timedelta

import dagster as dg
import pytest
from conftest import copy_world, shared_world


def _sensor_requests(world, cursor=None) -> list[str]:
    from pipelines.definitions import defs
    from pipelines.defs.automation import new_extract_files

    with dg.DagsterInstance.from_config(world.dagster_home) as instance, \
            dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=defs.get_repository_def()) as ctx:
        return sorted(request.partition_key for request in new_extract_files.evaluate_tick(ctx).run_requests)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A copy of a world run by `usm run`, as a user has it after `usm demo`."""
    return copy_world(shared_world(tmp_path_factory, "seed31"), tmp_path_factory.mktemp("partitions"), "partitions")


def test_the_sensor_switched_on_after_a_run_asks_for_nothing_then_only_a_changed_date(world, monkeypatch):
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    assert _sensor_requests(world) == []  # 30 dates loaded by `usm run`: none again
    # a file of 2026-01-07 written again (a re-delivered extract): that date alone
    (changed,) = sorted((world.landing / "servicenow" / "incident").glob("2026-01-07*"))
    stat = changed.stat()
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert _sensor_requests(world) == ["2026-01-07"]


def test_a_date_without_an_extract_is_not_marked_loaded(world, monkeypatch):
    """The world's extracts start on 2026-01-01; 2025-12-31 has none."""
    from pipelines.definitions import defs
    from pipelines.sources.catalog import dated_entities

    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    empty = date(2026, 1, 1) - timedelta(days=1)
    with dg.DagsterInstance.from_config(world.dagster_home) as instance:
        result = defs.resolve_job_def("pipeline").execute_in_process(
            instance=instance, partition_key=empty.isoformat(), raise_on_error=False
        )
        raw_keys = [dg.AssetKey([entity.schema, entity.entity]) for entity in dated_entities()]
        marked = {key: instance.get_materialized_partitions(key) for key in raw_keys}
        said = [
            entry.user_message for entry in instance.all_logs(result.run_id)
            if entry.user_message.startswith("no extract:")
        ]
    assert result.success  # nothing failed: there was nothing to do
    # only the site's mapping files (not dated) are read again; nothing dated, nothing built on it
    materialized = {event.asset_key.path[0] for event in result.get_asset_materialization_events()}
    assert materialized == {"raw_mappings"}
    assert all(empty.isoformat() not in partitions and "2026-01-01" in partitions for partitions in marked.values()
               if partitions)
    assert len(said) == len(raw_keys)
    assert said[0].endswith(f"has no file of any system dated {empty}; nothing loaded, and the date is not "
                            "marked materialized")
