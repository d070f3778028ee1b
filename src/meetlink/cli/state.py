"""The body of ``meetlink state migrate``: a meeting's SQLite state copied to PostgreSQL.

Example:
    $ meetlink state migrate q3/meeting.yaml --to postgresql://office@db/meetlink
    copied to postgresql://office@db/meetlink: 412 records, 80 credentials (still
    encrypted), 95 audit entries
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from meetlink.cli.i18n import gettext as _
from meetlink.cli.i18n import meeting_help
from meetlink.errors import InputError
from meetlink.reconcile.server_db import is_server_url, shown_url
from meetlink.reconcile.setup import load_meeting
from meetlink.reconcile.state import LEDGER_FILE, resolve_state

__all__ = ["add_state_command", "run_state_command"]

EXIT_OK = 0


def add_state_command(commands: Any) -> None:
    """Add ``state migrate`` to an argparse subparsers object."""
    state = commands.add_parser("state", help=_("move a meeting's state to a shared server"))
    actions = state.add_subparsers(dest="state_action", required=True, metavar="ACTION")
    move = actions.add_parser(
        "migrate",
        help=_("copy the SQLite ledger and vault to PostgreSQL"),
        description=_(
            "Copy the meeting's ledger, its vault (still encrypted: no key is needed) and its "
            "audit log from the state folder to a PostgreSQL database, for offices and workers "
            "to share (docs: guides/shared-ledger). The folder is only read."
        ),
    )
    move.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    move.add_argument("--to", required=True, metavar="URL", help=_("postgresql://…"))
    move.add_argument("--state", type=Path, metavar="DIR", help=_("state folder"))


def run_state_command(args: argparse.Namespace) -> int | None:
    """Run ``state``; None when the command is another module's."""
    if args.command != "state":
        return None
    loaded = load_meeting(args.meeting)
    if not is_server_url(args.to):
        raise InputError.single(
            str(args.meeting),
            _(
                "--to must be a postgresql:// URL, for example --to postgresql://office@db/meetlink."
            ),
        )
    folder = resolve_state(args.state, loaded.path, {}).folder
    ledger = folder / LEDGER_FILE
    if not ledger.exists():
        raise InputError.single(
            str(args.meeting),
            _("nothing was opened yet (no ledger in {folder}); run `meetlink open` first.").format(
                folder=folder
            ),
        )
    from meetlink.reconcile.migrate_pg import migrate_meeting

    copied = migrate_meeting(ledger, loaded.meeting.id, args.to)
    print(
        _(
            "copied to {url}: {effects} records, {credentials} credentials (still encrypted), "
            "{audit} audit entries"
        ).format(
            url=shown_url(args.to),
            effects=copied.effects,
            credentials=copied.credentials,
            audit=copied.audit,
        )
    )
    print(
        _(
            "from now on: --state {url} (or MEETLINK_STATE); the folder {folder} was not changed."
        ).format(url=shown_url(args.to), folder=folder)
    )
    return EXIT_OK
