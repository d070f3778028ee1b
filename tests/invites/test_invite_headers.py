"""Mail headers in Vietnamese as RFC 2047 wants them: encoded words of at most 75
characters, cut at spaces, lines of at most 78, every space kept."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import re
from collections.abc import Callable
from email.header import decode_header, make_header

import pytest

from meetlink.invites import build_invitation, build_message, invitations_for, message_bytes
from meetlink.loading.roster import Unit
from meetlink.mail.headers import address_header, subject_header
from meetlink.planning import Plan

ENCODED_WORD = re.compile(rb"=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=")
LONG_NAME = "Chi bộ Trường Trung học phổ thông Nguyễn Thiện Thuật thị xã Mỹ Hào tỉnh Hưng Yên"


def headers_of(raw: bytes) -> dict[bytes, bytes]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    found: dict[bytes, bytes] = {}
    for field in re.split(rb"\r\n(?=[^ \t])", head):
        name, _, value = field.partition(b":")
        found[name] = value
    return found


@pytest.fixture
def raw(make_plan: Callable[..., Plan], units: list[Unit], stamp: dt.datetime) -> bytes:
    units[1] = units[1].model_copy(update={"name": LONG_NAME})
    title = "Hội nghị quán triệt, triển khai thực hiện Nghị quyết Đại hội đại biểu Đảng bộ tỉnh"
    spec = {s.point: s for s in invitations_for(make_plan(units, title=title), {})}["DS"]
    return message_bytes(build_message(build_invitation(spec, sequence=0, dtstamp=stamp)))


@pytest.mark.parametrize("header", [b"Subject", b"To"])
def test_encoded_words_are_at_most_75_characters_and_cut_at_spaces(
    raw: bytes, header: bytes
) -> None:
    value = headers_of(raw)[header]
    assert len(ENCODED_WORD.findall(value)) > 2
    for match in ENCODED_WORD.finditer(value):
        assert len(match.group(0)) <= 75, match.group(0)
    for phrase in value.split(b">,"):  # the subject, or each display name of the To header
        texts = [base64.b64decode(w).decode("utf-8") for w in ENCODED_WORD.findall(phrase)]
        assert all(text.endswith(" ") for text in texts[:-1]), texts  # whole words each


def test_every_header_line_is_at_most_78_characters(raw: bytes) -> None:
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78


def test_the_subject_and_names_read_back_with_every_space(raw: bytes) -> None:
    modern = email.message_from_bytes(raw, policy=email.policy.default)
    assert modern["Subject"] == (
        "Giấy mời: Hội nghị quán triệt, triển khai thực hiện Nghị quyết Đại hội đại biểu "
        f"Đảng bộ tỉnh — {LONG_NAME}"
    )
    legacy = email.message_from_bytes(raw, policy=email.policy.compat32)
    to = str(make_header(decode_header(legacy["To"])))  # as RFC 2047 §6.2 decodes
    assert to.startswith(f"{LONG_NAME} <vanphong@disu.example>, ")


@pytest.mark.parametrize(
    "text",
    [
        "Ngắn",
        "Đảng" * 30,  # one word longer than an encoded word: cut between characters
        "Plain ASCII subject that is long enough to be folded once or even twice over the line",
        "x" * 120,
        "a =?utf-8?q?not-a-word?= b",
    ],
)
def test_any_subject_round_trips_within_the_limits(text: str) -> None:
    value = subject_header(text)
    raw = f"Subject: {value}\r\n\r\n".encode()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert all(len(m.group(0)) <= 75 for m in ENCODED_WORD.finditer(raw))
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == text


def test_an_ascii_display_name_is_quoted_not_encoded() -> None:
    value = address_header("From", [("Van phong, Thi uy", "vp@thiuy.example")])
    assert value == '"Van phong, Thi uy" <vp@thiuy.example>'
