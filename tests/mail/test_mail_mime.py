"""Messages written straight to bytes (mail.mime), read back by the ``email`` parser; and
what real parsers found in the old headers and bodies: quoted-printable lines of 77–78
(RFC 2045 allows 76) in hand-outs, a Message-ID line longer than 78, names cut in a word."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import email
import email.policy
import re
from email.header import decode_header, make_header
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from meetlink.credentials.handout import HandOutCard, SittingTime, handout_message
from meetlink.credentials.vault import Credential
from meetlink.invites import (
    Invitation,
    build_cancellation,
    build_invitation,
    build_message,
    envelope,
    message_bytes,
    message_id_for,
)
from meetlink.invites.specs import Recipient
from meetlink.invites.variables import sample_spec
from meetlink.loading.notice import MeetingKind
from meetlink.loading.roster import Contact
from meetlink.mail import WireMessage

STAMP = dt.datetime(2026, 1, 1, 2, tzinfo=dt.UTC)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
LONG = "Đảng bộ Trường Trung học phổ thông Nguyễn Thiện Thuật thị xã Mỹ Hào tỉnh Hưng Yên"
NAMES = ["Phùng Chí Kiên", "Nguyễn Thị Thanh Hương Giang", LONG, 'Tổ 1, khu phố 2; "Tân Lập"']


def invitations() -> list[Invitation]:
    spec = dataclasses.replace(
        sample_spec(),
        title="Hội nghị quán triệt, triển khai thực hiện Nghị quyết Đại hội đại biểu Đảng bộ tỉnh",
        point_name=LONG,
        recipients=tuple(
            Recipient(f"r{n}@x.example", name, ("DS",)) for n, name in enumerate(NAMES)
        ),
    )
    long_domain = dataclasses.replace(
        spec, organizer_email="vanphong@thiuy.hungyen.dcs.vn", organizer_name=""
    )
    return [
        build_invitation(spec, sequence=0, dtstamp=STAMP),
        build_invitation(
            dataclasses.replace(spec, sent_by="noreply@thiuy.example"), sequence=1, dtstamp=STAMP
        ),
        build_cancellation(spec, sequence=2, dtstamp=STAMP),
        build_cancellation(long_domain, sequence=12, dtstamp=STAMP, recipients=spec.recipients[:1]),
    ]


def lines_of(data: bytes) -> tuple[list[bytes], list[bytes]]:
    head, body = data.split(b"\r\n\r\n", 1)
    return head.split(b"\r\n"), body.split(b"\r\n")


@pytest.mark.parametrize("invitation", invitations(), ids=["new", "sent-by", "cancel", "uninvite"])
def test_the_bytes_read_back_whole_with_the_strict_email_parser(invitation: Invitation) -> None:
    message = build_message(invitation)
    data = message_bytes(message)
    assert data.count(b"\n") == data.count(b"\r\n")  # CRLF everywhere
    strict = email.message_from_bytes(data, policy=email.policy.strict)  # raises on a defect
    assert isinstance(strict, EmailMessage)
    for part in strict.walk():
        assert not part.defects, part.defects
    templates, spec = invitation.templates, invitation.spec
    text, html = templates.bodies(spec, invitation.kind, invitation.sequence, invitation.recipients)
    plain = strict.get_body(preferencelist=("plain",))
    rich = strict.get_body(preferencelist=("html",))
    assert plain is not None
    assert rich is not None
    assert plain.get_content().replace("\r\n", "\n") == text  # CRLF on the wire, LF in text
    assert rich.get_content().replace("\r\n", "\n") == html
    calendars = [p for p in strict.walk() if p.get_content_type() in ("text/calendar",
                 "application/ics")]  # fmt: skip
    assert [p.get_payload(decode=True) for p in calendars] == [invitation.calendar] * 2
    assert strict["Subject"] == templates.subject(
        spec, invitation.kind, invitation.sequence, invitation.recipients
    )
    assert strict["Message-ID"].strip() == message_id_for(invitation)  # folded: " <…>"
    assert strict["Date"].datetime == STAMP
    assert envelope(message) == envelope(strict)


@pytest.mark.parametrize("invitation", invitations(), ids=["new", "sent-by", "cancel", "uninvite"])
def test_no_line_is_longer_than_the_rfcs_allow(invitation: Invitation) -> None:
    head, body = lines_of(message_bytes(build_message(invitation)))
    assert max(map(len, head)) <= 78  # RFC 5322
    assert max(map(len, body)) <= 76  # RFC 2045: quoted-printable and base64
    for word in re.findall(rb"=\?[^?]+\?[bq]\?[^?]*\?=", b"\r\n".join(head), flags=re.I):
        assert len(word) <= 75  # RFC 2047


def test_a_long_message_id_goes_on_a_line_of_its_own_and_stays_within_78() -> None:
    """An un-invitation's id carries a hash of its recipients; with SEQUENCE 12 and a long
    organizer domain the old line was 83 characters."""
    uninvite = invitations()[3]
    head, _ = lines_of(message_bytes(build_message(uninvite)))
    at = head.index(b"Message-ID:")
    assert head[at + 1].startswith(b" <")
    assert len(head[at + 1]) <= 78
    message_id = message_id_for(uninvite)
    assert len(message_id) <= 77
    assert message_id.endswith(".dcs.vn>")  # the domain shortened to fit, the UID kept whole
    assert uninvite.spec.message_key in message_id
    parsed = email.message_from_bytes(message_bytes(build_message(uninvite)),
                                      policy=email.policy.default)  # fmt: skip
    assert parsed["Message-ID"].strip() == message_id


@pytest.mark.parametrize("name", NAMES)
def test_every_name_reads_back_with_its_words_whole(name: str) -> None:
    """Encoded words end at spaces: no reader sees "Phùng Chí K iên"."""
    spec = dataclasses.replace(sample_spec(), recipients=(Recipient("a@x.example", name, ("DS",)),))
    data = message_bytes(build_message(build_invitation(spec, sequence=0, dtstamp=STAMP)))
    modern = email.message_from_bytes(data, policy=email.policy.default)
    (address,) = modern["To"].addresses
    assert address.display_name.split() == name.split()
    legacy = email.message_from_bytes(data, policy=email.policy.compat32)
    assert str(make_header(decode_header(legacy["To"]))).startswith(name)


def test_a_hand_outs_quoted_printable_lines_are_at_most_76() -> None:
    """RFC 2045 §6.7; the email package wrote them up to the policy's 78."""
    card = HandOutCard(
        meeting_id="q3",
        meeting_title="Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023",
        point_id="CB-NTT",
        point_name=LONG,
        hall="Hội trường nhà trường",
        unit_name=LONG,
        officer=Contact(name="Phùng Chí Kiên", email="ktv@truong.example.org"),
        organizer_email="vanphong@thiuy.example.org",
        organizer_name="Văn phòng Thị ủy",
        conference="main/q3",
        kind=MeetingKind.PARTY_MEETING,
        sittings=(
            SittingTime(
                start=dt.datetime(2023, 9, 10, 8, tzinfo=ZONE),
                end=dt.datetime(2023, 9, 10, 10, tzinfo=ZONE),
            ),
        ),
        help_contacts=(Contact(name="Đặng Tuấn Chiến", phone="0913 311 969"),),
    )
    credential = Credential(login="vt-cb-ntt", password="MARKER-7f3a-PASS", room="7001",
                            join_url="https://mcu.provider.example/join/7001")  # fmt: skip
    data = message_bytes(handout_message(card, credential, version=1, sent_at=STAMP))
    head, body = lines_of(data)
    assert b"quoted-printable" in b"\r\n".join(head).lower()
    assert max(map(len, body)) <= 76
    assert max(map(len, head)) <= 78
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed["To"].addresses[0].display_name == "Phùng Chí Kiên"


def test_a_wire_message_is_its_bytes_and_reads_its_headers_lazily() -> None:
    invitation = invitations()[0]
    message = build_message(invitation)
    assert isinstance(message, WireMessage)
    assert message_bytes(message) is message.data
    assert message["Message-ID"] == message_id_for(invitation)
    assert "parsed" not in message.__dict__  # nothing parsed to send it
    assert envelope(message) == ("vanphong@thiuy.example", [f"r{n}@x.example" for n in range(4)])
    assert "parsed" not in message.__dict__
    assert message["Subject"].startswith("Giấy mời: Hội nghị quán triệt")
    assert [p.get_content_type() for p in message.walk()][:2] == [
        "multipart/mixed",
        "multipart/alternative",
    ]
    assert repr(message).count("BEGIN:VCALENDAR") == 0  # the bytes are not in its repr
    calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    raw = calendar_part.get_payload()
    assert isinstance(raw, str)
    assert base64.b64decode(raw) == invitation.calendar


def test_the_same_invitation_gives_the_same_bytes() -> None:
    first, again = invitations()[0], invitations()[0]
    assert build_message(first).data == build_message(again).data
