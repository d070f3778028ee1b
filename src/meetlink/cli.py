"""The ``meetlink`` command: a thin layer over the library.

Exit codes: 0 done; 1 failed part-way (safe to run again); 2 bad input (nothing was done).

Example:
    $ meetlink plan examples/myhao-2023q3/meeting.yaml
    $ meetlink plan examples/myhao-2023q3/meeting.yaml --format json -o plan.json
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from meetlink import __version__
from meetlink.errors import InputError, MeetlinkError
from meetlink.loading import load_meeting
from meetlink.plan_export import plan_rows, plan_to_json, write_points_csv, write_points_xlsx
from meetlink.planning import plan_meeting

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meetlink",
        description="Plan, open and report simultaneous online meetings across bridge points.",
    )
    parser.add_argument("--version", action="version", version=f"meetlink {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan = commands.add_parser("plan", help="show the bridge points, seats and conferences")
    plan.add_argument("meeting", type=Path, metavar="MEETING.yaml")
    plan.add_argument("--format", choices=("table", "json", "csv", "xlsx"), default="table")
    plan.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write to FILE instead of standard output (required for xlsx)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "plan":
            return _plan(args)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(
            f"meetlink: {count} problem{'s' if count != 1 else ''} found; nothing was done.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except MeetlinkError as exc:
        print(f"meetlink: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK  # pragma: no cover - argparse requires a command


def _plan(args: argparse.Namespace) -> int:
    loaded = load_meeting(args.meeting)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    output: Path | None = args.output
    if args.format == "xlsx":
        if output is None:
            raise InputError.single(str(args.meeting), "--format xlsx needs -o FILE.xlsx.")
        write_points_xlsx(*plan_rows(plan), output)
        return EXIT_OK
    if args.format == "table":
        from meetlink.plan_table import render_plan

        if output is None:
            render_plan(plan)
        else:
            with output.open("w", encoding="utf-8") as stream:
                render_plan(plan, stream)
        return EXIT_OK
    text = plan_to_json(plan) if args.format == "json" else write_points_csv(*plan_rows(plan))
    _write(text, output, bom=args.format == "csv")
    return EXIT_OK


def _write(text: str, output: Path | None, *, bom: bool) -> None:
    if output is not None:
        output.write_text(text, encoding="utf-8", newline="")
    else:
        sys.stdout.write(text.removeprefix("\ufeff") if bom else text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
