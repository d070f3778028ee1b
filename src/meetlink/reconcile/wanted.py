"""What the meeting wants at one moment, by kind: :class:`Wanted`, made by
:meth:`~meetlink.reconcile.desired.DesiredState.now` from the plan and the ledger.

Example:
    >>> wanted = Wanted({}, {}, {}, {}, dict)
    >>> dict(wanted.hashes(Kind.ACCESS)), dict(wanted.invitations)
    ({}, {})
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from meetlink.adapters.models import ConferenceRequest
from meetlink.invites.calendar import content_hash
from meetlink.invites.specs import InvitationSpec
from meetlink.invites.templates import Templates
from meetlink.reconcile.diff import fingerprint
from meetlink.reconcile.invitation_hashes import Entry
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.lazy_hashes import LazyHashes

__all__ = ["Wanted"]


@dataclass(frozen=True)
class Wanted:
    """Every effect wanted at one moment, by kind: key → content hash (and what to make).

    The invitations are built on first use: they are the costly part, and only the
    invitation phase needs them.
    """

    conferences: Mapping[EffectKey, ConferenceRequest]
    credentials: Mapping[EffectKey, str]
    access: Mapping[EffectKey, str]
    handouts: Mapping[EffectKey, str]
    build_invitations: Callable[[], Mapping[EffectKey, InvitationSpec]]
    templates: Templates | None = None  # the words of invitations (the meeting's folder)
    # The inputs' mark and the hashes the last run kept for it (None: build them), and how
    # to keep them once built (:mod:`meetlink.reconcile.invitation_hashes`).
    stored_hashes: Callable[[], tuple[str, dict[EffectKey, str] | None]] = lambda: ("", None)
    keep_hashes: Callable[[str, Mapping[EffectKey, Entry]], None] = lambda mark, hashes: None
    natural_uids: dict[EffectKey, str] = field(default_factory=dict)  # filled as built
    # On a ledger several workers share: an invitation's hash is made when first asked for
    # (by the worker that claimed it), not every one by every worker (issue 17).
    lazy: bool = False

    @functools.cached_property
    def invitations(self) -> Mapping[EffectKey, InvitationSpec]:
        """Every invitation wanted, keyed by its effect key (on a shared ledger, a
        :class:`~meetlink.reconcile.lazy_hashes.LazySpecs`: built a claimed group at a
        time)."""
        return self.build_invitations()

    @functools.cached_property
    def invitation_hashes(self) -> Mapping[EffectKey, str]:
        """Every invitation's content hash: the stored ones when nothing they are made of
        changed, else hashed from the specs (and kept for the next run)."""
        mark, stored = self.stored_hashes()
        if stored is not None:
            return stored
        if self.lazy:
            return LazyHashes(self.invitations, self.templates)
        specs, natural = self.invitations, self.natural_uids
        entries = {
            k: Entry(content_hash(s, self.templates), s.uid, natural.get(k, s.uid))
            for k, s in specs.items()
        }
        self.keep_hashes(mark, entries)
        return {k: entry.hash for k, entry in entries.items()}

    def hashes(self, kind: Kind) -> Mapping[EffectKey, str]:
        """The content hashes of one kind, for :func:`~meetlink.reconcile.diff.diff`."""
        if kind == Kind.CONFERENCE:
            return {k: fingerprint(r.model_dump_json()) for k, r in self.conferences.items()}
        if kind == Kind.INVITATION:
            hashes = self.invitation_hashes
            return hashes if isinstance(hashes, LazyHashes) else dict(hashes)
        table = {
            Kind.CREDENTIAL: self.credentials,
            Kind.ACCESS: self.access,
            Kind.HANDOUT: self.handouts,
        }
        return dict(table[kind])
