"""Benchmark: the whole pipeline against its floor, and the cost of one more day.

    python benchmarks/pipeline_benchmark.py [--clients 500] [--days 365] [--workdir /tmp/usm-bench]

1. Generates an MSP (`usm generate`) and prints the records per entity.
2. The floor: DuckDB alone reading every landing file once into memory (the faster of two).
3. The full pipeline: `usm run` on all dates, fresh warehouse and instance.
4. The incremental day: `usm run` for one new date on top of 30 days of history, and on top
   of all the other days (same new day's files, so the two differ only in history).

Each step runs under /usr/bin/time -v (wall, CPU, peak memory). Figures are printed and
written to BENCHMARKS.md with the machine's cores and memory, with where each run's time went:
its Dagster steps (from `usm run`'s progress lines) and the dbt build by layer (from the
build's run_results.json). A script, not a timed test.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from measure import timed, write_section

REPO = Path(__file__).resolve().parent.parent
SECTION = "## Whole pipeline (`benchmarks/pipeline_benchmark.py`)"

FLOOR_SQL = """
import sys, duckdb
from pathlib import Path
landing = Path(sys.argv[1])
con = duckdb.connect()
total = 0
for path in sorted(landing.rglob("*")):
    if not path.is_file() or path.parent.name == "mappings":
        continue
    name = path.name.removesuffix(".gz")
    if name.endswith(".ndjson"):
        sql = "SELECT count(*) FROM read_ndjson_objects(?, ignore_errors = true)"
    elif name.endswith(".json"):
        sql = "SELECT count(*) FROM read_json_objects(?, format = 'unstructured', ignore_errors = true)"
    elif name.endswith(".csv"):
        sql = "SELECT count(*) FROM read_csv(?, all_varchar = true)"
    else:
        continue
    total += con.execute(sql, [str(path)]).fetchone()[0]
print(total)
"""


def usm(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", *args]


def environment(work: Path, name: str, landing: Path) -> dict[str, str]:
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return {
        **os.environ,
        "USM_LANDING_DIR": str(landing),
        "USM_DUCKDB_PATH": str(folder / "warehouse.duckdb"),
        "USM_OUTPUT_DIR": str(folder / "output"),
        "DAGSTER_HOME": str(folder / "dagster_home"),
    }


STEP_LINE = re.compile(r"^\[\s*\d+/\S+\]\s+\S+\s+(?P<step>\S+)\s+(?P<seconds>[\d.]+) s")
DBT_TARGET = REPO / "dbt_project" / "target"


def step_seconds(stdout: str) -> dict[str, float]:
    """Seconds per kind of Dagster step, from `usm run`'s progress lines (pipelines/progress.py)."""
    kinds: dict[str, float] = defaultdict(float)
    for line in stdout.splitlines():
        if match := STEP_LINE.match(line):
            step = match["step"]
            kind = ("raw ingestion" if step.startswith("raw_") else "dbt build" if step == "usm_dbt_models"
                    else "Pandera checks" if "pandera" in step or "check" in step
                    else "snapshot, reports, maintenance")
            kinds[kind] += float(match["seconds"])
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


def breakdown(label: str, run: dict, since: float) -> list[str]:
    steps, layers = step_seconds(run["stdout"]), dbt_seconds(since)
    parts = [f"{kind} {seconds:.1f} s" for kind, seconds in sorted(steps.items(), key=lambda kv: -kv[1])]
    line = f"- {label}, {run['wall_s']:.1f} s wall: " + ", ".join(parts or ["no step lines"])
    if layers:
        nodes = sum(layers.values())
        line += "; inside the dbt build: " + ", ".join(
            f"{layer} {seconds:.1f} s" for layer, seconds in sorted(layers.items(), key=lambda kv: -kv[1]))
        line += f", and {steps.get('dbt build', nodes) - nodes:.1f} s outside its nodes (start-up, parsing, events)"
    return [line]


