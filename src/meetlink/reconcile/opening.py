"""The pieces of an ``open`` that one run and each of its workers assemble alike: what the
run works on (:class:`Opening`) and a session's context over a ledger and a vault, the
phases in order, run again while a stopped worker left something behind (moved from
:mod:`meetlink.reconcile.run`, so that :mod:`meetlink.reconcile.workers` builds its
workers' runs from the same pieces).

Example:
    >>> from meetlink.reconcile.opening import Options
    >>> from meetlink.reconcile.setup import Silent
    >>> Options(8, None, Silent(), None, None).rate_limits
    {'google': 10.0}
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from meetlink.adapters.base import ConferenceAdapter
from meetlink.credentials.handout import SecretHook
from meetlink.credentials.vault import Vault, VaultKey, open_vault
from meetlink.invites.templates import Templates
from meetlink.loading import MeetingFile
from meetlink.loading.meeting import InviteMode
from meetlink.mail.sender import InviteSender
from meetlink.planning import Plan, plan_meeting
from meetlink.reconcile.access import run_access, run_credentials
from meetlink.reconcile.claims import ClaimBook, LeftBehind
from meetlink.reconcile.conferences import run_conferences
from meetlink.reconcile.context import ConferenceCache, CredentialCache, OpenResult, RunContext
from meetlink.reconcile.desired import DesiredState
from meetlink.reconcile.handouts import run_handouts
from meetlink.reconcile.invitation_hashes import sources_mark
from meetlink.reconcile.invitations import run_invitations
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import EffectState, Ledger, LedgerStore
from meetlink.reconcile.ledger_pg import PostgresLedger
from meetlink.reconcile.notices import run_notices
from meetlink.reconcile.pacing import Throttle
from meetlink.reconcile.scope import Scope
from meetlink.reconcile.senders import Mail
from meetlink.reconcile.setup import Progress, Silent, make_adapters
from meetlink.reconcile.siblings import SiblingMarks
from meetlink.reconcile.state import StateWhere, alone, open_ledger, open_state_vault

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "Opening",
    "Options",
    "acting_context",
    "make_context",
    "mark_cancelled",
    "run_phases",
    "run_to_end",
    "say_where",
    "vault_beside",
]

# Calls a second per platform unless the caller says otherwise (Calendar's per-user quota is
# of this order; local platforms are not limited).
DEFAULT_RATE_LIMITS: Mapping[str, float] = {"google": 10.0}


class Options:
    """The caller's knobs, passed from ``open_meeting`` to the context in one piece."""

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

    def for_worker(self, workers: int, progress: Progress) -> Options:
        """These options for one of ``workers`` processes of one run: each platform's rate
        shared between them (four workers at google=10 make 2.5 calls a second each)."""
        rates = {name: rate / workers for name, rate in self.rate_limits.items()}
        return Options(self.concurrency, rates, progress, self.secret_hook, self.sender)


def make_context(
    loaded: MeetingFile,
    plan: Plan,
    ledger: LedgerStore,
    vault: Vault | None,
    adapters: Mapping[str, ConferenceAdapter],
    state: Path,
    options: Options,
    dry_run: bool,
    extra_cancelled: Iterable[str] = (),
    scope: Scope | None = None,
    words: Templates | None = None,
    *,
    desired: DesiredState | None = None,
    claims: ClaimBook | None = None,
    siblings: SiblingMarks | None = None,
) -> RunContext:
    """A run's context over ``ledger`` and ``vault``. ``desired``: a desired state worked
    out already (a worker's, made once before the workers start); ``claims`` and
    ``siblings``: a worker's place among the others (:mod:`meetlink.reconcile.workers`)."""
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
        desired=desired
        or DesiredState(
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
        claims=claims or ClaimBook(),
        siblings=siblings,
    )


