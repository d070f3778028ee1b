"""Sharing one meeting's effects between workers: claimed a group of buckets at a time.

On a ledger several processes use at once (PostgreSQL), a phase's actions are sorted into
*buckets* (:func:`bucket_of`): the bucket of an effect depends on its kind and its bridge
point only, so every worker puts the same effect in the same bucket whatever its own diff
says. A worker claims a group of consecutive buckets at once (:meth:`ClaimBook.groups`,
one advisory lock each, taken in one statement), reads the ledger's rows of their keys once
(:meth:`ClaimBook.fresh`), and carries out what is still to do as one chunk (its intents
committed together before any call, its outcomes after, then the buckets given back); a
bucket another worker holds is left to it, and waited for at the end of the phase, then
read again: what is still missing is done then. An effect that reads otherwise once
claimed (a worker killed midway left it at ``intent``: ask the platform first) is checked
at the end of the phase (:meth:`ClaimBook.left_behind`), and makes the run start its phases
again (:class:`LeftBehind`), so nothing later is decided on a view that misses it.

Conferences, created in batches, are claimed one by one all at once at the start of their
phase (:meth:`ClaimBook.claimed` with ``now``); the effects left to other workers there
are waited for before the next phase (:meth:`ClaimBook.settle`). On the SQLite ledger every
claim is granted and nothing is read again.

Example:
    >>> book = ClaimBook()
    >>> book.deferred
    []
    >>> bucket_of(EffectKey.invitation("main", "s1", "P1"))
    'bucket:invitation:3985'
"""

from __future__ import annotations

import functools
import random
import threading
import time
import zlib
from collections.abc import Callable, Mapping

from meetlink.errors import LedgerError
from meetlink.reconcile.diff import REASON_NEW, Action, Op, diff
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.lazy_hashes import LazyHashes
from meetlink.reconcile.ledger import Effect, EffectState, LedgerStore
from meetlink.reconcile.ledger_pg import PostgresLedger

__all__ = ["BUCKETS", "GROUP_MOST", "ClaimBook", "LeftBehind", "bucket_of", "read_with"]

_POLL = 0.05  # seconds between two tries of a claim another worker holds

BUCKETS = 4096
"""The buckets each kind of effect falls into on a shared ledger: a fixed number, so two
workers (or two offices' runs of different scopes) always agree on an effect's bucket."""

GROUP_MOST, GROUP_LEAST, GROUP_SHARES = 250, 25, 16
"""A worker claims buckets a group at a time, the group carried out as one chunk: about a
sixteenth of the phase (so several workers share it), at least 25 and at most 250 actions,
and towards the end a sixteenth of what is left (the last group, which the others wait for,
is short)."""


def bucket_of(key: EffectKey) -> str:
    """The name of the bucket ``key`` is claimed with: its kind and its bridge point's
    place among :data:`BUCKETS` (a key without a point: its own text), so every effect of
    one point and kind shares a bucket, and every worker names it alike."""
    point = key.point if key.point is not None else str(key)
    return f"bucket:{key.kind.value}:{_place(point):04d}"


@functools.lru_cache(maxsize=1 << 16)
def _place(point: str) -> int:
    """A point's place among the buckets, worked out once a run for each of its kinds."""
    return zlib.crc32(point.encode("utf-8")) % BUCKETS


class LeftBehind(LedgerError):
    """A worker stopped midway and left effects unfinished: the phases start again."""


