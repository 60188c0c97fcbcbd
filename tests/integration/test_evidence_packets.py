"""Evidence packets: a client's packet holds nothing of any other client, its numbers are the
marts' numbers (and the generator's, where the truth has them), its amounts carry the site's
currency, its actions name the tickets people know, and writing them again gives the same bytes."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import World, instance_home, usm

pytestmark = pytest.mark.slow

ORGANISATION = "organisation"
TOKEN = re.compile(r"(?:wi:)?(?:connectwise|servicenow|jira|ninjaone):[A-Za-z0-9-]+|wi:[0-9a-f-]{36}|CLIENT-[A-Z]-\d+")
# A ticket as the packet names it for people ("ConnectWise #100777"), and the ticket_id it is.
SHOWN_TICKET = re.compile(r"ConnectWise #(\d+)|ServiceNow ((?:INC|RITM)\d+)|Jira ([A-Z]+-\d+)")
SYSTEMS = ("connectwise", "servicenow", "jira")
EXCEPTION_TYPES = (
    "partially_billed",
    "time_not_invoiced",
    "missing_time",
    "non_billable",
    "credited",
    "is_billing_code_mismatch",
    "is_hours_variance",
    "is_double_billed",
    "orphan_time_entry",
    "orphan_invoice",
)


def _file_text(path: Path) -> str:
    """What a reader of the file sees: Parquet as its values, everything else as text."""
    if path.suffix == ".parquet":
        with duckdb.connect() as con:
            rows = con.execute("select * from read_parquet(?)", [str(path)]).fetchall()
        return "\n".join(" ".join("" if v is None else str(v) for v in row) for row in rows)
    return path.read_text(encoding="utf-8")


def _shown_ids(text: str) -> set[str]:
    """The tickets a text names, the way TOKEN finds ids: `<system>:<id>`, whichever way written."""
    found = set(TOKEN.findall(text))
    for match in SHOWN_TICKET.finditer(text):
        system = SYSTEMS[next(i for i, group in enumerate(match.groups()) if group)]
        found.add(f"{system}:{match.group(match.lastindex)}")
    return found


def _client_identities(world: World) -> dict[str, dict[str, set[str]]]:
    """Per client: its names (canonical and every system's alias) and its ids (client id,
    ticket ids and work items of its tickets, and every ticket of a work item that is its by
    billing.csv: a ticket with no company of its own is known by its work item's client), from
    the mapping file and the truth."""
    identities: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"names": set(), "ids": set()})
    for row in world.truth_rows("clients.csv"):
        identities[row["client_id"]]["names"].add(row["client_name"])
        identities[row["client_id"]]["ids"].add(row["client_id"])
    with (world.landing / "mappings" / "clients.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            client = row["client_id"]
            identities[client]["names"] |= {v for k, v in row.items() if k != "client_id" and v and not v.isdigit()}
    billed_to = {row["work_item"]: row["client_id"] for row in world.truth_rows("billing.csv")}
    for ticket in world.truth_rows("tickets.csv"):
        for owner in {ticket["client_id"] or "(unmapped)", billed_to.get(ticket["work_item"]) or "(unmapped)"}:
            identities[owner]["ids"] |= {ticket["ticket_id"], ticket["work_item"]}
    return identities


def test_a_client_packet_holds_no_other_clients_ids_names_or_totals(packets: World):
    identities = _client_identities(packets)
    evidence = packets.output / "evidence"
    folders = [f for f in sorted(evidence.glob("*/*")) if f.name != ORGANISATION]
    assert folders, "no client packet was written"
    leaks = []
    for folder in folders:
        own = identities[folder.name]
        others_ids = set().union(*(v["ids"] for k, v in identities.items() if k != folder.name)) - own["ids"]
        others_names = {n for k, v in identities.items() if k != folder.name for n in v["names"]} - own["names"]
        organisation_totals = _organisation_totals(evidence / folder.parent.name / ORGANISATION, folder)
        for path in sorted(folder.iterdir()):
            text = _file_text(path)
            # Remove the client's own names first: another client's name may be part of one of them.
            scrubbed = text
            for name in sorted(own["names"], key=len, reverse=True):
                scrubbed = scrubbed.replace(name, " ")
            leaks += [(path, token) for token in _shown_ids(text) & others_ids]
            leaks += [(path, name) for name in others_names if name in scrubbed]
            leaks += [(path, total) for total in organisation_totals if total in text]
    assert leaks == []


def _organisation_totals(organisation: Path, client_folder: Path) -> set[str]:
    """The organisation's invoiced total, as the packet writes its figures, when it is not also
    this client's own (a one-client month)."""
    with duckdb.connect() as con:
        total = con.execute(
            "select sum(invoiced_amount) from read_parquet(?)", [str(organisation / "revenue_vs_effort.parquet")]
        ).fetchone()[0]
        own = con.execute(
            "select sum(invoiced_amount) from read_parquet(?)", [str(client_folder / "revenue_vs_effort.parquet")]
        ).fetchone()[0]
    return {f"{total:,.2f}"} if total and total >= 1000 and total != own else set()


def _packet_text(world: World, month: str, client: str) -> tuple[str, str]:
    folder = world.output / "evidence" / month / client
    return (folder / "summary.md").read_text(encoding="utf-8"), (folder / "packet.html").read_text(encoding="utf-8")


def _scope(client: str) -> tuple[str, list]:
    return ("true", []) if client == ORGANISATION else ("client_id = ?", [client])


def test_summary_and_page_numbers_are_the_marts_numbers(packets: World):
    from pipelines.evidence.summary import pct

    clients = [ORGANISATION] + [c for (c,) in packets.query("select client_id from marts.dim_clients")]
    checked = 0
    for month in packets.months():
        start = date.fromisoformat(f"{month}-01")
        for client in clients:
            where, params = _scope(client)
            summary, html = _packet_text(packets, month, client)
            tickets, met = packets.query(
                f"select sum(tickets), sum(met) from marts.sla_attainment_monthly where month = ? and {where}",
                [start, *params],
            )[0]
            invoiced, worked = packets.query(
                "select sum(invoiced_amount), sum(hours_worked) from marts.revenue_vs_effort_monthly "
                f"where month = ? and {where}",
                [start, *params],
            )[0]
            (exceptions,) = packets.query(
                "select count(*) from marts.recon_exceptions "
                f"where detected_on >= ? and detected_on < ? + interval 1 month and {where}",
                [start, start, *params],
            )[0]
            figures = []
            if tickets:
                figures += [f"{tickets:,} SLA clock", pct(round(100.0 * met / tickets, 1))]
            if worked:
                # No usm.yaml: the default currency.
                figures += [f"{invoiced:,.2f} USD invoiced for {worked:,.2f} hours"]
            if exceptions:
                figures += [f"found {exceptions:,} exception"]
            for figure in figures:
                assert figure in summary, (month, client, figure)
                assert figure.replace("for ", "for ") in html, (month, client, figure)
                checked += 1
    assert checked > 0


def test_invoiced_amounts_in_the_summaries_are_the_generators(packets: World):
    """The truth's revenue.csv, summed per client and month, is the amount each summary states, in
    the default currency. Money without a client (UNASSIGNED) is no client's: it has no packet."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row in packets.truth_rows("revenue.csv"):
        if row["client_id"] != "UNASSIGNED":
            totals[(row["month"], row["client_id"])] += float(row["invoiced_amount"])
    assert totals
    for (month, client), total in totals.items():
        summary, _ = _packet_text(packets, month, client)
        assert f"{total:,.2f} USD invoiced" in summary, (month, client)


def test_sla_sentence_states_the_change_and_the_p1_breaches(packets: World):
    """For each client and month, the resolution sentence says rose/fell/held from last month's
    attainment (sla_attainment_monthly) and counts the P1 breaches of ticket_sla."""
    from pipelines.evidence.summary import pct

    for month in packets.months()[1:]:
        start = date.fromisoformat(f"{month}-01")
        for (client,) in packets.query("select client_id from marts.dim_clients"):
            rows = dict(
                packets.query(
                    "select month, round(100.0 * sum(met) / sum(tickets), 1) from marts.sla_attainment_monthly "
                    "where client_id = ? and sla_metric = 'resolution' and month in (?, ?) group by month",
                    [client, start, date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)],
                )
            )
            if start not in rows or len(rows) < 2:
                continue
            now, before = rows[start], next(v for k, v in rows.items() if k != start)
            verb = "rose from" if now > before else "fell from" if now < before else "held at"
            expected = f"Resolution SLA attainment {verb} " + (
                f"{pct(before)} to {pct(now)}" if verb != "held at" else pct(now)
            )
            (p1,) = packets.query(
                "select count(*) from marts.ticket_sla where client_id = ? and sla_metric = 'resolution' "
                "and priority = 'P1' and is_met = false and stopped_at >= ? and stopped_at < ? + interval 1 month",
                [client, start, start],
            )[0]
            summary, _ = _packet_text(packets, month, client)
            assert expected in summary, (month, client)
            if p1:
                assert f"{p1} of them P1" in summary, (month, client)


def test_packets_are_the_same_bytes_when_written_again(packets: World, tmp_path):
    from pipelines.evidence.packets import write_packets
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    month = packets.months()[-1]
    write_packets(packets.output / SNAPSHOT_FILE, tmp_path, date.fromisoformat(f"{month}-01"), currency="USD")
    first = packets.output / "evidence" / month
    again = tmp_path / "evidence" / month
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert [n for n in names if (first / n).read_bytes() != (again / n).read_bytes()] == []


def test_dagster_shows_the_packets_and_their_headline_figures(packets: World):
    with dg.DagsterInstance.from_config(packets.dagster_home) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["governance", "evidence_packets"]))
    assert event is not None
    metadata = event.asset_materialization.metadata
    last = packets.months()[-1]
    organisation = packets.output / "evidence" / last / ORGANISATION
    assert metadata["packet"].value == str(organisation / "packet.html")
    assert metadata["month"].value == last
    tickets, met = packets.query(
        "select sum(tickets), sum(met) from marts.sla_attainment_monthly where month = ?",
        [date.fromisoformat(f"{last}-01")],
    )[0]
    if tickets:
        assert metadata["sla_attainment_pct"].value == round(100.0 * met / tickets, 1)
    assert metadata["packets"].value == len(list((packets.output / "evidence" / last).iterdir()))
    assert metadata["currency"].value == "USD"


def _known_tickets(world: World) -> dict[str, str]:
    """Per exception_id (md5 of `exception_type|entity_type|entity_id`, README): what the packet must
    call its subject, from the truth. A work item: its ConnectWise ticket as ConnectWise writes it,
    else its ServiceNow number, else its Jira key, never a duplicate; a time entry or an invoice
    (orphans.csv): itself."""
    labels = {"connectwise": "ConnectWise #{}", "servicenow": "ServiceNow {}", "jira": "Jira {}"}
    best: dict[str, tuple[int, str]] = {}
    for ticket in world.truth_rows("tickets.csv"):
        system, vendor_id = ticket["ticket_id"].split(":", 1)
        if ticket["is_duplicate"] == "true" or system not in labels:
            continue
        candidate = (SYSTEMS.index(system), labels[system].format(vendor_id))
        best[ticket["work_item"]] = min(best.get(ticket["work_item"], candidate), candidate)
    known = {}
    for work_item, (_, label) in best.items():
        for exception_type in EXCEPTION_TYPES:
            known[hashlib.md5(f"{exception_type}|work_item|{work_item}".encode()).hexdigest()] = label
    for orphan in world.truth_rows("orphans.csv"):
        key = f"{orphan['exception_type']}|{orphan['entity_type']}|{orphan['entity_id']}"
        known[hashlib.md5(key.encode()).hexdigest()] = (
            f"{orphan['entity_type'].replace('_', ' ')} {orphan['entity_id']}"
        )
    return known


def test_key_actions_name_the_tickets_people_know(packets: World):
    known = _known_tickets(packets)
    checked = 0
    for folder in sorted((packets.output / "evidence").glob("*/*")):
        with duckdb.connect() as con:
            actions = con.execute(
                "select exception_id, ticket, action from read_parquet(?)", [str(folder / "key_actions.parquet")]
            ).fetchall()
        summary, html = _packet_text(packets, folder.parent.name, folder.name)
        for exception_id, ticket, action in actions:
            assert ticket == known[exception_id], (folder, exception_id)
            assert ticket in action and f"- {action} (" in summary, (folder, exception_id)
            checked += 1
        # No work item's opaque id anywhere a person reads.
        assert "wi:" not in summary and "wi:" not in html, folder
    assert checked > 0


def test_amounts_carry_the_currency_of_usm_yaml(packets: World, tmp_path):
    """`currency: EUR` in usm.yaml: every amount of the summary, the page's cards, tables and chart
    labels says EUR, and nothing says USD; the invoiced totals are still the generator's."""
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    (tmp_path / "output").mkdir()
    shutil.copy(packets.output / SNAPSHOT_FILE, tmp_path / "output" / SNAPSHOT_FILE)
    (tmp_path / "usm.yaml").write_text("currency: EUR\n")
    env = {
        **packets.env,
        "USM_CONFIG": str(tmp_path / "usm.yaml"),
        "USM_OUTPUT_DIR": str(tmp_path / "output"),
        "DAGSTER_HOME": instance_home(f"{packets.name}-eur"),
    }
    month = packets.months()[-1]
    result = usm("packet", "--month", month, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    written = tmp_path / "output" / "evidence" / month
    totals: dict[str, float] = defaultdict(float)
    for row in packets.truth_rows("revenue.csv"):
        if row["month"] == month and row["client_id"] != "UNASSIGNED":
            totals[row["client_id"]] += float(row["invoiced_amount"])
    assert totals
    for client, total in totals.items():
        assert f"{total:,.2f} EUR invoiced" in (written / client / "summary.md").read_text(encoding="utf-8")
    html = (written / ORGANISATION / "packet.html").read_text(encoding="utf-8")
    summary = (written / ORGANISATION / "summary.md").read_text(encoding="utf-8")
    assert "USD" not in html and "USD" not in summary
    # An amount is digits, a point, two decimals and the code: on a card, in a table, on a chart's axis.
    amount = r"\d[\d,]*\.\d\d EUR"
    assert re.search(rf"Invoiced<b>{amount}</b>", html)
    assert re.search(rf'<td class="n">{amount}</td>', html)
    assert re.search(rf'text-anchor="end">{amount}</text>', html)
    assert re.search(rf"invoiced for [\d,.]+ hours worked, an effective rate of {amount} per hour", summary)
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["governance", "evidence_packets"]))
    assert event.asset_materialization.metadata["currency"].value == "EUR"
