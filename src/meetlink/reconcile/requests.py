"""The conference requests of a plan: one per planned conference whose sitting has a time,
with who its platform invites (moved from :mod:`meetlink.reconcile.desired`).

Example:
    >>> from meetlink.reconcile.requests import conference_requests
    >>> conference_requests(plan)  # doctest: +SKIP
    {EffectKey('conference:main/s1'): ConferenceRequest(key='main/s1', …)}
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from pydantic import TypeAdapter

from meetlink.adapters.models import Attendee, ConferenceRequest, OccurrenceChange, PointRef
from meetlink.invites.seating import seated_points
from meetlink.loading.meeting import ConferenceMode, InviteMode
from meetlink.planning import Plan
from meetlink.reconcile.keys import EffectKey
from meetlink.reconcile.scope import conference_key
from meetlink.text import nfc

__all__ = ["conference_attendees", "conference_requests"]


def conference_attendees(plan: Plan) -> dict[str, tuple[Attendee, ...]]:
    """Who the platform invites for each conference: the recipients of its points (a relay
    point of a tiered track: in the conference above and in its own)."""
    index: dict[tuple[str, str, str], list[str]] = {}
    for c in plan.conferences:
        for p in c.bridge_points:
            index.setdefault((c.track, c.sitting, p), []).append(c.key)
    found: dict[str, dict[str, tuple[str, str]]] = {}
    # The recipients of the invitations (as invitations_for finds them), without building
    # the invitations: those are built once, with their links (issue 19).
    for sitting, point, _, recipients in seated_points(plan):
        if not recipients or sitting.start is None or sitting.end is None:
            continue  # no invitation there: invitations_for skips it too
        for key in index.get((sitting.track, sitting.id, point.id), ()):
            people = found.setdefault(key, {})
            for recipient in recipients:
                people.setdefault(recipient.email.casefold(), (recipient.email, recipient.name))
    # Validated as one list, not one model at a time (20,000 attendees at 10,000 points:
    # pydantic-core checks the list in one call, issue 19).
    flat = [
        {"email": email, "name": nfc(name)}
        for people in found.values()
        for email, name in people.values()
    ]
    made = iter(_attendee_list().validate_python(flat))
    return {key: tuple(next(made) for _ in people) for key, people in found.items()}


@functools.cache
def _attendee_list() -> TypeAdapter[list[Attendee]]:
    return TypeAdapter(list[Attendee])


def conference_requests(
    plan: Plan, attendees: Mapping[str, tuple[Attendee, ...]] | None = None
) -> dict[EffectKey, ConferenceRequest]:
    """One :class:`ConferenceRequest` per planned conference whose sitting has a time.

    ``attendees`` maps a conference's plan key to who the platform should invite (used when
    the platform sends its own invitations). A sitting whose time is announced later gets no
    conference until it has one.
    """
    meeting = plan.meeting
    sittings = {(s.track, s.id): s for s in plan.sittings}
    tracks = {t.id: t for t in meeting.tracks}
    points = {p.id: p for p in plan.bridge_points}
    description = "\n".join(f"- {line}" for line in meeting.agenda)
    out: dict[EffectKey, ConferenceRequest] = {}
    for conference in plan.conferences:
        sitting = sittings[(conference.track, conference.sitting)]
        if len(conference.bridge_points) == 1:  # a party cell may meet at its own hour
            sitting = plan.sitting_at(sitting, points[conference.bridge_points[0]])
        if sitting.start is None or sitting.end is None:
            continue
        track = tracks[conference.track]
        refs = tuple(PointRef.of(points[p]) for p in conference.bridge_points)
        title = sitting.title
        if len(refs) == 1 and track.conference == ConferenceMode.PER_POINT:
            title = f"{sitting.title} — {refs[0].name}"
        elif conference.relay_point is not None:  # a relay conference of a tiered track
            title = f"{sitting.title} — {points[conference.relay_point].name}"
        out[EffectKey.for_conference(conference_key(conference))] = ConferenceRequest(
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
            send_invites=track.invites == InviteMode.PLATFORM,
            arrive_by=sitting.arrive_by,
            exceptions=OccurrenceChange.of(sitting.occurrences),
        )
    return out
