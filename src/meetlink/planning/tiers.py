"""Relay tiers: a ``shared`` track too large for one conference, relayed along the hierarchy.

A platform holds a limited number of participants in one conference (its ``capacity``: Google
Meet 100 to 1,000 by edition, an MCU its ports, a Jitsi room about 100). When a shared
track has more points than that, the points are seated in a tree of conferences that follows
the roster's hierarchy (the central hall → provinces → districts → communes → villages, as deep
as the roster goes, through each point's ``parent_point``):

* the **main conference** (tier 0) holds the main point and the points right below it;
* a point whose points below do not all fit in its conference becomes a **relay point**
  (điểm cầu tiếp sóng): it sits in the conference above *and* hosts a conference of its own,
  one tier lower, holding itself and the points below it;
* a point's whole subtree goes into the conference of its relay when it fits (the relay
  counted); otherwise only its direct children go there, and each child with points below it
  relays a conference of its own;
* a level too wide for one conference (300 communes under one district, 250 ports) is split
  into sibling conferences of even sizes, each with the same relay point, and the plan says so
  in a note. At the top, the main point relays the main conference to the other parts.

Every conference then holds at most ``capacity`` points, counting its relay point, and every
point is joined to the main point by a chain of relays. The tree depends on the points and
their ids alone (children sorted by id), so the same input gives the same tree.

A track may also name its relays by hand (``tiers:``, unit ids): each named unit's point
hosts a conference of the points below it (down to the next named one), and the main
conference holds the rest. A level that overflows is split the same way.

Example:
    >>> from meetlink.planning.model import BridgePoint, PointRole
    >>> def point(i, parent=None):
    ...     return BridgePoint(i, i, "", i, (i,), "t", "memory", PointRole.COMMUNE, {},
    ...                        parent_point=parent)
    >>> points = [point("TU"), point("H1", "TU"), point("H2", "TU"),
    ...           point("X1", "H1"), point("X2", "H1"), point("X3", "H2")]
    >>> [(g.host, g.points, g.tier) for g in relay_groups(points, 3, (), [])]
    [('TU', ('TU', 'H1', 'H2'), 0), ('H1', ('H1', 'X1', 'X2'), 1), ('H2', ('H2', 'X3'), 1)]
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from meetlink.errors import PlanningError, Problem
from meetlink.loading.meeting import ConferenceMode, Meeting, Track
from meetlink.loading.yaml_file import KeyPath
from meetlink.planning.model import BridgePoint, Conference, split_evenly

__all__ = [
    "RelayGroup",
    "capacity_problems",
    "relay_conferences",
    "relay_groups",
    "tier_problems",
    "tiered_conferences",
    "track_conferences",
]


def track_conferences(
    meeting: Meeting, points: Sequence[BridgePoint], notes: list[str]
) -> list[Conference]:
    """Every track's conferences, track by track and sitting by sitting: ``shared`` is one
    conference joined by every point of the track (or a tree of relay conferences, see
    :func:`tiered_conferences`), ``per_point`` one conference per point.

    Raises :class:`PlanningError` with every problem of every track's ``capacity`` and
    ``tiers:`` at once, each at its line of the meeting file (:func:`tier_problems`).
    """
    problems = tier_problems(meeting, points)
    if problems:
        raise PlanningError(problems)
    out: list[Conference] = []
    single = len(meeting.tracks) == 1
    for track in meeting.tracks:
        mine = points if single else [p for p in points if p.track == track.id]
        tiered = tiered_conferences(track, mine, notes)
        if tiered is not None:  # a shared track over its capacity, or with tiers: by hand
            out.extend(tiered)
            continue
        ids = tuple([p.id for p in mine])
        for sitting in track.sittings:
            head = f"{track.id}/{sitting.id}"
            if track.conference == ConferenceMode.SHARED:
                out.append(Conference(head, track.id, sitting.id, track.platform, ids))
            else:
                out.extend(
                    Conference(f"{head}/{p}", track.id, sitting.id, track.platform, (p,))
                    for p in ids
                )
    return out


def capacity_problems(meeting: Meeting) -> list[Problem]:
    """A shared track whose conferences hold fewer than 2 participants (its platform's
    ``settings: {capacity: …}``; a track's own ``capacity:`` below 2 is refused when the file
    is read): no conference could relay to another. Each at its line of the meeting file."""
    problems: list[Problem] = []
    for t, track in enumerate(meeting.tracks):
        capacity = track.capacity
        if track.conference != ConferenceMode.SHARED or capacity is None or capacity >= 2:
            continue
        given = track.settings.get("capacity") == capacity
        key: KeyPath = ("tracks", t, "settings", "capacity") if given else ("tracks", t, "platform")
        problems.append(
            meeting.problem(
                key,
                f"a conference of {capacity} participant cannot relay to another; give a "
                "capacity of 2 or more (the platform's participants per conference).",
            )
        )
    return problems


def tier_problems(meeting: Meeting, points: Sequence[BridgePoint]) -> list[Problem]:
    """Every problem of the tracks' ``capacity`` and ``tiers:`` (see
    :func:`capacity_problems`), and each ``tiers:`` unit that hosts no bridge point of its
    track, saying why: it attends another track or none, sits at another unit's point, or
    meets as its party cells. Each at its line of the meeting file (``tracks[0].tiers[1]``).
    """
    problems = capacity_problems(meeting)
    at: dict[str, BridgePoint] = {}  # unit id → the point where it sits: read when needed
    for t, track in enumerate(meeting.tracks):
        if not track.tiers or track.conference != ConferenceMode.SHARED:
            continue
        own = {p.host_unit for p in points if p.track == track.id and p.cell is None}
        for i, unit in enumerate(track.tiers):
            if unit in own:
                continue
            if not at:
                at = {u: p for p in points for u in p.units}
            why = _why_no_point(unit, track.id, at.get(unit))
            problems.append(
                meeting.problem(
                    ("tracks", t, "tiers", i),
                    f"'{unit}' hosts no bridge point of track '{track.id}': {why}; name the "
                    "unit whose hall relays the conference, or remove it from tiers.",
                )
            )
    return problems


def _why_no_point(unit: str, track: str, point: BridgePoint | None) -> str:
    if point is None:
        return "it is not invited (no track takes its kind or id, or it meets as its cells)"
    if point.track != track:
        return f"it attends track '{point.track}'"
    if point.cell is not None:
        return "it meets as its party cells (tổ đảng), each a point of its own"
    return f"it sits at the point of '{point.host_unit}' ({point.name})"


def tiered_conferences(
    track: Track, points: Sequence[BridgePoint], notes: list[str]
) -> list[Conference] | None:
    """The relayed conferences of a ``shared`` track, or None when one conference per
    sitting holds it (no ``tiers:`` and no more points than its ``capacity``).

    The track's ``capacity`` and ``tiers:`` are those :func:`tier_problems` accepts (a
    ``tiers:`` unit that hosts no point of the track is left out here).
    """
    if track.conference != ConferenceMode.SHARED:
        return None
    if track.capacity is not None and track.capacity < 2:
        raise ValueError("a capacity below 2 cannot be relayed: check with tier_problems first.")
    over = track.capacity is not None and len(points) > track.capacity
    if not track.tiers and not over:
        return None
    own = {p.host_unit: p.id for p in points if p.cell is None}
    named = [own[unit] for unit in track.tiers if unit in own]
    groups = relay_groups(points, track.capacity, named, notes)
    sittings = [s.id for s in track.sittings]
    return relay_conferences(track.id, sittings, track.platform, groups)


@dataclass(frozen=True, slots=True)
class RelayGroup:
    """One conference of the tree, the same for every sitting.

    ``points`` starts with ``host`` (the relay point, or the main point at the top);
    ``parent`` is the index of the group above in the list, ``part`` the number of a
    sibling when a level was split (0 when it was not).
    """

    host: str
    points: tuple[str, ...]
    tier: int
    parent: int | None
    part: int = 0

    def suffix(self) -> str:
        """What follows ``TRACK/SITTING`` in the conference's key ('' for the main one)."""
        if self.parent is None and self.part <= 1:
            return ""
        return f"/{self.host}#{self.part}" if self.part else f"/{self.host}"


