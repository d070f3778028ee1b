"""Issue 16: a year of recurring meetings, one occurrence skipped and one moved.

Seed 003: the all-committee hour at 28 bridge points on the first Sunday of every month.
The series for 2024 skips February (Tết) and moves September to the 8th. Every invitation is
read with icalendar, vobject and recurring-ical-events: the dates it expands to are exactly
the intended ones, the moved one once, the skipped one never; Radicale keeps the series and
its override as one event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar

from meetlink.errors import InputError
from meetlink.invites import Invitation, build_invitation, invitations_for
from meetlink.invites.calendar import build_occurrence_cancellation, content_hash
from meetlink.invites.specs import InvitationSpec
from meetlink.loading import parse_meeting_text
from meetlink.loading.roster import Contact, Unit
from meetlink.planning import Plan
from meetlink.planning.export import plan_to_dict

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
STAMP = dt.datetime(2023, 12, 20, 2, 0, tzinfo=dt.UTC)
RULE = "FREQ=MONTHLY;BYDAY=1SU;COUNT=12"
SKIPPED = dt.date(2024, 2, 4)
MOVED_FROM, MOVED_TO = dt.date(2024, 9, 1), dt.date(2024, 9, 8)
FIRST_SUNDAYS = [
    dt.date(2024, 1, 7),
    dt.date(2024, 2, 4),
    dt.date(2024, 3, 3),
    dt.date(2024, 4, 7),
    dt.date(2024, 5, 5),
    dt.date(2024, 6, 2),
    dt.date(2024, 7, 7),
    dt.date(2024, 8, 4),
    dt.date(2024, 9, 1),
    dt.date(2024, 10, 6),
    dt.date(2024, 11, 3),
    dt.date(2024, 12, 1),
]
INTENDED = sorted({*FIRST_SUNDAYS} - {SKIPPED, MOVED_FROM} | {MOVED_TO})
MONTHLY: dict[str, Any] = {
    "id": "monthly",
    "title": "Giờ sinh hoạt toàn Đảng bộ hằng tháng",
    "start": "2024-01-07T08:00",
    "end": "2024-01-07T10:00",
    "recurrence": RULE,
    "exceptions": {"2024-02-04": "skip", "2024-09-01": {"start": "2024-09-08T08:00"}},
}


def points_28() -> list[Unit]:
    """The Thị ủy's main point and 27 party organizations with points of their own."""
    units = [
        Unit(
            id="TU",
            name="Đảng bộ cơ quan Thị ủy",
            kind="committee",
            members=30,
            location="Hội trường tầng 3, nhà D",
            officer=Contact(name="Trần Văn Kỹ", email="kythuat@thiuy.example"),
            contact_emails=("tu@thiuy.example",),
        )
    ]
    for number in range(1, 28):
        units.append(
            Unit(
                id=f"CB{number:02d}",
                name=f"Chi bộ cơ quan số {number}",
                kind="agency",
                members=20,
                location=f"Phòng họp cơ quan số {number}",
                contact_emails=(f"chibo{number:02d}@thiuy.example",),
            )
        )
    return units


@pytest.fixture
def year_plan(make_plan: Callable[..., Plan]) -> Plan:
    return make_plan(
        units=points_28(),
        rehearsal="2024-01-06T15:00",
        tracks=[{"id": "main", "units": {"kinds": ["committee", "agency"]}, "sittings": [MONTHLY]}],
    )


@pytest.fixture
def year_invitations(year_plan: Plan) -> list[Invitation]:
    specs = invitations_for(year_plan, {"main/monthly": "https://meet.example/giosinhhoat"})
    return [build_invitation(s, sequence=0, dtstamp=STAMP) for s in specs]


def expanded(data: bytes) -> list[dt.datetime]:
    """The starts recurring-ical-events reads in a calendar for 2024 and January 2025."""
    calendar = Calendar.from_ical(data)
    events = recurring_ical_events.of(calendar).between(dt.date(2024, 1, 1), dt.date(2025, 2, 1))
    return sorted(e.decoded("DTSTART") for e in events)


