"""The occurrences of a recurring sitting, and the exceptions that move or skip one.

A sitting with a ``recurrence`` (an RRULE) is held on every date the rule gives, at the
start's time of day in the meeting's zone. Its ``exceptions`` change single dates, keyed by
the occurrence's **original** date in the meeting's zone::

    exceptions:
      2024-02-04: skip                       # not held that month
      2024-09-01: {start: 2024-09-08T08:00}  # held a week later (same length)
      2024-05-05: {skip: true, reason: trùng kỳ nghỉ lễ 30/4 - 1/5}

An exception may carry a ``reason``, the words an office writes after "do" ("trùng nghỉ lễ
Quốc khánh"): the year's schedule prints it in its notes (:attr:`Occurrence.reason`).

The expansion is bounded: a rule with COUNT or UNTIL gives all its dates (at most
:data:`MAX_OCCURRENCES`); a rule without either gives the dates of one year from the first
(:func:`expand` says so with ``complete=False``).

Example:
    >>> import datetime as dt
    >>> from zoneinfo import ZoneInfo
    >>> start = dt.datetime(2024, 1, 7, 8, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    >>> found = expand(start, start + dt.timedelta(hours=2), "FREQ=MONTHLY;BYDAY=1SU;COUNT=12",
    ...                {dt.date(2024, 2, 4): "skip"})
    >>> [(o.date.isoformat(), o.status) for o in found.occurrences[:2]]
    [('2024-01-07', 'scheduled'), ('2024-02-04', 'skipped')]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dateutil.rrule import rrulestr

__all__ = [
    "MAX_OCCURRENCES",
    "Expansion",
    "Move",
    "Occurrence",
    "OccurrenceStatus",
    "a_year_after",
    "expand",
    "has_end",
]

MAX_OCCURRENCES = 1000
"""The most occurrences listed for one sitting (a DAILY rule over almost three years)."""
OccurrenceStatus = Literal["scheduled", "moved", "skipped"]
_ENDS = re.compile(r"(?i)(?:^|;)\s*(COUNT|UNTIL)\s*=")


@dataclass(frozen=True, slots=True)
class Move:
    """Where one occurrence goes: its new start and end (aware, in the meeting's zone)."""

    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence: its original ``date`` (the exceptions' key), the ``original`` start
    the rule gives, where it is held (``start``/``end``: moved ones elsewhere), its
    ``status``, and the ``reason`` of a change when the meeting file gives one."""

    date: dt.date
    original: dt.datetime
    start: dt.datetime
    end: dt.datetime
    status: OccurrenceStatus
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Expansion:
    """The occurrences of a sitting and whether they are all of them (``complete``)."""

    occurrences: tuple[Occurrence, ...]
    complete: bool


def has_end(rule: str) -> bool:
    """Whether an RRULE ends by itself (COUNT or UNTIL).

    >>> has_end("FREQ=MONTHLY;BYDAY=1SU"), has_end("FREQ=MONTHLY;COUNT=12")
    (False, True)
    """
    return _ENDS.search(rule) is not None


def a_year_after(start: dt.datetime) -> dt.datetime:
    """The same moment a year later (28 February for a 29 February)."""
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


def rule_starts(start: dt.datetime, rule: str) -> tuple[tuple[dt.datetime, ...], bool]:
    """The starts an RRULE gives from ``start`` (aware: every one at the same time of day in
    its zone), bounded as the module says, and whether they are all of them."""
    limit = None if has_end(rule) else a_year_after(start)
    found: list[dt.datetime] = []
    for moment in rrulestr(rule, dtstart=start):
        if (limit is not None and moment >= limit) or len(found) == MAX_OCCURRENCES:
            return tuple(found), False
        found.append(moment)
    return tuple(found), True


def expand(
    start: dt.datetime,
    end: dt.datetime,
    rule: str,
    exceptions: Mapping[dt.date, Literal["skip"] | Move],
    reasons: Mapping[dt.date, str] | None = None,
) -> Expansion:
    """Every occurrence of a sitting from ``start`` to ``end`` repeating by ``rule``, with
    its ``exceptions`` applied (keyed by original date; a date the rule does not give is
    ignored here: the meeting file refuses it at its line) and their ``reasons``."""
    why = reasons or {}
    starts, complete = rule_starts(start, rule)
    length = end.astimezone(dt.UTC) - start.astimezone(dt.UTC)  # elapsed, not clock time
    out: list[Occurrence] = []
    for original in starts:
        day = original.date()
        change = exceptions.get(day)
        if change == "skip":
            after = _after(original, length)
            out.append(Occurrence(day, original, original, after, "skipped", why.get(day, "")))
        elif isinstance(change, Move):
            moved = Occurrence(day, original, change.start, change.end, "moved", why.get(day, ""))
            out.append(moved)
        else:
            out.append(Occurrence(day, original, original, _after(original, length), "scheduled"))
    return Expansion(tuple(out), complete)


def _after(moment: dt.datetime, length: dt.timedelta) -> dt.datetime:
    """``moment`` plus elapsed time, in its own zone (right across a change of the clocks)."""
    return (moment.astimezone(dt.UTC) + length).astimezone(moment.tzinfo)