def relay_conferences(
    track: str,
    sittings: Sequence[str],
    platform: str,
    groups: Sequence[RelayGroup],
) -> list[Conference]:
    """The conferences of ``groups`` for each sitting, the main one first.

    The main conference keeps the key of an untiered shared conference (``TRACK/SITTING``),
    so a meeting that grows into tiers keeps its main conference.
    """
    out: list[Conference] = []
    for sitting in sittings:
        head = f"{track}/{sitting}"
        keys = [head + g.suffix() for g in groups]
        for group, key in zip(groups, keys, strict=True):
            parent = None if group.parent is None else keys[group.parent]
            out.append(
                Conference(
                    key,
                    track,
                    sitting,
                    platform,
                    group.points,
                    parent=parent,
                    relay_point=None if parent is None else group.host,
                    tier=group.tier,
                )
            )
    return out


def relay_groups(
    points: Sequence[BridgePoint],
    capacity: int | None,
    named: Collection[str],
    notes: list[str],
) -> list[RelayGroup]:
    """The tree of conferences for one track's points, in the plan's order (the main point
    first: a track without a committee is headed by its first point with no point above it).

    ``capacity`` is the most points one conference holds (None: no limit); ``named`` are the
    points that host a relay conference by hand (empty: chosen by capacity). Notes for the
    plan (a level split into several conferences) are appended to ``notes``.
    """
    if not points:
        return []
    ids = {p.id for p in points}
    # The main point: the plan lists it first; else the first point with nothing above it.
    main = next((p.id for p in points if p.parent_point not in ids), points[0].id)
    children = _children(points, main)
    if named:
        return _named_tree(main, children, capacity, set(named) - {main}, notes)
    if capacity is None:
        raise ValueError("relay tiers need a capacity or named tiers; give one of them.")
    return _capacity_tree(main, children, capacity, notes)


