"""The `usm` command (../shared/spec/RUNNING.md)."""

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
        start=date.fromisoformat(args.start),
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
    for step in outcome.failed_steps:
        print(f"FAILED step: {step}")
    for check in outcome.failed_checks:
        print(f"failed check: {check}")


def _run(args: argparse.Namespace) -> int:
    from pipelines import runner, settings
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    runner.configure_environment(Path(args.landing) if args.landing else None, Path(args.db) if args.db else None)
    outcome = runner.run_pipeline(
        date.fromisoformat(args.date_from) if args.date_from else None,
        date.fromisoformat(args.date_to) if args.date_to else None,
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
    from pipelines.generator import generate
    from pipelines.lib.snapshot import SNAPSHOT_FILE

    runner.configure_environment()
    landing = settings.landing_dir()
    if not landing.exists() or not any(landing.iterdir()):
        print(f"generating the demo MSP into {landing}")
        print(generate(out=landing, truth=landing.parent / "truth"))
    outcome = runner.run_pipeline()
    _print_outcome(outcome)
    print()
    print(f"warehouse:  {settings.duckdb_path()}  (the pipeline's own; do not hold it open)")
    print(f"analysts:   {settings.output_dir() / SNAPSHOT_FILE}  (read-only snapshot of schema marts)")
    print(f"truth:      {landing.parent / 'truth'}")
    print("Dagster UI: make dev, then http://127.0.0.1:3333")
    return 0 if outcome.success else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="usm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write a synthetic MSP's extracts and the truth about them")
    gen.add_argument("--out", required=True, help="landing folder to write")
    gen.add_argument("--truth", help="truth folder (default: OUT/../truth)")
    gen.add_argument("--clients", type=int, default=12)
    gen.add_argument("--days", type=int, default=90)
    gen.add_argument("--start", default="2026-01-01", help="first extract date, YYYY-MM-DD")
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--rate", action="append", default=[], metavar="NAME=VALUE",
                     help="override one defect rate (repeatable); pipelines/generator/README.md lists them")
    gen.set_defaults(handler=_generate)

    run = commands.add_parser("run", help="materialize the whole asset graph for every extract date")
    run.add_argument("--landing", help="landing folder (default $USM_LANDING_DIR or data/landing)")
    run.add_argument("--db", help="warehouse file (default $USM_DUCKDB_PATH or data/warehouse.duckdb)")
    run.add_argument("--from", dest="date_from", help="first extract date, YYYY-MM-DD")
    run.add_argument("--to", dest="date_to", help="last extract date, YYYY-MM-DD")
    run.set_defaults(handler=_run)

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
