"""The planner: units + tracks + rules → bridge points, seats and conferences. Pure, no I/O.

The rules (seeds 000 and 002; see ``docs/reference/roster.md`` and ``docs/decisions.md``):

* **Track of a unit**: listed by id in a track's ``units.ids`` > follows its ``join_point``'s
  host into the host's track > the first track whose ``units.kinds`` has its kind (also when
  the host is in no track: its join point is then reported, never silently dropped); a unit in
  no track is listed as not invited.
* **Where it sits, within its track**: a unit with an explicit ``join_point`` always sits at
  that unit's point. A committee hosts the main point; a district (a province's meeting,
  seed 001) hosts its own point; a commune hosts a point at its central hall; an
  ``attached`` branch sits at its parent's point, and so does the village that
  ``hosts_commune_hq``; every other village has its own point; an agency with at least
  ``own_point_min_members`` members has its own point, otherwise it sits at
  ``rules.default_host``'s point, otherwise it is an error naming the unit. (A branch whose
  parent is in another track is planned as an agency of its own track.)
* **Cells**: with ``cells: true`` a branch with at least ``cells_min_members`` members (50) that
  sits alone at its own point meets as its party cells (the ``cells`` column), each cell its
  own point, members split evenly. Party cells written as roster rows of their own (kind
  ``cell``, ``parent`` their branch: what ``meetlink registration`` writes) follow their
  branch's track and each has its own point, with its own name, hall, leader (chair) and
  addresses; the branch then meets as those cells (it is listed as not invited, with a note).
  Cell rows count only for a branch (a village, attached or agency unit, not a committee)
  of at least ``cells_min_members`` members that sits alone at its point, with two cells or
  more; otherwise the cells are not invited, with a note saying why. Every cell's point has
  the role ``cell``. A cell row with its own hour (``meets_at``) meets then on each day of
  its track's sittings (:meth:`Plan.sitting_at`), in a conference of its own on a shared
  track. These rules are :mod:`meetlink.planning.cells`.
* **Seats**: ``split`` divides a unit's seated members (members − excluded) across the
  track's sittings as evenly as possible, the extra seats on the first sittings; ``all``
  seats everyone at every sitting. A meeting that counts delegates (đại biểu: a conference or
  a meeting, not a party meeting) seats a unit's ``delegates`` where the roster gives them,
  and an agency with that many delegates has its own point.
* **Hierarchy**: a point's ``parent_point`` is the point where its host unit's parent sits
  (a commune's point under its district's, a village's under its commune's), when that is
  another point of the same track; otherwise None.
* **Conferences**: ``shared`` is one conference per sitting joined by every point of the
  track; ``per_point`` is one conference per sitting per point. A shared track with more
  points than its ``capacity``, or with ``tiers:``, is relayed in a tree of conferences
  (:mod:`meetlink.planning.tiers`).

Where each unit sits and its seats are decided in one pass over the roster
(:mod:`meetlink.planning.seating`); the points are then built in the plan's order.

Example:
    >>> from meetlink.loading.tracks import assign_tracks
    >>> from meetlink.loading.roster import Unit
    >>> split_evenly(10, 3)
    (4, 3, 3)
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Mapping

from meetlink.errors import PlanningError
from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Roster, Unit, UnitKind
from meetlink.loading.tracks import assign_tracks
from meetlink.planning.cells import (
    cell_count,
    cell_shares,
    cells_at_their_own_hour,
    cells_follow_branches,
    registered_cells,
)
from meetlink.planning.model import (
    BridgePoint,
    Conference,
    Plan,
    PlannedSitting,
    PointRole,
    Seat,
    split_evenly,
)
from meetlink.planning.seating import counts_delegates, seat_units
from meetlink.planning.sittings import planned_sittings
from meetlink.planning.tiers import capacity_problems, track_conferences

__all__ = [
    "BridgePoint",
    "Conference",
    "Plan",
    "PlannedSitting",
    "PointRole",
    "Seat",
    "plan_meeting",
    "split_evenly",
]


_ROLE = {
    UnitKind.COMMITTEE: PointRole.MAIN,
    UnitKind.DISTRICT: PointRole.DISTRICT,
    UnitKind.COMMUNE: PointRole.COMMUNE,
    UnitKind.VILLAGE: PointRole.VILLAGE,
    UnitKind.ATTACHED: PointRole.AGENCY,
    UnitKind.AGENCY: PointRole.AGENCY,
    UnitKind.CELL: PointRole.CELL,  # a registered cell (a roster row): its own point
}


def plan_meeting(meeting: Meeting, roster: Roster) -> Plan:
    """Plan the bridge points, seats and conferences; raise :class:`PlanningError` if a unit
    cannot be seated (every such unit is listed)."""
    # The planner makes no reference cycles, but the cyclic collector would walk every live
    # roster object many times while it allocates: pausing it halves planning a large roster.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _plan(meeting, roster)
    finally:
        if paused:
            gc.enable()


def _plan(meeting: Meeting, roster: Roster) -> Plan:
    units = roster.by_id()
    track_of = assign_tracks(meeting, roster.units, units)
    any_cells = cells_follow_branches(meeting, roster, track_of)
    by_delegates = counts_delegates(meeting)
    # One pass over the roster: where each unit sits, its share of the seats, the units at
    # each point (in the roster's order), the points' hosts in the plan's order (by track,
    # the main point first, then the roster's order: no sort of them all), who is not invited.
    seating = seat_units(meeting, roster, units, track_of)
    if seating.problems:  # with the meeting file's, all at once
        raise PlanningError([*seating.problems, *capacity_problems(meeting)])
    hosts, guests = seating.hosts, seating.guests
    notes: list[str] = []
    if any_cells:
        registered_cells(meeting, roster, units, track_of, hosts, notes)
        seating.drop(roster)
    buckets, not_invited = seating.buckets, seating.not_invited
    exact = len(units) == len(roster.units) and len(hosts) == len(track_of)
    if not exact or sum(map(len, buckets.values())) != len(guests):
        # never for a roster meetlink read (unique ids, every invited unit seated)
        track_rank = {t.id: i for i, t in enumerate(meeting.tracks)}
        buckets, not_invited = _ranked_hosts(roster, guests, track_of, track_rank)

    sittings = tuple(planned_sittings(meeting))
    points: list[BridgePoint] = []
    seats: list[Seat] = []
    add_point, add_seat = points.append, seats.append
    split_hosts: set[str] = set()  # branches met as numbered cells: no point of their own id
    cell_kind = UnitKind.CELL
    one_track = len(meeting.tracks) == 1  # then every point's parent is in its track
    for rank, not_main in sorted(buckets):
        track = meeting.tracks[rank]
        track_id, platform, with_cells = track.id, track.platform, track.cells
        sitting_ids = [s.id for s in track.sittings]
        for host in buckets[(rank, not_main)]:
            host_id = host.id
            seated = guests[host_id]
            # the point where its host's parent sits, when another point of the same track
            above = hosts.get(host.parent) if host.parent is not None else None
            if above is not None and not one_track and track_of.get(above) != track_id:
                above = None
            cells = cell_count(meeting, track, host, seated, notes) if with_cells else 1
            if cells > 1:
                split_hosts.add(host_id)
                total = host.seated(delegates=by_delegates)
                per_cell = cell_shares(split_evenly(total, cells), sitting_ids, track.attendance)
                for number, share in enumerate(per_cell, start=1):
                    point_id = f"{host_id}-cell{number}"
                    add_point(
                        BridgePoint(
                            id=point_id,
                            name=f"{host.name} — Tổ đảng {number}",
                            location=host.location,
                            host_unit=host_id,
                            units=(host_id,),
                            track=track_id,
                            platform=platform,
                            role=PointRole.CELL,
                            seats=share,
                            equipment=host.equipment,
                            cell=number,
                            parent_point=above if above != point_id else None,
                        )
                    )
                add_seat(Seat(host_id, f"{host_id}-cell1", track_id, seated[0][1]))
                continue
            if len(seated) == 1:  # most points: one unit, whose share is the point's seats
                totals = seated[0][1]
                add_seat(Seat(host_id, host_id, track_id, totals))
                at_point: tuple[str, ...] = (host_id,)
            else:
                for unit_id, share in seated:
                    add_seat(Seat(unit_id, host_id, track_id, share))
                # every share lists the track's sittings in order: add them up column-wise
                sums = map(sum, zip(*[share.values() for _, share in seated], strict=True))
                totals = dict(zip(sitting_ids, sums, strict=True))
                at_point = tuple([unit_id for unit_id, _ in seated])
            add_point(
                BridgePoint(
                    host_id,
                    host.name,
                    host.location,
                    host_id,
                    at_point,
                    track_id,
                    platform,
                    _ROLE[host.kind],
                    totals,
                    host.equipment,
                    None,
                    above if above != host_id else None,
                    host.meets_at if host.kind is cell_kind else None,
                )
            )
    if split_hosts:  # a branch met as its cells has no point of its own to sit under
        points = [
            p._replace(parent_point=None) if p.parent_point in split_hosts else p for p in points
        ]

    conferences = tuple(track_conferences(meeting, points, notes))
    conferences = cells_at_their_own_hour(conferences, points)
    return Plan(
        meeting=meeting,
        bridge_points=tuple(points),
        sittings=sittings,
        conferences=conferences,
        seats=tuple(seats),
        not_invited=tuple(not_invited),
        notes=tuple(notes),
        rehearsal=meeting.rehearsal,
        units=units,
    )


def _ranked_hosts(
    roster: Roster,
    guests: Collection[str],
    track_of: Mapping[str, str],
    track_rank: Mapping[str, int],
) -> tuple[dict[tuple[int, bool], list[Unit]], list[str]]:
    """The hosts of the points by track and main point first, then the roster's order, and
    the units in no track: the general way, for a roster whose ids are not unique."""
    units = roster.by_id()
    order = {u.id: i for i, u in enumerate(roster.units)}
    ranked = sorted(
        (track_rank[track_of[h]], units[h].kind != UnitKind.COMMITTEE, order[h], h) for h in guests
    )
    buckets: dict[tuple[int, bool], list[Unit]] = {}
    for rank, not_main, _, host_id in ranked:
        buckets.setdefault((rank, not_main), []).append(units[host_id])
    return buckets, [u.id for u in roster.units if u.id not in track_of]
