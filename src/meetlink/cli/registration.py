"""``meetlink registration``: forms out, returns in, checked, merged, reviewed, reminded.

    meetlink registration form MEETING.yaml [-o FOLDER] [--blank] [--unit ID]
    meetlink registration collect MEETING.yaml FILE… [--received 2023-04-11T09:00]
    meetlink registration status MEETING.yaml
    meetlink registration remind MEETING.yaml
    meetlink registration review MEETING.yaml [-o FILE.xlsx]
    meetlink registration delegates MEETING.yaml -o FILE.xlsx|FILE.docx

``collect`` takes the meeting file anywhere among its arguments (the one ending in ``.yaml``).
Exit codes: 0 done; 1 a reminder could not be sent; 2 a file was refused (its problems are
listed, ``FILE:SHEET:ROW:COLUMN``, and nothing of it was merged; the other files were).

What the commands say of the forms (written, received, decided, reminded) follows the
meeting's ``language``, as the status lines do: the office forwards it as it is. Help and
problems follow the command's language.

Example:
    $ meetlink registration form examples/registration-2023/meeting.yaml -o phieu/
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from meetlink.cli.i18n import gettext as _
from meetlink.cli.i18n import meeting_help, translator
from meetlink.errors import InputError
from meetlink.planning.table import terminal_text

__all__ = ["add_registration_command", "run_registration_command"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def add_registration_command(commands: Any) -> None:
    """Add ``registration`` and its actions to an argparse subparsers object."""
    registration = commands.add_parser(
        "registration", help=_("registration forms: send out, collect, review, remind")
    )
    actions = registration.add_subparsers(
        dest="registration_action", required=True, metavar="ACTION"
    )
    form = actions.add_parser("form", help=_("write the forms to send out and their letter"))
    form.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    form.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("phieu-dang-ky"),
        metavar="FOLDER",
        help=_("the folder of the forms (phieu-dang-ky)"),
    )
    form.add_argument("--blank", action="store_true", help=_("one blank form, not one per unit"))
    form.add_argument("--unit", action="append", default=[], metavar="ID", help=_("only this one"))
    collect = actions.add_parser("collect", help=_("read returned forms and review sheets"))
    collect.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="MEETING.yaml FILE",
        help=_("the meeting file and the returned forms"),
    )
    collect.add_argument(
        "--received",
        metavar="TIME",
        help=_("when the files came in (2023-04-11T09:00, the meeting's zone); default now"),
    )
    review = actions.add_parser("review", help=_("export the review sheet (approve / refuse)"))
    review.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    review.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("xet-duyet-dang-ky.xlsx"),
        metavar="FILE",
        help=_("the review sheet (xet-duyet-dang-ky.xlsx)"),
    )
    delegates = actions.add_parser(
        "delegates", help=_("the compiled list of delegates per point (XLSX or DOCX)")
    )
    delegates.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    delegates.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("danh-sach-dai-bieu.xlsx"),
        metavar="FILE",
        help=_("the list, .xlsx or .docx (danh-sach-dai-bieu.xlsx)"),
    )
    for name, text in (
        ("status", _("who has returned, who has not")),
        ("remind", _("e-mail those who have not")),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    for action in (
        form,
        collect,
        review,
        delegates,
        *(actions.choices[n] for n in ("status", "remind")),
    ):
        action.add_argument("--state", type=Path, metavar="DIR", help=_("state folder"))


def run_registration_command(args: argparse.Namespace) -> int | None:
    """Run ``meetlink registration …``; None when the command is another one."""
    if args.command != "registration":
        return None
    from meetlink.registration.context import load_context

    if args.registration_action == "collect":
        return _collect(args, load_context)
    context = load_context(args.meeting, args.state)
    if args.registration_action == "form":
        return _form(context, args)
    if args.registration_action == "review":
        from meetlink.registration.review import write_review_sheet

        count = write_review_sheet(context, args.output)
        said = translator(context.meeting.language).gettext(
            "Review sheet written ({count} organizations): {path}"
        )
        print(said.format(count=count, path=args.output))
        return EXIT_OK
    if args.registration_action == "delegates":
        return _delegates(context, args.output)
    if args.registration_action == "status":
        from meetlink.registration.status import registration_status, status_lines

        english = context.meeting.language == "en"
        for line in status_lines(registration_status(context), english=english):
            print(terminal_text(line))
        return EXIT_OK
    return _remind(context)


def _form(context: Any, args: argparse.Namespace) -> int:
    from meetlink.registration.form import form_file_name, write_form
    from meetlink.registration.letter import registration_letter

    folder: Path = args.output
    folder.mkdir(parents=True, exist_ok=True)
    units = context.required()
    if args.unit:
        known = {u.id: u for u in context.organizations.units}
        missing = [u for u in args.unit if u not in known]
        if missing:
            raise InputError.single(
                str(context.path),
                _("no organization '{unit}' in the list; check --unit.").format(unit=missing[0]),
            )
        units = [known[u] for u in args.unit]
    written = [registration_letter(context.meeting, folder / "cong-van-dang-ky.docx")]
    if args.blank:
        written.append(
            write_form(folder / form_file_name(None), context.meeting, None, context.organizations)
        )
    else:
        for unit in units:
            path = folder / form_file_name(unit.id)
            written.append(write_form(path, context.meeting, unit, context.organizations))
    said = translator(context.meeting.language).gettext("{count} files written to {folder}")
    print(said.format(count=len(written), folder=folder))
    return EXIT_OK


def _collect(args: argparse.Namespace, load_context: Any) -> int:
    from meetlink.registration.collect import collect_returns

    meetings = [p for p in args.paths if p.suffix.lower() in (".yaml", ".yml")]
    if len(meetings) != 1:
        raise InputError.single(
            "registration collect",
            _("give exactly one meeting file (MEETING.yaml) and the returned forms."),
        )
    files = [p for p in args.paths if p not in meetings]
    if not files:
        raise InputError.single(str(meetings[0]), _("no returned form given; list the files."))
    context = load_context(meetings[0], args.state)
    received = _received(args.received, context.meeting.zone)
    result = collect_returns(context, files, received=received)
    words = translator(context.meeting.language)
    for organization, file in result.merged:
        if organization in result.replaced:
            said = words.gettext("Received: {organization} — {file} (replaces the earlier form)")
        else:
            said = words.gettext("Received: {organization} — {file}")
        print(terminal_text(said.format(organization=organization, file=file)))
    for organization, decision in result.decided:
        said = words.gettext("Decision: {organization} — {decision}")
        print(terminal_text(said.format(organization=organization, decision=decision)))
    if result.roster_written:
        said = words.gettext("Roster written: {path}").format(path=context.roster_path)
        print(terminal_text(said))
    if result.problems:
        for problem in result.problems:
            print(terminal_text(str(problem)), file=sys.stderr)
        refused = _(
            "{count} problem(s) in {files} file(s); nothing of those files was merged. Correct "
            "them and collect them again."
        ).format(count=len(result.problems), files=len(result.refused))
        print(f"meetlink: {refused}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _delegates(context: Any, output: Path) -> int:
    from meetlink.registration.delegates import write_delegate_list

    if output.suffix.lower() not in (".xlsx", ".docx"):
        raise InputError.single(
            str(output), _("write the list as .xlsx or .docx; change the file name after -o.")
        )
    compiled = write_delegate_list(context, output)
    said = translator(context.meeting.language).gettext(
        "List of delegates written ({points} points, {delegates} delegates): {path}"
    )
    print(said.format(points=len(compiled.rows), delegates=compiled.delegates, path=output))
    return EXIT_OK


def _received(text: str | None, zone: Any) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError.single(
            "--received",
            _("'{given}' is not a date and time; write it as 2023-04-11T09:00.").format(given=text),
        ) from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _remind(context: Any) -> int:
    from meetlink.registration.remind import send_reminders

    result = send_reminders(context)
    words = translator(context.meeting.language)
    for organization, addresses in result.sent.items():
        said = words.gettext("Reminded: {organization} — {addresses}")
        print(terminal_text(said.format(organization=organization, addresses=", ".join(addresses))))
    for organization in result.no_address:
        said = words.gettext("No e-mail address: {organization} (call them)")
        print(terminal_text(said.format(organization=organization)))
    for organization, reason in result.failed.items():
        said = words.gettext("Not sent: {organization} — {reason}")
        print(terminal_text(said.format(organization=organization, reason=reason)), file=sys.stderr)
    if not (result.sent or result.no_address or result.failed):
        print(words.gettext("Every organization has returned its form: nobody to remind."))
    return EXIT_FAILED if result.failed else EXIT_OK
