"""The bodies of ``meetlink open``, ``status``, ``cancel`` and ``credentials``.

Each takes the parsed arguments, calls the Python API and prints; the exit code follows the
public contract: 0 done, 1 failed part-way (safe to run again), 2 bad input (nothing done).

Example:
    $ meetlink open examples/myhao-2023q3/meeting.yaml
    $ meetlink status examples/myhao-2023q3/meeting.yaml
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from meetlink.errors import InputError
from meetlink.ledger import Ledger
from meetlink.loading import MeetingFile, load_meeting
from meetlink.planning import plan_meeting
from meetlink.reconcile import (
    credential_rows,
    credential_slips,
    default_state_dir,
    meeting_status,
    officers_waiting,
    open_meeting,
    revoke_credentials,
    rotate_credentials,
    summary_lines,
)
from meetlink.reconcile.setup import LineProgress, Progress

__all__ = ["add_commands", "run_command"]

EXIT_OK, EXIT_FAILED = 0, 1


def add_commands(commands: Any) -> None:
    """Add the subcommands to an argparse subparsers object."""
    opening = commands.add_parser("open", help="create, update and cancel: carry out the plan")
    opening.add_argument("meeting", type=Path, metavar="MEETING.yaml")
    opening.add_argument("--state", type=Path, metavar="DIR", help="state folder")
    opening.add_argument("--dry-run", action="store_true", help="show what would be done")
    opening.add_argument("--concurrency", type=int, default=8, help="calls at once (8)")
    opening.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="PLATFORM=N",
        help="at most N calls a second to PLATFORM (default google=10)",
    )
    status = commands.add_parser("status", help="what is done, pending and failed")
    status.add_argument("meeting", type=Path, metavar="MEETING.yaml")
    status.add_argument("--state", type=Path, metavar="DIR")
    cancel = commands.add_parser("cancel", help="cancel the meeting, or one sitting")
    cancel.add_argument("meeting", type=Path, metavar="MEETING.yaml")
    cancel.add_argument("--sitting", metavar="ID", help="SITTING or TRACK/SITTING (default: all)")
    cancel.add_argument("--state", type=Path, metavar="DIR")
    credentials = commands.add_parser("credentials", help="list, rotate, revoke, print slips")
    credentials.add_argument("meeting", type=Path, metavar="MEETING.yaml")
    credentials.add_argument("action", choices=("list", "rotate", "revoke", "slip"))
    credentials.add_argument("--unit", metavar="ID", help="only this bridge point / unit")
    credentials.add_argument("--state", type=Path, metavar="DIR")
    credentials.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FOLDER",
        help="slip: write one file per point into FOLDER (mode 0600)",
    )


def run_command(args: argparse.Namespace) -> int | None:
    """Run one of this module's commands; None if the command is not one of them."""
    handlers = {"open": _open, "status": _status, "cancel": _cancel, "credentials": _credentials}
    handler = handlers.get(args.command)
    return handler(args) if handler else None


def _progress() -> Progress:
    return LineProgress(sys.stderr) if not sys.stderr.isatty() else _RichProgress()


def _open(args: argparse.Namespace) -> int:
    result = open_meeting(
        args.meeting,
        state_dir=args.state,
        dry_run=args.dry_run,
        concurrency=args.concurrency,
        progress=_progress(),
        rate_limits=_rates(args.meeting, args.rate),
    )
    if args.dry_run:
        for action in result.actions:
            if action.op.value != "none":
                print(f"{action.op.value:7} {action.key}  ({action.reason})")
        todo = sum(1 for a in result.actions if a.op.value != "none")
        print(f"{todo} actions; nothing was done (dry run).")
        return EXIT_OK
    for line in summary_lines(result):
        print(line)
    return EXIT_OK if result.ok else EXIT_FAILED


def _rates(meeting: Path, given: list[str]) -> dict[str, float]:
    rates: dict[str, float] = {}
    for item in given:
        platform, _, number = item.partition("=")
        try:
            rates[platform.strip()] = float(number)
        except ValueError:
            raise InputError.single(
                str(meeting),
                (f"--rate '{item}' is not PLATFORM=N; write for example --rate google=5."),
            ) from None
    return rates