def test_the_plan_lists_every_occurrence_with_its_status(year_plan: Plan) -> None:
    (sitting,) = year_plan.sittings
    assert [o.date for o in sitting.occurrences] == FIRST_SUNDAYS
    status = {o.date: o.status for o in sitting.occurrences}
    assert status[SKIPPED] == "skipped"
    assert status[MOVED_FROM] == "moved"
    assert sum(s == "scheduled" for s in status.values()) == 10
    exported = plan_to_dict(year_plan)["sittings"][0]
    assert exported["recurrence"] == RULE  # the keys of before are kept
    assert exported["occurrences_complete"] is True
    moved = next(o for o in exported["occurrences"] if o["status"] == "moved")
    assert moved == {
        "date": "2024-09-01",
        "start": "2024-09-08T08:00:00+07:00",
        "end": "2024-09-08T10:00:00+07:00",
        "status": "moved",
    }
    assert [o["date"] for o in exported["occurrences"]] == [d.isoformat() for d in FIRST_SUNDAYS]


def test_a_rule_without_an_end_lists_one_year_and_says_so(make_plan: Callable[..., Plan]) -> None:
    endless = {**MONTHLY, "recurrence": "FREQ=MONTHLY;BYDAY=1SU", "exceptions": {}}
    plan = make_plan(
        units=points_28()[:2],
        rehearsal=None,
        tracks=[{"id": "main", "units": {"kinds": ["committee", "agency"]}, "sittings": [endless]}],
    )
    exported = plan_to_dict(plan)["sittings"][0]
    assert exported["occurrences_complete"] is False
    # a year from the first, 7 January 2024: the first Sunday of January 2025 is in it
    year = [*FIRST_SUNDAYS, dt.date(2025, 1, 5)]
    assert [o["date"] for o in exported["occurrences"]] == [d.isoformat() for d in year]


def test_every_point_gets_the_series_with_its_exceptions(
    year_invitations: list[Invitation],
) -> None:
    assert len(year_invitations) == 28
    assert len({i.uid for i in year_invitations}) == 28
    for invitation in year_invitations:
        calendar = Calendar.from_ical(invitation.calendar)
        series, moved = calendar.events
        assert str(series["UID"]) == str(moved["UID"]) == invitation.uid
        assert "RECURRENCE-ID" not in series
        assert "RRULE" in series
        assert [d.dt for d in series["EXDATE"].dts] == [dt.datetime(2024, 2, 4, 8, tzinfo=ZONE)]
        assert moved.decoded("RECURRENCE-ID") == dt.datetime(2024, 9, 1, 8, tzinfo=ZONE)
        assert moved.decoded("DTSTART") == dt.datetime(2024, 9, 8, 8, tzinfo=ZONE)
        assert moved.decoded("DTEND") == dt.datetime(2024, 9, 8, 10, tzinfo=ZONE)
        assert moved["SEQUENCE"] == series["SEQUENCE"] == 0
        assert moved["CONFERENCE"] == series["CONFERENCE"]
        assert len(moved.get("ATTENDEE")) == len(series.get("ATTENDEE")) or isinstance(
            series.get("ATTENDEE"), str
        )


def test_recurring_ical_events_expands_exactly_the_intended_dates(
    year_invitations: list[Invitation],
) -> None:
    for invitation in year_invitations:
        starts = expanded(invitation.calendar)
        assert [s.date() for s in starts] == INTENDED
        assert all(s.time() == dt.time(8, 0) for s in starts)
        assert sum(s.date() == MOVED_TO for s in starts) == 1
        assert not any(s.date() in (SKIPPED, MOVED_FROM) for s in starts)


def test_vobject_reads_the_series_and_its_override(
    year_invitations: list[Invitation],
) -> None:
    for invitation in year_invitations:
        parsed = vobject.readOne(invitation.calendar.decode("utf-8"))
        events = parsed.vevent_list
        (series,) = [e for e in events if not hasattr(e, "recurrence_id")]
        (override,) = [e for e in events if hasattr(e, "recurrence_id")]
        rule_dates = [d.date() for d in series.getrruleset(addRDate=True)]
        assert SKIPPED not in rule_dates  # the EXDATE
        replaced = override.recurrence_id.value
        held = [d.date() for d in series.getrruleset(addRDate=True) if d != replaced]
        assert sorted([*held, override.dtstart.value.date()]) == INTENDED


