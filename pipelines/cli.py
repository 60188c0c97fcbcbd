"""The `usm` command (README, "Commands" and "Configuration")."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def _generate(args: argparse.Namespace) -> int:
    from pipelines.generator import Rates, generate

    out = Path(args.out)
    truth = Path(args.truth) if args.truth else out.parent / "truth"
    summary = generate(
        out=out,
        truth=truth,
        clients=args.clients,
        days=args.days,
        start=args.start,
        seed=args.seed,
        rates=Rates().with_overrides(args.rate),
    )
    print(summary)
    return 0


def _print_outcome(outcome) -> None:
    print()
    print(f"quarantined records: {outcome.quarantined} (raw_quarantine.quarantined_records)")
    width = max((len(name) for name in outcome.row_counts), default=10)
    for name, rows in outcome.row_counts.items():
        print(f"  {name:<{width}}  {rows:>10,}")
    for check in outcome.warnings:
        print(f"warning: check {check}")
    for step in outcome.failed_steps:
        print(f"FAILED step: {step}")
    for check in outcome.failed_checks:
        print(f"FAILED blocking check: {check}")
    if outcome.held_back:
        # the marts in full (what analysts miss), the layers below them counted
        marts = [name.removeprefix("marts/") for name in outcome.held_back if name.startswith("marts/")]
        others = len(outcome.held_back) - len(marts)
        print(
            f"held back, downstream of the failures above: {len(marts)} marts ({', '.join(marts) or 'none'})"
            f" and {others} other assets; the rest published"
        )
    print(f"warnings: {len(outcome.warnings)} check(s)" + (" (the run still published)" if outcome.success else ""))


def _run(args: argparse.Namespace) -> int:
    from pipelines import runner, settings
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    if args.date_from and args.date_to and args.date_to < args.date_from:
        raise SystemExit(f"usm run: --to {args.date_to} is before --from {args.date_from}")

    runner.configure_environment(Path(args.landing) if args.landing else None, Path(args.db) if args.db else None)
    outcome = runner.run_pipeline(
        args.date_from,
        args.date_to,
    )
    _print_outcome(outcome)
    print(f"warehouse: {settings.duckdb_path()}")
    print(f"analysts:  {settings.output_dir() / SNAPSHOT_FILE}  (read-only snapshot of schema marts)")
    if not outcome.success:
        print("usm run: FAILED (see the steps above; `make dev` shows the run in the Dagster UI)")
        return 1
    return 0


def _demo(args: argparse.Namespace) -> int:
    from pipelines import runner, settings
    from pipelines.evidence.packets import packet_months
    from pipelines.generator import generate
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    runner.configure_environment()
    landing = settings.landing_dir()
    if not landing.exists() or not any(landing.iterdir()):
        print(f"generating the demo MSP into {landing}")
        print(generate(out=landing, truth=landing.parent / "truth"))
    outcome = runner.run_pipeline()
    _print_outcome(outcome)
    if outcome.success:
        months = packet_months(settings.output_dir() / SNAPSHOT_FILE)
        outcome.success = runner.run_packets(months)
        print(f"evidence:   {settings.output_dir() / 'evidence'}  ({len(months)} months, "
              f"{'written' if outcome.success else 'FAILED'})")
    print()
    print(f"warehouse:  {settings.duckdb_path()}  (the pipeline's own; do not hold it open)")
    print(f"analysts:   {settings.output_dir() / SNAPSHOT_FILE}  (read-only snapshot of schema marts)")
    print(f"truth:      {landing.parent / 'truth'}")
    print("Dagster UI: make dev, then http://127.0.0.1:3333")
    return 0 if outcome.success else 1


def _packet(args: argparse.Namespace) -> int:
    from datetime import date

    from pipelines import runner, settings
    from pipelines.evidence.packets import month_folder, packet_clients_of
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    def month(text: str) -> date:
        try:
            return date.fromisoformat(f"{text}-01")
        except ValueError:
            raise SystemExit(f"usm packet: {text!r} is not a month (YYYY-MM)") from None

    first = month(args.month)
    last = month(args.to) if args.to else first
    if last < first:
        raise SystemExit("usm packet: --to is before --month")
    months = [first]
    while months[-1] < last:
        current = months[-1]
        months.append(date(current.year + current.month // 12, current.month % 12 + 1, 1))
    runner.configure_environment()
    snapshot = settings.output_dir() / SNAPSHOT_FILE
    if not snapshot.exists():
        raise SystemExit(f"usm packet: no marts snapshot at {snapshot}; run `usm run` first")
    if args.client and args.client not in dict(packet_clients_of(snapshot)):
        raise SystemExit(f"usm packet: no client {args.client!r} in marts.dim_clients ({snapshot})")
    if not runner.run_packets(months, args.client):
        print("usm packet: FAILED; the run's events are in the Dagster instance (make dev)", file=sys.stderr)
        return 1
    for m in months:
        print(f"  {month_folder(settings.output_dir(), m)}")
    return 0


def _serve_api(args: argparse.Namespace) -> int:
    from datetime import datetime

    from pipelines import settings
    from pipelines.sources.emulator.server import EmulatorServer
    from pipelines.sources.transport import ENVIRONMENT, credentials_from_env

    landing = Path(args.landing) if args.landing else settings.landing_dir()
    now = datetime.fromisoformat(args.now) if args.now else None
    server = EmulatorServer(landing, port=args.port, host=args.host, faults=args.faults,
                            credentials=credentials_from_env(), verbose=args.verbose, now=now)
    _stop_on_sigterm()
    try:  # from here a stop signal ends the server cleanly, even while it prints its addresses
        print(f"usm serve-api: {landing} on http://{args.host}:{server.port} (faults: {args.faults or 'none'})",
              flush=True)
        for system, url in server.urls().items():
            print(f"  export {ENVIRONMENT[system]['url']}={url}")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _stop_on_sigterm() -> None:
    """SIGTERM and SIGINT stop the server cleanly, even when the parent started it with them
    blocked (a signal mask is inherited across exec: a process manager's, or a Python thread's)."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)


