"""Invitation specs from a plan: one per (sitting with a start, bridge point with seats).

:func:`invitations_for` maps a :class:`~meetlink.planning.Plan` to its
:class:`~meetlink.invites.specs.InvitationSpec` list (the words, times, recipients and links
of each invitation); :func:`points_without_recipients` names the points it must skip.
Pure, no I/O.

Example:
    >>> invitations_for(plan, {"main/s1": "https://meet.example/abc"})  # doctest: +SKIP
    [InvitationSpec(meeting_id='myhao-2023q3', track='main', sitting='s1', ...), ...]
"""

from __future__ import annotations

from collections.abc import Container, Mapping

from meetlink.invites.seating import Relay, SeatingIndex, seated_points
from meetlink.invites.specs import InvitationSpec, Override
from meetlink.invites.wording import help_line
from meetlink.loading.meeting import AttendanceMode
from meetlink.planning import BridgePoint, Plan

__all__ = ["invitations_for", "points_without_recipients"]


def invitations_for(
    plan: Plan,
    join_links: Mapping[str | tuple[str, str], str],
    event_uids: Mapping[str, str] | None = None,
    points: Container[str] | None = None,
    index: SeatingIndex | None = None,
) -> list[InvitationSpec]:
    """One spec per (sitting with a start, bridge point with seats), in plan order.

    ``join_links`` maps a conference key (``track/sitting`` for shared conferences,
    ``track/sitting/point`` per point) or a ``(conference key, point id)`` pair (a link
    issued to one point of a shared conference) to the link; the pair wins. A point without
    a link gets an invitation that says the access comes separately to its officer.

    ``event_uids`` maps a conference key to the UID of the calendar event the platform made
    for it (a Google event's ``iCalUID``): every point of that conference is invited under
    it, so a guest's calendar files the platform's copy and meetlink's as one entry. A
    conference not in it gives each point its own UID (:func:`uid_for`). ``points``: only
    the invitations of these bridge points (a worker's share of the meeting); ``index``:
    the plan's :class:`~meetlink.invites.seating.SeatingIndex`, when the caller keeps it.

    Recipients are the ``contact_emails`` of every unit seated there for that sitting, then
    the host unit's officer, each address once, in that order. A unit with no seats in a
    sitting is not invited to it; a point with no seats, or with nobody to write to (see
    :func:`points_without_recipients`), gets no invitation.

    The words come from the meeting: its ``kind``, its notice's number and date, the
    composition (Thành phần) written for the point's kind, the host unit's ``chair``; a track
    that splits its members over N sittings gives each unit its share ("1/3") and the
    members the seats are drawn from.

    >>> invitations_for(plan, {"main/s1": "https://meet.example/abc"})  # doctest: +SKIP
    [InvitationSpec(meeting_id='myhao-2023q3', track='main', sitting='s1', ...), ...]
    """
    meeting = plan.meeting
    organizer_email = meeting.organizer.email or ""
    sender = meeting.delivery.sender
    sent_by = sender if sender and sender.casefold() != organizer_email.casefold() else None
    helpers = tuple(
        help_line(c.name, c.position, c.phone or "", c.email or "", meeting.language)
        for c in meeting.help_contacts
    )
    shares = {t.id: _share(t.attendance, len(t.sittings)) for t in meeting.tracks}
    index = index or SeatingIndex.of(plan)
    conference_of, relay_of = index.conference_of, index.relay_of
    out: list[InvitationSpec] = []
    for sitting, point, units, recipients in seated_points(plan, points, index):
        if not recipients or sitting.start is None or sitting.end is None:
            continue
        conference = conference_of.get((sitting.track, sitting.id, point.id), "")
        link = join_links.get((conference, point.id)) or join_links.get(conference)
        uid = (event_uids or {}).get(conference, "")
        relay = relay_of.get((sitting.track, sitting.id, point.id), Relay())
        relay_link = join_links.get((relay.conference, point.id)) or join_links.get(
            relay.conference
        )
        out.append(
            InvitationSpec(
                meeting_id=meeting.id,
                track=sitting.track,
                sitting=sitting.id,
                point=point.id,
                title=sitting.title,
                start=sitting.start,
                end=sitting.end,
                timezone=meeting.timezone,
                organizer_email=organizer_email,
                organizer_name=meeting.organizer.name,
                sent_by=sent_by,
                point_name=point.name,
                hall=point.location or sitting.location or point.name,
                units=units,
                recipients=recipients,
                agenda=meeting.agenda,
                notes=meeting.description,
                arrive_by=sitting.arrive_by,
                rehearsal=plan.rehearsal,
                join_link=link,
                recurrence=sitting.recurrence,
                help_contacts=helpers,
                language=meeting.language,
                meeting_kind=meeting.kind,
                notice_kind=meeting.notice.kind,
                notice_number=meeting.notice.number,
                notice_date=meeting.notice.date,
                chair=_chair(plan, point),
                composition=meeting.composition.get(point.role.value, ""),
                share=shares[sitting.track],
                skipped=tuple(o.original for o in sitting.occurrences if o.status == "skipped"),
                moved=tuple(
                    Override(o.original, o.start, o.end)
                    for o in sitting.occurrences
                    if o.status == "moved"
                ),
                uid=uid,
                relay_from=relay.source,
                relays_to=relay.relays_to,
                relay_link=relay_link,
            )
        )
    return out


def _share(mode: AttendanceMode, sittings: int) -> str:
    """``1/3`` for a track whose members are split over 3 sittings; empty when all attend."""
    return f"1/{sittings}" if mode == AttendanceMode.SPLIT and sittings > 1 else ""


def _chair(plan: Plan, point: BridgePoint) -> str:
    host = plan.units.get(point.host_unit)
    return host.chair if host is not None else ""


def points_without_recipients(plan: Plan) -> list[tuple[str, str]]:
    """``(sitting key, point id)`` of every point with seats but no address to invite.

    :func:`invitations_for` skips them; ``meetlink plan`` notes them below its table, so the
    office can add addresses before ``meetlink open``.

    >>> points_without_recipients(plan)  # doctest: +SKIP
    [('main/s1', 'DS-HD')]
    """
    return [
        (sitting.key, point.id)
        for sitting, point, _units, recipients in seated_points(plan)
        if not recipients
    ]
