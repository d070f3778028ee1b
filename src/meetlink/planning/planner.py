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
  more; otherwise the cells are not invited, with a note saying why.
* **Seats**: ``split`` divides a unit's seated members (members − excluded) across the
  track's sittings as evenly as possible, the extra seats on the first sittings; ``all``
  seats everyone at every sitting. A meeting that counts delegates (đại biểu: a conference or
  a meeting, not a party meeting) seats a unit's ``delegates`` where the roster gives them,
  and an agency with that many delegates has its own point.
* **Hierarchy**: a point's ``parent_point`` is the point where its host unit's parent sits
  (a commune's point under its district's, a village's under its commune's), when that is
  another point of the same track; otherwise None.
* **Conferences**: ``shared`` is one conference per sitting joined by every point of the
  track; ``per_point`` is one conference per sitting per point.

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
    ConferenceMode,
    Meeting,
    Track,
)
from meetlink.loading.notice import MeetingKind
from meetlink.loading.roster import Roster, Unit, UnitKind
from meetlink.loading.tracks import assign_tracks
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


_BRANCH_KINDS = frozenset({UnitKind.VILLAGE, UnitKind.ATTACHED, UnitKind.AGENCY})
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
    UnitKind.CELL: PointRole.AGENCY,  # a registered cell: a point of its own unit, one seat each
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
    order = {u.id: i for i, u in enumerate(roster.units)}
    track_of = assign_tracks(meeting, roster.units, units)
    _cells_follow_branches(meeting, roster, track_of)
    problems: list[Problem] = []
    by_delegates = counts_delegates(meeting)
    hosts = _seat_units(meeting, roster, units, track_of, problems)
    if problems:
        raise PlanningError(problems)
    notes: list[str] = []
    _registered_cells(meeting, roster, units, track_of, hosts, notes)

    sittings = tuple(planned_sittings(meeting))
    sittings_of: dict[str, list[str]] = {t.id: [s.id for s in t.sittings] for t in meeting.tracks}
    tracks = {t.id: t for t in meeting.tracks}
    track_rank = {t.id: i for i, t in enumerate(meeting.tracks)}

    guests: dict[str, list[str]] = {}
    for unit in roster.units:
        if unit.id in hosts:
            guests.setdefault(hosts[unit.id], []).append(unit.id)

    points: list[BridgePoint] = []
    seats: list[Seat] = []
    # Many units have the same number of members: compute each share once. The dicts are
    # shared between seats and points and never changed after planning.
    shares_cache: dict[tuple[int, str], dict[str, int]] = {}

    def share_of(members: int, track: Track) -> dict[str, int]:
        key = (members, track.id)
        if key not in shares_cache:
            shares_cache[key] = _share(members, sittings_of[track.id], track.attendance)
        return shares_cache[key]

    # Track order, the main point first, then the roster's order.
    ranked = [
        (track_rank[track_of[h]], units[h].kind != UnitKind.COMMITTEE, order[h], h) for h in guests
    ]
    for *_, host_id in sorted(ranked):
        host = units[host_id]
        track = tracks[track_of[host_id]]
        sitting_ids = sittings_of[track.id]
        seated = guests[host_id]
        cells = _cell_count(meeting, track, host, seated, notes) if track.cells else 1
        if cells > 1:
            sizes = split_evenly(host.seated(delegates=by_delegates), cells)
            cell_shares = _cell_shares(sizes, sitting_ids, track.attendance)
            for number, share in enumerate(cell_shares, start=1):
                point_id = f"{host.id}-cell{number}"
                points.append(
                    BridgePoint(
                        id=point_id,
                        name=f"{host.name} — Tổ đảng {number}",
                        location=host.location,
                        host_unit=host.id,
                        units=(host.id,),
                        track=track.id,
                        platform=track.platform,
                        role=PointRole.CELL,
                        seats=share,
                        equipment=host.equipment,
                        cell=number,
                    )
                )
            seats.append(
                Seat(
                    host.id,
                    f"{host.id}-cell1",
                    track.id,
                    share_of(host.seated(delegates=by_delegates), track),
                )
            )
            continue
        if len(seated) == 1:  # most points: one unit, whose share is the point's seats
            totals = share_of(host.seated(delegates=by_delegates), track)
            seats.append(Seat(host_id, host_id, track.id, totals))
        else:
            shares = [share_of(units[u].seated(delegates=by_delegates), track) for u in seated]
            seats.extend(
                Seat(u, host_id, track.id, sh) for u, sh in zip(seated, shares, strict=True)
            )
            totals = _add(shares, sitting_ids)
        points.append(
            BridgePoint(
                host_id,
                host.name,
                host.location,
                host_id,
                tuple(seated),
                track.id,
                track.platform,
                _ROLE[host.kind],
                totals,
                host.equipment,
            )
        )

    points = _with_parent_points(points, units, hosts)
    conferences = tuple(_conferences(meeting, points))
    not_invited = tuple(u.id for u in roster.units if u.id not in track_of)
    return Plan(
        meeting=meeting,
        bridge_points=tuple(points),
        sittings=sittings,
        conferences=conferences,
        seats=tuple(seats),
        not_invited=not_invited,
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
    direct: dict[str, str] = {}  # one step: where each unit sits before following chains
    for unit in roster.units:
        track_id = track_of.get(unit.id)
        if track_id is None:
            continue
        rules = rules_of[track_id]
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
        elif unit.kind in _OWN_POINT_KINDS:
            direct[unit.id] = unit.id
        elif unit.kind == UnitKind.ATTACHED and _in(track_of, unit.parent, track_id):
            direct[unit.id] = unit.parent or unit.id
        elif unit.kind == UnitKind.VILLAGE:
            at_hq = unit.hosts_commune_hq and _in(track_of, unit.parent, track_id)
            direct[unit.id] = (unit.parent or unit.id) if at_hq else unit.id
        elif _headcount(unit, meeting) >= rules.own_point_min_members:
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


def _cells_follow_branches(meeting: Meeting, roster: Roster, track_of: dict[str, str]) -> None:
    """A party cell's row attends its branch's track (unless a track lists it by id)."""
    listed = {unit_id for track in meeting.tracks for unit_id in track.units.ids}
    for unit in roster.units:
        if unit.kind != UnitKind.CELL or unit.join_point is not None or unit.id in listed:
            continue
        if unit.parent is not None and unit.parent in track_of:
            track_of[unit.id] = track_of[unit.parent]


def _registered_cells(
    meeting: Meeting,
    roster: Roster,
    units: Mapping[str, Unit],
    track_of: dict[str, str],
    hosts: dict[str, str],
    notes: list[str],
) -> None:
    """A branch with registered cell rows meets as those cells; cell rows that cannot be
    used are not invited. Both leave ``track_of`` and ``hosts`` (so they are not invited)
    and each gets a note."""
    guests: dict[str, int] = {}
    for host in hosts.values():
        guests[host] = guests.get(host, 0) + 1
    cells_of: dict[str, list[str]] = {}
    track_of_branch: dict[str, str] = {}  # read now: a cell may itself be a "branch" of cells
    for unit in roster.units:  # a cell that others joined is a point like any other
        if unit.kind != UnitKind.CELL or not unit.parent or guests.get(unit.id, 0) != 1:
            continue
        if hosts.get(unit.id) == unit.id and track_of.get(unit.parent) == track_of[unit.id]:
            cells_of.setdefault(unit.parent, []).append(unit.id)
            track_of_branch[unit.parent] = track_of[unit.id]
    if not cells_of:
        return
    tracks = {t.id: t for t in meeting.tracks}
    for branch_id, cells in cells_of.items():
        branch = units[branch_id]
        minimum = meeting.rules_for(tracks[track_of_branch[branch_id]]).cells_min_members
        why = ""
        if branch.kind not in _BRANCH_KINDS:
            why = "cells belong to a branch (chi bộ), and it is not one"
        elif hosts.get(branch_id) != branch_id or guests.get(branch_id, 0) > 1:
            why = "other units sit at its point"
        elif branch.members < minimum:
            why = f"it has {branch.members} members, fewer than the {minimum} for party cells"
        elif len(cells) < 2:
            why = "a single cell is the branch itself"
        dropped = cells if why else [branch_id]
        for unit_id in dropped:
            track_of.pop(unit_id, None)
            hosts.pop(unit_id, None)
        if why:
            notes.append(f"{branch_id}: its party cells {', '.join(cells)} are not used: {why}.")
        else:
            notes.append(f"{branch_id}: meets as its {len(cells)} party cells {', '.join(cells)}.")


def counts_delegates(meeting: Meeting) -> bool:
    """Whether the meeting seats delegates (đại biểu) where the roster gives them: every
    kind but a party meeting, where every member attends.

    >>> from meetlink.loading.meeting import Meeting
    >>> counts_delegates(Meeting.model_construct(kind=MeetingKind.CONFERENCE))
    True
    """
    return meeting.kind is not MeetingKind.PARTY_MEETING


def _headcount(unit: Unit, meeting: Meeting) -> int:
    """What the own-point rule counts: the delegates where they are seated, else members."""
    if unit.delegates is not None and counts_delegates(meeting):
        return unit.delegates
    return unit.members


def _with_parent_points(
    points: list[BridgePoint], units: Mapping[str, Unit], hosts: Mapping[str, str]
) -> list[BridgePoint]:
    """Each point with the point where its host unit's parent sits, in the same track."""
    tracks = {p.id: p.track for p in points}
    out: list[BridgePoint] = []
    for point in points:
        parent = units[point.host_unit].parent
        above = hosts.get(parent) if parent is not None else None
        if above is None or above == point.id or tracks.get(above) != point.track:
            out.append(point)
        else:
            out.append(point._replace(parent_point=above))
    return out


def _in(track_of: Mapping[str, str], unit_id: str | None, track_id: str) -> bool:
    return unit_id is not None and track_of.get(unit_id) == track_id


def _track_name(track_id: str | None) -> str:
    return f"track '{track_id}'" if track_id else "no track"


def _cell_count(
    meeting: Meeting, track: Track, host: Unit, seated: Sequence[str], notes: list[str]
) -> int:
    rules = meeting.rules_for(track)
    if not track.cells or host.kind not in _BRANCH_KINDS or host.members < rules.cells_min_members:
        return 1
    if len(seated) > 1:
        notes.append(f"{host.id}: not split into party cells because other units sit at its point.")
        return 1
    if not host.cells or host.cells < 2:
        notes.append(
            f"{host.id}: {host.members} members but no party cells given (column "
            "'cells' / 'số tổ đảng'); it meets as one point."
        )
        return 1
    return host.cells


def _add(shares: Sequence[Mapping[str, int]], sitting_ids: Sequence[str]) -> dict[str, int]:
    return {s: sum(share[s] for share in shares) for s in sitting_ids}


def _cell_shares(
    sizes: Sequence[int], sitting_ids: Sequence[str], mode: AttendanceMode
) -> list[dict[str, int]]:
    """Each cell's seats per sitting.

    ``split`` deals the branch's members to the sittings in turn, one cell after another, so
    every cell and the branch as a whole split evenly (extras first), and the cells' seats add
    up to the branch's own seats at every sitting.
    """
    if mode == AttendanceMode.ALL:
        return [dict.fromkeys(sitting_ids, size) for size in sizes]
    parts = len(sitting_ids)
    out: list[dict[str, int]] = []
    dealt = 0
    for size in sizes:
        base, extra = divmod(size, parts)
        out.append({s: base + int((j - dealt) % parts < extra) for j, s in enumerate(sitting_ids)})
        dealt += size
    return out


def _share(members: int, sitting_ids: Sequence[str], mode: AttendanceMode) -> dict[str, int]:
    if mode == AttendanceMode.ALL:
        return dict.fromkeys(sitting_ids, members)
    return dict(zip(sitting_ids, split_evenly(members, len(sitting_ids)), strict=True))


def _conferences(meeting: Meeting, points: Sequence[BridgePoint]) -> list[Conference]:
    out: list[Conference] = []
    for track in meeting.tracks:
        mine = tuple(p.id for p in points if p.track == track.id)
        for sitting in track.sittings:
            if track.conference == ConferenceMode.SHARED:
                out.append(
                    Conference(
                        f"{track.id}/{sitting.id}", track.id, sitting.id, track.platform, mine
                    )
                )
            else:
                out.extend(
                    Conference(
                        f"{track.id}/{sitting.id}/{p}", track.id, sitting.id, track.platform, (p,)
                    )
                    for p in mine
                )
    return out
