"""The bodies of ``meetlink open``, ``status``, ``cancel`` and ``credentials``.

Each takes the parsed arguments, calls the Python API and prints; the exit code follows the
public contract: 0 done, 1 failed part-way (safe to run again), 2 bad input (nothing done).

Every value printed (ids, names, platform errors) goes through
:func:`meetlink.planning.table.terminal_text`: no control character reaches the terminal.

Example:
    $ meetlink open examples/myhao-2023q3/meeting.yaml
    $ meetlink status examples/myhao-2023q3/meeting.yaml
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

from meetlink.errors import InputError, MeetlinkError
from meetlink.loading import MeetingFile
from meetlink.planning import plan_meeting
from meetlink.planning.table import terminal_cell, terminal_console, terminal_text
from meetlink.private_files import check_private_folder, make_private_folder, write_private
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
from meetlink.reconcile.ledger import Ledger
from meetlink.reconcile.setup import LineProgress, Progress, load_meeting

__all__ = ["add_commands", "run_command", "slip_file_name"]

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
        help="slip: write one file per point into FOLDER (yours alone; each file 0600)",
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
                print(terminal_text(f"{action.op.value:7} {action.key}  ({action.reason})"))
        todo = sum(1 for a in result.actions if a.op.value != "none")
        print(f"{todo} actions; nothing was done (dry run).")
        return EXIT_OK
    _print_lines(summary_lines(result))
    return EXIT_OK if result.ok else EXIT_FAILED


def _print_lines(lines: list[str]) -> None:
    for line in lines:
        print(terminal_text(line, keep_newlines=True))


def _rates(meeting: Path, given: list[str]) -> dict[str, float]:
    """``--rate PLATFORM=N`` as a mapping; N is a number of calls per second above 0."""
    rates: dict[str, float] = {}
    for item in given:
        platform, equals, number = item.partition("=")
        try:
            rate = float(number)
        except ValueError:
            rate = math.nan
        if not equals or not platform.strip():
            problem = "is not PLATFORM=N"
        elif not (math.isfinite(rate) and rate > 0):
            problem = "must be a number of calls per second above 0"
        else:
            rates[platform.strip()] = rate
            continue
        raise InputError.single(
            str(meeting),
            f"--rate '{terminal_text(item)}' {problem}; write for example --rate google=5.",
        )
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
    _print_lines(summary_lines(result))
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
    with Ledger(_state(args, loaded) / "ledger.sqlite3", read_only=True) as ledger:
        rows = meeting_status(plan, ledger)
    from rich.table import Table

    table = Table(title=terminal_cell(f"{loaded.meeting.title} — status"))
    for column in ("sitting", "bridge point", "conference", "credentials", "invitation", "state"):
        table.add_column(column)
    for row in rows:
        cells = (row.sitting, row.point, row.conference, row.credentials, row.invitation)
        table.add_row(*(terminal_cell(c) for c in (*cells, row.state)))
    terminal_console().print(table)
    states = ("done", "pending", "failed", "cancelled")
    counts = {s: sum(1 for r in rows if r.state == s) for s in states}
    print(", ".join(f"{n} {s}" for s, n in counts.items()))
    waiting = officers_waiting(rows)
    if waiting:
        named = ", ".join(terminal_text(w) for w in waiting)
        print(f"officers still without credentials: {named}")
    for row in rows:
        if row.error:
            where = f"{terminal_text(row.sitting)} {terminal_text(row.point)}"
            print(f"FAILED {where}: {terminal_text(row.error, keep_newlines=True)}")
    return EXIT_OK if counts["failed"] == 0 else EXIT_FAILED


def _credentials(args: argparse.Namespace) -> int:
    loaded = load_meeting(args.meeting)
    units = [args.unit] if args.unit else None
    if args.action == "list":
        rows = credential_rows(loaded, units, state_dir=args.state)
        for row in rows:
            print(terminal_text(f"{row.key}  version {row.version}  {row.state}"))
        print(f"{len(rows)} credentials; secrets are in the vault, never printed here.")
        return EXIT_OK
    if args.action == "rotate":
        result = rotate_credentials(loaded, units, state_dir=args.state)
        _print_lines(summary_lines(result))
        return EXIT_OK if result.ok else EXIT_FAILED
    if args.action == "revoke":
        revoked = revoke_credentials(loaded, units, state_dir=args.state)
        print(
            f"{len(revoked.keys)} credentials revoked and purged from the vault; "
            f"{len(revoked.accounts)} accounts listed for the provider to disable."
        )
        return EXIT_OK
    folder: Path | None = args.output
    if folder is not None:
        _check_slip_folder(folder, missing_ok=True)  # refused before the vault is opened
    slips = list(credential_slips(loaded, units, state_dir=args.state))
    if folder is None:
        for _, text in slips:
            sys.stdout.write(text + "\f\n")
        return EXIT_OK
    _write_slips(folder, slips)
    shown = terminal_text(folder)
    print(f"{len(slips)} slips written to {shown}, each readable by you only (mode 0600).")
    return EXIT_OK


# -- slips: a folder that is yours alone, safe file names, no link followed ---------------

_SLIP_PREFIX_BYTES = 100
_NOT_NAME = re.compile(r"[^A-Za-z0-9-]+")


def slip_file_name(address: str) -> str:
    """The file name of the slip of an access ``address`` (``chinh/s1/X%2F1``).

    A readable prefix folded to ASCII letters, digits, ``-`` and ``_`` (``/``, NUL, controls
    and every other character become ``_``), cut to 100 bytes, then 10 hex digits of the
    address's SHA-256, so two points never share a name; at most 115 bytes in all.

    Example:
        >>> slip_file_name("chinh/s1/Hòa/X%2F1")
        'chinh_s1_Hoa_X_1-969876a185.txt'
    """
    readable = address.replace("%2F", "/").replace("%25", "%")
    readable = readable.replace("đ", "d").replace("Đ", "D")
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", readable) if not unicodedata.combining(c)
    )
    prefix = _NOT_NAME.sub("_", bare).strip("_-")[:_SLIP_PREFIX_BYTES].rstrip("_-") or "slip"
    digest = hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{prefix}-{digest}.txt"


def _check_slip_folder(folder: Path, *, missing_ok: bool) -> None:
    """Refuse (bad input) a folder that is a link, not a folder, or one others may write
    into: a slip there could be read, swapped or sent through a planted link."""
    try:
        check_private_folder(folder)
    except FileNotFoundError:
        if missing_ok:
            return
        raise
    except OSError as exc:  # PermissionError: a link, another user's, mode 1777; or unreadable
        reason = str(exc) if isinstance(exc, PermissionError) else exc.strerror or str(exc)
        raise InputError.single(
            str(folder),
            f"slips are written only into a folder that is yours alone, and this one is not "
            f"({terminal_text(reason)}). Name a new folder with -o (meetlink makes it "
            "readable by you only), or one that only you can write into and that is not a "
            "link; nothing was written.",
        ) from None


def _write_slips(folder: Path, slips: list[tuple[str, str]]) -> None:
    """Write every slip as a fresh 0600 file in ``folder`` (made 0700 if missing).

    All names are made before the first slip is written. An existing slip of the same name
    is replaced atomically; a link planted there is replaced itself, its target untouched.
    """
    named = [(folder / slip_file_name(address), text) for address, text in slips]
    seen: set[str] = set()
    for path, _ in named:
        if path.name in seen:  # two ids that fold alike and share a hash prefix: never overwrite
            raise InputError.single(
                str(folder),
                f"two slips would have the same file name {path.name}; write them one unit at "
                "a time with --unit ID; nothing was written.",
            )
        seen.add(path.name)
    try:
        make_private_folder(folder)
    except OSError as exc:
        raise InputError.single(
            str(folder),
            f"cannot make the folder for the slips ({exc.strerror}); name another folder "
            "with -o; nothing was written.",
        ) from None
    _check_slip_folder(folder, missing_ok=False)
    for done, (path, text) in enumerate(named):
        try:
            write_private(path, text.encode("utf-8"))
        except OSError as exc:
            raise MeetlinkError(
                f"cannot write the slip {path.name} ({exc.strerror}); {done} of {len(named)} "
                f"slips were written to {terminal_text(folder)}. Free some space or name "
                "another folder with -o, then run the command again."
            ) from None


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
