"""The meeting file: what, when, who organizes, which tracks on which platforms.

Times are written without an offset (``2023-09-10T08:00``) and read in the meeting's IANA
time zone (default ``Asia/Ho_Chi_Minh``); a time written with an offset is converted to it.
A sitting may have no ``start`` yet ("time announced later").

Bounds, so that a slip of the keyboard is an error at its line, never a crash later on:

* a time lies in the years :data:`MIN_YEAR`–:data:`MAX_YEAR`;
* a local time that does not exist in the zone (the hour skipped when the clocks go forward)
  is refused; one that happens twice (the hour repeated when they go back) is refused too,
  with the advice to write its offset (``2024-10-27T02:30+02:00`` is the first);
* ``end`` is after ``start`` as instants (in UTC), and a sitting lasts at most
  :data:`MAX_SITTING_MINUTES`; ``duration_minutes`` is elapsed time: 120 minutes are two
  hours on the clock that night the clocks change too;
* ``arrive_early_minutes`` is at most a day; a ``recurrence`` repeats DAILY, WEEKLY, MONTHLY
  or YEARLY, at the start's time of day (no BYHOUR, BYMINUTE or BYSECOND);
* a recurring sitting's ``exceptions`` are keyed by dates the rule gives (in the meeting's
  zone), each ``skip`` or a new ``start`` (and ``end``): see
  :mod:`meetlink.loading.occurrences`.

Example:
    >>> m = Meeting.model_validate({
    ...     "id": "demo", "title": "Giờ sinh hoạt", "organizer": {"email": "vp@thiuy.example"},
    ...     "roster": "roster.csv",
    ...     "tracks": [{"id": "main", "sittings": [{"id": "s1", "start": "2023-09-10T08:00",
    ...                                            "end": "2023-09-10T10:00"}]}]})
    >>> m.tracks[0].sittings[0].start.isoformat()
    '2023-09-10T08:00:00+07:00'
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

from meetlink.loading.notice import MeetingKind, Notice, composition_keys, meeting_kind
from meetlink.loading.occurrences import Expansion, Move, expand, rule_starts
from meetlink.loading.registration import Registration
from meetlink.loading.roster import Contact, Email, UnitKind
from meetlink.text import nfc

__all__ = [
    "MAX_ARRIVE_EARLY_MINUTES",
    "MAX_SITTING_MINUTES",
    "MAX_YEAR",
    "MIN_YEAR",
    "AttendanceMode",
    "ConferenceMode",
    "Delivery",
    "InviteMode",
    "Meeting",
    "MovedOccurrence",
    "Rules",
    "Sitting",
    "SkippedOccurrence",
    "SmtpSettings",
    "Track",
    "TrackUnits",
]

_Text = Annotated[str, AfterValidator(nfc)]
_Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
MIN_YEAR, MAX_YEAR = 2000, 2100
"""The years a meeting's times may lie in."""
MAX_SITTING_MINUTES = 3 * 24 * 60
"""The longest sitting: three days (a longer one is a slip in a date)."""
MAX_ARRIVE_EARLY_MINUTES = 24 * 60
_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_RRULE_PART = re.compile(r"(?i)(?:^|;)\s*(FREQ|BYHOUR|BYMINUTE|BYSECOND)\s*=\s*([^;]*)")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConferenceMode(StrEnum):
    """``shared``: one conference per sitting for the whole track; ``per_point``: one per point."""

    SHARED = "shared"
    PER_POINT = "per_point"


class AttendanceMode(StrEnum):
    """``split``: members divided across the sittings (classes); ``all``: everyone every time."""

    SPLIT = "split"
    ALL = "all"


class InviteMode(StrEnum):
    """How invitations travel: e-mail (SMTP, or the outbox when none), outbox, or the platform."""

    EMAIL = "email"
    OUTBOX = "outbox"
    PLATFORM = "platform"


class Rules(_Model):
    """Planning rules; set per meeting, overridable per track.

    ``own_point_min_members``: an agency with at least this many members runs its own point
    (seed 000's "more than 15" is 16). ``default_host``: the unit whose point small agencies
    without a ``join_point`` sit at.
    """

    own_point_min_members: int = Field(default=16, ge=0)
    default_host: str | None = None
    cells_min_members: int = Field(default=50, ge=1)


