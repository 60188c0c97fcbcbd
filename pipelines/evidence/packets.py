"""Write a month's evidence packets: `$USM_OUTPUT_DIR/evidence/<YYYY-MM>/<client_id>/` for each
client and `.../organisation/` for all of them, each folder written aside and swapped in whole.

A client's packet is built only from queries scoped to that client (tables.py), so it holds
no other client's rows, ids, names or totals."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from pipelines.evidence import page
from pipelines.evidence.summary import Headline, executive_summary, headline, month_label
from pipelines.evidence.tables import gather, packet_clients

ORGANISATION = "organisation"
# A client id names a folder: refuse anything that could step outside the month's folder.
SAFE_FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Packet:
    client_id: str | None
    """None: the whole organisation."""
    folder: Path
    figures: Headline


def month_folder(output: Path, month: date) -> Path:
    return output / "evidence" / month.strftime("%Y-%m")


def packet_months(snapshot: Path) -> list[date]:
    """Every month from the first ticket's to the last's."""
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return [
            row[0]
            for row in con.execute(
                """
                select cast(unnest(generate_series(
                    date_trunc('month', min(opened_at)), date_trunc('month', max(opened_at)), interval 1 month
                )) as date)
                from marts.fct_tickets
                """
            ).fetchall()
            if row[0] is not None
        ]


def packet_clients_of(snapshot: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return packet_clients(con)


def write_packets(
    snapshot: Path, output: Path, month: date, client_id: str | None = None, *, currency: str
) -> list[Packet]:
    """The month's packets: every client's and the organisation's, or only `client_id`'s, with
    every amount in `currency` (usm.yaml `currency`)."""
    if month.day != 1:
        raise ValueError(f"a packet month starts on the 1st, not {month.isoformat()}")
    with duckdb.connect(str(snapshot), read_only=True) as con:
        clients = packet_clients(con)
        if client_id is not None:
            clients = [(cid, name) for cid, name in clients if cid == client_id]
            if not clients:
                raise ValueError(f"no client {client_id!r} in marts.dim_clients ({snapshot})")
        folder = month_folder(output, month)
        packets = [_write_packet(con, folder, month, cid, f"{name} ({cid})", currency) for cid, name in clients]
        if client_id is None:
            packets.append(_write_packet(con, folder, month, None, "All clients", currency))
    return packets


def _write_packet(
    con: duckdb.DuckDBPyConnection, month_dir: Path, month: date, client_id: str | None, scope_label: str, currency: str
) -> Packet:
    name = client_id or ORGANISATION
    if not SAFE_FOLDER.match(name) or name == ORGANISATION and client_id is not None:
        raise ValueError(f"client id {client_id!r} cannot name a packet folder")
    tables = gather(con, month, client_id)
    rows = {table_name: table.to_pylist() for table_name, table in tables.items()}
    figures = headline(rows)
    title = f"{scope_label}: evidence for {month_label(month)}"
    staging = month_dir / f".{name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for table_name, table in tables.items():
        pa_csv.write_csv(table, staging / f"{table_name}.csv")
        pq.write_table(table, staging / f"{table_name}.parquet")
    (staging / "summary.md").write_text(executive_summary(title, month, rows, currency), encoding="utf-8")
    (staging / "packet.html").write_text(page.render(title, month, tables, figures, currency), encoding="utf-8")
    target, retired = month_dir / name, month_dir / f".{name}.retired"
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)
    return Packet(client_id, target, figures)
