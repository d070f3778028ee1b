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
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from meetlink.adapters.base import ConferenceAdapter
from meetlink.credentials.handout import SecretHook
from meetlink.credentials.vault import Vault, VaultKey, open_vault
from meetlink.errors import InputError, LedgerError
from meetlink.group_commit import storage_failure
from meetlink.invites.pending import check_pending_templates
from meetlink.invites.templates import Templates
from meetlink.loading import MeetingFile
from meetlink.loading.meeting import InviteMode
from meetlink.mail.sender import InviteSender
from meetlink.planning import Plan, plan_meeting
from meetlink.reconcile import settled
from meetlink.reconcile.access import run_access, run_credentials
from meetlink.reconcile.claims import LeftBehind
from meetlink.reconcile.collector import without_collection
from meetlink.reconcile.conferences import run_conferences
from meetlink.reconcile.context import ConferenceCache, CredentialCache, OpenResult, RunContext
from meetlink.reconcile.desired import DesiredState
from meetlink.reconcile.diff import Action
from meetlink.reconcile.handouts import run_handouts
from meetlink.reconcile.invitation_hashes import sources_mark
from meetlink.reconcile.invitations import run_invitations
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import EffectState, Ledger, LedgerStore
from meetlink.reconcile.ledger_pg import PostgresLedger
from meetlink.reconcile.notices import notice_actions, run_notices
from meetlink.reconcile.pacing import Throttle
from meetlink.reconcile.scope import Scope
from meetlink.reconcile.senders import Mail
from meetlink.reconcile.setup import Progress, Silent, load_meeting, make_adapters
from meetlink.reconcile.state import (
    LEDGER_FILE,
    StateWhere,
    alone,
    open_ledger,
    open_state_vault,
    resolve_state,
)

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "LEDGER_FILE",
    "default_state_dir",
    "open_meeting",
    "planned_actions",
    "summary_lines",
]

# Calls a second per platform unless the caller says otherwise (Calendar's per-user quota is
# of this order; local platforms are not limited).
DEFAULT_RATE_LIMITS: Mapping[str, float] = {"google": 10.0}


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
    options = _Options(concurrency, rate_limits, progress or Silent(), secret_hook, sender)
    try:
        if dry_run:  # write nothing: read the ledger if there is one, else start from nothing
            found = where.exists()
            with open_ledger(where, read_only=True) if found else Ledger(":memory:") as ledger:
                names = _sitting_keys(plan, cancel_sittings)
                ctx = _context(
                    loaded, plan, ledger, None, adapters, state, options, True, names, part
                )
                _where(ctx.result, where.shown if where.server else "", part, plan)
                ctx.result.plan(_all_actions(ctx))
                return ctx.result
        _make_state_folder(state)
        with (
            open_ledger(where) as ledger,
            ledger.lock(loaded.meeting.id, wait=wait_for_lock),
        ):
            mark_cancelled(ledger, loaded.meeting.id, _sitting_keys(plan, cancel_sittings))
            with _open_vault(where, ledger, vault_key, environ) as vault:
                ctx = _context(
                    loaded, plan, ledger, vault, adapters, state, options, False, (), part, words
                )
                _where(ctx.result, where.shown if where.server else "", part, plan)
                try:
                    for last in (False, False, True):  # again if a killed worker left work
                        try:
                            _run_phases(ctx)
                            break
                        except LeftBehind:
                            if last:
                                raise
                    left = ctx.desired.left_to_host(ctx.effects(Kind.CONFERENCE))
                    ctx.result.left_to_host = len(left)
                finally:
                    ctx.mail.close()
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
            with _open_vault(where, ledger, vault_key, environ):
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


def _open_vault(
    where: StateWhere, ledger: LedgerStore, key: VaultKey | None, env: Mapping[str, str]
) -> Vault:
    """The vault beside the ledger; in a state folder, on the ledger's own connection, so a
    chunk's vault and audit rows are committed with its outcomes (one connection, no lock
    between two)."""
    if where.server is None and isinstance(ledger, Ledger):
        return open_vault(ledger.path, key, env=env, sharing=ledger.sharing())
    return open_state_vault(where, key, env)


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


