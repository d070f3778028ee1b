"""Phase 3 of ``open``: one invitation per sitting per bridge point, exactly once.

A new invitation is SEQUENCE 0; a change sends the same UID with SEQUENCE + 1 (and a CANCEL,
without STATUS, to recipients who moved to another point); a sitting or point removed gets
METHOD:CANCEL — a postponement (``InvitationSpec.postponed``) when the sitting is still
planned but its time was taken out again ("thời gian sẽ thông báo sau"): the calendar event
is withdrawn and the words say the sitting is postponed, not that it will not be held; no
notice follows. The spec, SEQUENCE and DTSTAMP are written to the ledger before sending, so
an attempt interrupted or refused is resent with the very same bytes and Message-ID, never
with a new SEQUENCE. Tracks with ``invites: platform`` are left to the platform.

On a track whose platform makes a calendar event (Google), the points of a conference are
invited under the event's ``iCalUID`` (see ``DesiredState.invitations``): a guest's calendar
files Google's copy and meetlink's as one entry. The SEQUENCE sent is then never below the
event's ``sequence`` as Google last reported it, so the REQUEST mailed is never older than
the copy Google holds. An invitation already sent under its own UID keeps it.

A recipient the mail server refuses — permanently (5xx), or still for now (4xx) after the
sender's retries — never makes the others get the invitation twice. The ledger keeps, with
the Message-ID, who accepted it (``accepted``) and who did not, with the server's reply
(``not_reached``); the effect is ``failed`` and the run ends with exit code 1. Each later
``open`` sends the very same message (bytes, Message-ID) to those not reached alone, until
they accept it; a permanent refusal is therefore retried, for that address only, and
reported each time, since the cure (a corrected address, a mailbox made) lies outside
meetlink. Correcting the address in the roster changes the invitation: it is then an update
with SEQUENCE + 1 to every recipient, as for any change. ``meetlink status`` shows such an
invitation as ``failed (1 of 4 not reached)`` with the server's reply.

A recurring sitting whose only change is an occurrence newly skipped (``exceptions:
{DATE: skip}`` added after the series went out) gets, per point, one METHOD:CANCEL with
RECURRENCE-ID for each such occurrence (SEQUENCE + 1 each) and nothing else: the series
stays in the calendars as it was. Any other change (a moved occurrence among them) is an
update of the series with its overrides, SEQUENCE + 1, as for any change. Such a
cancellation interrupted or refused is completed on the next ``open`` by a REQUEST of the
series with its EXDATEs (the same SEQUENCE), which says the same to every calendar.

Example:
    >>> from meetlink.reconcile.invitations import run_invitations  # called by open_meeting
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from meetlink.invites.calendar import (
    Invitation,
    build_cancellation,
    build_invitation,
    build_occurrence_cancellation,
    content_hash,
)
from meetlink.invites.message import build_message
from meetlink.invites.specs import InvitationSpec
from meetlink.mail.sender import DeliveryResult
from meetlink.mail.wire import envelope
from meetlink.reconcile.context import RunContext
from meetlink.reconcile.desired import Wanted
from meetlink.reconcile.diff import Action, Op
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.lazy_hashes import LazySpecs
from meetlink.reconcile.ledger import EffectState
from meetlink.reconcile.steps import Intent, Step

__all__ = ["invite", "run_invitations", "send_once"]


def run_invitations(ctx: RunContext) -> None:
    """Send, update and cancel every invitation the meeting wants now."""
    wanted = ctx.wanted(Kind.INVITATION)
    actions = ctx.actions(Kind.INVITATION, wanted)
    ctx.result.plan(actions)
    floors: dict[str, int] = {}
    if any(a.op != Op.NONE for a in actions):  # the specs are built for something to send
        events = ctx.desired.platform_events(ctx.effects(Kind.CONFERENCE))
        floors = dict(events.values())
    # The specs are built when the first action that does something asks for them: a re-run
    # with nothing to send builds none (issue 19).
    ctx.run_all(
        "invitations",
        actions,
        lambda a: invite(ctx, a, wanted.invitations, floors, wanted.invitation_hashes),
        functools.partial(_prepare, wanted),
        waits=ctx.mail.waits(),
    )


def _prepare(wanted: Wanted, keys: list[EffectKey]) -> None:
    """On a shared ledger: build the specs of a claimed group's invitations in one pass."""
    specs = wanted.invitations
    if isinstance(specs, LazySpecs):
        specs.prepare(keys)


