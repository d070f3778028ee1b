"""Phase 2 of ``open``: every bridge point's credentials, one function per lifecycle step.

The life of a credential (drawn in ``docs/guides/credential-lifecycle.md``)::

    (none) ──issue──> issued ──hand_out──> handed out
                        ^  │                  │
                        │  └──rotate──────────┤   (new secret, version + 1, handed out again)
                        │                     │
                        └──reissue── revoked <┘   (revoke: the account listed to disable)

On a platform whose points hold one account each (``credential_scope = POINT``, a
provider's login) the credential is the **login**: ``credential:TRACK/POINT`` in the
ledger, one vault row, one password for every sitting of the track until it is rotated; each
conference's ``access`` only adds its room and link, and the adapter keeps the login as the
vault holds it (:meth:`~meetlink.adapters.base.ConferenceAdapter.keep_access`). On other
platforms (a per-sitting token) each ``access:CONFERENCE/POINT`` is its own credential.

The vault is the one source of the secret: the provider's copy is made to match it, the
officer is sent what it holds. Every step writes its intent before it acts and its outcome
after, so a crash at any moment is finished by the next run: a login whose outcome is
unknown is *recovered* (from the vault, or from what the platform holds), never made anew.

Example:
    >>> vault_kind_for_login("main")
    'login:main'
"""

from __future__ import annotations

from types import EllipsisType
from typing import Any

from meetlink.adapters.base import ConferenceAdapter
from meetlink.adapters.models import ConferenceInfo, ConferenceRequest, PointAccess, PointRef
from meetlink.credentials.audit import AuditAction
from meetlink.credentials.vault import Credential
from meetlink.errors import CredentialError, InvalidRequest, UnsupportedFeature
from meetlink.reconcile.context import RunContext
from meetlink.reconcile.desired import access_hash, officer_mark
from meetlink.reconcile.diff import fingerprint
from meetlink.reconcile.keys import ConferenceKey, EffectKey, Kind
from meetlink.reconcile.ledger import Effect, EffectState
from meetlink.reconcile.steps import Intent, Step, carry_out

__all__ = [
    "conference_of",
    "issue_conference_access",
    "issue_login",
    "public_parts",
    "refuse_changed",
    "revoke_point",
    "revoke_steps",
    "rotate_point",
    "rotate_steps",
    "same_secrets",
    "stored",
    "to_access",
    "to_credential",
    "vault_kind_for_conference",
    "vault_kind_for_login",
    "version_of",
]

_SECRET_FIELDS = ("login", "password", "pin", "token")


def vault_kind_for_login(track: str) -> str:
    """The vault's kind of a point's login on a track (its unit is the point)."""
    return f"login:{track}"


def vault_kind_for_conference(conference: ConferenceKey) -> str:
    """The vault's kind of a point's access to one conference (its unit is the point)."""
    return f"access:{conference.text}"


def to_credential(access: PointAccess) -> Credential:
    """What the vault keeps of an access."""
    return Credential(
        login=access.login,
        password=access.password,
        pin=access.pin,
        token=access.token,
        room=access.room,
        server=access.server,
        join_url=access.join_url,
    )


def to_access(point_id: str, credential: Credential) -> PointAccess:
    """The access a stored credential gives (for ``keep_access``)."""
    return PointAccess(
        point_id=point_id,
        join_url=credential.join_url or "about:blank",
        login=credential.login,
        password=credential.password,
        pin=credential.pin,
        token=credential.token,
        room=credential.room,
        server=credential.server,
    )


def same_secrets(left: Credential | PointAccess, right: Credential | PointAccess) -> bool:
    """Whether two credentials let the same person in (login, password, PIN, token)."""
    return all(getattr(left, name) == getattr(right, name) for name in _SECRET_FIELDS)


def version_of(effect: Effect | None) -> int:
    return int(effect.detail.get("version", 0)) if effect is not None else 0


def stored(ctx: RunContext, point_id: str, kind: str) -> Credential | None:
    """The credential the vault holds (read once per run), or None."""
    held = ctx.held.get(point_id, kind)
    if held is not None:
        return held
    vault = ctx.must_vault()
    if not vault.has(ctx.meeting.id, point_id, kind):
        return None
    credential = vault.get(ctx.meeting.id, point_id, kind, channel="open")
    ctx.held.hold(point_id, kind, credential)
    return credential


def _put(ctx: RunContext, point_id: str, kind: str, credential: Credential) -> None:
    """Store a credential in the vault, and hold it for the rest of the run."""
    ctx.held.hold(point_id, kind, None)
    ctx.must_vault().put(ctx.meeting.id, point_id, kind, credential)
    ctx.held.hold(point_id, kind, credential)


