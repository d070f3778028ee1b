"""Phase 2, second half: every access handed to its point's technical officer, exactly once.

The secret comes from the vault (the one source), the rest (room, link) from the access's
ledger record; the e-mail goes to the host unit's officer alone — the login only when the
track says ``handout: split`` (the password then goes by the ``secret_hook``, or on a
printed slip, ``meetlink credentials MEETING.yaml slip``). Each delivery is audited.

The Message-ID is made from the point, the conference and what the hand-out says (the room
and link, the times it states, the keyed mark of the secret): a resend after a crash is the
very same message; a new password, a new room or a moved sitting is a new one. A hand-out is
wanted again when the sitting moves (its content hash holds the times it states): the
officer gets a corrected one, with the same password, that says it replaces the first.

A recipient the mail server refuses is handled as for invitations
(:func:`~meetlink.reconcile.invitations.send_once`): the ledger keeps who accepted the
hand-out, it is ``failed``, and the next ``open`` resends the same message to those not
reached alone; the password half already given to the ``secret_hook`` is not given again.

Example:
    >>> from meetlink.reconcile.handouts import run_handouts  # called by open_meeting
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from meetlink.adapters.base import CredentialScope
from meetlink.credentials.audit import AuditAction
from meetlink.credentials.handout import HandOutCard, SittingTime, handout_message, slip_text
from meetlink.credentials.vault import Credential
from meetlink.errors import CredentialError
from meetlink.loading.meeting import AttendanceMode
from meetlink.planning import BridgePoint, Plan
from meetlink.reconcile.context import RunContext
from meetlink.reconcile.credentials import vault_kind_for_conference, vault_kind_for_login
from meetlink.reconcile.desired import handout_hash, stated_times
from meetlink.reconcile.diff import Action, Op, fingerprint
from meetlink.reconcile.invitations import send_once
from meetlink.reconcile.keys import ConferenceKey, EffectKey, Kind
from meetlink.reconcile.ledger import Effect, EffectState
from meetlink.reconcile.steps import Intent, Step

__all__ = ["handout_card", "run_handouts", "sitting_times", "stored_credential"]


def run_handouts(ctx: RunContext) -> None:
    """Deliver every access issued and not yet delivered (or changed since)."""
    actions = ctx.actions(Kind.HANDOUT)
    ctx.result.plan(actions)
    ctx.run_all(
        "hand-out",
        actions,
        lambda a: hand_out(ctx, a),
        functools.partial(_read_secrets, ctx),
        waits=ctx.mail.waits(),
    )


def _read_secrets(ctx: RunContext, keys: list[EffectKey]) -> None:
    """On a shared ledger, the secrets of a claimed group of hand-outs, read in one
    statement before its steps (each step's read is then answered without the server)."""
    ctx.remember_secrets(
        (ctx.meeting.id, key.point, _vault_kind(ctx, key)) for key in keys if key.point
    )


def _vault_kind(ctx: RunContext, access: EffectKey) -> str:
    """Where the vault keeps the secret of an access: its point's login, or its own."""
    if ctx.desired.scope(access.track) == CredentialScope.POINT:
        return vault_kind_for_login(access.track)
    return vault_kind_for_conference(access.conference)


def stored_credential(
    ctx: RunContext, access: EffectKey, channel: str, record: Effect | None = None
) -> Credential:
    """The credential an access carries: the secret from the vault, the room and link from
    the access's record (a login's own room is per conference); ``record``: that record as
    the caller just read it (not read again)."""
    if access.point is None:  # an access key always names its point
        raise ValueError(f"{access} names no bridge point.")
    vault = ctx.must_vault()
    kind = _vault_kind(ctx, access)
    if ctx.desired.scope(access.track) == CredentialScope.POINT:
        secret = vault.get(ctx.meeting.id, access.point, kind, channel=channel)
        record = record if record is not None else ctx.ledger.get(str(access))
        public = dict(record.detail) if record is not None else {}
        return secret.model_copy(
            update={k: public.get(k) for k in ("room", "server", "join_url") if public.get(k)}
        )
    return vault.get(ctx.meeting.id, access.point, kind, channel=channel)


def hand_out(ctx: RunContext, action: Action) -> Step[None]:
    """Deliver one point's access to one conference to its host unit's officer."""
    key = action.key
    if key.point is None:  # a hand-out key always names its point
        raise ValueError(f"{key} names no bridge point.")
    if action.op == Op.CANCEL:  # nothing to take back from a mailbox; the access is gone
        ctx.ledger.record_cancelled(str(key))
        return
    access_key = key.with_kind(Kind.ACCESS)
    issued = ctx.ledger.get(str(access_key))
    if issued is None or issued.state != EffectState.DONE:
        raise CredentialError(
            f"the credentials of {key.point} for {key.conference.text} are not issued yet; run "
            "`meetlink open` again to issue and hand them out."
        )
    version = int(issued.detail.get("version", 0))
    request = ctx.desired.requests[EffectKey.for_conference(key.conference)]
    times = stated_times(request.start, request.end, request.recurrence, ctx.plan.rehearsal)
    edition = handout_hash(issued, times)
    before = ctx.ledger.get(str(key))
    detail = dict(before.detail) if before else {}
    again = before is not None and before.state in (EffectState.INTENT, EffectState.FAILED)
    if not (again and detail.get("edition") == edition and "sent_at" in detail):
        detail = {
            "version": version,
            "edition": edition,
            "sent_at": dt.datetime.now(dt.UTC).isoformat(),
            "replaces": _replaces(before),
        }
    yield Intent(ctx.meeting.id, str(key), Kind.HANDOUT.value, edition, dict(detail))
    track = ctx.tracks[request.track]
    replaces = bool(detail.get("replaces"))
    card = handout_card(ctx.plan, key.conference, key.point, version=version, replaces=replaces)
    credential = stored_credential(ctx, access_key, "email", issued)
    message = handout_message(
        card,
        credential,
        version=version,
        # What the officer is told (the room, the link, the times, whether it replaces an
        # earlier one) and the keyed mark of the secret: another password or another time is
        # always another message, the same hand-out the same message.
        edition="-".join(
            (
                message_edition(issued.detail),
                fingerprint(times, replaces),
                ctx.must_vault().mark(credential),
            )
        ),
        sent_at=dt.datetime.fromisoformat(detail["sent_at"]),
        part="login" if track.handout == "split" else "all",
    )
    message_id = str(message["Message-ID"])
    if before is None and ctx.mail.holds(message_id, request.track):
        # The ledger forgot it, the outbox did not: this very hand-out was delivered.
        detail["message_id"] = message_id
        detail["recovered"] = True
        ctx.ledger.record_done(str(key), content_hash=edition, detail=detail)
        return
    result = send_once(ctx, message, request.track, detail)
    host_unit = ctx.plan.point(key.point).host_unit
    why = " (rotated)" if card.rotated else " (corrected)" if replaces else ""
    _audit(ctx, host_unit, "email", f"{key.conference.text}, version {version}, by e-mail{why}")
    handed = detail.get("second_channel") == "hook"  # by an earlier attempt of this edition
    if track.handout == "split" and ctx.secret_hook is not None and not handed:
        # The password half by the second channel (an SMS or chat gateway), never by e-mail.
        text = slip_text(card, credential.model_copy(update={"login": None, "join_url": None}))
        receipt = ctx.secret_hook(card.officer, card, text)
        _audit(ctx, host_unit, "hook", f"{key.conference.text}, version {version}: {receipt}")
        detail["second_channel"] = "hook"
    ctx.ledger.record_done(str(key), content_hash=edition, detail=detail)
    if not result.ok:
        result.raise_for_refused()


def _replaces(before: Effect | None) -> bool:
    """Whether the officer had an earlier hand-out of this access (this one corrects it)."""
    if before is None:
        return False
    delivered = before.state == EffectState.DONE or bool(before.detail.get("accepted"))
    return delivered or bool(before.detail.get("replaces"))


def message_edition(access: Mapping[str, Any]) -> str:
    """The non-secret part of what a hand-out carries (from the access's record)."""
    return fingerprint(*(access.get(k) for k in ("join_url", "room", "server")))


def _audit(ctx: RunContext, unit_id: str, channel: str, detail: str) -> None:
    # No message id in the detail: a hex id can contain a short PIN by chance.
    ctx.must_vault().audit.record(
        ctx.meeting.id, unit_id, AuditAction.DELIVER, channel=channel, detail=detail
    )


def handout_card(
    plan: Plan,
    conference: ConferenceKey,
    point_id: str,
    *,
    version: int = 1,
    replaces: bool = False,
) -> HandOutCard:
    """What the officer of ``point_id``'s host unit is told besides the secret, for its
    access to one ``conference``: the sitting's time, the line test, whom to call.

    A credential of ``version`` 2 or more was rotated (or issued anew): its hand-out says the
    old password no longer works.
    """
    point = plan.point(point_id)
    host = plan.units[point.host_unit]
    if host.officer is None:  # checked before anything was done; kept for type safety
        raise CredentialError(
            f"unit '{host.id}' has no technical officer; add officer_name and officer_email."
        )
    meeting = plan.meeting
    return HandOutCard(
        meeting_id=meeting.id,
        meeting_title=meeting.title,
        point_id=point_id,
        point_name=point.name,
        hall=point.location,
        unit_name=host.name,
        officer=host.officer,
        organizer_email=meeting.organizer.email or "",
        organizer_name=meeting.organizer.name,
        conference=conference.text,
        kind=meeting.kind,
        sittings=sitting_times(plan, conference.track, (conference.sitting,), point),
        rehearsal=plan.rehearsal,
        help_contacts=meeting.help_contacts,
        rotated=version > 1,
        replaces=replaces,
        language=meeting.language,
    )


def sitting_times(
    plan: Plan, track: str, sittings: Iterable[str], point: BridgePoint | None = None
) -> tuple[SittingTime, ...]:
    """The times of these sittings of ``track``, in the plan's order, with their own names
    (none when the track has one sitting); a sitting whose time comes later is left out.
    With ``point``, as that point holds them (a party cell at its own hour)."""
    wanted = set(sittings)
    meeting = plan.meeting
    own = next(t for t in meeting.tracks if t.id == track)
    split = own.attendance == AttendanceMode.SPLIT
    out: list[SittingTime] = []
    for number, sitting in enumerate(own.sittings, start=1):
        planned = next(s for s in plan.sittings if s.track == track and s.id == sitting.id)
        if point is not None:
            planned = plan.sitting_at(planned, point)
        if sitting.id not in wanted or planned.start is None:
            continue
        label = sitting.title or ""
        if not label and len(own.sittings) > 1:
            label = _NUMBERED[(meeting.language, split)].format(number=number)
        out.append(
            SittingTime(
                label=label,
                start=planned.start,
                end=planned.end,
                recurrence=planned.recurrence,
                occurrences=planned.occurrences,
                occurrences_complete=planned.occurrences_complete,
            )
        )
    return tuple(out)


_NUMBERED = {
    ("vi", True): "Lớp {number}",
    ("vi", False): "Buổi {number}",
    ("en", True): "Class {number}",
    ("en", False): "Sitting {number}",
}
