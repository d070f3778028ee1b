"""``meetlink open``: carry out what the meeting file wants and the ledger has not done.

The phases, in order: conferences (create, update, cancel — batched where the platform
can), then every point's login and access, their hand-out to its technical officer, then
the notices of sittings whose time comes later, then the invitations. Each effect's intent
is committed to the ledger before its call and its outcome after, so a run that is killed
at any moment is finished by the next one without a duplicate: an effect left at ``intent``
is first looked up (a conference on the platform, a login in the vault or the provider's
copy) or resent with the same bytes and Message-ID (an e-mail). One failing bridge point
does not stop the others; the run ends with every failure listed, and the next run retries
those.

A fault of the machine ends the run with a :class:`~meetlink.errors.LedgerError` sentence
(exit code 1), never a traceback: a full disk ("free some disk space, then run again"), a
damaged ledger (found when it is opened; "restore it from a backup") or a read-only state
folder (said so before anything is done). A dry run opens the ledger read-only. A re-run
of files unchanged since a settled run (the first open too, once its verify pass found
nothing left) is answered by the folder's stamp (:mod:`meetlink.reconcile.settled`).

Example:
    >>> from meetlink.reconcile import open_meeting
    >>> result = open_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
    >>> result.ok, result.counts["invitation"]["create"]              # doctest: +SKIP
    (True, 80)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from meetlink.adapters.base import ConferenceAdapter
from meetlink.credentials.handout import SecretHook
from meetlink.credentials.vault import VaultKey
from meetlink.errors import InputError, LedgerError
from meetlink.group_commit import storage_failure
from meetlink.invites.pending import check_pending_templates
from meetlink.invites.templates import Templates
from meetlink.loading import MeetingFile
from meetlink.mail.sender import InviteSender
from meetlink.planning import Plan, plan_meeting
from meetlink.reconcile import settled
from meetlink.reconcile.collector import without_collection
from meetlink.reconcile.context import OpenResult, RunContext
from meetlink.reconcile.diff import Action
from meetlink.reconcile.keys import Kind
from meetlink.reconcile.ledger import Ledger
from meetlink.reconcile.notices import notice_actions
from meetlink.reconcile.opening import (
    DEFAULT_RATE_LIMITS,
    Opening,
    Options,
    make_context,
    run_to_end,
    say_where,
    vault_beside,
)
from meetlink.reconcile.scope import Scope
from meetlink.reconcile.setup import Progress, Silent, load_meeting, make_adapters
from meetlink.reconcile.state import LEDGER_FILE, StateWhere, open_ledger, resolve_state
from meetlink.reconcile.workers import open_by_workers

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "LEDGER_FILE",
    "default_state_dir",
    "open_meeting",
    "planned_actions",
    "summary_lines",
]


MOST_WORKERS = 64
"""The most worker processes one ``open --workers N`` forks."""


def default_state_dir(meeting_path: Path) -> Path:
    """``.meetlink/`` beside the meeting file."""
    return meeting_path.parent / ".meetlink"


@without_collection  # a run's objects live to its end: not walked again and again (issue 19)
def open_meeting(
    meeting: str | Path | MeetingFile,
    *,
    state_dir: str | Path | None = None,
    dry_run: bool = False,
    concurrency: int = 8,
    vault_key: VaultKey | None = None,
    env: Mapping[str, str] | None = None,
    http: object = None,
    sender: InviteSender | None = None,
    progress: Progress | None = None,
    cancel_sittings: Iterable[str] = (),
    wait_for_lock: float = 0.0,
    rate_limits: Mapping[str, float] | None = None,
    secret_hook: SecretHook | None = None,
    scope: str | None = None,
    workers: int = 1,
) -> OpenResult:
    """Reconcile the meeting with what was done: create, update and cancel, exactly once.

    ``state_dir`` is a folder, or a ``postgresql://`` URL shared by several offices and
    workers (default: ``MEETLINK_STATE``, else ``.meetlink/`` beside the meeting file; see
    :mod:`meetlink.reconcile.state`).
    ``sender`` replaces the configured SMTP/outbox sender (tests, other office tools);
    ``http`` is handed to every adapter; ``cancel_sittings`` (``track/sitting`` or a sitting
    id) cancels those sittings and keeps them cancelled (``meetlink cancel``);
    ``rate_limits`` maps a platform to calls a second (default: google 10);
    ``secret_hook`` delivers the password half of a ``handout: split`` track (an SMS or
    chat gateway) — without one, that half waits for a printed slip. ``scope`` (a unit's
    id, ``--scope``) acts on that unit's part of the roster only (it and the units below
    it; :mod:`meetlink.reconcile.scope`). A re-run of unchanged files in a state folder,
    after a settled run (the first too), returns a no-op run's result without working it
    out (:mod:`meetlink.reconcile.settled`; ``MEETLINK_FULL_RUN=1`` asks for the full run).
    ``workers`` (``--workers``, on a shared ledger only) forks that many processes of this
    machine to share the effects, the meeting worked out once (:mod:`.workers`).
    Raises :class:`~meetlink.errors.InputError` on bad input, and
    :class:`~meetlink.errors.VaultKeyError` for a key that does not open the vault, before
    anything is done.

    Example:
        >>> import meetlink
        >>> result = meetlink.open_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
        >>> result.ok                                                          # doctest: +SKIP
        True
    """
    environ = os.environ if env is None else env
    cancel_sittings = tuple(cancel_sittings)
    given = None if isinstance(meeting, MeetingFile) else Path(meeting)
    stamped = given is not None and not dry_run and not cancel_sittings
    if stamped and given is not None and not environ.get(settled.FULL_RUN_VAR):
        hook = secret_hook is not None
        done = _settled_result(given, state_dir, environ, scope, hook, vault_key, wait_for_lock)
        if done is not None:
            return done
    loaded = meeting if isinstance(meeting, MeetingFile) else load_meeting(meeting)
    where = resolve_state(state_dir, loaded.path, environ)  # a folder, or a server's URL
    state = where.folder
    plan = plan_meeting(loaded.meeting, loaded.roster)
    part = _scope(loaded, plan, scope, cancel_sittings)
    before = settled.inputs_before(loaded, state) if stamped and not where.server else None
    # The meeting's own templates are checked now: a mistake is exit 2 before anything is done.
    words = Templates.load(loaded.meeting.language, loaded.templates_folder)
    check_pending_templates(loaded.meeting.language, loaded.templates_folder)
    adapters = make_adapters(loaded, plan, state, environ=environ, http=http)
    options = Options(concurrency, rate_limits, progress or Silent(), secret_hook, sender)
    workers = _workers(workers, where, dry_run, loaded)
    try:
        if dry_run:  # write nothing: read the ledger if there is one, else start from nothing
            found = where.exists()
            with open_ledger(where, read_only=True) if found else Ledger(":memory:") as ledger:
                names = _sitting_keys(plan, cancel_sittings)
                ctx = make_context(
                    loaded, plan, ledger, None, adapters, state, options, True, names, part
                )
                say_where(ctx.result, where.shown if where.server else "", part, plan)
                ctx.result.plan(_all_actions(ctx))
                return ctx.result
        _make_state_folder(state)
        opening = Opening(loaded, plan, where, adapters, vault_key, environ, part, words)
        cancelled = _sitting_keys(plan, cancel_sittings)
        if workers > 1:
            return open_by_workers(workers, opening, options, cancelled, http, wait_for_lock)
        with opening.session(options, wait=wait_for_lock, cancelled=cancelled) as ctx:
            run_to_end(ctx)
            ledger = ctx.ledger
            if isinstance(ledger, Ledger) and where.server is None and given is not None:
                _close(adapters)  # their own files final (a room book compacted) first
                _settle(ledger, ctx, given, scope, before, environ)
            return ctx.result
    finally:
        _close(adapters)


def _close(adapters: Mapping[str, ConferenceAdapter]) -> None:
    for adapter in (a for a in adapters.values() if not a.closed):
        adapter.close()


def _settled_result(
    path: Path,
    state_dir: str | Path | None,
    environ: Mapping[str, str],
    scope: str | None,
    hook: bool,
    vault_key: VaultKey | None,
    wait: float,
) -> OpenResult | None:
    """The result of the settled run, when nothing its stamp covers has changed since
    (:mod:`meetlink.reconcile.settled`); else None, and the full run. The meeting's lock is
    held and the vault key checked as in a full run (:class:`~meetlink.errors.LedgerBusy`,
    :class:`~meetlink.errors.VaultKeyError`); any other failure here means the full run."""
    where = resolve_state(state_dir, path, environ)
    if where.server is not None or not where.exists():
        return None
    meeting_file = str(path.resolve())
    try:
        ledger = Ledger(where.folder / LEDGER_FILE)
    except Exception:  # the full run says what is wrong
        return None
    with ledger:
        try:
            row = settled.read_settled(ledger, meeting_file, scope or "")
        except Exception:  # an unreadable row: the full run
            return None
        if row is None:
            return None
        with ledger.lock(row.meeting_id, wait=wait):  # held by another run: as in a full run
            try:
                options = settled.options_text(scope, hook, where.folder, environ)
                same = settled.still_settled(ledger, row, options)
                result = settled.result_from(row.result, row.meeting_id, where.folder)
            except Exception:  # whatever cannot be checked: the full run
                return None
            if not same:
                return None
            with vault_beside(where, ledger, vault_key, environ):
                pass  # a key that does not open the vault is refused here, as in a full run
            return result


def _settle(
    ledger: Ledger,
    ctx: RunContext,
    given: Path,
    scope: str | None,
    before: Mapping[str, str] | None,
    environ: Mapping[str, str],
) -> None:
    """Stamp a settled run (or remove an earlier stamp); a stamp that cannot be written is
    no failure of the run: the next run works everything out. A run that acted and ended
    ok is stamped with the result of the next run when a dry pass over its own context
    finds nothing left to do (:func:`~meetlink.reconcile.settled.noop_result`)."""
    hook, acted = ctx.secret_hook is not None, ctx.result.ok and any(ctx.result.counts.values())
    result = settled.noop_result(ctx, _all_actions) if acted else ctx.result
    with contextlib.suppress(LedgerError, OSError, ValueError):
        if result is None:
            settled.forget(ledger, str(given.resolve()), scope or "")
            return
        settled.record_settled(
            ledger,
            ctx.loaded,
            result,
            meeting_file=str(given.resolve()),
            scope=scope or "",
            options=settled.options_text(scope, hook, result.state_dir, environ),
            before=before,
            secret_hook=hook,
            acted=acted,
        )


def _workers(workers: int, where: StateWhere, dry_run: bool, loaded: MeetingFile) -> int:
    """The worker processes asked for, checked: above one only on a shared ledger (a dry run
    does nothing, in one process)."""
    if not 1 <= workers <= MOST_WORKERS:
        raise InputError.single(
            str(loaded.path),
            f"--workers {workers}: give 1 to {MOST_WORKERS} worker processes (each holds two "
            "connections to the server; a few per core is enough).",
        )
    if workers > 1 and where.server is None and not dry_run:
        raise InputError.single(
            str(loaded.path),
            f"--workers {workers} shares the meeting's effects through a shared ledger: give "
            "--state postgresql://… (or MEETLINK_STATE); a state folder's ledger has one "
            "writer, so leave --workers out there.",
        )
    return 1 if dry_run or not hasattr(os, "fork") else workers


def _scope(
    loaded: MeetingFile, plan: Plan, unit: str | None, cancel_sittings: Iterable[str]
) -> Scope | None:
    """The office's part of the roster (``--scope``); a sitting is cancelled for all."""
    if unit is None:
        return None
    if any(True for _ in cancel_sittings):
        raise InputError.single(
            str(loaded.path),
            "a sitting is cancelled for every bridge point at once: cancel it without a "
            "scope, from the office that hosts the meeting.",
        )
    return Scope.of(plan, unit, loaded.roster.source)


