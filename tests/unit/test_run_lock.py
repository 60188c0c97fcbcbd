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


def test_a_second_run_on_a_busy_warehouse_stops_with_a_clear_message(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    (tmp_path / "landing/ninjaone/organizations").mkdir(parents=True)
    (tmp_path / "landing/ninjaone/organizations/2026-01-01.ndjson").write_text('{"id": 1, "name": "Acme"}\n')
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
