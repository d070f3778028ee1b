"""The credential lifecycle as an API: list, rotate, revoke and re-issue, per unit.

``meetlink credentials MEETING.yaml (list|rotate|revoke|slip) [--unit ID]`` is a thin
layer over these functions. A unit is named by its bridge point's id or its host unit's
id; a name that is neither is bad input (:class:`~meetlink.errors.InputError`, exit code 2)
and nothing is done. Revoking acts on the named units only; rotating a revoked unit issues
it a new credential (a re-issue on request).

Example:
    >>> from meetlink.reconcile import revoke_credentials
    >>> meeting = "examples/myhao-2023q3/meeting.yaml"
    >>> revoked = revoke_credentials(meeting, units=["X1"])  # doctest: +SKIP
    >>> revoked.accounts                                     # doctest: +SKIP
    ['myhao-2023q3-x1']
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from meetlink.adapters.base import CredentialScope
from meetlink.credentials.handout import (
    SecretHook,
    help_line,
    moment_time,
    officer_rule,
    sitting_changes,
    sitting_dates,
    sitting_when,
)
from meetlink.credentials.secret import Secret
from meetlink.credentials.vault import VaultKey
from meetlink.errors import InputError
from meetlink.loading import MeetingFile
from meetlink.mail.sender import InviteSender
from meetlink.planning import Plan, plan_meeting
from meetlink.reconcile.context import EXPECTED, Failure, OpenResult, RunContext
from meetlink.reconcile.credentials import revoke_point, rotate_point
from meetlink.reconcile.diff import by_key
from meetlink.reconcile.handouts import sitting_times, stored_credential
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import Effect, EffectState
from meetlink.reconcile.opening import acting_context
from meetlink.reconcile.run import open_meeting
from meetlink.reconcile.setup import load_meeting
from meetlink.reconcile.state import StateWhere, open_ledger, resolve_state

if TYPE_CHECKING:  # python-docx is loaded when a slip is made, not by every open (issue 19)
    from meetlink.documents.slip import Slip

__all__ = [
    "CredentialRow",
    "Revoked",
    "credential_rows",
    "credential_slips",
    "revoke_credentials",
    "rotate_credentials",
    "select_points",
]


@dataclass(frozen=True)
class CredentialRow:
    """One credential as ``credentials list`` shows it: never the secret."""

    key: str
    point: str
    version: int
    state: str


@dataclass(frozen=True)
class Revoked:
    """What a revoke did: the credentials withdrawn and the accounts listed to disable."""

    keys: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)


def _loaded(meeting: str | Path | MeetingFile) -> MeetingFile:
    return meeting if isinstance(meeting, MeetingFile) else load_meeting(meeting)


def _state(
    loaded: MeetingFile, state_dir: str | Path | None, env: Mapping[str, str] | None = None
) -> StateWhere:
    """Where the meeting's state is (``--state``, ``MEETLINK_STATE``, or beside the meeting
    file: a folder or a PostgreSQL server); bad input when nothing was opened there yet."""
    where = resolve_state(state_dir, loaded.path, os.environ if env is None else env)
    if not where.exists():
        place = where.shown if where.server else str(where.folder)
        raise InputError.single(
            str(loaded.path),
            f"nothing was opened yet (no ledger in {place}); run `meetlink open` first.",
        )
    return where


def select_points(plan: Plan, units: Sequence[str] | None, source: str) -> set[str]:
    """The bridge points named by ``units`` (point ids or host unit ids), or every point.

    Raises :class:`~meetlink.errors.InputError` naming every unknown one.
    """
    if not units:
        return {p.id for p in plan.bridge_points}
    chosen: set[str] = set()
    unknown: list[str] = []
    for unit in units:
        found = {p.id for p in plan.bridge_points if unit in (p.id, p.host_unit)}
        if not found:
            unknown.append(unit)
        chosen |= found
    if unknown:
        raise InputError.single(
            source,
            f"--unit {', '.join(repr(u) for u in unknown)}: no bridge point or host unit has "
            "this id; `meetlink plan MEETING.yaml` lists the points and their host units.",
        )
    return chosen


def _credential_keys(ctx: RunContext, points: set[str]) -> list[tuple[EffectKey, Effect]]:
    """The credentials of these points: a login per point on account platforms, else each
    access to a conference."""
    out: list[tuple[EffectKey, Effect]] = []
    for key, effect in sorted(ctx.effects(Kind.CREDENTIAL, Kind.ACCESS).items()):
        if key.point not in points:
            continue
        scope = ctx.desired.scope(key.track)
        if (key.kind == Kind.CREDENTIAL) == (scope == CredentialScope.POINT):
            out.append((key, effect))
    return out


def credential_rows(
    meeting: str | Path | MeetingFile,
    units: Sequence[str] | None = None,
    *,
    state_dir: str | Path | None = None,
) -> list[CredentialRow]:
    """Every credential of the named units (all when None), from the ledger: no key needed."""
    loaded = _loaded(meeting)
    state = _state(loaded, state_dir)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    points = select_points(plan, units, str(loaded.path))
    rows: list[CredentialRow] = []
    with open_ledger(state, read_only=True) as ledger:
        effects = by_key(ledger.effects(loaded.meeting.id))
    handed: dict[tuple[str, str | None], list[tuple[EffectKey, Effect]]] = {}
    for k, e in effects.items():  # a point's hand-outs, found without scanning them all
        if k.kind == Kind.HANDOUT:
            handed.setdefault((k.track, k.point), []).append((k, e))
    for key, effect in sorted(effects.items()):
        if key.kind not in (Kind.CREDENTIAL, Kind.ACCESS) or key.point not in points:
            continue
        if key.kind == Kind.ACCESS and EffectKey.credential(key.track, key.point) in effects:
            continue  # an account's access to one conference: listed under its login
        if effect.detail.get("revoked"):
            word = "revoked"
        elif effect.state != EffectState.DONE:
            word = effect.state.value
        else:
            given = [
                e
                for k, e in handed.get((key.track, key.point), [])
                if key.kind == Kind.CREDENTIAL or k.with_kind(Kind.ACCESS) == key
            ]
            version = effect.detail.get("version")
            done = given and all(
                e.state == EffectState.DONE and e.detail.get("version") == version for e in given
            )
            word = "handed out" if done else "not yet handed out"
        rows.append(
            CredentialRow(str(key), str(key.point), int(effect.detail.get("version", 0)), word)
        )
    return rows


def rotate_credentials(
    meeting: str | Path | MeetingFile,
    units: Sequence[str] | None = None,
    *,
    state_dir: str | Path | None = None,
    vault_key: VaultKey | None = None,
    env: Mapping[str, str] | None = None,
    http: object = None,
    sender: InviteSender | None = None,
    secret_hook: SecretHook | None = None,
) -> OpenResult:
    """New secrets for the named units (a revoked one is issued again), then ``open`` hands
    them out. The old secrets stop working where the platform allows it (a provider's
    account gets a new password; a signed token lasts until it expires)."""
    loaded = _loaded(meeting)
    state = _state(loaded, state_dir, env)
    refused: list[Failure] = []
    with acting_context(loaded, state, vault_key=vault_key, env=env, http=http) as ctx:
        points = select_points(ctx.plan, units, str(loaded.path))
        for key, _ in _credential_keys(ctx, points):
            try:
                rotate_point(ctx, key, "rotation requested")
            except EXPECTED as exc:  # one unit's refusal does not stop the others
                refused.append(Failure(str(key), key.kind.value, f"{type(exc).__name__}: {exc}"))
    result = open_meeting(
        loaded,
        state_dir=state.server or state.folder,
        vault_key=vault_key,
        env=env,
        http=http,
        sender=sender,
        secret_hook=secret_hook,
    )
    for failure in refused:
        result.fail(failure)
    return result


def revoke_credentials(
    meeting: str | Path | MeetingFile,
    units: Sequence[str] | None = None,
    *,
    state_dir: str | Path | None = None,
    vault_key: VaultKey | None = None,
    env: Mapping[str, str] | None = None,
    http: object = None,
) -> Revoked:
    """Withdraw the named units' credentials (all when None): their accounts are listed for
    the platform to disable, their secrets leave the vault, and ``open`` does not issue them
    again until they are rotated on request."""
    loaded = _loaded(meeting)
    state = _state(loaded, state_dir, env)
    keys: list[str] = []
    accounts: list[str] = []
    with acting_context(loaded, state, vault_key=vault_key, env=env, http=http) as ctx:
        points = select_points(ctx.plan, units, str(loaded.path))
        for key, effect in _credential_keys(ctx, points):
            if effect.detail.get("revoked") and effect.state == EffectState.CANCELLED:
                continue
            listed = revoke_point(ctx, key)
            keys.append(str(key))
            if listed:
                accounts.append(listed)
    return Revoked(keys, accounts)


def credential_slips(
    meeting: str | Path | MeetingFile,
    units: Sequence[str] | None = None,
    *,
    state_dir: str | Path | None = None,
    vault_key: VaultKey | None = None,
    env: Mapping[str, str] | None = None,
) -> list[tuple[str, Slip]]:
    """``(address, slip)`` of every bridge point of the named units (all when None): one
    slip per point, with every sitting its access was issued for, in the meeting's order
    (the secrets from the vault, each reading audited with the channel ``slip``).

    ``address`` is ``TRACK/POINT``; :func:`meetlink.documents.slip.slip_docx` makes the
    printable DOCX of a slip, :func:`meetlink.documents.slip.slip_text` its plain text.
    """
    loaded = _loaded(meeting)
    state = _state(loaded, state_dir, env)
    slips: list[tuple[str, Slip]] = []
    with acting_context(loaded, state, vault_key=vault_key, env=env) as ctx:
        points = select_points(ctx.plan, units, str(loaded.path))
        order = {(s.track, s.id): n for n, s in enumerate(ctx.plan.sittings)}
        grouped: dict[tuple[str, str], list[EffectKey]] = {}
        for key, effect in ctx.effects(Kind.ACCESS).items():
            if key.point not in points or effect.state != EffectState.DONE:
                continue
            if ctx.plan.units[ctx.plan.point(key.point).host_unit].officer is None:
                continue
            grouped.setdefault((key.track, key.point), []).append(key)
        for (track, point), keys in sorted(grouped.items()):
            keys.sort(key=lambda k: (order.get((k.track, k.sitting or ""), len(order)), k))
            slip = _point_slip(ctx, point, keys)
            if slip.sittings:
                slips.append((EffectKey.credential(track, point).address, slip))
    return slips


def _point_slip(ctx: RunContext, point_id: str, accesses: Sequence[EffectKey]) -> Slip:
    """One point's slip: its access to each conference, with the sitting's time."""
    from meetlink.documents.slip import Slip, SlipSitting

    plan = ctx.plan
    meeting = plan.meeting
    language = meeting.language
    point = plan.point(point_id)
    host = plan.units[point.host_unit]
    sittings: list[SlipSitting] = []
    for key in accesses:
        times = sitting_times(plan, key.track, (key.conference.sitting,), point)
        if not times:  # the sitting's time was taken back: nothing to print for it yet
            continue
        sitting = times[0]
        credential = stored_credential(ctx, key, "slip")
        sittings.append(
            SlipSitting(
                label=sitting.label,
                when=sitting_when(sitting, language),
                dates=sitting_dates(sitting, language),
                changes=sitting_changes(sitting, language),
                join_url=credential.join_url or "",
                server=credential.server or "",
                room=credential.room or "",
                login=credential.login or "",
                password=_revealed(credential.password),
                pin=_revealed(credential.pin),
                token=_revealed(credential.token),
            )
        )
    return Slip(
        meeting_title=meeting.title,
        point_name=point.name,
        unit_name=host.name,
        hall=point.location,
        sittings=tuple(sittings),
        rule=officer_rule(meeting.kind, language),
        officer_name=host.officer.name if host.officer is not None else "",
        organizer_name=meeting.organizer.name,
        rehearsal=moment_time(plan.rehearsal, language) if plan.rehearsal else "",
        help_contacts=tuple(help_line(c, language) for c in meeting.help_contacts),
        language=language,
    )


def _revealed(secret: Secret | None) -> str:
    return secret.reveal() if secret is not None else ""
