"""Benchmark: the whole pipeline against plain DuckDB, the cost of one more day, and of more days.

    python benchmarks/pipeline_benchmark.py [--clients 500] [--days 365] [--long-days 1095]
                                            [--workdir /tmp/usm-bench]

One command measures every figure of the targets of issue 15:

1. Generates an MSP (`usm generate`, one day more than --days: the last day is "the new day")
   under --workdir, or reuses the one generated there before with the same clients, days and seed.
2. Two floors over the full range (every extract file dated before the new day), the faster of two each:
   - the document count: DuckDB counts every file's JSON documents (CSV rows), keeping nothing;
   - the plain load: DuckDB loads every record as JSON with its file name into one table per
     entity (one `CREATE TABLE ... AS SELECT` over the entity's files, `ignore_errors`), in a
     fresh DuckDB file.
3. The full pipeline: `usm run` over the full range, fresh warehouse and instance. Its raw
   ingestion is the sum of its `raw_*` steps' seconds (from `usm run`'s progress lines).
4. The new day: `usm run` for the new date on top of 30 days of history, and on top of all
   --days (same new day's files, so the two differ only in history); and the plain load of that
   day's files alone.
5. With --long-days: the full pipeline again, on a world of that many days (same clients and seed);
   its target is 1.1 times the ratio of the days (3.3x for 1,095 days against 365).

Each step runs under /usr/bin/time -v: wall, CPU, and peak memory, of the largest process and of
all the step's processes together (sampled; the target's measure). The floors' figures include
starting Python and DuckDB, about 0.1 s. The figures, every ratio and
the verdicts against the targets are printed and written to BENCHMARKS.md with the machine, the
date and the commit, with where each run's time went: its Dagster steps (from `usm run`'s
progress lines) and the dbt build by layer (from the build's run_results.json). A script, not a
timed test.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
from measure import timed, write_section

from pipelines.sources.landing import FILE_NAME

REPO = Path(__file__).resolve().parent.parent

SECTION = "## Whole pipeline (`benchmarks/pipeline_benchmark.py`)"
START = date(2026, 1, 1)
GENERATION_PROGRESS_SECONDS = 30

# The floors read the files the benchmark lists for them: {"<system>/<entity>": {format: [path, ...]}}.
COUNT_DOCUMENTS = """
import json, sys, duckdb
from pathlib import Path
files = json.loads(Path(sys.argv[1]).read_text())
count = {
    "ndjson": "SELECT count(*) FROM read_ndjson_objects(?, ignore_errors = true)",
    "json": "SELECT count(*) FROM read_json_objects(?, format = 'unstructured', ignore_errors = true,"
            " maximum_object_size = 1073741824)",
    "csv": "SELECT count(*) FROM read_csv(?, all_varchar = true, union_by_name = true, ignore_errors = true)",
}
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")  # stdout is the count alone
print(sum(con.execute(count[fmt], [paths]).fetchone()[0]
          for formats in files.values() for fmt, paths in formats.items()))
"""

# A JSON file's records are its array, or the one array of a vendor's envelope ({"result": [...]}).
PLAIN_LOAD = """
import json, sys, duckdb
from pathlib import Path
files = json.loads(Path(sys.argv[1]).read_text())
records = {
    "ndjson": "SELECT filename, json AS record FROM read_ndjson_objects(?, filename = true, ignore_errors = true)",
    "json": "SELECT filename, unnest(CASE WHEN json_type(json) = 'ARRAY' THEN json_extract(json, '$[*]')"
            " ELSE json_extract(json, '$.*[*]') END) AS record"
            " FROM read_json_objects(?, format = 'unstructured', filename = true, ignore_errors = true,"
            " maximum_object_size = 1073741824)",
    "csv": "SELECT filename, to_json(struct_pack(*COLUMNS(* EXCLUDE (filename)))) AS record"
           " FROM read_csv(?, all_varchar = true, union_by_name = true, filename = true, ignore_errors = true)",
}
con = duckdb.connect(sys.argv[2])
con.execute("SET enable_progress_bar = false")  # stdout is the count alone
loaded = 0
for entity, formats in files.items():
    table = '"' + entity.replace("/", "__") + '"'
    con.execute(f"CREATE TABLE {table} AS " + " UNION ALL ".join(records[fmt] for fmt in formats),
                list(formats.values()))
    loaded += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
