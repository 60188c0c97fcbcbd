"""Benchmark: the same dbt build on DuckDB, PostgreSQL and a local Spark session, on one world.

    python benchmarks/warehouse_benchmark.py [--clients 3] [--days 14] [--seed 11] [--no-postgres]

1. Generates the world (by default the one tests/integration/test_dbt_postgres.py and
   test_dbt_spark.py build) and runs `usm run` on it, which loads the raw layer into DuckDB.
2. Copies the raw layer into a fresh PostgreSQL database (pipelines/lib/raw_export.py) and
   exports it as Parquet (pipelines/lib/lakehouse.py), each timed.
3. Runs `dbt build --full-refresh --exclude-resource-type unit_test` on each target in turn
   (models and data tests; dbt's unit tests run on DuckDB only), under /usr/bin/time -v: wall
   seconds, and the peak memory of all the build's processes together (Spark's JVM is a child
   of dbt's process; PostgreSQL's server is not). No CPU figure: /usr/bin/time does not count
   the JVM's.
4. Prints the figures and writes them to this script's section of BENCHMARKS.md.

The Spark figure is of a local session on this machine, for correctness, not speed: one dbt
thread, each model a Spark job planned and run on two cores, where a cluster would spread
larger data over many.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from measure import timed, write_section

REPO = Path(__file__).resolve().parent.parent
SECTION = "## The dbt project on three warehouses (`benchmarks/warehouse_benchmark.py`)"
POSTGRES = {"USM_WAREHOUSE_HOST": "127.0.0.1", "USM_WAREHOUSE_PORT": "5432", "USM_WAREHOUSE_USER": "postgres"}
DATABASE = "usm_warehouse_bench"


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def dbt_build(target: str, work: Path) -> list[str]:
    return [str(REPO / ".venv" / "bin" / "dbt"), "build", "--full-refresh", "--exclude-resource-type", "unit_test",
            "--target", target, "--quiet", "--profiles-dir", "dbt_project", "--project-dir", "dbt_project",
            "--target-path", str(work / "dbt" / target), "--log-path", str(work / "dbt" / target)]


def psql(statement: str) -> None:
    server = ["-h", POSTGRES["USM_WAREHOUSE_HOST"], "-U", POSTGRES["USM_WAREHOUSE_USER"], "-d", "postgres"]
    subprocess.run(["psql", *server, "-q", "-c", statement], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", default="/tmp/usm-warehouse-bench")
    parser.add_argument("--no-postgres", action="store_true", help="leave out the PostgreSQL build")
    parser.add_argument("--output", default=str(REPO / "BENCHMARKS.md"))
    args = parser.parse_args()

    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    warehouse, lakehouse = work / "warehouse.duckdb", work / "lakehouse"
    env = {
        **os.environ,
        "USM_LANDING_DIR": str(work / "landing"),
        "USM_DUCKDB_PATH": str(warehouse),
        "USM_OUTPUT_DIR": str(work / "output"),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "USM_LAKEHOUSE_PATH": str(lakehouse),
        "USM_SPARK_HOME": str(work / "spark"),
        **POSTGRES,
        "USM_WAREHOUSE_DATABASE": DATABASE,
    }
    world = ["--clients", str(args.clients), "--days", str(args.days), "--seed", str(args.seed)]
    subprocess.run(python("-m", "pipelines.cli", "generate", "--out", env["USM_LANDING_DIR"], *world),
                   cwd=REPO, env=env, check=True, capture_output=True)
    subprocess.run(python("-m", "pipelines.cli", "run"), cwd=REPO, env=env, check=True, capture_output=True)
    print(f"world: {args.clients} clients, {args.days} days, seed {args.seed}; raw loaded by usm run")

    prepared = {}
    if not args.no_postgres:
        psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        psql(f"CREATE DATABASE {DATABASE}")
        prepared["postgres"] = timed(python("-m", "pipelines.lib.raw_export", str(warehouse)), env)
    prepared["spark"] = timed(python("-m", "pipelines.lib.lakehouse", str(warehouse), str(lakehouse)), env)
    records = sum(int(line.split(": ")[1].split()[0]) for line in str(prepared["spark"]["stdout"]).splitlines())
    builds = {}
    for target in ("local", *([] if args.no_postgres else ["postgres"]), "spark"):
        builds[target] = timed(dbt_build(target, work), env)
        measured = builds[target]
        print(f"{target}: dbt build {measured['wall_s']:.1f} s wall, peak {measured['tree_peak_mib']:,.0f} MiB")
    if not args.no_postgres:
        psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    shutil.rmtree(work, ignore_errors=True)

    names = {"local": "DuckDB (target `local`)", "postgres": "PostgreSQL 15, this machine's server (target `postgres`)",
             "spark": "Spark 4.3, a local session, `local[2]`, one dbt thread (target `spark`)"}
    steps = {"postgres": "copy raw into PostgreSQL (`raw_export`)", "spark": "export raw as Parquet (`lakehouse`)"}
    mem_total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        SECTION,
        "",
        f"Written by `benchmarks/warehouse_benchmark.py --clients {args.clients} --days {args.days} --seed {args.seed}`"
        f" on {date.today().isoformat()}, {os.cpu_count()} cores, {mem_total:.0f} GiB, {platform.platform()}: the"
        f" world of the warehouse tests ({records:,} raw rows), `dbt build --full-refresh` (models and data tests,"
        " no unit tests) on each target in turn, nothing else running. Peak memory is that of all the build's"
        " processes together: dbt, and Spark's JVM (PostgreSQL's server is not one of them).",
        "",
        "| warehouse | raw layer prepared | dbt build, wall | peak memory |",
        "|---|---|---|---|",
    ]
    for target, measured in builds.items():
        step = f"{steps[target]}: {prepared[target]['wall_s']:.1f} s" if target in prepared else "loaded by `usm run`"
        peak = f"{measured['tree_peak_mib']:,.0f} MiB"
        lines.append(f"| {names[target]} | {step} | {measured['wall_s']:.1f} s | {peak} |")
    lines += [
        "",
        "The Spark build is a local session's, for correctness, not speed: every mart equals DuckDB's row for"
        " row (tests/integration/test_dbt_spark.py), and the time is Spark's fixed cost per model (planning a"
        " job, starting its tasks) times about 80 models, one at a time, on two cores; the data is a few"
        " thousand rows. A cluster spreads large data over many cores but pays the same cost per model.",
    ]
    write_section(Path(args.output), SECTION, lines)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
