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

Example:
    >>> from meetlink.loading.tracks import assign_tracks
    >>> from meetlink.loading.roster import Unit
    >>> split_evenly(10, 3)
    (4, 3, 3)
"""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence

from meetlink.errors import PlanningError, Problem
from meetlink.loading.meeting import (
    AttendanceMode,
    Meeting,
    Track,
)
from meetlink.loading.notice import MeetingKind
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
from meetlink.planning.sittings import planned_sittings
from meetlink.planning.tiers import track_conferences

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


_OWN_POINT_KINDS = frozenset(
    {UnitKind.COMMITTEE, UnitKind.DISTRICT, UnitKind.COMMUNE, UnitKind.CELL}
)
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
    problems: list[Problem] = []
    by_delegates = counts_delegates(meeting)
    hosts = _seat_units(meeting, roster, units, track_of, problems)
    if problems:
        raise PlanningError(problems)
    notes: list[str] = []
    if any_cells:
        registered_cells(meeting, roster, units, track_of, hosts, notes)

    sittings = tuple(planned_sittings(meeting))
    sittings_of: dict[str, list[str]] = {t.id: [s.id for s in t.sittings] for t in meeting.tracks}
    track_rank = {t.id: i for i, t in enumerate(meeting.tracks)}

    # One pass over the roster: the units at each point (in the roster's order), the points
    # in track order, the main point first, then the roster's order (each host dropped in its
    # bucket as the roster lists it: no sort of them all), and who is not invited.
    guests: dict[str, list[str]] = {}
    buckets: dict[tuple[int, bool], list[Unit]] = {}
    not_invited: list[str] = []
    committee = UnitKind.COMMITTEE
    for unit in roster.units:
        unit_id = unit.id
        host_id = hosts.get(unit_id)
        if host_id is None:
            not_invited.append(unit_id)
            continue
        found = guests.get(host_id)
        if found is None:
            guests[host_id] = [unit_id]
        else:
            found.append(unit_id)
        if host_id == unit_id:  # a point's host sits at its own point
            key = (track_rank[track_of[unit_id]], unit.kind != committee)
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [unit]
            else:
                bucket.append(unit)
    exact = len(units) == len(roster.units) and len(hosts) == len(track_of)
    if not exact or sum(map(len, buckets.values())) != len(guests):
        # never for a roster meetlink read (unique ids, every invited unit seated)
        buckets, not_invited = _ranked_hosts(roster, guests, track_of, track_rank)

    shares_of: dict[str, dict[int, dict[str, int]]] = {}
    points: list[BridgePoint] = []
    seats: list[Seat] = []
    add_point, add_seat = points.append, seats.append
    split_hosts: set[str] = set()  # branches met as numbered cells: no point of their own id
    cell_kind = UnitKind.CELL
    for rank, not_main in sorted(buckets):
        track = meeting.tracks[rank]
        track_id, platform, sitting_ids = track.id, track.platform, sittings_of[track.id]
        # Many units have the same number of seats: each share is computed once per number.
        # The dicts are shared between seats and points and never changed after planning.
        shares = shares_of.setdefault(track_id, {})
        for host in buckets[(rank, not_main)]:
            host_id = host.id
            seated = guests[host_id]
            # the point where its host's parent sits, when another point of the same track
            above = hosts.get(host.parent) if host.parent is not None else None
            if above is not None and track_of.get(above) != track_id:
                above = None
            cells = cell_count(meeting, track, host, seated, notes) if track.cells else 1
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
                add_seat(
                    Seat(host_id, f"{host_id}-cell1", track_id, _share_of(shares, total, track))
                )
                continue
            if len(seated) == 1:  # most points: one unit, whose share is the point's seats
                delegates = host.delegates  # _seated and _share_of, inline: most points
                if by_delegates and delegates is not None:
                    n = delegates
                else:
                    n = host.members - host.excluded
                    n = n if n > 0 else 0
                totals = shares.get(n) or _share_of(shares, n, track)
                add_seat(Seat(host_id, host_id, track_id, totals))
            else:
                unit_shares = []
                for unit_id in seated:
                    share = _share_of(shares, _seated(units[unit_id], by_delegates), track)
                    unit_shares.append(share)
                    add_seat(Seat(unit_id, host_id, track_id, share))
                totals = {s: sum(share[s] for share in unit_shares) for s in sitting_ids}
            add_point(
                BridgePoint(
                    host_id,
                    host.name,
                    host.location,
                    host_id,
                    tuple(seated),
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


def _seat_units(
    meeting: Meeting,
    roster: Roster,
    units: Mapping[str, Unit],
    track_of: Mapping[str, str],
    problems: list[Problem],
) -> dict[str, str]:
    """unit id → id of the unit hosting the point where it sits."""
    rules_of = {t.id: meeting.rules_for(t) for t in meeting.tracks}
    by_delegates = counts_delegates(meeting)
    attached, village = UnitKind.ATTACHED, UnitKind.VILLAGE
    direct: dict[str, str] = {}  # one step: where each unit sits before following chains
    for unit in roster.units:
        track_id = track_of.get(unit.id)
        if track_id is None:
            continue
        rules = rules_of[track_id]
        kind, parent = unit.kind, unit.parent
        if unit.join_point is not None:
            if track_of.get(unit.join_point) != track_id:
                problems.append(
                    Problem(
                        roster.source,
                        unit.row,
                        roster.column("join_point"),
                        (
                            f"unit '{unit.id}' is in track '{track_id}' but its join point "
                            f"'{unit.join_point}' is in "
                            f"{_track_name(track_of.get(unit.join_point))}; list both in one track."
                        ),
                    )
                )
                continue
            direct[unit.id] = unit.join_point
        elif kind in _OWN_POINT_KINDS:
            direct[unit.id] = unit.id
        elif kind == attached and parent is not None and track_of.get(parent) == track_id:
            direct[unit.id] = parent or unit.id
        elif kind == village:
            at_hq = (
                unit.hosts_commune_hq and parent is not None and track_of.get(parent) == track_id
            )
            direct[unit.id] = (parent or unit.id) if at_hq else unit.id
        elif (
            unit.delegates if by_delegates and unit.delegates is not None else unit.members
        ) >= rules.own_point_min_members:  # the delegates where they are seated, else members
            direct[unit.id] = unit.id
        elif _in(track_of, rules.default_host, track_id) and rules.default_host != unit.id:
            direct[unit.id] = rules.default_host or unit.id
        else:
            where = (
                f"the default host '{rules.default_host}' is not in track '{track_id}'"
                if rules.default_host
                else "there is no rules.default_host"
            )
            problems.append(
                Problem(
                    roster.source,
                    unit.row,
                    roster.column("join_point"),
                    (
                        f"unit '{unit.id}' ({unit.name}) has {unit.members} members, fewer than "
                        f"the {rules.own_point_min_members} needed for its own point, has no "
                        "join point, "
                        f"and {where}; give it a join_point (ghép điểm cầu) or set "
                        "rules.default_host in the meeting file."
                    ),
                )
            )
    hosts: dict[str, str] = {}
    for unit_id, step in direct.items():
        if direct.get(step, step) == step:  # most units: one step to a point's host
            hosts[unit_id] = step
            continue
        chain = [unit_id]
        while direct.get(chain[-1], chain[-1]) != chain[-1] and chain[-1] not in hosts:
            nxt = direct[chain[-1]]
            if nxt in chain:
                break  # a default host that itself sits at a small unit: stop at the loop
            chain.append(nxt)
        end = hosts.get(chain[-1], chain[-1])
        for member in chain:
            hosts[member] = end
    return hosts


def counts_delegates(meeting: Meeting) -> bool:
    """Whether the meeting seats delegates (đại biểu) where the roster gives them: every
    kind but a party meeting, where every member attends.

    >>> from meetlink.loading.meeting import Meeting
    >>> counts_delegates(Meeting.model_construct(kind=MeetingKind.CONFERENCE))
    True
    """
    return meeting.kind is not MeetingKind.PARTY_MEETING


def _in(track_of: Mapping[str, str], unit_id: str | None, track_id: str) -> bool:
    return unit_id is not None and track_of.get(unit_id) == track_id


def _track_name(track_id: str | None) -> str:
    return f"track '{track_id}'" if track_id else "no track"


def _ranked_hosts(
    roster: Roster,
    guests: Mapping[str, list[str]],
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


def _seated(unit: Unit, delegates: bool) -> int:
    """:meth:`Unit.seated`, without the keyword call (it runs once per unit)."""
    if delegates and unit.delegates is not None:
        return unit.delegates
    seated = unit.members - unit.excluded
    return seated if seated > 0 else 0


def _share_of(shares: dict[int, dict[str, int]], seated: int, track: Track) -> dict[str, int]:
    """The seats per sitting of ``seated`` people in ``track``, computed once per number."""
    share = shares.get(seated)
    if share is None:
        sitting_ids = [s.id for s in track.sittings]
        share = shares[seated] = _share(seated, sitting_ids, track.attendance)
    return share


def _share(members: int, sitting_ids: Sequence[str], mode: AttendanceMode) -> dict[str, int]:
    if mode == AttendanceMode.ALL:
        return dict.fromkeys(sitting_ids, members)
    return dict(zip(sitting_ids, split_evenly(members, len(sitting_ids)), strict=True))
