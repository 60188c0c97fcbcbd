"""Crash safety, idempotency and concurrency of `usm run` on one small generated MSP.

One uninterrupted run is the reference. Running again, backfilling days already loaded, and
re-running after a SIGKILL during ingestion or during the dbt build must all end with the same
warehouse, table by table (checksums over every row; `_loaded_at`, the wall-clock instant a
record was loaded, is the one column that says when and is left out). A second `usm run`
beside a running one stops at once with a clear message and changes nothing.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT, instance_home, usm

pytestmark = pytest.mark.slow

WHEN_LOADED = "_loaded_at"


def checksums(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Per table of every schema: rows and an order-independent digest of their values."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_catalog = current_database() order by all"
        ).fetchall()
        sums = {}
        for schema, table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if c != WHEN_LOADED
            ]
            projection = ", ".join(f'"{c}"' for c in columns)
            sums[f"{schema}.{table}"] = con.execute(
                f"select count(*), coalesce(md5(string_agg(h, '' order by h)), '') "
                f'from (select md5(cast(row({projection}) as varchar)) as h from "{schema}"."{table}")'
            ).fetchone()
    return sums


class Site:
    """A landing folder, a warehouse and an instance: one place `usm run` works on."""

    def __init__(self, root: Path, landing: Path):
        self.root, self.landing = root, landing
        self.warehouse = root / "warehouse.duckdb"
        self.env = {
            "USM_LANDING_DIR": str(landing),
            "USM_DUCKDB_PATH": str(self.warehouse),
            "USM_OUTPUT_DIR": str(root / "output"),
            "DAGSTER_HOME": instance_home(root.name),
        }

    def run(self, *args: str) -> subprocess.CompletedProcess:
        result = usm("run", *args, env=self.env, check=False)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result

    def start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run"],
            cwd=REPO_ROOT,
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def dbt_log(self) -> str:
        logs = sorted(Path(self.env["DAGSTER_HOME"], "logs").glob("usm-run-*.log"), key=os.path.getmtime)
        return logs[-1].read_text(errors="replace") if logs else ""


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reliability")
    usm("generate", "--out", str(root / "landing"), "--clients", "3", "--days", "10", "--seed", "5", env={})
    return root / "landing"


@pytest.fixture(scope="module")
def reference(landing, tmp_path_factory) -> dict:
    site = Site(tmp_path_factory.mktemp("reference"), landing)
    site.run()
    return {"site": site, "sums": checksums(site.warehouse)}


def _kill_when(process: subprocess.Popen, ready, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "the run ended before the kill:\n" + process.stdout.read()[-3000:]
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL


def test_a_backfill_over_days_already_loaded_changes_nothing(reference, landing):
    site = reference["site"]
    days = sorted(p.name.split(".")[0] for p in (landing / "connectwise" / "tickets").iterdir())
    site.run("--from", days[2], "--to", days[5])
    assert checksums(site.warehouse) == reference["sums"]


def test_killed_during_ingestion_the_rerun_ends_with_the_same_warehouse(reference, landing, tmp_path):
    site = Site(tmp_path, landing)
    process = site.start()
    lines: list[str] = []

    def third_step_done() -> bool:
        # The progress lines arrive one per finished step; the third is a raw entity.
        line = process.stdout.readline()
        lines.append(line)
        return line.startswith("[  3/")

    _kill_when(process, third_step_done)
    _assert_no_partial_partition(site.warehouse, landing)
    site.run()
    assert checksums(site.warehouse) == reference["sums"]


def test_killed_during_the_dbt_build_the_rerun_ends_with_the_same_warehouse(reference, landing, tmp_path):
    site = Site(tmp_path, landing)
    process = site.start()
    _kill_when(process, lambda: "START sql table model intermediate." in site.dbt_log())
    site.run()
    assert checksums(site.warehouse) == reference["sums"]


def test_a_second_run_beside_a_running_one_stops_and_the_first_gives_the_same_warehouse_again(reference):
    site = reference["site"]
    first = site.start()
    try:
        assert first.stdout.readline().startswith("run "), "the first run did not start"
        second = usm("run", env=site.env, check=False)
    finally:
        rest, _ = first.communicate(timeout=600)
    assert second.returncode == 3
    assert "another usm run is writing" in second.stderr
    assert first.returncode == 0, rest[-3000:]
    # The first run was this warehouse's second (and after a backfill): still the same warehouse.
    assert checksums(site.warehouse) == reference["sums"]


def _assert_no_partial_partition(warehouse: Path, landing: Path) -> None:
    """After a kill, every landing file is either wholly in the warehouse (its valid records
    loaded and its malformed ones quarantined) or not at all: never half a partition."""
    truth = landing.parent / "truth"
    with (truth / "record_counts.csv").open(newline="") as handle:
        written = {(r["system"], r["entity"], r["source_file"]): int(r["records"]) for r in csv.DictReader(handle)}
    if not warehouse.exists():
        return
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # Raw tables name their file in _source_file, the quarantine in source_file.
        tables = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema like 'raw_%' and column_name in ('_source_file', 'source_file')"
        ).fetchall()
        seen: Counter = Counter()
        for schema, table, column in tables:
            for source_file, n in con.execute(
                f'select "{column}", count(*) from "{schema}"."{table}" group by all'
            ).fetchall():
                seen[source_file] += n
    partial = {
        source_file: (seen[source_file], n)
        for (_, _, source_file), n in written.items()
        if seen[source_file] not in (0, n)
    }
    assert partial == {}