def record_counts(truth: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with (truth / "record_counts.csv").open() as handle:
        for row in csv.DictReader(handle):
            key = f"{row['system']}/{row['entity']}"
            counts[key] = counts.get(key, 0) + int(row["records"])
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", default="/tmp/usm-bench")
    parser.add_argument("--output", default=str(REPO / "BENCHMARKS.md"))
    args = parser.parse_args()

    work = Path(args.workdir)
    landing, truth = work / "landing", work / "truth"
    start = date(2026, 1, 1)
    # One day more than asked: the last day is "the new day" of the incremental runs.
    total_days = args.days + 1
    if not (truth / "manifest.json").exists():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        generated = timed(
            usm("generate", "--out", str(landing), "--truth", str(truth), "--clients", str(args.clients),
                "--days", str(total_days), "--seed", str(args.seed)),
            dict(os.environ),
        )
        print(f"generated in {generated['wall_s']:.0f} s")
    counts = record_counts(truth)
    records = sum(counts.values())
    for entity, n in sorted(counts.items()):
        print(f"  {entity:<32} {n:>12,}")
    print(f"  {'all records':<32} {records:>12,}")

    # The faster of two reads: the first may find the files outside the page cache, and a
    # floor that a cold disk inflates would flatter the ratio.
    floor = min((timed([sys.executable, "-c", FLOOR_SQL, str(landing)], dict(os.environ)) for _ in range(2)),
                key=lambda run: run["wall_s"])
    print(f"floor (DuckDB reads every file once): {floor['wall_s']:.1f} s, {floor['peak_mib']:.0f} MiB")

    new_day = start + timedelta(days=total_days - 1)
    last_history_day = new_day - timedelta(days=1)
    started = time.time()
    full = timed(usm("run", "--to", last_history_day.isoformat()), environment(work, "full", landing))
    where = breakdown(f"full pipeline, {args.days} days", full, started)
    print(f"full pipeline ({args.days} days): {full['wall_s']:.1f} s, CPU {full['cpu_s']:.1f} s, "
          f"{full['peak_mib']:.0f} MiB")

    increments = {}
    for history_days in sorted({30, args.days}):
        env = environment(work, f"incremental_{history_days}", landing)
        history_start = new_day - timedelta(days=history_days)
        timed(usm("run", "--from", history_start.isoformat(), "--to", last_history_day.isoformat()), env)
        started = time.time()
        day = timed(usm("run", "--from", new_day.isoformat(), "--to", new_day.isoformat()), env)
        increments[history_days] = day
        where += breakdown(f"one new day on {history_days} days of history", day, started)
        print(f"new day on {history_days} days of history: {day['wall_s']:.1f} s, {day['peak_mib']:.0f} MiB")

    ratio = full["wall_s"] / floor["wall_s"]
    growth = increments[max(increments)]["wall_s"] / increments[30]["wall_s"]
    memory_gib = full["peak_mib"] / 1024
    mem_total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        SECTION,
        "",
        f"Written by `benchmarks/pipeline_benchmark.py --clients {args.clients} --days {args.days}` "
        f"on {os.cpu_count()} cores, {mem_total:.0f} GiB, {platform.platform()}.",
        "",
        "| entity | records |",
        "|---|---:|",
        *[f"| {entity} | {n:,} |" for entity, n in sorted(counts.items())],
        f"| **all** | **{records:,}** |",
        "",
        "| step | wall s | CPU s | peak MiB | records/s |",
        "|---|---:|---:|---:|---:|",
        f"| floor: DuckDB reads every file once | {floor['wall_s']:.1f} | {floor['cpu_s']:.1f} | "
        f"{floor['peak_mib']:.0f} | {records / floor['wall_s']:,.0f} |",
        f"| full pipeline, {args.days} days | {full['wall_s']:.1f} | {full['cpu_s']:.1f} | "
        f"{full['peak_mib']:.0f} | {records / full['wall_s']:,.0f} |",
        *[
            f"| one new day on {h} days of history | {d['wall_s']:.1f} | {d['cpu_s']:.1f} | {d['peak_mib']:.0f} | |"
            for h, d in sorted(increments.items())
        ],
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        f"| full run within 4x the read floor | {ratio:.1f}x | "
        f"{'met' if ratio <= 4 else f'missed by {ratio / 4:.1f}x'} |",
        f"| new day on {max(increments)} days within 1.5x the new day on 30 days | {growth:.2f}x | "
        f"{'met' if growth <= 1.5 else f'missed by {growth / 1.5:.2f}x'} |",
        f"| peak memory under 4 GiB | {memory_gib:.2f} GiB | {'met' if memory_gib < 4 else 'missed'} |",
        "",
        "Where the time went (Dagster steps by kind, summed; dbt's own time per layer, summed over its nodes;"
        " `tests` are dbt's data and unit tests):",
        "",
        *where,
        "",
    ]
    write_section(Path(args.output), SECTION, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