def _make_state_folder(state: Path) -> None:
    """The state folder, made if missing; a folder that cannot be made is said plainly."""
    try:
        state.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_failure(exc, state / LEDGER_FILE) from None


def _sitting_keys(plan: Plan, wanted: Iterable[str]) -> set[str]:
    """``track/sitting`` keys named by ``track/sitting`` or by a bare sitting id."""
    names = set(wanted)
    return {s.key for s in plan.sittings if s.key in names or s.id in names}


def _all_actions(ctx: RunContext) -> list[Action]:
    """Every action of every phase, as a dry run sees it (later phases as far as the ledger
    tells now: what a new conference brings shows on the next dry run)."""
    wanted = ctx.wanted()
    kinds = (Kind.CONFERENCE, Kind.CREDENTIAL, Kind.ACCESS, Kind.HANDOUT)
    actions = [a for kind in kinds for a in ctx.actions(kind, wanted)]
    return [*actions, *notice_actions(ctx)[0], *ctx.actions(Kind.INVITATION, wanted)]


@without_collection  # the dry run reads and compares what open does (issue 19)
def planned_actions(loaded: MeetingFile, state_dir: str | Path | None = None) -> list[Action]:
    """What ``open`` would do now (the plan JSON's ``actions``), without doing anything."""
    return open_meeting(loaded, state_dir=state_dir, dry_run=True).actions