def _pull(args: argparse.Namespace) -> int:
    import logging

    from pipelines import settings
    from pipelines.sources.pull import SYSTEMS, pull
    from pipelines.sources.transport import PullError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    landing = Path(args.landing) if args.landing else settings.landing_dir()
    systems = tuple(args.system) if args.system else SYSTEMS
    try:
        results = pull(landing, systems, page_size=args.page_size)
    except PullError as failure:
        print(f"usm pull: FAILED: {failure}", file=sys.stderr)
        print("usm pull: run it again to resume from the last page written", file=sys.stderr)
        return 1
    for result in results:
        print(f"  {result.key:<40} {result.records:>8,} records  {result.pages:>5} pages")
    print(f"landing: {landing}")
    return 0


def _sync(args: argparse.Namespace) -> int:
    from pipelines import settings
    from pipelines.lib.closure_sync import apply_plan, read_plan
    from pipelines.sources.connectwise import ConnectWiseClient
    from pipelines.sources.servicenow import ServiceNowClient
    from pipelines.sources.transport import PullError

    warehouse = Path(args.db) if args.db else settings.duckdb_path()
    try:
        plan = read_plan(warehouse)
    except LookupError as missing:
        print(f"usm sync: {missing}", file=sys.stderr)
        return 1
    for action in plan:
        print(f"  {action['action']:<22} {action['target_ticket_id']:<28} ({action['reason']}, "
              f"{action['source_ticket_id']})")
    print(f"{len(plan)} action(s)")
    if not args.apply:
        print("usm sync: plan only; --apply carries it out through the vendors' APIs")
        return 0
    psa, itsm = ConnectWiseClient.from_env(), ServiceNowClient.from_env()
    log_file = settings.output_dir() / "sync" / "actions.ndjson"
    try:
        outcomes = apply_plan(plan, psa, itsm, log_file)
    except PullError as failure:
        print(f"usm sync: FAILED: {failure} (applying again skips what is aligned)", file=sys.stderr)
        return 1
    finally:
        psa.close()
        itsm.close()
    applied = sum(o.applied for o in outcomes)
    print(f"applied {applied}, already aligned {len(outcomes) - applied}; log: {log_file}")
    return 0


