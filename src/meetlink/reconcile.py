"""Reconcile: the meeting file is the desired state, the ledger is what was done.

:func:`diff` compares the two and gives the actions that ``meetlink open`` carries out and
``meetlink plan`` shows (the plan JSON's ``actions``). Every effect has a deterministic key:

========================================  ==================================================
``conference:TRACK/SITTING[/POINT]``      a conference (one per sitting, or per point too)
``access:CONFERENCE/POINT``               a bridge point's credentials, kept in the vault
``handout:CONFERENCE/POINT``              those credentials delivered to the officer
``invitation:TRACK/SITTING/POINT``        the invitation of one point to one sitting
========================================  ==================================================

An effect whose intent was written but not its outcome (a crash, a lost response) is
``create`` with the reason "outcome unknown": the runner asks the platform before it redoes
anything. Pure functions, no I/O.

Example:
    >>> from meetlink.ledger import Effect, EffectState
    >>> done = [Effect("conference:main/s1", "m", "conference", EffectState.DONE, 1, "h1",
    ...                "e1", "https://x.example/1")]
    >>> [a.op.value for a in diff({"conference:main/s1": "h2"}, done, what=What.CONFERENCE)]
    ['update']
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from meetlink.adapters.models import Attendee, ConferenceRequest, PointRef
from meetlink.ledger import Effect, EffectState
from meetlink.planning import Plan

__all__ = [
    "Action",
    "Op",
    "What",
    "conference_requests",
    "diff",
    "effect_key",
    "fingerprint",
]


class Op(StrEnum):
    """What to do with one effect."""

    CREATE = "create"
    UPDATE = "update"
    CANCEL = "cancel"
    NONE = "none"


class What(StrEnum):
    """The kind of effect; also the ledger's ``kind`` column."""

    CONFERENCE = "conference"
    ACCESS = "access"
    HANDOUT = "handout"
    INVITATION = "invitation"


@dataclass(frozen=True)
class Action:
    """One thing ``open`` will do (or not), and why."""

    op: Op
    what: What
    key: str
    reason: str = ""

    @property
    def unknown_outcome(self) -> bool:
        """Whether an earlier attempt may have happened: ask the platform first."""
        return self.reason == REASON_UNKNOWN

    def to_dict(self) -> dict[str, str]:
        """The plan JSON form: ``{"op", "what", "key", "reason"}``."""
        return {
            "op": self.op.value,
            "what": self.what.value,
            "key": self.key,
            "reason": self.reason,
        }


REASON_NEW = "not done yet"
REASON_UNKNOWN = "outcome unknown: an earlier run stopped between the call and its answer"
REASON_CHANGED = "changed in the meeting file"
REASON_REVIVED = "cancelled before, wanted again"
REASON_REMOVED = "no longer in the meeting file"
REASON_UNCHANGED = "done, unchanged"


def effect_key(what: What, key: str) -> str:
    """The ledger key of an effect: ``what:key``."""
    return f"{what.value}:{key}"


def fingerprint(*parts: Any) -> str:
    """A content hash for change detection (SHA-256 of the parts' text), 24 hex digits."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:24]


def diff(desired: Mapping[str, str], done: Iterable[Effect], *, what: What) -> list[Action]:
    """Compare desired effects (ledger key → content hash) with the ledger's effects.

    Desired and new: create. Left in ``intent``: create, outcome unknown. ``failed``:
    create again (or update, if it had been done before). Done with another hash: update.
    Cancelled but desired: create. Done or started but no longer desired: cancel.
    """
    actions: list[Action] = []
    seen: set[str] = set()
    ledger = {e.key: e for e in done if e.kind == what.value}
    for key, content in desired.items():
        seen.add(key)
        effect = ledger.get(key)
        if effect is None:
            actions.append(Action(Op.CREATE, what, key, REASON_NEW))
        elif effect.state == EffectState.INTENT:
            actions.append(Action(Op.CREATE, what, key, REASON_UNKNOWN))
        elif effect.state == EffectState.CANCELLED:
            actions.append(Action(Op.CREATE, what, key, REASON_REVIVED))
        elif effect.state == EffectState.FAILED:
            op = Op.UPDATE if effect.external_id or effect.detail.get("sequence") else Op.CREATE
            actions.append(Action(op, what, key, f"failed before: {effect.last_error}"))
        elif effect.content_hash != content:
            actions.append(Action(Op.UPDATE, what, key, REASON_CHANGED))
        else:
            actions.append(Action(Op.NONE, what, key, REASON_UNCHANGED))
    for key, effect in ledger.items():
        if key not in seen and effect.state in (
            EffectState.DONE,
            EffectState.INTENT,
            EffectState.FAILED,
        ):
            actions.append(Action(Op.CANCEL, what, key, REASON_REMOVED))
    return actions


def conference_requests(
    plan: Plan, attendees: Mapping[str, tuple[Attendee, ...]] | None = None
) -> dict[str, ConferenceRequest]:
    """One :class:`ConferenceRequest` per planned conference whose sitting has a time.

    Keyed by ledger key (``conference:…``). ``attendees`` maps a conference key to who the
    platform should invite (used when the platform sends its own invitations). A sitting
    whose time is announced later gets no conference until it has one.
    """
    meeting = plan.meeting
    sittings = {(s.track, s.id): s for s in plan.sittings}
    tracks = {t.id: t for t in meeting.tracks}
    points = {p.id: p for p in plan.bridge_points}
    description = "\n".join(f"- {line}" for line in meeting.agenda)
    out: dict[str, ConferenceRequest] = {}
    for conference in plan.conferences:
        sitting = sittings[(conference.track, conference.sitting)]
        if sitting.start is None or sitting.end is None:
            continue
        track = tracks[conference.track]
        refs = tuple(PointRef.of(points[p]) for p in conference.bridge_points)
        title = sitting.title
        if len(refs) == 1 and track.conference.value == "per_point":
            title = f"{sitting.title} — {refs[0].name}"
        out[effect_key(What.CONFERENCE, conference.key)] = ConferenceRequest(
            key=conference.key,
            meeting_id=meeting.id,
            track=conference.track,
            sitting=conference.sitting,
            title=title,
            description=description,
            start=sitting.start,
            end=sitting.end,
            timezone=meeting.timezone,
            recurrence=sitting.recurrence,
            location=sitting.location or (points[refs[0].id].location if refs else None),
            organizer_email=meeting.organizer.email or "",
            attendees=(attendees or {}).get(conference.key, ()),
            bridge_points=refs,
            send_invites=track.invites.value == "platform",
            arrive_by=sitting.arrive_by,
        )
    return out
