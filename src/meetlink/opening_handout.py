"""Phase 2 of ``open``: issue each bridge point its credentials, hand them to its officer.

A credential is issued by the platform's adapter, stored encrypted in the vault (never in
the ledger), then delivered by e-mail to the host unit's technical officer alone — the login
only when the track says ``handout: split`` (the password then goes on a printed slip,
``meetlink credentials MEETING.yaml slip``). Each delivery is audited.

Example:
    >>> access_hash("evt-123") == access_hash("evt-123")
    True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from meetlink.adapters.base import Capability, ConferenceAdapter
from meetlink.adapters.models import ConferenceRequest
from meetlink.credentials.audit import AuditAction
from meetlink.credentials.handout import HandOutCard, handout_message, slip_text
from meetlink.credentials.vault import Credential
from meetlink.errors import CredentialError
from meetlink.ledger import EffectState
from meetlink.planning import Plan
from meetlink.reconcile import Action, Op, What, effect_key, fingerprint

if TYPE_CHECKING:
    from meetlink.opening import _Run

__all__ = ["access_hash", "hand_out", "handout_card", "issue_access", "vault_kind"]


def access_hash(
    external_id: str | None,
    request: ConferenceRequest | None = None,
    adapter: ConferenceAdapter | None = None,
) -> str:
    """The content hash of an access: it changes when the conference is a new one, and for a
    per-unit token (valid from the sitting's start to its end) when the sitting moves."""
    timed = adapter is not None and Capability.ACCESS_TOKEN in adapter.capabilities
    window = f"{request.start}/{request.end}" if timed and request is not None else ""
    return fingerprint(external_id if external_id else "pending", window)


def vault_kind(conference: str) -> str:
    """The vault's credential kind for a conference's access."""
    return f"access:{conference}"


def _names(key: str) -> tuple[str, str, str]:
    name = key.split(":", 1)[1]
    conference, _, point = name.rpartition("/")
    return name, conference, point


def issue_access(run: _Run, action: Action, requests: Mapping[str, ConferenceRequest]) -> None:
    """Issue (or withdraw) one bridge point's credentials for one conference."""
    _, conference, point_id = _names(action.key)
    meeting_id = run.meeting.id
    if action.op == Op.CANCEL:
        run.with_vault(lambda v: v.delete(meeting_id, point_id, vault_kind(conference)))
        run.ledger.record_cancelled(action.key)
        return
    made = run.conference_effect(conference)
    if made is None or not made.external_id or "info" not in made.detail:
        raise CredentialError(
            f"the conference {conference} is not created yet, so its credentials cannot be "
            "issued; run `meetlink open` again once it is."
        )
    request = requests[effect_key(What.CONFERENCE, conference)]
    info = run.conference_info(conference)
    before = run.ledger.get(action.key)
    version = int(before.detail.get("version", 0)) + 1 if before else 1
    adapter = run.adapters[request.track]
    digest = access_hash(made.external_id, request, adapter)
    run.ledger.record_intent(
        meeting_id, action.key, What.ACCESS.value, content_hash=digest, detail={"version": version}
    )
    run.throttle(request.track)
    access = adapter.issue_access(request, info, request.point(point_id))
    credential = Credential(
        login=access.login,
        password=access.password,
        pin=access.pin,
        token=access.token,
        room=access.room,
        server=access.server,
        join_url=access.join_url,
    )
    run.with_vault(lambda v: v.put(meeting_id, point_id, vault_kind(conference), credential))
    run.ledger.record_done(action.key, content_hash=digest, detail={"version": version})


def hand_out(run: _Run, action: Action, requests: Mapping[str, ConferenceRequest]) -> None:
    """Deliver one bridge point's credentials to its host unit's technical officer."""
    name, conference, point_id = _names(action.key)
    if action.op == Op.CANCEL:  # nothing to take back from a mailbox; the access is gone
        run.ledger.record_cancelled(action.key)
        return
    issued = run.ledger.get(effect_key(What.ACCESS, name))
    if issued is None or issued.state != EffectState.DONE:
        raise CredentialError(
            f"the credentials of {point_id} for {conference} are not issued yet; run "
            "`meetlink open` again to issue and hand them out."
        )
    version = int(issued.detail["version"])
    before = run.ledger.get(action.key)
    detail = dict(before.detail) if before else {}
    again = before is not None and before.state in (EffectState.INTENT, EffectState.FAILED)
    if not (again and detail.get("version") == version and "sent_at" in detail):
        detail = {"version": version, "sent_at": dt.datetime.now(dt.UTC).isoformat()}
    run.ledger.record_intent(
        run.meeting.id, action.key, What.HANDOUT.value, content_hash=str(version), detail=detail
    )
    request = requests[effect_key(What.CONFERENCE, conference)]
    track = run.tracks[request.track]
    card = handout_card(run.plan, conference, point_id, request.title, request.start)
    credential = run.with_vault(
        lambda v: v.get(run.meeting.id, point_id, vault_kind(conference), channel="email")
    )
    message = handout_message(
        card,
        credential,
        version=version,
        sent_at=dt.datetime.fromisoformat(detail["sent_at"]),
        part="login" if track.handout == "split" else "all",
    )
    result = run.send(message, request.track)
    host_unit = run.plan.point(point_id).host_unit
    _audit_delivery(run, host_unit, "email", f"{conference}, version {version}, by e-mail")
    if track.handout == "split" and run.secret_hook is not None:
        # The password half by the second channel (an SMS or chat gateway), never by e-mail.
        text = slip_text(card, credential.model_copy(update={"login": None, "join_url": None}))
        receipt = run.secret_hook(card.officer, card, text)
        _audit_delivery(run, host_unit, "hook", f"{conference}, version {version}: {receipt}")
        detail["second_channel"] = "hook"
    detail["message_id"] = result.message_id
    run.ledger.record_done(action.key, content_hash=str(version), detail=detail)
    if not result.ok:
        result.raise_for_refused()


def _audit_delivery(run: _Run, unit_id: str, channel: str, detail: str) -> None:
    # No message id in the detail: a hex id can contain a short PIN by chance.
    run.with_vault(
        lambda v: v.audit.record(
            run.meeting.id, unit_id, AuditAction.DELIVER, channel=channel, detail=detail
        )
    )


def handout_card(
    plan: Plan, conference: str, point_id: str, title: str, start: dt.datetime | None = None
) -> HandOutCard:
    """What the officer of ``point_id``'s host unit is told besides the secret."""
    point = plan.point(point_id)
    host = plan.units[point.host_unit]
    if host.officer is None:  # checked before anything was done; kept for type safety
        raise CredentialError(
            f"unit '{host.id}' has no technical officer; add officer_name and officer_email."
        )
    meeting = plan.meeting
    helpers = tuple(
        " — ".join(x for x in (c.name, c.phone or "", c.email or "") if x)
        for c in meeting.help_contacts
    )
    return HandOutCard(
        meeting_id=meeting.id,
        meeting_title=title,
        point_id=point_id,
        point_name=point.name,
        hall=point.location,
        unit_name=host.name,
        officer=host.officer,
        organizer_email=meeting.organizer.email or "",
        organizer_name=meeting.organizer.name,
        conference=conference,
        when=f"{start:%H:%M %d/%m/%Y}" if start else "",
        help_contacts=helpers,
        language=meeting.language,
    )