def _audit(ctx: RunContext, unit: str, action: AuditAction, detail: str) -> None:
    ctx.must_vault().audit.record(ctx.meeting.id, unit, action, channel="open", detail=detail)


# -- where a point's login is used --------------------------------------------------------


def _conferences_of_track(
    ctx: RunContext, track: str
) -> list[tuple[ConferenceRequest, ConferenceInfo]]:
    """The track's conferences that exist: those wanted now first, then any the ledger
    still knows (a sitting removed since)."""
    found: list[tuple[ConferenceRequest, ConferenceInfo]] = []
    for key, request in ctx.desired.requests.items():
        info = ctx.conferences.info(key) if request.track == track else None
        if info is not None:
            found.append((request, info))
    for key, effect in sorted(ctx.effects(Kind.CONFERENCE).items()):
        if key.track == track and "request" in effect.detail and "info" in effect.detail:
            found.append(
                (
                    ConferenceRequest.model_validate(effect.detail["request"]),
                    ConferenceInfo.model_validate(effect.detail["info"]),
                )
            )
    return found


def _any_conference(
    ctx: RunContext, track: str, point_id: str
) -> tuple[ConferenceRequest, ConferenceInfo, PointRef]:
    """A conference of the track that exists and holds the point: the context the adapter
    needs to issue, keep or rotate the point's login."""
    for key in ctx.desired.conferences_of_point.get((track, point_id), []):
        info = ctx.conferences.info(key)
        if info is not None:
            request = ctx.desired.requests[key]
            return request, info, request.point(point_id)
    for request, info in _conferences_of_track(ctx, track):  # a sitting removed since
        if request.has_point(point_id):
            return request, info, request.point(point_id)
    raise CredentialError(
        f"no conference of track '{track}' holding bridge point '{point_id}' is created yet, "
        "so its login cannot be issued; run `meetlink open` again once it is."
    )


def _point_ref(effect: Effect | None) -> PointRef | None:
    """The point a credential was issued for, as its ledger record keeps it."""
    raw = effect.detail.get("point") if effect is not None else None
    return PointRef.model_validate(raw) if isinstance(raw, dict) else None


# -- the steps of a login's life (credential_scope = POINT) --------------------------------


def issue_login(ctx: RunContext, key: EffectKey) -> Step[None]:
    """``issue``: the point's login, recovered if it exists (vault, then platform), else new.

    A login already in the vault is kept as it is; one the platform holds (a provider's
    sheet, the export of generated accounts) is taken from there; only a login nobody holds
    is made anew. So a run that was killed half-way never gives an officer a second password.
    """
    if key.point is None:  # a credential key always names its point
        raise ValueError(f"{key} names no bridge point.")
    before = ctx.ledger.get(str(key))
    adapter = ctx.adapters[key.track]
    request, info, point = _any_conference(ctx, key.track, key.point)
    kind = vault_kind_for_login(key.track)
    mark = officer_mark(ctx.desired.officer(key.point))
    unfinished = before is not None and before.state in (EffectState.INTENT, EffectState.FAILED)
    if unfinished and before is not None and before.detail.get("op") in ("rotate", "reissue"):
        yield from _rotate_login(ctx, key, str(before.detail["reason"]), reissue=False)
        return
    if (
        before is not None
        and before.state == EffectState.FAILED
        and version_of(before)
        and before.content_hash != mark
    ):  # a rotation for a new officer was refused earlier: it is still owed
        yield from _rotate_login(ctx, key, "the officer changed", reissue=False)
        return
    current = stored(ctx, key.point, kind)
    version = version_of(before) or 1
    yield Intent(
        ctx.meeting.id,
        str(key),
        Kind.CREDENTIAL.value,
        mark,
        {"version": version, "op": "issue", **_account_of(before)},
    )
    ctx.throttle(key.track)
    if current is not None:
        access = adapter.keep_access(request, info, point, to_access(point.id, current))
        if not same_secrets(access, current):
            refuse_changed(point.id)
    else:
        access = adapter.issue_access(request, info, point)
        _put(ctx, point.id, kind, to_credential(access))
    ctx.ledger.record_done(
        str(key),
        content_hash=mark,
        detail={
            "version": version,
            "op": "issue",
            "account": access.login or "",
            "point": point.model_dump(mode="json"),
        },
    )


def _account_of(effect: Effect | None) -> dict[str, Any]:
    """The login a credential record names, kept through a step that may not finish: the
    login was issued once, so its access to each conference stays wanted meanwhile."""
    if effect is None or "account" not in effect.detail:
        return {}
    return {"account": effect.detail["account"]}


def refuse_changed(point_id: str) -> None:
    raise CredentialError(
        f"the platform holds another password for bridge point '{point_id}' than the one "
        "its officer was sent (the provider's sheet changed?); run `meetlink credentials "
        f"MEETING.yaml rotate --unit {point_id}` to hand the platform's one out."
    )


