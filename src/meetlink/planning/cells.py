"""A branch's party cells (tổ đảng) in the plan: the cells a branch is split into
(``cells: true`` and the roster's ``cells`` column) and the cells registered as roster rows
of their own (kind ``cell``, ``parent`` their branch), with the rules of
:mod:`meetlink.planning.planner` ("Cells").

Example:
    >>> cell_shares([3, 2], ["s1", "s2"], AttendanceMode.SPLIT)
    [{'s1': 2, 's2': 1}, {'s1': 1, 's2': 1}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from meetlink.loading.meeting import AttendanceMode, Meeting, Track
from meetlink.loading.roster import Roster, Unit, UnitKind
from meetlink.planning.model import BridgePoint, Conference

__all__ = [
    "cell_count",
    "cell_shares",
    "cells_at_their_own_hour",
    "cells_follow_branches",
    "registered_cells",
]

_BRANCH_KINDS = frozenset({UnitKind.VILLAGE, UnitKind.ATTACHED, UnitKind.AGENCY})


def cells_follow_branches(meeting: Meeting, roster: Roster, track_of: dict[str, str]) -> bool:
    """A party cell's row attends its branch's track (unless a track lists it by id); False
    when the roster has no cell row at all."""
    listed = {unit_id for track in meeting.tracks for unit_id in track.units.ids}
    cell = UnitKind.CELL
    found = False
    for unit in roster.units:
        if unit.kind != cell:
            continue
        found = True
        if unit.join_point is not None or unit.id in listed:
            continue
        if unit.parent is not None and unit.parent in track_of:
            track_of[unit.id] = track_of[unit.parent]
    return found


def registered_cells(
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


def cells_at_their_own_hour(
    conferences: tuple[Conference, ...], points: Sequence[BridgePoint]
) -> tuple[Conference, ...]:
    """A party cell meeting at an hour of its own leaves its track's shared conference for
    one of its own at each sitting (``track/sitting/point``, as a per_point track's)."""
    timed = {p.id for p in points if p.meets_at is not None}
    if not timed:
        return conferences
    out: list[Conference] = []
    for conference in conferences:
        leaving = [
            p for p in conference.bridge_points if p in timed and p != conference.relay_point
        ]
        if not leaving or len(conference.bridge_points) == 1:
            out.append(conference)
            continue
        kept = tuple(p for p in conference.bridge_points if p not in leaving)
        if kept:
            out.append(replace(conference, bridge_points=kept))
        out.extend(
            Conference(
                f"{conference.track}/{conference.sitting}/{p}",
                conference.track,
                conference.sitting,
                conference.platform,
                (p,),
            )
            for p in leaving
        )
    return tuple(out)


def cell_count(
    meeting: Meeting, track: Track, host: Unit, seated: Sequence[object], notes: list[str]
) -> int:
    """How many party cells ``host``'s point is split into on a ``cells: true`` track: 1
    (one point) unless it is a branch of at least ``cells_min_members`` members sitting alone,
    with two cells or more in the roster's ``cells`` column; a note says why a large branch
    is not split."""
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


def cell_shares(
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
