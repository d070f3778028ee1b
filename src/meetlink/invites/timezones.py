"""The VTIMEZONE of a meeting's zone, from the zone's own transitions (zoneinfo). Pure.

A zone with daylight saving time gets one STANDARD and one DAYLIGHT observance, each with a
yearly RRULE (``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU``) starting the year before the event:
calendar clients (Thunderbird's ical.js among them) read such a rule right for every year,
where a list of RDATEs made some of them misread the zone. A zone without daylight saving
(Asia/Ho_Chi_Minh) gets one STANDARD observance. The rule is the last, or the n-th, weekday
of a month, or a weekday within seven days of the month (Israel's "the Friday before the
last Sunday": ``BYDAY=FR;BYMONTHDAY=23,…,29``). Only a zone whose changes follow none of
these (set by decree each year, or about to change law) keeps icalendar's list of dates, up
to two years past the event.

Example:
    >>> lines = vtimezone("Europe/Berlin", 2026)
    >>> [line for line in lines if line.startswith("RRULE")]
    ['RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU']
    >>> vtimezone("Asia/Ho_Chi_Minh", 2026)[2:6]
    ('BEGIN:STANDARD', 'DTSTART:20260101T000000', 'TZOFFSETFROM:+0700', 'TZOFFSETTO:+0700')
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from meetlink.invites.content_lines import local_time

__all__ = ["vtimezone"]

# The year before the event and eleven after: the rule must hold in each, and twelve years
# put a date on every weekday, so a "Sunday from the 8th on" rule shows its whole week.
_SAMPLE_YEARS = 12
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY = 86400


@dataclass(frozen=True)
class _Change:
    """One change of offset: its wall-clock onset (in the offset before it) and offsets."""

    onset: dt.datetime
    before: dt.timedelta
    after: dt.timedelta
    name: str
    daylight: bool

    @property
    def rule(self) -> tuple[int, int, int, dt.time, dt.timedelta, dt.timedelta]:
        """(month, weekday, week: 1-4 or -1 for the last, time, before, after)."""
        onset = self.onset
        last = onset.day + 7 > calendar.monthrange(onset.year, onset.month)[1]
        week = -1 if last else (onset.day - 1) // 7 + 1
        return onset.month, onset.weekday(), week, onset.time(), self.before, self.after


@lru_cache(maxsize=64)
def vtimezone(tzid: str, year: int) -> tuple[str, ...]:
    """The VTIMEZONE of ``tzid`` for an event in ``year``, as unfolded content lines.

    >>> vtimezone("America/New_York", 2027)[3]
    'DTSTART:20261101T020000'
    """
    zone = ZoneInfo(tzid)
    changes = _changes(zone, year - 1, year - 2 + _SAMPLE_YEARS)
    head = ("BEGIN:VTIMEZONE", f"TZID:{tzid}")
    if all(c.onset.year < year for c in changes):  # no change from the event's year on
        return (*head, *_fixed(zone, year), "END:VTIMEZONE")
    observances = _yearly(changes)
    if observances is None:
        return _listed(tzid, year)
    return (*head, *observances, "END:VTIMEZONE")


def _fixed(zone: ZoneInfo, year: int) -> tuple[str, ...]:
    """One STANDARD observance: the zone's offset and name on 1 January of ``year``."""
    start = dt.datetime(year, 1, 1)
    offset = start.replace(tzinfo=zone).utcoffset() or dt.timedelta(0)
    name = start.replace(tzinfo=zone).tzname() or str(zone.key)
    return (
        "BEGIN:STANDARD",
        f"DTSTART:{local_time(start)}",
        f"TZOFFSETFROM:{_offset(offset)}",
        f"TZOFFSETTO:{_offset(offset)}",
        f"TZNAME:{name}",
        "END:STANDARD",
    )


