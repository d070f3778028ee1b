"""The hand-out e-mail and slip: to the officer alone, Vietnamese intact, split on request."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from meetlink.credentials.handout import HandOutCard, handout_message, slip_text
from meetlink.credentials.vault import Credential
from meetlink.errors import CredentialError
from meetlink.loading.roster import Contact
from meetlink.mail.wire import message_bytes

MARKER = "MARKER-7f3a-PASS"
LONG_NAME = "Đảng bộ Trường Trung học phổ thông Nguyễn Thiện Thuật thị xã Mỹ Hào tỉnh Hưng Yên"


def card(**overrides: object) -> HandOutCard:
    values: dict[str, object] = {
        "meeting_id": "q3",
        "meeting_title": "Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023",
        "point_id": "CB-NTT",
        "point_name": LONG_NAME,
        "hall": "Hội trường nhà trường",
        "unit_name": LONG_NAME,
        "officer": Contact(name="Nguyễn Thị Thanh Hương Giang", email="ktv@truong.example.org"),
        "organizer_email": "vanphong@thiuy.example.org",
        "organizer_name": "Văn phòng Thị ủy",
        "conference": "main/q3",
    }
    values.update(overrides)
    return HandOutCard(**values)  # type: ignore[arg-type]


CREDENTIAL = Credential(
    login="vt-cb-ntt",
    password=MARKER,
    room="7001",
    join_url="https://mcu.provider.example/join/7001",
)
SENT = dt.datetime(2023, 9, 1, 8, tzinfo=dt.UTC)


def parsed(message: email.message.EmailMessage) -> email.message.EmailMessage:
    wire = message_bytes(message)
    return email.message_from_bytes(wire, policy=email.policy.default)  # type: ignore[return-value]


def test_long_vietnamese_headers_survive_the_wire() -> None:
    back = parsed(handout_message(card(), CREDENTIAL, version=1, sent_at=SENT))
    assert back["To"].addresses[0].display_name.replace(" ", "") == "NguyễnThịThanhHươngGiang"
    assert "".join(str(back["Subject"]).split()) == "".join(
        f"[Mật] Thông tin kết nối điểm cầu {LONG_NAME} — Giờ sinh hoạt toàn Đảng bộ thị xã "
        "Quý III/2023".split()
    )
    assert str(back["Subject"]).count(" ") >= 20  # no words glued together by folding


def test_the_hand_out_goes_to_the_officer_alone_with_the_secret_and_the_rule() -> None:
    back = parsed(handout_message(card(), CREDENTIAL, version=1, sent_at=SENT))
    assert [a.addr_spec for a in back["To"].addresses] == ["ktv@truong.example.org"]
    assert back["Cc"] is None
    assert back["Bcc"] is None
    body = back.get_body(preferencelist=("plain",)).get_content()
    assert MARKER in body
    assert "tuyệt đối không cung cấp cho người khác" in body
    assert MARKER not in str(back["Subject"])


def test_a_resend_is_the_same_message() -> None:
    first = message_bytes(handout_message(card(), CREDENTIAL, version=2, sent_at=SENT))
    again = message_bytes(handout_message(card(), CREDENTIAL, version=2, sent_at=SENT))
    newer = handout_message(card(), CREDENTIAL, version=3, sent_at=SENT)
    assert first == again
    assert newer["Message-ID"] not in first.decode("ascii", "replace")


@pytest.mark.parametrize(
    ("part", "has_login", "has_password"), [("login", True, False), ("password", False, True)]
)
def test_split_delivery_sends_each_part_alone(
    part: str, has_login: bool, has_password: bool
) -> None:
    back = parsed(handout_message(card(), CREDENTIAL, version=1, sent_at=SENT, part=part))  # type: ignore[arg-type]
    body = back.get_body(preferencelist=("plain",)).get_content()
    assert ("vt-cb-ntt" in body) is has_login
    assert (MARKER in body) is has_password


def test_an_officer_without_an_address_is_a_clear_error() -> None:
    with pytest.raises(CredentialError, match="slip") as caught:
        handout_message(card(officer=Contact(name="Lê Văn Ba")), CREDENTIAL, version=1)
    assert MARKER not in str(caught.value)


def test_the_slip_is_one_page_with_the_secret_the_rule_and_help() -> None:
    text = slip_text(card(help_contacts=("Kỹ thuật viên 0900 000 102",)), CREDENTIAL)
    assert MARKER in text
    assert "0900 000 102" in text
    assert "PHIẾU THÔNG TIN KẾT NỐI ĐIỂM CẦU" in text
    assert len(text.splitlines()) < 60
