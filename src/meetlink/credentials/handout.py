"""The hand-out: a bridge point's credentials go to its host unit's technical officer only.

Seed 000: "the units name a technical officer who receives and keeps the login and password
and must never pass them on". So a credential never goes to the invitation recipients:

* :func:`handout_message` — one e-mail addressed to the officer alone (sent through the same
  SMTP or outbox sender as the invitations), Vietnamese by default;
* :func:`slip_text` — a printable one-page slip per unit (made on demand, never by ``open``);
* split delivery — :func:`handout_message` with ``part="login"`` by e-mail and the password
  by another channel (a slip, or a :class:`SecretHook` such as an SMS or chat gateway).

Every delivery is written to the audit log by the caller (channel, who, when — never the
secret). The message's ``Message-ID`` is derived from the point, the conference and the
credential's version, so a resent hand-out is recognizable.

Example:
    >>> from meetlink.credentials.vault import Credential
    >>> from meetlink.loading.roster import Contact
    >>> card = HandOutCard(meeting_id="q3", meeting_title="Giờ sinh hoạt", point_id="X1",
    ...     point_name="Xã Hòa Phong", hall="Hội trường xã", unit_name="Đảng bộ xã Hòa Phong",
    ...     officer=Contact(name="Nguyễn Văn An", email="ktv@xa.example.org"),
    ...     organizer_email="vp@thiuy.example.org", conference="main/s1")
    >>> message = handout_message(card, Credential(login="hp-01", password="Mk-7Qz"), version=1)
    >>> message["To"], "Mk-7Qz" in message.get_content()
    ('Nguyễn Văn An <ktv@xa.example.org>', True)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

from meetlink.credentials.vault import Credential
from meetlink.errors import CredentialError
from meetlink.loading.roster import Contact
from meetlink.mail.wire import POLICY, encode_addresses, encode_subject

__all__ = ["HandOutCard", "SecretHook", "handout_message", "message_id_for", "slip_text"]

Part = Literal["all", "login", "password"]
# A pluggable second channel for split delivery: (officer, card, text) → receipt id.
SecretHook = Callable[[Contact, "HandOutCard", str], str]


@dataclass(frozen=True, kw_only=True)
class HandOutCard:
    """What the officer is told besides the secret: whose access it is, for what, whom to call."""

    meeting_id: str
    meeting_title: str
    point_id: str
    point_name: str
    hall: str
    unit_name: str
    officer: Contact
    organizer_email: str
    conference: str
    organizer_name: str = ""
    when: str = ""
    help_contacts: tuple[str, ...] = ()
    language: Literal["vi", "en"] = "vi"


# Labels for the officer. Keys avoid the words "password" and "token", which security
# linters read as hard-coded secrets.
_TEXT = {
    "vi": {
        "subject": "[Mật] Thông tin kết nối điểm cầu {point} — {title}",
        "greeting": "Kính gửi đồng chí {officer}, cán bộ kỹ thuật của {unit}.",
        "intro": "{organizer} gửi đồng chí thông tin kết nối của điểm cầu {point} ({hall}) "
        'cho "{title}"{when}:',
        "link": "Đường dẫn",
        "login": "Tên đăng nhập",
        "pw": "Mật khẩu",
        "pin": "Mã PIN",
        "room": "Phòng",
        "server": "Máy chủ",
        "tk": "Mã truy cập",
        "split_a": "Mật khẩu được gửi riêng qua kênh khác.",
        "split_b": "Tên đăng nhập được gửi riêng qua thư điện tử.",
        "rule": "Lưu ý: đồng chí nhận, quản lý mật khẩu, quyền đăng nhập này và tuyệt đối "
        "không cung cấp cho người khác, để đảm bảo tính bảo mật và chất lượng hội nghị.",
        "help": "Hỗ trợ kỹ thuật:",
        "slip": "PHIẾU THÔNG TIN KẾT NỐI ĐIỂM CẦU (MẬT)",
        "unit": "Đơn vị",
        "point": "Điểm cầu",
        "hall": "Địa điểm",
        "meeting": "Hội nghị",
    },
    "en": {
        "subject": "[Confidential] Connection details for {point} — {title}",
        "greeting": "Dear {officer}, technical officer of {unit}.",
        "intro": "{organizer} sends you the connection details of the bridge point {point} "
        '({hall}) for "{title}"{when}:',
        "link": "Link",
        "login": "Login",
        "pw": "Password",
        "pin": "PIN",
        "room": "Room",
        "server": "Server",
        "tk": "Access token",
        "split_a": "The password comes separately, by another channel.",
        "split_b": "The login comes separately, by e-mail.",
        "rule": "Keep this login and password yourself and never pass them on to anyone, for "
        "the security and the quality of the meeting.",
        "help": "Technical help:",
        "slip": "BRIDGE POINT CONNECTION SLIP (CONFIDENTIAL)",
        "unit": "Unit",
        "point": "Bridge point",
        "hall": "Hall",
        "meeting": "Meeting",
    },
}


def _lines(card: HandOutCard, credential: Credential, part: Part) -> list[str]:
    words = _TEXT[card.language]
    rows: list[tuple[str, str | None]] = []
    if part in ("all", "login"):
        rows += [
            ("link", credential.join_url),
            ("login", credential.login),
            ("room", credential.room),
            ("server", credential.server),
        ]
    if part in ("all", "password"):
        rows += [
            (name, secret.reveal() if secret is not None else None)
            for name, secret in (
                ("pw", credential.password),
                ("pin", credential.pin),
                ("tk", credential.token),
            )
        ]
    out = [f"  {words[name]}: {value}" for name, value in rows if value]
    if part == "login":
        out.append(words["split_a"])
    elif part == "password":
        out.append(words["split_b"])
    return out


def _body(card: HandOutCard, credential: Credential, part: Part) -> str:
    words = _TEXT[card.language]
    when = f" ({card.when})" if card.when else ""
    text = [
        words["greeting"].format(
            officer=card.officer.name or card.officer.email, unit=card.unit_name
        ),
        "",
        words["intro"].format(
            organizer=card.organizer_name or card.organizer_email,
            point=card.point_name,
            hall=card.hall or card.point_name,
            title=card.meeting_title,
            when=when,
        ),
        *_lines(card, credential, part),
        "",
        words["rule"],
    ]
    if card.help_contacts:
        text += ["", words["help"], *(f"  - {h}" for h in card.help_contacts)]
    return "\n".join(text) + "\n"


def message_id_for(card: HandOutCard, version: int, part: Part, edition: str = "") -> str:
    """The same for every resend of one hand-out: (point, conference, part) and either the
    ``edition`` — what the access holds, so a new password or room is a new message and the
    same one is the same message whatever its version number — or else the version."""
    which = edition or str(version)
    seed = "\x1f".join((card.meeting_id, card.conference, card.point_id, which, part))
    digest = hashlib.sha256(seed.encode()).hexdigest()[:32]
    return f"<handout-{digest}@{card.organizer_email.rpartition('@')[2]}>"


def handout_message(
    card: HandOutCard,
    credential: Credential,
    *,
    version: int,
    sent_at: dt.datetime | None = None,
    part: Part = "all",
    edition: str = "",
) -> EmailMessage:
    """The e-mail that brings a credential (or one part of it) to the officer, and nobody else.

    ``sent_at`` is the time of the first attempt (kept in the ledger), so a resend after a
    crash has the same Date and Message-ID as the first. Raises
    :class:`~meetlink.errors.CredentialError` when the officer has no e-mail address.
    """
    if not card.officer.email:
        raise CredentialError(
            f"the technical officer of {card.unit_name} ({card.point_id}) has no e-mail "
            "address; add officer_email to the roster, or hand out a printed slip "
            "(`meetlink credentials MEETING.yaml slip`)."
        )
    words = _TEXT[card.language]
    # Headers encoded like the invitations': CPython's own folding can merge Vietnamese words.
    message = EmailMessage(policy=POLICY)
    message.set_raw("From", encode_addresses("From", [(card.organizer_name, card.organizer_email)]))
    message.set_raw("To", encode_addresses("To", [(card.officer.name, card.officer.email)]))
    subject = words["subject"].format(point=card.point_name, title=card.meeting_title)
    message.set_raw("Subject", encode_subject(subject))
    message.set_raw("Message-ID", message_id_for(card, version, part, edition))
    message.set_raw("Date", format_datetime(sent_at or dt.datetime.now(dt.UTC)))
    message.set_raw("Sensitivity", "Company-Confidential")
    message.set_content(_body(card, credential, part), cte="quoted-printable")
    return message


def slip_text(card: HandOutCard, credential: Credential, *, width: int = 72) -> str:
    """A printable one-page slip (plain UTF-8 text) for one unit's officer."""
    words = _TEXT[card.language]
    rule = "=" * width
    head = [
        rule,
        words["slip"].center(width),
        rule,
        f"{words['meeting']}: {card.meeting_title}" + (f" ({card.when})" if card.when else ""),
        f"{words['unit']}: {card.unit_name}",
        f"{words['point']}: {card.point_name} ({card.point_id})",
        f"{words['hall']}: {card.hall or card.point_name}",
        "-" * width,
    ]
    tail = ["-" * width, words["rule"]]
    if card.help_contacts:
        tail += [words["help"], *(f"  - {h}" for h in card.help_contacts)]
    return "\n".join([*head, *_lines(card, credential, "all"), *tail, rule]) + "\n"
