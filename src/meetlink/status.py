"""``meetlink status``: what is done, pending and failed, per sitting and bridge point.

Read from the ledger only (nothing secret is there): the conference of every sitting, each
point's invitation (with its SEQUENCE), and whether its credentials reached its officer.

Example:
    >>> StatusRow("main/s1", "X1", "done", "done", "sent (0)", "").state
    'done'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from meetlink.ledger import Effect, EffectState, Ledger
from meetlink.planning import Plan

__all__ = ["StatusRow", "meeting_status", "officers_waiting"]


@dataclass(frozen=True)
class StatusRow:
    """One bridge point in one sitting: its conference, credentials, invitation, last error."""

    sitting: str
    point: str
    conference: str
    credentials: str
    invitation: str
    error: str

    @property
    def state(self) -> str:
        """``cancelled``; ``failed`` if any part failed, ``pending`` if any is not done; or
        ``done``."""
        parts = (self.conference, self.credentials, self.invitation)
        if self.conference == "cancelled":
            return "cancelled"
        if any(p.startswith("failed") for p in parts):
            return "failed"
        if any(p.startswith(("pending", "unknown")) for p in parts):
            return "pending"
        return "done"


def _word(effect: Effect | None, *, needed: bool = True) -> str:
    if not needed:
        return "-"
    if effect is None:
        return "pending"
    if effect.state == EffectState.INTENT:
        return "unknown (next open checks)"
    if effect.state == EffectState.DONE and effect.kind == "invitation":
        return f"sent ({effect.detail.get('sent_sequence', 0)})"
    return effect.state.value


def meeting_status(plan: Plan, ledger: Ledger) -> list[StatusRow]:
    """A row per (sitting, bridge point), in plan order."""
    effects = {e.key: e for e in ledger.effects(plan.meeting.id)}
    by_platform = {t.id for t in plan.meeting.tracks if t.invites.value == "platform"}
    unscheduled = {s.key for s in plan.sittings if s.start is None}
    rows: list[StatusRow] = []
    for conference in plan.conferences:
        made = effects.get(f"conference:{conference.key}")
        sitting_cancelled = effects.get(f"sitting:{conference.track}/{conference.sitting}")
        for point in conference.bridge_points:
            name = f"{conference.key}/{point}"
            handout = effects.get(f"handout:{name}")
            access = effects.get(f"access:{name}")
            invitation = effects.get(f"invitation:{conference.track}/{conference.sitting}/{point}")
            errors = [
                e.last_error
                for e in (made, access, handout, invitation)
                if e is not None and e.state == EffectState.FAILED
            ]
            sitting_key = f"{conference.track}/{conference.sitting}"
            conference_word = "cancelled" if sitting_cancelled else _word(made)
            credentials_word = _word(handout, needed=access is not None or handout is not None)
            if sitting_cancelled:
                credentials_word = "cancelled" if credentials_word != "-" else "-"
            invitation_word = _word(invitation, needed=conference.track not in by_platform)
            if sitting_key in unscheduled:
                conference_word = invitation_word = "waiting for the time"
            rows.append(
                StatusRow(
                    sitting=f"{conference.track}/{conference.sitting}",
                    point=point,
                    conference=conference_word,
                    credentials=credentials_word,
                    invitation=invitation_word,
                    error=errors[0] if errors else "",
                )
            )
    return rows


def officers_waiting(rows: Iterable[StatusRow]) -> list[str]:
    """Bridge points whose officer has not received credentials that were issued."""
    settled = ("-", "done", "cancelled", "waiting for the time")
    return sorted({r.point for r in rows if r.credentials not in settled})
