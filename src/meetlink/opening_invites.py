"""Phase 3 of ``open``: one invitation per sitting per bridge point, exactly once.

A new invitation is SEQUENCE 0; a change sends the same UID with SEQUENCE + 1 (and a CANCEL,
without STATUS, to recipients who moved to another point); a sitting or point removed gets
METHOD:CANCEL. The spec, SEQUENCE and DTSTAMP are written to the ledger before sending, so
an attempt interrupted or refused is resent with the very same bytes and Message-ID, never
with a new SEQUENCE. Tracks with ``invites: platform`` are left to the platform.

Example:
    >>> from meetlink.opening_invites import wanted_invitations  # used by meetlink.opening
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from meetlink.adapters.base import Capability
from meetlink.invites.calendar import (
    Invitation,
    build_cancellation,
    build_invitation,
    content_hash,
)
from meetlink.invites.message import build_message
from meetlink.invites.specs import InvitationSpec, invitations_for
from meetlink.ledger import EffectState
from meetlink.meeting import InviteMode
from meetlink.reconcile import Action, Op, What, effect_key

if TYPE_CHECKING:
    from meetlink.opening import _Run

__all__ = ["invite", "wanted_invitations"]

# A per-unit token is itself a key: its link goes to the officer, never into an invitation.
_TOKEN_CAPS = frozenset({Capability.ACCESS_TOKEN})


def wanted_invitations(run: _Run) -> dict[str, InvitationSpec]:
    """Every invitation the meeting wants now, keyed by ledger key, with the join links of
    the conferences made so far."""
    links: dict[str | tuple[str, str], str] = {}
    for effect in run.ledger.effects(run.meeting.id, kind=What.CONFERENCE.value):
        conference = effect.key.removeprefix("conference:")
        adapter = run.adapters.get(conference.split("/", 1)[0])
        if (
            effect.state == EffectState.DONE
            and effect.join_url
            and adapter is not None
            and not adapter.capabilities & _TOKEN_CAPS
        ):
            links[conference] = effect.join_url
    by_email = {t.id for t in run.meeting.tracks if t.invites != InviteMode.PLATFORM}
    return {
        effect_key(What.INVITATION, spec.key): spec
        for spec in invitations_for(run.plan, links)
        if spec.track in by_email and f"{spec.track}/{spec.sitting}" not in run.cancelled_sittings
    }


def invite(run: _Run, action: Action, specs: Mapping[str, InvitationSpec]) -> None:
    """Send (or resend, or cancel) one invitation."""
    effect = run.ledger.get(action.key)
    detail: dict[str, Any] = dict(effect.detail) if effect else {}
    sent = int(detail.get("sent_sequence", -1))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if action.op == Op.CANCEL:
        spec = InvitationSpec.from_json(detail["spec"])
        cancellation = build_cancellation(spec, sequence=sent + 1, dtstamp=now)
        _deliver(run, action.key, detail, cancellation, cancel=True)
        return
    spec = specs[action.key]
    digest = content_hash(spec)
    resend = (
        effect is not None
        and effect.state in (EffectState.INTENT, EffectState.FAILED)
        and effect.content_hash == digest
        and "dtstamp" in detail
    )
    if resend:  # the same bytes as the interrupted attempt: same SEQUENCE and DTSTAMP
        sequence, stamp = int(detail["sequence"]), dt.datetime.fromisoformat(detail["dtstamp"])
    else:
        sequence, stamp = sent + 1, now
    previous = InvitationSpec.from_json(detail["spec"]) if "spec" in detail else None
    detail.update(
        uid=spec.uid,
        sequence=sequence,
        dtstamp=stamp.isoformat(),
        spec=spec.to_json(),
        sent_sequence=sent,
    )
    run.ledger.record_intent(
        run.meeting.id, action.key, What.INVITATION.value, content_hash=digest, detail=detail
    )
    if previous is not None and sequence > 0:
        current = {r.email.casefold() for r in spec.recipients}
        gone = tuple(r for r in previous.recipients if r.email.casefold() not in current)
        if gone:  # moved to another point: un-invite them from this one (no STATUS)
            uninvite = build_cancellation(
                previous, sequence=sequence, dtstamp=stamp, recipients=gone
            )
            run.send(build_message(uninvite), spec.track)
    _deliver(run, action.key, detail, build_invitation(spec, sequence=sequence, dtstamp=stamp))


def _deliver(
    run: _Run, key: str, detail: dict[str, Any], invitation: Invitation, *, cancel: bool = False
) -> None:
    result = run.send(build_message(invitation), invitation.spec.track)
    detail.update(sent_sequence=invitation.sequence, message_id=result.message_id)
    if cancel:
        run.ledger.record_cancelled(key, detail=detail)
    else:
        run.ledger.record_done(key, detail=detail)
    if not result.ok:
        result.raise_for_refused()
