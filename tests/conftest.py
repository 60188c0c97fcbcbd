"""Shared fixtures: generated worlds run through the whole pipeline, once per test session."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# The real data nobody here wrote: read in place, never copied into the repository.
SHARED_DIR = Path(os.environ.get("USM_SHARED_DIR") or REPO_ROOT.parent / "shared")


def require_shared_data(path: Path) -> None:
    """Skip, saying why, when the shared data is not beside this checkout; CI sets
    USM_REQUIRE_SHARED_DATA=1 when it has found it, so there the test cannot skip."""
    if not path.exists():
        if os.environ.get("USM_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"{path} is missing (USM_SHARED_DIR={SHARED_DIR})")
        pytest.skip(f"{path} is not here; set USM_SHARED_DIR to the folder that holds data/")


# The default demo world, and two other seeds (smaller): each world costs about 2.5 minutes of the
# suite (a whole run, its packets and the reruns), and the suite must stay under 20 minutes.
WORLDS = {
    "demo-seed7": {"seed": 7, "clients": 12, "days": 90},
    "seed11": {"seed": 11, "clients": 6, "days": 45},
    "seed31": {"seed": 31, "clients": 6, "days": 30},
}


@dataclass
class World:
    name: str
    landing: Path
    truth: Path
    warehouse: Path
    run_output: str
    """What `usm run` printed: build_world's two runs, one after the other."""
    dagster_home: str = ""
    env: dict[str, str] | None = None

    @property
    def output(self) -> Path:
        return Path(self.env["USM_OUTPUT_DIR"])

    def months(self) -> list[str]:
        """The window's months, YYYY-MM, from the generator's parameters."""
        parameters = json.loads((self.truth / "manifest.json").read_text())["parameters"]
        first = date.fromisoformat(parameters["start"])
        last = first + timedelta(days=parameters["days"] - 1)
        months = []
        while first <= last:
            months.append(first.strftime("%Y-%m"))
            first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return months

    def truth_rows(self, name: str) -> list[dict[str, str]]:
        with (self.truth / name).open(newline="") as handle:
            return list(csv.DictReader(handle))

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def query_dicts(self, sql: str) -> list[dict]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def usm(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=check,
    )


def dbt(*args: str, warehouse: Path) -> None:
    """dbt on the repository's project against another warehouse file (a copy, a hand-made one)."""
    executable = REPO_ROOT / ".venv" / "bin" / "dbt"
    subprocess.run(
        [
            str(executable if executable.exists() else "dbt"),
            *args,
            "--quiet",
            "--profiles-dir",
            ".",
            "--project-dir",
            ".",
        ],
        cwd=REPO_ROOT / "dbt_project",
        env={**os.environ, "USM_DUCKDB_PATH": str(warehouse)},
        check=True,
    )


POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
"""This machine's PostgreSQL server: trust auth."""


def postgres_admin():
    """A connection to the server, or a skip that says why; CI sets USM_REQUIRE_POSTGRES=1 so
    that it can never skip silently."""
    import psycopg2

    try:
        return psycopg2.connect(dbname="test", connect_timeout=5, **POSTGRES)
    except psycopg2.OperationalError as error:
        if os.environ.get("USM_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"no PostgreSQL on {POSTGRES['host']}:{POSTGRES['port']} ({error}); CI requires it")


@pytest.fixture
def postgres_database():
    """A fresh PostgreSQL database for one test, dropped afterwards (the test is repeatable)."""
    import uuid

    name = f"usm_test_{uuid.uuid4().hex[:8]}"
    admin = postgres_admin()
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def instance_home(name: str) -> str:
    """A Dagster instance folder in memory when the machine has one: the SQLite event log
    syncs every event to disk, which is most of a small run's wall time on a slow disk."""
    import tempfile

    parent = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    return tempfile.mkdtemp(prefix=f"usm-{name}-", dir=parent)


INCREMENTAL_DAYS = 2
"""The last days of a world, loaded by a second `usm run` after the others (build_world)."""


def build_world(base: Path, name: str, seed: int, clients: int, days: int) -> World:
    """A generated world run through `usm run`, in two runs (the second builds dbt incrementally)."""
    landing, truth, warehouse = base / "landing", base / "truth", base / "warehouse.duckdb"
    env = {
        "USM_LANDING_DIR": str(landing),
        "USM_DUCKDB_PATH": str(warehouse),
        "USM_OUTPUT_DIR": str(base / "output"),
        "DAGSTER_HOME": (dagster_home := instance_home(name)),
    }
    usm(
        "generate",
        "--out",
        str(landing),
        "--truth",
        str(truth),
        "--seed",
        str(seed),
        "--clients",
        str(clients),
        "--days",
        str(days),
        env=env,
    )
    # Two runs, as a site runs day after day: the days before the last few, then those, so that the
    # second run's dbt build is incremental and every test reads an incrementally built warehouse.
    last_day = date.fromisoformat(json.loads((truth / "manifest.json").read_text())["parameters"]["start"])
    last_day += timedelta(days=days - 1)
    first_incremental_day = last_day - timedelta(days=INCREMENTAL_DAYS - 1)
    outputs = []
    for dates in (["--to", str(first_incremental_day - timedelta(days=1))], ["--from", str(first_incremental_day)]):
        run = usm("run", *dates, env=env, check=False)
        assert run.returncode == 0, (
            f"usm run {' '.join(dates)} failed for {name}:\n{run.stdout[-4000:]}\n{run.stderr[-8000:]}"
        )
        outputs.append(run.stdout)
    return World(name, landing, truth, warehouse, "".join(outputs), dagster_home, env)


_BUILT: dict[str, World] = {}


def shared_world(tmp_path_factory, name: str) -> World:
    """A world of WORLDS, built once per test session however many tests ask for it: read it, or
    change a copy of it (copy_world)."""
    if name not in _BUILT:
        _BUILT[name] = build_world(tmp_path_factory.mktemp(name), name, **WORLDS[name])
    return _BUILT[name]


def copy_world(world: World, base: Path, name: str) -> World:
    """A copy of a built world to change: its landing, warehouse, output and Dagster instance."""
    import shutil

    landing, warehouse, output = base / "landing", base / "warehouse.duckdb", base / "output"
    shutil.copytree(world.landing, landing)
    shutil.copy2(world.warehouse, warehouse)
    if world.output.exists():
        shutil.copytree(world.output, output)
    dagster_home = instance_home(name)
    shutil.copytree(world.dagster_home, dagster_home, symlinks=True, dirs_exist_ok=True)
    env = {**world.env, "USM_LANDING_DIR": str(landing), "USM_DUCKDB_PATH": str(warehouse),
           "USM_OUTPUT_DIR": str(output), "DAGSTER_HOME": dagster_home}
    return World(name, landing, world.truth, warehouse, world.run_output, dagster_home, env)


@pytest.fixture(scope="session", params=list(WORLDS))
def world(request, tmp_path_factory) -> World:
    return shared_world(tmp_path_factory, request.param)


@pytest.fixture(scope="session")
def packets(world: World) -> World:
    """The world with its evidence packets written for every month of its window (usm packet)."""
    months = world.months()
    result = usm("packet", "--month", months[0], "--to", months[-1], env=world.env, check=False)
    assert result.returncode == 0, f"usm packet failed for {world.name}:\n{result.stdout}\n{result.stderr[-6000:]}"
    return world
