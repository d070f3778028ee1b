"""``meetlink status``: what is done, pending and failed, per sitting and bridge point.

Read from the ledger only (nothing secret is there): the conference of every sitting, each
point's invitation (with its SEQUENCE), and whether its credentials reached its officer.
A message some recipients did not accept (a mail server's refusal) shows as
``failed (1 of 4 not reached)``, and the row's error gives each address and the server's
reply; the next ``open`` resends it to those alone. ``meetlink status`` opens the ledger
read-only: it works in a read-only state folder.

A sitting whose time is announced later is never ``done``: its conference is
``waiting for the time``, and its invitation column says whether the point has its notice
(``notice only, awaiting the time``: "chỉ có giấy báo, chờ thời gian"), is still to get it
(``pending``), or had an invitation that was then postponed (``postponed, awaiting the
time``); such a row's state is ``waiting`` (or ``pending`` / ``failed``).

Example:
    >>> StatusRow("main/s1", "X1", "done", "done", "sent (0)", "").state
    'done'
    >>> StatusRow("main/s2", "X1", WAITING, "-", NOTICE_ONLY, "").state
    'waiting'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from meetlink.invites.pending import pending_notices
from meetlink.planning import Plan
from meetlink.reconcile.collector import without_collection
from meetlink.reconcile.desired import (
    conference_key,
    handout_hash,
    officer_mark,
    stated_times,
)
from meetlink.reconcile.diff import by_key
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import Effect, EffectState, LedgerStore
from meetlink.reconcile.scope import Scope

__all__ = [
    "NOTICE_ONLY",
    "POSTPONED",
    "WAITING",
    "StatusRow",
    "meeting_status",
    "officers_waiting",
]

WAITING = "waiting for the time"
"""A sitting without a time: no conference, no invitation yet."""
NOTICE_ONLY = "notice only, awaiting the time"
"""The point has the notice ("chỉ có giấy báo, chờ thời gian"); the invitation follows."""
POSTPONED = "postponed, awaiting the time"
"""The point was invited, then the time was withdrawn: the invitation was postponed."""


@dataclass(frozen=True)
class StatusRow:
    """One bridge point in one sitting: its conference, credentials, invitation, last error.

    ``relay`` names the point hosting the conference when it is a relay conference of a
    tiered track (:mod:`meetlink.planning.tiers`): a relay point has a row in the conference
    above, where it hears the meeting, and one in its own, where it passes it on.
    """

    sitting: str
    point: str
    conference: str
    credentials: str
    invitation: str
    error: str
    relay: str = ""

    @property
    def state(self) -> str:
        """``cancelled``; ``failed`` if any part failed, ``pending`` if any is not done;
        ``waiting`` for a sitting whose time is announced later; or ``done``."""
        parts = (self.conference, self.credentials, self.invitation)
        if self.conference == "cancelled":
            return "cancelled"
        if any(p.startswith("failed") for p in parts):
            return "failed"
        if any(p.startswith(("pending", "unknown")) for p in parts):
            return "pending"
        if self.conference == WAITING:
            return "waiting"
        return "done"


def _word(effect: Effect | None, *, needed: bool = True) -> str:
    if not needed:
        return "-"
    if effect is None:
        return "pending"
    if effect.state == EffectState.INTENT:
        return "unknown (next open checks)"
    missing = effect.detail.get("not_reached") or {}
    if effect.state == EffectState.FAILED and missing:
        total = len(missing) + len(effect.detail.get("accepted") or ())
        return f"failed ({len(missing)} of {total} not reached)"
    if effect.state == EffectState.DONE and effect.kind == "invitation":
        return f"sent ({effect.detail.get('sent_sequence', 0)})"
    return effect.state.value


@without_collection  # every row of the ledger, kept to the end (issue 19)
def meeting_status(plan: Plan, ledger: LedgerStore, scope: Scope | None = None) -> list[StatusRow]:
    """A row per (sitting, bridge point), in plan order; with a ``scope`` (``status --scope
    UNIT``), the rows of that part of the roster only."""
    effects = by_key(ledger.effects(plan.meeting.id))
    by_platform = {t.id for t in plan.meeting.tracks if t.invites.value == "platform"}
    unscheduled = {s.key for s in plan.sittings if s.start is None}
    noticed = (
        {(n.track, n.sitting, n.point) for n in pending_notices(plan)} if unscheduled else set()
    )
    stated = {  # the times each sitting's hand-outs state: a move makes them stale
        (s.track, s.id): stated_times(s.start, s.end, s.recurrence, plan.rehearsal)
        for s in plan.sittings
    }
    rows: list[StatusRow] = []
    for conference in plan.conferences:
        key = conference_key(conference)
        relay = "" if conference.relay_point is None else plan.point(conference.relay_point).name
        made = effects.get(EffectKey.for_conference(key))
        sitting_cancelled = effects.get(
            EffectKey.cancelled_sitting(conference.track, conference.sitting)
        )
        for point in conference.bridge_points:
            if scope is not None and not scope.holds(point):
                continue
            handout = effects.get(EffectKey.of_access(Kind.HANDOUT, key, point))
            access = effects.get(EffectKey.of_access(Kind.ACCESS, key, point))
            login = effects.get(EffectKey.credential(conference.track, point))
            invitation = effects.get(
                EffectKey.invitation(conference.track, conference.sitting, point)
            )
            notice = effects.get(EffectKey.notice(conference.track, conference.sitting, point))
            errors = [
                e.last_error
                for e in (made, login, access, handout, invitation, notice)
                if e is not None and e.state == EffectState.FAILED
            ]
            needed = access is not None or handout is not None or login is not None
            conference_word = "cancelled" if sitting_cancelled else _word(made)
            credentials_word = _word(handout, needed=needed)
            if (login is not None and login.detail.get("revoked")) or (
                access is not None and access.detail.get("revoked")
            ):
                credentials_word = "revoked"
            elif _behind(login, access) or _stale(
                handout, access, stated[(conference.track, conference.sitting)]
            ):
                credentials_word = "pending"  # issued anew (a rotation): not yet delivered
            elif needed and _new_officer(plan, point, login, access):
                credentials_word = "pending (new officer)"
            if sitting_cancelled:
                credentials_word = "cancelled" if credentials_word != "-" else "-"
            invitation_word = _word(invitation, needed=conference.track not in by_platform)
            if key.sitting_key in unscheduled and not sitting_cancelled:
                conference_word = WAITING
                expected = (conference.track, conference.sitting, point) in noticed
                invitation_word = _waiting_word(invitation, notice, expected=expected)
            rows.append(
                StatusRow(
                    sitting=key.sitting_key,
                    point=point,
                    conference=conference_word,
                    credentials=credentials_word,
                    invitation=invitation_word,
                    error=errors[0] if errors else "",
                    relay=relay,
                )
            )
    return rows


def _waiting_word(invitation: Effect | None, notice: Effect | None, *, expected: bool) -> str:
    """What a point of a sitting without a time has: its notice, or a postponed invitation."""
    if invitation is not None:  # invited before the time was withdrawn
        if invitation.state == EffectState.CANCELLED:
            return POSTPONED
        if invitation.state == EffectState.DONE:
            return "pending (postponement)"  # the next open tells them
        return _word(invitation)
    if notice is not None and notice.state == EffectState.DONE:
        return NOTICE_ONLY
    if notice is not None and notice.state != EffectState.CANCELLED:
        return _word(notice)
    return "pending" if expected else WAITING


def _new_officer(plan: Plan, point: str, login: Effect | None, access: Effect | None) -> bool:
    """The roster names another officer than the one the credentials were handed to."""
    mark = officer_mark(plan.units[plan.point(point).host_unit].officer)
    if login is not None:
        return login.state == EffectState.DONE and login.content_hash != mark
    held = access.detail.get("officer") if access is not None else None
    return held is not None and held != mark


def _behind(login: Effect | None, access: Effect | None) -> bool:
    """A login rotated since its access to this conference was handed out."""
    if login is None or access is None:
        return False
    return login.detail.get("version") != access.detail.get("version")


def _stale(handout: Effect | None, access: Effect | None, times: str) -> bool:
    """A hand-out done for an older access than the one issued now, or other times."""
    if handout is None or access is None or handout.state != EffectState.DONE:
        return False
    return access.state != EffectState.DONE or handout.content_hash != handout_hash(access, times)


def officers_waiting(rows: Iterable[StatusRow]) -> list[str]:
    """Bridge points whose officer has not received credentials that were issued."""
    settled = ("-", "done", "cancelled", "revoked", WAITING)
    return sorted({r.point for r in rows if r.credentials not in settled})
