"""Phase 2 of ``open``: every point's login, then its access to every conference.

The phases walk the diff of the desired state and call one lifecycle step per action
(:mod:`meetlink.reconcile.credentials`): a login wanted and missing is issued (or recovered),
one whose officer changed is rotated, one whose point left the meeting is revoked. Then
each conference grants each point access: on a provider's platform the login it already has
(the same password, the conference's own room and link); elsewhere a credential of its own.

Example:
    >>> from meetlink.reconcile.access import run_access, run_credentials  # open_meeting's
"""

from __future__ import annotations

import functools

from meetlink.adapters.base import CredentialScope
from meetlink.errors import CredentialError
from meetlink.reconcile.context import RunContext
from meetlink.reconcile.credentials import (
    conference_of,
    issue_conference_access,
    issue_login,
    public_parts,
    refuse_changed,
    revoke_steps,
    rotate_steps,
    same_secrets,
    stored,
    to_access,
    vault_kind_for_conference,
    vault_kind_for_login,
    version_of,
)
from meetlink.reconcile.desired import officer_mark
from meetlink.reconcile.diff import Action, Op, fingerprint
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import EffectState
from meetlink.reconcile.steps import Intent, Step

__all__ = ["run_access", "run_credentials"]


def run_credentials(ctx: RunContext) -> None:
    """Every login wanted: issued (or recovered), rotated for a new officer, or revoked when
    its point left the meeting."""
    actions = ctx.actions(Kind.CREDENTIAL)
    ctx.result.plan(actions)
    ctx.run_all("logins", actions, lambda a: _login_step(ctx, a), waits=ctx.platforms_wait())


def _login_step(ctx: RunContext, action: Action) -> Step[None]:
    if action.op == Op.CANCEL:
        yield from revoke_steps(ctx, action.key)
    elif action.op == Op.UPDATE:
        yield from rotate_steps(ctx, action.key, "the officer changed")
    else:
        yield from issue_login(ctx, action.key)


def run_access(ctx: RunContext) -> None:
    """Every point's access to every conference that exists."""
    actions = ctx.actions(Kind.ACCESS)
    ctx.result.plan(actions)
    ctx.run_all(
        "credentials",
        actions,
        lambda a: _access_step(ctx, a),
        functools.partial(_read_logins, ctx),
        waits=ctx.platforms_wait(),
    )


def _read_logins(ctx: RunContext, keys: list[EffectKey]) -> None:
    """On a shared ledger, the logins a claimed group of accesses joins to their conferences
    (a platform with one account per point), read from the vault in one statement."""
    ctx.remember_secrets(
        (ctx.meeting.id, key.point, vault_kind_for_login(key.track))
        for key in keys
        if key.point and ctx.desired.scope(key.track) == CredentialScope.POINT
    )


def _access_step(ctx: RunContext, action: Action) -> Step[None]:
    key = action.key
    scope = ctx.desired.scope(key.track)
    if action.op == Op.CANCEL:
        if scope != CredentialScope.POINT and key.point is not None:
            kind = vault_kind_for_conference(key.conference)
            ctx.held.hold(key.point, kind, None)
            ctx.must_vault().delete(ctx.meeting.id, key.point, kind)
        ctx.ledger.record_cancelled(str(key))
        return
    if scope == CredentialScope.POINT:
        yield from _grant_login(ctx, key)
    else:
        before = ctx.ledger.get(str(key))
        officer_changed = (
            before is not None
            and before.state == EffectState.DONE
            and before.detail.get("officer") != officer_mark(ctx.desired.officer(str(key.point)))
        )
        reason = "the officer changed" if officer_changed else ""
        yield from issue_conference_access(ctx, key, reason=reason, before=before)


def _grant_login(ctx: RunContext, key: EffectKey) -> Step[None]:
    """A point's login joins one more conference: its room and link, the same password."""
    if key.point is None:  # an access key always names its point
        raise ValueError(f"{key} names no bridge point.")
    request, info = conference_of(ctx, key)
    login_key = EffectKey.credential(key.track, key.point)
    login = ctx.ledger.get(str(login_key))
    usable = login is not None and login.state in (EffectState.DONE, EffectState.FAILED)
    current = stored(ctx, key.point, vault_kind_for_login(key.track)) if usable else None
    if login is None or current is None or login.detail.get("revoked"):
        raise CredentialError(
            f"the login of bridge point '{key.point}' is not issued yet; run `meetlink open` "
            "again to issue and hand it out."
        )
    version = version_of(login)
    digest = fingerprint(info.external_id, "login", version)
    yield Intent(ctx.meeting.id, str(key), Kind.ACCESS.value, digest, {"version": version})
    ctx.throttle(key.track)
    adapter = ctx.adapters[key.track]
    access = adapter.keep_access(
        request, info, request.point(key.point), to_access(key.point, current)
    )
    if not same_secrets(access, current):
        refuse_changed(key.point)
    ctx.ledger.record_done(
        str(key), content_hash=digest, detail={"version": version, **public_parts(access)}
    )