def invite(
    ctx: RunContext,
    action: Action,
    specs: Mapping[EffectKey, InvitationSpec],
    floors: Mapping[str, int] | None = None,
    hashes: Mapping[EffectKey, str] | None = None,
) -> Step[None]:
    """Send (or resend, or cancel) one invitation (a step: :mod:`meetlink.reconcile.steps`).

    ``floors`` maps a platform event's UID to its SEQUENCE there: an invitation under that
    UID is sent with a SEQUENCE at least as high. ``hashes``: the content hashes the diff
    compared (``Wanted.invitation_hashes``), not computed a second time.
    """
    floors = floors or {}
    key = str(action.key)
    effect = ctx.ledger.get(key)
    detail: dict[str, Any] = dict(effect.detail) if effect else {}
    sent = int(detail.get("sent_sequence", -1))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if action.op == Op.CANCEL:
        spec = InvitationSpec.from_json(detail["spec"])
        # The sitting is still planned but lost its time: postponed ("thời gian sẽ thông
        # báo sau"), not cancelled; no notice follows, this message says it.
        postponed = ctx.desired.postponed(action.key)
        detail["postponed"] = postponed
        if postponed:
            spec = dataclasses.replace(spec, postponed=True)
        sequence = max(sent + 1, floors.get(spec.uid, 0))
        cancellation = build_cancellation(
            spec, sequence=sequence, dtstamp=now, templates=ctx.desired.templates
        )
        _deliver(ctx, key, detail, cancellation, cancel=True)
        return
    spec = specs[action.key]
    known = hashes.get(action.key) if hashes is not None else None
    digest = known or content_hash(spec, ctx.desired.templates)
    if effect is None:
        recovered = _recover(ctx, spec)
        if recovered is not None:  # the ledger forgot what the outbox holds
            sent, same = recovered
            if same:
                return
            detail["sent_sequence"] = sent
    resend = (
        effect is not None
        and effect.state in (EffectState.INTENT, EffectState.FAILED)
        and effect.content_hash == digest
        and "dtstamp" in detail
    )
    if resend:  # the same bytes as the interrupted attempt: same SEQUENCE and DTSTAMP
        sequence, stamp = int(detail["sequence"]), dt.datetime.fromisoformat(detail["dtstamp"])
    else:
        sequence, stamp = max(sent + 1, floors.get(spec.uid, 0)), now
    previous = InvitationSpec.from_json(detail["spec"]) if "spec" in detail else None
    if (
        effect is not None
        and effect.state == EffectState.DONE
        and previous is not None
        and _skips_added(previous, spec)
        and effect.content_hash == content_hash(previous, ctx.desired.templates)
    ):
        yield from _cancel_occurrences(ctx, key, detail, previous, spec, digest, now)
        return
    detail.update(
        uid=spec.uid,
        sequence=sequence,
        dtstamp=stamp.isoformat(),
        spec=spec.to_json(),
        sent_sequence=sent,
    )
    yield Intent(ctx.meeting.id, key, Kind.INVITATION.value, digest, dict(detail))
    if previous is not None and sequence > 0:
        current = {r.email.casefold() for r in spec.recipients}
        gone = tuple(r for r in previous.recipients if r.email.casefold() not in current)
        if gone:  # moved to another point: un-invite them from this one (no STATUS)
            uninvite = build_cancellation(
                previous,
                sequence=sequence,
                dtstamp=stamp,
                recipients=gone,
                templates=ctx.desired.templates,
            )
            ctx.mail.send(build_message(uninvite), spec.track)
    invitation = build_invitation(
        spec, sequence=sequence, dtstamp=stamp, templates=ctx.desired.templates
    )
    _deliver(ctx, key, detail, invitation)


def _skips_added(previous: InvitationSpec, spec: InvitationSpec) -> bool:
    """Whether ``spec`` differs from ``previous`` only by occurrences newly skipped."""
    return set(previous.skipped) < set(spec.skipped) and previous == dataclasses.replace(
        spec, skipped=previous.skipped
    )