def _yearly(changes: list[_Change]) -> tuple[str, ...] | None:
    """STANDARD and DAYLIGHT with a yearly RRULE each, or None when the changes follow no
    such rule (not two a year, or not on one weekday of one week of the month each year)."""
    years = {c.onset.year for c in changes}
    if len(changes) != 2 * len(years) or len(years) != _SAMPLE_YEARS:
        return None
    lines: list[str] = []
    for kind in (False, True):
        mine = [c for c in changes if c.daylight is kind]
        first = mine[0]
        days = [c.onset.day for c in mine]
        same = {(c.onset.month, c.onset.weekday(), c.onset.time(), c.before, c.after, c.name)
                for c in mine}  # fmt: skip
        if len(same) != 1:
            return None
        weekday = _WEEKDAYS[first.onset.weekday()]
        if all(c.rule[2] == -1 for c in mine):  # the last Sunday of the month
            which = f"BYDAY=-1{weekday}"
        elif len({(day - 1) // 7 for day in days}) == 1:  # the second Sunday
            which = f"BYDAY={(days[0] - 1) // 7 + 1}{weekday}"
        elif max(days) - min(days) == 6:  # the Friday from the 23rd on (tzdata's "Fri>=23")
            span = ",".join(str(day) for day in range(min(days), max(days) + 1))
            which = f"BYDAY={weekday};BYMONTHDAY={span}"
        else:
            return None
        name = "DAYLIGHT" if kind else "STANDARD"
        lines += [
            f"BEGIN:{name}",
            f"DTSTART:{local_time(first.onset)}",
            f"RRULE:FREQ=YEARLY;BYMONTH={first.onset.month};{which}",
            f"TZOFFSETFROM:{_offset(first.before)}",
            f"TZOFFSETTO:{_offset(first.after)}",
            f"TZNAME:{first.name}",
            f"END:{name}",
        ]
    return tuple(lines)


def _changes(zone: ZoneInfo, first: int, last: int) -> list[_Change]:
    """Every change of the zone's UTC offset from 1 January ``first`` to 31 December ``last``,
    found day by day and then to the second."""
    start = int(dt.datetime(first, 1, 1, tzinfo=dt.UTC).timestamp())
    end = int(dt.datetime(last + 1, 1, 1, tzinfo=dt.UTC).timestamp())
    found: list[_Change] = []
    previous = _utcoffset(zone, start)
    for day in range(start + _DAY, end + _DAY, _DAY):
        offset = _utcoffset(zone, day)
        if offset == previous:
            continue
        low, high = day - _DAY, day  # offset(low) is the old one, offset(high) the new one
        while high - low > 1:
            middle = (low + high) // 2
            if _utcoffset(zone, middle) == previous:
                low = middle
            else:
                high = middle
        moment = dt.datetime.fromtimestamp(high, zone)
        onset = dt.datetime.fromtimestamp(high, dt.UTC).replace(tzinfo=None) + previous
        # The clocks going forward start DAYLIGHT, as clients expect (Europe/Dublin's data
        # calls its winter the saving time; the instants are the same either way).
        name = moment.tzname() or str(zone.key)
        found.append(_Change(onset, previous, offset, name, daylight=offset > previous))
        previous = offset
    return [c for c in found if first <= c.onset.year <= last]


def _utcoffset(zone: ZoneInfo, timestamp: int) -> dt.timedelta:
    return dt.datetime.fromtimestamp(timestamp, zone).utcoffset() or dt.timedelta(0)


def _offset(delta: dt.timedelta) -> str:
    """``+0700``, ``-0430``; seconds are dropped, as clients expect minutes."""
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}"


def _listed(tzid: str, year: int) -> tuple[str, ...]:
    """icalendar's VTIMEZONE with a date per change, from the event's year to two past it."""
    from icalendar import Timezone  # loaded when a zone is first written (issue 19)

    first, last = dt.date(year, 1, 1), max(dt.date(2038, 1, 1), dt.date(year + 2, 1, 1))
    timezone = Timezone.from_tzid(tzid, first_date=first, last_date=last)
    timezone.pop("COMMENT", None)
    unfolded = timezone.to_ical().decode("utf-8").replace("\r\n ", "")
    return tuple(line for line in unfolded.split("\r\n") if line)
