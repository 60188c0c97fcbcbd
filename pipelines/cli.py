"""The `usm` command (docs/commands.md; usm.yaml: docs/configuration.md)."""

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
    if outcome.held_back:
        # the marts in full (what analysts miss), the layers below them counted
        marts = [name.removeprefix("marts/") for name in outcome.held_back if name.startswith("marts/")]
        others = len(outcome.held_back) - len(marts)
        print(
            f"held back, downstream of the failures above: {len(marts)} marts ({', '.join(marts) or 'none'})"
            f" and {others} other assets; the rest published"
        )
    print(f"warnings: {len(outcome.warnings)} check(s)" + (" (the run still published)" if outcome.success else ""))


def _print_failures(command: str, outcome) -> None:
    """The causes, last: what a person reads first when a run failed."""
    print(f"usm {command}: FAILED", file=sys.stderr)
    for step, cause in outcome.failed_steps:
        print(f"  step {step}: {cause}", file=sys.stderr)
    for check in outcome.failed_checks:
        print(f"  blocking check {check}", file=sys.stderr)
    print(f"  full traces: {outcome.log_path}; every event: the run in the Dagster UI (make dev)", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    from pipelines import runner, settings
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    runner.configure_environment(Path(args.landing) if args.landing else None, Path(args.db) if args.db else None)
    outcome = runner.run_pipeline(args.date_from, args.date_to, full_refresh=args.full_refresh)
    _print_outcome(outcome)
    print(f"warehouse: {settings.duckdb_path()}")
    snapshot = settings.output_dir() / SNAPSHOT_FILE
    if snapshot.exists():
        print(f"analysts:  {snapshot}  (read-only snapshot of schema marts; `usm sql` opens it)")
    if not outcome.success:
        _print_failures("run", outcome)
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
        _start_partitions_at_the_demo(landing)
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
    if not outcome.success:
        _print_failures("demo", outcome)
        return 1
    return 0


def _start_partitions_at_the_demo(landing: Path) -> None:
    """The demo's partitions start on its first extract date, not years before it: a usm.yaml
    saying so is written when the site has none (docs/configuration.md, extracts_from)."""
    import os

    from pipelines.sources.catalog import dated_entities
    from pipelines.sources.landing import extract_dates

    config = Path(os.environ.get("USM_CONFIG") or "usm.yaml")
    first = extract_dates(landing, dated_entities())[0]
    if config.exists():
        print(f"{config} exists: left as it is (the demo's extracts start on {first})")
        return
    config.write_text(
        "# Written by `usm demo`: the Dagster partitions start on the demo's first extract date.\n"
        "# Every other setting is in usm.example.yaml (docs/configuration.md).\n"
        f"extracts_from: {first}\n"
    )
    print(f"{config}: extracts_from {first} (the demo's first extract date)")


def _packet(args: argparse.Namespace) -> int:
    from pipelines import runner, settings
    from pipelines.errors import UserError
    from pipelines.evidence.packets import month_folder, packet_clients_of, packet_months
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    first = args.month
    last = args.to or first
    if last < first:
        raise UserError(f"--to {last:%Y-%m} is before --month {first:%Y-%m}")
    months = [first]
    while months[-1] < last:
        current = months[-1]
        months.append(date(current.year + current.month // 12, current.month % 12 + 1, 1))
    runner.configure_environment()
    snapshot = settings.output_dir() / SNAPSHOT_FILE
    if not snapshot.exists():
        raise UserError(f"no marts snapshot at {snapshot}; run `usm run` first")
    with_data = packet_months(snapshot)
    outside = [m for m in months if m not in with_data]
    if outside:
        span = f"{with_data[0]:%Y-%m} to {with_data[-1]:%Y-%m}" if with_data else "none: marts.fct_tickets is empty"
        raise UserError(f"{outside[0]:%Y-%m} is outside the data: the months with tickets are {span}")
    if args.client and args.client not in dict(packet_clients_of(snapshot)):
        raise UserError(f"no client {args.client!r} in marts.dim_clients ({snapshot})")
    if not runner.run_packets(months, args.client):
        print("usm packet: FAILED; the run's events are in the Dagster instance (make dev)", file=sys.stderr)
        return 1
    for m in months:
        print(f"  {month_folder(settings.output_dir(), m)}")
    return 0


def _serve_api(args: argparse.Namespace) -> int:
    import shlex
    from datetime import datetime

    from pipelines import settings
    from pipelines.errors import UserError
    from pipelines.sources.emulator.server import EmulatorServer
    from pipelines.sources.emulator.store import CHANGES_FILE
    from pipelines.sources.transport import ENVIRONMENT, credential_variables, credentials_from_env

    landing = Path(args.landing) if args.landing else settings.landing_dir()
    if not landing.is_dir():
        raise UserError(f"no landing folder at {landing} (`usm generate --out {landing}` writes one)")
    try:
        now = datetime.fromisoformat(args.now) if args.now else None
    except ValueError:
        raise UserError(f"--now {args.now!r} is not a time (YYYY-MM-DD HH:MM:SS, UTC)") from None
    credentials = credentials_from_env()
    try:
        server = EmulatorServer(landing, port=args.port, host=args.host, faults=args.faults, credentials=credentials,
                                verbose=args.verbose, now=now, changes=landing / CHANGES_FILE)
    except ValueError as failure:  # the --faults spec, named by parse_faults
        raise UserError(f"--faults: {failure}") from None
    except OSError as failure:  # the port is taken, the address is not this machine's, a file is unreadable
        raise UserError(f"cannot serve {landing} on {args.host}:{args.port}: {failure}") from None
    store = server.store
    _stop_on_sigterm()
    try:  # from here a stop signal ends the server cleanly, even while it prints its addresses
        print(f"usm serve-api: {landing} on http://{args.host}:{server.port} (faults: {args.faults or 'none'})",
              flush=True)
        clock = "--now" if now else "the end of the landing's last extract day, or the newest change kept when " \
                                    "later; --now sets another"
        print(f"usm serve-api: changes through the APIs are stamped {store.now} ({clock}) and kept in "
              f"{store.changes} ({store.replayed} replayed; delete the file to forget them)")
        print("# the variables `usm pull` and `usm sync --apply` read; paste them into their shell:")
        for system, url in server.urls().items():
            print(f"export {ENVIRONMENT[system]['url']}={shlex.quote(url)}")
            if system in credentials:  # the user's own values: named, never printed
                print(f"# {' '.join(credential_variables(system))}: the values set where usm serve-api started "
                      "(it accepts no others)")
            else:
                print("\n".join(f"export {variable}=emulator" for variable in credential_variables(system)))
        if set(credentials) != set(ENVIRONMENT):
            print("# `emulator` stands for any non-empty value, which the emulator accepts; to have it require "
                  "some, set all of a system's variables before starting it")
        print("usm serve-api: ready; Ctrl-C stops it", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _stop_on_sigterm() -> None:
    """SIGTERM and SIGINT raise KeyboardInterrupt, so the server stops cleanly and a pull or a sync
    ends in one line, even when the parent started the process with them blocked or ignored (a
    signal mask and ignored signals are inherited across exec: a process manager's, a Python
    thread's, a background job's)."""
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
    from pipelines.sources.transport import PullError, SetupError

    _stop_on_sigterm()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    landing = Path(args.landing) if args.landing else settings.landing_dir()
    systems = tuple(args.system) if args.system else SYSTEMS
    try:
        results = pull(landing, systems, page_size=args.page_size)
    except KeyboardInterrupt:
        print("usm pull: interrupted; run it again to resume from the last page written", file=sys.stderr)
        return 130
    except SetupError:
        raise  # a variable to set, credentials refused: a user error, one line (main)
    except PullError as failure:
        resume = "; run it again to resume from the last page written" if failure.resumable else ""
        print(f"usm pull: FAILED: {failure}{resume}", file=sys.stderr)
        return 1
    for result in results:
        print(f"  {result.key:<40} {result.records:>8,} records  {result.pages:>5} pages")
    print(f"landing: {landing}")
    return 0


def _sync(args: argparse.Namespace) -> int:
    from pipelines import settings
    from pipelines.errors import UserError
    from pipelines.lib.closure_sync import apply_plan, read_plan
    from pipelines.sources.connectwise import ConnectWiseClient
    from pipelines.sources.servicenow import ServiceNowClient
    from pipelines.sources.transport import PullError, SetupError, require_settings

    warehouse = Path(args.db) if args.db else settings.duckdb_path()
    if not warehouse.is_file():
        raise UserError(f"no warehouse at {warehouse}: run `usm run` first")
    try:
        plan = read_plan(warehouse)
    except LookupError as missing:
        raise UserError(str(missing)) from None
    for action in plan:
        print(f"  {action['action']:<22} {action['target_ticket_id']:<28} ({action['reason']}, "
              f"{action['source_ticket_id']})")
    print(f"{len(plan)} action(s)")
    if not args.apply:
        print("usm sync: plan only; --apply carries it out through the vendors' APIs")
        return 0
    require_settings(("connectwise", "servicenow"))
    _stop_on_sigterm()
    psa, itsm = ConnectWiseClient.from_env(), ServiceNowClient.from_env()
    log_file = settings.output_dir() / "sync" / "actions.ndjson"
    try:
        outcomes = apply_plan(plan, psa, itsm, log_file)
    except KeyboardInterrupt:
        print(f"usm sync: interrupted; the actions done are in {log_file}; applying again skips what is aligned",
              file=sys.stderr)
        return 130
    except SetupError:
        raise  # credentials refused: a user error, one line (main)
    except PullError as failure:
        print(f"usm sync: FAILED: {failure} (applying again skips what is aligned)", file=sys.stderr)
        return 1
    finally:
        psa.close()
        itsm.close()
    applied = sum(o.applied for o in outcomes)
    print(f"applied {applied}, already aligned {len(outcomes) - applied}; log: {log_file}")
    return 0


def _sql(args: argparse.Namespace) -> int:
    import os
    import sysconfig

    from pipelines import settings
    from pipelines.errors import UserError
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    snapshot = Path(args.snapshot).resolve() if args.snapshot else settings.output_dir() / SNAPSHOT_FILE
    if not snapshot.is_file():
        raise UserError(f"no marts snapshot at {snapshot}; `usm run` publishes it")
    # The shell installed with usm (duckdb-cli, constraints.txt), which reads the snapshot's storage
    # version; another `duckdb` on PATH may be older, or newer than the snapshot needs.
    shell = Path(sysconfig.get_path("scripts")) / "duckdb"
    if not shell.is_file():
        raise UserError(f"no DuckDB shell at {shell}; `make setup` installs it")
    os.execv(shell, [str(shell), "-readonly", str(snapshot), *(["-c", args.sql] if args.sql else [])])


def _iso_date(text: str) -> date:
    """An argument that is a date: argparse prints a refused one in one line, naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {text!r}") from None


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of at least 1: {text!r}")
    return number


class _OneLineParser(argparse.ArgumentParser):
    """A wrong argument is one line naming it (argparse would print the whole usage first)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (`{self.prog} --help` lists the options)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="usm", description=__doc__)
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
    run.add_argument("--full-refresh", action="store_true",
                     help="rebuild every dbt model from all of raw, not only what the loads changed")
    run.set_defaults(handler=_run)

    packet = commands.add_parser("packet", help="(re)write the evidence packets of a month")
    packet.add_argument("--month", required=True, type=_month, help="YYYY-MM")
    packet.add_argument("--to", type=_month, help="last month of a range, YYYY-MM (one run)")
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
                                     "what the APIs change; default the end of the landing's last extract day")
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

    sql = commands.add_parser("sql", help="open the analysts' snapshot, read-only, in the DuckDB shell")
    sql.add_argument("sql", nargs="?", help="one statement to run instead of the interactive shell")
    sql.add_argument("--snapshot", help="snapshot file (default $USM_OUTPUT_DIR/usm_marts.duckdb)")
    sql.set_defaults(handler=_sql)

    demo = commands.add_parser("demo", help="generate the demo MSP when data/landing is empty, then run everything")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipelines.errors import UserError
    from pipelines.lib.run_lock import WarehouseBusy

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UserError as error:  # usm.yaml, a folder, a range: one line naming it (argparse's own errors too)
        print(f"usm {args.command}: {error}", file=sys.stderr)
        return 2
    except WarehouseBusy as busy:
        print(f"usm {args.command}: {busy}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