def _cancel(args: argparse.Namespace) -> int:
    loaded = load_meeting(args.meeting)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    wanted = [args.sitting] if args.sitting else [s.key for s in plan.sittings]
    known = {s.key for s in plan.sittings} | {s.id for s in plan.sittings}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise InputError.single(
            str(args.meeting),
            (f"no sitting '{unknown[0]}'; use one of: {', '.join(sorted(known))}."),
        )
    result = open_meeting(
        loaded, state_dir=args.state, cancel_sittings=wanted, progress=_progress()
    )
    for line in summary_lines(result):
        print(line)
    return EXIT_OK if result.ok else EXIT_FAILED


def _state(args: argparse.Namespace, loaded: MeetingFile) -> Path:
    state: Path = args.state or default_state_dir(loaded.path)
    if not (state / "ledger.sqlite3").exists():
        raise InputError.single(
            str(args.meeting),
            (f"nothing was opened yet (no ledger in {state}); run `meetlink open` first."),
        )
    return state


def _status(args: argparse.Namespace) -> int:
    loaded = load_meeting(args.meeting)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    with Ledger(_state(args, loaded) / "ledger.sqlite3") as ledger:
        rows = meeting_status(plan, ledger)
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{loaded.meeting.title} — status")
    for column in ("sitting", "bridge point", "conference", "credentials", "invitation", "state"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.sitting, row.point, row.conference, row.credentials, row.invitation, row.state
        )
    Console().print(table)
    states = ("done", "pending", "failed", "cancelled")
    counts = {s: sum(1 for r in rows if r.state == s) for s in states}
    print(", ".join(f"{n} {s}" for s, n in counts.items()))
    waiting = officers_waiting(rows)
    if waiting:
        print(f"officers still without credentials: {', '.join(waiting)}")
    for row in rows:
        if row.error:
            print(f"FAILED {row.sitting} {row.point}: {row.error}")
    return EXIT_OK if counts["failed"] == 0 else EXIT_FAILED


def _credentials(args: argparse.Namespace) -> int:
    loaded = load_meeting(args.meeting)
    units = [args.unit] if args.unit else None
    if args.action == "list":
        rows = credential_rows(loaded, units, state_dir=args.state)
        for row in rows:
            print(f"{row.key}  version {row.version}  {row.state}")
        print(f"{len(rows)} credentials; secrets are in the vault, never printed here.")
        return EXIT_OK
    if args.action == "rotate":
        result = rotate_credentials(loaded, units, state_dir=args.state)
        for line in summary_lines(result):
            print(line)
        return EXIT_OK if result.ok else EXIT_FAILED
    if args.action == "revoke":
        revoked = revoke_credentials(loaded, units, state_dir=args.state)
        print(
            f"{len(revoked.keys)} credentials revoked and purged from the vault; "
            f"{len(revoked.accounts)} accounts listed for the provider to disable."
        )
        return EXIT_OK
    slips = list(credential_slips(loaded, units, state_dir=args.state))
    folder: Path | None = args.output
    if folder is None:
        for _, text in slips:
            sys.stdout.write(text + "\f\n")
        return EXIT_OK
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, text in slips:
        target = folder / f"{name.replace('/', '_')}.txt"
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    print(f"{len(slips)} slips written to {folder} (readable by you only).")
    return EXIT_OK


class _RichProgress:
    """A rich progress bar per phase, with counts and time left."""

    def __init__(self) -> None:
        from rich.progress import Progress as RichBar

        self._bar = RichBar()
        self._task: Any = None

    def phase(self, name: str, total: int) -> None:
        """Start a phase."""
        if total:
            self._bar.start()
            self._task = self._bar.add_task(name, total=total)

    def advance(self) -> None:
        """One step done."""
        if self._task is not None:
            self._bar.advance(self._task)

    def finish(self) -> None:
        """The phase is over."""
        if self._task is not None:
            self._bar.stop()
            self._task = None
