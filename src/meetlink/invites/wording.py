"""How an office writes times, dates and the words of a meeting, in Vietnamese and English.

Pure functions, no I/O. The Vietnamese is the documents' own (:mod:`meetlink.documents.when`,
after the seeds): hours with two digits ("08 giờ 00"), the day and month without a leading
zero ("ngày 10/9/2023"), and one span for a sitting within a day, the date after the hours::

    Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023

A sitting that runs past midnight gives both dates ("Từ 22 giờ 00, Thứ Bảy, ngày 9/9/2023 đến
01 giờ 00, Chủ nhật, ngày 10/9/2023").

Example:
    >>> import datetime as dt
    >>> start = dt.datetime(2023, 9, 10, 8, 0)
    >>> span(start, start.replace(hour=10), "vi")
    'Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023'
    >>> span(start, start.replace(hour=10), "en")
    'From 08:00 to 10:00, Sunday 10 September 2023'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from meetlink.documents.when import day_date, short_date, sitting_time, time_of_day, weekday
from meetlink.loading.notice import DocumentKind, MeetingKind

__all__ = [
    "LANGUAGES",
    "Language",
    "Words",
    "clock",
    "day",
    "help_line",
    "hours",
    "moment",
    "notice_reference",
    "short_day",
    "span",
    "without_title",
    "words",
]

Language = Literal["vi", "en"]
LANGUAGES: tuple[Language, ...] = ("vi", "en")

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    *("January", "February", "March", "April", "May", "June", "July"),
    *("August", "September", "October", "November", "December"),
)
_EVENTS: Mapping[tuple[MeetingKind, str], str] = {
    (MeetingKind.PARTY_MEETING, "vi"): "các buổi sinh hoạt",
    (MeetingKind.CONFERENCE, "vi"): "các buổi Hội nghị",
    (MeetingKind.MEETING, "vi"): "các cuộc họp",
    (MeetingKind.PARTY_MEETING, "en"): "the meetings",
    (MeetingKind.CONFERENCE, "en"): "the sessions",
    (MeetingKind.MEETING, "en"): "the meetings",
}
_DOCUMENTS: Mapping[tuple[DocumentKind, str], str] = {
    (DocumentKind.NOTICE, "vi"): "Thông báo",
    (DocumentKind.INVITATION, "vi"): "Giấy mời",
    (DocumentKind.PLAN, "vi"): "Kế hoạch",
    (DocumentKind.NOTICE, "en"): "notice",
    (DocumentKind.INVITATION, "en"): "invitation",
    (DocumentKind.PLAN, "en"): "plan",
}
_TITLE = re.compile(r"^\s*(?:đồng\s+chí|đ/c|comrade)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Words:
    """The words one kind of meeting is written with, in one language.

    >>> words(MeetingKind.CONFERENCE, "vi").attend
    'dự Hội nghị'
    """

    attend: str
    member: str
    event: str
    events: str


def words(kind: MeetingKind, language: Language) -> Words:
    """ "dự sinh hoạt" / "đảng viên" for a party meeting, "dự Hội nghị" / "đại biểu" for a
    conference, "dự họp" / "đại biểu" for any other meeting (``Meeting.kind``).

    >>> words(MeetingKind.PARTY_MEETING, "vi").member
    'đảng viên'
    """
    vocabulary = kind.vocabulary
    if language == "vi":
        attend, member, event = vocabulary.attend_vi, vocabulary.member_vi, vocabulary.event_vi
    else:
        attend, member, event = vocabulary.attend_en, vocabulary.member_en, vocabulary.event_en
    return Words(attend, member, event, _EVENTS[(kind, language)])


def clock(when: dt.datetime, language: Language) -> str:
    """The time of day: "08 giờ 00" / "08:00".

    >>> clock(dt.datetime(2023, 9, 10, 7, 45), "vi")
    '07 giờ 45'
    """
    if language == "vi":
        return time_of_day(when)
    return f"{when.hour:02d}:{when.minute:02d}"


def day(when: dt.date, language: Language) -> str:
    """The day as a notice writes it: "Chủ nhật, ngày 10/9/2023" / "Sunday 10 September 2023".

    >>> day(dt.date(2024, 1, 7), "vi")
    'Chủ nhật, ngày 7/1/2024'
    """
    if language == "vi":
        return day_date(when)
    return f"{_WEEKDAYS[when.weekday()]} {when.day} {_MONTHS[when.month - 1]} {when.year}"


def short_day(when: dt.date, language: Language) -> str:
    """The day in a list of dates: "Chủ nhật 7/1/2024" / "Sunday 7 January 2024".

    >>> short_day(dt.date(2024, 2, 4), "vi")
    'Chủ nhật 4/2/2024'
    """
    if language == "vi":
        return f"{weekday(when)} {short_date(when)}"
    return f"{_WEEKDAYS[when.weekday()]} {when.day} {_MONTHS[when.month - 1]} {when.year}"


def moment(when: dt.datetime, language: Language) -> str:
    """A time and its day: "15 giờ 00, Thứ Bảy, ngày 9/9/2023" (a line test).

    >>> moment(dt.datetime(2023, 9, 9, 15, 0), "en")
    '15:00, Saturday 9 September 2023'
    """
    return f"{clock(when, language)}, {day(when, language)}"


def span(start: dt.datetime, end: dt.datetime, language: Language) -> str:
    """A sitting's time: the hours then the day; both days when it ends on another one.

    >>> span(dt.datetime(2023, 9, 9, 22), dt.datetime(2023, 9, 10, 1), "vi")
    'Từ 22 giờ 00, Thứ Bảy, ngày 9/9/2023 đến 01 giờ 00, Chủ nhật, ngày 10/9/2023'
    """
    if language == "vi":
        return sitting_time(start, end)
    if start.date() == end.date():
        return f"From {clock(start, language)} to {clock(end, language)}, {day(start, language)}"
    return f"From {moment(start, language)} to {moment(end, language)}"


def hours(start: dt.datetime, end: dt.datetime, language: Language) -> str:
    """The hours alone, for a sitting that recurs: "Từ 08 giờ 00 đến 10 giờ 00".

    >>> hours(dt.datetime(2024, 1, 7, 22), dt.datetime(2024, 1, 8, 1), "vi")
    'Từ 22 giờ 00 đến 01 giờ 00 hôm sau'
    """
    word_from, word_to = ("Từ", "đến") if language == "vi" else ("From", "to")
    text = f"{word_from} {clock(start, language)} {word_to} {clock(end, language)}"
    days = (end.date() - start.date()).days
    if days == 1:
        text += " hôm sau" if language == "vi" else " the next day"
    elif days > 1:
        text += f" ({days} ngày sau)" if language == "vi" else f" ({days} days later)"
    return text


def notice_reference(
    kind: DocumentKind, number: str, date: dt.date | None, language: Language
) -> str:
    """The office document an invitation follows: "Thông báo số 125-TB/ThU ngày 5/9/2023".

    Empty without a number: a document not yet registered is not referred to.

    >>> notice_reference(DocumentKind.NOTICE, "125-TB/ThU", dt.date(2023, 9, 5), "vi")
    'Thông báo số 125-TB/ThU ngày 5/9/2023'
    >>> notice_reference(DocumentKind.PLAN, "26-KH/ThU", None, "en")
    'plan No. 26-KH/ThU'
    """
    if not number:
        return ""
    name = _DOCUMENTS[(kind, language)]
    if language == "vi":
        dated = f" ngày {short_date(date)}" if date else ""
        return f"{name} số {number}{dated}"
    dated = f" of {date.day} {_MONTHS[date.month - 1]} {date.year}" if date else ""
    return f"{name} No. {number}{dated}"


def help_line(name: str, position: str, phone: str, email: str, language: Language) -> str:
    """A help contact as an office lists it, "Đ/c" before the name and "ĐT:" before the phone.

    >>> help_line("Đặng Tuấn Chiến", "Phó Chánh Văn phòng Thị ủy", "0913 311 969", "", "vi")
    'Đ/c Đặng Tuấn Chiến, Phó Chánh Văn phòng Thị ủy, ĐT: 0913 311 969'
    >>> help_line("", "Kỹ thuật viên Viettel", "0986 686 211", "", "en")
    'Kỹ thuật viên Viettel, tel. 0986 686 211'
    """
    name = without_title(name)
    if language == "vi":
        parts = [f"Đ/c {name}" if name else "", position]
        parts += [f"ĐT: {phone}" if phone else "", f"e-mail: {email}" if email else ""]
    else:
        parts = [name, position, f"tel. {phone}" if phone else "", email]
    return ", ".join(p for p in parts if p)


def without_title(name: str) -> str:
    """A person's name without a leading "đồng chí" / "Đ/c" (the template writes its own).

    >>> without_title("Đồng chí Dương Tất Thắng, Bí thư Thành ủy")
    'Dương Tất Thắng, Bí thư Thành ủy'
    """
    return _TITLE.sub("", name, count=1).strip()
