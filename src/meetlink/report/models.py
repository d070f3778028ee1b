"""The typed results of the report package: roll calls in, the report out. Frozen, no I/O.

Roll calls (:class:`RollCalls`) hold what was reported: sheet rows (:class:`RollCall`),
platform connections (:class:`Connection`) and participants matched to no point. The report
(:class:`Report`) holds a :class:`SittingResult` per sitting with a :class:`PointResult`
per bridge point and a :class:`UnitResult` per unit, :class:`Totals` per sitting, track and
meeting, and the lists of :class:`Missing` and :class:`Late` roll calls and :class:`Notice`
warnings.

Example:
    >>> t = Totals("Lớp 1", expected=100, expected_reported=80, present=72, points=10,
    ...            points_reported=8)
    >>> t.rate, t.coverage
    (0.9, 0.8)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from meetlink.planning import PlannedSitting

__all__ = [
    "Connection",
    "Late",
    "LateKind",
    "Missing",
    "Notice",
    "NoticeKind",
    "PointResult",
    "Report",
    "RollCall",
    "RollCalls",
    "SittingResult",
    "Source",
    "Totals",
    "UnitResult",
    "UnmatchedParticipant",
]


@dataclass(frozen=True, slots=True)
class RollCall:
    """One reported count: a whole bridge point (``unit`` None) or one unit at it, in one
    sitting (and, for a recurring sitting, one ``occurrence``)."""

    track: str
    sitting: str
    point: str
    unit: str | None
    present: int
    names: tuple[str, ...] = ()
    reported_at: dt.datetime | None = None
    source: str = ""
    row: int = 0
    column: str = ""
    occurrence: dt.date | None = None
    """The original date of the occurrence of a recurring sitting (None for one sitting)."""

    @property
    def where(self) -> str:
        """``FILE:ROW`` of the sheet row this came from."""
        return f"{self.source}:{self.row}" if self.row else self.source


@dataclass(frozen=True, slots=True)
class Connection:
    """A bridge point seen on the platform in a sitting: when, and how many participants."""

    track: str
    sitting: str
    point: str
    first_joined: dt.datetime
    participants: int


@dataclass(frozen=True, slots=True)
class UnmatchedParticipant:
    """A platform participant that could not be matched to a bridge point, and why."""

    conference: str
    display_name: str
    joined_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class RollCalls:
    """Everything known about attendance: sheet rows, platform connections, leftovers.

    ``observed`` holds ``(track, sitting, point)`` for every point whose conference the
    platform records cover, so a point in it without a connection never connected.
    """

    calls: tuple[RollCall, ...] = ()
    connections: tuple[Connection, ...] = ()
    unmatched: tuple[UnmatchedParticipant, ...] = ()
    observed: frozenset[tuple[str, str, str]] = field(default_factory=frozenset)
    sources: tuple[str, ...] = ()

    def merge(self, *others: RollCalls) -> RollCalls:
        """These roll calls and the others together (sheets plus platform records).

        >>> RollCalls(sources=("a.csv",)).merge(RollCalls(sources=("b.csv",))).sources
        ('a.csv', 'b.csv')
        """
        parts = (self, *others)
        return RollCalls(
            calls=tuple(c for p in parts for c in p.calls),
            connections=tuple(c for p in parts for c in p.connections),
            unmatched=tuple(u for p in parts for u in p.unmatched),
            observed=frozenset().union(*(p.observed for p in parts)),
            sources=tuple(s for p in parts for s in p.sources),
        )


class Source(StrEnum):
    """Where a point's present count came from."""

    SHEET = "sheet"
    UNITS = "units"
    PLATFORM = "platform"
    NONE = "none"


class LateKind(StrEnum):
    """Why a roll call is listed as late."""

    REPORTED_LATE = "reported_late"  # the sheet's report time is past the deadline
    JOINED_LATE = "joined_late"  # the platform saw the point join after the start


def _rate(present: int | None, expected: int) -> float | None:
    return None if present is None or expected <= 0 else present / expected


