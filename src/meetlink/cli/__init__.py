"""The ``meetlink`` command: a thin layer over the library.

Exit codes: 0 done; 1 failed part-way (safe to run again); 2 bad input (nothing was done).
When the reader of the output goes away (``meetlink status | head``), the command stops
quietly with exit code 1, as any failed run: no traceback, and what it did stays done.

The command speaks Vietnamese or English (:mod:`meetlink.cli.i18n`): ``--lang vi|en``
before the command, else ``MEETLINK_LANG``, else the locale (``vi_VN`` gives Vietnamese);
English by default.

Core dumps are off for the whole process (:func:`disable_core_dumps`): a crash must not
leave the vault key or a password in a core file.

Example:
    $ meetlink plan examples/myhao-2023q3/meeting.yaml
    $ meetlink --lang vi plan --help
    $ meetlink plan examples/myhao-2023q3/meeting.yaml --format json -o plan.json
    $ meetlink report examples/myhao-2023q3/meeting.yaml --blank -o diem-danh/
    $ meetlink report examples/myhao-2023q3/meeting.yaml \
          --attendance examples/myhao-2023q3/roll-call.csv -o bao-cao/report.xlsx
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from meetlink import __version__
from meetlink.cli.announce import add_announce_command, run_announce_command
from meetlink.cli.commands import add_commands, run_command
from meetlink.cli.documents import add_document_commands, run_document_command
from meetlink.cli.google import add_google_command, run_google_command
from meetlink.cli.i18n import (
    LANGUAGES,
    choose_language,
    meeting_help,
    ngettext,
    speaking,
    spoken_language,
    translator,
)
from meetlink.cli.i18n import gettext as _
from meetlink.cli.registration import add_registration_command, run_registration_command
from meetlink.cli.state import add_state_command, run_state_command
from meetlink.credentials.redaction import install_redaction
from meetlink.errors import InputError, MeetlinkError, VaultKeyError
from meetlink.invites import points_without_recipients
from meetlink.loading import MeetingFile
from meetlink.planning import Plan, plan_meeting
from meetlink.planning.export import plan_rows, plan_to_json, write_points_csv, write_points_xlsx
from meetlink.planning.points import point_list
from meetlink.reconcile import planned_actions
from meetlink.reconcile.server_db import state_arg
from meetlink.reconcile.setup import load_meeting

if TYPE_CHECKING:
    from meetlink.report import Report
    from meetlink.report.models import RollCalls

__all__ = ["disable_core_dumps", "main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C (128 + SIGINT, as a shell says it)


def _parser() -> argparse.ArgumentParser:
    """The parser, its help in the language spoken now (built inside :func:`speaking`)."""
    parser = argparse.ArgumentParser(
        prog="meetlink",
        description=_("Plan, open and report simultaneous online meetings across bridge points."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"meetlink {__version__}",
        help=_("show program's version number and exit"),
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help=_(
            "the language of messages and help: vi (Vietnamese) or en (English); by default "
            "MEETLINK_LANG, else the locale (vi_VN: Vietnamese), else English"
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan = commands.add_parser("plan", help=_("show the bridge points, seats and conferences"))
    plan.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    plan.add_argument(
        "--format",
        choices=("table", "json", "csv", "xlsx", "tree"),
        default="table",
        help=_("the form of the plan (default: table)"),
    )
    plan.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help=_("write to FILE instead of standard output (required for xlsx)"),
    )
    plan.add_argument(
        "--state", type=state_arg, metavar="DIR|URL", help=_("state folder (for actions)")
    )
    add_commands(commands)
    add_announce_command(commands)
    add_document_commands(commands)
    add_registration_command(commands)
    add_state_command(commands)
    add_google_command(commands)
    report = commands.add_parser(
        "report",
        help=_("the result report from roll calls, or blank roll-call sheets (--blank)"),
    )
    report.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    source = report.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--attendance",
        nargs="+",
        type=Path,
        metavar="FILE",
        help=_("roll-call sheets (CSV/XLSX), or folders of them"),
    )
    source.add_argument(
        "--from-platform",
        action="store_true",
        help=_("who joined, from the platforms' records (Google Meet keeps them 30 days)"),
    )
    source.add_argument(
        "--blank",
        action="store_true",
        help=_(
            "write blank roll-call sheets to -o: a .xlsx/.csv file, or a folder (one per point)"
        ),
    )
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help=_("report.xlsx or report.csv (the summary and the chart are written beside it)"),
    )
    report.add_argument(
        "--target",
        type=_rate,
        default=0.9,
        metavar="RATE",
        help=_("the target attendance rate for the chart and summary: 90, 90%% or 0.9 (default)"),
    )
    report.add_argument("--no-chart", action="store_true", help=_("do not draw the chart"))
    report.add_argument(
        "--occurrence",
        type=_day,
        metavar="YYYY-MM-DD",
        help=_("a recurring meeting: report the one held that day (default: every one)"),
    )
    return parser


def _rate(text: str) -> float:
    try:
        value = float(text.strip().rstrip("%").replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("'{given}' is not a rate such as 90% or 0.9").format(given=text)
        ) from None
    value = value / 100 if value > 1 else value
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            _("'{given}' is not a rate between 0% and 100%").format(given=text)
        )
    return value


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("'{given}' is not a date such as 2024-03-03").format(given=text)
        ) from None


def disable_core_dumps() -> None:
    """Turn core dumps off for this process and its children, for good (soft and hard limit
    0): a core file would hold the vault key and every password the run has seen.

    The kernel then writes no core file, and systemd-coredump honours the limit too. Nothing
    happens where the platform has no ``resource`` module (Windows).
    """
    if sys.platform == "win32":  # pragma: no cover - no resource module there
        return
    import resource

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line in its language (``--lang``, ``MEETLINK_LANG``, the locale);
    return the exit code."""
    disable_core_dumps()
    words = list(sys.argv[1:] if argv is None else argv)
    with speaking(choose_language(words, os.environ)):
        try:
            code = _main(words)
            sys.stdout.flush()  # a reader gone away shows here, not at the interpreter's exit
        except BrokenPipeError:
            _stdout_to_devnull()
            return EXIT_FAILED
        except KeyboardInterrupt:  # a sentence, not a traceback: the ledger holds what was done
            said = _(
                "stopped (Ctrl-C). Run the same command again to finish: what was done is "
                "recorded, and nothing is done twice."
            )
            print(f"\nmeetlink: {said}", file=sys.stderr)
            return EXIT_INTERRUPTED
    return code


