"""The held occurrences of a recurring sitting, as roll calls and reports name them. Pure.

A recurring sitting (``recurrence`` in the meeting file) is reported once per occurrence
that is held: skipped ones are left out, a moved one is named by the day it is held. The
key of an occurrence is its **original** date (the meeting file's ``exceptions`` key); a
roll call may name either that date or the day it was held.

Example:
    >>> [day_name(o.start.date()) for o in held(sitting)][:2]  # doctest: +SKIP
    ['ngày 7/1/2024', 'ngày 3/3/2024']
"""

from __future__ import annotations

import datetime as dt

from meetlink.loading.occurrences import Occurrence
from meetlink.planning import Plan, PlannedSitting

__all__ = ["day_name", "find_held", "held", "occurrence_label", "own_title"]


def own_title(plan: Plan, sitting: PlannedSitting) -> str:
    """The sitting's own title in the meeting file ("" when it has none)."""
    for track in plan.meeting.tracks:
        if track.id == sitting.track:
            for own in track.sittings:
                if own.id == sitting.id:
                    return own.title or ""
    return ""


def held(sitting: PlannedSitting) -> tuple[Occurrence, ...]:
    """The occurrences of ``sitting`` that are held (none for a sitting that does not recur)."""
    return tuple(o for o in sitting.occurrences if o.status != "skipped")


def find_held(sitting: PlannedSitting, day: dt.date) -> Occurrence | None:
    """The held occurrence of ``sitting`` whose original date, or the day it is held, is ``day``."""
    for occurrence in held(sitting):
        if day in (occurrence.date, occurrence.start.date()):
            return occurrence
    return None


def day_name(day: dt.date) -> str:
    """A day as the office writes it.

    >>> day_name(dt.date(2024, 3, 3))
    'ngày 3/3/2024'
    """
    return f"ngày {day.day}/{day.month}/{day.year}"


def occurrence_label(label: str, titled: bool, occurrence: Occurrence) -> str:
    """What a blank roll call prints for one occurrence of a sitting named ``label``: the
    day it is held, after the sitting's title when it has one.

    >>> import datetime as dt
    >>> from zoneinfo import ZoneInfo
    >>> at = dt.datetime(2024, 3, 3, 8, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    >>> o = Occurrence(at.date(), at, at, at, "scheduled")
    >>> occurrence_label("Giờ sinh hoạt", True, o), occurrence_label("ngày 7/1/2024", False, o)
    ('Giờ sinh hoạt, ngày 3/3/2024', 'ngày 3/3/2024')
    """
    day = day_name(occurrence.start.date())
    return f"{label}, {day}" if titled else day
