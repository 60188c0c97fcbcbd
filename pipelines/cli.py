"""The `usm` command (../shared/spec/RUNNING.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def _generate(args: argparse.Namespace) -> int:
    from pipelines.generator import generate

    out = Path(args.out)
    truth = Path(args.truth) if args.truth else out.parent / "truth"
    summary = generate(
        out=out,
        truth=truth,
        clients=args.clients,
        days=args.days,
        start=date.fromisoformat(args.start),
        seed=args.seed,
    )
    print(summary)
    return 0


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
    gen.set_defaults(handler=_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