def _children(points: Sequence[BridgePoint], main: str) -> dict[str, list[str]]:
    """point id → the ids of the points right below it, sorted; every point reachable from
    ``main`` (a point with no parent in the track, or in a loop, hangs under the main one)."""
    ids = {p.id for p in points}
    children: dict[str, list[str]] = {p.id: [] for p in points}
    for p in points:
        if p.id == main:
            continue
        above = p.parent_point if p.parent_point in ids else main
        children[above or main].append(p.id)
    reached = _reachable(main, children)
    stray = [p.id for p in points if p.id not in reached]
    if stray:  # a loop of parents never reaches the main point: hang each loop under it
        for p in points:
            if p.id not in reached:
                above = p.parent_point if p.parent_point in ids else main
                children[above or main].remove(p.id)
        children[main].extend(stray)
    for below in children.values():
        below.sort()
    return children


def _reachable(root: str, children: Mapping[str, list[str]]) -> set[str]:
    """``root`` and every point below it, whatever loops the parents make."""
    seen = {root}
    stack = [root]
    while stack:
        for child in children[stack.pop()]:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def _walk(root: str, children: Mapping[str, list[str]]) -> list[str]:
    """``root`` and every point below it, parents before children (``children`` is a tree:
    :func:`_children` hangs every loop under the main point)."""
    order = [root]
    i = 0
    while i < len(order):
        order.extend(children[order[i]])
        i += 1
    return order


def _sizes(main: str, children: Mapping[str, list[str]]) -> dict[str, int]:
    """point id → the number of points in its subtree, itself included."""
    order = _walk(main, children)
    size = dict.fromkeys(order, 1)
    for point in reversed(order):
        for child in children[point]:
            size[point] += size[child]
    return size


def _capacity_tree(
    main: str, children: Mapping[str, list[str]], capacity: int, notes: list[str]
) -> list[RelayGroup]:
    size = _sizes(main, children)
    groups: list[RelayGroup] = []
    # (host, parent group, tier): a host whose subtree is to be seated, top down.
    pending: list[tuple[str, int | None, int]] = [(main, None, 0)]
    i = 0
    while i < len(pending):
        host, parent, tier = pending[i]
        i += 1
        if size[host] <= capacity:
            below = tuple(_walk(host, children)[1:])
            groups.append(RelayGroup(host, (host, *below), tier, parent))
            continue
        for index, part in _parts(host, children[host], capacity, parent, tier, groups, notes):
            for child in part:
                if children[child]:
                    pending.append((child, index, groups[index].tier + 1))
    return groups


def _named_tree(
    main: str,
    children: Mapping[str, list[str]],
    capacity: int | None,
    named: set[str],
    notes: list[str],
) -> list[RelayGroup]:
    groups: list[RelayGroup] = []
    pending: list[tuple[str, int | None, int]] = [(main, None, 0)]
    i = 0
    while i < len(pending):
        host, parent, tier = pending[i]
        i += 1
        members = _down_to_named(host, children, named)
        if not members:  # a named point with nothing below it: it stays in the one above
            notes.append(
                f"{host}: named in tiers, but no point of its track sits below it; it joins "
                "the conference above as a plain point."
            )
            continue
        limit = capacity if capacity is not None else len(members) + 1
        for index, part in _parts(host, members, limit, parent, tier, groups, notes):
            for point in part:
                if point in named:
                    pending.append((point, index, groups[index].tier + 1))
    return groups


def _down_to_named(host: str, children: Mapping[str, list[str]], named: set[str]) -> list[str]:
    """The points below ``host`` down to (and including) the next named ones."""
    out: list[str] = []
    stack = list(reversed(children[host]))
    while stack:
        point = stack.pop()
        out.append(point)
        if point not in named:
            stack.extend(reversed(children[point]))
    return out


def _parts(
    host: str,
    members: Sequence[str],
    capacity: int,
    parent: int | None,
    tier: int,
    groups: list[RelayGroup],
    notes: list[str],
) -> list[tuple[int, Sequence[str]]]:
    """Seat ``members`` with ``host`` in one conference, or in sibling conferences of even
    sizes when they do not fit; append the groups and return (group index, its members)."""
    room = capacity - 1  # the host sits in each
    count = -(-len(members) // room) if members else 1
    if count == 1:
        groups.append(RelayGroup(host, (host, *members), tier, parent))
        return [(len(groups) - 1, members)]
    notes.append(
        f"{host}: the {len(members)} points below it do not fit one conference of "
        f"{capacity}; they are split into {count} conferences, each relayed by {host}."
    )
    out: list[tuple[int, Sequence[str]]] = []
    start = 0
    first = len(groups)
    for number, share in enumerate(split_evenly(len(members), count), start=1):
        part = members[start : start + share]
        start += share
        # At the top there is no conference above: the main point relays the first part
        # (the main conference) to the others.
        above = parent if parent is not None or number == 1 else first
        groups.append(
            RelayGroup(
                host,
                (host, *part),
                tier if above == parent else tier + 1,
                above,
                number,
            )
        )
        out.append((len(groups) - 1, part))
    return out
