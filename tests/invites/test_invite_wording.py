"""The words an office reads (issue 18), asserted on the real mail, HTML and calendar.

Each test parses what would be sent: the message with the ``email`` package, the calendar
with icalendar, so a word fixed in a template and lost on the way would fail here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import re
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from meetlink.invites import (
    Invitation,
    InvitationSpec,
    build_cancellation,
    build_invitation,
    build_message,
    invitations_for,
    message_bytes,
)
from meetlink.loading.roster import Unit
from meetlink.planning import Plan

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LINK = "https://meet.example/myhao-2023q3-s1"
STAMP = dt.datetime(2023, 9, 1, 2, 0, tzinfo=dt.UTC)
TRACK = {"id": "main", "units": {"kinds": ["committee", "commune", "attached", "village"]}}


@dataclasses.dataclass(frozen=True)
class Sent:
    """One message as a recipient's mail program reads it."""

    subject: str
    text: str
    html: str
    calendar: Calendar

    @property
    def description(self) -> str:
        (event,) = self.calendar.events
        return str(event["DESCRIPTION"])

    @property
    def everything(self) -> str:
        return "\n".join((self.subject, self.text, self.html, self.description))


def read(invitation: Invitation) -> Sent:
    parsed = email.message_from_bytes(
        message_bytes(build_message(invitation)), policy=email.policy.default
    )
    assert isinstance(parsed, EmailMessage)
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None
    assert html is not None
    (part,) = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    text, markup = (p.get_content().replace("\r\n", "\n") for p in (plain, html))
    return Sent(str(parsed["Subject"]), text, markup, Calendar.from_ical(payload))


def spec_at(plan: Plan, point: str = "DS", sitting: str = "s1") -> InvitationSpec:
    specs = {(s.sitting, s.point): s for s in invitations_for(plan, {f"main/{sitting}": LINK})}
    return specs[(sitting, point)]


def invited(plan: Plan, point: str = "DS", sitting: str = "s1") -> Sent:
    return read(build_invitation(spec_at(plan, point, sitting), sequence=0, dtstamp=STAMP))


def sittings(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"id": f"c{n}", "start": a, "end": b} for n, (a, b) in enumerate(pairs, start=1)]


@pytest.mark.parametrize(
    ("kind", "attend", "member"),
    [
        ("party_meeting", "dự sinh hoạt", "đảng viên"),
        ("sinh hoạt", "dự sinh hoạt", "đảng viên"),
        ("conference", "dự Hội nghị", "đại biểu"),
        ("meeting", "dự họp", "đại biểu"),
    ],
)
def test_the_meetings_kind_chooses_the_words(
    make_plan: Callable[..., Plan], kind: str, attend: str, member: str
) -> None:
    sent = invited(make_plan(kind=kind))
    assert f"Văn phòng Thị ủy trân trọng kính mời các đồng chí {attend}:" in sent.text
    assert f"\nĐơn vị {attend} tại điểm cầu:\n" in sent.text
    assert f"- Chi bộ Công an xã Dị Sử: 12 {member}\n" in sent.text
    assert f"<li>Chi bộ Công an xã Dị Sử: 12 {member}</li>" in sent.html
    others = {"dự sinh hoạt", "dự Hội nghị", "dự họp"} - {attend}
    assert not any(word in sent.everything for word in others)


def test_the_time_is_written_as_an_office_writes_it(make_plan: Callable[..., Plan]) -> None:
    sent = invited(make_plan())
    line = "Thời gian: Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023."
    assert f"\n{line}\n" in sent.text
    assert f"\n{line}\n" in sent.description
    assert "Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023." in sent.html
    assert "10/09/2023" not in sent.everything
    assert "Chạy thử đường truyền: 15 giờ 00, Thứ Bảy, ngày 9/9/2023." in sent.text


