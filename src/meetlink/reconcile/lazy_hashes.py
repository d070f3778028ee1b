"""Invitations' specs and content hashes made when first asked for: what a worker on a
shared ledger compares and sends, not every invitation of the meeting (issue 17).

Several ``meetlink open`` workers on one PostgreSQL ledger share a phase a bucket at a time
(:mod:`meetlink.reconcile.claims`): each hashes the invitations it claims, and the diff asks
for a hash only where the ledger holds one to compare it with, so a first open hashes each
invitation once, in the worker that sends it.

Example:
    >>> len(LazyHashes({}, None))
    0
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from meetlink.invites.calendar import content_hash
from meetlink.invites.specs import InvitationSpec
from meetlink.invites.templates import Templates
from meetlink.reconcile.keys import EffectKey

__all__ = ["LazyHashes", "LazySpecs"]


class LazyHashes(Mapping[EffectKey, str]):
    """Invitations' content hashes, each made when first asked for (then kept): a worker on
    a shared ledger hashes only the invitations it sends. The diff asks only for those the
    ledger holds already (:func:`~meetlink.reconcile.diff.diff`).

    >>> len(LazyHashes({}, None))
    0
    """

    def __init__(self, specs: Mapping[EffectKey, InvitationSpec], templates: Templates | None):
        self._specs, self._templates = specs, templates
        self._made: dict[EffectKey, str] = {}
        self._lock = threading.Lock()

    def __getitem__(self, key: EffectKey) -> str:
        with self._lock:
            made = self._made.get(key)
        if made is None:
            made = content_hash(self._specs[key], self._templates)
            with self._lock:
                self._made[key] = made
        return made

    def made(self, key: EffectKey) -> bool:
        """Whether the hash of ``key`` was made already (asked for before)."""
        with self._lock:
            return key in self._made

    def __iter__(self) -> Iterator[EffectKey]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, key: object) -> bool:
        return key in self._specs


class LazySpecs(Mapping[EffectKey, InvitationSpec]):
    """Every invitation wanted, its keys known at once, its specs built for the points a
    worker claims (:meth:`prepare`: one build for a claimed group), not for the whole
    meeting by every worker. ``build`` makes the specs of a set of bridge points.

    >>> specs = LazySpecs([], lambda points: {})
    >>> len(specs), list(specs)
    (0, [])
    """

    def __init__(
        self,
        keys: Sequence[EffectKey],
        build: Callable[[set[str]], Mapping[EffectKey, InvitationSpec]],
    ):
        self._keys, self._known = keys, frozenset(keys)
        self._build = build
        self._made: dict[EffectKey, InvitationSpec] = {}
        self._lock = threading.Lock()

    def prepare(self, keys: Iterable[EffectKey]) -> None:
        """Build, in one pass over the plan, the specs of ``keys`` not built yet."""
        with self._lock:
            points = {k.point for k in keys if k in self._known and k not in self._made}
            points.discard(None)
            if points:
                self._made.update(self._build({p for p in points if p is not None}))

    def __getitem__(self, key: EffectKey) -> InvitationSpec:
        if key not in self._known:
            raise KeyError(key)
        with self._lock:
            made = self._made.get(key)
        if made is None:
            self.prepare([key])
            with self._lock:
                made = self._made[key]
        return made

    def __iter__(self) -> Iterator[EffectKey]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._known
