"""A sitting of a track (a class, a session, a monthly meeting) and the exceptions of a
recurring one.

A sitting has a ``start`` and an ``end`` or ``duration_minutes`` (elapsed time), or no
``start`` yet ("time announced later"); it lasts at most :data:`MAX_SITTING_MINUTES`. A
``recurrence`` repeats DAILY, WEEKLY, MONTHLY or YEARLY, at the start's time of day (no
BYHOUR, BYMINUTE or BYSECOND). A recurring sitting's ``exceptions`` are keyed by dates the
rule gives (in the meeting's zone), each ``skip`` or a new ``start`` (and ``end``): see
:mod:`meetlink.loading.occurrences`. Times are read as :mod:`meetlink.loading.times` says.

Example:
    >>> s = Sitting.model_validate({"id": "s1", "start": "2023-09-10T08:00",
    ...                             "duration_minutes": 120})
    >>> s.finish.isoformat()
    '2023-09-10T10:00:00+07:00'
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from dateutil.rrule import rrulestr
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from meetlink.loading.occurrences import Expansion, Move, expand, rule_starts
from meetlink.loading.times import elapsed, localize
from meetlink.text import nfc

__all__ = ["MAX_SITTING_MINUTES", "MovedOccurrence", "Sitting", "SkippedOccurrence"]

_Text = Annotated[str, AfterValidator(nfc)]
_Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
MAX_SITTING_MINUTES = 3 * 24 * 60
"""The longest sitting: three days (a longer one is a slip in a date)."""
_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_RRULE_PART = re.compile(r"(?i)(?:^|;)\s*(FREQ|BYHOUR|BYMINUTE|BYSECOND)\s*=\s*([^;]*)")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MovedOccurrence(_Model):
    """Where one occurrence of a recurring sitting is held instead: a new ``start`` and,
    optionally, ``end`` (without it, the sitting's usual length) and the ``reason``, in the
    words an office writes after "do" (``trùng nghỉ lễ Quốc khánh``)."""

    start: dt.datetime
    end: dt.datetime | None = None
    reason: _Text = ""

    @field_validator("start", "end", mode="before")
    @classmethod
    def _in_meeting_zone(cls, value: Any, info: ValidationInfo) -> Any:
        return localize(value, info)


class SkippedOccurrence(_Model):
    """An occurrence not held, with the ``reason`` the year's schedule prints:
    ``{skip: true, reason: trùng Tết Nguyên đán}`` (plain ``skip`` gives none)."""

    skip: Literal[True]
    reason: _Text = ""


class Sitting(_Model):
    """One sitting (a class, a session, a monthly meeting) of a track.

    ``end`` or ``duration_minutes`` gives its length. ``recurrence`` is an RFC 5545 RRULE
    value (``FREQ=MONTHLY;BYDAY=1SU;COUNT=3`` for "first Sunday of each month").
    ``exceptions`` skip or move single occurrences, keyed by their original date:
    ``{2024-02-04: skip, 2024-09-01: {start: 2024-09-08T08:00}}``.
    """

    id: _Id
    title: _Text | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    duration_minutes: int | None = Field(default=None, gt=0, le=MAX_SITTING_MINUTES)
    recurrence: str | None = None
    location: _Text | None = None
    exceptions: dict[dt.date, Literal["skip"] | SkippedOccurrence | MovedOccurrence] = Field(
        default_factory=dict
    )

    @field_validator("start", "end", mode="before")
    @classmethod
    def _in_meeting_zone(cls, value: Any, info: ValidationInfo) -> Any:
        return localize(value, info)

    @field_validator("recurrence")
    @classmethod
    def _valid_rrule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        rule = value.removeprefix("RRULE:").strip()
        try:
            rrulestr(rule, dtstart=dt.datetime(2000, 1, 1))
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"'{value}' is not a valid RRULE ({exc}); for example "
                "FREQ=MONTHLY;BYDAY=1SU;COUNT=3 is the first Sunday of 3 months."
            ) from None
        for part, given in _RRULE_PART.findall(rule):
            if part.upper() == "FREQ" and given.strip().upper() not in _FREQUENCIES:
                raise ValueError(
                    f"the rule FREQ={given.strip()} repeats the sitting more often than once a "
                    f"day; a meeting recurs {', '.join(_FREQUENCIES[:-1])} or "
                    f"{_FREQUENCIES[-1]}."
                )
            if part.upper() != "FREQ":
                raise ValueError(
                    f"the rule's {part.upper()} would hold the sitting at other times than its "
                    "start; remove it (a sitting recurs at the time of day it starts)."
                )
        return rule

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        start = info.data.get("start")
        if end is None:
            return None
        if start is None:
            if "start" in info.data:
                raise ValueError(
                    "an end without a start: give the start, or leave both out "
                    "until the time is announced (use duration_minutes)."
                )
            return end  # the start itself is invalid and reported on its own
        if end.astimezone(dt.UTC) <= start.astimezone(dt.UTC):  # instants, not clock faces
            offsets = end.utcoffset() != start.utcoffset()
            shown = "%Y-%m-%d %H:%M (UTC%z)" if offsets else "%Y-%m-%d %H:%M"
            raise ValueError(
                f"the end {end.strftime(shown)} is not after the start "
                f"{start.strftime(shown)}; correct one of them."
            )
        length = end.astimezone(dt.UTC) - start.astimezone(dt.UTC)
        if length > dt.timedelta(minutes=MAX_SITTING_MINUTES):
            raise ValueError(
                f"the sitting would last {length.days} days and "
                f"{length.seconds // 3600} hours; a sitting lasts at most "
                f"{MAX_SITTING_MINUTES // (24 * 60)} days, so check the dates."
            )
        return end

    @model_validator(mode="after")
    def _has_length(self) -> Sitting:
        if self.start is not None and self.end is None and self.duration_minutes is None:
            raise ValueError("give the sitting an end or a duration_minutes.")
        return self

    @model_validator(mode="after")
    def _exceptions_are_occurrences(self) -> Sitting:
        if not self.exceptions:
            return self
        if self.recurrence is None or self.start is None:
            raise ValueError(
                "exceptions move or skip occurrences of a recurring sitting; give the "
                "sitting a start and a recurrence, or remove its exceptions."
            )
        starts, _ = rule_starts(self.start, self.recurrence)
        dates = sorted(s.date() for s in starts)
        problems: list[InitErrorDetails] = []
        for day, change in self.exceptions.items():
            message = _exception_problem(day, change, dates, self)
            if message is not None:
                problems.append(
                    InitErrorDetails(
                        type=PydanticCustomError("value_error", "{error}", {"error": message}),
                        loc=("exceptions", day.isoformat()),
                        input=change if isinstance(change, str) else change.model_dump(),
                    )
                )
        if problems:
            raise ValidationError.from_exception_data("Sitting", problems)
        return self

    @property
    def moves(self) -> dict[dt.date, Literal["skip"] | Move]:
        """The exceptions with every moved occurrence's end resolved (the sitting's length
        when not given)."""
        length = self._length()
        out: dict[dt.date, Literal["skip"] | Move] = {}
        for day, change in self.exceptions.items():
            if isinstance(change, MovedOccurrence):
                end = change.end or elapsed(change.start, length.total_seconds() / 60)
                out[day] = Move(change.start, end)
            else:
                out[day] = "skip"
        return out

    @property
    def reasons(self) -> dict[dt.date, str]:
        """The reason given for each exception that has one, by original date."""
        return {
            day: change.reason
            for day, change in self.exceptions.items()
            if not isinstance(change, str) and change.reason
        }

    def occurrences(self) -> Expansion | None:
        """Every occurrence of a recurring sitting (exceptions applied), bounded as
        :func:`~meetlink.loading.occurrences.expand` says; None for a single sitting or one
        without a time yet."""
        finish = self.finish
        if self.recurrence is None or self.start is None or finish is None:
            return None
        return expand(self.start, finish, self.recurrence, self.moves, self.reasons)

    def _length(self) -> dt.timedelta:
        finish = self.finish
        if self.start is None or finish is None:
            return dt.timedelta(0)
        return finish.astimezone(dt.UTC) - self.start.astimezone(dt.UTC)

    @property
    def finish(self) -> dt.datetime | None:
        """The end, from ``end`` or ``start + duration_minutes`` (elapsed time); None while
        unscheduled."""
        if self.start is None:
            return None
        if self.end is not None:
            return self.end
        return elapsed(self.start, self.duration_minutes or 0)


def _exception_problem(
    day: dt.date,
    change: Literal["skip"] | SkippedOccurrence | MovedOccurrence,
    dates: list[dt.date],
    sitting: Sitting,
) -> str | None:
    """Why one exception cannot be taken, or None."""
    if day not in dates:
        near = sorted(dates, key=lambda d: abs((d - day).days))[:1]
        hint = f" (the nearest is {near[0].isoformat()})" if near else ""
        return (
            f"{day.isoformat()} is not a date of the rule '{sitting.recurrence}'{hint}; key "
            "an exception by the date the sitting would have been held."
        )
    if isinstance(change, MovedOccurrence) and change.end is not None:
        if change.end.astimezone(dt.UTC) <= change.start.astimezone(dt.UTC):
            return (
                f"the moved occurrence ends {change.end:%Y-%m-%d %H:%M}, not after its start "
                f"{change.start:%Y-%m-%d %H:%M}; correct one of them."
            )
        length = change.end.astimezone(dt.UTC) - change.start.astimezone(dt.UTC)
        if length > dt.timedelta(minutes=MAX_SITTING_MINUTES):
            return "the moved occurrence would last more than three days; check its dates."
    if isinstance(change, MovedOccurrence):
        where = dates.index(day)
        before = dates[where - 1] if where > 0 else None
        after = dates[where + 1] if where + 1 < len(dates) else None
        moved = change.start.date()
        if (before is not None and moved <= before) or (after is not None and moved >= after):
            between = " and ".join(d.isoformat() for d in (before, after) if d is not None)
            return (
                f"the occurrence of {day.isoformat()} would move to {moved.isoformat()}, not "
                f"between its neighbours ({between}); calendar programs (Outlook) refuse a "
                "moved occurrence that reaches another: skip it and add a sitting of its own."
            )
    return None
