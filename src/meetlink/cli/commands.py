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
import os
import re
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meetlink.cli.i18n import gettext as _
from meetlink.cli.i18n import meeting_help
from meetlink.cli.links import notice_only_line, show_links
from meetlink.cli.outcome import SpokenProgress, open_summary, operation_word, status_word
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
)
from meetlink.reconcile.links import point_links
from meetlink.reconcile.scope import Scope
from meetlink.reconcile.server_db import state_arg
from meetlink.reconcile.setup import LineProgress, Progress, load_meeting
from meetlink.reconcile.state import open_ledger, resolve_state
from meetlink.reconcile.status import NOTICE_ONLY

if TYPE_CHECKING:  # python-docx is loaded by the slip command only (issue 19)
    from meetlink.documents.slip import Slip

__all__ = ["add_commands", "run_command", "slip_file_name"]

EXIT_OK, EXIT_FAILED = 0, 1


def add_commands(commands: Any) -> None:
    """Add the subcommands to an argparse subparsers object."""
    opening = commands.add_parser("open", help=_("create, update and cancel: carry out the plan"))
    opening.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    opening.add_argument(
        "--state", type=state_arg, metavar="DIR|URL", help=_("state folder, or postgresql://…")
    )
    opening.add_argument("--dry-run", action="store_true", help=_("show what would be done"))
    opening.add_argument(
        "--scope", metavar="UNIT", help=_("only UNIT and the units below it (its own points)")
    )
    opening.add_argument("--concurrency", type=int, default=8, help=_("calls at once (8)"))
    opening.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help=_("N processes of this machine share the work (a postgresql:// state only; 1)"),
    )
    opening.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="PLATFORM=N",
        help=_("at most N calls a second to PLATFORM (default google=10)"),
    )
    status = commands.add_parser("status", help=_("what is done, pending and failed"))
    status.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    status.add_argument(
        "--state", type=state_arg, metavar="DIR|URL", help=_("state folder, or postgresql://…")
    )
    status.add_argument(
        "--scope", metavar="UNIT", help=_("only UNIT and the units below it (its own points)")
    )
    status.add_argument(
        "--links",
        action="store_true",
        help=_("every point's join link per sitting (no password)"),
    )
    cancel = commands.add_parser("cancel", help=_("cancel the meeting, or one sitting"))
    cancel.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    cancel.add_argument(
        "--sitting", metavar="ID", help=_("SITTING or TRACK/SITTING (default: all)")
    )
    cancel.add_argument(
        "--state", type=state_arg, metavar="DIR|URL", help=_("state folder, or postgresql://…")
    )
    credentials = commands.add_parser("credentials", help=_("list, rotate, revoke, print slips"))
    credentials.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    credentials.add_argument(
        "action",
        choices=("list", "rotate", "revoke", "slip"),
        help=_("list, rotate (issue anew), revoke, or slip (print the slips)"),
    )
    credentials.add_argument("--unit", metavar="ID", help=_("only this bridge point / unit"))
    credentials.add_argument(
        "--state", type=state_arg, metavar="DIR|URL", help=_("state folder, or postgresql://…")
    )
    credentials.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FOLDER",
        help=_("slip: write one printable DOCX per point into FOLDER (yours alone; each 0600)"),
    )


def run_command(args: argparse.Namespace) -> int | None:
    """Run one of this module's commands; None if the command is not one of them."""
    handlers = {"open": _open, "status": _status, "cancel": _cancel, "credentials": _credentials}
    handler = handlers.get(args.command)
    return handler(args) if handler else None


def _progress() -> Progress:
    shown = LineProgress(sys.stderr) if not sys.stderr.isatty() else _RichProgress()
    return SpokenProgress(shown)


