"""The hand-out e-mail: to the officer alone, Vietnamese intact, split on request; no "Mật"
mark but seed 000's rule in words, the sitting's time as the invitations write it, the line
test, whom to call, and a rotation that says the old password is void."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from zoneinfo import ZoneInfo

import pytest

from meetlink.credentials.handout import (
    HandOutCard,
    SittingTime,
    handout_message,
    sitting_time,
    slip_text,
)
from meetlink.credentials.vault import Credential
from meetlink.errors import CredentialError
from meetlink.loading.notice import MeetingKind
from meetlink.loading.roster import Contact
from meetlink.mail.mime import WireMessage
from meetlink.mail.wire import envelope, message_bytes

MARKER = "MARKER-7f3a-PASS"
LONG_NAME = "Đảng bộ Trường Trung học phổ thông Nguyễn Thiện Thuật thị xã Mỹ Hào tỉnh Hưng Yên"
TITLE = "Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SITTING = SittingTime(
    start=dt.datetime(2023, 9, 10, 8, 0, tzinfo=ZONE),
    end=dt.datetime(2023, 9, 10, 10, 0, tzinfo=ZONE),
)
# "Mật" as a classification mark: the word alone, or in capitals; "Mật khẩu" (password) and
# "bảo mật" (security, seed 000's own words) are other words.
CLASSIFIED = re.compile(r"\bMật\b(?!\s+khẩu)|MẬT|Confidential|CONFIDENTIAL")


def card(**overrides: object) -> HandOutCard:
    values: dict[str, object] = {
        "meeting_id": "q3",
        "meeting_title": TITLE,
        "point_id": "CB-NTT",
        "point_name": LONG_NAME,
        "hall": "Hội trường nhà trường",
        "unit_name": LONG_NAME,
        "officer": Contact(name="Nguyễn Thị Thanh Hương Giang", email="ktv@truong.example.org"),
        "organizer_email": "vanphong@thiuy.example.org",
        "organizer_name": "Văn phòng Thị ủy",
        "conference": "main/q3",
        "kind": MeetingKind.PARTY_MEETING,
        "sittings": (SITTING,),
        "rehearsal": dt.datetime(2023, 9, 9, 15, 0, tzinfo=ZONE),
        "help_contacts": (
            Contact(name="Đặng Tuấn Chiến", phone="0913 311 969"),
            Contact(name="Duy (Viettel)", phone="0986 686 211"),
        ),
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


def parsed(message: WireMessage) -> email.message.EmailMessage:
    wire = message_bytes(message)
    return email.message_from_bytes(wire, policy=email.policy.default)  # type: ignore[return-value]


def body_of(message: WireMessage) -> str:
    part = parsed(message).get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_long_vietnamese_headers_survive_the_wire() -> None:
    back = parsed(handout_message(card(), CREDENTIAL, version=1, sent_at=SENT))
    assert back["To"].addresses[0].display_name.replace(" ", "") == "NguyễnThịThanhHươngGiang"
    assert "".join(str(back["Subject"]).split()) == "".join(
        f"Thông tin đăng nhập điểm cầu {LONG_NAME} — {TITLE} (gửi cán bộ kỹ thuật)".split()
    )
    assert str(back["Subject"]).count(" ") >= 20  # no words glued together by folding


def test_the_hand_outs_encoded_words_keep_to_rfc_2047() -> None:
    """Encoded words of at most 75 characters (Python's Header wrote 76), lines of at most
    78, so a strict reader takes the subject and the officer's name as they are."""
    raw = message_bytes(handout_message(card(), CREDENTIAL, version=1, sent_at=SENT))
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    words = re.findall(r"=\?utf-8\?[bq]\?[^?]*\?=", head, flags=re.IGNORECASE)
    assert words, "the Vietnamese subject and name are encoded words"
    assert max(len(w) for w in words) <= 75
    assert max(len(line) for line in head.split("\r\n")) <= 78


@pytest.mark.parametrize("rotated", [False, True])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_classification_mark_anywhere_in_the_hand_out(language: str, rotated: bool) -> None:
    message = handout_message(
        card(language=language, rotated=rotated), CREDENTIAL, version=1, sent_at=SENT
    )
    wire = message_bytes(message).decode("utf-8", "replace")
    back = parsed(message)
    shown = [str(back["Subject"]), body_of(message), *(str(v) for _, v in back.items())]
    assert [t for t in shown if CLASSIFIED.search(t)] == []
    assert back["Sensitivity"] is None
    assert "[Mật]" not in wire
    assert slip_text(card(language=language), CREDENTIAL).count("MẬT") == 0


def test_the_hand_out_goes_to_the_officer_alone_with_the_secret_and_the_rule() -> None:
    back = parsed(handout_message(card(), CREDENTIAL, version=1, sent_at=SENT))
    assert [a.addr_spec for a in back["To"].addresses] == ["ktv@truong.example.org"]
    assert back["Cc"] is None
    assert back["Bcc"] is None
    body = body_of(handout_message(card(), CREDENTIAL, version=1, sent_at=SENT))
    assert MARKER in body
    assert MARKER not in str(back["Subject"])


def test_the_hand_out_says_in_words_that_the_login_is_the_officers_alone() -> None:
    body = " ".join(body_of(handout_message(card(), CREDENTIAL, version=1, sent_at=SENT)).split())
    assert (
        "Tên đăng nhập và mật khẩu này chỉ dành riêng cho đồng chí, cán bộ kỹ thuật của điểm cầu"
        in body
    )
    assert "tuyệt đối không cung cấp cho người khác" in body
    assert "để đảm bảo tính bảo mật và chất lượng buổi sinh hoạt" in body
    english = body_of(handout_message(card(language="en"), CREDENTIAL, version=1, sent_at=SENT))
    assert "for you alone" in english
    assert "never pass them on to anyone" in english


def test_the_hand_out_states_the_sitting_the_line_test_and_whom_to_call() -> None:
    body = body_of(handout_message(card(), CREDENTIAL, version=1, sent_at=SENT))
    lines = body.splitlines()
    assert "Thời gian: Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023" in lines
    assert "Chạy thử đường truyền: 15 giờ 00, Thứ Bảy, ngày 9/9/2023" in lines
    assert "  - Đ/c Đặng Tuấn Chiến, ĐT: 0913 311 969" in lines
    assert "  - Đ/c Duy (Viettel), ĐT: 0986 686 211" in lines
    assert "08:00" not in body
    assert "10/09/2023" not in body
    assert "—" not in body  # help contacts no longer "name — phone"


def test_a_named_sitting_and_a_recurring_one_say_which_and_when() -> None:
    monthly = SittingTime(
        label="Buổi sáng",
        start=dt.datetime(2023, 9, 3, 8, 0, tzinfo=ZONE),
        end=dt.datetime(2023, 9, 3, 10, 0, tzinfo=ZONE),
        recurrence="FREQ=MONTHLY;BYDAY=1SU;COUNT=3",
    )
    body = body_of(handout_message(card(sittings=(monthly,)), CREDENTIAL, version=1))
    assert "Thời gian: Từ 08 giờ 00 đến 10 giờ 00 (Buổi sáng)" in body
    assert "Các ngày: Chủ nhật 3/9/2023, Chủ nhật 1/10/2023, Chủ nhật 5/11/2023" in body


@pytest.mark.parametrize(
    ("kind", "attend", "event"),
    [
        (MeetingKind.PARTY_MEETING, "để dự sinh hoạt", "chất lượng buổi sinh hoạt"),
        (MeetingKind.CONFERENCE, "để dự Hội nghị", "chất lượng Hội nghị"),
        (MeetingKind.MEETING, "để dự họp", "chất lượng cuộc họp"),
    ],
)
def test_the_words_follow_the_kind_of_meeting(kind: MeetingKind, attend: str, event: str) -> None:
    body = " ".join(body_of(handout_message(card(kind=kind), CREDENTIAL, version=1)).split())
    assert f'{attend} "{TITLE}"' in body
    assert event in body


def test_a_rotated_credential_says_the_old_password_no_longer_works() -> None:
    rotated = handout_message(card(rotated=True), CREDENTIAL, version=2, sent_at=SENT)
    first = handout_message(card(), CREDENTIAL, version=1, sent_at=SENT)
    assert "Mật khẩu cũ không còn sử dụng được" in body_of(rotated)
    assert "mật khẩu mới" in str(parsed(rotated)["Subject"])
    assert "không còn sử dụng được" not in body_of(first)
    english = handout_message(card(rotated=True, language="en"), CREDENTIAL, version=2)
    assert "The old password no longer works" in body_of(english)


def test_a_corrected_hand_out_says_it_replaces_the_first_and_the_password_stays() -> None:
    again = handout_message(card(replaces=True), CREDENTIAL, version=1, sent_at=SENT)
    body = " ".join(body_of(again).split())
    assert "Thư này thay cho thư đã gửi trước đây" in body
    assert "tên đăng nhập và mật khẩu không thay đổi" in body
    assert "cập nhật" in str(parsed(again)["Subject"])
    assert "không còn sử dụng được" not in body


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
    body = body_of(handout_message(card(), CREDENTIAL, version=1, sent_at=SENT, part=part))  # type: ignore[arg-type]
    assert ("vt-cb-ntt" in body) is has_login
    assert (MARKER in body) is has_password


def test_an_officer_without_an_address_is_a_clear_error() -> None:
    with pytest.raises(CredentialError, match="slip") as caught:
        handout_message(card(officer=Contact(name="Lê Văn Ba")), CREDENTIAL, version=1)
    assert MARKER not in str(caught.value)


def test_the_card_as_text_has_the_secret_the_time_the_rule_and_help() -> None:
    text = slip_text(card(), CREDENTIAL)
    assert MARKER in text
    assert "Đ/c Duy (Viettel), ĐT: 0986 686 211" in text
    assert "Thời gian: Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023" in text
    assert "THÔNG TIN ĐĂNG NHẬP ĐIỂM CẦU" in text
    assert len(text.splitlines()) < 60


@pytest.mark.parametrize(
    ("start", "end", "language", "shown"),
    [
        (
            dt.datetime(2023, 12, 4, 8),
            dt.datetime(2023, 12, 5, 11, 30),
            "vi",
            "Từ 08 giờ 00, Thứ Hai, ngày 4/12/2023 đến 11 giờ 30, Thứ Ba, ngày 5/12/2023",
        ),
        (
            dt.datetime(2023, 12, 4, 14),
            dt.datetime(2023, 12, 4, 17),
            "en",
            "From 14:00 to 17:00, Monday 4 December 2023",
        ),
    ],
)
def test_sitting_times_read_as_an_office_writes_them(
    start: dt.datetime, end: dt.datetime, language: str, shown: str
) -> None:
    assert sitting_time(start, end, language) == shown  # type: ignore[arg-type]


def test_the_hand_out_is_written_once_to_its_wire_bytes() -> None:
    """Direct MIME, as the invitations: nothing parses or serializes it on the way out, and
    the ``email`` parser reads back one quoted-printable text/plain part with every header."""
    message = handout_message(card(), CREDENTIAL, version=1, sent_at=SENT)
    assert isinstance(message, WireMessage)
    assert message_bytes(message) is message.data
    assert envelope(message) == ("vanphong@thiuy.example.org", ["ktv@truong.example.org"])
    assert message["Message-ID"].startswith("<handout-")
    assert "parsed" not in message.__dict__  # sending it parsed nothing
    assert MARKER not in repr(message)
    back = email.message_from_bytes(message.data, policy=email.policy.strict)
    assert back.defects == []
    assert [p.get_content_type() for p in back.walk()] == ["text/plain"]
    assert back["Content-Transfer-Encoding"] == "quoted-printable"
    assert back.get_content_charset() == "utf-8"
    assert back["MIME-Version"] == "1.0"
    assert back["Message-ID"] == message.message_id
    assert back["Date"].datetime == SENT
    assert back["From"].addresses[0].addr_spec == "vanphong@thiuy.example.org"
    assert back["To"].addresses[0].display_name == "Nguyễn Thị Thanh Hương Giang"
    body = back.get_content()
    assert body.startswith("Kính gửi đồng chí Nguyễn Thị Thanh Hương Giang")
    assert MARKER in body
    assert "Tên đăng nhập: vt-cb-ntt" in body
    lines = message.data.split(b"\r\n")
    assert max(map(len, lines)) <= 78
    assert message.data.count(b"\n") == message.data.count(b"\r\n")  # CRLF throughout
