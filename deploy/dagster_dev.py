"""Runs a command (`make dev`: `dagster dev`) so that Ctrl-C, SIGTERM or a closed terminal stops all of it.

Why it exists: a script that starts `make dev &` hands every process SIGINT ignored, and `dagster dev`
maps SIGTERM onto its SIGINT handler, so neither signal stopped it and seven processes stayed. And
`dagster dev` gives its webserver and daemon 60 s each to stop; its code servers outlive it by a few
seconds. Here the command starts with default signal handling in its own process group, a stop signal
reaches the whole group as SIGINT (what a terminal's Ctrl-C sends), and whatever is left after a grace
period is killed, so everything is gone within 10 s of the signal. A second signal kills at once.

Usage: python deploy/dagster_dev.py COMMAND [ARG...]
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

from pipelines.settings import use_dagster_event_settings

# dagster dev stops its webserver, daemon and code server in 3-5 s on an idle machine, 7 s under load.
GRACE_SECONDS = 6
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


def main(command: list[str]) -> int:
    stops: list[int] = []
    # A Python handler (unlike an inherited SIG_IGN) is reset to the default in the child on exec.
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda signum, _frame: stops.append(signum))
    # A blocked signal would never reach the handler, and the mask is inherited by the command too.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if sys.platform == "linux":
        # The code servers outlive dagster dev: as their reaper we see them go, not their zombies
        # waiting for init.
        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    use_dagster_event_settings()  # for the runs the UI and the daemon create and execute
    child = subprocess.Popen(command, process_group=0)
    forwarded = 0
    deadline = None
    while True:
        if len(stops) > forwarded:
            _signal_group(child.pid, signal.SIGKILL if forwarded else signal.SIGINT)
            forwarded = len(stops)
        if child.poll() is not None:
            _reap_orphans()
        if not _signal_group(child.pid, 0):
            break
        # Counted from the stop signal, or from the command's own end.
        if stops or child.returncode is not None:
            deadline = deadline or time.monotonic() + GRACE_SECONDS
        if time.monotonic() > (deadline or float("inf")):
            _signal_group(child.pid, signal.SIGKILL)
            break
        time.sleep(0.2)
    child.wait()
    if stops:
        return 0
    return child.returncode if child.returncode >= 0 else 128 - child.returncode


def _reap_orphans() -> None:
    """Once the command itself is reaped, every other child of ours is an orphan it left."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _signal_group(pgid: int, signum: int) -> bool:
    """Signals the process group; False when none of it is left."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
