"""Reconciliation against the generator's truth, and analysts' decisions applied on the next run.

billing.csv and orphans.csv are written by the generator from what it injected; the marts
must find every injected billing defect with its exact status or flag (recall) and flag
nothing else (precision).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta

import pytest
from conftest import REPO_ROOT, World, instance_home, usm

pytestmark = pytest.mark.slow

FLAGS = ("is_billing_code_mismatch", "is_hours_variance", "is_double_billed")


def _flag(value) -> bool:
    return value is True or str(value).lower() == "true"


def _findings(rows, key: str) -> set[tuple[str, str]]:
    """Each work item's findings: its status when not billed, and each flag it raises."""
    found = set()
    for row in rows:
        if row["recon_status"] not in ("billed", "non_billable"):
            found.add((row[key], row["recon_status"]))
        found.update((row[key], flag) for flag in FLAGS if _flag(row[flag]))
    return found


def _precision_recall(expected: set, actual: set) -> tuple[float, float]:
    hits = len(expected & actual)
    return (hits / len(actual) if actual else 1.0, hits / len(expected) if expected else 1.0)


def test_reconciliation_finds_every_injected_billing_defect_and_nothing_else(world):
    truth = world.truth_rows("billing.csv")
    marts = world.query_dicts("SELECT * FROM marts.ticket_reconciliation")
    expected, actual = _findings(truth, "work_item"), _findings(marts, "work_item_id")
    assert expected, "the generator injected no billing defect: the test would prove nothing"
    precision, recall = _precision_recall(expected, actual)
    assert (precision, recall) == (1.0, 1.0), (
        f"{world.name}: precision {precision:.3f} recall {recall:.3f}\n"
        f"missing: {sorted(expected - actual)[:15]}\nunexpected: {sorted(actual - expected)[:15]}"
    )
    # Every judged work item, with its client and status, defect or not.
    columns = ("recon_status", *FLAGS)
    by_truth = {r["work_item"]: (r["client_id"] or None, *(r[c].lower() for c in columns)) for r in truth}
    by_mart = {
        r["work_item_id"]: (r["client_id"], r["recon_status"], *(str(_flag(r[c])).lower() for c in FLAGS))
        for r in marts
    }
    assert by_truth == by_mart


def test_orphans_are_exactly_the_injected_ones(world):
    expected = {(r["entity_type"], r["entity_id"], r["exception_type"]) for r in world.truth_rows("orphans.csv")}
    actual = set(
        world.query(
            "SELECT entity_type, entity_id, exception_type FROM marts.recon_exceptions "
            "WHERE exception_type IN ('orphan_time_entry', 'orphan_invoice')"
        )
    )
    assert expected == actual, f"missing {expected - actual}\nunexpected {actual - expected}"


def test_every_work_item_finding_is_on_the_exception_list(world):
    marts = world.query_dicts("SELECT * FROM marts.ticket_reconciliation")
    listed = set(
        world.query("SELECT entity_id, exception_type FROM marts.recon_exceptions WHERE entity_type = 'work_item'")
    )
    assert _findings(marts, "work_item_id") == listed


