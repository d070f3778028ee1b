"""The times of a meeting file, read in the meeting's IANA time zone.

Times are written without an offset (``2023-09-10T08:00``) and read in the meeting's zone
(default :data:`DEFAULT_TIMEZONE`); a time written with an offset is converted to it. A time
lies in the years :data:`MIN_YEAR`–:data:`MAX_YEAR`; a local time that the clocks skip, or
show twice, is refused with the advice to choose another or write its offset. Durations are
elapsed time (:func:`elapsed`): 120 minutes are two hours on the clock that night the clocks
change too.

Example:
    >>> from zoneinfo import ZoneInfo
    >>> start = dt.datetime(2024, 3, 31, 1, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    >>> elapsed(start, 120).isoformat()
    '2024-03-31T04:00:00+02:00'
    >>> check_timezone("Asia/Ho_Chi_Minh")
    'Asia/Ho_Chi_Minh'
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationInfo

__all__ = [
    "DEFAULT_TIMEZONE",
    "MAX_YEAR",
    "MIN_YEAR",
    "check_timezone",
    "elapsed",
    "localize",
]

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
MIN_YEAR, MAX_YEAR = 2000, 2100
"""The years a meeting's times may lie in."""


def check_timezone(value: str) -> str:
    """Accept an IANA zone name only; a fixed offset would break on daylight-saving zones."""
    if not value or value.startswith(("+", "-", "UTC+", "UTC-", "GMT+", "GMT-")):
        raise ValueError(
            f"'{value}' is not an IANA time zone name; write one such as "
            f"{DEFAULT_TIMEZONE}, never a fixed offset."
        )
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{value}'; write an IANA name such as {DEFAULT_TIMEZONE}."
        ) from None
    return value


def elapsed(moment: dt.datetime, minutes: float) -> dt.datetime:
    """``moment`` plus ``minutes`` of elapsed time (minus, when negative), in its own zone.

    Python adds to an aware time on the clock face; across a change of the clocks that is
    an hour off, so the sum is made in UTC.

    >>> from zoneinfo import ZoneInfo
    >>> start = dt.datetime(2024, 3, 31, 1, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    >>> elapsed(start, 120).isoformat()  # 01:00 CET + 2 h = 04:00 CEST
    '2024-03-31T04:00:00+02:00'
    """
    if moment.tzinfo is None:
        return moment + dt.timedelta(minutes=minutes)
    moved = moment.astimezone(dt.UTC) + dt.timedelta(minutes=minutes)
    return moved.astimezone(moment.tzinfo)


def localize(value: Any, info: ValidationInfo) -> Any:
    """Parse a time and make it aware in the meeting's zone (from the validation context):
    what a model's ``mode="before"`` validator of a time calls.

    Example (in a model)::

        @field_validator("start", mode="before")
        @classmethod
        def _in_meeting_zone(cls, value: Any, info: ValidationInfo) -> Any:
            return localize(value, info)
    """
    if value is None or value == "":
        return None
    zone_name = (info.context or {}).get("timezone", DEFAULT_TIMEZONE)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_TIMEZONE)  # the zone's own error is reported at `timezone`
    if isinstance(value, str):
        text = value.strip()
        try:
            # datetime.fromisoformat reads a bare date as midnight; keep it a date, refused below.
            value = dt.date.fromisoformat(text)
        except ValueError:
            try:
                value = dt.datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    f"'{value}' is not a date and time; write it as 2023-09-10T08:00."
                ) from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        raise ValueError(f"{value} has a date but no time; write it as {value}T08:00.")
    if isinstance(value, dt.datetime):
        _check_year(value)
        if value.tzinfo is None:
            return _local(value, zone)
        moved = value.astimezone(zone)
        _check_year(moved)
        return moved
    return value


def _check_year(value: dt.datetime) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(
            f"the year {value.year:04d} is outside {MIN_YEAR}–{MAX_YEAR}; check the date."
        )


def _local(naive: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A time on the zone's clocks, refused when the clocks skip it or show it twice."""
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    shown = f"{naive:%Y-%m-%d %H:%M}"
    back = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive.replace(fold=0):
        raise ValueError(
            f"{shown} does not exist in {zone.key}: the clocks go forward that night and skip "
            "it; choose another time."
        )
    raise ValueError(
        f"{shown} happens twice in {zone.key}: the clocks go back that night; write the "
        f"offset to say which, {naive:%Y-%m-%dT%H:%M}{_offset(first)} (the first) or "
        f"{naive:%Y-%m-%dT%H:%M}{_offset(second)} (the second)."
    )


def _offset(moment: dt.datetime) -> str:
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"
