"""Phase 3, first half: the notice of a sitting whose time comes later, once per point.

Seed 000's notice goes out before the time is fixed ("Thời gian cụ thể sẽ có thông báo
sau"). For a sitting without a ``start``, ``open`` sends each bridge point a notice (a
"Giấy báo": plain text and HTML, no calendar part) to the recipients its invitation will
have, through the same sender as invitations (SMTP, or the outbox). When a later ``open``
finds the time, the notice is no longer wanted: it is marked ``cancelled`` in the ledger
(superseded, nothing is sent) and the invitation with its calendar goes out in its place.
A notice whose text changed (the agenda, the hall, the units seated, the templates) is
sent again as an update, its subject saying so.

Crash safety is that of every effect: the notice's number and Date are written to the
ledger (intent) before it is sent, so an interrupted attempt is resent as the very same
message (same bytes, same Message-ID); when the outbox already holds that message, it is
recorded as sent without writing it again, and a lost ledger is recovered the same way.
A refused recipient is handled as for invitations: only those not reached get it again.

Example:
    >>> from meetlink.reconcile.notices import run_notices  # called by open_meeting
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from meetlink.invites.pending import PendingSpec, build_pending
from meetlink.reconcile.context import RunContext
from meetlink.reconcile.diff import Action, Op
from meetlink.reconcile.invitations import send_once
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import EffectState

__all__ = ["Notices", "notice_actions", "run_notices", "send_notice"]


@dataclass(frozen=True)
class Notices:
    """The notices wanted now, and the content hash of each."""

    specs: Mapping[EffectKey, PendingSpec]
    hashes: Mapping[EffectKey, str]


def notice_actions(ctx: RunContext) -> tuple[list[Action], Notices]:
    """The notices' actions now (``meetlink plan`` and a dry run show them too)."""
    specs = ctx.desired.notices(ctx.effects(Kind.INVITATION, Kind.CONFERENCE))
    hashes = ctx.desired.notice_hashes(specs)
    return ctx.claimed(hashes, Kind.NOTICE), Notices(specs, hashes)


def run_notices(ctx: RunContext) -> None:
    """Send every notice wanted and not sent (or changed), retire those no longer wanted."""
    actions, wanted = notice_actions(ctx)
    ctx.result.plan(actions)
    ctx.run_all("notices", actions, lambda a: send_notice(ctx, a, wanted), waits=ctx.mail.waits())


def send_notice(ctx: RunContext, action: Action, wanted: Notices) -> None:
    """Send (or resend, or retire) one point's notice."""
    key = str(action.key)
    before = ctx.ledger.get(key)
    detail = dict(before.detail) if before is not None else {}
    if action.op == Op.CANCEL:
        # The time is set (the invitation follows), or the point or sitting is gone: a
        # notice cannot be taken back from a mailbox, so nothing is sent.
        detail["retired"] = "the time is set" if _timed(ctx, action.key) else "not wanted"
        ctx.ledger.record_cancelled(key, detail=detail)
        return
    spec, digest = wanted.specs[action.key], wanted.hashes[action.key]
    sent_before = "message_id" in detail
    if (
        before is not None
        and before.state == EffectState.CANCELLED
        and before.content_hash == digest
        and sent_before
    ):  # wanted again, and they hold this very notice already: nothing new to say
        ctx.ledger.record_intent(
            ctx.meeting.id, key, Kind.NOTICE.value, content_hash=digest, detail=detail
        )
        ctx.ledger.record_done(key, content_hash=digest, detail=detail)
        return
    again = (
        before is not None
        and before.state in (EffectState.INTENT, EffectState.FAILED)
        and before.content_hash == digest
        and "sent_at" in detail
    )
    if not again:  # a new notice: the first (0), or an update (the next number)
        number = int(detail.get("number", -1)) + 1 if sent_before else 0
        detail = {"number": number, "sent_at": dt.datetime.now(dt.UTC).isoformat()}
    ctx.ledger.record_intent(
        ctx.meeting.id, key, Kind.NOTICE.value, content_hash=digest, detail=detail
    )
    message = build_pending(
        spec,
        number=int(detail["number"]),
        sent_at=dt.datetime.fromisoformat(detail["sent_at"]),
        templates_folder=ctx.desired.templates_folder,
    )
    message_id = str(message["Message-ID"])
    unsure = before is None or before.state == EffectState.INTENT
    if unsure and not detail.get("accepted") and ctx.mail.holds(message_id, spec.track):
        # The outbox holds this very notice (a run stopped after writing it, or the ledger
        # was lost): it was sent.
        detail.update(message_id=message_id, recovered=True)
        ctx.ledger.record_done(key, content_hash=digest, detail=detail)
        return
    result = send_once(ctx, message, spec.track, detail)
    ctx.ledger.record_done(key, content_hash=digest, detail=detail)
    if not result.ok:
        result.raise_for_refused()


def _timed(ctx: RunContext, key: EffectKey) -> bool:
    return any(
        s.track == key.track and s.id == key.sitting and s.start is not None
        for s in ctx.plan.sittings
    )