def _where(result: OpenResult, server: str, scope: Scope | None, plan: Plan) -> None:
    """Say in the result where the shared ledger is and which part of the roster was opened."""
    result.where = server
    if scope is not None:
        result.scope = f"{plan.units[scope.unit].name} ({scope.unit})"
        result.scope_points = len(scope.points)


def _run_phases(ctx: RunContext) -> None:
    run_conferences(ctx)
    run_credentials(ctx)
    run_access(ctx)
    run_handouts(ctx)
    run_notices(ctx)
    run_invitations(ctx)


class _Options:
    """The caller's knobs, passed from :func:`open_meeting` to the context in one piece."""

    def __init__(
        self,
        concurrency: int,
        rate_limits: Mapping[str, float] | None,
        progress: Progress,
        secret_hook: SecretHook | None,
        sender: InviteSender | None,
    ) -> None:
        self.concurrency = max(1, concurrency)
        self.rate_limits = {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}
        self.progress = progress
        self.secret_hook = secret_hook
        self.sender = sender


def _context(
    loaded: MeetingFile,
    plan: Plan,
    ledger: LedgerStore,
    vault: Vault | None,
    adapters: Mapping[str, ConferenceAdapter],
    state: Path,
    options: _Options,
    dry_run: bool,
    extra_cancelled: Iterable[str] = (),
    scope: Scope | None = None,
    words: Templates | None = None,
) -> RunContext:
    meeting = loaded.meeting
    cancelled = {
        EffectKey.parse(e.key).conference.sitting_key
        for e in ledger.effects(meeting.id, kind=Kind.SITTING.value)
        if e.state == EffectState.CANCELLED
    } | set(extra_cancelled)
    by_outbox = meeting.delivery.smtp is None or any(
        t.invites == InviteMode.OUTBOX for t in meeting.tracks
    )
    outbox = state / "outbox" if by_outbox else None
    return RunContext(
        loaded=loaded,
        plan=plan,
        ledger=ledger,
        vault=vault,
        adapters=adapters,
        desired=DesiredState(
            plan,
            adapters,
            frozenset(cancelled),
            loaded.templates_folder,
            scope,
            hashes_folder=None if dry_run else state,
            sources_mark=sources_mark(meeting, loaded.roster),
            words=words,
        ),
        state=state,
        # Both ledgers commit a chunk's outcomes after Mail.sync; another store each at once.
        mail=Mail(
            meeting,
            state,
            options.sender,
            sync_each=not isinstance(ledger, (Ledger, PostgresLedger)),
        ),
        result=OpenResult(meeting.id, state, outbox, dry_run),
        progress=options.progress,
        throttles={t.id: Throttle(options.rate_limits.get(t.platform)) for t in meeting.tracks},
        conferences=ConferenceCache(ledger),
        held=CredentialCache(),
        concurrency=options.concurrency,
        secret_hook=options.secret_hook,
    )


@contextlib.contextmanager
def acting_context(
    loaded: MeetingFile,
    state: Path | StateWhere,
    *,
    vault_key: VaultKey | None = None,
    env: Mapping[str, str] | None = None,
    http: object = None,
) -> Iterator[RunContext]:
    """A context for acting on credentials outside ``open`` (rotate, revoke): the ledger
    (a folder's, or a server's) held alone, the vault open, one adapter per track."""
    environ = os.environ if env is None else env
    where = state if isinstance(state, StateWhere) else StateWhere(state)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    adapters = make_adapters(loaded, plan, where.folder, environ=environ, http=http)
    options = _Options(1, None, Silent(), None, None)
    try:
        with (
            open_ledger(where) as ledger,
            alone(ledger, loaded.meeting.id),
            open_state_vault(where, vault_key, environ) as vault,
        ):
            yield _context(loaded, plan, ledger, vault, adapters, where.folder, options, False)
    finally:
        for adapter in adapters.values():
            adapter.close()


def mark_cancelled(ledger: LedgerStore, meeting_id: str, sittings: Iterable[str]) -> None:
    """Remember sittings cancelled on purpose, so a later ``open`` does not revive them."""
    for sitting_key in sorted(sittings):
        track, _, sitting = sitting_key.partition("/")
        key = str(EffectKey.cancelled_sitting(track, sitting))
        ledger.record_intent(meeting_id, key, Kind.SITTING.value)
        ledger.record_cancelled(key)


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
