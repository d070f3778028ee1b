"""Invitations' content hashes made when first asked for: what a worker on a shared ledger
compares and sends, not every invitation of the meeting (issue 17).

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
from collections.abc import Iterator, Mapping

from meetlink.invites.calendar import content_hash
from meetlink.invites.specs import InvitationSpec
from meetlink.invites.templates import Templates
from meetlink.reconcile.keys import EffectKey

__all__ = ["LazyHashes"]


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

    def __iter__(self) -> Iterator[EffectKey]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, key: object) -> bool:
        return key in self._specs
