"""What every benchmark script shares: a command timed under /usr/bin/time -v, and its own
section of BENCHMARKS.md replaced in place."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TREE_SAMPLE_SECONDS = 0.5


def tree_rss_mib(root: int) -> float:
    """Resident memory of a process and all its descendants now, from /proc."""
    parent, rss_pages = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command's name, which may hold spaces
        except OSError:
            continue  # ended while listed
        parent[int(stat.parent.name)], rss_pages[int(stat.parent.name)] = int(fields[1]), int(fields[21])
    tree, frontier = set(), {root}
    while frontier:
        tree |= frontier
        frontier = {pid for pid, ppid in parent.items() if ppid in frontier} - tree
    return sum(rss_pages.get(pid, 0) for pid in tree) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(command: list[str], env: dict[str, str] | None = None) -> dict[str, float | str]:
    """Run a command under /usr/bin/time -v; wall and CPU seconds, stdout, and two peaks in MiB:
    `peak_mib`, time's peak RSS of the largest single process, and `tree_peak_mib`, the most that
    the command's processes held together (sampled every half second): a Dagster run and the dbt
    build it starts are two processes."""
    process = subprocess.Popen(["/usr/bin/time", "-v", *command], cwd=REPO, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tree_peak = 0.0
    finished = threading.Event()

    def sample() -> None:
        nonlocal tree_peak
        while not finished.wait(TREE_SAMPLE_SECONDS):
            tree_peak = max(tree_peak, tree_rss_mib(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    finished.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{stdout[-3000:]}\n{stderr[-3000:]}")

    def field(label: str) -> str:
        return re.search(rf"{re.escape(label)}: (.+)", stderr).group(1).strip()

    wall_parts = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    peak_mib = int(field("Maximum resident set size (kbytes)")) / 1024
    return {
        "wall_s": sum(part * 60**i for i, part in enumerate(reversed(wall_parts))),
        "cpu_s": float(field("User time (seconds)")) + float(field("System time (seconds)")),
        "peak_mib": peak_mib,
        "tree_peak_mib": max(tree_peak, peak_mib),  # a run shorter than a sample is its largest process
        "stdout": stdout,
    }


def write_section(path: Path, section: str, lines: list[str]) -> None:
    """Replace the section headed `section` in BENCHMARKS.md where it stands (or add it at the
    end); other sections stay, and so do the notes that follow it."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    body = "\n".join(lines).rstrip("\n") + "\n"
    start = text.find(section)
    if start < 0:
        path.write_text(text.rstrip("\n") + "\n\n" + body)
        return
    end = text.find("\n## ", start + len(section))
    path.write_text(text[:start] + body + (text[end:] if end >= 0 else ""))
