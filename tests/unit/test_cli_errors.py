"""A user's mistake on the command line is one line naming its cause, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO_ROOT


@pytest.mark.parametrize(
    "args, line",
    [
        (["run", "--from", "2026-13-01"], "usm run: error: argument --from: not a date (YYYY-MM-DD): '2026-13-01'"),
        (["run", "--from", "2026-01-05", "--to", "2026-01-01"], "usm run: --to 2026-01-01 is before --from 2026-01-05"),
        (["generate", "--out", "x", "--clients", "0"],
         "usm generate: error: argument --clients: not a whole number of at least 1: '0'"),
        (["generate", "--out", "x", "--start", "tomorrow"],
         "usm generate: error: argument --start: not a date (YYYY-MM-DD): 'tomorrow'"),
    ],
)
def test_a_mistake_is_one_line_naming_it(args, line, tmp_path):
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=tmp_path, capture_output=True,
                         text=True, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1] == line