class ClaimBook:
    """The claims one run holds, and the effects it left to other workers in this phase."""

    def __init__(self, start: float | None = None) -> None:
        self.deferred: list[tuple[str, bool]] = []  # (key, whether the action was a cancel)
        self._hashes: Mapping[EffectKey, str] = {}  # the phase's desired content, by key
        self._lock = threading.Lock()
        # Where this worker starts in each phase's list (a fraction of it): workers that
        # start at different places seldom reach for the same effect at the same moment.
        # The workers of one run are given places evenly apart; others take one at random.
        self._start = random.SystemRandom().random() if start is None else start % 1.0

    def claimed(
        self,
        ledger: LedgerStore,
        actions: list[Action],
        again: Callable[[], list[Action]],
        hashes: Mapping[EffectKey, str],
        *,
        now: bool = False,
    ) -> list[Action]:
        """A phase's actions on a shared ledger, after the last phase's effects are settled.

        With ``now`` (conferences: created in batches) every action is claimed at once and
        the ledger read again (``again`` makes the diff anew); the others are left to the
        workers that hold them. Otherwise each action is claimed when its turn comes
        (:meth:`take`), so the workers share the phase.
        """
        if ledger.read_only or not ledger.shared:
            return actions
        self.settle(ledger)
        with self._lock:
            self._hashes = hashes  # as given: invitations' hashes are made when asked for
        todo = [a for a in actions if a.op != Op.NONE]
        if not now or not todo:
            return self._rotated(actions)
        busy = {str(a.key) for a in todo if not ledger.claim(str(a.key))}
        fresh = again()
        with self._lock:
            self.deferred.extend(
                (str(a.key), a.op == Op.CANCEL)
                for a in fresh
                if str(a.key) in busy and a.op != Op.NONE
            )
        return [a for a in fresh if a.op == Op.NONE or str(a.key) not in busy]

    def _rotated(self, actions: list[Action]) -> list[Action]:
        """The phase's actions from this worker's own starting place, wrapped around."""
        if not actions:
            return actions
        start = int(self._start * len(actions))
        return actions[start:] + actions[:start]

    def buckets(self, actions: list[Action]) -> dict[str, list[Action]]:
        """The actions that do something, by bucket (:func:`bucket_of`), the buckets from
        this worker's own starting place on, wrapped around."""
        grouped: dict[str, list[Action]] = {}
        for action in actions:
            if action.op != Op.NONE:
                grouped.setdefault(bucket_of(action.key), []).append(action)
        names = sorted(grouped)
        start = int(self._start * len(names))
        return {name: grouped[name] for name in names[start:] + names[:start]}

    @staticmethod
    def groups(buckets: Mapping[str, list[Action]], size: int) -> list[list[str]]:
        """Consecutive buckets (in the order given) gathered until a group holds ``size``
        actions or more: what a worker claims at once and carries out as one chunk. Towards
        the end of the list the groups get shorter (a sixteenth of what is left, at least
        :data:`GROUP_LEAST`): the last group of a phase, which the other workers wait for,
        is a short one."""
        out: list[list[str]] = []
        left = sum(len(actions) for actions in buckets.values())
        held = wanted = size
        for name, actions in buckets.items():
            if held >= wanted:
                out.append([])
                held = 0
                wanted = min(size, max(GROUP_LEAST, -(-left // GROUP_SHARES)))
            out[-1].append(name)
            held += len(actions)
            left -= len(actions)
        return out

    @staticmethod
    def group_size(actions: int) -> int:
        """The actions a worker claims at once in a phase of ``actions``."""
        return min(GROUP_MOST, max(GROUP_LEAST, -(-actions // GROUP_SHARES)))

    def fresh(
        self,
        ledger: PostgresLedger,
        actions: list[Action],
        within: Callable[[EffectKey], bool] | None = None,
        prepare: Callable[[list[EffectKey]], None] | None = None,
    ) -> tuple[list[Action], list[Action]]:
        """A claimed bucket's actions as the ledger reads now (one read for them all): those
        to carry out now, and those that read otherwise (another worker's attempt is there:
        checked by :meth:`left_behind` at the end of the phase). Those done meanwhile are
        left out of both. ``prepare`` is given the keys whose content is still needed (not
        those another worker of the meeting has done since this one's diff)."""
        if not actions:
            return [], []
        found = ledger.get_many([str(a.key) for a in actions])
        if prepare is not None:
            prepare([a.key for a in actions if not _done_since(a, found.get(str(a.key)))])
        with self._lock:
            hashes = self._hashes
        # A hash is made only where the ledger has one to compare it with (a new effect is
        # new whatever it holds): an invitation's is made by the worker that sends it.
        wanted = {
            a.key: _wanted_hash(a, found.get(str(a.key)), hashes)
            for a in actions
            if a.key in hashes
        }
        now = {a.key: a for a in diff(wanted, found.values(), what=actions[0].what, within=within)}
        todo: list[Action] = []
        other: list[Action] = []
        for action in actions:
            fresh = now.get(action.key)
            if fresh is None or fresh.op == Op.NONE:
                continue
            (todo if fresh == action else other).append(action)
        return todo, other

    def unsettled(self, ledger: PostgresLedger, actions: list[Action]) -> list[Action]:
        """A claimed group's actions less those the ledger already shows settled, told by
        each row's state and content hash alone (one read, no detail): late in a phase most
        groups a worker claims are another worker's finished ones, whose full rows it need
        not read (issue 17). What is left is read whole and diffed by :meth:`fresh`."""
        if not actions:
            return []
        found = ledger.states([str(a.key) for a in actions])
        with self._lock:
            hashes = self._hashes
        return [a for a in actions if not _settled(a, found.get(str(a.key)), hashes)]

    def left_behind(self, ledger: PostgresLedger, actions: list[Action]) -> None:
        """At the end of a phase, after every bucket was claimed once: :class:`LeftBehind`
        if one of ``actions`` (those that read otherwise, :meth:`fresh`) is still unfinished,
        left at ``intent`` by a worker that stopped (a failure is another worker's to say)."""
        if not actions:
            return
        found = ledger.get_many([str(a.key) for a in actions])
        left = []
        for action in actions:
            effect = found.get(str(action.key))
            unfinished = effect is None or effect.state == EffectState.INTENT
            cancel = action.op == Op.CANCEL
            if unfinished or (cancel and effect is not None and effect.state == EffectState.DONE):
                left.append(str(action.key))
        if left:
            raise _left(left)

    def take(self, ledger: LedgerStore, action: Action) -> bool:
        """Whether this worker carries out ``action`` now: it claims it, then reads the
        ledger again. False when another worker holds it (waited for before the next phase)
        or has done it meanwhile. An action that reads otherwise now (a worker killed midway
        left it at ``intent``: ask the platform first) is left for the phases' next pass."""
        if ledger.read_only or not ledger.shared:
            return True
        key = str(action.key)
        cancel = action.op == Op.CANCEL
        if not ledger.claim(key):
            with self._lock:
                self.deferred.append((key, cancel))
            return False
        with self._lock:
            wanted = {action.key: self._hashes[action.key]} if action.key in self._hashes else {}
        found = ledger.get(key)
        now = diff(wanted, [found] if found else [], what=action.what)
        fresh = next((a for a in now if a.key == action.key), Action(Op.NONE, action.key))
        if fresh.op == Op.NONE:
            return False
        if fresh != action:
            with self._lock:
                self.deferred.append((key, cancel))
            return False
        return True

    def settle(self, ledger: LedgerStore) -> None:
        """Give back this worker's claims, then wait until every effect it left to others is
        finished; :class:`LeftBehind` if one was left unfinished by a worker that stopped."""
        ledger.release_claims()
        with self._lock:
            waiting, self.deferred = self.deferred, []
        left = []
        # One read for them all: an effect its worker has finished is settled already (its
        # claim may be held a while longer); only the others are waited for, one by one.
        many = getattr(ledger, "get_many", None)
        found = many([k for k, _ in waiting]) if callable(many) and waiting else {}
        for key, cancel in waiting:
            effect = found.get(key)
            if effect is None or effect.state == EffectState.INTENT:
                while not ledger.claim(key):
                    time.sleep(_POLL)
                effect = ledger.get(key)
            unfinished = effect is None or effect.state == EffectState.INTENT
            if unfinished or (cancel and effect is not None and effect.state == EffectState.DONE):
                left.append(key)
        ledger.release_claims()
        if left:
            raise _left(left)


def _wanted_hash(action: Action, found: Effect | None, hashes: Mapping[EffectKey, str]) -> str:
    """The hash :meth:`ClaimBook.fresh` compares ``found`` with. A new effect is new
    whatever it holds (""). One this run saw missing (``create``) that another worker of
    the meeting has done since keeps the hash that worker wrote: an invitation's hash not
    made yet is not made for it (each worker would hash every invitation another sent);
    a later ``open`` compares it as any other."""
    if found is None:
        return ""
    lazy = isinstance(hashes, LazyHashes) and not hashes.made(action.key)
    if lazy and _done_since(action, found):
        return found.content_hash
    return hashes[action.key]


def _settled(
    action: Action, found: tuple[EffectState, str] | None, hashes: Mapping[EffectKey, str]
) -> bool:
    """Whether the ledger's row (state, content hash; None: no row) says ``action`` has
    nothing left to do, as :meth:`ClaimBook.fresh`'s diff would: a cancel of an effect
    cancelled or never made; an effect done with the hash wanted (one another worker has
    created since this run's diff: the hash that worker wrote, an invitation's not made
    here for it). Anything else (an intent, a failure, a hash not made yet) is read whole."""
    if action.op == Op.CANCEL:
        return found is None or found[0] == EffectState.CANCELLED
    if found is None or found[0] != EffectState.DONE or action.key not in hashes:
        return False
    if action.op == Op.CREATE and action.reason == REASON_NEW:
        if isinstance(hashes, LazyHashes) and not hashes.made(action.key):
            return True  # done since by another worker: its hash stands (_wanted_hash)
    elif isinstance(hashes, LazyHashes) and not hashes.made(action.key):
        return False  # the hash is made with the group's specs, in fresh
    return hashes[action.key] == found[1]


def _done_since(action: Action, found: Effect | None) -> bool:
    """Whether another worker has done ``action`` since this run's diff saw it missing."""
    return (
        found is not None
        and action.op == Op.CREATE
        and action.reason == REASON_NEW
        and found.state == EffectState.DONE
    )


def read_with(key: EffectKey) -> list[EffectKey]:
    """The ledger's rows the step of ``key`` reads: its own, and for a hand-out its access,
    for an access its point's login (on a platform of logins)."""
    if key.kind == Kind.HANDOUT:
        return [key, key.with_kind(Kind.ACCESS)]
    if key.kind == Kind.ACCESS and key.point is not None:
        return [key, EffectKey.credential(key.track, key.point)]
    return [key]


def _left(keys: list[str]) -> LeftBehind:
    return LeftBehind(
        f"another worker stopped midway and left {len(keys)} effects unfinished "
        f"(the first: {keys[0]}); run `meetlink open` again to finish them."
    )
