"""A user's mistake on the command line is one line naming its cause, exit status 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT

HELP = "(`usm {} --help` lists the options)"


def _usm(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", **env})


def _assert_one_line(run: subprocess.CompletedProcess, line: str) -> None:
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [line]


@pytest.mark.parametrize(
    "args, line",
    [
        (["run", "--from", "2026-13-01"], f"usm run: argument --from: not a date (YYYY-MM-DD): '2026-13-01' {HELP}"),
        (["run", "--from", "2026-01-05", "--to", "2026-01-01"], "usm run: --to 2026-01-01 is before --from 2026-01-05"),
        (["generate", "--out", "x", "--clients", "0"],
         f"usm generate: argument --clients: not a whole number of at least 1: '0' {HELP}"),
        (["generate", "--out", "x", "--start", "tomorrow"],
         f"usm generate: argument --start: not a date (YYYY-MM-DD): 'tomorrow' {HELP}"),
        (["packet", "--month", "2026-13"], f"usm packet: argument --month: not a month (YYYY-MM): '2026-13' {HELP}"),
        (["packet", "--month", "2026-03", "--to", "2026-01"], "usm packet: --to 2026-01 is before --month 2026-03"),
    ],
)
def test_a_mistake_is_one_line_naming_it(args, line, tmp_path):
    command = args[0]
    _assert_one_line(_usm(args, tmp_path), line.replace("`usm {}", f"`usm {command}"))


def test_a_missing_landing_folder_is_named(tmp_path):
    _assert_one_line(
        _usm(["run", "--landing", str(tmp_path / "nowhere")], tmp_path),
        f"usm run: the landing folder {tmp_path / 'nowhere'} does not exist (--landing or USM_LANDING_DIR)",
    )


def test_a_memory_limit_that_is_no_size_is_one_line(tmp_path):
    run = _usm(["run", "--landing", str(tmp_path)], tmp_path, USM_DUCKDB_MEMORY_LIMIT="lots")
    _assert_one_line(run, "usm run: USM_DUCKDB_MEMORY_LIMIT='lots' is not a DuckDB size: write it like 1536MB or 2GB")


def test_a_landing_without_mappings_is_refused_naming_the_folder(tmp_path):
    """What `usm pull` into an empty folder leaves: extracts, but not the site's mappings."""
    landing = tmp_path / "landing"
    (landing / "connectwise" / "tickets").mkdir(parents=True)
    (landing / "connectwise" / "tickets" / "2026-01-01.json").write_text("[]")
    run = _usm(["run", "--landing", str(landing)], tmp_path)
    _assert_one_line(run, f"usm run: {landing / 'mappings'} holds no mapping files (clients.csv, categories.csv, "
                          "...): a landing needs the site's mappings before its extracts can run (docs/landing.md, "
                          "Mappings)")


def test_a_range_without_extracts_names_where_the_extracts_are(tmp_path):
    landing = tmp_path / "landing"
    for day in ("2026-01-01", "2026-01-02"):
        (landing / "connectwise" / "tickets").mkdir(parents=True, exist_ok=True)
        (landing / "connectwise" / "tickets" / f"{day}.json").write_text("[]")
    (landing / "mappings").mkdir()
    (landing / "mappings" / "clients.csv").write_text("system,alias,client_id,client_name\n")
    run = _usm(["run", "--landing", str(landing), "--from", "2026-02-01"], tmp_path)
    _assert_one_line(run, f"usm run: no extract files between 2026-02-01 and the end in {landing}; "
                          "its extracts run from 2026-01-01 to 2026-01-02")


@pytest.mark.parametrize(
    "text, line",
    [
        ("time_zon: UTC\n", "unknown key time_zon; did you mean time_zone?"),
        ("alerts:\n  sla_at_risk_treshold: 3\n", "unknown key alerts.sla_at_risk_treshold; did you mean "
                                                 "sla_at_risk_threshold?"),
        ("currency: euro\n", "currency: must be an ISO 4217 code in capitals (USD, EUR, GBP), not 'euro'"),
    ],
)
def test_a_wrong_usm_yaml_is_one_line_naming_the_key(tmp_path, text, line):
    (tmp_path / "usm.yaml").write_text(text)
    (tmp_path / "landing" / "mappings").mkdir(parents=True)
    (tmp_path / "landing" / "mappings" / "clients.csv").write_text("system,alias,client_id,client_name\n")
    run = _usm(["run", "--landing", str(tmp_path / "landing")], tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    (only,) = run.stderr.strip().splitlines()
    assert only.startswith("usm run: usm.yaml: ") and line in only


def test_a_packet_month_outside_the_data_is_refused(tmp_path):
    """Tickets opened from January to March 2026: a packet for 2030-01 has nothing to show."""
    output = tmp_path / "output"
    output.mkdir()
    with duckdb.connect(str(output / "usm_marts.duckdb")) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.fct_tickets AS SELECT * FROM (VALUES "
                    "(TIMESTAMP '2026-01-03 09:00'), (TIMESTAMP '2026-03-30 17:00')) t(opened_at)")
    run = _usm(["packet", "--month", "2030-01"], tmp_path, USM_OUTPUT_DIR=str(output),
               DAGSTER_HOME=str(tmp_path / "dagster"))
    _assert_one_line(run, "usm packet: 2030-01 is outside the data: the months with tickets are 2026-01 to 2026-03")


def test_the_code_location_refuses_a_misspelt_setting_with_the_same_one_line_message(tmp_path):
    """What the Dagster UI shows as the code location's error: the message, not a chain of causes."""
    (tmp_path / "usm.yaml").write_text("alerts:\n  instance_nam: msp-eu\n")
    load = subprocess.run([sys.executable, "-c", "import pipelines.definitions"], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    assert load.returncode == 1
    assert load.stderr.strip().splitlines()[-1] == (
        "pipelines.settings.SettingsError: usm.yaml: unknown key alerts.instance_nam; did you mean instance_name? "
        "(known here: webhook_url_env, amount_at_risk_threshold, sla_at_risk_threshold, dagster_url, instance_name)"
    )
    assert "During handling of the above exception" not in load.stderr