def _iso_date(text: str) -> date:
    """An argument that is a date: argparse prints a refused one in one line, naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of at least 1: {text!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="usm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write a synthetic MSP's extracts and the truth about them")
    gen.add_argument("--out", required=True, help="landing folder to write")
    gen.add_argument("--truth", help="truth folder (default: OUT/../truth)")
    gen.add_argument("--clients", type=_positive, default=12)
    gen.add_argument("--days", type=_positive, default=90)
    gen.add_argument("--start", type=_iso_date, default=date(2026, 1, 1), help="first extract date, YYYY-MM-DD")
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--rate", action="append", default=[], metavar="NAME=VALUE",
                     help="override one defect rate (repeatable); pipelines/generator/README.md lists them")
    gen.set_defaults(handler=_generate)

    run = commands.add_parser("run", help="materialize the whole asset graph for every extract date")
    run.add_argument("--landing", help="landing folder (default $USM_LANDING_DIR or data/landing)")
    run.add_argument("--db", help="warehouse file (default $USM_DUCKDB_PATH or data/warehouse.duckdb)")
    run.add_argument("--from", dest="date_from", type=_iso_date, help="first extract date, YYYY-MM-DD")
    run.add_argument("--to", dest="date_to", type=_iso_date, help="last extract date, YYYY-MM-DD")
    run.set_defaults(handler=_run)

    packet = commands.add_parser("packet", help="(re)write the evidence packets of a month")
    packet.add_argument("--month", required=True, help="YYYY-MM")
    packet.add_argument("--to", help="last month of a range, YYYY-MM (one run)")
    packet.add_argument("--client", help="only this client's packet (a client_id of marts.dim_clients)")
    packet.set_defaults(handler=_packet)

    serve = commands.add_parser("serve-api", help="emulate the four vendors' APIs over a landing folder")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--landing", help="landing folder to serve (default $USM_LANDING_DIR or data/landing)")
    serve.add_argument("--faults", help="faults to inject, e.g. 429:every=4,503:every=7,short:every=3 "
                                        "(pipelines/sources/emulator/faults.py)")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    serve.add_argument("--now", help="the emulated systems' time (UTC, YYYY-MM-DD HH:MM:SS) that stamps "
                                     "what the APIs change; default the wall clock")
    serve.set_defaults(handler=_serve_api)

    pull = commands.add_parser("pull", help="pull the vendors' APIs into the landing folder, from the last cursor")
    pull.add_argument("--system", action="append", choices=["connectwise", "servicenow", "jira", "ninjaone"],
                      help="one system (repeatable; default all)")
    pull.add_argument("--landing", help="landing folder to write (default $USM_LANDING_DIR or data/landing)")
    pull.add_argument("--page-size", type=int, default=1000)
    pull.set_defaults(handler=_pull)

    sync = commands.add_parser("sync", help="print (or with --apply carry out) marts.sync_actions")
    sync.add_argument("--apply", action="store_true", help="change the tickets through the vendors' APIs")
    sync.add_argument("--db", help="warehouse file (default $USM_DUCKDB_PATH or data/warehouse.duckdb)")
    sync.set_defaults(handler=_sync)

    demo = commands.add_parser("demo", help="generate the demo MSP when data/landing is empty, then run everything")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipelines.lib.run_lock import WarehouseBusy

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except WarehouseBusy as busy:
        print(f"usm: {busy}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
