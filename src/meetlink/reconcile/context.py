"""The run context: everything one ``open`` shares, built once, never reassigned.

A :class:`RunContext` is frozen: its phases read it and act through it (the ledger, the
vault, the adapters, the mail) but never set an attribute on it. What changes during a run
lives in objects made for it: :class:`OpenResult` (counts and failures, under a lock),
:class:`~meetlink.reconcile.senders.Mail` (one sender per delivery mode, made on first
use) and :class:`ConferenceCache`
(a conference's ledger record, read once per run: it holds the whole request, every point;
:mod:`meetlink.reconcile.run_caches`).

Example:
    >>> result = OpenResult("q3", Path(".meetlink"), None, dry_run=True)
    >>> result.ok
    True
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from meetlink.adapters.base import ConferenceAdapter
from meetlink.credentials.handout import SecretHook
from meetlink.credentials.vault import Vault
from meetlink.errors import AdapterError, CredentialError, DeliveryError
from meetlink.loading import MeetingFile
from meetlink.loading.meeting import Meeting, Track
from meetlink.planning import Plan
from meetlink.reconcile.claims import ClaimBook, bucket_of, read_with
from meetlink.reconcile.desired import DesiredState, Wanted
from meetlink.reconcile.diff import Action, Op, by_key, diff
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import Effect, Ledger, LedgerStore
from meetlink.reconcile.ledger_pg import PostgresLedger
from meetlink.reconcile.pacing import Throttle
from meetlink.reconcile.run_caches import ConferenceCache, CredentialCache
from meetlink.reconcile.senders import Mail
from meetlink.reconcile.setup import Progress
from meetlink.reconcile.siblings import SiblingMarks
from meetlink.reconcile.steps import CHUNK_POINTS, Step, carry_out
from meetlink.reconcile.vault_pg import PostgresVault

__all__ = [
    "EXPECTED",
    "ConferenceCache",
    "CredentialCache",
    "Failure",
    "OpenResult",
    "RunContext",
]

EXPECTED = (AdapterError, CredentialError, DeliveryError)
"""What one effect may fail with without stopping the others."""

_POLL = 0.05  # seconds between two tries of a bucket another worker holds

_READS: dict[Kind | None, tuple[Kind, ...]] = {
    None: (Kind.CONFERENCE, Kind.CREDENTIAL, Kind.ACCESS, Kind.INVITATION),
    Kind.CONFERENCE: (Kind.CONFERENCE,),
    Kind.CREDENTIAL: (Kind.CONFERENCE, Kind.CREDENTIAL),
    Kind.ACCESS: (Kind.CONFERENCE, Kind.CREDENTIAL, Kind.ACCESS),
    Kind.HANDOUT: (Kind.CONFERENCE, Kind.CREDENTIAL, Kind.ACCESS),
    Kind.INVITATION: (Kind.CONFERENCE, Kind.INVITATION),
}
"""The ledger's kinds the desired state of each phase is worked out from (None: all)."""

Work = Callable[[Action], Step[None] | None]
"""What :meth:`RunContext.run_all` does for one action: a step, or a plain function."""


@dataclass(frozen=True)
class Failure:
    """One effect that did not succeed in this run, and why (a sentence, never a secret)."""

    key: str
    what: str
    error: str


