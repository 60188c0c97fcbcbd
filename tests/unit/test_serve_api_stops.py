"""`usm serve-api` stops on SIGTERM even when its parent blocked the signal: a signal mask is
inherited across exec, and a full test run (or a process manager) may start it with SIGTERM
blocked. Before the fix, such a server ignored SIGTERM and the closure-sync test's teardown
timed out after 30 s in CI."""

from __future__ import annotations

import signal
import subprocess
import sys

from conftest import REPO_ROOT


def test_serve_api_stops_on_sigterm_even_when_started_with_it_blocked(tmp_path):
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        server = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "serve-api", "--port", "0", "--landing", str(tmp_path)],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    try:
        assert server.stdout.readline().startswith("usm serve-api:")
        server.terminate()
        server.communicate(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0
