"""The join link of every bridge point, as the ledger knows it (``meetlink status --links``,
``meetlink announce``).

A point's link is the one its invitation carried (the invitation's record in the ledger
keeps what it said); for a track whose platform sends its own invitations (``invites:
platform``), the link of the conference made for it. Every link passes the rule of every
link meetlink shows (:func:`~meetlink.invites.specs.join_link_problem`): an http(s)
address, no ``user:password@`` part, no password, PIN or token parameter. A platform that
gives each point its own token (Jitsi with tokens) has no link to show: its access goes to
the technical officer alone, and so does a provider's login and password. Nothing here
reads the vault.

Example:
    >>> PointLink("main/s1", "X1", "Xã Hòa Phong", "https://meet.jit.si/q3-ab", True).shared
    True
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from meetlink.invites.specs import InvitationSpec, join_link_problem
from meetlink.loading.meeting import ConferenceMode, InviteMode
from meetlink.planning import Plan
from meetlink.reconcile.desired import conference_key
from meetlink.reconcile.diff import by_key
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import Effect, EffectState, LedgerStore

__all__ = ["PointLink", "point_links"]


@dataclass(frozen=True)
class PointLink:
    """One bridge point's join link for one sitting (``None``: none to show yet, or none
    to show at all); ``shared``: the one link of a conference every point of the sitting
    joins; ``made``: its conference exists; ``credentials``: the point's access went to
    its technical officer; ``cancelled``: its conference was cancelled."""

    sitting: str
    point: str
    point_name: str
    link: str | None
    shared: bool
    made: bool = False
    credentials: bool = False
    cancelled: bool = False


def point_links(plan: Plan, ledger: LedgerStore) -> list[PointLink]:
    """Every (sitting, bridge point) of the plan with its join link, in plan order."""
    effects = by_key(ledger.effects(plan.meeting.id))
    tracks = {t.id: t for t in plan.meeting.tracks}
    names = {p.id: p.name for p in plan.bridge_points}
    secret_points = {
        (k.track, k.sitting, k.point)
        for k, e in effects.items()
        if k.kind in (Kind.ACCESS, Kind.HANDOUT) and e.state == EffectState.DONE
    }
    out: list[PointLink] = []
    for conference in plan.conferences:
        key = conference_key(conference)
        track = tracks[conference.track]
        made = effects.get(EffectKey.for_conference(key))
        cancelled = made is not None and made.state == EffectState.CANCELLED
        shared = track.conference == ConferenceMode.SHARED
        for point in conference.bridge_points:
            if track.invites == InviteMode.PLATFORM:
                link = _conference_link(made)
            else:
                invitation = effects.get(
                    EffectKey.invitation(conference.track, conference.sitting, point)
                )
                link = _invited_link(invitation)
            out.append(
                PointLink(
                    sitting=key.sitting_key,
                    point=point,
                    point_name=names.get(point, point),
                    link=None if cancelled else link,
                    shared=shared,
                    made=made is not None and made.state == EffectState.DONE,
                    credentials=(conference.track, conference.sitting, point) in secret_points,
                    cancelled=cancelled,
                )
            )
    return out


def _invited_link(invitation: Effect | None) -> str | None:
    """The link the point's invitation carried (none once it was cancelled or postponed)."""
    if invitation is None or invitation.state == EffectState.CANCELLED:
        return None
    text = invitation.detail.get("spec")
    if not isinstance(text, str):
        return None
    spec: InvitationSpec | None = None
    with contextlib.suppress(ValueError, KeyError, TypeError):
        spec = InvitationSpec.from_json(text)
    return _shown(spec.join_link if spec is not None else None)


def _conference_link(made: Effect | None) -> str | None:
    if made is None or made.state != EffectState.DONE:
        return None
    return _shown(made.join_url)


def _shown(link: str | None) -> str | None:
    """The link if it may be shown to a bridge point, else None."""
    if not link or join_link_problem(link) is not None:
        return None
    return link
