"""What the planner decides, as data: bridge points, seats, sittings, conferences, the plan.

Built by :func:`meetlink.planning.plan_meeting`; read by every layer above (reconcile, the
documents, the report). Pure data, no I/O.

Example:
    >>> split_evenly(10, 3)
    (4, 3, 3)
    >>> PointRole("commune").value
    'commune'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

from meetlink.loading.meeting import Meeting
from meetlink.loading.occurrences import Occurrence
from meetlink.loading.roster import Equipment, Unit

__all__ = [
    "BridgePoint",
    "Conference",
    "Plan",
    "PlannedSitting",
    "PointRole",
    "Seat",
    "split_evenly",
]


class PointRole(StrEnum):
    """Why a bridge point exists."""

    MAIN = "main"
    DISTRICT = "district"
    COMMUNE = "commune"
    VILLAGE = "village"
    AGENCY = "agency"
    CELL = "cell"


class BridgePoint(NamedTuple):
    """One conference endpoint: a hall where one or more units sit.

    ``seats`` maps sitting id → seats at this point for that sitting. (A named tuple: plans
    of 100,000 units build tens of thousands of these, and tuples are built in C.)
    """

    id: str
    name: str
    location: str
    host_unit: str
    units: tuple[str, ...]
    track: str
    platform: str
    role: PointRole
    seats: Mapping[str, int]
    equipment: Equipment = Equipment.COMPUTER
    cell: int | None = None
    parent_point: str | None = None
    meets_at: dt.time | None = None
    """A party cell's own hour: it meets then, not at its track's (see :meth:`Plan.sitting_at`)."""


class Seat(NamedTuple):
    """A unit's seats per sitting, and the point where it sits."""

    unit: str
    point: str
    track: str
    seats: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class PlannedSitting:
    """A sitting with its times resolved: ``end`` from ``end`` or the duration, ``arrive_by``."""

    id: str
    track: str
    title: str
    start: dt.datetime | None
    end: dt.datetime | None
    recurrence: str | None
    arrive_by: dt.datetime | None
    location: str | None = None
    occurrences: tuple[Occurrence, ...] = ()
    """Every occurrence of a recurring sitting, exceptions applied (empty for one sitting)."""
    occurrences_complete: bool = True
    """False when the rule has no end (COUNT or UNTIL) and only a year's dates are listed."""

    @property
    def key(self) -> str:
        """``track/sitting``: unique within a meeting."""
        return f"{self.track}/{self.id}"


@dataclass(frozen=True, slots=True)
class Conference:
    """A conference to create: one per sitting (shared) or per sitting and point (per_point).

    A ``shared`` track too large for its platform's ``capacity`` is relayed in tiers
    (:mod:`meetlink.planning.tiers`): ``parent`` is the key of the conference above,
    ``relay_point`` the point that sits in both and carries the sound and picture down, and
    ``tier`` counts the relays between the main conference (0) and this one.
    ``bridge_points`` then starts with the relay point.
    """

    key: str
    track: str
    sitting: str
    platform: str
    bridge_points: tuple[str, ...]
    parent: str | None = None
    relay_point: str | None = None
    tier: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the planner decided, in a stable order."""

    meeting: Meeting
    bridge_points: tuple[BridgePoint, ...]
    sittings: tuple[PlannedSitting, ...]
    conferences: tuple[Conference, ...]
    seats: tuple[Seat, ...]
    not_invited: tuple[str, ...]
    notes: tuple[str, ...] = ()
    rehearsal: dt.datetime | None = None
    units: Mapping[str, Unit] = field(default_factory=dict, repr=False, compare=False)

    _by_id: dict[str, BridgePoint] = field(default_factory=dict, repr=False, compare=False)
    _by_track: dict[str, tuple[BridgePoint, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Indexes for the lookups ``open`` makes once per point: without them a plan of
        # 10,000 points would be searched 10,000 times.
        points = self.bridge_points
        self._by_id.update({p.id: p for p in points})
        grouped: dict[str, list[BridgePoint]] = {}
        for track, run in groupby(points, key=attrgetter("track")):  # planned track by track
            grouped.setdefault(track, []).extend(run)
        self._by_track.update((t, tuple(ps)) for t, ps in grouped.items())

    def point(self, point_id: str) -> BridgePoint:
        """The bridge point with this id (KeyError if there is none)."""
        return self._by_id[point_id]

    def points_of(self, track: str) -> tuple[BridgePoint, ...]:
        """The bridge points of one track."""
        return self._by_track.get(track, ())

    def sitting_at(self, sitting: PlannedSitting, point: BridgePoint) -> PlannedSitting:
        """The sitting as ``point`` holds it: a party cell with an hour of its own
        (``meets_at``) meets then, on each day the sitting is held, for as long; every other
        point (and a sitting whose time is announced later) as planned.

        >>> plan.sitting_at(plan.sittings[0], plan.point("CB05-to1")).start  # doctest: +SKIP
        datetime.datetime(2023, 5, 4, 19, 30, tzinfo=zoneinfo.ZoneInfo(key='Asia/Ho_Chi_Minh'))
        """
        hour = point.meets_at
        if hour is None or sitting.start is None or sitting.end is None:
            return sitting
        start = _at_hour(sitting.start, hour)
        early = sitting.start - sitting.arrive_by if sitting.arrive_by is not None else None
        return replace(
            sitting,
            start=start,
            end=start + (sitting.end - sitting.start),
            arrive_by=start - early if early is not None else None,
            occurrences=tuple(
                replace(
                    o,
                    original=_at_hour(o.original, hour),
                    start=_at_hour(o.start, hour),
                    end=_at_hour(o.start, hour) + (o.end - o.start),
                )
                for o in sitting.occurrences
            ),
        )


def _at_hour(moment: dt.datetime, hour: dt.time) -> dt.datetime:
    """The same day, at ``hour`` (in the moment's own zone)."""
    return moment.replace(hour=hour.hour, minute=hour.minute, second=0, microsecond=0)


def split_evenly(total: int, parts: int) -> tuple[int, ...]:
    """Divide ``total`` into ``parts`` whole numbers differing by at most one, extras first.

    >>> split_evenly(2, 3), split_evenly(0, 2), split_evenly(100, 3)
    ((1, 1, 0), (0, 0), (34, 33, 33))
    """
    if parts <= 0:
        return ()
    base, extra = divmod(total, parts)
    return tuple(base + 1 if i < extra else base for i in range(parts))