def test_the_text_lists_the_years_dates_without_the_skipped_one(
    year_invitations: list[Invitation],
) -> None:
    text = str(Calendar.from_ical(year_invitations[0].calendar).events[0]["DESCRIPTION"])
    for day in INTENDED:
        assert f"Chủ nhật {day.day}/{day.month}/2024" in text
    dates = text.split("\n")[2]  # "Thời gian: …, các buổi sinh hoạt vào: …"
    assert "Chủ nhật 4/2/2024" not in dates
    assert "Chủ nhật 1/9/2024" not in dates
    assert (
        "Thay đổi: Chủ nhật 4/2/2024 không tổ chức; "
        "Chủ nhật 1/9/2024 chuyển sang Chủ nhật 8/9/2024.\n" in text
    )


def test_radicale_stores_the_series_and_its_override_as_one_event(
    caldav: Any, year_invitations: list[Invitation]
) -> None:
    for invitation in year_invitations:
        assert caldav.put(invitation.uid, invitation.calendar) == 201
    for invitation in year_invitations:
        stored = caldav.get(invitation.uid)
        calendar = Calendar.from_ical(stored)
        assert len(calendar.events) == 2
        assert {str(e["UID"]) for e in calendar.events} == {invitation.uid}
        assert [s.date() for s in expanded(stored)] == INTENDED


def test_one_occurrence_is_cancelled_with_its_recurrence_id(
    year_invitations: list[Invitation],
) -> None:
    spec = year_invitations[0].spec
    march = dt.datetime(2024, 3, 3, 8, tzinfo=ZONE)
    cancel = build_occurrence_cancellation(spec, march, sequence=1, dtstamp=STAMP)
    calendar = Calendar.from_ical(cancel.calendar)
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.events
    assert event.decoded("RECURRENCE-ID") == march
    assert str(event["UID"]) == spec.uid
    assert event["STATUS"] == "CANCELLED"
    assert "RRULE" not in event
    assert not event.walk("VALARM")
    words = str(event["DESCRIPTION"])
    assert "sẽ không tổ chức" in words
    assert "Chủ nhật, ngày 3/3/2024" in words
    with pytest.raises(ValueError, match="not an occurrence"):
        build_occurrence_cancellation(
            spec, dt.datetime(2024, 3, 10, 8, tzinfo=ZONE), sequence=1, dtstamp=STAMP
        )


MEETING_YAML = """\
id: demo
title: Giờ sinh hoạt toàn Đảng bộ
organizer: {email: vp@thiuy.example}
roster: roster.csv
tracks:
  - id: main
    sittings:
      - id: monthly
        start: 2024-01-07T08:00
        end: 2024-01-07T10:00
        recurrence: FREQ=MONTHLY;BYDAY=1SU;COUNT=12
        exceptions:
          2024-02-04: skip
          {entry}
"""


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("2024-09-02: skip", "2024-09-02 is not a date of the rule"),
        ("2024-09-01: {start: 2024-09-08T08:00, end: 2024-09-08T07:00}", "not after its start"),
        ("2024-09-01: {start: 2024-10-06T14:00}", "not between its neighbours (2024-08-04 and"),
    ],
)
def test_a_wrong_exception_is_an_error_at_its_line(entry: str, words: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_meeting_text(MEETING_YAML.replace("{entry}", entry), "meeting.yaml")
    (problem,) = raised.value.problems
    assert problem.where == 14
    assert words in problem.message
    assert problem.what.endswith("exceptions." + entry[:10])


def test_exceptions_need_a_recurring_sitting() -> None:
    text = MEETING_YAML.replace("{entry}", "").replace(
        "        recurrence: FREQ=MONTHLY;BYDAY=1SU;COUNT=12\n", ""
    )
    with pytest.raises(InputError, match="give the sitting a start and a recurrence"):
        parse_meeting_text(text, "meeting.yaml")


def test_a_spec_without_exceptions_keeps_its_bytes_and_hash(year_plan: Plan) -> None:
    """Specs written before exceptions existed hash the same: nothing is sent again."""
    (spec, *_) = invitations_for(year_plan, {})
    plain = dataclasses.replace(spec, skipped=(), moved=())
    assert '"skipped"' not in plain.to_json()
    assert '"moved"' not in plain.to_json()
    assert InvitationSpec.from_json(plain.to_json()) == plain
    assert InvitationSpec.from_json(spec.to_json()) == spec
    assert content_hash(plain) != content_hash(spec)
