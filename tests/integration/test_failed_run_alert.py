"""A pipeline run that fails on an unreadable landing file is alerted once, naming the step and the
file, with a link to the run; previewing the sensor with Dagster's CLI posts nothing.

A copy of a small generated world; the sensor has ticked once before (its cursor); one extract
is replaced by truncated JSON and `usm run` runs that date. The next tick is evaluated against the
world's instance through Dagster's API, and each run it requests is executed as the daemon would
launch it, against a webhook receiver on 127.0.0.1.
"""

import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from conftest import REPO_ROOT, copy_world, shared_world, usm

pytestmark = pytest.mark.slow

TRUNCATED = '{"result": [{"sys_id": "0a1b", "number": "INC0099999", "short_desc'
DAGSTER_URL = "http://dagster.msp.example:3000"


@pytest.fixture
def receiver():
    """Every body POSTed to it, in order."""
    bodies: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", bodies
    server.shutdown()
    server.server_close()


def test_a_run_failing_on_an_unreadable_file_posts_one_alert_naming_the_step_and_the_file(
    tmp_path_factory, receiver, monkeypatch
):
    url, bodies = receiver
    base = tmp_path_factory.mktemp("failed-alert")
    world = copy_world(shared_world(tmp_path_factory, "seed31"), base, "failed-alert")
    config = base / "usm.yaml"
    config.write_text(
        f"alerts:\n  webhook_url_env: TEST_USM_WEBHOOK\n  instance_name: msp-test\n  dagster_url: {DAGSTER_URL}\n"
    )
    env = {**world.env, "USM_CONFIG": str(config), "TEST_USM_WEBHOOK": url}
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    from pipelines.definitions import defs

    sensor, post = defs.resolve_sensor_def("usm_alerts"), defs.resolve_job_def("post_alerts")

    def tick(instance, cursor):
        with dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs) as context:
            return sensor.evaluate_tick(context)

    with dg.DagsterInstance.get() as instance:
        before = tick(instance, None).cursor  # the world's own run and figures: already seen

    broken = sorted((world.landing / "servicenow" / "incident").glob("*.json"))[-1]
    broken.write_text(TRUNCATED)
    day = broken.name[:10]
    run = usm("run", "--from", day, "--to", day, env=env, check=False)
    started = re.search(r"^run ([0-9a-f-]{36}):", run.stdout, re.M)
    assert run.returncode == 1 and started, run.stdout[-3000:] + run.stderr[-3000:]
    run_id = started.group(1)
    # the terminal ends with the cause, one line per failure, where a person looks first
    log = f"{world.dagster_home}/logs/usm-run-{run_id}.log"
    assert run.stderr.splitlines()[-3:] == [
        "usm run: FAILED",
        "  step raw_servicenow__incident: raw_servicenow.incident: 1 file(s) could not be read; the other dates "
        f"loaded. {broken}: not valid JSON (truncated or corrupt); no record could be read",
        f"  full traces: {log}; every event: the run in the Dagster UI (make dev)",
    ]
    assert "Traceback" not in run.stdout + run.stderr and "Not executing" not in run.stdout + run.stderr
    assert "step raw_servicenow__incident failed:\n" in open(log).read()

    # Dagster's CLI previews the next tick: it shows the post it would request, and posts nothing.
    preview = subprocess.run(
        [sys.executable, "-m", "dagster", "sensor", "preview", "usm_alerts", "--cursor", before,
         "-w", str(REPO_ROOT / "workspace.yaml")],
        cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
    )
    assert preview.returncode == 0, preview.stdout[-2000:] + preview.stderr[-3000:]
    assert "pipeline run failed" in preview.stdout, preview.stdout[-3000:]
    assert bodies == []

    with dg.DagsterInstance.get() as instance:
        result = tick(instance, before)
        for request in result.run_requests:
            assert post.execute_in_process(run_config=request.run_config, instance=instance).success
        after = tick(instance, result.cursor)  # the post's own run is not itself alerted
        assert after.run_requests == []

    assert len(bodies) == 1
    text = bodies[0]["text"]
    assert bodies[0]["summary"] == "[msp-test] pipeline run failed"
    assert f"Run {run_id[:8]} (job pipeline, partitions {day}) failed." in text
    assert (
        "- raw_servicenow__incident: raw_servicenow.incident: 1 file(s) could not be read; the other dates "
        f"loaded. {broken}: not valid JSON (truncated or corrupt); no record could be read"
    ) in text.split("\n\n")
    assert text.endswith(f"Where to look: {DAGSTER_URL}/runs/{run_id} (instance msp-test)")
