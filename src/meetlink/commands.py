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

from meetlink.adapters.models import ConferenceInfo, ConferenceRequest
from meetlink.credentials.audit import AuditAction
from meetlink.credentials.handout import slip_text
from meetlink.credentials.vault import Vault, load_vault_key
from meetlink.errors import InputError
from meetlink.ledger import EffectState, Ledger
from meetlink.loading import MeetingFile, load_meeting
from meetlink.opening import default_state_dir, open_meeting, summary_lines
from meetlink.opening_handout import handout_card, vault_kind
from meetlink.opening_setup import LineProgress, Progress, make_adapters
from meetlink.planning import Plan, plan_meeting
from meetlink.status import meeting_status, officers_waiting

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
    plan = plan_meeting(loaded.meeting, loaded.roster)
    state = _state(args, loaded)
    meeting_id = loaded.meeting.id
    with Ledger(state / "ledger.sqlite3") as ledger:
        issued = [
            e
            for e in ledger.effects(meeting_id, kind="access")
            if e.state == EffectState.DONE and _point_of(e.key) in _wanted(args, plan)
        ]
        handed = {e.key.split(":", 1)[1]: e for e in ledger.effects(meeting_id, kind="handout")}
        if args.action == "list":
            for effect in issued:
                name = effect.key.split(":", 1)[1]
                given = handed.get(name)
                where = "handed out" if given and given.state == EffectState.DONE else "not yet"
                print(f"{name}  version {effect.detail.get('version')}  {where}")
            print(f"{len(issued)} credentials; secrets are in the vault, never printed here.")
            return EXIT_OK
        if args.action == "rotate":
            for effect in issued:
                ledger.record_failed(effect.key, "rotation requested")
            with Vault.open(state / "ledger.sqlite3", load_vault_key()) as vault:
                for effect in issued:
                    vault.audit.record(
                        meeting_id,
                        _point_of(effect.key),
                        AuditAction.ROTATE,
                        channel="cli",
                        detail=effect.key.split(":", 1)[1],
                    )
            result = open_meeting(loaded, state_dir=state, progress=_progress())
            for line in summary_lines(result):
                print(line)
            return EXIT_OK if result.ok else EXIT_FAILED
    key = load_vault_key()
    with Vault.open(state / "ledger.sqlite3", key) as vault:
        if args.action == "revoke":
            return _revoke(vault, loaded, plan, state, [e.key for e in issued])
        return _slips(args, loaded, plan, vault, [e.key for e in issued])


def _wanted(args: argparse.Namespace, plan: Plan) -> set[str]:
    if args.unit is None:
        return {p.id for p in plan.bridge_points}
    return {p.id for p in plan.bridge_points if args.unit in (p.id, p.host_unit)}


def _point_of(key: str) -> str:
    return key.rpartition("/")[2]


def _revoke(vault: Vault, loaded: MeetingFile, plan: Plan, state: Path, issued: list[str]) -> int:
    """After the meeting: the provider's adapter lists the accounts to disable, the vault
    forgets the credentials, and the ledger keeps them revoked (``open`` does not re-issue)."""
    meeting_id = loaded.meeting.id
    adapters = make_adapters(loaded, plan, state, environ=os.environ)
    logins: list[str] = []
    try:
        with Ledger(state / "ledger.sqlite3") as ledger:
            for conference in sorted({k.split(":", 1)[1].rpartition("/")[0] for k in issued}):
                made = ledger.get(f"conference:{conference}")
                if made is None or "info" not in made.detail:
                    continue
                request = ConferenceRequest.model_validate(made.detail["request"])
                revoke = getattr(adapters.get(request.track), "revoke", None)
                if callable(revoke):  # e.g. the provider's revocation list
                    logins += revoke(request, ConferenceInfo.model_validate(made.detail["info"]))
            for key in issued:
                conference, _, point = key.split(":", 1)[1].rpartition("/")
                vault.delete(meeting_id, point, vault_kind(conference))
                vault.audit.record(
                    meeting_id,
                    point,
                    AuditAction.REVOKE,
                    channel="cli",
                    detail=f"{conference} revoked",
                )
                ledger.record_cancelled(key, detail={"revoked": True})
                handed = f"handout:{key.split(':', 1)[1]}"
                if ledger.get(handed) is not None:
                    ledger.record_cancelled(handed)
    finally:
        for adapter in adapters.values():
            adapter.close()
    print(
        f"{len(issued)} credentials revoked and purged from the vault; "
        f"{len(logins)} accounts listed for the provider to disable."
    )
    return EXIT_OK


def _slips(
    args: argparse.Namespace, loaded: MeetingFile, plan: Plan, vault: Vault, issued: list[str]
) -> int:
    meeting = loaded.meeting
    folder: Path | None = args.output
    if folder is not None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for key in issued:
        name = key.split(":", 1)[1]
        conference, _, point_id = name.rpartition("/")
        if plan.units[plan.point(point_id).host_unit].officer is None:
            continue
        card = handout_card(plan, conference, point_id, meeting.title)
        text = slip_text(
            card, vault.get(meeting.id, point_id, vault_kind(conference), channel="slip")
        )
        if folder is None:
            sys.stdout.write(text + "\f\n")
        else:
            target = folder / f"{name.replace('/', '_')}.txt"
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
    if folder is not None:
        print(f"{len(issued)} slips written to {folder} (readable by you only).")
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
