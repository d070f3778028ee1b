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
from dataclasses import dataclass, field
from enum import StrEnum
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
    """A conference to create: one per sitting (shared) or per sitting and point (per_point)."""

    key: str
    track: str
    sitting: str
    platform: str
    bridge_points: tuple[str, ...]


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
        self._by_id.update((p.id, p) for p in self.bridge_points)
        grouped: dict[str, list[BridgePoint]] = {}
        for p in self.bridge_points:
            grouped.setdefault(p.track, []).append(p)
        self._by_track.update((t, tuple(ps)) for t, ps in grouped.items())

    def point(self, point_id: str) -> BridgePoint:
        """The bridge point with this id (KeyError if there is none)."""
        return self._by_id[point_id]

    def points_of(self, track: str) -> tuple[BridgePoint, ...]:
        """The bridge points of one track."""
        return self._by_track.get(track, ())


def split_evenly(total: int, parts: int) -> tuple[int, ...]:
    """Divide ``total`` into ``parts`` whole numbers differing by at most one, extras first.

    >>> split_evenly(2, 3), split_evenly(0, 2), split_evenly(100, 3)
    ((1, 1, 0), (0, 0), (34, 33, 33))
    """
    if parts <= 0:
        return ()
    base, extra = divmod(total, parts)
    return tuple(base + 1 if i < extra else base for i in range(parts))