def _open(args: argparse.Namespace) -> int:
    result = open_meeting(
        args.meeting,
        state_dir=args.state,
        dry_run=args.dry_run,
        concurrency=args.concurrency,
        progress=_progress(),
        rate_limits=_rates(args.meeting, args.rate),
        scope=args.scope,
        workers=args.workers,
    )
    if args.dry_run:
        for action in result.actions:
            if action.op.value != "none":
                op = operation_word(action.op.value)
                print(terminal_text(f"{op:7} {action.key}  ({action.reason})"))
        todo = sum(1 for a in result.actions if a.op.value != "none")
        print(_("{count} actions; nothing was done (dry run).").format(count=todo))
        return EXIT_OK
    _print_lines(open_summary(result))
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
            problem = _("--rate '{given}' is not PLATFORM=N; write for example --rate google=5.")
        elif not (math.isfinite(rate) and rate > 0):
            problem = _(
                "--rate '{given}' must be a number of calls per second above 0; write for "
                "example --rate google=5."
            )
        else:
            rates[platform.strip()] = rate
            continue
        raise InputError.single(str(meeting), problem.format(given=terminal_text(item)))
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
            _("no sitting '{sitting}'; use one of: {known}.").format(
                sitting=unknown[0], known=", ".join(sorted(known))
            ),
        )
    result = open_meeting(
        loaded, state_dir=args.state, cancel_sittings=wanted, progress=_progress()
    )
    _print_lines(open_summary(result))
    return EXIT_OK if result.ok else EXIT_FAILED


def _state(args: argparse.Namespace, loaded: MeetingFile) -> Path:
    state: Path = args.state or default_state_dir(loaded.path)
    if not (state / "ledger.sqlite3").exists():
        raise InputError.single(
            str(args.meeting),
            _("nothing was opened yet (no ledger in {folder}); run `meetlink open` first.").format(
                folder=state
            ),
        )
    return state


def _status(args: argparse.Namespace) -> int:
    loaded = load_meeting(args.meeting)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    part = Scope.of(plan, args.scope, loaded.roster.source) if args.scope else None
    state = resolve_state(args.state, loaded.path, os.environ)
    if state.server is None:
        _state(args, loaded)  # a folder without a ledger: say "run open first"
    with open_ledger(state, read_only=True) as ledger:
        if args.links:
            show_links(plan, point_links(plan, ledger))
            return EXIT_OK
        rows = meeting_status(plan, ledger, part)
    from rich.table import Table

    title = _("{meeting} — status").format(meeting=loaded.meeting.title)
    table = Table(title=terminal_cell(title))
    columns = (
        _("sitting"),
        _("bridge point"),
        _("conference"),
        _("credentials"),
        _("invitation"),
        _("state"),
    )
    for column in columns:
        table.add_column(column)
    for row in rows:
        words = (row.conference, row.credentials, row.invitation, row.state)
        cells = (row.sitting, row.point, *(status_word(w) for w in words))
        if row.relay:  # a relay conference of a tiered track: where it is hosted
            held = _("{state}, relay room at {point}")
            cells = (cells[0], cells[1], held.format(state=cells[2], point=row.relay), *cells[3:])
        table.add_row(*(terminal_cell(c) for c in cells))
    terminal_console().print(table)
    counted = {
        "done": _("{count} done"),
        "pending": _("{count} pending"),
        "failed": _("{count} failed"),
        "cancelled": _("{count} cancelled"),
    }
    counts = {s: sum(1 for r in rows if r.state == s) for s in counted}
    shown = [counted[s].format(count=n) for s, n in counts.items()]
    waiting_time = sum(1 for r in rows if r.state == "waiting")
    if waiting_time:
        shown.append(_("{count} waiting for the time").format(count=waiting_time))
    print(", ".join(shown))
    notice_only = sum(1 for r in rows if r.invitation == NOTICE_ONLY)
    if notice_only:
        print(notice_only_line(notice_only, loaded.meeting.language))
    waiting = officers_waiting(rows)
    if waiting:
        named = ", ".join(terminal_text(w) for w in waiting)
        print(_("officers still without credentials: {points}").format(points=named))
    from meetlink.cli.i18n import spoken_language
    from meetlink.reconcile.records_window import status_reminders  # Meet keeps 30 days

    for line in status_reminders(loaded, plan, spoken_language()):
        print(terminal_text(line))
    for row in rows:
        if row.error:
            where = f"{terminal_text(row.sitting)} {terminal_text(row.point)}"
            error = terminal_text(row.error, keep_newlines=True)
            print(_("FAILED {key}: {error}").format(key=where, error=error))
    return EXIT_OK if counts["failed"] == 0 else EXIT_FAILED


