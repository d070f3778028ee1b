"""Issue 13: times across a change of the clocks, and calendars for events from 2038 on.

``duration_minutes`` and ``arrive_early_minutes`` are elapsed time, not minutes on the clock
face; an end is compared with its start as instants; and every invitation's VTIMEZONE has an
observance, whatever the year, so strict parsers (vobject) read it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import vobject

from meetlink.errors import InputError
from meetlink.invites.calendar import build_invitation, verify_calendar
from meetlink.invites.specs import InvitationSpec, Recipient
from meetlink.loading import parse_meeting_text
from meetlink.loading.roster import Roster, Unit
from meetlink.planning import plan_meeting

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = dt.timedelta(hours=1)

HEAD = """\
id: times
title: Họp
organizer: {email: vp@thiuy.example.org}
roster: roster.csv
timezone: Europe/Berlin
arrive_early_minutes: 15
tracks:
  - id: main
    platform: memory
    units: {kinds: [committee]}
    sittings:
"""


def sitting_of(written: str):
    meeting, _ = parse_meeting_text(HEAD + f"      - {written}\n", "meeting.yaml")
    return meeting, meeting.tracks[0].sittings[0]


def problems_of(written: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        sitting_of(written)
    return [str(p) for p in caught.value.problems]


def in_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


@pytest.mark.parametrize(
    ("start", "wall_end"),
    [
        ("2024-03-31T01:00", "04:00"),  # the clocks go forward at 02:00: 2 h end at 04:00
        ("2024-10-27T01:00", "02:00"),  # they go back at 03:00: 2 h end at the second 02:00
    ],
)
def test_duration_minutes_is_elapsed_time_across_a_change_of_the_clocks(
    start: str, wall_end: str
) -> None:
    _, sitting = sitting_of(f"{{id: s1, start: {start}, duration_minutes: 120}}")

    assert sitting.finish is not None
    assert sitting.start is not None
    assert in_utc(sitting.finish) - in_utc(sitting.start) == 2 * HOUR  # was 1 h and 3 h
    assert f"{sitting.finish:%H:%M}" == wall_end


def test_arrive_early_is_elapsed_time_across_a_change_of_the_clocks() -> None:
    meeting, _ = sitting_of("{id: s1, start: 2024-03-31T03:05, end: 2024-03-31T05:00}")
    roster = Roster("roster.csv", (Unit(id="TU", name="Thị ủy", kind="committee", members=9),))

    (planned,) = plan_meeting(meeting, roster).sittings

    assert planned.arrive_by is not None
    assert planned.start is not None
    # 15 minutes before 03:05 CEST is 01:50 CET; on the clock face it was 02:50, a time that
    # does not exist and read as after the start
    assert in_utc(planned.start) - in_utc(planned.arrive_by) == dt.timedelta(minutes=15)
    assert planned.arrive_by.isoformat() == "2024-03-31T01:50:00+01:00"


def test_elapsed_adds_in_utc_and_keeps_the_zone() -> None:
    from meetlink.loading.meeting import (
        elapsed,  # new with issue 13: the other tests run without it
    )

    start = dt.datetime(2024, 10, 27, 1, 30, tzinfo=BERLIN)
    later = elapsed(start, 60)
    assert (later.isoformat(), later.fold) == ("2024-10-27T02:30:00+02:00", 0)
    assert elapsed(later, 60).isoformat() == "2024-10-27T02:30:00+01:00"


def test_an_end_before_its_start_as_instants_is_refused_though_its_clock_face_is_later() -> None:
    # start: the second 02:30 (01:30 UTC); end: the first 02:40 (00:40 UTC)
    problems = problems_of("{id: s1, start: 2024-10-27T02:30+01:00, end: 2024-10-27T02:40+02:00}")
    assert problems == [
        "meeting.yaml:12: tracks[0].sittings[0].end: the end 2024-10-27 02:40 (UTC+0200) is "
        "not after the start 2024-10-27 02:30 (UTC+0100); correct one of them."
    ]


def test_a_time_with_its_offset_in_the_repeated_hour_is_taken_as_written() -> None:
    _, sitting = sitting_of("{id: s1, start: 2024-10-27T02:30+01:00, duration_minutes: 30}")
    assert sitting.start is not None
    assert in_utc(sitting.start) == dt.datetime(2024, 10, 27, 1, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("2024-03-31T02:30", "2024-03-31 02:30 does not exist in Europe/Berlin"),
        ("2024-10-27T02:30", "2024-10-27 02:30 happens twice in Europe/Berlin"),
    ],
)
def test_a_local_time_the_clocks_skip_or_repeat_is_refused(written: str, says: str) -> None:
    (problem,) = problems_of(f"{{id: s1, start: {written}, duration_minutes: 30}}")
    assert problem.startswith(f"meeting.yaml:12: tracks[0].sittings[0].start: {says}")


def spec(zone: str, start: dt.datetime) -> InvitationSpec:
    tz = ZoneInfo(zone)
    return InvitationSpec(
        meeting_id="m",
        track="main",
        sitting="s1",
        point="P1",
        title="Họp chi bộ",
        start=start.replace(tzinfo=tz),
        end=start.replace(tzinfo=tz) + 2 * HOUR,
        timezone=zone,
        organizer_email="vp@thiuy.example.org",
        point_name="Chi bộ thôn Đông",
        recipients=(Recipient("a@x.example.org", "Chi bộ thôn Đông", ("P1",)),),
    )


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Ho_Chi_Minh", "America/New_York"])
@pytest.mark.parametrize("year", [2024, 2037, 2038, 2040, 2099])
def test_every_vtimezone_has_an_observance_and_strict_parsers_read_it(zone: str, year: int) -> None:
    """icalendar stopped at 2038: later events got a VTIMEZONE with no STANDARD or DAYLIGHT
    part, which vobject refuses ("at least one component is needed")."""
    invitation_spec = spec(zone, dt.datetime(year, 7, 5, 8, 0))
    invitation = build_invitation(
        invitation_spec, sequence=0, dtstamp=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    )

    calendar = verify_calendar(invitation.calendar)
    (timezone,) = calendar.walk("VTIMEZONE")
    assert {c.name for c in timezone.subcomponents} & {"STANDARD", "DAYLIGHT"}
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == invitation_spec.start  # the same instant
    # vobject refused the file outright. (It keeps the first VTIMEZONE it reads for a TZID
    # for the whole process, so only the clock face is compared here.)
    parsed = vobject.readOne(invitation.calendar.decode("utf-8"))
    start = parsed.vevent.dtstart.value
    assert start.replace(tzinfo=None) == invitation_spec.start.replace(tzinfo=None)
