"""The days a recurring sitting is held, as lines of text: the one place that turns its
occurrences (:class:`~meetlink.loading.occurrences.Occurrence`, exceptions applied) into the
words of a notice, an invitation, a hand-out, a slip, a chat text and the year's schedule.

* :func:`held_days`: the days it is held, by date: a skipped occurrence left out, a moved
  one at its new day, with its hour when that changed too (``Chủ nhật 8/9/2024 (từ 14 giờ
  00)``), at most :data:`~meetlink.documents.when.MAX_DATES` of them and whether more follow;
* :func:`changed_days`: what changed, by original date (``Chủ nhật 4/2/2024 không tổ
  chức``, ``Chủ nhật 1/9/2024 chuyển sang Chủ nhật 8/9/2024``), with the reason when the
  meeting file gives one (``… do trùng nghỉ lễ Quốc khánh``);
* :func:`sitting_occurrences`: a sitting's occurrences, or the rule's own dates for a caller
  that has the rule alone.

Vietnamese as :mod:`meetlink.documents.when` writes it ("Chủ nhật 7/1/2024"), English as the
invitations do ("Sunday 7 January 2024"). Pure, no I/O.

Example:
    >>> import datetime as dt
    >>> from meetlink.loading.occurrences import Move, expand
    >>> start = dt.datetime(2024, 1, 7, 8)
    >>> moved = Move(dt.datetime(2024, 3, 10, 14), dt.datetime(2024, 3, 10, 16))
    >>> found = expand(start, start.replace(hour=10), "FREQ=MONTHLY;BYDAY=1SU;COUNT=4",
    ...                {dt.date(2024, 2, 4): "skip", dt.date(2024, 3, 3): moved}).occurrences
    >>> held_days(found)
    (['Chủ nhật 7/1/2024', 'Chủ nhật 10/3/2024 (từ 14 giờ 00)', 'Chủ nhật 7/4/2024'], False)
    >>> changed_days(found, "en")[1]
    'Sunday 3 March 2024 moved to Sunday 10 March 2024, at 14:00'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from meetlink.documents.when import MAX_DATES, short_date, time_of_day, weekday
from meetlink.loading.occurrences import Occurrence, expand

__all__ = [
    "Language",
    "changed_days",
    "clock",
    "held",
    "held_day",
    "held_days",
    "list_day",
    "sitting_occurrences",
]

Language = Literal["vi", "en"]

_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_EN = (
    *("January", "February", "March", "April", "May", "June", "July"),
    *("August", "September", "October", "November", "December"),
)


def list_day(day: dt.date, language: Language = "vi") -> str:
    """A day in a list of dates: ``Chủ nhật 7/1/2024`` / ``Sunday 7 January 2024``.

    >>> list_day(dt.date(2024, 2, 4)), list_day(dt.date(2024, 2, 4), "en")
    ('Chủ nhật 4/2/2024', 'Sunday 4 February 2024')
    """
    if language == "vi":
        return f"{weekday(day)} {short_date(day)}"
    return f"{_WEEKDAYS_EN[day.weekday()]} {day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def clock(moment: dt.datetime, language: Language = "vi") -> str:
    """The time of day: ``08 giờ 00`` / ``08:00``."""
    return time_of_day(moment) if language == "vi" else f"{moment.hour:02d}:{moment.minute:02d}"


def held(occurrences: Sequence[Occurrence]) -> list[Occurrence]:
    """The occurrences that are held (skipped ones left out), by the day they are held."""
    return sorted((o for o in occurrences if o.status != "skipped"), key=lambda o: o.start)


def _other_hour(occurrence: Occurrence) -> bool:
    start, original = occurrence.start, occurrence.original
    return (start.hour, start.minute) != (original.hour, original.minute)


def held_day(occurrence: Occurrence, language: Language = "vi") -> str:
    """One day it is held: ``Chủ nhật 7/1/2024``; a moved one at another hour says it,
    ``Chủ nhật 8/9/2024 (từ 14 giờ 00)`` / ``Sunday 8 September 2024 (at 14:00)``."""
    text = list_day(occurrence.start.date(), language)
    if occurrence.status == "moved" and _other_hour(occurrence):
        word = "từ" if language == "vi" else "at"
        text += f" ({word} {clock(occurrence.start, language)})"
    return text


def held_days(
    occurrences: Sequence[Occurrence],
    language: Language = "vi",
    *,
    complete: bool = True,
    limit: int = MAX_DATES,
) -> tuple[list[str], bool]:
    """The days a recurring sitting is held (at most ``limit``), and whether more follow:
    more were held than listed, or the occurrences are not all of them (``complete``
    False: a rule without COUNT or UNTIL)."""
    days = held(occurrences)
    return [held_day(o, language) for o in days[:limit]], len(days) > limit or not complete


def _because(reason: str, language: Language) -> str:
    reason = reason.strip().rstrip(".;")
    if not reason:
        return ""
    if language == "vi":
        bare = reason.removeprefix("do ").removeprefix("Do ")
        return f" do {bare}"
    return f" ({reason})"


def changed_days(occurrences: Sequence[Occurrence], language: Language = "vi") -> list[str]:
    """What changed, by original date: ``Chủ nhật 4/2/2024 không tổ chức``, ``Chủ nhật
    1/9/2024 chuyển sang Chủ nhật 8/9/2024`` (``, từ 14 giờ 00`` when the hour changed
    too), each followed by ``do …`` when the meeting file gives a reason."""
    out: list[str] = []
    for o in sorted(occurrences, key=lambda o: o.original):
        if o.status == "scheduled":
            continue
        was = list_day(o.original.date(), language)
        if o.status == "skipped":
            text = f"{was} không tổ chức" if language == "vi" else f"{was} not held"
        else:
            now = list_day(o.start.date(), language)
            if _other_hour(o):
                now += f", {'từ' if language == 'vi' else 'at'} {clock(o.start, language)}"
            text = f"{was} chuyển sang {now}" if language == "vi" else f"{was} moved to {now}"
        out.append(text + _because(o.reason, language))
    return out


def sitting_occurrences(
    start: dt.datetime,
    end: dt.datetime | None,
    rule: str,
    occurrences: Sequence[Occurrence] = (),
    complete: bool = True,
) -> tuple[tuple[Occurrence, ...], bool]:
    """A recurring sitting's occurrences and whether they are all of them: ``occurrences``
    as the plan lists them (exceptions applied) with their ``complete``, or, for a caller
    that has the rule alone, the dates the rule gives (a year of them for a rule without an
    end).

    >>> found, complete = sitting_occurrences(dt.datetime(2024, 1, 7, 8), None,
    ...                                       "FREQ=MONTHLY;BYDAY=1SU;COUNT=2")
    >>> [o.start.date().isoformat() for o in found], complete
    (['2024-01-07', '2024-02-04'], True)
    """
    if occurrences:
        return tuple(occurrences), complete
    expansion = expand(start, end or start, rule, {})
    return expansion.occurrences, expansion.complete
