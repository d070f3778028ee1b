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

The sitting and its exceptions are models of :mod:`meetlink.loading.sitting`, the reading of
times of :mod:`meetlink.loading.times`; both are importable from here too.

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
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from meetlink.errors import Problem
from meetlink.loading.notice import MeetingKind, Notice, composition_keys, meeting_kind
from meetlink.loading.registration import Registration
from meetlink.loading.roster import Contact, Email, UnitKind
from meetlink.loading.sitting import (
    MAX_SITTING_MINUTES,
    MovedOccurrence,
    Sitting,
    SkippedOccurrence,
)
from meetlink.loading.times import (
    DEFAULT_TIMEZONE,
    MAX_YEAR,
    MIN_YEAR,
    check_timezone,
    elapsed,
    localize,
)
from meetlink.loading.yaml_file import KeyPath, dotted, line_for
from meetlink.text import nfc

__all__ = [
    "DEFAULT_TIMEZONE",
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
    "check_timezone",
    "elapsed",
]

_Text = Annotated[str, AfterValidator(nfc)]
_Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
MAX_ARRIVE_EARLY_MINUTES = 24 * 60


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

    @field_validator("tiers")
    @classmethod
    def _tiers_of_a_shared_track(
        cls, value: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        named = [unit for i, unit in enumerate(value) if unit in value[:i]]
        if named:
            raise ValueError(
                f"unit '{named[0]}' is named twice in tiers; name each relay unit once."
            )
        if value and info.data.get("conference") == ConferenceMode.PER_POINT:
            raise ValueError(
                "tiers relay a shared conference, and this track has one conference per "
                "point (conference: per_point); remove tiers or write conference: shared."
            )
        return value

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
    _written: _Written = PrivateAttr(default_factory=lambda: _Written())

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
        return localize(value, info)

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

    def written_in(self, source: str, lines: dict[KeyPath, int]) -> Meeting:
        """Remember the file this meeting was read from and the line of each key, so that
        a problem found later (by the planner) is reported where it was written; returns
        the meeting itself. :func:`meetlink.loading.load_meeting` calls it."""
        self._written = _Written(source, lines)
        return self

    def problem(self, key: KeyPath, message: str) -> Problem:
        """A problem with the value at ``key`` of the meeting file (``FILE:LINE: key.path:
        message``); file and line are unknown (``meeting``, 0) for a meeting not read from
        a file.

        >>> meeting = Meeting.model_validate({"id": "q3", "title": "Q3",
        ...     "organizer": {"email": "vp@thiuy.example"}, "roster": "roster.csv",
        ...     "tracks": [{"id": "main", "sittings": [{"id": "s1"}]}]})
        >>> located = meeting.written_in("q3.yaml", {("tracks", 0): 5, ("tracks", 0, "id"): 5})
        >>> str(located.problem(("tracks", 0, "tiers", 1), "name the unit whose hall relays."))
        'q3.yaml:5: tracks[0].tiers[1]: name the unit whose hall relays.'
        """
        written = self._written
        line = line_for(written.lines, key) if written.lines else 0
        return Problem(written.source or "meeting", line, dotted(key), message, yaml=True)


class _Written:
    """Where a meeting was read from: its file and the line of each key. Not part of the
    meeting's value: two meetings equal field by field are equal wherever they were read."""

    __slots__ = ("lines", "source")

    def __init__(self, source: str = "", lines: dict[KeyPath, int] | None = None) -> None:
        self.source = source
        self.lines: dict[KeyPath, int] = lines or {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Written)

    def __hash__(self) -> int:
        return 0