def _cancel_occurrences(
    ctx: RunContext,
    key: str,
    detail: dict[str, Any],
    previous: InvitationSpec,
    spec: InvitationSpec,
    digest: str,
    now: dt.datetime,
) -> Step[None]:
    """One CANCEL with RECURRENCE-ID per occurrence skipped since ``previous`` was sent.

    The ledger then holds ``spec`` (the series with its EXDATE) at the last SEQUENCE sent,
    so a later change of the series is an update above it and a re-run sends nothing.
    """
    sequence = int(detail.get("sent_sequence", -1))
    refused: list[DeliveryResult] = []
    for original in sorted(set(spec.skipped) - set(previous.skipped)):
        sequence += 1
        detail.update(uid=spec.uid, sequence=sequence, dtstamp=now.isoformat())
        yield Intent(ctx.meeting.id, key, Kind.INVITATION.value, digest, dict(detail))
        cancellation = build_occurrence_cancellation(
            spec, original, sequence=sequence, dtstamp=now, templates=ctx.desired.templates
        )
        result = send_once(ctx, build_message(cancellation), spec.track, detail)
        if not result.ok:
            refused.append(result)
    detail.update(spec=spec.to_json(), sent_sequence=sequence)
    ctx.ledger.record_done(key, external_id=spec.uid, detail=detail)
    for result in refused:
        result.raise_for_refused()


def _recover(ctx: RunContext, spec: InvitationSpec) -> tuple[int, bool] | None:
    """What the sender kept of this event when the ledger has no record of it (a lost or
    emptied ledger): the last SEQUENCE sent and whether it said what the meeting says now.

    When it did, the ledger is written as if it had been sent now; otherwise the next
    message is an update with the following SEQUENCE, never a second SEQUENCE 0.
    """
    found = ctx.mail.last_sent(spec.message_key, spec.track)
    if found is None:
        return None
    stamp = _dtstamp(found.calendar)
    if found.method == "request" and stamp is not None:
        again = build_invitation(
            spec, sequence=found.sequence, dtstamp=stamp, templates=ctx.desired.templates
        )
        if again.calendar == found.calendar:
            detail = {
                "uid": spec.uid,
                "sequence": found.sequence,
                "dtstamp": stamp.isoformat(),
                "spec": spec.to_json(),
                "sent_sequence": found.sequence,
                "recovered": True,
            }
            key = str(EffectKey.invitation(spec.track, spec.sitting, spec.point))
            ctx.ledger.record_intent(
                ctx.meeting.id,
                key,
                Kind.INVITATION.value,
                content_hash=content_hash(spec, ctx.desired.templates),
                detail=detail,
            )
            ctx.ledger.record_done(key, external_id=spec.uid, detail=detail)
            return found.sequence, True
    return found.sequence, False


def _dtstamp(calendar: bytes) -> dt.datetime | None:
    import icalendar  # loaded when a calendar is read back (issue 19: not by every `open`)

    try:
        parsed = icalendar.Calendar.from_ical(calendar)
        for event in parsed.walk("VEVENT"):
            stamp = event.decoded("DTSTAMP")
            if isinstance(stamp, dt.datetime):
                return stamp.astimezone(dt.UTC)
    except (ValueError, KeyError):
        return None
    return None


def _deliver(
    ctx: RunContext,
    key: str,
    detail: dict[str, Any],
    invitation: Invitation,
    *,
    cancel: bool = False,
) -> None:
    message = build_message(invitation)
    result = send_once(ctx, message, invitation.spec.track, detail)
    detail.update(sent_sequence=invitation.sequence)
    if cancel:
        ctx.ledger.record_cancelled(key, detail=detail)
    else:  # the UID as the external id too: a re-run reads it without decoding the detail
        ctx.ledger.record_done(key, external_id=invitation.spec.uid, detail=detail)
    if not result.ok:
        result.raise_for_refused()


def send_once(ctx: RunContext, message: Any, track: str, detail: dict[str, Any]) -> DeliveryResult:
    """Send ``message`` to those of its recipients who have not accepted it yet, and write
    into ``detail`` who has (``accepted``) and who has not (``not_reached``), for the ledger.

    Who accepted is kept per Message-ID: a message resent after a refusal (the same bytes)
    goes to the refused recipients only; another message goes to everyone. The returned
    result tells about everyone of the message, the earlier accepted ones included.
    """
    message_id = str(message["Message-ID"])
    earlier = list(detail.get("accepted", [])) if detail.get("message_id") == message_id else []
    reached = {address.casefold() for address in earlier}
    _, everyone = envelope(message)
    left = [address for address in everyone if address.casefold() not in reached]
    if not earlier:
        result = ctx.mail.send(message, track)
    elif left:
        result = ctx.mail.send(message, track, recipients=left)
    else:  # every recipient had it already: nothing to send
        result = DeliveryResult(message_id, ())
    accepted = earlier + [a for a in result.accepted if a.casefold() not in reached]
    not_reached = {**result.deferred, **result.refused}
    detail.update(message_id=message_id, accepted=accepted, not_reached=not_reached)
    return DeliveryResult(message_id, tuple(accepted), result.refused, result.deferred)
