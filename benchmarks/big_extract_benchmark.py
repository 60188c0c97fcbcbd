"""Benchmark: one big NDJSON extract through the loader, with bounded memory.

    python benchmarks/big_extract_benchmark.py [--gib 1.0] [--workdir /tmp/usm-big] [--no-gzip]

1. Writes `connectwise/time_entries/2026-01-02.ndjson` of about `--gib` GiB: time entries shaped
   like `pipelines/generator/render_connectwise.py`'s (one template, ids, members, hours and stamps
   varying), with one truncated line every 100,000 so the quarantine is exercised too; and the
   same file gzipped (`.ndjson.gz`, another landing folder).
2. Loads each with `load_partition` into a fresh DuckDB file, in a subprocess under
   /usr/bin/time -v: wall and CPU seconds, peak RSS.
3. Prints the figures and writes them to this script's section of BENCHMARKS.md.

A script, not a timed test: the target is a peak RSS well below the file's size (under 1 GiB
for a 1 GiB file), because the loader streams NDJSON in chunks (docs/landing.md, "The raw tables").
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import sys
from datetime import date
from pathlib import Path

from measure import timed, write_section

from pipelines.sources.loader import CHUNK_LINES, LOAD_MEMORY_LIMIT

REPO = Path(__file__).resolve().parent.parent
SECTION = "## Big extract, bounded memory (`benchmarks/big_extract_benchmark.py`)"
DAY = date(2026, 1, 2)
RELATIVE = f"connectwise/time_entries/{DAY.isoformat()}.ndjson"
MALFORMED_EVERY = 100_000
# Measured once by hand, for comparison (not by this script): the same 1 GiB file through the
# loader as it was before it streamed, which read the whole file into Python.
BEFORE = (
    "For comparison, the loader before streaming (commit 0f97cb0, which read the whole file into Python) "
    "peaked at 8,524 MiB on the same plain 1 GiB file, in 34.3 s."
)

MEMBERS = [(177, "aokafor", "Ada Okafor", "Systems Engineer"), (178, "bchen", "Bo Chen", "Service Desk Analyst"),
           (179, "cdiaz", "Carla Diaz", "Network Engineer"), (180, "dnovak", "Dan Novak", "Field Technician")]
WORK_TYPES = [(536, "Monitoring Response"), (537, "Remote Support"), (538, "Onsite Support"), (539, "Project Work")]
COMPANIES = [(250 + n, f"Client{n:03d}", f"Client {n:03d} Ltd") for n in range(40)]

# One time entry: the generator's shape (render_connectwise.time_entry), as its compact JSON.
TEMPLATE = (
    '{{"id":{id},"company":{{"id":{cid},"identifier":"{cident}","name":"{cname}"}},"chargeToId":{ticket},'
    '"chargeToType":"ServiceTicket","member":{{"id":{mid},"identifier":"{mident}","name":"{mname}"}},'
    '"workType":{{"id":{wid},"name":"{wname}"}},"workRole":{{"id":473,"name":"{role}"}},'
    '"agreement":{{"id":{agreement},"name":"Managed Services - {cname}"}},'
    '"timeStart":"2026-01-02T{h:02d}:{m:02d}:00Z","timeEnd":"2026-01-02T{h2:02d}:{m:02d}:00Z",'
    '"actualHours":{hours},"hoursBilled":{hours},"billableOption":"Billable","hourlyRate":110.0,'
    '"status":"ApprovedByTier2","notes":"Worked on the ticket",'
    '"_info":{{"lastUpdated":"2026-01-02T23:{m:02d}:{s:02d}Z","updatedBy":"ZAPIUSM",'
    '"dateEntered":"2026-01-02T{h2:02d}:{m:02d}:00Z","enteredBy":"ZAPIUSM"}}}}'
)

LOAD = """
import json, sys
from datetime import date, datetime
from pathlib import Path
import duckdb
from pipelines.sources.catalog import DATED_ENTITIES
from pipelines.sources.loader import load_partition

landing, db = Path(sys.argv[1]), sys.argv[2]
entity = next(e for e in DATED_ENTITIES if (e.system, e.entity) == ("connectwise", "time_entries"))
with duckdb.connect(db) as con:
    result = load_partition(con, entity, landing, date.fromisoformat(sys.argv[3]), datetime(2026, 1, 3, 2))
    raw = con.execute(f"SELECT count(*) FROM {entity.table}").fetchone()[0]
