"""What every benchmark script shares: a command timed under /usr/bin/time -v, and its own
section of BENCHMARKS.md replaced in place."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(command: list[str], env: dict[str, str] | None = None) -> dict[str, float | str]:
    """Run a command under /usr/bin/time -v; wall and CPU seconds, peak RSS in MiB, stdout."""
    result = subprocess.run(["/usr/bin/time", "-v", *command], cwd=REPO, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")

    def field(label: str) -> str:
        return re.search(rf"{re.escape(label)}: (.+)", result.stderr).group(1).strip()

    wall_parts = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    return {
        "wall_s": sum(part * 60**i for i, part in enumerate(reversed(wall_parts))),
        "cpu_s": float(field("User time (seconds)")) + float(field("System time (seconds)")),
        "peak_mib": int(field("Maximum resident set size (kbytes)")) / 1024,
        "stdout": result.stdout,
    }


def write_section(path: Path, section: str, lines: list[str]) -> None:
    """Replace the section headed `section` in BENCHMARKS.md (or add it); other sections stay."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start = text.find(section)
    if start >= 0:
        end = text.find("\n## ", start + len(section))
        text = text[:start] + (text[end + 1 :] if end >= 0 else "")
    path.write_text(text.rstrip("\n") + "\n\n" + "\n".join(lines))