con.close()  # the checkpoint: the tables are in the file when the time stops
print(loaded)
"""


def usm(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", *args]


def fresh_folder(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


INSTANCE = "sqlite"
"""The Dagster instance storage of the runs (--instance): `sqlite`, what `usm run` uses out of the box,
or `postgres`, the production storage (deploy/dagster.postgres.yaml) on this machine's server."""
POSTGRES = {"USM_PG_HOST": "127.0.0.1", "USM_PG_PORT": "5432", "USM_PG_USER": "postgres", "USM_PG_PASSWORD": ""}


def environment(folder: Path, landing: Path) -> dict[str, str]:
    """`usm run`'s environment: a fresh warehouse, output and Dagster instance in `folder`."""
    fresh_folder(folder)
    home = folder / "dagster_home"
    env = {
        **os.environ,
        "USM_LANDING_DIR": str(landing),
        "USM_DUCKDB_PATH": str(folder / "warehouse.duckdb"),
        "USM_OUTPUT_DIR": str(folder / "output"),
        "DAGSTER_HOME": str(home),
    }
    if INSTANCE == "postgres":
        database = "usm_bench_" + re.sub(r"\W", "_", folder.name)
        for statement in (f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", f"CREATE DATABASE {database}"):
            subprocess.run(["psql", "-h", POSTGRES["USM_PG_HOST"], "-U", POSTGRES["USM_PG_USER"], "-d", "postgres",
                            "-q", "-c", statement], check=True)
        home.mkdir()
        shutil.copy(REPO / "deploy" / "dagster.postgres.yaml", home / "dagster.yaml")
        env.update(POSTGRES, USM_PG_DB=database)
    return env


def extract_files(landing: Path) -> Iterator[tuple[date, str, str, Path]]:
    """(extract date, "<system>/<entity>", format, path) of every extract file of the landing,
    named as the loader reads them; mappings/ and .usm/ hold no entity folder."""
    for path in sorted(landing.glob("*/*/*")):
        match = FILE_NAME.match(path.name)
        if not match or path.parts[-3].startswith(".") or not path.is_file():
            continue
        try:
            day = date.fromisoformat(match["date"])
        except ValueError:
            continue  # not a calendar date: not an extract, as for the loader
        yield day, f"{path.parts[-3]}/{path.parts[-2]}", match["format"], path


def world_folder(work: Path, clients: int, days: int, seed: int) -> Path:
    return work / f"{clients}-clients-{days}-days-seed-{seed}"


def generated_world(work: Path, clients: int, days: int, seed: int) -> Path:
    """The world's folder (landing/, truth/), generated unless a complete one is there: the
    generator writes the truth's manifest last. A long generation says how far it has got."""
    world = world_folder(work, clients, days, seed)
    if (world / "truth" / "manifest.json").exists():
        print(f"reusing the world in {world}")
        return world
    fresh_folder(world)  # a generation cut short leaves no manifest: start again
    command = usm("generate", "--out", str(world / "landing"), "--truth", str(world / "truth"),
                  "--clients", str(clients), "--days", str(days), "--start", START.isoformat(), "--seed", str(seed))
    print(f"generating {clients} clients x {days:,} days in {world}", flush=True)
    with ThreadPoolExecutor(max_workers=1) as pool:
        generation = pool.submit(timed, command, dict(os.environ))
        while not wait([generation], timeout=GENERATION_PROGRESS_SECONDS).done:
            newest = max((day for day, *_ in extract_files(world / "landing")), default=START - timedelta(days=1))
            print(f"  {(newest - START).days + 1:,} of {days:,} days written", flush=True)
        print(f"generated in {generation.result()['wall_s']:.0f} s")
    return world


def files_by_entity(landing: Path, first: date, last: date) -> dict[str, dict[str, list[str]]]:
    files: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for day, entity, fmt, path in extract_files(landing):
        if first <= day <= last:
            files[entity][fmt].append(str(path))
    return files


def records_by_entity(truth: Path, first: date, last: date) -> dict[str, int]:
    """The generator's count of the records written in the files dated `first` to `last`."""
    counts: dict[str, int] = defaultdict(int)
    with (truth / "record_counts.csv").open() as handle:
        for row in csv.DictReader(handle):
            if first <= date.fromisoformat(FILE_NAME.match(Path(row["source_file"]).name)["date"]) <= last:
                counts[f"{row['system']}/{row['entity']}"] += int(row["records"])
    return dict(counts)


def floor(world: Path, script: str, first: date, last: date) -> dict:
    """The faster of two runs of a floor's script over the files dated `first` to `last`, with the
    records it read: the first run may find the files outside the page cache, and a floor that a
    cold disk inflates would flatter the ratios. Each run has a fresh DuckDB file to load into."""
    listing = world / "floor_files.json"
    listing.write_text(json.dumps(files_by_entity(world / "landing", first, last)))
    runs = []
    for _ in range(2):
        database = fresh_folder(world / "plain_load") / "plain.duckdb"
        runs.append(timed([sys.executable, "-c", script, str(listing), str(database)], dict(os.environ)))
    fastest = min(runs, key=lambda run: run["wall_s"])
    return {**fastest, "records": int(fastest["stdout"])}


STEP_LINE = re.compile(r"^\[\s*\d+/\S+\]\s+\S+\s+(?P<step>\S+)\s+(?P<seconds>[\d.]+) s")
DBT_TARGET = REPO / "dbt_project" / "target"


def step_seconds(stdout: str) -> dict[str, float]:
    """Seconds per kind of Dagster step, from `usm run`'s progress lines (pipelines/progress.py).

    A check that runs apart from its asset is a step named after the asset and the check
    (`marts__fct_tickets_pandera_fct_tickets`, `raw_jira__issues_id_shapes`): it counts as a
    check, not as what it checks."""
    seconds = {match["step"]: float(match["seconds"]) for line in stdout.splitlines()
               if (match := STEP_LINE.match(line))}
    kinds: dict[str, float] = defaultdict(float)
    for step, took in seconds.items():
        is_check = "pandera" in step or "check" in step or any(step.startswith(f"{asset}_") for asset in seconds)
        kind = ("checks" if is_check
                else "raw ingestion" if step.startswith("raw_") and not step.startswith("raw_maintenance__")
                else "dbt build" if step == "usm_dbt_models"
                else "snapshot, reports, maintenance")
        kinds[kind] += took
    return dict(kinds)


def dbt_seconds(since: float) -> dict[str, float]:
    """Seconds per dbt layer (and for the data tests) of the newest build that started after `since`."""
    builds = [p for p in DBT_TARGET.glob("usm_dbt_models-*/run_results.json") if p.stat().st_mtime >= since]
    if not builds:
        return {}
    results = json.loads(max(builds, key=lambda p: p.stat().st_mtime).read_text())["results"]
    layers: dict[str, float] = defaultdict(float)
    for result in results:
        kind, _, name = result["unique_id"].split(".", 2)
        layer = (name.split("__")[0].split("_")[0] if kind == "model" else "tests")
        layers[{"stg": "staging", "int": "intermediate"}.get(layer, "marts" if kind == "model" else layer)] += (
            result["execution_time"])
    return dict(layers)


def pipeline_run(label: str, command: list[str], env: dict[str, str]) -> dict:
    """`usm run` timed, with where its time went: the line of BENCHMARKS.md's list, and its steps."""
    started = time.time()
    run = timed(command, env)
    run["steps"], layers = step_seconds(run["stdout"]), dbt_seconds(started)
    parts = [f"{kind} {seconds:.1f} s" for kind, seconds in sorted(run["steps"].items(), key=lambda kv: -kv[1])]
    line = f"- {label}, {run['wall_s']:.1f} s wall: " + ", ".join(parts or ["no step lines"])
    if layers:
        nodes = sum(layers.values())
        line += "; inside the dbt build: " + ", ".join(
            f"{layer} {seconds:.1f} s" for layer, seconds in sorted(layers.items(), key=lambda kv: -kv[1]))
        line += (f", and {run['steps'].get('dbt build', nodes) - nodes:.1f} s outside its nodes "
                 "(start-up, parsing, events)")
    run["where"] = line
    run["env"] = env
    print(f"{label}: {run['wall_s']:.1f} s, CPU {run['cpu_s']:.1f} s, {run['peak_mib']:.0f} MiB "
          f"(all its processes {run['tree_peak_mib']:.0f} MiB)", flush=True)
    return run


def target_row(target: str, measured: float, limit: float, unit: str) -> str:
    """A line of the verdict table for a figure that must stay at or under `limit`: met, or
    missed and by how much."""
    against = f"{measured:.2f}{unit} against {limit:g}{unit}"
    outcome = f"met: {against}" if measured <= limit else f"missed: {against}, {measured / limit:.2f} times over"
    return f"| {target} | {measured:.2f}{unit} | {outcome} |"


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if git("status", "--porcelain") else "")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {memory_gib:.0f} GiB, {platform.platform()}, "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}; load average "
            f"{os.getloadavg()[0]:.1f} at the start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--days", type=int, default=365, help="days of history of the full run (more than 30)")
    parser.add_argument("--long-days", type=int, default=0,
                        help="also run the full pipeline on a world of this many days (e.g. 1095, three years) "
                             "and compare it with the --days run; 0: not measured")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", default="/tmp/usm-bench", help="worlds and runs; a world is reused when there")
    parser.add_argument("--output", default=str(REPO / "BENCHMARKS.md"))
    parser.add_argument("--instance", choices=("sqlite", "postgres"), default="sqlite",
                        help="the runs' Dagster instance storage: sqlite (usm run's own) or postgres (production)")
    args = parser.parse_args()
    global INSTANCE
    INSTANCE = args.instance
    if args.days <= 30:
        parser.error("--days must be more than 30: the new day is compared on 30 days of history and on --days")
    if args.long_days and args.long_days <= args.days:
        parser.error("--long-days must be more than --days")
    measured_at, measured_commit, measured_on = datetime.now(UTC), commit(), machine()
    work = Path(args.workdir)

    # One day more than asked: the last day is "the new day" of the incremental runs.
    world = generated_world(work, args.clients, args.days + 1, args.seed)
    landing, truth = world / "landing", world / "truth"
    new_day = START + timedelta(days=args.days)
    last_history_day = new_day - timedelta(days=1)
    counts = records_by_entity(truth, START, last_history_day)
    records = sum(counts.values())
    for entity, n in sorted(counts.items()):
        print(f"  {entity:<32} {n:>12,}")
    print(f"  {'all records, full range':<32} {records:>12,}")

    count_floor = floor(world, COUNT_DOCUMENTS, START, last_history_day)
    plain_floor = floor(world, PLAIN_LOAD, START, last_history_day)
    for name, run, what in (("document count", count_floor, "documents counted"),
                            ("plain load", plain_floor, "records loaded")):
        print(f"floor, {name}: {run['wall_s']:.1f} s, {run['peak_mib']:.0f} MiB, {run['records']:,} {what}")

    full = pipeline_run(f"full pipeline, {args.days} days", usm("run", "--to", last_history_day.isoformat()),
                        environment(world / "full", landing))
    if "raw ingestion" not in full["steps"]:
        sys.exit("no raw_* step lines in usm run's output: its progress lines changed (pipelines/progress.py), "
                 f"STEP_LINE must follow them\n{full['stdout'][-3000:]}")
    raw = full["steps"]["raw ingestion"]

    increments = {}
    for history_days in (30, args.days):
        if history_days == args.days:
            env = full["env"]  # the full run's warehouse holds exactly these days
        else:
            env = environment(world / f"incremental_{history_days}", landing)
            history_start = new_day - timedelta(days=history_days)
            timed(usm("run", "--from", history_start.isoformat(), "--to", last_history_day.isoformat()), env)
        increments[history_days] = pipeline_run(f"one new day on {history_days} days of history",
                                                usm("run", "--from", new_day.isoformat(), "--to", new_day.isoformat()),
                                                env)
    day_plain = floor(world, PLAIN_LOAD, new_day, new_day)
    day_records = sum(records_by_entity(truth, new_day, new_day).values())
    print(f"plain load of the new day's files: {day_plain['wall_s']:.2f} s, {day_plain['records']:,} records")

    long_run = None
    if args.long_days:
        long_world = generated_world(work, args.clients, args.long_days + 1, args.seed)
        long_last_day = START + timedelta(days=args.long_days - 1)
        long_records = sum(records_by_entity(long_world / "truth", START, long_last_day).values())
        long_run = pipeline_run(f"full pipeline, {args.long_days} days",
                                usm("run", "--to", long_last_day.isoformat()),
                                environment(long_world / "full", long_world / "landing"))

    plain, new_day_wall = plain_floor["wall_s"], increments[args.days]["wall_s"]
    step_rows = [
        ("floor: DuckDB counts every file's JSON documents", count_floor, records),
        ("floor: plain DuckDB loads every record, one table per entity", plain_floor, records),
        (f"full pipeline, {args.days} days", full, records),
        *[(f"one new day on {h} days of history", run, day_records) for h, run in increments.items()],
        ("plain DuckDB loads the new day's files alone", day_plain, day_records),
        *([(f"full pipeline, {args.long_days} days", long_run, long_records)] if long_run else []),
    ]
    verdicts = [
        target_row(f"raw ingestion of the full range ({args.days} days) / plain-load floor, at most 2x",
                   raw / plain, 2, "x"),
        target_row("full pipeline, full range / plain-load floor, at most 5x", full["wall_s"] / plain, 5, "x"),
        target_row(f"new day on {args.days} days / the same day on 30 days, at most 1.2x",
                   new_day_wall / increments[30]["wall_s"], 1.2, "x"),
        f"| new day on {args.days} days / plain load of that day's files: stated, no target | "
        f"{new_day_wall / day_plain['wall_s']:.1f}x | {new_day_wall:.1f} s against {day_plain['wall_s']:.2f} s |",
        target_row("peak memory, full range (all the run's processes), under 2 GiB",
                   full["tree_peak_mib"] / 1024, 2, " GiB"),
    ]
    other_ratios = [
        f"plain-load floor / document-count floor {plain / count_floor['wall_s']:.1f}x",
        f"full pipeline / document-count floor {full['wall_s'] / count_floor['wall_s']:.1f}x",
        f"raw ingestion {raw:.1f} s, {raw / full['wall_s']:.0%} of the full run's wall",
        f"the plain load kept {plain_floor['records']:,} of the generator's {records:,} records",
        f"peak memory of the full run's largest process {full['peak_mib'] / 1024:.2f} GiB "
        "(the measure of issue 15's 2.6 GiB)",
    ]
    if long_run:
        days_ratio = args.long_days / args.days
        verdicts.append(target_row(
            f"full run, {args.long_days} days / {args.days} days ({days_ratio:.1f}x the days), "
            f"at most {1.1 * days_ratio:.2f}x", long_run["wall_s"] / full["wall_s"], 1.1 * days_ratio, "x"))
        other_ratios += [
            f"records, {args.long_days} days / {args.days} days {long_records / records:.2f}x",
            f"raw ingestion, {args.long_days} days / {args.days} days "
            f"{long_run['steps'].get('raw ingestion', 0) / raw:.2f}x",
        ]

    command = f"benchmarks/pipeline_benchmark.py --clients {args.clients} --days {args.days} --seed {args.seed}"
    command += f" --long-days {args.long_days}" if args.long_days else ""
    command += f" --instance {args.instance}" if args.instance != "sqlite" else ""
    lines = [
        SECTION,
        "",
        f"Written by `{command}`, measured from {measured_at:%Y-%m-%d %H:%M} UTC at commit {measured_commit}, "
        f"on {measured_on}. The full range is every extract date before the new day "
        f"({START} to {last_history_day}); the new day is {new_day}. Dagster instance: {INSTANCE} "
        f"({'PostgreSQL, the production storage' if INSTANCE == 'postgres' else 'SQLite, usm run’s own'}).",
        "",
        "| entity | records, full range |",
        "|---|---:|",
        *[f"| {entity} | {n:,} |" for entity, n in sorted(counts.items())],
        f"| **all** | **{records:,}** |",
        "",
        "| step | wall s | CPU s | peak MiB, largest process | peak MiB, all its processes | records | records/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {label} | {run['wall_s']:.1f} | {run['cpu_s']:.1f} | {run['peak_mib']:.0f} | "
          f"{run['tree_peak_mib']:.0f} | {n:,} | {n / run['wall_s']:,.0f} |" for label, run, n in step_rows],
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        *verdicts,
        "",
        "Other ratios: " + "; ".join(other_ratios) + ".",
        "",
        "Where the time went (Dagster steps by kind, summed; `checks` are the asset checks that run as steps"
        " of their own; dbt's own time per layer, summed over its nodes; `tests` are dbt's data and unit tests):",
        "",
        full["where"],
        *[run["where"] for run in increments.values()],
        *([long_run["where"]] if long_run else []),
        "",
    ]
    write_section(Path(args.output), SECTION, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
