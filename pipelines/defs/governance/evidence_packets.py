"""The monthly evidence packets (pipelines/evidence): one partition per month, read from the
analysts' snapshot of the marts, so that writing them never waits for the warehouse."""

from datetime import date

import dagster as dg

from pipelines import settings
from pipelines.defs.partitions import packet_month_partitions
from pipelines.defs.resources import OWNER
from pipelines.evidence.packets import Packet, month_folder, write_packets
from pipelines.evidence.summary import money, pct
from pipelines.lib.snapshot import SNAPSHOT_FILE


class PacketConfig(dg.Config):
    client_id: str | None = None
    """Only this client's packet (usm packet --client); by default every client's and the organisation's."""


@dg.asset(
    key=["governance", "evidence_packets"],
    group_name="governance",
    deps=[dg.AssetKey(["publish", "marts_snapshot"])],
    partitions_def=packet_month_partitions(),
    # A range of months (a backfill, `usm demo`) is one run.
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Per month: `$USM_OUTPUT_DIR/evidence/<YYYY-MM>/<client_id>/` for every client and "
    "`.../organisation/` for all of them, each with packet.html (self-contained, charts as inline SVG), "
    "summary.md and the tables behind them as CSV and Parquet.",
    kinds={"html", "markdown", "parquet"},
    owners=[OWNER],
    tags={"layer": "governance", "cadence": "monthly"},
)
def evidence_packets(context: dg.AssetExecutionContext, config: PacketConfig) -> dg.MaterializeResult:
    snapshot = settings.output_dir() / SNAPSHOT_FILE
    if not snapshot.exists():
        raise dg.Failure(f"no marts snapshot at {snapshot}: run the pipeline (usm run) first")
    window = context.partition_time_window
    months = context.partition_keys
    currency = settings.site_config().currency
    packets: list[Packet] = []
    for key in months:
        month = date.fromisoformat(key)
        written = write_packets(snapshot, settings.output_dir(), month, config.client_id, currency=currency)
        context.log.info(f"{key[:7]}: {len(written)} packets in {month_folder(settings.output_dir(), month)}")
        packets += written
    last_month = date.fromisoformat(months[-1])
    return dg.MaterializeResult(
        metadata=_dashboard(last_month, [p for p in packets if _in(p, last_month)], window, currency)
    )


def _in(packet: Packet, month: date) -> bool:
    return packet.folder.parent.name == month.strftime("%Y-%m")


def _dashboard(month: date, packets: list[Packet], window, currency: str) -> dict:
    """The month's headline figures and a table of every client's, each linking its packet."""
    folder = month_folder(settings.output_dir(), month)
    metadata: dict = {
        "month": month.strftime("%Y-%m"),
        "scope": next((p.client_id for p in packets if p.client_id), "all clients")
        if len(packets) == 1
        else "all clients",
        "months_written": f"{window.start.date():%Y-%m} .. {month:%Y-%m}",
        "folder": dg.MetadataValue.path(str(folder)),
        "packets": len(packets),
        "currency": currency,
    }
    organisation = next((p for p in packets if p.client_id is None), None)
    if organisation:
        metadata["packet"] = dg.MetadataValue.path(str(organisation.folder / "packet.html"))
        metadata["summary"] = dg.MetadataValue.md((organisation.folder / "summary.md").read_text(encoding="utf-8"))
        metadata.update(organisation.figures.as_metadata())
    rows = [
        "| client | SLA attainment | breaches | open backlog | at risk | invoiced | packet |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for packet in sorted(packets, key=lambda p: p.client_id or ""):
        f = packet.figures
        rows.append(
            f"| {packet.client_id or 'all clients'} "
            f"| {pct(f.sla_attainment_pct) if f.sla_attainment_pct is not None else 'n/a'} "
            f"| {f.sla_breaches} | {f.open_backlog} "
            f"| {money(f.amount_at_risk, currency)} | {money(f.invoiced_amount, currency)} "
            f"| `{packet.folder / 'packet.html'}` |"
        )
    metadata["clients"] = dg.MetadataValue.md("\n".join(rows))
    return metadata