def _stdout_to_devnull() -> None:
    """Point standard output at the null device, so that the interpreter's last flush finds
    no broken pipe either (the recipe of Python's documentation on SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


_COMMAND_RUNNERS: tuple[Callable[[argparse.Namespace], int | None], ...] = (
    run_command,
    run_announce_command,
    run_document_command,
    run_registration_command,
    run_state_command,
    run_google_command,
)


def _main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    # Warnings from meetlink and the libraries it drives reach stderr, every known secret
    # masked (the vault's, the SMTP password, tokens) even if one slips into a message.
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="meetlink: %(levelname)s: %(message)s")
    install_redaction(logging.getLogger())
    try:
        if args.command == "plan":
            return _plan(args)
        if args.command == "report":
            return _report(args)
        # Each command module runs the commands it owns and answers None for the others.
        for run in _COMMAND_RUNNERS:
            code = run(args)
            if code is not None:
                return code
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        found = ngettext(
            "{count} problem found; nothing was done.",
            "{count} problems found; nothing was done.",
            count,
        )
        print(f"meetlink: {found.format(count=count)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except VaultKeyError as exc:  # the wrong or a missing key: a setting, nothing was written
        print(f"meetlink: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MeetlinkError as exc:
        print(f"meetlink: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK  # pragma: no cover - argparse requires a command


def _plan(args: argparse.Namespace) -> int:
    loaded = load_meeting(args.meeting)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    try:
        return _show_plan(plan, args, loaded)
    except BrokenPipeError:
        raise  # the reader of standard output is gone: main ends quietly
    except OSError as exc:  # a missing folder, no permission: said plainly, not as a traceback
        raise InputError.single(
            str(exc.filename or args.output),
            _(
                "cannot write the output ({reason}); check that its folder exists and is writable."
            ).format(reason=exc.strerror),
        ) from None


def _actions(loaded: MeetingFile, state: str | Path | None) -> list[dict[str, str]]:
    """What ``open`` would do; empty (with a note) when a platform cannot be set up yet."""
    try:
        return [a.to_dict() for a in planned_actions(loaded, state)]
    except MeetlinkError as exc:
        first = str(exc).splitlines()[0]
        unknown = _("the actions are unknown until this is fixed: {problem}").format(problem=first)
        print(f"meetlink: {unknown}", file=sys.stderr)
        return []


def _show_plan(plan: Plan, args: argparse.Namespace, loaded: MeetingFile) -> int:
    output: Path | None = args.output
    if args.format == "xlsx":
        if output is None:
            raise InputError.single(str(args.meeting), _("--format xlsx needs -o FILE.xlsx."))
        write_points_xlsx(point_list(plan), output)
        return EXIT_OK
    if args.format == "table":
        from meetlink.planning.table import render_plan

        notes = _no_recipients_note(plan)
        if output is None:
            render_plan(plan, notes=notes)
        else:
            with output.open("w", encoding="utf-8") as stream:
                render_plan(plan, stream, notes=notes)
        return EXIT_OK
    if args.format == "tree":  # the relay tree of the tracks too large for one conference
        from meetlink.planning.table import terminal_text, tier_tree

        lines = tier_tree(plan) or [
            _("no track is relayed in tiers: each shared track fits one conference.")
        ]
        text = "".join(f"{terminal_text(line)}\n" for line in lines)
    elif args.format == "json":
        text = plan_to_json(plan, _actions(loaded, args.state))
    else:
        text = write_points_csv(*plan_rows(plan))
    _write(text, output, bom=args.format == "csv")
    return EXIT_OK


def _no_recipients_note(plan: Plan) -> list[str]:
    """The points with seats that ``open`` will send no invitation: nobody to write to."""
    sittings: dict[str, list[str]] = {}
    for sitting, point in points_without_recipients(plan):
        sittings.setdefault(point, []).append(sitting)
    if not sittings:
        return []
    listed = "; ".join(f"{point} ({', '.join(keys)})" for point, keys in sittings.items())
    note = _(
        "no invitation can go to {count} bridge point(s) with seats, for nobody there has an "
        "email address: {points}. Fill in the roster's contact_emails (email nhận giấy mời) of "
        "a unit seated there, or the officer_email of the point's host."
    )
    return [note.format(count=len(sittings), points=listed)]


def _report(args: argparse.Namespace) -> int:
    # imported here: `meetlink plan` need not load the report (or openpyxl, matplotlib)
    from meetlink.report import (
        blank_roll_call,
        build_report,
        load_roll_calls,
        notice_text,
        report_summary,
    )

    output: Path | None = args.output
    if args.blank and output is None:
        raise InputError.single(
            str(args.meeting),
            _("--blank needs -o FOLDER (one sheet per point) or -o FILE.xlsx."),
        )
    if not args.blank and output is not None and output.suffix.lower() not in (".xlsx", ".csv"):
        raise InputError.single(
            str(output), _("the report is written as .xlsx or .csv; rename -o.")
        )
    loaded = load_meeting(args.meeting)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    try:
        if args.blank:
            if output is None:  # pragma: no cover - checked above
                raise InputError.single(str(args.meeting), _("--blank needs -o FOLDER or FILE."))
            written = blank_roll_call(plan, output)
            sheets = _("{count} blank roll-call sheet(s) written to {folder}.")
            print(sheets.format(count=len(written), folder=output))
            return EXIT_OK
        if args.from_platform:
            roll_calls, warnings = _platform_roll_calls(args, loaded, plan)
            for warning in warnings:
                print(f"meetlink: {warning}", file=sys.stderr)
        else:
            roll_calls = load_roll_calls(args.attendance, plan)
        report = build_report(plan, roll_calls, occurrence=args.occurrence)
        summary = report_summary(report, loaded.meeting.language, target=args.target)
        # everything was read and checked: only now is anything written
        written = _write_report(report, summary, output, args, plan) if output else []
    except BrokenPipeError:
        raise  # the reader of standard output is gone: main ends quietly
    except OSError as exc:  # a folder that cannot be made, no permission: said plainly
        raise InputError.single(
            str(exc.filename or output),
            _("cannot write the output ({reason}); check that its folder is writable.").format(
                reason=exc.strerror
            ),
        ) from None
    sys.stdout.write(summary)
    for notice in report.notices:  # where each came from: for the operator, not the committee
        if notice.where:
            located = notice_text(notice, spoken_language(), located=True)
            print(f"meetlink: {located}", file=sys.stderr)
    if written:  # the end of the summary above: in the meeting's language, as the summary is
        words = translator(loaded.meeting.language)
        print("\n" + "\n".join(words.gettext("Written: {path}").format(path=p) for p in written))
    return EXIT_OK


def _platform_roll_calls(
    args: argparse.Namespace, loaded: MeetingFile, plan: Plan
) -> tuple[RollCalls, tuple[str, ...]]:
    from meetlink.reconcile.attendance import attendance_from_platform
    from meetlink.reconcile.state import resolve_state

    state = resolve_state(getattr(args, "state", None), loaded.path, os.environ)
    return attendance_from_platform(loaded, plan, state, environ=os.environ)


def _write_report(
    report: Report, summary: str, output: Path, args: argparse.Namespace, plan: Plan
) -> list[Path]:
    """The report, its summary beside it, the chart unless --no-chart, and beside an XLSX the
    report to the committee as a DOCX in the Party's form (``report.docx``, the chart inside)."""
    from meetlink.report import draw_attendance_chart, write_report_csv, write_report_xlsx

    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".csv":
        write_report_csv(report, output)
    else:
        write_report_xlsx(report, output)
    summary_path = output.with_name(f"{output.stem}-summary.txt")
    summary_path.write_text(summary, encoding="utf-8")
    written = [output, summary_path]
    if not args.no_chart:
        chart = output.with_name(f"{output.stem}-chart.png")
        try:
            written.append(draw_attendance_chart(report, chart, target=args.target))
        except MeetlinkError as exc:  # matplotlib missing: the report stands without it
            print(f"meetlink: {_('no chart: {reason}').format(reason=exc)}", file=sys.stderr)
    if output.suffix.lower() == ".xlsx":  # the committee's copy; a CSV is data for tools
        from meetlink.report.document import write_report_docx

        drawn = written[-1] if written[-1].suffix == ".png" else None
        written.append(write_report_docx(report, plan, output.with_suffix(".docx"), chart=drawn))
    return written


def _write(text: str, output: Path | None, *, bom: bool) -> None:
    if output is not None:
        output.write_text(text, encoding="utf-8", newline="")
    else:
        sys.stdout.write(text.removeprefix("\ufeff") if bom else text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
