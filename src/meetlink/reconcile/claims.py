"""Sharing one meeting's effects between workers: each effect claimed before it is carried out.

On a ledger several processes use at once (PostgreSQL), each action is *claimed* when its
turn comes (:meth:`ClaimBook.take`): one another worker holds is left to it, and after the
claim the ledger is read again, so an effect another worker has just finished is not done
twice. Conferences, created in batches, are claimed all at once at the start of their phase
(:meth:`ClaimBook.claimed`). Before the next phase starts (its actions depend on the last
one's outcomes), the worker gives its claims back and waits for the effects it left to
others (:meth:`ClaimBook.settle`); one a worker left unfinished (killed: the server gave its
claims back with its session) makes the run start its phases again (:class:`LeftBehind`),
so nothing later is decided on a view that misses it. On the SQLite ledger every claim is
granted and nothing is read again.

Example:
    >>> book = ClaimBook()
    >>> book.deferred
    []
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping

from meetlink.errors import LedgerError
from meetlink.reconcile.diff import Action, Op, diff
from meetlink.reconcile.keys import EffectKey
from meetlink.reconcile.ledger import EffectState, LedgerStore

__all__ = ["ClaimBook", "LeftBehind"]

_POLL = 0.05  # seconds between two tries of a claim another worker holds


class LeftBehind(LedgerError):
    """A worker stopped midway and left effects unfinished: the phases start again."""


class ClaimBook:
    """The claims one run holds, and the effects it left to other workers in this phase."""

    def __init__(self) -> None:
        self.deferred: list[tuple[str, bool]] = []  # (key, whether the action was a cancel)
        self._hashes: dict[EffectKey, str] = {}  # the phase's desired content, by key
        self._lock = threading.Lock()
        # Where this worker starts in each phase's list: workers that start at different
        # places seldom reach for the same effect at the same moment.
        self._start = random.SystemRandom().random()

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
            self._hashes = dict(hashes)
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
            raise LeftBehind(
                f"another worker stopped midway and left {len(left)} effects unfinished "
                f"(the first: {left[0]}); run `meetlink open` again to finish them."
            )
