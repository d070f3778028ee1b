"""The iMIP message: MIME tree, headers, CRLF inside the calendar, determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
from collections.abc import Callable
from email.header import decode_header, make_header
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from meetlink.invites import (
    InvitationSpec,
    build_cancellation,
    build_invitation,
    build_message,
    envelope,
    invitations_for,
    message_bytes,
    message_id_for,
)
from meetlink.loading.roster import Unit
from meetlink.planning import Plan

LINK = "https://meet.example/myhao-2023q3-s1"


@pytest.fixture
def spec(make_plan: Callable[..., Plan]) -> InvitationSpec:
    return {s.point: s for s in invitations_for(make_plan(), {"main/s1": LINK})}["DS"]


def reparse(message: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message_bytes(message), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_the_mime_tree_is_mixed_of_alternative_and_the_ics_attachment(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    message = reparse(build_message(build_invitation(spec, sequence=0, dtstamp=stamp)))
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"


def test_the_calendar_part_says_its_method_and_charset_and_has_no_disposition(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    for invitation in (
        build_invitation(spec, sequence=0, dtstamp=stamp),
        build_cancellation(spec, sequence=1, dtstamp=stamp),
    ):
        raw = message_bytes(build_message(invitation))
        header = f"Content-Type: text/calendar; charset=UTF-8; method={invitation.method.value}"
        assert f"\r\n{header}\r\n".encode() in raw  # unquoted, as Google writes it
        message = reparse(build_message(invitation))
        (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        calendar = Calendar.from_ical(part.get_payload(decode=True))
        assert part.get_param("method") == calendar["METHOD"] == invitation.method.value
        assert part.get_content_disposition() is None


def test_both_calendar_parts_carry_the_exact_bytes_with_crlf_intact(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    invitation = build_invitation(spec, sequence=0, dtstamp=stamp)
    message = reparse(build_message(invitation))
    inline = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    attached = next(p for p in message.walk() if p.get_content_type() == "application/ics")
    assert inline.get_payload(decode=True) == attached.get_payload(decode=True)
    payload = inline.get_payload(decode=True)
    assert payload == invitation.calendar
    assert payload.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"\n" not in payload.replace(b"\r\n", b"")


def test_the_email_package_would_turn_crlf_into_lf_if_given_text() -> None:
    # The trap this module avoids: set_content(str) normalizes line ends, even in base64.
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    naive = EmailMessage()
    naive.set_content(ics, subtype="calendar", cte="base64")
    decoded = naive.get_payload(decode=True)
    assert b"\r\n" not in decoded
    assert decoded == b"BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n"


def test_from_is_the_organizer_and_to_is_every_attendee(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    message = reparse(build_message(build_invitation(spec, sequence=0, dtstamp=stamp)))
    assert message["From"].addresses[0].addr_spec == spec.organizer_email
    assert message["From"].addresses[0].display_name == "Văn phòng Thị ủy"
    assert [a.addr_spec for a in message["To"].addresses] == [r.email for r in spec.recipients]
    sender, recipients = envelope(message)
    assert sender == "vanphong@thiuy.example"
    assert recipients == [r.email for r in spec.recipients]


def test_a_different_sender_sends_from_itself_with_replies_to_the_organizer(
    make_plan: Callable[..., Plan], stamp: dt.datetime
) -> None:
    plan = make_plan(delivery={"sender": "noreply@thiuy.example"})
    invitation = build_invitation(invitations_for(plan, {})[0], sequence=0, dtstamp=stamp)
    message = reparse(build_message(invitation))
    assert envelope(message)[0] == "noreply@thiuy.example"
    assert message["Reply-To"].addresses[0].addr_spec == "vanphong@thiuy.example"
    unfolded = invitation.calendar.replace(b"\r\n ", b"")
    assert b'SENT-BY="mailto:noreply@thiuy.example"' in unfolded
    assert message["Message-ID"].endswith("@thiuy.example>")


def test_the_message_id_is_the_same_for_a_resend_and_new_for_a_new_sequence(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    first = build_invitation(spec, sequence=0, dtstamp=stamp)
    resend = build_invitation(spec, sequence=0, dtstamp=stamp)
    update = build_invitation(spec, sequence=1, dtstamp=stamp + dt.timedelta(days=1))
    assert message_id_for(first) == message_id_for(resend)
    assert message_id_for(first) == f"<{spec.uid}-0.request@thiuy.example>"
    assert message_id_for(update) == f"<{spec.uid}-1.request@thiuy.example>"
    assert build_message(first)["Message-ID"] == message_id_for(first)


def test_an_uninvitation_and_the_update_at_the_same_sequence_have_different_ids(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    uninvite = build_cancellation(
        spec, sequence=1, dtstamp=stamp, recipients=spec.recipients_of(["DS-CA"])
    )
    update = build_invitation(spec, sequence=1, dtstamp=stamp)
    cancel = build_cancellation(spec, sequence=1, dtstamp=stamp)
    ids = {message_id_for(uninvite), message_id_for(update), message_id_for(cancel)}
    assert len(ids) == 3


def test_the_same_invitation_always_serializes_to_the_same_bytes(
    spec: InvitationSpec, stamp: dt.datetime
) -> None:
    first = message_bytes(build_message(build_invitation(spec, sequence=4, dtstamp=stamp)))
    again = message_bytes(build_message(build_invitation(spec, sequence=4, dtstamp=stamp)))
    assert first == again
    assert b"\n" not in first.replace(b"\r\n", b"")  # CRLF throughout, as on the wire
    assert max(len(line) for line in first.split(b"\r\n")) <= 78
    first.decode("ascii")  # 7-bit clean: no relay needs 8BITMIME


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("new", "Giấy mời: "),
        ("update", "Giấy mời (điều chỉnh): "),
        ("cancel", "Thông báo không tổ chức: "),
        ("postpone", "Thông báo hoãn: "),
        ("uninvite", "Thông báo thay đổi điểm cầu: "),
    ],
)
def test_the_subject_says_what_kind_of_message_it_is(
    spec: InvitationSpec, stamp: dt.datetime, kind: str, subject: str
) -> None:
    invitation = {
        "new": lambda: build_invitation(spec, sequence=0, dtstamp=stamp),
        "update": lambda: build_invitation(spec, sequence=2, dtstamp=stamp),
        "cancel": lambda: build_cancellation(spec, sequence=3, dtstamp=stamp),
        "postpone": lambda: build_cancellation(
            dataclasses.replace(spec, postponed=True), sequence=3, dtstamp=stamp
        ),
        "uninvite": lambda: build_cancellation(
            spec, sequence=3, dtstamp=stamp, recipients=spec.recipients[:1]
        ),
    }[kind]()
    assert invitation.kind == kind
    message = reparse(build_message(invitation))
    assert message["Subject"] == (
        f"{subject}Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023 — Đảng bộ xã Dị Sử"
    )


def test_the_bodies_are_in_vietnamese_and_the_html_escapes_the_text(
    make_plan: Callable[..., Plan], stamp: dt.datetime
) -> None:
    plan = make_plan(title="Họp <khẩn> & quan trọng")
    spec = {s.point: s for s in invitations_for(plan, {"main/s1": LINK})}["DS"]
    message = reparse(build_message(build_invitation(spec, sequence=0, dtstamp=stamp)))
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None
    assert html is not None
    text = plain.get_content()
    assert text.startswith("Kính gửi: Đảng bộ xã Dị Sử, Chi bộ Công an xã Dị Sử")
    assert "Họp <khẩn> & quan trọng" in text
    markup = html.get_content()
    assert "Họp &lt;khẩn&gt; &amp; quan trọng" in markup
    assert "<khẩn>" not in markup
    assert f'<a href="{LINK}">{LINK}</a>' in markup
    assert "<li>Chi bộ Công an xã Dị Sử: 12 đảng viên</li>" in markup


@pytest.mark.parametrize("words", [3, 9, 14, 21, 30])
def test_long_vietnamese_subjects_and_names_keep_every_space(
    make_plan: Callable[..., Plan], units: list[Unit], stamp: dt.datetime, words: int
) -> None:
    # CPython's own header folding drops the space between two encoded words.
    vocabulary = "Hội nghị quán triệt Đảng bộ xã Dị Sử thôn Hòa Đam toàn Chi bộ "
    text = " ".join((vocabulary * 3).split()[:words])
    units[1] = units[1].model_copy(update={"name": text})
    spec = {s.point: s for s in invitations_for(make_plan(units, title=text), {})}["DS"]
    message = reparse(build_message(build_invitation(spec, sequence=0, dtstamp=stamp)))
    assert message["Subject"] == f"Giấy mời: {text} — {text}"
    # Decoded as RFC 2047 §6.2 says (and mail clients do): the space between two encoded
    # words is dropped. CPython's modern address parser keeps it, so it is not used here.
    legacy = email.message_from_bytes(message_bytes(message), policy=email.policy.compat32)
    to = str(make_header(decode_header(legacy["To"])))
    assert to.startswith(f"{text} <vanphong@disu.example>, ")


def test_a_message_without_addresses_has_no_envelope() -> None:
    with pytest.raises(ValueError, match="needs a From address"):
        envelope(EmailMessage())