@dataclass(frozen=True, slots=True)
class PointResult:
    """One bridge point in one sitting."""

    track: str
    sitting: str
    point: str
    name: str
    expected: int
    present: int | None
    source: Source
    connected: bool | None = None  # None: no platform records for its conference
    units: int = 1
    units_reported: int = 0

    @property
    def rate(self) -> float | None:
        """present / expected, None while not reported."""
        return _rate(self.present, self.expected)

    @property
    def reported(self) -> bool:
        """Whether a count is known."""
        return self.present is not None


@dataclass(frozen=True, slots=True)
class UnitResult:
    """One unit in one sitting; ``present`` is None when only its point's total is known."""

    track: str
    sitting: str
    unit: str
    name: str
    point: str
    expected: int
    present: int | None

    @property
    def rate(self) -> float | None:
        """present / expected, None while unknown."""
        return _rate(self.present, self.expected)


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over a sitting, a track or the meeting."""

    label: str
    expected: int
    expected_reported: int
    present: int
    points: int
    points_reported: int

    @property
    def rate(self) -> float | None:
        """present / expected of the points that reported."""
        return _rate(self.present, self.expected_reported)

    @property
    def coverage(self) -> float | None:
        """Share of the points that reported."""
        return _rate(self.points_reported, self.points)

    @classmethod
    def of(cls, label: str, rows: Iterable[PointResult]) -> Totals:
        """The totals of some point rows."""
        rows = list(rows)
        done = [r for r in rows if r.present is not None]
        return cls(
            label=label,
            expected=sum(r.expected for r in rows),
            expected_reported=sum(r.expected for r in done),
            present=sum(r.present or 0 for r in done),
            points=len(rows),
            points_reported=len(done),
        )


@dataclass(frozen=True, slots=True)
class Missing:
    """A point (or a unit at a point that reported) that sent no roll call for a sitting."""

    track: str
    sitting: str
    point: str
    name: str
    unit: str | None = None
    connected: bool | None = None


@dataclass(frozen=True, slots=True)
class Late:
    """A roll call reported after the deadline, or a point that joined after the start."""

    track: str
    sitting: str
    point: str
    name: str
    at: dt.datetime
    minutes: int
    kind: LateKind


class NoticeKind(StrEnum):
    """What a warning line in the report is about."""

    OVER_EXPECTED = "over_expected"  # more present than expected: check the figures
    UNITS_DISAGREE = "units_disagree"  # the point's row and its units' rows differ


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning line: not an error, the report is still made.

    For ``UNITS_DISAGREE``, ``present`` is the point's own count and ``expected`` the sum
    of its units' rows (the point's own count is used).
    """

    kind: NoticeKind
    track: str
    sitting: str
    point: str
    name: str
    present: int
    expected: int
    unit: str | None = None
    where: str = ""


@dataclass(frozen=True, slots=True)
class SittingResult:
    """One sitting: its point and unit rows and totals.

    ``name`` is the sitting's own title (or its date, never its id), ``label`` adds the
    track's title.
    """

    sitting: PlannedSitting
    label: str
    name: str
    points: tuple[PointResult, ...]
    units: tuple[UnitResult, ...]
    totals: Totals
    occurrence: dt.date | None = None
    """For one occurrence of a recurring sitting: its original date (``sitting`` then holds
    the day's times and the id ``monthly@2024-03-03``)."""


@dataclass(frozen=True, slots=True)
class Report:
    """The result report of a meeting.

    ``notices`` are the warnings (present above expected, a point's count that differs from
    its units' rows); ``unmatched`` are platform participants matched to no point.
    """

    meeting_id: str
    title: str
    organizer: str
    sittings: tuple[SittingResult, ...]
    tracks: tuple[Totals, ...]
    total: Totals
    missing: tuple[Missing, ...]
    late: tuple[Late, ...]
    notices: tuple[Notice, ...]
    unmatched: tuple[UnmatchedParticipant, ...]
    sources: tuple[str, ...] = ()

    def point_totals(self) -> list[Totals]:
        """Each bridge point over all its sittings, labelled with its name, in plan order."""
        rows: dict[str, list[PointResult]] = {}
        for sitting in self.sittings:
            for row in sitting.points:
                rows.setdefault(row.point, []).append(row)
        return [Totals.of(r[0].name, r) for r in rows.values()]
