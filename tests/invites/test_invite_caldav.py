"""Every invitation is accepted and stored by a real CalDAV server (Radicale) and reads back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import vobject
from icalendar import Calendar

from meetlink.invites import (
    Invitation,
    OutboxSender,
    build_cancellation,
    build_invitation,
    build_message,
    invitations_for,
    verify_calendar,
)
from meetlink.planning import Plan

pytestmark = pytest.mark.integration

LINK = "https://meet.example/myhao-2023q3-s1"
MONTHLY = {
    "id": "monthly",
    "title": "Sinh hoạt chi bộ định kỳ",
    "start": "2026-01-04T08:30",
    "duration_minutes": 90,
    "recurrence": "FREQ=MONTHLY;BYDAY=1SU;COUNT=6",
}


def content(data: bytes) -> dict[str, list[tuple[str, list[tuple[bytes, dict[str, Any]]]]]]:
    """What a calendar says, whatever the property order, quoting or folding a server uses.

    (Radicale re-serializes through vobject, which folds at 75 characters, not octets, and
    may fold between a backslash and the letter it escapes: only the content can compare.)
    """
    calendar = Calendar.from_ical(data)
    out: dict[str, list[tuple[str, list[tuple[bytes, dict[str, Any]]]]]] = {}
    for component in calendar.walk():
        assert component.errors == []
        properties: dict[str, list[tuple[bytes, dict[str, Any]]]] = {}
        for name, value in component.property_items(recursive=False):
            if name in ("BEGIN", "END"):
                continue
            params = dict(getattr(value, "params", {}) or {})
            properties.setdefault(name, []).append((value.to_ical(), params))
        out.setdefault(component.name, []).append(sorted(properties.items()))  # type: ignore[arg-type]
    return out


@pytest.fixture
def invitations(make_plan: Callable[..., Plan], stamp: dt.datetime) -> list[Invitation]:
    plan = make_plan()
    monthly_plan = make_plan(
        tracks=[
            {
                "id": "branch",
                "conference": "per_point",
                "units": {"kinds": ["committee", "commune", "attached", "village"]},
                "sittings": [MONTHLY],
            }
        ]
    )
    specs = invitations_for(plan, {"main/s1": LINK}) + invitations_for(monthly_plan, {})
    return [build_invitation(s, sequence=0, dtstamp=stamp) for s in specs]


def test_every_invitation_is_stored_and_read_back_equal(
    caldav: Any, invitations: list[Invitation]
) -> None:
    for invitation in invitations:
        verify_calendar(invitation.calendar)
        assert caldav.put(invitation.uid, invitation.calendar) == 201
    for invitation in invitations:
        stored = caldav.get(invitation.uid)
        assert content(stored) == content(invitation.calendar)
        (event,) = Calendar.from_ical(stored).events
        assert event["SUMMARY"] == invitation.spec.title
        assert "Hội trường" in event["LOCATION"] or "Nhà văn hóa" in event["LOCATION"]


def test_the_stored_files_parse_with_icalendar_and_vobject(
    caldav: Any, invitations: list[Invitation]
) -> None:
    for invitation in invitations:
        caldav.put(invitation.uid, invitation.calendar)
        stored = caldav.get(invitation.uid)
        for data in (invitation.calendar, stored):
            for component in Calendar.from_ical(data).walk():
                assert component.errors == []
            parsed = vobject.readOne(data.decode("utf-8"))
            assert parsed.vevent.uid.value == invitation.uid
            assert parsed.vevent.dtstart.value == invitation.spec.start


def test_the_outbox_ics_files_are_stored_as_they_are(
    caldav: Any, invitations: list[Invitation], tmp_path: Path
) -> None:
    outbox = OutboxSender(tmp_path)
    for invitation in invitations:
        outbox.send(build_message(invitation))
    files = sorted(tmp_path.glob("*.ics"))
    assert len(files) == len(invitations)
    for path in files:
        data = path.read_bytes()
        (event,) = Calendar.from_ical(data).events
        assert caldav.put(str(event["UID"]), data) == 201
        assert content(caldav.get(str(event["UID"]))) == content(data)


def test_an_update_replaces_the_stored_event_under_the_same_uid(
    caldav: Any, make_plan: Callable[..., Plan], stamp: dt.datetime
) -> None:
    spec = {s.point: s for s in invitations_for(make_plan(), {})}["DS"]
    first = build_invitation(spec, sequence=0, dtstamp=stamp)
    assert caldav.put(spec.uid, first.calendar) == 201
    moved_plan = make_plan(
        tracks=[
            {
                "id": "main",
                "units": {"kinds": ["committee", "commune", "attached", "village"]},
                "sittings": [{"id": "s1", "start": "2023-09-10T14:00", "end": "2023-09-10T16:00"}],
            }
        ]
    )
    moved = {s.point: s for s in invitations_for(moved_plan, {})}["DS"]
    update = build_invitation(moved, sequence=1, dtstamp=stamp + dt.timedelta(days=2))
    assert caldav.put(spec.uid, update.calendar) == 204  # replaced, not created
    (event,) = Calendar.from_ical(caldav.get(spec.uid)).events
    assert event["SEQUENCE"] == 1
    assert event.start.hour == 14
    assert caldav.listing().count(b".ics</") == 1


def test_a_cancellation_is_stored_as_a_cancelled_event(
    caldav: Any, make_plan: Callable[..., Plan], stamp: dt.datetime
) -> None:
    spec = invitations_for(make_plan(), {})[0]
    cancel = build_cancellation(spec, sequence=1, dtstamp=stamp)
    assert caldav.put(spec.uid, cancel.calendar) == 201
    stored = caldav.get(spec.uid)
    assert content(stored) == content(cancel.calendar)
    (event,) = Calendar.from_ical(stored).events
    assert event["STATUS"] == "CANCELLED"


@pytest.mark.parametrize(
    ("day", "found"),
    [
        (dt.date(2026, 2, 1), True),  # first Sunday of February
        (dt.date(2026, 2, 8), False),  # second Sunday
        (dt.date(2026, 6, 7), True),  # the sixth and last
        (dt.date(2026, 7, 5), False),  # COUNT=6 ended the series
    ],
)
def test_the_server_expands_the_recurrence_to_the_first_sundays(
    caldav: Any, make_plan: Callable[..., Plan], stamp: dt.datetime, day: dt.date, found: bool
) -> None:
    plan = make_plan(
        tracks=[
            {
                "id": "branch",
                "units": {"kinds": ["committee", "commune", "attached", "village"]},
                "sittings": [MONTHLY],
            }
        ]
    )
    spec = {s.point: s for s in invitations_for(plan, {})}["DS"]
    caldav.put(spec.uid, build_invitation(spec, sequence=0, dtstamp=stamp).calendar)
    start = f"{day:%Y%m%d}T000000Z"
    end = f"{day + dt.timedelta(days=1):%Y%m%d}T000000Z"
    query = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        "<D:prop><D:getetag/></D:prop>"
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{start}" end="{end}"/>'
        "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    ).encode()
    status, body = caldav.request("REPORT", "/meetlink/invites/", query, depth="1")
    assert status == 207
    assert (spec.uid.encode() in body) is found
