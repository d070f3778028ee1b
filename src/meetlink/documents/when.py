"""Times and dates as a party office writes them in a document. Pure, no I/O.

* a time of day: ``08 giờ 00`` (hours and minutes in two digits);
* a date in a sentence: ``Chủ nhật, ngày 10/9/2023`` (day and month without a leading zero);
* a sitting: ``Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023``;
* the date of the document itself (Hướng dẫn 36-HD/VPTW): ``ngày 05 tháng 9 năm 2023``, the
  day below 10 and the months 1 and 2 with a leading zero; a missing date leaves
  ``ngày … tháng … năm …`` to be filled in by hand.

Example:
    >>> import datetime as dt
    >>> start = dt.datetime(2023, 9, 10, 8, 0)
    >>> sitting_time(start, start.replace(hour=10))
    'Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023'
    >>> document_date(dt.date(2023, 2, 5))
    'ngày 05 tháng 02 năm 2023'
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "BLANK_DATE",
    "MAX_DATES",
    "day_date",
    "document_date",
    "short_date",
    "sitting_time",
    "time_of_day",
    "weekday",
]

BLANK_DATE = "ngày … tháng … năm …"
"""The date line left for the office to fill in by hand."""
MAX_DATES = 12
"""A recurring sitting lists at most this many dates (then "…")."""

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def weekday(day: dt.date) -> str:
    """``Thứ Hai`` … ``Chủ nhật``."""
    return _WEEKDAYS[day.weekday()]


def time_of_day(moment: dt.datetime) -> str:
    """``08 giờ 00``."""
    return f"{moment.hour:02d} giờ {moment.minute:02d}"


def short_date(day: dt.date) -> str:
    """``10/9/2023``: day and month without a leading zero, as the seeds write them."""
    return f"{day.day}/{day.month}/{day.year}"


def day_date(day: dt.date) -> str:
    """``Chủ nhật, ngày 10/9/2023``."""
    return f"{weekday(day)}, ngày {short_date(day)}"


def sitting_time(start: dt.datetime, end: dt.datetime | None) -> str:
    """When a sitting is held, in one phrase; a sitting that ends on another day names both.

    >>> sitting_time(dt.datetime(2023, 12, 4, 8), dt.datetime(2023, 12, 5, 11, 30))
    'Từ 08 giờ 00, Thứ Hai, ngày 4/12/2023 đến 11 giờ 30, Thứ Ba, ngày 5/12/2023'
    """
    if end is None:
        return f"Từ {time_of_day(start)}, {day_date(start)}"
    if end.date() != start.date():
        return f"Từ {time_of_day(start)}, {day_date(start)} đến {time_of_day(end)}, {day_date(end)}"
    return f"Từ {time_of_day(start)} đến {time_of_day(end)}, {day_date(start)}"


def document_date(day: dt.date | None) -> str:
    """The document's own date (36-HD/VPTW): ``ngày 05 tháng 9 năm 2023``, or blanks."""
    if day is None:
        return BLANK_DATE
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"
