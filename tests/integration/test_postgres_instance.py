"""Production instance storage: the same `usm run`, its instance on this machine's PostgreSQL.

Runs, materializations and check results must be recorded in PostgreSQL, read back here
through plain SQL on the database (not through the instance that wrote them).
"""

import os
import shutil

import psycopg2
import pytest
from conftest import POSTGRES, REPO_ROOT, usm

pytestmark = pytest.mark.slow

def test_usm_run_records_runs_materializations_and_checks_in_postgres(tmp_path, postgres_database):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "deploy" / "dagster.postgres.yaml", home / "dagster.yaml")
    env = {
        "DAGSTER_HOME": str(home),
        "USM_LANDING_DIR": str(tmp_path / "landing"),
        "USM_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "USM_PG_HOST": POSTGRES["host"],
        "USM_PG_PORT": str(POSTGRES["port"]),
        "USM_PG_USER": POSTGRES["user"],
        "USM_PG_PASSWORD": os.environ.get("USM_PG_PASSWORD", ""),
        "USM_PG_DB": postgres_database,
    }
    usm("generate", "--out", str(tmp_path / "landing"), "--clients", "3", "--days", "5", "--seed", "5", env=env)
    run = usm("run", env=env, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    # SQLite storage would have written these files; PostgreSQL storage writes none.
    assert not (home / "history").exists()

    with psycopg2.connect(dbname=postgres_database, **POSTGRES) as con, con.cursor() as cur:
        cur.execute("SELECT status FROM runs")
        assert [row[0] for row in cur.fetchall()] == ["SUCCESS"]
        cur.execute(
            "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
            "AND asset_key = %s",
            ['["marts", "fct_tickets"]'],
        )
        assert cur.fetchone()[0] == 1
        # 5 extract dates of tickets: one materialization per partition.
        cur.execute(
            "SELECT count(DISTINCT partition) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
            "AND asset_key = %s",
            ['["raw_connectwise", "tickets"]'],
        )
        assert cur.fetchone()[0] == 5
        cur.execute("SELECT count(*) FROM asset_check_executions WHERE execution_status = 'SUCCEEDED'")
        assert cur.fetchone()[0] > 20