@dataclass(frozen=True)
class Opening:
    """What one ``open`` works on, loaded and checked once: the meeting, its plan, where its
    ledger is, the platforms, the part of the roster and the words; a run's :meth:`session`
    (and each worker's, :mod:`meetlink.reconcile.workers`) is opened over it.

    Example:
        >>> opening = Opening(loaded, plan, where, adapters, None, os.environ)  # doctest: +SKIP
        >>> with opening.session(options, wait=0.0) as ctx:  # doctest: +SKIP
        ...     run_to_end(ctx)
    """

    loaded: MeetingFile
    plan: Plan
    where: StateWhere
    adapters: dict[str, ConferenceAdapter]  # a worker's own replace a platform's that calls out
    vault_key: VaultKey | None = field(repr=False)
    environ: Mapping[str, str] = field(repr=False)  # may hold the vault key, a password
    part: Scope | None = None
    words: Templates | None = None

    @contextlib.contextmanager
    def session(
        self,
        options: Options,
        *,
        wait: float,
        cancelled: Iterable[str] = (),
        desired: DesiredState | None = None,
        claims: ClaimBook | None = None,
        siblings: SiblingMarks | None = None,
    ) -> Iterator[RunContext]:
        """A run's context on connections of its own: the ledger, the meeting's lock (held
        by another run: :class:`~meetlink.errors.LedgerBusy` after ``wait`` seconds), the
        vault (a key that does not open it is refused before anything is written); the
        sittings in ``cancelled`` marked cancelled first."""
        where, loaded = self.where, self.loaded
        with (
            open_ledger(where) as ledger,
            ledger.lock(loaded.meeting.id, wait=wait),
            vault_beside(where, ledger, self.vault_key, self.environ) as vault,
        ):
            mark_cancelled(ledger, loaded.meeting.id, cancelled)
            ctx = make_context(
                loaded,
                self.plan,
                ledger,
                vault,
                self.adapters,
                where.folder,
                options,
                False,
                (),
                self.part,
                self.words,
                desired=desired,
                claims=claims,
                siblings=siblings,
            )
            say_where(ctx.result, where.shown if where.server else "", self.part, self.plan)
            yield ctx


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
    options = Options(1, None, Silent(), None, None)
    try:
        with (
            open_ledger(where) as ledger,
            alone(ledger, loaded.meeting.id),
            open_state_vault(where, vault_key, environ) as vault,
        ):
            yield make_context(loaded, plan, ledger, vault, adapters, where.folder, options, False)
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


def vault_beside(
    where: StateWhere, ledger: LedgerStore, key: VaultKey | None, env: Mapping[str, str]
) -> Vault:
    """The vault beside the ledger; in a state folder, on the ledger's own connection, so a
    chunk's vault and audit rows are committed with its outcomes (one connection, no lock
    between two)."""
    if where.server is None and isinstance(ledger, Ledger):
        return open_vault(ledger.path, key, env=env, sharing=ledger.sharing())
    return open_state_vault(where, key, env)


def say_where(result: OpenResult, server: str, scope: Scope | None, plan: Plan) -> None:
    """Say in the result where the shared ledger is and which part of the roster was opened."""
    result.where = server
    if scope is not None:
        result.scope = f"{plan.units[scope.unit].name} ({scope.unit})"
        result.scope_points = len(scope.points)


def run_phases(ctx: RunContext) -> None:
    """The phases of ``open``, in order."""
    run_conferences(ctx)
    run_credentials(ctx)
    run_access(ctx)
    run_handouts(ctx)
    run_notices(ctx)
    run_invitations(ctx)


def run_to_end(ctx: RunContext) -> None:
    """The phases, started again (twice at most) while a worker that stopped midway left
    effects unfinished (:class:`~meetlink.reconcile.claims.LeftBehind`); then the
    conferences changed in the file that another office hosts are counted. The mail's
    senders are closed however it ends."""
    try:
        for last in (False, False, True):
            try:
                run_phases(ctx)
                break
            except LeftBehind:
                if last:
                    raise
        left = ctx.desired.left_to_host(ctx.effects(Kind.CONFERENCE))
        ctx.result.left_to_host = len(left)
    finally:
        ctx.mail.close()
