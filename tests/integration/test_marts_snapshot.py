"""Analysts never block the pipeline: the published snapshot stays readable during a run,
and the run completes while an analyst holds it open."""

import subprocess
import sys
import time

import duckdb
import pytest
from conftest import usm

pytestmark = pytest.mark.slow

# An analyst's session: opens the snapshot, then queries it once a second until told to stop.
ANALYST = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
while True:
    print(con.execute("SELECT count(*) FROM marts.fct_tickets").fetchone()[0], flush=True)
    time.sleep(1)
"""


def test_a_run_completes_while_an_analyst_holds_the_snapshot_open(tmp_path):
    env = {
        "USM_LANDING_DIR": str(tmp_path / "landing"),
        "USM_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "USM_OUTPUT_DIR": str(tmp_path / "output"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    usm("generate", "--out", str(tmp_path / "landing"), "--clients", "3", "--days", "6", "--seed", "3", env=env)
    usm("run", "--to", "2026-01-03", env=env)
    snapshot = tmp_path / "output" / "usm_marts.duckdb"
    with duckdb.connect(str(snapshot), read_only=True) as con:
        first = con.execute("SELECT count(*) FROM marts.fct_tickets").fetchone()[0]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert first == con.execute("SELECT count(*) FROM marts.fct_tickets").fetchone()[0] > 0

    analyst = subprocess.Popen([sys.executable, "-c", ANALYST, str(snapshot)], stdout=subprocess.PIPE, text=True)
    try:
        assert analyst.stdout.readline().strip() == "open"
        run = usm("run", env=env, check=False)  # all six days, with the analyst's session open
        time.sleep(1.5)
        assert analyst.poll() is None, "the analyst's session died during the run"
    finally:
        analyst.kill()
    seen = [int(line) for line in analyst.stdout.read().split()]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    # The open session kept reading the snapshot it opened: consistent, never half-built.
    assert set(seen) == {first}
    with duckdb.connect(str(snapshot), read_only=True) as con:
        after = con.execute("SELECT count(*) FROM marts.fct_tickets").fetchone()[0]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert after == con.execute("SELECT count(*) FROM marts.fct_tickets").fetchone()[0] > first