def test_a_sitting_across_midnight_gives_both_dates(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(
        tracks=[{**TRACK, "sittings": sittings(("2023-09-09T22:00", "2023-09-10T01:30"))}]
    )
    sent = invited(plan, sitting="c1")
    assert (
        "Thời gian: Từ 22 giờ 00, Thứ Bảy, ngày 9/9/2023 đến 01 giờ 30, Chủ nhật, ngày 10/9/2023."
        in sent.text
    )


def test_members_are_asked_to_arrive_early_in_the_offices_words_of_the_meetings_kind(
    make_plan: Callable[..., Plan],
) -> None:
    sent = invited(make_plan(arrive_early_minutes=30))
    sentence = "Đề nghị đảng viên có mặt trước 30 phút để ổn định tổ chức."
    assert f"\n{sentence}\n" in sent.text
    assert sentence in sent.html
    assert "Đại biểu có mặt trước" not in sent.everything
    assert "lúc 07 giờ" not in sent.everything


@pytest.mark.parametrize(("classes", "share"), [(3, "1/3"), (2, "1/2")])
def test_a_class_states_each_units_share(
    make_plan: Callable[..., Plan], classes: int, share: str
) -> None:
    pairs = [(f"2023-09-1{n}T08:00", f"2023-09-1{n}T10:00") for n in range(classes)]
    plan = make_plan(
        kind="party_meeting",
        tracks=[{**TRACK, "attendance": "split", "sittings": sittings(*pairs)}],
    )
    sent = invited(plan, sitting="c1")
    first = -(-40 // classes)  # the extra seats go to the first class
    assert f"- Đảng bộ xã Dị Sử: triệu tập {first}/40 đảng viên ({share})\n" in sent.text
    assert f"- Chi bộ Công an xã Dị Sử: triệu tập {-(-12 // classes)}/12 đảng viên ({share})" in (
        sent.text
    )
    assert f"<li>Đảng bộ xã Dị Sử: triệu tập {first}/40 đảng viên ({share})</li>" in sent.html


def test_a_unit_with_excluded_members_shares_out_those_it_seats(
    make_plan: Callable[..., Plan], units: list[Unit]
) -> None:
    units[3] = units[3].model_copy(update={"excluded": 2})  # Hòa Đam: 20 members, 2 excluded
    pairs = [(f"2023-09-1{n}T08:00", f"2023-09-1{n}T10:00") for n in range(3)]
    plan = make_plan(units, tracks=[{**TRACK, "attendance": "split", "sittings": sittings(*pairs)}])
    sent = invited(plan, point="DS-HD", sitting="c2")
    assert "- Chi bộ thôn Hòa Đam: triệu tập 6/18 đảng viên (1/3)\n" in sent.text


def test_when_everyone_attends_no_share_is_stated(make_plan: Callable[..., Plan]) -> None:
    sent = invited(make_plan())
    assert "- Đảng bộ xã Dị Sử: 40 đảng viên\n" in sent.text
    assert "triệu tập" not in sent.everything


def test_the_notice_number_chair_and_composition_are_in_the_invitation(
    make_plan: Callable[..., Plan], units: list[Unit]
) -> None:
    units[1] = units[1].model_copy(update={"chair": "Đồng chí Nguyễn Văn An, Bí thư Đảng ủy xã"})
    plan = make_plan(
        units,
        notice={"kind": "thông báo", "number": "125-TB/ThU", "date": "2023-09-05"},
        composition={
            "commune": "Toàn thể đảng viên các chi bộ: Quân sự, Công an, Trạm Y tế.",
            "village": "Toàn thể đảng viên chi bộ thôn",
        },
    )
    sent = invited(plan)
    assert sent.text.startswith("Kính gửi: Đảng bộ xã Dị Sử, Chi bộ Công an xã Dị Sử")
    assert (
        "\nThực hiện Thông báo số 125-TB/ThU ngày 5/9/2023, Văn phòng Thị ủy trân trọng kính "
        "mời các đồng chí dự sinh hoạt:\n" in sent.text
    )
    assert "\nChủ trì: đồng chí Nguyễn Văn An, Bí thư Đảng ủy xã.\n" in sent.description
    assert "Thành phần: Toàn thể đảng viên các chi bộ: Quân sự, Công an, Trạm Y tế.\n" in (
        sent.text
    )
    assert "Thực hiện Thông báo số 125-TB/ThU ngày 5/9/2023" in sent.html
    assert "đồng chí Nguyễn Văn An" in sent.html
    village = invited(plan, point="DS-HD")
    assert "\nThành phần: Toàn thể đảng viên chi bộ thôn.\n" in village.text
    assert "Chủ trì" not in village.text  # Hòa Đam names no chair
    assert "Quân sự" not in village.text


def test_help_contacts_are_named_with_their_position_and_phone(
    make_plan: Callable[..., Plan],
) -> None:
    plan = make_plan(
        help_contacts=[
            {
                "name": "Đặng Tuấn Chiến",
                "position": "Phó Chánh Văn phòng Thị ủy",
                "phone": "0913 311 969",
            },
            {"name": "Đ/c Duy", "position": "Viettel Hưng Yên", "phone": "0986.686.211"},
        ]
    )
    sent = invited(plan)
    assert (
        "\n- Đ/c Đặng Tuấn Chiến, Phó Chánh Văn phòng Thị ủy, ĐT: 0913 311 969\n"
        "- Đ/c Duy, Viettel Hưng Yên, ĐT: 0986.686.211" in sent.text
    )
    assert "<li>Đ/c Đặng Tuấn Chiến, Phó Chánh Văn phòng Thị ủy, ĐT: 0913 311 969</li>" in (
        sent.html
    )
    assert "— 09" not in sent.everything


def cancelled(plan: Plan, **change: Any) -> Sent:
    spec = dataclasses.replace(spec_at(plan), **change)
    return read(build_cancellation(spec, sequence=1, dtstamp=STAMP))


def test_a_cancellation_says_the_meeting_will_not_be_held_and_drops_what_no_longer_applies(
    make_plan: Callable[..., Plan],
) -> None:
    sent = cancelled(make_plan())
    assert sent.subject.startswith("Thông báo không tổ chức: ")
    assert (
        "Văn phòng Thị ủy trân trọng thông báo: Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023 "
        "tại điểm cầu Đảng bộ xã Dị Sử sẽ không tổ chức. Giấy mời đã gửi không còn hiệu lực."
        in sent.text
    )
    assert "sẽ không tổ chức" in sent.html
    for gone in ("có mặt trước", "Chạy thử", LINK, "Tham gia trực tuyến", "tự động", "hủy"):
        assert gone not in sent.everything, gone
    (event,) = sent.calendar.events
    assert "CONFERENCE" not in event
    assert not event.walk("VALARM")


def test_a_postponed_sitting_reads_differently_from_a_cancelled_one(
    make_plan: Callable[..., Plan],
) -> None:
    plan = make_plan()
    postponed, cancel = cancelled(plan, postponed=True), cancelled(plan)
    assert postponed.subject.startswith("Thông báo hoãn: ")
    assert "tại điểm cầu Đảng bộ xã Dị Sử hoãn, thời gian tổ chức sẽ có thông báo sau." in (
        postponed.text
    )
    assert "thời gian tổ chức sẽ có thông báo sau" in postponed.html
    assert "sẽ không tổ chức" not in postponed.everything
    assert "hoãn" not in cancel.everything
    for gone in ("có mặt trước", "Chạy thử", LINK):
        assert gone not in postponed.everything
    (event,) = postponed.calendar.events
    assert event["STATUS"] == "CANCELLED"  # the calendar entry goes until the new time


def test_a_unit_moved_elsewhere_is_told_in_an_offices_words(
    make_plan: Callable[..., Plan],
) -> None:
    spec = spec_at(make_plan())
    moved = spec.recipients_of(["DS-CA"])
    sent = read(build_cancellation(spec, sequence=1, dtstamp=STAMP, recipients=moved))
    assert sent.subject.startswith("Thông báo thay đổi điểm cầu: ")
    assert sent.text.startswith("Kính gửi: Chi bộ Công an xã Dị Sử\n")
    assert "không còn dự sinh hoạt tại điểm cầu Đảng bộ xã Dị Sử" in sent.text
    for gone in ("có mặt trước", "Chạy thử", LINK, "tự động"):
        assert gone not in sent.everything


def test_an_update_replaces_the_invitation_sent_before(make_plan: Callable[..., Plan]) -> None:
    spec = spec_at(make_plan())
    sent = read(build_invitation(spec, sequence=2, dtstamp=STAMP))
    assert sent.subject.startswith("Giấy mời (điều chỉnh): ")
    assert "giấy mời này thay thế giấy mời đã gửi trước đó" in sent.text
    assert "có mặt trước 15 phút" in sent.text  # an update still says everything


def recurring(make_plan: Callable[..., Plan], rule: str) -> Plan:
    sitting = {"id": "c1", "start": "2024-01-07T08:00", "duration_minutes": 120}
    return make_plan(tracks=[{**TRACK, "sittings": [{**sitting, "recurrence": rule}]}])


def test_a_recurring_sitting_lists_the_dates_its_calendar_holds(
    make_plan: Callable[..., Plan],
) -> None:
    sent = invited(recurring(make_plan, "FREQ=MONTHLY;BYDAY=1SU;COUNT=4"), sitting="c1")
    dates = "Chủ nhật 7/1/2024, Chủ nhật 4/2/2024, Chủ nhật 3/3/2024, Chủ nhật 7/4/2024"
    assert (
        f"\nThời gian: Từ 08 giờ 00 đến 10 giờ 00, các buổi sinh hoạt vào: {dates}.\n" in sent.text
    )
    assert dates in sent.html
    occurrences = recurring_ical_events.of(sent.calendar).between(
        dt.date(2024, 1, 1), dt.date(2025, 1, 1)
    )
    listed = [f"{e.start.day}/{e.start.month}/{e.start.year}" for e in occurrences]
    assert re.findall(r"Chủ nhật (\d+/\d+/\d+)", dates) == listed


def test_a_rule_without_end_lists_one_year_of_dates_then_says_more_follow(
    make_plan: Callable[..., Plan],
) -> None:
    sent = invited(recurring(make_plan, "FREQ=MONTHLY;BYDAY=1SU"), sitting="c1")
    (line,) = [line for line in sent.text.split("\n") if line.startswith("Thời gian:")]
    dates = re.findall(r"Chủ nhật (\d+/\d+/\d+)", line)
    assert len(dates) == 13  # the first Sundays before 7/1/2025, a year after the first
    assert (dates[0], dates[-1]) == ("7/1/2024", "5/1/2025")
    assert line.endswith("Chủ nhật 5/1/2025 và các buổi tiếp theo.")


def test_a_weekly_rule_is_cut_at_a_year_too(make_plan: Callable[..., Plan]) -> None:
    sent = invited(recurring(make_plan, "FREQ=WEEKLY"), sitting="c1")
    (line,) = [line for line in sent.text.split("\n") if line.startswith("Thời gian:")]
    dates = re.findall(r"Chủ nhật (\d+/\d+/\d+)", line)
    assert len(dates) == 53  # 7/1/2024 … 5/1/2025, every Sunday of a year
    assert (dates[0], dates[-1]) == ("7/1/2024", "5/1/2025")
    assert line.endswith("Chủ nhật 5/1/2025 và các buổi tiếp theo.")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_nothing_meetlink_sends_says_mat(make_plan: Callable[..., Plan], language: str) -> None:
    plan = make_plan(language=language, description="Đề nghị chuẩn bị hội trường.")
    spec = spec_at(plan)
    messages = [
        build_invitation(spec, sequence=0, dtstamp=STAMP),
        build_invitation(dataclasses.replace(spec, join_link=None), sequence=1, dtstamp=STAMP),
        build_cancellation(spec, sequence=2, dtstamp=STAMP),
        build_cancellation(dataclasses.replace(spec, postponed=True), sequence=2, dtstamp=STAMP),
        build_cancellation(spec, sequence=2, dtstamp=STAMP, recipients=spec.recipients[:1]),
    ]
    for invitation in messages:
        sent = read(invitation)
        words = sent.everything.casefold() + invitation.calendar.decode().casefold()
        assert "mật" not in words
        assert "tự động" not in words  # no software talk either
        assert "automatically" not in words


def test_the_english_words_follow_the_same_rules(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(
        language="en",
        kind="conference",
        tracks=[
            {
                **TRACK,
                "attendance": "split",
                "sittings": sittings(
                    ("2023-09-10T08:00", "2023-09-10T10:00"),
                    ("2023-09-10T14:00", "2023-09-10T16:00"),
                ),
            }
        ],
    )
    sent = invited(plan, sitting="c2")
    assert "Văn phòng Thị ủy invites you to attend the conference:" in sent.text
    assert "When: From 14:00 to 16:00, Sunday 10 September 2023." in sent.text
    assert "Please arrive 15 minutes early." in sent.text
    assert "- Đảng bộ xã Dị Sử: 20 of 40 delegates called (1/2)" in sent.text
    assert "- Đ/c" not in sent.text
    assert "- Nguyễn Văn Kỹ, tel. 0912 345 678" in sent.text