@pytest.mark.parametrize("world", ["seed31"], indirect=True)
def test_decisions_apply_on_the_next_run(world: World, tmp_path):
    """A decisions file (in the site's CSV stamp format) closes one exception, excludes another
    work item, reopens a third after an earlier decision, and names an exception id that does
    not exist; the last day is run again with it."""
    base = tmp_path / "rerun"
    landing, warehouse = base / "landing", base / "warehouse.duckdb"
    shutil.copytree(world.landing, landing)
    shutil.copy(world.warehouse, warehouse)
    exceptions = world.query_dicts(
        "SELECT exception_id, exception_type, entity_id FROM marts.recon_exceptions "
        "WHERE entity_type = 'work_item' ORDER BY exception_id"
    )
    closed, excluded, reopened = exceptions[0], exceptions[-1], exceptions[1]
    assert excluded["entity_id"] != closed["entity_id"]
    last = max(date.fromisoformat(p.stem[:10]) for p in (landing / "connectwise" / "tickets").iterdir())
    decisions = landing / "reviews" / "decisions"
    decisions.mkdir(parents=True, exist_ok=True)
    rows = [
        (closed["exception_id"], "billed", f"{last} 09:00:00"),
        (excluded["exception_id"], "excluded", f"{last} 09:05:00"),
        (reopened["exception_id"], "credited", f"{last} 09:10:00"),
        (reopened["exception_id"], "reopened", f"{last} 10:00:00"),
        ("no-such-exception", "billed", f"{last} 09:15:00"),
    ]
    with (decisions / f"{last}.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["exception_id", "decision", "decided_by", "decided_at", "note"])
        writer.writerows([(e, d, "analyst@msp.example", at, "test") for e, d, at in rows])
    env = {
        "USM_LANDING_DIR": str(landing),
        "USM_DUCKDB_PATH": str(warehouse),
        "USM_OUTPUT_DIR": str(base / "output"),
        "DAGSTER_HOME": instance_home("rerun"),
    }
    run = usm("run", "--from", str(last), "--to", str(last), env=env, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    rerun = World("rerun", landing, world.truth, warehouse, run.stdout)

    status = dict(rerun.query("SELECT exception_id, review_status FROM marts.recon_exceptions"))
    assert status[closed["exception_id"]] == "billed"
    assert status[excluded["exception_id"]] == "excluded"
    assert status[reopened["exception_id"]] == "open"
    untouched = [e["exception_id"] for e in exceptions[2:-1]]
    assert {status[e] for e in untouched} == {"open"}
    # Re-running the day changes nothing but the decisions: the same findings, with the same
    # ids, amounts and dates, and the same verdict for every work item no decision touched.
    finding = (
        "SELECT exception_id, exception_type, entity_type, entity_id, client_id, amount_at_risk, detected_on "
        "FROM marts.recon_exceptions"
    )
    assert set(rerun.query(finding)) == set(world.query(finding))
    verdict = "SELECT * EXCLUDE (recon_status, review_decision) FROM marts.ticket_reconciliation"
    assert set(rerun.query(verdict)) == set(world.query(verdict))
    decided = {closed["entity_id"], excluded["entity_id"], reopened["entity_id"]}
    others = "SELECT work_item_id, recon_status, review_decision FROM marts.ticket_reconciliation"
    assert {r for r in rerun.query(others) if r[0] not in decided} == {
        r for r in world.query(others) if r[0] not in decided
    }

    recon = {r["work_item_id"]: r for r in rerun.query_dicts("SELECT * FROM marts.ticket_reconciliation")}
    assert recon[excluded["entity_id"]]["recon_status"] == "excluded"
    assert recon[excluded["entity_id"]]["review_decision"] == "excluded"

    unknown = rerun.query(
        "SELECT system, entity, field, raw_value FROM marts.normalization_exceptions "
        "WHERE reason = 'unknown_exception_id'"
    )
    assert unknown == [("reviews", "decisions", "exception_id", "no-such-exception")]


def test_the_nightly_report_is_written(world):
    last = max(re.search(r"\d{4}-\d{2}-\d{2}", p.name).group() for p in world.landing.rglob("*-*-*.*"))
    folder = world.warehouse.parent / "output" / "reconciliation" / last
    with (folder / "exceptions.csv").open(newline="") as handle:
        listed = {row["exception_id"] for row in csv.DictReader(handle)}
    assert listed == {row[0] for row in world.query("SELECT exception_id FROM marts.recon_exceptions")}
    summary = (folder / "summary.md").read_text()
    (at_risk,) = world.query("SELECT sum(amount_at_risk) FROM marts.recon_exceptions WHERE review_status = 'open'")[0]
    assert f"{at_risk:,.2f} at risk" in summary


@pytest.mark.parametrize("world", ["seed31"], indirect=True)
def test_day_after_day_gives_the_marts_of_all_days_at_once(world: World, tmp_path):
    """The world was run over all its extract dates at once; here every day but the last,
    then the last day on its own."""
    base = tmp_path / "day_by_day"
    landing, warehouse = base / "landing", base / "warehouse.duckdb"
    shutil.copytree(world.landing, landing)
    last = max(date.fromisoformat(p.stem[:10]) for p in (landing / "connectwise" / "tickets").iterdir())
    env = {
        "USM_LANDING_DIR": str(landing),
        "USM_DUCKDB_PATH": str(warehouse),
        "USM_OUTPUT_DIR": str(base / "output"),
        "DAGSTER_HOME": instance_home("day-by-day"),
    }
    for args in (("--to", str(last - timedelta(days=1))), ("--from", str(last), "--to", str(last))):
        run = usm("run", *args, env=env, check=False)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    day_by_day = World("day_by_day", landing, world.truth, warehouse, run.stdout)
    for mart in ("ticket_reconciliation", "recon_exceptions", "fct_tickets"):
        sql = f"SELECT * FROM marts.{mart}"
        assert sorted(day_by_day.query(sql), key=str) == sorted(world.query(sql), key=str), mart


def test_the_reconciliation_mart_reports_work_items_by_status_in_dagster(world):
    """What the Dagster UI shows on marts/ticket_reconciliation: work items per status, which
    the truth knows (billing.csv), and the amount at risk."""
    reader = (
        "import json, dagster as dg\n"
        "with dg.DagsterInstance.get() as i:\n"
        "    e = i.get_latest_materialization_event(dg.AssetKey(['marts', 'ticket_reconciliation']))\n"
        "    m = e.asset_materialization.metadata\n"
        "    print(json.dumps({k: v.value for k, v in m.items() if k.startswith('rows.') or k == 'amount_at_risk'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", reader], cwd=REPO_ROOT, env={**os.environ, "DAGSTER_HOME": world.dagster_home},
        capture_output=True, text=True, check=True,
    ).stdout
    metadata = json.loads(out.strip().splitlines()[-1])
    expected: dict[str, int] = {}
    for row in world.truth_rows("billing.csv"):
        expected[f"rows.{row['recon_status']}"] = expected.get(f"rows.{row['recon_status']}", 0) + 1
    assert {k: v for k, v in metadata.items() if k.startswith("rows.")} == expected
    assert metadata["amount_at_risk"] > 0
