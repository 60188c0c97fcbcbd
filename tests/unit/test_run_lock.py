"""Two `usm run` on one warehouse: the second stops at once and says who holds it."""

import subprocess
import sys

from conftest import REPO_ROOT, usm

HOLDER = """
import sys, time
from pathlib import Path
from pipelines.lib.run_lock import exclusive_run
with exclusive_run(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(60)
"""


def _landing(tmp_path) -> None:
    """The least a run accepts: one extract and a mapping file."""
    (tmp_path / "landing/ninjaone/organizations").mkdir(parents=True)
    (tmp_path / "landing/ninjaone/organizations/2026-01-01.ndjson").write_text('{"id": 1, "name": "Acme"}\n')
    (tmp_path / "landing/mappings").mkdir()
    (tmp_path / "landing/mappings/clients.csv").write_text("system,alias,client_id,client_name\n")


def test_a_second_run_on_a_busy_warehouse_stops_with_a_clear_message(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    _landing(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        second = usm(
            "run", "--landing", str(tmp_path / "landing"), "--db", str(warehouse),
            env={"DAGSTER_HOME": str(tmp_path / "dagster_home")}, check=False,
        )
    finally:
        holder.kill()
    assert second.returncode == 3
    assert f"another usm run is writing {warehouse} (pid {holder.pid}" in second.stderr
    assert not warehouse.exists()  # refused up front: the warehouse was never opened


SESSION = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def test_a_session_holding_the_warehouse_is_named_at_once_then_the_run_gives_up_in_one_line(tmp_path):
    """An analyst's Python session left open on the warehouse: not a usm run, so DuckDB's lock."""
    warehouse = tmp_path / "warehouse.duckdb"
    _landing(tmp_path)
    session = subprocess.Popen(
        [sys.executable, "-c", SESSION, str(warehouse), "analysis"], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert session.stdout.readline().strip() == "open"
        run = usm(
            "run", "--landing", str(tmp_path / "landing"), "--db", str(warehouse),
            env={"DAGSTER_HOME": str(tmp_path / "dagster_home"), "USM_LOCK_WAIT_SECONDS": "2"}, check=False,
        )
    finally:
        session.kill()
    holder = f"PID {session.pid} ("  # then its command line, on one line
    assert run.returncode == 3
    assert run.stdout.splitlines()[0].startswith(f"usm run: {warehouse} is held by {holder}")
    assert run.stdout.splitlines()[0].endswith("; waiting up to 2 s for it to close")
    assert "-c import sys, time, duckdb con = duckdb.connect(sys.argv[1])" in run.stdout.splitlines()[0]
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"usm run: {warehouse} is still held by {holder}")
    assert "after 2 s; close that session" in line