def _credentials(args: argparse.Namespace) -> int:
    loaded = load_meeting(args.meeting)
    units = [args.unit] if args.unit else None
    if args.action == "list":
        rows = credential_rows(loaded, units, state_dir=args.state)
        for row in rows:
            line = _("{key}  version {version}  {state}").format(
                key=row.key, version=row.version, state=status_word(row.state)
            )
            print(terminal_text(line))
        print(
            _("{count} credentials; secrets are in the vault, never printed here.").format(
                count=len(rows)
            )
        )
        return EXIT_OK
    if args.action == "rotate":
        result = rotate_credentials(loaded, units, state_dir=args.state)
        _print_lines(open_summary(result))
        return EXIT_OK if result.ok else EXIT_FAILED
    if args.action == "revoke":
        revoked = revoke_credentials(loaded, units, state_dir=args.state)
        print(
            _(
                "{count} credentials revoked and purged from the vault; {accounts} accounts "
                "listed for the provider to disable."
            ).format(count=len(revoked.keys), accounts=len(revoked.accounts))
        )
        return EXIT_OK
    folder: Path | None = args.output
    if folder is not None:
        _check_slip_folder(folder, missing_ok=True)  # refused before the vault is opened
    slips = credential_slips(loaded, units, state_dir=args.state)
    if folder is None:  # plain text, one slip a page (a form feed between), for a printer
        from meetlink.documents.slip import slip_text

        for _address, slip in slips:
            sys.stdout.write(slip_text(slip) + "\f\n")
        return EXIT_OK
    _write_slips(folder, slips)
    shown = terminal_text(folder)
    print(
        _("{count} slips written to {folder}, each readable by you only (mode 0600).").format(
            count=len(slips), folder=shown
        )
    )
    return EXIT_OK


# -- slips: a folder that is yours alone, safe file names, no link followed ---------------

_SLIP_PREFIX_BYTES = 100
_NOT_NAME = re.compile(r"[^A-Za-z0-9-]+")


def slip_file_name(address: str) -> str:
    """The file name of the slip (a DOCX) of a point's ``address`` (``chinh/X%2F1``).

    A readable prefix folded to ASCII letters, digits, ``-`` and ``_`` (``/``, NUL, controls
    and every other character become ``_``), cut to 100 bytes, then 10 hex digits of the
    address's SHA-256, so two points never share a name; at most 115 bytes in all.

    Example:
        >>> slip_file_name("chinh/s1/Hòa/X%2F1")
        'chinh_s1_Hoa_X_1-969876a185.docx'
    """
    readable = address.replace("%2F", "/").replace("%25", "%")
    readable = readable.replace("đ", "d").replace("Đ", "D")
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", readable) if not unicodedata.combining(c)
    )
    prefix = _NOT_NAME.sub("_", bare).strip("_-")[:_SLIP_PREFIX_BYTES].rstrip("_-") or "slip"
    digest = hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{prefix}-{digest}.docx"


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
            _(
                "slips are written only into a folder that is yours alone, and this one is not "
                "({reason}). Name a new folder with -o (meetlink makes it readable by you "
                "only), or one that only you can write into and that is not a link; nothing "
                "was written."
            ).format(reason=terminal_text(reason)),
        ) from None


def _write_slips(folder: Path, slips: list[tuple[str, Slip]]) -> None:
    """Write every slip as a DOCX, a fresh 0600 file in ``folder`` (made 0700 if missing).

    All names are made before the first slip is written. An existing slip of the same name
    is replaced atomically; a link planted there is replaced itself, its target untouched.
    """
    from meetlink.documents.slip import slip_docx

    named = [(folder / slip_file_name(address), slip) for address, slip in slips]
    seen: set[str] = set()
    for path, _slip in named:
        if path.name in seen:  # two ids that fold alike and share a hash prefix: never overwrite
            raise InputError.single(
                str(folder),
                _(
                    "two slips would have the same file name {name}; write them one unit at a "
                    "time with --unit ID; nothing was written."
                ).format(name=path.name),
            )
        seen.add(path.name)
    try:
        make_private_folder(folder)
    except OSError as exc:
        raise InputError.single(
            str(folder),
            _(
                "cannot make the folder for the slips ({reason}); name another folder with -o; "
                "nothing was written."
            ).format(reason=exc.strerror),
        ) from None
    _check_slip_folder(folder, missing_ok=False)
    for done, (path, slip) in enumerate(named):
        try:
            write_private(path, slip_docx(slip))
        except OSError as exc:
            raise MeetlinkError(
                _(
                    "cannot write the slip {name} ({reason}); {done} of {count} slips were "
                    "written to {folder}. Free some space or name another folder with -o, then "
                    "run the command again."
                ).format(
                    name=path.name,
                    reason=exc.strerror,
                    done=done,
                    count=len(named),
                    folder=terminal_text(folder),
                )
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
