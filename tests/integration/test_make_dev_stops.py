"""`make dev` stops on Ctrl-C or SIGTERM within 10 s and leaves no process behind.

Each case starts the real `make dev` in a session of its own (so every process it starts can be
found by its session id), waits for the Dagster UI to answer, sends the signal the way a terminal
or a process manager does, and watches the session empty.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 150  # about 35 s on an idle machine; a stale dbt manifest adds a `dbt parse`
STOP_SECONDS = 10


def _session_members(sid: int) -> dict[int, str]:
    """pid -> command line of the live processes in the session. Zombies are left out: they hold
    nothing but their pid until their parent (here PID 1 for orphans) gets round to reaping them."""
    members = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        state, _ppid, _pgrp, session = stat[stat.rindex(")") + 2 :].split()[:4]
        if int(session) == sid and state != "Z":
            members[int(entry.name)] = cmdline
    return members


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    # SO_REUSEADDR as a webserver sets it: binding then fails only while something listens.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _ui_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _as_a_shell_starts_it() -> None:
    """Default dispositions and no blocked signal, whatever this test process inherited or set up
    (a test run under CI, in-process Dagster runs before this test)."""
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _ignore_sigint() -> None:
    # What bash does to `make dev &` in a script (no job control): the way the hang was reported.
    _as_a_shell_starts_it()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _signal_state(pid: int) -> str:
    """The blocked and ignored signal masks of a process, for a failure message."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return "gone"
    return " ".join(line.replace("\t", "") for line in lines if line.startswith(("SigBlk", "SigIgn")))


@pytest.mark.parametrize(
    ("signum", "to_group", "preexec"),
    [
        pytest.param(signal.SIGINT, True, _as_a_shell_starts_it, id="ctrl-c"),
        pytest.param(signal.SIGTERM, False, _as_a_shell_starts_it, id="sigterm"),
        pytest.param(signal.SIGTERM, False, _ignore_sigint, id="sigterm-started-in-background"),
    ],
)
def test_make_dev_stops(tmp_path, signum, to_group, preexec):
    port = _free_port()
    env = dict(
        os.environ,
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
        USM_LANDING_DIR=str(tmp_path / "landing"),
        USM_DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"),
        USM_OUTPUT_DIR=str(tmp_path / "output"),
    )
    log_path = tmp_path / "make_dev.log"
    with log_path.open("wb") as log:
        make = subprocess.Popen(
            ["make", "dev", f"PORT={port}"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=preexec,
        )
    sid = make.pid

    def log_tail() -> str:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])

    try:
        started = time.monotonic()
        while not _ui_answers(port):
            assert make.poll() is None, f"make dev ended with {make.returncode} before the UI answered:\n{log_tail()}"
            assert time.monotonic() - started < START_SECONDS, f"no UI after {START_SECONDS} s:\n{log_tail()}"
            time.sleep(1)
        start_seconds = time.monotonic() - started

        before = _session_members(sid)
        commands = " ".join(before.values())
        # The processes the report found left over: the webserver, the daemon and the code server.
        for part in ("dagster_webserver", "dagster._daemon", "dagster code-server", "dagster api grpc"):
            assert part in commands, f"{part} not among the started processes:\n{commands}"

        states = "\n".join(f"{pid} {_signal_state(pid)}" for pid in before)
        signalled = time.monotonic()
        if to_group:
            os.killpg(sid, signum)  # a terminal sends Ctrl-C to its foreground process group
        else:
            os.kill(make.pid, signum)  # a process manager signals the process it started
        left = before
        while left and time.monotonic() - signalled < STOP_SECONDS:
            time.sleep(0.2)
            make.poll()  # reaps make, so that it does not count as left
            left = _session_members(sid)
        stop_seconds = time.monotonic() - signalled
        print(f"UI after {start_seconds:.1f} s; {len(before)} processes gone {stop_seconds:.1f} s after the signal")

        still = "\n".join(f"{pid} {cmd[:120]}" for pid, cmd in left.items())
        assert not left, f"still running {STOP_SECONDS} s after the signal:\n{still}\n{states}\n{log_tail()}"
        assert _port_is_free(port), f"port {port} still taken after make dev stopped"
    finally:
        for pid in _session_members(sid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        make.wait()
