"""Who sits where in a sitting, and who receives its invitation. Pure, no I/O.

:func:`seated_points` walks a plan: for every sitting with a time and every bridge point
with seats in it, the units seated there (:class:`SeatedUnit`, with their seats and the
members the seats are drawn from) and the addresses the invitation goes to
(:class:`Recipient`): the ``contact_emails`` of every seated unit, then the host unit's
technical officer, each address once. :mod:`meetlink.invites.specs` builds the invitations
from it.

Example:
    >>> SeatedUnit("DS-CA", "Chi bộ Công an xã Dị Sử", 4, 12).seats
    4
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass

from meetlink.loading.meeting import AttendanceMode
from meetlink.planning import BridgePoint, Plan, PlannedSitting

__all__ = [
    "Recipient",
    "Relay",
    "SeatedUnit",
    "SeatingIndex",
    "conference_index",
    "relays",
    "seated_points",
]


@dataclass(frozen=True)
class Recipient:
    """One address that receives the invitation; ``units`` are the units it receives it for.

    >>> Recipient("hoadam@disu.example", "Chi bộ thôn Hòa Đam", ("DS-HD",)).units
    ('DS-HD',)
    """

    email: str
    name: str = ""
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeatedUnit:
    """A unit seated at the bridge point for this sitting, with its number of seats.

    ``members`` are the members its seats are drawn from (its members less those excluded;
    a party cell's own members): a class calls ``seats`` of ``members`` ("8/24"). 0 when
    unknown (a spec stored by an older meetlink).

    >>> SeatedUnit("DS-CA", "Chi bộ Công an xã Dị Sử", 4, 12).members
    12
    """

    id: str
    name: str
    seats: int
    members: int = 0


Seated = tuple[PlannedSitting, BridgePoint, tuple[SeatedUnit, ...], tuple[Recipient, ...]]
"""A sitting, a point with seats in it, the units seated there and the recipients."""


def conference_index(plan: Plan) -> dict[tuple[str, str, str], str]:
    """``(track, sitting, point)`` → the key of the conference that point joins (a relay
    point of a tiered track: the conference above, where it receives the meeting)."""
    return {
        (c.track, c.sitting, point_id): c.key
        for c in plan.conferences
        for point_id in c.bridge_points
        if point_id != c.relay_point
    }


@dataclass(frozen=True)
class Relay:
    """A point's place in a tiered track (:mod:`meetlink.planning.tiers`): the name of the
    point that relays the meeting to it (``source``: "" in the main conference), how many
    points it relays to itself (``relays_to``), and the key of the first conference it relays
    (``conference``: "" when it relays none)."""

    source: str = ""
    relays_to: int = 0
    conference: str = ""


def relays(plan: Plan) -> dict[tuple[str, str, str], Relay]:
    """``(track, sitting, point)`` → its :class:`Relay`, for the points of relayed
    conferences only (an untiered plan gives an empty mapping)."""
    source: dict[tuple[str, str, str], str] = {}
    relayed: dict[tuple[str, str, str], tuple[int, str]] = {}
    for c in plan.conferences:
        if c.relay_point is None:
            continue
        name = plan.point(c.relay_point).name
        for point_id in c.bridge_points:
            if point_id != c.relay_point:
                source[(c.track, c.sitting, point_id)] = name
        at = (c.track, c.sitting, c.relay_point)
        count, first = relayed.get(at, (0, c.key))
        relayed[at] = (count + len(c.bridge_points) - 1, first)
    out = {key: Relay(source=name) for key, name in source.items()}
    for key, (count, first) in relayed.items():
        out[key] = Relay(out.get(key, Relay()).source, count, first)
    return out


_SeatIndex = Mapping[tuple[str, str], Mapping[str, int]]  # (unit, point) → sitting → seats


@dataclass(frozen=True)
class SeatingIndex:
    """What :func:`seated_points` and :func:`~meetlink.invites.planned.invitations_for`
    look up for each point, made from a plan once (:meth:`of`): on a shared ledger a worker
    builds its share of the invitations a claimed group at a time, and each group would
    otherwise index the whole plan again (issue 17: about 30 ms a group at 31,000 points).

    >>> SeatingIndex.of(plan).conference_of[("main", "s1", "TU")]  # doctest: +SKIP
    'main/s1'
    """

    seats_at: _SeatIndex
    split: frozenset[str]
    conference_of: Mapping[tuple[str, str, str], str]
    relay_of: Mapping[tuple[str, str, str], Relay]

    @classmethod
    def of(cls, plan: Plan) -> SeatingIndex:
        """The plan's index."""
        return cls(
            {(seat.unit, seat.point): seat.seats for seat in plan.seats},
            frozenset(t.id for t in plan.meeting.tracks if t.attendance == AttendanceMode.SPLIT),
            conference_index(plan),
            relays(plan),
        )


def seated_points(
    plan: Plan, points: Container[str] | None = None, index: SeatingIndex | None = None
) -> Iterator[Seated]:
    """Every (scheduled sitting, point with seats), its seated units and recipients;
    ``points``: only those of these bridge points (a worker's share of a meeting);
    ``index``: the plan's :class:`SeatingIndex`, when the caller keeps it.

    >>> next(seated_points(plan))  # doctest: +SKIP
    (PlannedSitting(id='s1', ...), BridgePoint(id='TU', ...), (SeatedUnit(...),), (...))
    """
    index = index or SeatingIndex.of(plan)
    seats_at, split = index.seats_at, index.split
    for sitting in plan.sittings:
        if sitting.start is None or sitting.end is None:
            continue  # time announced later: invited when a later run finds the start
        for point in plan.points_of(sitting.track):
            if points is not None and point.id not in points:
                continue
            seated = tuple(
                SeatedUnit(
                    unit_id,
                    plan.units[unit_id].name,
                    n,
                    _members(plan, point, unit_id, n, sitting.track in split),
                )
                for unit_id in point.units
                if (n := _seats(point, unit_id, sitting.id, seats_at)) > 0
            )
            if not seated:
                continue
            yield plan.sitting_at(sitting, point), point, seated, _recipients(plan, point, seated)


def _seats(point: BridgePoint, unit_id: str, sitting_id: str, seats_at: _SeatIndex) -> int:
    if point.cell is not None or len(point.units) == 1:
        return point.seats.get(sitting_id, 0)  # the point's seats are its one unit's (or cell's)
    return seats_at.get((unit_id, point.id), {}).get(sitting_id, 0)


def _members(plan: Plan, point: BridgePoint, unit_id: str, seats: int, split: bool) -> int:
    """The members a unit's seats are drawn from: its seated members; a party cell's own
    (split over the sittings: its seats at all of them; otherwise every one, every time)."""
    if point.cell is not None:  # a branch split into numbered cells, not a cell's own row
        return sum(point.seats.values()) if split else seats
    return plan.units[unit_id].seated_members


def _recipients(
    plan: Plan, point: BridgePoint, seated: Sequence[SeatedUnit]
) -> tuple[Recipient, ...]:
    found: dict[str, tuple[str, str, list[str]]] = {}  # folded address → (address, name, units)
    wanted: list[tuple[str, str, str]] = []
    for seated_unit in seated:
        unit = plan.units[seated_unit.id]
        wanted.extend((email, unit.name, unit.id) for email in unit.contact_emails)
    host = plan.units.get(point.host_unit)
    if host is not None and host.officer is not None and host.officer.email:
        wanted.append((host.officer.email, host.officer.name or host.name, host.id))
    for email, name, unit_id in wanted:
        entry = found.setdefault(email.casefold(), (email, name, []))
        if unit_id not in entry[2]:
            entry[2].append(unit_id)
    return tuple(Recipient(email, name, tuple(units)) for email, name, units in found.values())