def rotate_point(ctx: RunContext, key: EffectKey, reason: str) -> None:
    """``rotate`` (or ``reissue`` after a revoke): new secrets, version + 1, handed out again.

    ``key`` is a point's ``credential`` key (login platforms) or one ``access`` key.
    """
    carry_out(ctx.ledger, rotate_steps(ctx, key, reason))


def rotate_steps(ctx: RunContext, key: EffectKey, reason: str) -> Step[None]:
    """:func:`rotate_point` as a step (:mod:`meetlink.reconcile.steps`)."""
    if key.kind == Kind.CREDENTIAL:
        before = ctx.ledger.get(str(key))
        revoked = before is not None and bool(before.detail.get("revoked"))
        yield from _rotate_login(ctx, key, reason, reissue=revoked)
    else:
        yield from issue_conference_access(ctx, key, reason=reason)


def _rotate_login(ctx: RunContext, key: EffectKey, reason: str, *, reissue: bool) -> Step[None]:
    if key.point is None:  # a credential key always names its point
        raise ValueError(f"{key} names no bridge point.")
    before = ctx.ledger.get(str(key))
    adapter = ctx.adapters[key.track]
    request, info, point = _any_conference(ctx, key.track, key.point)
    kind = vault_kind_for_login(key.track)
    current = stored(ctx, key.point, kind)
    interrupted = (
        before is not None
        and before.state in (EffectState.INTENT, EffectState.FAILED)
        and before.detail.get("op") in ("rotate", "reissue")
    )
    version = version_of(before) if interrupted else version_of(before) + 1
    op = "reissue" if reissue else "rotate"
    if interrupted and before is not None:
        op = str(before.detail.get("op", op))
    mark = officer_mark(ctx.desired.officer(key.point))
    yield Intent(
        ctx.meeting.id,
        str(key),
        Kind.CREDENTIAL.value,
        mark,
        {"version": version, "op": op, "reason": reason, **_account_of(before)},
    )
    ctx.throttle(key.track)
    old = to_access(point.id, current) if current is not None else None
    try:
        access = adapter.rotate_access(request, info, point, old)
    except (UnsupportedFeature, InvalidRequest):
        _restore(ctx, key, before)  # refused, nothing changed on the platform: as it was
        raise
    if current is not None and same_secrets(access, current):
        raise CredentialError(
            f"the platform gave bridge point '{point.id}' the same password again, so the "
            "rotation did nothing; ask the provider for a new password (put it in the "
            "account sheet) and run the command again."
        )
    _put(ctx, point.id, kind, to_credential(access))
    _audit(
        ctx, point.host_unit, AuditAction.ROTATE, f"{key.track} login, version {version}: {reason}"
    )
    ctx.ledger.record_done(
        str(key),
        content_hash=mark,
        detail={
            "version": version,
            "op": op,
            "account": access.login or "",
            "point": point.model_dump(mode="json"),
        },
    )


def _restore(ctx: RunContext, key: EffectKey, before: Effect | None) -> None:
    """Put a credential's record back as it was before a step the platform refused."""
    if before is None or before.state == EffectState.INTENT:
        return
    if before.state in (EffectState.DONE, EffectState.FAILED):  # the caller marks it failed
        ctx.ledger.record_done(str(key), content_hash=before.content_hash, detail=before.detail)
    else:
        ctx.ledger.record_cancelled(str(key), detail=before.detail)


def revoke_point(ctx: RunContext, key: EffectKey) -> str | None:
    """``revoke``: the point's access stops; its account is listed for the platform to
    disable, its secret leaves the vault, and ``open`` does not issue it again.

    ``key`` is a point's ``credential`` key (login platforms) or one ``access`` key.
    Returns the account listed, if any.
    """
    return carry_out(ctx.ledger, revoke_steps(ctx, key))