print(json.dumps({"records": result.records, "loaded": result.loaded, "quarantined": result.quarantined, "raw": raw}))
"""


def record(n: int) -> str:
    cid, cident, cname = COMPANIES[n % len(COMPANIES)]
    mid, mident, mname, role = MEMBERS[n % len(MEMBERS)]
    wid, wname = WORK_TYPES[(n // 7) % len(WORK_TYPES)]
    h, m = 8 + n % 10, n % 60
    quarters = 1 + n % 8
    return TEMPLATE.format(
        id=300_000 + n, cid=cid, cident=cident, cname=cname, ticket=100_000 + n // 3, mid=mid, mident=mident,
        mname=mname, wid=wid, wname=wname, role=role, agreement=cid + 1000, h=h, m=m, h2=h + (quarters + 3) // 4,
        hours=quarters * 0.25, s=n % 60,
    )


def write_extract(path: Path, target_bytes: int) -> int:
    """The NDJSON file of about target_bytes; returns its number of lines (records)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = n = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        while written < target_bytes:
            batch = []
            for _ in range(10_000):
                n += 1
                text = record(n)
                batch.append(text[: len(text) // 2] if n % MALFORMED_EVERY == 0 else text)
            block = "\n".join(batch) + "\n"
            handle.write(block)
            written += len(block)
    return n


def timed_load(command: list[str]) -> dict:
    """The load under /usr/bin/time -v, with the figures the child prints as its last line (JSON)."""
    result = timed(command)
    return {**result, **json.loads(str(result["stdout"]).strip().splitlines()[-1])}

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gib", type=float, default=1.0, help="size of the NDJSON file")
    parser.add_argument("--workdir", default="/tmp/usm-big")
    parser.add_argument("--no-gzip", action="store_true", help="skip the .ndjson.gz run")
    parser.add_argument("--output", default=str(REPO / "BENCHMARKS.md"))
    args = parser.parse_args()

    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    plain = work / "plain" / RELATIVE
    lines = write_extract(plain, int(args.gib * 2**30))
    malformed = lines // MALFORMED_EVERY
    print(f"{plain}: {plain.stat().st_size / 2**20:,.0f} MiB, {lines:,} lines ({malformed} truncated)")
    runs = [("NDJSON", plain)]
    if not args.no_gzip:
        packed = work / "gzip" / (RELATIVE + ".gz")
        packed.parent.mkdir(parents=True)
        with plain.open("rb") as source, gzip.open(packed, "wb", compresslevel=1) as target:
            shutil.copyfileobj(source, target, 16 * 2**20)
        print(f"{packed}: {packed.stat().st_size / 2**20:,.0f} MiB")
        runs.append(("NDJSON, gzip", packed))

    rows = []
    for label, path in runs:
        landing = path.parents[2]
        db = work / f"{landing.name}.duckdb"
        measured = timed_load([sys.executable, "-c", LOAD, str(landing), str(db), DAY.isoformat()])
        db.unlink()
        if (measured["records"], measured["quarantined"], measured["raw"]) != (lines, malformed, lines - malformed):
            sys.exit(f"{label}: expected {lines} records, {malformed} quarantined; got {measured}")
        rows.append((label, path.stat().st_size, measured))
        print(f"{label}: {measured['records']:,} records ({measured['quarantined']} quarantined) in "
              f"{measured['wall_s']:.1f} s, {measured['records'] / measured['wall_s']:,.0f} records/s, "
              f"peak RSS {measured['peak_mib']:,.0f} MiB")
    shutil.rmtree(work, ignore_errors=True)

    plain_size = rows[0][1]
    peak = max(m["peak_mib"] for _, _, m in rows)
    mem_total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines_out = [
        SECTION,
        "",
        f"Written by `benchmarks/big_extract_benchmark.py --gib {args.gib}` on {date.today().isoformat()}, "
        f"{os.cpu_count()} cores, {mem_total:.0f} GiB, {platform.platform()}: one ConnectWise time-entry "
        f"extract of {lines:,} records ({malformed} of them truncated lines) loaded by `load_partition` "
        "into a fresh DuckDB file, in a subprocess under `/usr/bin/time -v`.",
        "",
        "| file | size MiB | records | quarantined | wall s | CPU s | records/s | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {label} | {size / 2**20:,.0f} | {m['records']:,} | {m['quarantined']} | {m['wall_s']:.1f} | "
            f"{m['cpu_s']:.1f} | {m['records'] / m['wall_s']:,.0f} | {m['peak_mib']:,.0f} |"
            for label, size, m in rows
        ],
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        f"| peak RSS under 1 GiB and below the file's size ({plain_size / 2**30:.2f} GiB) | {peak / 1024:.2f} GiB | "
        f"{'met' if peak < min(1024, plain_size / 2**20) else 'missed'} |",
        "",
        f"The loader reads NDJSON {CHUNK_LINES:,} lines at a time and loads under DuckDB's memory limit lowered to "
        f"{LOAD_MEMORY_LIMIT // 2**20} MiB (the transaction's rows spill to disk past it), so the peak does not grow "
        f"with the file. {BEFORE}",
        "",
    ]
    write_section(Path(args.output), SECTION, lines_out)
    print("\n".join(lines_out))


if __name__ == "__main__":
    main()
