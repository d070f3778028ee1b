"""The hand-out: a bridge point's credentials go to its host unit's technical officer only.

Seed 000: "the units name a technical officer who receives and keeps the login and password
and must never pass them on, for the security and the quality of the meeting". So a
credential never goes to the invitation recipients, and the hand-out says that rule in
words (never with a classification mark such as "Mật", which may not travel by e-mail):

* :func:`handout_message` — one e-mail addressed to the officer alone (sent through the same
  SMTP or outbox sender as the invitations), Vietnamese by default: the sitting's date and
  time as the invitations write them, the line test, whom to call for help; a rotated
  credential says the old password no longer works;
* :func:`slip_text` — the same card as plain text, for a second channel;
* split delivery — :func:`handout_message` with ``part="login"`` by e-mail and the password
  by another channel (a printed slip, or a :class:`SecretHook` such as an SMS gateway).

The printable slip of a whole point (every sitting) is :mod:`meetlink.documents.slip`; the
words of times and help contacts it prints come from here (:func:`sitting_time`,
:func:`moment_time`, :func:`help_line`).

Every delivery is written to the audit log by the caller (channel, who, when — never the
secret). The message's ``Message-ID`` is derived from the point, the conference and what the
hand-out says, so a resent hand-out is recognizable and a corrected one is a new message.

Example:
    >>> from meetlink.credentials.vault import Credential
    >>> from meetlink.loading.roster import Contact
    >>> card = HandOutCard(meeting_id="q3", meeting_title="Giờ sinh hoạt", point_id="X1",
    ...     point_name="Xã Hòa Phong", hall="Hội trường xã", unit_name="Đảng bộ xã Hòa Phong",
    ...     officer=Contact(name="Nguyễn Văn An", email="ktv@xa.example.org"),
    ...     organizer_email="vp@thiuy.example.org", conference="main/s1")
    >>> message = handout_message(card, Credential(login="hp-01", password="Mk-7Qz"), version=1)
    >>> message["To"], "Mk-7Qz" in message.parsed.get_content()
    ('Nguyễn Văn An <ktv@xa.example.org>', True)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime
from functools import lru_cache
from typing import Literal

from meetlink.credentials.vault import Credential
from meetlink.documents import when
from meetlink.documents.held_dates import (
    changed_days,
    clock,
    held_days,
    list_day,
    sitting_occurrences,
)
from meetlink.errors import CredentialError
from meetlink.loading.notice import MeetingKind
from meetlink.loading.occurrences import Occurrence
from meetlink.loading.roster import Contact
from meetlink.mail.headers import address_header, subject_header
from meetlink.mail.mime import WireMessage, text_part

__all__ = [
    "HandOutCard",
    "SecretHook",
    "SittingTime",
    "handout_message",
    "help_line",
    "message_id_for",
    "moment_time",
    "officer_rule",
    "recurrence_dates",
    "sitting_changes",
    "sitting_dates",
    "sitting_time",
    "sitting_when",
    "slip_text",
]

Part = Literal["all", "login", "password"]
Language = Literal["vi", "en"]
# A pluggable second channel for split delivery: (officer, card, text) → receipt id.
SecretHook = Callable[[Contact, "HandOutCard", str], str]


@dataclass(frozen=True, kw_only=True)
class SittingTime:
    """One sitting a hand-out is for: its own name (empty when the meeting has one sitting),
    its start and end, its RRULE when it recurs and then its ``occurrences`` as the plan
    lists them (exceptions applied; without them, the rule's own dates)."""

    label: str = ""
    start: dt.datetime
    end: dt.datetime | None = None
    recurrence: str | None = None
    occurrences: tuple[Occurrence, ...] = ()
    occurrences_complete: bool = True


@dataclass(frozen=True, kw_only=True)
class HandOutCard:
    """What the officer is told besides the secret: whose access it is, for which sittings,
    when the line is tested, whom to call; whether it replaces an earlier hand-out, and
    whether the credential was rotated (the old password is void)."""

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
    kind: MeetingKind = MeetingKind.MEETING
    sittings: tuple[SittingTime, ...] = ()
    rehearsal: dt.datetime | None = None
    help_contacts: tuple[Contact, ...] = ()
    rotated: bool = False
    replaces: bool = False
    language: Language = "vi"


# Labels for the officer. Keys avoid the words "password" and "token", which security
# linters read as hard-coded secrets.
_TEXT = {
    "vi": {
        "subject": "Thông tin đăng nhập điểm cầu {point} — {title} ({note})",
        "note": "gửi cán bộ kỹ thuật",
        "note_rotated": "mật khẩu mới, gửi cán bộ kỹ thuật",
        "note_replaces": "cập nhật, gửi cán bộ kỹ thuật",
        "greeting": "Kính gửi đồng chí {officer}, cán bộ kỹ thuật của {unit}.",
        "intro": "{organizer} gửi đồng chí thông tin đăng nhập của điểm cầu {point} ({hall}) "
        'để {attend} "{title}".',
        "rotated": "Mật khẩu cũ không còn sử dụng được; đồng chí sử dụng thông tin đăng nhập "
        "dưới đây.",
        "replaces": "Thư này thay cho thư đã gửi trước đây về điểm cầu này (thời gian, phòng "
        "hoặc đường dẫn có thay đổi); tên đăng nhập và mật khẩu không thay đổi.",
        "when": "Thời gian",
        "dates": "Các ngày",
        "changes": "Thay đổi",
        "rehearsal": "Chạy thử đường truyền",
        "access": "Thông tin đăng nhập:",
        "link": "Đường dẫn",
        "login": "Tên đăng nhập",
        "pw": "Mật khẩu",
        "pin": "Mã PIN",
        "room": "Phòng",
        "server": "Máy chủ",
        "tk": "Mã truy cập",
        "split_a": "Mật khẩu được gửi riêng qua kênh khác.",
        "split_b": "Tên đăng nhập được gửi riêng qua thư điện tử.",
        "remark": "Lưu ý: ",
        "rule": "Tên đăng nhập và mật khẩu này chỉ dành riêng cho đồng chí, cán bộ kỹ "
        "thuật của điểm cầu. Đồng chí nhận, quản lý và tuyệt đối không cung cấp cho người "
        "khác để đảm bảo tính bảo mật và chất lượng {event}.",
        "help": "Hỗ trợ kỹ thuật:",
        "slip": "THÔNG TIN ĐĂNG NHẬP ĐIỂM CẦU",
        "unit": "Đơn vị",
        "point": "Điểm cầu",
        "hall": "Địa điểm",
        "meeting": "Nội dung",
    },
    "en": {
        "subject": "Login details for the bridge point {point} — {title} ({note})",
        "note": "for the technical officer",
        "note_rotated": "new password, for the technical officer",
        "note_replaces": "updated, for the technical officer",
        "greeting": "Dear {officer}, technical officer of {unit}.",
        "intro": "{organizer} sends you the login details of the bridge point {point} "
        '({hall}) to {attend} "{title}".',
        "rotated": "The old password no longer works; use the login details below.",
        "replaces": "This message replaces the one sent earlier for this bridge point (the "
        "time, room or link changed); the login and password are unchanged.",
        "when": "Time",
        "dates": "Dates",
        "changes": "Changes",
        "rehearsal": "Line test",
        "access": "Login details:",
        "link": "Link",
        "login": "Login",
        "pw": "Password",
        "pin": "PIN",
        "room": "Room",
        "server": "Server",
        "tk": "Access token",
        "split_a": "The password comes separately, by another channel.",
        "split_b": "The login comes separately, by e-mail.",
        "remark": "Note: ",
        "rule": "This login and password are for you alone, as the technical officer of "
        "the bridge point. Keep them yourself and never pass them on to anyone, for the "
        "security and the quality of the {event}.",
        "help": "Technical help:",
        "slip": "BRIDGE POINT LOGIN DETAILS",
        "unit": "Unit",
        "point": "Bridge point",
        "hall": "Hall",
        "meeting": "Meeting",
    },
}


# -- times, as the invitations write them ----------------------------------------------
# Vietnamese from meetlink.documents.when (the one wording of the office's documents);
# English here.


def moment_time(moment: dt.datetime, language: Language = "vi") -> str:
    """One moment, as an office writes it (the line test's time).

    >>> moment_time(dt.datetime(2023, 9, 9, 15, 0))
    '15 giờ 00, Thứ Bảy, ngày 9/9/2023'
    >>> moment_time(dt.datetime(2023, 9, 9, 15, 0), "en")
    '15:00, Saturday 9 September 2023'
    """
    if language == "en":
        return f"{moment:%H:%M}, {list_day(moment, 'en')}"
    return f"{when.time_of_day(moment)}, {when.day_date(moment)}"


def sitting_time(start: dt.datetime, end: dt.datetime | None, language: Language = "vi") -> str:
    """A sitting's time as the invitations write it: the hours first, then the day.

    >>> sitting_time(dt.datetime(2023, 9, 10, 8), dt.datetime(2023, 9, 10, 10))
    'Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023'
    >>> sitting_time(dt.datetime(2023, 9, 10, 8), dt.datetime(2023, 9, 10, 10), "en")
    'From 08:00 to 10:00, Sunday 10 September 2023'
    """
    if language == "vi":
        return when.sitting_time(start, end)
    if end is None:
        return f"From {moment_time(start, 'en')}"
    if end.date() == start.date():
        return f"From {start:%H:%M} to {end:%H:%M}, {list_day(start, 'en')}"
    return f"From {moment_time(start, 'en')} to {moment_time(end, 'en')}"


def recurrence_dates(
    start: dt.datetime,
    rule: str,
    language: Language = "vi",
    occurrences: tuple[Occurrence, ...] = (),
    complete: bool = True,
) -> str:
    """The days a recurring sitting is held (the first twelve, then "…"): a skipped
    occurrence left out, a moved one at its new day (:mod:`meetlink.documents.held_dates`,
    as the notice and the invitations list them).

    >>> recurrence_dates(dt.datetime(2023, 9, 3, 8), "FREQ=MONTHLY;BYDAY=1SU;COUNT=3")
    'Chủ nhật 3/9/2023, Chủ nhật 1/10/2023, Chủ nhật 5/11/2023'
    """
    # The meeting file's check reads the rule from a naive start: an UNTIL is naive too.
    bare = start if occurrences else start.replace(tzinfo=None)
    found, complete = sitting_occurrences(bare, None, rule, occurrences, complete)
    days, more = held_days(found, language, complete=complete)
    return ", ".join([*days, "…"] if more else days)


def sitting_dates(sitting: SittingTime, language: Language = "vi") -> str:
    """The days ``sitting`` is held, empty when it does not recur."""
    if not sitting.recurrence:
        return ""
    return recurrence_dates(
        sitting.start,
        sitting.recurrence,
        language,
        sitting.occurrences,
        sitting.occurrences_complete,
    )


def sitting_changes(sitting: SittingTime, language: Language = "vi") -> str:
    """The occurrences of ``sitting`` skipped or moved, by original date; empty when none.

    >>> sitting_changes(SittingTime(start=dt.datetime(2024, 1, 7, 8)))
    ''
    """
    return "; ".join(changed_days(sitting.occurrences, language))


def sitting_when(sitting: SittingTime, language: Language = "vi") -> str:
    """The time of ``sitting``: the hours and the day; the hours alone for a recurring one
    (its days are listed on a line of their own, :func:`sitting_dates`).

    >>> sitting_when(SittingTime(start=dt.datetime(2024, 1, 7, 8),
    ...     end=dt.datetime(2024, 1, 7, 10), recurrence="FREQ=MONTHLY;COUNT=2"))
    'Từ 08 giờ 00 đến 10 giờ 00'
    """
    if not sitting.recurrence:
        return sitting_time(sitting.start, sitting.end, language)
    word_from, word_to = ("Từ", "đến") if language == "vi" else ("From", "to")
    text = f"{word_from} {clock(sitting.start, language)}"
    if sitting.end is not None:
        text += f" {word_to} {clock(sitting.end, language)}"
    return text


def help_line(contact: Contact, language: Language = "vi") -> str:
    """Whom to call, as seed 000 writes it.

    >>> help_line(Contact(name="Phó Chánh Văn phòng Thị ủy", phone="0900 000 101"))
    'Đ/c Phó Chánh Văn phòng Thị ủy, ĐT: 0900 000 101'
    """
    if language == "en":
        parts = [contact.name, f"tel. {contact.phone}" if contact.phone else ""]
    else:
        name = f"Đ/c {contact.name}" if contact.name else ""
        parts = [name, f"ĐT: {contact.phone}" if contact.phone else ""]
    parts.append(f"e-mail: {contact.email}" if contact.email else "")
    return ", ".join(p for p in parts if p)


def officer_rule(kind: MeetingKind = MeetingKind.MEETING, language: Language = "vi") -> str:
    """The sentence that the login is the technical officer's alone (seed 000's rule).

    >>> "tuyệt đối không cung cấp cho người khác" in officer_rule()
    True
    """
    words = kind.vocabulary
    event = words.event_vi if language == "vi" else words.event_en
    return _TEXT[language]["rule"].format(event=event)


def _time_lines(card: HandOutCard) -> list[str]:
    words = _TEXT[card.language]
    out: list[str] = []
    for sitting in card.sittings:
        shown = sitting_when(sitting, card.language)
        label = f" ({sitting.label})" if sitting.label else ""
        out.append(f"{words['when']}: {shown}{label}")
        if sitting.recurrence:
            out.append(f"{words['dates']}: {sitting_dates(sitting, card.language)}")
            changes = sitting_changes(sitting, card.language)
            if changes:
                out.append(f"{words['changes']}: {changes}")
    if card.rehearsal is not None:
        out.append(f"{words['rehearsal']}: {moment_time(card.rehearsal, card.language)}")
    return out


# -- the message --------------------------------------------------------------------------


def _lines(card: HandOutCard, credential: Credential, part: Part) -> list[str]:
    words = _TEXT[card.language]
    secrets = {
        name: secret.reveal() if secret is not None else None
        for name, secret in (
            ("pw", credential.password),
            ("pin", credential.pin),
            ("tk", credential.token),
        )
    }
    # What to type first (login, password), then where (room, link, server).
    rows: list[tuple[str, str | None]] = [
        ("login", credential.login),
        *secrets.items(),
        ("room", credential.room),
        ("link", credential.join_url),
        ("server", credential.server),
    ]
    public = {"login", "room", "link", "server"}
    skipped = {"all": set(), "login": set(secrets), "password": public}[part]
    out = [f"  {words[name]}: {value}" for name, value in rows if value and name not in skipped]
    if part == "login":
        out.append(words["split_a"])
    elif part == "password":
        out.append(words["split_b"])
    return out


def _attend(card: HandOutCard) -> str:
    words = card.kind.vocabulary
    return words.attend_vi if card.language == "vi" else words.attend_en


def _body(card: HandOutCard, credential: Credential, part: Part) -> str:
    words = _TEXT[card.language]
    text = [
        words["greeting"].format(
            officer=card.officer.name or card.officer.email, unit=card.unit_name
        ),
        "",
        words["intro"].format(
            organizer=card.organizer_name or card.organizer_email,
            point=card.point_name,
            hall=card.hall or card.point_name,
            attend=_attend(card),
            title=card.meeting_title,
        ),
    ]
    if card.rotated:
        text += ["", words["rotated"]]
    elif card.replaces:
        text += ["", words["replaces"]]
    times = _time_lines(card)
    if times:
        text += ["", *times]
    text += [
        "",
        words["access"],
        *_lines(card, credential, part),
        "",
        words["remark"] + officer_rule(card.kind, card.language),
    ]
    if card.help_contacts:
        text += [
            "",
            words["help"],
            *(f"  - {help_line(h, card.language)}" for h in card.help_contacts),
        ]
    return "\n".join(text) + "\n"


def message_id_for(card: HandOutCard, version: int, part: Part, edition: str = "") -> str:
    """The same for every resend of one hand-out: (point, conference, part) and either the
    ``edition`` — what the hand-out says, so a new password, room or time is a new message
    and the same one is the same message whatever its version number — or else the version."""
    which = edition or str(version)
    seed = "\x1f".join((card.meeting_id, card.conference, card.point_id, which, part))
    digest = hashlib.sha256(seed.encode()).hexdigest()[:32]
    return f"<handout-{digest}@{card.organizer_email.rpartition('@')[2]}>"


def _subject(card: HandOutCard) -> str:
    words = _TEXT[card.language]
    note = words["note_rotated" if card.rotated else "note_replaces" if card.replaces else "note"]
    return words["subject"].format(point=card.point_name, title=card.meeting_title, note=note)


def handout_message(
    card: HandOutCard,
    credential: Credential,
    *,
    version: int,
    sent_at: dt.datetime | None = None,
    part: Part = "all",
    edition: str = "",
) -> WireMessage:
    """The e-mail that brings a credential (or one part of it) to the officer, and nobody else.

    The message is written once, straight to its wire bytes (:mod:`meetlink.mail.mime`: one
    ``text/plain`` part, quoted-printable lines of at most 76 characters, headers encoded by
    :mod:`meetlink.mail.headers`), as the invitations are; nothing parses it on the way out.
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
    headers = [
        ("From", _from_header(card.organizer_name, card.organizer_email)),
        ("To", address_header("To", [(card.officer.name, card.officer.email)])),
        ("Subject", subject_header(_subject(card))),
        ("Date", format_datetime(sent_at or dt.datetime.now(dt.UTC))),
    ]
    return WireMessage.build(
        headers,
        message_id=message_id_for(card, version, part, edition),
        sender=card.organizer_email,
        recipients=(card.officer.email,),
        body=text_part("plain", _body(card, credential, part)),
    )


@lru_cache(maxsize=64)
def _from_header(name: str, address: str) -> str:
    """The From header of the office (one for a whole run's hand-outs)."""
    return address_header("From", [(name, address)])


def slip_text(card: HandOutCard, credential: Credential, *, width: int = 72) -> str:
    """The card as plain UTF-8 text (the password half given to a second channel)."""
    words = _TEXT[card.language]
    rule = "=" * width
    head = [
        rule,
        words["slip"].center(width),
        rule,
        f"{words['meeting']}: {card.meeting_title}",
        f"{words['unit']}: {card.unit_name}",
        f"{words['point']}: {card.point_name}",
        f"{words['hall']}: {card.hall or card.point_name}",
        *_time_lines(card),
        "-" * width,
    ]
    tail = ["-" * width, words["remark"] + officer_rule(card.kind, card.language)]
    if card.help_contacts:
        tail += [words["help"], *(f"  - {help_line(h, card.language)}" for h in card.help_contacts)]
    return "\n".join([*head, *_lines(card, credential, "all"), *tail, rule]) + "\n"