def revoke_steps(ctx: RunContext, key: EffectKey) -> Step[str | None]:
    """:func:`revoke_point` as a step (:mod:`meetlink.reconcile.steps`)."""
    if key.point is None:  # both kinds of key name their point
        raise ValueError(f"{key} names no bridge point.")
    before = ctx.ledger.get(str(key))
    version = version_of(before)
    remembered = _point_ref(before)
    revoked = {"version": version, "op": "revoke", "revoked": True}
    if remembered is not None:
        revoked["point"] = remembered.model_dump(mode="json")
    yield Intent(
        ctx.meeting.id, str(key), key.kind.value, before.content_hash if before else "", revoked
    )
    adapter = ctx.adapters.get(key.track)
    listed: str | None = None
    if key.kind == Kind.CREDENTIAL:
        kind = vault_kind_for_login(key.track)
        where = _revocation_place(ctx, key.track, key.point, remembered)
        if adapter is not None and where is not None:
            listed = adapter.revoke_access(*where)
    else:
        kind = vault_kind_for_conference(key.conference)
        conference = ctx.conferences.effect(EffectKey.for_conference(key.conference))
        if adapter is not None and conference is not None and "request" in conference.detail:
            request = ConferenceRequest.model_validate(conference.detail["request"])
            if request.has_point(key.point):
                listed = adapter.revoke_access(request, request.point(key.point))
    ctx.held.hold(key.point, kind, None)
    ctx.must_vault().delete(ctx.meeting.id, key.point, kind)
    ctx.ledger.record_cancelled(str(key), detail=revoked)
    for other in _parts_of(ctx, key):
        effect = ctx.ledger.get(str(other))
        if effect is not None and effect.state != EffectState.CANCELLED:
            ctx.ledger.record_cancelled(str(other), detail={**effect.detail, "revoked": True})
    return listed


def _revocation_place(
    ctx: RunContext, track: str, point_id: str, remembered: PointRef | None
) -> tuple[ConferenceRequest, PointRef] | None:
    """A conference of the track and the point, for ``revoke_access``: one holding the point
    if any, else any conference of the track with the point as it was issued."""
    try:
        request, _, point = _any_conference(ctx, track, point_id)
    except CredentialError:
        conferences = _conferences_of_track(ctx, track)
        if not conferences or remembered is None:
            return None  # nothing was ever made: nothing to disable
        return conferences[0][0], remembered
    return request, point


def _parts_of(ctx: RunContext, key: EffectKey) -> list[EffectKey]:
    """The accesses and hand-outs that carry the credential ``key``."""
    if key.kind != Kind.CREDENTIAL:
        return [key.with_kind(Kind.HANDOUT)]
    if key.point is None:  # a credential key always names its point
        raise ValueError(f"{key} names no bridge point.")
    wanted = ctx.desired.conferences_of_point.get((key.track, key.point))
    if wanted is not None:
        conferences = [k.conference for k in wanted]
    else:  # the point left the meeting: look through what the ledger holds
        conferences = [
            k.conference
            for k in ctx.effects(Kind.ACCESS)
            if k.track == key.track and k.point == key.point
        ]
    return [
        EffectKey.of_access(kind, conference, key.point)
        for conference in conferences
        for kind in (Kind.ACCESS, Kind.HANDOUT)
    ]


# -- per-conference credentials (credential_scope = CONFERENCE) -----------------------


def conference_of(ctx: RunContext, key: EffectKey) -> tuple[ConferenceRequest, ConferenceInfo]:
    conference = EffectKey.for_conference(key.conference)
    request = ctx.desired.requests.get(conference)
    info = ctx.conferences.info(conference)
    if request is None or info is None:
        raise CredentialError(
            f"the conference {key.conference.text} is not created yet, so its credentials "
            "cannot be issued; run `meetlink open` again once it is."
        )
    return request, info


def public_parts(access: PointAccess) -> dict[str, Any]:
    """The parts of an access that are not secret: kept in the ledger for the hand-out."""
    return {"room": access.room, "server": access.server, "join_url": access.join_url}


def issue_conference_access(
    ctx: RunContext,
    key: EffectKey,
    *,
    reason: str = "",
    before: Effect | EllipsisType | None = ...,
) -> Step[None]:
    """A per-conference credential: new access from the platform, version + 1. ``before``:
    the ledger's record of ``key`` when the caller has just read it (else read here)."""
    if key.point is None:  # an access key always names its point
        raise ValueError(f"{key} names no bridge point.")
    request, info = conference_of(ctx, key)
    if before is ...:
        before = ctx.ledger.get(str(key))
    version = version_of(before) + 1
    adapter: ConferenceAdapter = ctx.adapters[key.track]
    mark = officer_mark(ctx.desired.officer(key.point))
    digest = fingerprint(access_hash(info.external_id, request, adapter), mark)
    yield Intent(ctx.meeting.id, str(key), Kind.ACCESS.value, digest, {"version": version})
    ctx.throttle(key.track)
    point = request.point(key.point)
    if reason:
        held = stored(ctx, key.point, vault_kind_for_conference(key.conference))
        old = to_access(key.point, held) if held is not None else None
        access = adapter.rotate_access(request, info, point, old)
        _audit(
            ctx,
            point.host_unit,
            AuditAction.ROTATE,
            f"{key.conference.text}, version {version}: {reason}",
        )
    else:
        access = adapter.issue_access(request, info, point)
    kind = vault_kind_for_conference(key.conference)
    _put(ctx, key.point, kind, to_credential(access))
    ctx.ledger.record_done(
        str(key),
        content_hash=digest,
        detail={"version": version, "officer": mark, **public_parts(access)},
    )