def summary_lines(result: OpenResult) -> list[str]:
    """Short lines for the end of ``meetlink open``: what was done, what failed."""
    lines = []
    names = {
        "conference": "conferences",
        "credential": "logins",
        "access": "credentials",
        "handout": "hand-outs",
        "notice": "notices (time announced later)",
        "invitation": "invitations",
    }
    # A notice no longer wanted is not taken back from anyone: the invitation replaces it.
    shown = {("notice", "cancel"): "retired (the invitation follows)"}
    for what, name in names.items():
        counts = result.counts.get(what, {})
        if counts:
            done = ", ".join(f"{n} {shown.get((what, op), op)}" for op, n in sorted(counts.items()))
            lines.append(f"{name}: {done}")
    if not lines and not result.failures:
        lines.append("nothing to do: everything is already done.")
    for failure in result.failures:
        lines.append(f"FAILED {failure.key}: {failure.error}")
    if result.outbox is not None:
        lines.append(f"messages are in the outbox: {result.outbox}")
    if result.scope:
        lines.append(
            f"scope: {result.scope} and every unit below it ({result.scope_points} bridge points)"
        )
    if result.left_to_host:
        lines.append(
            f"{result.left_to_host} conferences changed in the meeting file are left to the "
            "office that hosts them: its `meetlink open` changes them"
        )
    shared = f"{result.where} (shared database)" if result.where else ""
    lines.append(f"state: {shared or result.state_dir}")
    return lines