@dataclass
class OpenResult:
    """What a run did: counts per effect kind and operation, failures, where things are."""

    meeting_id: str
    state_dir: Path
    outbox: Path | None
    dry_run: bool
    actions: list[Action] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    where: str = ""  # a shared ledger's URL, without its password ("" for a state folder)
    scope: str = ""  # the unit whose part of the roster was opened (``--scope``), if any
    scope_points: int = 0  # the bridge points of that part
    left_to_host: int = 0  # conferences changed in the file, another office's to change
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when nothing failed (exit code 0); otherwise it is safe to run again."""
        return not self.failures

    def count(self, what: Kind, op: Op) -> None:
        """Count one carried-out action (workers of one run count at the same time)."""
        with self._lock:
            per = self.counts.setdefault(what.value, {})
            per[op.value] = per.get(op.value, 0) + 1

    def fail(self, failure: Failure) -> None:
        """Record one failed effect."""
        with self._lock:
            self.failures.append(failure)

    def plan(self, actions: Iterable[Action]) -> None:
        """Add actions to what the run shows it would do (or did)."""
        with self._lock:
            self.actions.extend(actions)


@dataclass(frozen=True)
class RunContext:
    """One ``open``: what it reads and acts through. Built once by
    :func:`~meetlink.reconcile.run.open_meeting`; frozen."""

    loaded: MeetingFile
    plan: Plan
    ledger: LedgerStore
    vault: Vault | None
    adapters: Mapping[str, ConferenceAdapter]
    desired: DesiredState
    state: Path
    mail: Mail
    result: OpenResult
    progress: Progress
    throttles: Mapping[str, Throttle]
    conferences: ConferenceCache
    held: CredentialCache
    concurrency: int = 8
    secret_hook: SecretHook | None = None
    claims: ClaimBook = field(default_factory=ClaimBook)
    siblings: SiblingMarks | None = None  # the buckets the workers of this run finished
    _wanted: dict[int, Wanted] = field(default_factory=dict, repr=False, compare=False)
    _wanted_lock: threading.RLock = field(
        default_factory=threading.RLock, repr=False, compare=False
    )
    _rows: dict[Kind, list[Effect]] = field(default_factory=dict, repr=False, compare=False)
    _read_at: dict[Kind, int] = field(default_factory=dict, repr=False, compare=False)
    # The rows of a kind as last read, by key: keyed once per read, not once per phase.
    _keyed: dict[Kind, tuple[list[Effect], dict[EffectKey, Effect]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def meeting(self) -> Meeting:
        """The meeting file's content."""
        return self.loaded.meeting

    @property
    def tracks(self) -> dict[str, Track]:
        """The tracks by id."""
        return {t.id: t for t in self.meeting.tracks}

    def must_vault(self) -> Vault:
        """The vault (every run that acts has one; a dry run never asks)."""
        if self.vault is None:  # pragma: no cover - open_meeting opens it before any phase
            raise RuntimeError("this run has no vault: it is a dry run")
        return self.vault

    def effects(self, *kinds: Kind) -> dict[EffectKey, Effect]:
        """The ledger's effects of these kinds (all kinds when none is named), by key."""
        found: dict[EffectKey, Effect] = {}
        for kind in kinds or tuple(Kind):
            found.update(self._by_key(kind))
        return found

    def _by_key(self, kind: Kind) -> dict[EffectKey, Effect]:
        """The ledger's effects of one kind by key, keyed once for each read of them."""
        rows = self._read(kind)
        with self._wanted_lock:
            known = self._keyed.get(kind)
            if known is not None and known[0] is rows:
                return known[1]
        keyed = by_key(e for e in rows if e.kind == kind.value)
        with self._wanted_lock:
            self._keyed[kind] = (rows, keyed)
        return keyed

    def _read(self, kind: Kind) -> list[Effect]:
        """The ledger's effects of one kind: read again only once the ledger changed (this
        process holds an SQLite ledger alone); a ledger others write is read every time."""
        changes = self.ledger.changes if isinstance(self.ledger, Ledger) else None
        with self._wanted_lock:
            if changes is not None and self._read_at.get(kind) == changes:
                return self._rows[kind]
        rows = self.ledger.effects(self.meeting.id, kind=kind.value)
        if changes is not None:
            with self._wanted_lock:
                self._rows[kind], self._read_at[kind] = rows, changes
        return rows

    def wanted(self, kind: Kind | None = None) -> Wanted:
        """The desired state against the ledger as it stands now: read again only once the
        ledger changed (a re-run with nothing to do reads and compares it once, not once a
        phase); a ledger other processes write too is read every time, and there, with
        ``kind``, only what that kind's phase needs is read and worked out."""
        changes = self.ledger.changes if isinstance(self.ledger, Ledger) else None
        with self._wanted_lock:
            known = self._wanted.get(changes) if changes is not None else None
            if known is None:
                shared = isinstance(self.ledger, PostgresLedger) and not self.ledger.read_only
                kinds = _READS.get(kind, _READS[None]) if shared else _READS[None]
                effects = self.effects(*kinds)
                if shared:  # hashes made when asked, each phase its own kind only
                    known = self.desired.now(effects, lazy=True, only=kind)
                else:
                    known = self.desired.now(effects)
                self._wanted.clear()
                if changes is not None:
                    self._wanted[changes] = known
            return known

    def actions(self, kind: Kind, wanted: Wanted | None = None) -> list[Action]:
        """The diff of one kind, now."""
        wanted = wanted or self.wanted(kind)
        return self.claimed(wanted.hashes(kind), kind)

    def claimed(self, hashes: Mapping[EffectKey, str], kind: Kind) -> list[Action]:
        """The diff of one kind against ``hashes``, the actions other workers on a shared
        ledger hold left to them (:class:`~meetlink.reconcile.claims.ClaimBook`)."""

        def now() -> list[Action]:
            return diff(hashes, self._by_key(kind), what=kind, within=self.desired.within)

        now_all = kind == Kind.CONFERENCE  # created in batches: claimed all at once
        return self.claims.claimed(self.ledger, now(), now, hashes, now=now_all)

    def throttle(self, track_id: str) -> None:
        """Wait for the platform's rate limit before one call to it."""
        self.throttles[track_id].wait()

    def platforms_wait(self) -> bool:
        """Whether a platform's calls wait on a server (``ConferenceAdapter.calls_out``)."""
        return any(adapter.calls_out for adapter in self.adapters.values())

    def attempt(self, action: Action, work: Callable[[], Step[None] | None]) -> None:
        """Run one action to its end; an expected failure is recorded and the run goes on."""
        step = self._begin(action, work)
        if step is not None:
            self._go_on(action, step)

    def run_all(
        self,
        name: str,
        actions: list[Action],
        work: Work,
        prepare: Callable[[list[EffectKey]], None] | None = None,
        *,
        waits: bool = True,
    ) -> None:
        """Carry out the actions that do something, with progress, a chunk at a time.

        The steps of a chunk (:mod:`meetlink.reconcile.steps`) are started one after the
        other, up to their intent; the chunk's intents are committed together; then the
        calls are made (by ``concurrency`` threads when they ``wait`` on a server, else in
        the run's own thread) and their outcomes, vault and audit rows committed together,
        after the outbox has made its files durable (``Mail.sync``).
        A work that is not a step runs whole when started, each intent committed at once.
        On a ledger several workers share (PostgreSQL), the chunks are the buckets the
        workers claim (:meth:`_run_shared`), and ``prepare`` is given each claimed group's
        keys first (what the work reads built or read for that group alone: invitations'
        specs, hand-outs' secrets).
        """
        todo = [a for a in actions if a.op != Op.NONE]
        self.progress.phase(name, len(todo))
        if isinstance(self.ledger, PostgresLedger):
            self._run_shared(self.ledger, todo, work, prepare, waits=waits)
            self.progress.finish()
            return
        for start in range(0, len(todo), CHUNK_POINTS):
            with contextlib.ExitStack() as chunk:
                chunk.enter_context(self.ledger.chunk(self._make_durable))
                if isinstance(self.ledger, Ledger):  # it commits after _make_durable
                    for adapter in self.adapters.values():
                        chunk.enter_context(adapter.deferring())  # flushed as it ends
                self._run_chunk(todo[start : start + CHUNK_POINTS], work, waits=waits)
        self.progress.finish()

    def _run_shared(
        self,
        ledger: PostgresLedger,
        todo: list[Action],
        work: Work,
        prepare: Callable[[list[EffectKey]], None] | None = None,
        *,
        waits: bool = True,
    ) -> None:
        """The phase's actions on a shared ledger, a group of buckets at a time
        (:mod:`meetlink.reconcile.claims`): the buckets of a group this worker can claim are
        read once and carried out as one chunk; those other workers hold are waited for at
        the end, read again, and what is still missing is done then."""
        pending = self.claims.buckets(todo)
        size = self.claims.group_size(len(todo))
        other: list[Action] = []
        while pending:
            held: dict[str, list[Action]] = {}
            for group in self.claims.groups(pending, size):
                group = self._unfinished(group, pending, held)
                granted = ledger.claim_many(group) if group else set()
                for name in group:
                    if name in granted:
                        held[name] = pending[name]
                if granted:
                    mine = [a for name in group if name in granted for a in pending[name]]
                    odd = self._run_bucket(
                        ledger, sorted(granted), mine, work, prepare, waits=waits
                    )
                    if self.siblings is not None:  # committed: the other workers pass them by
                        self.siblings.mark(granted - {bucket_of(a.key) for a in odd})
                    other += odd
            pending = {name: actions for name, actions in pending.items() if name not in held}
            if pending and not held:
                time.sleep(_POLL)  # every one left is another worker's now: wait for it
        self.claims.left_behind(ledger, other)

    def _unfinished(
        self, group: list[str], pending: Mapping[str, list[Action]], held: dict[str, list[Action]]
    ) -> list[str]:
        """The buckets of ``group`` no worker of this run has finished (``siblings``); those
        finished are passed by as held (each of their actions counted as progress)."""
        if self.siblings is None:
            return group
        left = []
        for name in group:
            if self.siblings.done(name):
                held[name] = pending[name]
                for _ in pending[name]:
                    self.progress.advance()
            else:
                left.append(name)
        return left

    def _run_bucket(
        self,
        ledger: PostgresLedger,
        buckets: list[str],
        actions: list[Action],
        work: Work,
        prepare: Callable[[list[EffectKey]], None] | None = None,
        *,
        waits: bool = True,
    ) -> list[Action]:
        """Carry out the actions still to do of claimed ``buckets``, as one chunk, then give
        the buckets back: their rows (and those their steps read: a hand-out's access, an
        access's login) are read once, and their writes sent together at the chunk's two
        commits, the vault's before them (:mod:`meetlink.reconcile.vault_chunk`): nothing a
        step does waits on the server, and threads are for ``waits`` (a platform's calls,
        an SMTP server). Returns the actions that read otherwise now (:meth:`ClaimBook.fresh`)."""
        try:
            live = self.claims.unsettled(ledger, actions)  # others' finished: state, hash only
            for _ in range(len(actions) - len(live)):
                self.progress.advance()
            if not live:
                return []
            with ledger.chunk(self._make_durable), self._vault_chunk():
                ledger.remember([str(k) for a in live for k in read_with(a.key)])
                todo, other = self.claims.fresh(ledger, live, self.desired.within, prepare)
                for _ in range(len(live) - len(todo)):
                    self.progress.advance()
                if todo:
                    self._run_chunk(todo, work, claimed=True, waits=waits)
        finally:
            ledger.release(buckets)
        return other

    def _vault_chunk(self) -> contextlib.AbstractContextManager[None]:
        """A shared ledger's vault in the chunk (:mod:`meetlink.reconcile.vault_chunk`): its
        writes held for the commits, its rows read at once; the SQLite vault is in the
        chunk's one transaction already."""
        if isinstance(self.vault, PostgresVault):
            return self.vault.deferring()
        return contextlib.nullcontext()

    def remember_secrets(self, ids: Iterable[tuple[str, str, str]]) -> None:
        """In a chunk on a shared ledger, read these vault rows (meeting, unit, kind) in one
        statement, before the steps that read them one by one (a ``prepare`` of
        :meth:`run_all`); elsewhere nothing to do."""
        if isinstance(self.vault, PostgresVault):
            self.vault.remember(ids)

    def _make_durable(self) -> None:
        """What a chunk's outcomes speak of, on disk before they are committed: the
        outbox's files, the platforms' local files (a provider's export, a room book)."""
        self.mail.sync()
        for adapter in self.adapters.values():
            adapter.sync()
        if isinstance(self.vault, PostgresVault):  # the credentials the outcomes speak of
            self.vault.flush()

    def _run_chunk(
        self, chunk: list[Action], work: Work, *, claimed: bool = False, waits: bool = True
    ) -> None:
        begun: list[tuple[Action, Step[None]]] = []
        for action in chunk:
            step = self._begin(action, functools.partial(work, action), claimed=claimed)
            if step is not None:
                begun.append((action, step))
        self.ledger.commit()  # the intents, before any call
        if waits and self.concurrency > 1 and len(begun) > 1:
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                futures = [pool.submit(self._go_on, a, step) for a, step in begun]
                for future in futures:
                    future.result()
        else:
            for action, step in begun:
                self._go_on(action, step)

    def _begin(
        self, action: Action, work: Callable[[], Step[None] | None], *, claimed: bool = False
    ) -> Step[None] | None:
        """Start one action: a step up to its intent (recorded, held for the chunk's
        commit), returned to go on; anything else run whole (None). ``claimed``: its bucket
        is claimed and read already (a shared ledger); otherwise it is claimed here."""
        try:
            if not claimed and not self.claims.take(self.ledger, action):
                self.progress.advance()
                return None  # another worker on a shared ledger has it, or has done it
            step = work()
            if step is not None:
                try:
                    intent = next(step)
                except StopIteration:
                    step = None
                else:
                    with self.ledger.holding_intents():
                        intent.record(self.ledger)
                    return step
            self.result.count(action.what, action.op)
        except EXPECTED as exc:
            self._failed(action, exc)
        self.progress.advance()
        return None

    def _go_on(self, action: Action, step: Step[None]) -> None:
        """Carry a started step to its end (a later intent of it is committed at once)."""
        try:
            carry_out(self.ledger, step)
            self.result.count(action.what, action.op)
        except EXPECTED as exc:
            self._failed(action, exc)
        finally:
            self.progress.advance()

    def _failed(self, action: Action, exc: Exception) -> None:
        message = f"{type(exc).__name__}: {exc}"
        if self.ledger.get(str(action.key)) is not None:
            self.ledger.record_failed(str(action.key), message)
        self.result.fail(Failure(str(action.key), action.what.value, message))