class TrackUnits(_Model):
    """Which units a track takes: by kind, and by id (ids win over kinds)."""

    kinds: tuple[UnitKind, ...] = ()
    ids: tuple[str, ...] = ()


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
        return _localize(value, info)


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
        return _localize(value, info)

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


class Track(_Model):
    """A part of the meeting held on one platform, with its own units and sittings."""

    id: _Id
    title: _Text | None = None
    platform: str = "jitsi"
    units: TrackUnits = TrackUnits()
    conference: ConferenceMode = ConferenceMode.SHARED
    attendance: AttendanceMode = AttendanceMode.ALL
    cells: bool = False
    sittings: tuple[Sitting, ...] = Field(min_length=1)
    invites: InviteMode = InviteMode.EMAIL
    rules: Rules | None = None
    handout: Literal["email", "split"] = "email"
    settings: dict[str, Any] = Field(default_factory=dict)
    capacity: int | None = Field(default=None, ge=2)  # participants a conference holds (tiers)
    tiers: tuple[Annotated[str, AfterValidator(nfc)], ...] = ()  # units hosting a relay

    @model_validator(mode="after")
    def _unique_sittings(self) -> Track:
        ids = [s.id for s in self.sittings]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"sitting id '{duplicates[0]}' is used twice in this track.")
        return self


class SmtpSettings(_Model):
    """An SMTP server. The password is read from the environment variable ``password_env``."""

    host: str
    port: int = Field(default=587, gt=0, lt=65536)
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0, le=3600, allow_inf_nan=False)


class Delivery(_Model):
    """Where messages go: SMTP when configured, otherwise the outbox folder in the state folder."""

    smtp: SmtpSettings | None = None
    sender: Email | None = None


class Meeting(_Model):
    """The meeting file, validated. ``roster`` and ``templates`` are resolved relative to the
    meeting file.

    ``kind`` chooses the words (:class:`~meetlink.loading.notice.MeetingKind`), ``notice``
    the particulars of the office's document, ``composition`` the "Thành phần" line for each
    kind of bridge point (``main``, ``commune``, ``village``, ``agency``, ``cell``), and
    ``templates`` a folder whose files replace the built-in words of invitations.
    """

    id: _Id
    title: _Text = Field(min_length=1)
    organizer: Contact
    timezone: str = DEFAULT_TIMEZONE
    language: Literal["vi", "en"] = "vi"
    agenda: tuple[_Text, ...] = ()
    description: _Text = ""
    roster: Path
    arrive_early_minutes: int = Field(default=15, ge=0, le=MAX_ARRIVE_EARLY_MINUTES)
    rehearsal: dt.datetime | None = None
    rules: Rules = Rules()
    tracks: tuple[Track, ...] = Field(min_length=1)
    delivery: Delivery = Delivery()
    help_contacts: tuple[Contact, ...] = ()
    kind: MeetingKind = MeetingKind.MEETING
    notice: Notice = Notice()
    composition: Annotated[dict[str, str], AfterValidator(composition_keys)] = Field(
        default_factory=dict
    )
    templates: Path | None = None
    registration: Registration | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_words(cls, value: Any) -> Any:
        return meeting_kind(value)

    @field_validator("timezone")
    @classmethod
    def _iana_zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("rehearsal", mode="before")
    @classmethod
    def _rehearsal_in_zone(cls, value: Any, info: ValidationInfo) -> Any:
        return _localize(value, info)

    @field_validator("organizer")
    @classmethod
    def _organizer_has_email(cls, value: Contact) -> Contact:
        if value.email is None:
            raise ValueError("the organizer needs an email: invitations are sent in its name.")
        return value

    @model_validator(mode="after")
    def _unique_tracks(self) -> Meeting:
        ids = [t.id for t in self.tracks]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"track id '{duplicates[0]}' is used twice; give each its own id.")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The meeting's time zone."""
        return ZoneInfo(self.timezone)

    def rules_for(self, track: Track) -> Rules:
        """The rules in force for a track: its own, else the meeting's."""
        return track.rules or self.rules


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


def _localize(value: Any, info: ValidationInfo) -> Any:
    """Parse a time and make it aware in the meeting's zone (from the validation context)."""
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
