"""The HTTP server: one port, a path prefix per vendor, faults on request.

    /connectwise/v4_6_release/apis/3.0/...   ConnectWise PSA
    /servicenow/api/now/table/<table>        ServiceNow Table API
    /jira/rest/api/3/search/jql              Jira Cloud (and /jira/rest/api/3/issue/<id>/changelog)
    /ninjaone/ws/oauth/token, /ninjaone/v2/  NinjaOne

Credentials are checked against the same environment variables the clients read
(`pipelines.sources.transport.credentials_from_env`); a vendor whose variables are not all set
accepts any well-formed credentials.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from pipelines.sources.emulator import connectwise, jira, ninjaone, servicenow
from pipelines.sources.emulator.common import Reply, Request
from pipelines.sources.emulator.faults import FaultPlan, parse_faults
from pipelines.sources.emulator.store import Store, load_store

VENDORS = {"connectwise": connectwise, "servicenow": servicenow, "jira": jira, "ninjaone": ninjaone}


def base_urls(port: int, host: str = "127.0.0.1") -> dict[str, str]:
    """The base URL of each vendor on this server, as the clients' USM_<VENDOR>_URL wants it."""
    root = f"http://{host}:{port}"
    return {
        "connectwise": f"{root}/connectwise/v4_6_release/apis/3.0",
        "servicenow": f"{root}/servicenow",
        "jira": f"{root}/jira",
        "ninjaone": f"{root}/ninjaone",
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers and body leave in one segment
    server: EmulatorServer

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self):  # noqa: N802 - http.server's naming
        self._serve()

    def do_POST(self):  # noqa: N802
        self._serve()

    def do_PATCH(self):  # noqa: N802
        self._serve()

    def do_PUT(self):  # noqa: N802
        self._serve()

    def _serve(self):
        split = urlsplit(self.path)
        vendor, _, rest = split.path.lstrip("/").partition("/")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        module = VENDORS.get(vendor)
        if module is None:
            return self._reply(Reply(404, {"error": f"no vendor at /{vendor}"}))
        faults = self.server.faults.next_for(f"{vendor}/{rest}", self.headers.get("X-USM-Fault"))
        short = False
        for fault in faults:
            if fault.kind == "drop":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return None
            if fault.kind == "slow":
                time.sleep(fault.secs)
            elif fault.kind == "429":
                return self._reply(Reply(429, {"error": "Too Many Requests"},
                                         {"Retry-After": f"{fault.after:g}"}))
            elif fault.kind in {"500", "502", "503"}:
                return self._reply(Reply(int(fault.kind), {"error": "injected server error"}))
            elif fault.kind == "short":
                short = True
        request = Request(
            method=self.command,
            path=rest,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{self.headers.get('Host', '127.0.0.1')}/{vendor}",
            short=short,
        )
        try:
            reply = module.handle(self.server.store, request, self.server.credentials.get(vendor))
        except Exception as failure:  # an emulator bug must answer, not hang the client
            reply = Reply(500, {"error": f"emulator error: {failure!r}"})
        return self._reply(reply)

    def _reply(self, reply: Reply):
        data = json.dumps(reply.body, separators=(",", ":")).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, landing: Path, port: int = 0, host: str = "127.0.0.1", faults: str | None = None,
                 credentials: dict[str, dict] | None = None, verbose: bool = False, now: datetime | None = None,
                 changes: Path | None = None):
        """`now`: the emulated systems' time, which stamps what the APIs change (store.load_store);
        `changes`: the file that keeps those changes across restarts (store.CHANGES_FILE)."""
        self.store: Store = load_store(Path(landing), now, changes)
        self.faults = FaultPlan(parse_faults(faults))
        self.credentials = credentials or {}
        self.verbose = verbose
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def urls(self) -> dict[str, str]:
        return base_urls(self.port, self.server_address[0])

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="usm-serve-api", daemon=True)
        thread.start()
        return thread
