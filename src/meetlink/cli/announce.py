"""``meetlink announce``: the short texts to paste into the units' chat groups, or send by SMS.

One text per bridge point and sitting, or one per conference when every point of a shared
conference joins by the same link (one text for the group): the time, the point, the join
link, the line test, the help contacts. The links come from the ledger (what the
invitations carried), never a password; before ``meetlink open`` has made the conferences,
the texts say the link follows, and a note says to run ``meetlink open`` first.

``--format zalo`` (the default) keeps Vietnamese and its line breaks; ``--format sms`` is
plain ASCII without diacritics, since many SMS gateways send nothing else, cut into parts
of 160 characters when longer; ``--format text`` is plain text for an e-mail or a printout.

Example:
    $ meetlink announce examples/myhao-2023q3/meeting.yaml --format zalo
    $ meetlink announce examples/myhao-2023q3/meeting.yaml --sitting q3 --format sms -o sms.txt
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from meetlink.cli.i18n import gettext as _
from meetlink.cli.i18n import meeting_help, translator
from meetlink.errors import InputError
from meetlink.invites.announce import FORMATS, Announcement, announcements_for, render_announcement
from meetlink.planning import plan_meeting
from meetlink.planning.table import terminal_text
from meetlink.reconcile import default_state_dir
from meetlink.reconcile.ledger import Ledger
from meetlink.reconcile.links import point_links
from meetlink.reconcile.setup import load_meeting

__all__ = ["add_announce_command", "run_announce_command"]

EXIT_OK = 0


def add_announce_command(commands: Any) -> None:
    """Add ``announce`` to an argparse subparsers object."""
    announce = commands.add_parser(
        "announce", help=_("short texts for the units' chat groups (Zalo) or SMS")
    )
    announce.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    announce.add_argument(
        "--sitting", metavar="ID", help=_("SITTING or TRACK/SITTING (default: every sitting)")
    )
    announce.add_argument(
        "--format",
        choices=FORMATS,
        default="zalo",
        help=_(
            "zalo (Vietnamese, line breaks; the default), sms (ASCII without diacritics, "
            "160-character parts) or text (plain)"
        ),
    )
    announce.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help=_("write the texts to FILE (UTF-8)")
    )
    announce.add_argument("--state", type=Path, metavar="DIR", help=_("state folder"))


def run_announce_command(args: argparse.Namespace) -> int | None:
    """Run ``meetlink announce``; None if the command is another one."""
    if args.command != "announce":
        return None
    loaded = load_meeting(args.meeting)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    if args.sitting is not None:
        known = {s.key for s in plan.sittings} | {s.id for s in plan.sittings}
        if args.sitting not in known:
            raise InputError.single(
                str(args.meeting),
                _(
                    "the meeting has no sitting '{sitting}'; give one of: {known}, or leave "
                    "--sitting out for every sitting."
                ).format(sitting=terminal_text(args.sitting), known=", ".join(sorted(known))),
            )
    state: Path = args.state or default_state_dir(loaded.path)
    ledger_file = state / "ledger.sqlite3"
    if ledger_file.exists():
        with Ledger(ledger_file, read_only=True) as ledger:
            rows = point_links(plan, ledger)
        announcements = announcements_for(
            plan,
            {(r.sitting, r.point): r.link for r in rows},
            made=frozenset((r.sitting, r.point) for r in rows if r.made),
            credentials=frozenset((r.sitting, r.point) for r in rows if r.credentials),
            sitting=args.sitting,
        )
    else:
        announcements = announcements_for(plan, sitting=args.sitting)
    if any(a.links_later for a in announcements):
        later = _(
            "the join links appear after `meetlink open` has made the conferences; these "
            "texts say the link follows."
        )
        print(f"meetlink: {later}", file=sys.stderr)
    folder = loaded.templates_folder
    blocks = [
        _block(a, render_announcement(a, args.format, templates_folder=folder))
        for a in announcements
    ]
    text = "\n".join(blocks)
    if args.output is None:
        sys.stdout.write(terminal_text(text, keep_newlines=True))
        return EXIT_OK
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError.single(
            str(args.output),
            _(
                "cannot write the texts ({reason}); check that the folder exists and is writable."
            ).format(reason=exc.strerror),
        ) from None
    written = _("{count} text(s) written to {path}.")
    print(written.format(count=len(blocks), path=terminal_text(args.output)))
    return EXIT_OK


def _block(announcement: Announcement, text: str) -> str:
    """A text under a line that says where it goes (the line is not part of the text), in
    the text's language."""
    if announcement.for_group:
        where = translator(announcement.language).gettext("all {count} bridge points")
        where = where.format(count=announcement.point_count)
    else:
        where = f"{announcement.point_name} ({announcement.point})"
    return f"==== {announcement.sitting} — {where} ====\n{text.rstrip()}\n"
