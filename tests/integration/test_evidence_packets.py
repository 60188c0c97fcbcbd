"""Evidence packets: a client's packet holds nothing of any other client, its numbers are the
marts' numbers (and the generator's, where the truth has them), and writing them again gives
the same bytes."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import World

pytestmark = pytest.mark.slow

ORGANISATION = "organisation"
TOKEN = re.compile(r"(?:wi:)?(?:connectwise|servicenow|jira|ninjaone):[A-Za-z0-9-]+|wi:[0-9a-f-]{36}|CLIENT-[A-Z]-\d+")


def _file_text(path: Path) -> str:
    """What a reader of the file sees: Parquet as its values, everything else as text."""
    if path.suffix == ".parquet":
        with duckdb.connect() as con:
            rows = con.execute("select * from read_parquet(?)", [str(path)]).fetchall()
        return "\n".join(" ".join("" if v is None else str(v) for v in row) for row in rows)
    return path.read_text(encoding="utf-8")


def _client_identities(world: World) -> dict[str, dict[str, set[str]]]:
    """Per client: its names (canonical and every system's alias) and its ids (client id,
    ticket ids and work items of its tickets), from the mapping file and the truth."""
    identities: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"names": set(), "ids": set()})
    for row in world.truth_rows("clients.csv"):
        identities[row["client_id"]]["names"].add(row["client_name"])
        identities[row["client_id"]]["ids"].add(row["client_id"])
    with (world.landing / "mappings" / "clients.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            client = row["client_id"]
            identities[client]["names"] |= {v for k, v in row.items() if k != "client_id" and v and not v.isdigit()}
    for ticket in world.truth_rows("tickets.csv"):
        owner = ticket["client_id"] or "(unmapped)"
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
            leaks += [(path, token) for token in set(TOKEN.findall(text)) & others_ids]
            leaks += [(path, name) for name in others_names if name in scrubbed]
            leaks += [(path, total) for total in organisation_totals if total in text]
    assert leaks == []


def _organisation_totals(organisation: Path, client_folder: Path) -> set[str]:
    """The organisation's invoiced total and amount at risk, as the packet writes them, when
    they are not also this client's own (a one-client month)."""
    from pipelines.evidence.summary import money

    with duckdb.connect() as con:
        total = con.execute(
            "select sum(invoiced_amount) from read_parquet(?)", [str(organisation / "revenue_vs_effort.parquet")]
        ).fetchone()[0]
        own = con.execute(
            "select sum(invoiced_amount) from read_parquet(?)", [str(client_folder / "revenue_vs_effort.parquet")]
        ).fetchone()[0]
    return {money(total)} if total and total >= 1000 and total != own else set()


def _packet_text(world: World, month: str, client: str) -> tuple[str, str]:
    folder = world.output / "evidence" / month / client
    return (folder / "summary.md").read_text(encoding="utf-8"), (folder / "packet.html").read_text(encoding="utf-8")


def _scope(client: str) -> tuple[str, list]:
    return ("true", []) if client == ORGANISATION else ("client_id = ?", [client])


def test_summary_and_page_numbers_are_the_marts_numbers(packets: World):
    from pipelines.evidence.summary import money, pct

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
                figures += [f"{money(invoiced)} invoiced for {worked:,.2f} hours"]
            if exceptions:
                figures += [f"found {exceptions:,} exception"]
            for figure in figures:
                assert figure in summary, (month, client, figure)
                assert figure.replace("for ", "for ") in html, (month, client, figure)
                checked += 1
    assert checked > 0


def test_invoiced_amounts_in_the_summaries_are_the_generators(packets: World):
    """The truth's revenue.csv, summed per client and month, is the amount each summary states. Money
    without a client (UNASSIGNED) is no client's: it has no packet."""
    from pipelines.evidence.summary import money

    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row in packets.truth_rows("revenue.csv"):
        if row["client_id"] != "UNASSIGNED":
            totals[(row["month"], row["client_id"])] += float(row["invoiced_amount"])
    assert totals
    for (month, client), total in totals.items():
        summary, _ = _packet_text(packets, month, client)
        assert f"{money(total)} invoiced" in summary, (month, client)


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
    write_packets(packets.output / SNAPSHOT_FILE, tmp_path, date.fromisoformat(f"{month}-01"))
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
