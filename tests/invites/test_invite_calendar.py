"""The iCalendar object of an invitation: properties, lifecycle, recurrence, folding."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar, Event

from meetlink.invites import (
    Invitation,
    InvitationSpec,
    Method,
    Templates,
    build_cancellation,
    build_invitation,
    content_hash,
    invitations_for,
    verify_calendar,
)
from meetlink.loading.roster import Unit
from meetlink.planning import Plan

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LINK = "https://meet.example/myhao-2023q3-s1"
LATER = dt.timedelta(days=3)


def specs_by_point(plan: Plan, links: dict[str, str] | None = None) -> dict[str, InvitationSpec]:
    return {s.point: s for s in invitations_for(plan, links if links is not None else {})}


def event_of(invitation: Invitation) -> tuple[Calendar, Event]:
    calendar = verify_calendar(invitation.calendar)
    (event,) = calendar.events
    return calendar, event


def raw_lines(data: bytes, name: bytes) -> list[bytes]:
    """Unfolded content lines that start with ``name``."""
    unfolded = data.replace(b"\r\n ", b"")
    return [line for line in unfolded.split(b"\r\n") if line.startswith(name)]


@pytest.fixture
def spec(make_plan: Callable[..., Plan]) -> InvitationSpec:
    return specs_by_point(make_plan(), {"main/s1": LINK})["DS"]


def test_a_request_carries_every_property_an_invitation_needs(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    invitation = build_invitation(spec, sequence=0, dtstamp=stamp)
    calendar, event = event_of(invitation)
    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert event["UID"] == spec.uid
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["SUMMARY"] == "Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023"
    assert event["LOCATION"] == "Hội trường trung tâm xã Dị Sử"
    assert stamp == event.DTSTAMP
    assert raw_lines(invitation.calendar, b"DTSTAMP") == [b"DTSTAMP:20230901T020000Z"]
    assert event.start == dt.datetime(2023, 9, 10, 8, tzinfo=TZ)
    assert event.end == dt.datetime(2023, 9, 10, 10, tzinfo=TZ)
    assert raw_lines(invitation.calendar, b"DTSTART;") == [
        b"DTSTART;TZID=Asia/Ho_Chi_Minh:20230910T080000"
    ]


def test_the_time_zone_is_the_iana_zone_with_its_vtimezone_never_an_offset(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    invitation = build_invitation(spec, sequence=0, dtstamp=stamp)
    calendar, _ = event_of(invitation)
    (timezone,) = calendar.timezones
    assert timezone.tz_name == "Asia/Ho_Chi_Minh"
    assert calendar.get_missing_tzids() == set()
    assert b"UTC+07" not in invitation.calendar
    assert b"+0700" in invitation.calendar  # from the VTIMEZONE, not on DTSTART
    assert raw_lines(invitation.calendar, b"DTEND") == [
        b"DTEND;TZID=Asia/Ho_Chi_Minh:20230910T100000"
    ]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "UTC"])
def test_every_zone_used_is_defined_and_none_is_left_unused(
    spec: InvitationSpec, stamp: dt.datetime, zone: str
) -> None:
    start = spec.start.replace(tzinfo=ZoneInfo(zone))
    other = dataclasses.replace(
        spec, timezone=zone, start=start, end=start + dt.timedelta(hours=2), arrive_by=None
    )
    calendar, event = event_of(build_invitation(other, sequence=0, dtstamp=stamp))
    assert calendar.get_missing_tzids() == set()
    assert {t.tz_name for t in calendar.timezones} == calendar.get_used_tzids()
    assert event.start == start


def test_organizer_is_a_bare_mailto_and_every_recipient_an_attendee_asked_to_reply(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    _, event = event_of(build_invitation(spec, sequence=0, dtstamp=stamp))
    assert str(event["ORGANIZER"]) == "mailto:vanphong@thiuy.example"
    assert event["ORGANIZER"].params["CN"] == "Văn phòng Thị ủy"
    attendees = event.attendees
    assert [str(a) for a in attendees] == [f"mailto:{r.email}" for r in spec.recipients]
    for attendee, recipient in zip(attendees, spec.recipients, strict=True):
        assert attendee.params["CN"] == recipient.name
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"


def test_a_different_sender_appears_as_sent_by(
    make_plan: Callable[..., Plan], stamp: dt.datetime
) -> None:
    plan = make_plan(delivery={"sender": "noreply@thiuy.example"})
    _, event = event_of(build_invitation(invitations_for(plan, {})[0], sequence=0, dtstamp=stamp))
    assert str(event["ORGANIZER"]) == "mailto:vanphong@thiuy.example"
    assert event["ORGANIZER"].params["SENT-BY"] == "mailto:noreply@thiuy.example"


def test_the_join_link_is_a_conference_written_as_rfc_7986_shows_it(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    invitation = build_invitation(spec, sequence=0, dtstamp=stamp)
    (line,) = raw_lines(invitation.calendar, b"CONFERENCE")
    assert b";VALUE=URI" in line
    assert b";FEATURE=AUDIO,VIDEO;" in line  # a list, not the quoted "AUDIO,VIDEO"
    assert line.endswith(b":" + LINK.encode())
    _, event = event_of(invitation)
    assert event["CONFERENCE"].params["FEATURE"] == ["AUDIO", "VIDEO"]


def test_the_description_tells_everything_in_vietnamese(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    _, event = event_of(build_invitation(spec, sequence=0, dtstamp=stamp))
    description = event["DESCRIPTION"]
    for expected in (
        "Quán triệt Nghị quyết Trung ương",  # agenda
        "Điểm cầu: Đảng bộ xã Dị Sử",
        "Địa điểm: Hội trường trung tâm xã Dị Sử",
        "- Chi bộ Công an xã Dị Sử: 12 đảng viên",  # units and seats
        "\nThời gian: Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023.\n",
        "\nĐề nghị đảng viên có mặt trước 15 phút để ổn định tổ chức.\n",  # arrive early
        "\nChạy thử đường truyền: 15 giờ 00, Thứ Bảy, ngày 9/9/2023.\n",  # line test
        f"Tham gia trực tuyến tại: {LINK}",
        "\n- Đ/c Nguyễn Văn Kỹ, ĐT: 0912 345 678",
    ):
        assert expected in description
    for old in ("10/09/2023", "— 0912", "Đại biểu có mặt", "lúc 07 giờ 45", "tự động"):
        assert old not in description


def test_a_point_without_a_link_is_told_its_officer_gets_the_access(
    make_plan: Callable[..., Plan], stamp: dt.datetime
) -> None:
    spec = specs_by_point(make_plan())["DS"]
    invitation = build_invitation(spec, sequence=0, dtstamp=stamp)
    _, event = event_of(invitation)
    assert "cán bộ kỹ thuật của điểm cầu" in event["DESCRIPTION"]
    assert b"CONFERENCE" not in invitation.calendar


def test_the_alarm_rings_at_the_arrive_early_time(spec: InvitationSpec, stamp: dt.datetime) -> None:
    _, event = event_of(build_invitation(spec, sequence=0, dtstamp=stamp))
    (alarm,) = event.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert dt.timedelta(minutes=-15) == alarm.TRIGGER
    assert event.start + alarm.TRIGGER == dt.datetime(2023, 9, 10, 7, 45, tzinfo=TZ)


def test_building_twice_gives_the_same_bytes(spec: InvitationSpec, stamp: dt.datetime) -> None:
    first = build_invitation(spec, sequence=3, dtstamp=stamp)
    again = build_invitation(
        InvitationSpec.from_json(spec.to_json()), sequence=3, dtstamp=stamp.astimezone(TZ)
    )
    assert first.calendar == again.calendar


def test_a_moved_sitting_keeps_its_uid_with_a_higher_sequence_and_a_new_stamp(
    make_plan: Callable[..., Plan], spec: InvitationSpec, stamp: dt.datetime
) -> None:
    moved_plan = make_plan(
        tracks=[
            {
                "id": "main",
                "units": {"kinds": ["committee", "commune", "attached", "village", "agency"]},
                "sittings": [{"id": "s1", "start": "2023-09-10T14:00", "end": "2023-09-10T16:00"}],
            }
        ]
    )
    moved = specs_by_point(moved_plan, {"main/s1": LINK})["DS"]
    assert content_hash(moved) != content_hash(spec)
    first = build_invitation(spec, sequence=0, dtstamp=stamp)
    update = build_invitation(moved, sequence=1, dtstamp=stamp + LATER)
    _, before = event_of(first)
    calendar, after = event_of(update)
    assert calendar["METHOD"] == "REQUEST"
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == 1
    assert after.DTSTAMP > before.DTSTAMP
    assert after.start == dt.datetime(2023, 9, 10, 14, tzinfo=TZ)
    assert update.kind == "update"


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Hội nghị thông tin thời sự Quý III/2023"},
        {"description": "Đề nghị các đồng chí mặc trang phục lịch sự."},
        {"agenda": ["Thông tin thời sự"]},
    ],
)
def test_a_retitled_or_redescribed_sitting_changes_the_content_hash(
    make_plan: Callable[..., Plan], spec: InvitationSpec, change: dict[str, object]
) -> None:
    changed = specs_by_point(make_plan(**change), {"main/s1": LINK})["DS"]
    assert changed.uid == spec.uid
    assert content_hash(changed) != content_hash(spec)


def test_an_unchanged_plan_has_the_same_content_hash(
    make_plan: Callable[..., Plan], spec: InvitationSpec
) -> None:
    assert content_hash(specs_by_point(make_plan(), {"main/s1": LINK})["DS"]) == content_hash(spec)


def test_edited_templates_change_the_content_hash(
    spec: InvitationSpec, tmp_path: pytest.TempPathFactory
) -> None:
    folder = tmp_path / "mine"  # type: ignore[operator]
    folder.mkdir()
    (folder / "description.txt").write_text("{{ title }}\n\n{{ link }}\n", encoding="utf-8")
    assert content_hash(spec, Templates.load("vi", folder)) != content_hash(spec)


def test_a_resend_rebuilds_the_same_bytes_with_the_same_sequence(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    sent = build_invitation(spec, sequence=2, dtstamp=stamp)
    resent = build_invitation(spec, sequence=sent.sequence, dtstamp=sent.dtstamp)
    assert resent.calendar == sent.calendar
    assert resent.sequence == 2


def test_a_cancelled_sitting_is_cancelled_for_everyone_without_an_alarm(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    cancel = build_cancellation(spec, sequence=1, dtstamp=stamp + LATER)
    calendar, event = event_of(cancel)
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert event["UID"] == spec.uid
    assert not event.walk("VALARM")
    assert b"BEGIN:VALARM" not in cancel.calendar
    assert len(event.attendees) == len(spec.recipients)
    assert (cancel.method, cancel.kind) == (Method.CANCEL, "cancel")


def test_a_unit_moved_to_another_point_is_uninvited_from_the_old_one_and_invited_to_the_new(
    make_plan: Callable[..., Plan], units: list[Unit], stamp: dt.datetime
) -> None:
    old = specs_by_point(make_plan(units), {"main/s1": LINK})
    units[2] = units[2].model_copy(update={"join_point": "DS-HD"})  # police branch moves
    new = specs_by_point(make_plan(units), {"main/s1": LINK})
    moved_away = old["DS"].recipients_of(["DS-CA"])
    assert [r.email for r in moved_away] == ["congan@disu.example"]

    uninvite = build_cancellation(old["DS"], sequence=1, dtstamp=stamp, recipients=moved_away)
    calendar, event = event_of(uninvite)
    assert calendar["METHOD"] == "CANCEL"
    assert "STATUS" not in event  # RFC 5546: un-inviting some attendees carries no STATUS
    assert [str(a) for a in event.attendees] == ["mailto:congan@disu.example"]
    assert uninvite.kind == "uninvite"

    assert content_hash(new["DS"]) != content_hash(old["DS"])  # DS's update, same UID
    assert new["DS"].uid == old["DS"].uid
    request = build_invitation(new["DS-HD"], sequence=1, dtstamp=stamp)
    _, event = event_of(request)
    assert "mailto:congan@disu.example" in [str(a) for a in event.attendees]
    assert event["UID"] == old["DS-HD"].uid


def test_cancelling_for_someone_never_invited_is_refused(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    stranger = type(spec.recipients[0])("ai.do@example.org")
    with pytest.raises(ValueError, match="never invited"):
        build_cancellation(spec, sequence=1, dtstamp=stamp, recipients=[stranger])


def test_a_recurring_sitting_on_the_first_sunday_expands_to_the_right_dates(
    make_plan: Callable[..., Plan], stamp: dt.datetime
) -> None:
    plan = make_plan(
        tracks=[
            {
                "id": "main",
                "units": {"kinds": ["committee", "commune", "attached", "village"]},
                "sittings": [
                    {
                        "id": "monthly",
                        "start": "2026-01-04T08:30",
                        "duration_minutes": 90,
                        "recurrence": "FREQ=MONTHLY;BYDAY=1SU;COUNT=5",
                    }
                ],
            }
        ]
    )
    spec = specs_by_point(plan)["DS"]
    invitation = build_invitation(spec, sequence=0, dtstamp=stamp)
    assert raw_lines(invitation.calendar, b"RRULE") == [b"RRULE:FREQ=MONTHLY;COUNT=5;BYDAY=1SU"]
    calendar, _ = event_of(invitation)
    occurrences = recurring_ical_events.of(calendar).between(
        dt.date(2026, 1, 1), dt.date(2027, 1, 1)
    )
    starts = [e.start for e in occurrences]
    assert starts == [
        dt.datetime(2026, month, day, 8, 30, tzinfo=TZ)
        for month, day in [(1, 4), (2, 1), (3, 1), (4, 5), (5, 3)]
    ]
    assert all(s.weekday() == 6 and s.day <= 7 for s in starts)


def test_long_vietnamese_lines_fold_at_75_octets_without_splitting_a_character(
    make_plan: Callable[..., Plan], stamp: dt.datetime
) -> None:
    long_title = "Hội nghị quán triệt, triển khai thực hiện Nghị quyết Đại hội đại biểu " * 3
    plan = make_plan(title=long_title.strip(), agenda=["Ưu tiên phổ biến ở mỗi điểm cầu " * 8])
    invitation = build_invitation(specs_by_point(plan)["DS"], sequence=0, dtstamp=stamp)
    physical = invitation.calendar.split(b"\r\n")
    assert physical[-1] == b""  # ends with CRLF, nothing after END:VCALENDAR
    assert b"\n" not in invitation.calendar.replace(b"\r\n", b"")
    folded = [line for line in physical if line.startswith(b" ")]
    assert len(folded) > 10
    for line in physical:
        assert len(line) <= 75
        line.decode("utf-8")  # raises if a fold split a character
    _, event = event_of(invitation)
    assert event["SUMMARY"] == long_title.strip()


def test_the_calendar_parses_with_vobject_too(spec: InvitationSpec, stamp: dt.datetime) -> None:
    for invitation in (
        build_invitation(spec, sequence=0, dtstamp=stamp),
        build_cancellation(spec, sequence=1, dtstamp=stamp),
    ):
        parsed = vobject.readOne(invitation.calendar.decode("utf-8"))
        assert parsed.vevent.uid.value == spec.uid
        assert parsed.method.value == invitation.method.value
        assert parsed.vevent.dtstart.value == spec.start
        assert parsed.vevent.summary.value == spec.title


def test_english_templates_write_the_description_in_english(
    make_plan: Callable[..., Plan], stamp: dt.datetime
) -> None:
    spec = specs_by_point(make_plan(language="en"), {"main/s1": LINK})["DS"]
    invitation = build_invitation(spec, sequence=0, dtstamp=stamp)
    _, event = event_of(invitation)
    assert "When: From 08:00 to 10:00, Sunday 10 September 2023." in event["DESCRIPTION"]
    assert b"PRODID:-//meetlink//meetlink invitations//EN" in invitation.calendar


@pytest.mark.parametrize(
    ("sequence", "dtstamp", "says"),
    [
        (-1, dt.datetime(2023, 9, 1, tzinfo=dt.UTC), "SEQUENCE"),
        (True, dt.datetime(2023, 9, 1, tzinfo=dt.UTC), "SEQUENCE"),
        (0, dt.datetime(2023, 9, 1), "no time zone"),
    ],
)
def test_a_bad_sequence_or_stamp_is_refused(
    spec: InvitationSpec, sequence: int, dtstamp: dt.datetime, says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        build_invitation(spec, sequence=sequence, dtstamp=dtstamp)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"BEGIN:VCALENDAR\nEND:VCALENDAR\n", "CRLF"),
        (b"BEGIN:VCALENDAR\r\nX-LONG:" + b"x" * 80 + b"\r\nEND:VCALENDAR\r\n", "75"),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026-01-01\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n",
            "does not read back",
        ),
    ],
)
def test_verify_calendar_catches_what_clients_would_choke_on(data: bytes, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        verify_calendar(data)


def test_a_fold_inside_a_character_is_caught() -> None:
    text = "SUMMARY:" + "ồ" * 40
    raw = text.encode()
    broken = raw[:73] + b"\r\n " + raw[73:]  # 73 splits a three-byte "ồ"
    with pytest.raises(ValueError, match="splits a UTF-8 character"):
        verify_calendar(b"BEGIN:VCALENDAR\r\n" + broken + b"\r\nEND:VCALENDAR\r\n")
