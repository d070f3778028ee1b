"""The body of ``meetlink notice``: the office's notice as DOCX, and its list of bridge points
as a print-ready XLSX beside it.

With ``--schedule`` it writes the year's schedule of a recurring meeting instead (LỊCH SINH
HOẠT … NĂM 2024, :mod:`meetlink.documents.schedule`), its table as an XLSX beside it.

Example:
    $ meetlink notice examples/myhao-2023q3/meeting.yaml -o thong-bao.docx
    Written: thong-bao.docx
    Written: thong-bao.xlsx
    $ meetlink notice meeting.yaml --schedule -o lich-sinh-hoat.docx
    Written: lich-sinh-hoat.docx
    Written: lich-sinh-hoat.xlsx
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from meetlink.cli.i18n import gettext as _
from meetlink.cli.i18n import meeting_help
from meetlink.errors import InputError
from meetlink.planning import Plan, plan_meeting
from meetlink.planning.export import write_points_xlsx
from meetlink.reconcile.setup import load_meeting

__all__ = ["add_document_commands", "run_document_command"]

EXIT_OK = 0


def add_document_commands(commands: Any) -> None:
    """Add ``notice`` to an argparse subparsers object."""
    notice = commands.add_parser(
        "notice",
        help=_("the notice, invitation or plan (DOCX) with its list of bridge points"),
        description=_(
            "Write the meeting's notice, invitation or plan (notice.kind in the meeting file) "
            "in the Party's document form as a DOCX to edit and sign, with the list of bridge "
            "points attached; the same list is written beside it as a print-ready XLSX "
            "(-o thong-bao.docx also writes thong-bao.xlsx)."
        ),
    )
    notice.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    notice.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE.docx",
        help=_("the notice; the list of bridge points goes to FILE.xlsx beside it"),
    )
    notice.add_argument(
        "--schedule",
        action="store_true",
        help=_(
            "write the year's schedule of the recurring sittings instead (every date, the "
            "skipped and moved ones noted); its table goes to FILE.xlsx beside it"
        ),
    )


def run_document_command(args: argparse.Namespace) -> int | None:
    """Run ``notice``; None when the command is another module's."""
    if args.command != "notice":
        return None
    return _notice(args)


def _notice(args: argparse.Namespace) -> int:
    # python-docx is loaded by this command only (issue 19: not by every `meetlink`)
    from meetlink.documents.notice import attachment_list, notice_document
    from meetlink.documents.schedule import schedule_document, write_schedule_xlsx

    output: Path = args.output
    if output.suffix.lower() != ".docx":
        raise InputError.single(
            str(output), _("the notice is written as a .docx file; name -o FILE.docx.")
        )
    loaded = load_meeting(args.meeting)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    if args.schedule and not _recurs(plan):
        raise InputError.single(
            str(args.meeting),
            _(
                "no sitting of the meeting recurs, so there is no year's schedule to write; "
                "give a sitting a recurrence (FREQ=MONTHLY;BYDAY=1SU: the first Sunday of "
                "each month), or leave out --schedule."
            ),
        )
    # everything is checked before anything is written
    document = schedule_document(plan) if args.schedule else notice_document(plan)
    sheet = output.with_suffix(".xlsx")
    try:
        document.save(output)
        if args.schedule:
            write_schedule_xlsx(plan, sheet)
        else:
            write_points_xlsx(attachment_list(plan), sheet)
    except OSError as exc:  # a missing folder, no permission: said plainly, not as a traceback
        raise InputError.single(
            str(exc.filename or output),
            _(
                "cannot write the output ({reason}); check that its folder exists and is writable."
            ).format(reason=exc.strerror),
        ) from None
    print(_("Written: {path}").format(path=output))
    print(_("Written: {path}").format(path=sheet))
    return EXIT_OK


def _recurs(plan: Plan) -> bool:
    return any(s.recurrence and s.start is not None for s in plan.sittings)
