"""Where each unit sits, and its seats: one pass over the roster (the planner's first half).

The rules are those of :mod:`meetlink.planning.planner` ("Where it sits" and "Seats"). Each
unit's *step* is the unit whose point it goes to by its own row (itself, its join point, its
parent, the default host); its *host* is the end of the chain of steps, the unit whose hall
holds the point. Rosters list a parent before its children, so a unit's step is almost
always decided already; a step to a unit further down the file is followed there and then.

The same pass gathers each point's units (in the roster's order), each unit's share of the
seats per sitting (computed once per number of people), and the points' hosts in the order
the plan lists them.

Example:
    >>> from meetlink.loading.meeting import Meeting
    >>> from meetlink.loading.roster import Roster, Unit
    >>> meeting = Meeting.model_validate({"id": "q3", "title": "Q3",
    ...     "organizer": {"email": "vp@thiuy.example"}, "roster": "roster.csv",
    ...     "tracks": [{"id": "main", "units": {"kinds": ["committee", "village"]},
    ...                 "sittings": [{"id": "s1"}]}]})
    >>> units = (Unit(id="TU", name="Thị ủy", kind="committee", members=30),
    ...          Unit(id="T1", name="Thôn 1", kind="village", members=12, join_point="TU"))
    >>> roster = Roster("roster.csv", units)
    >>> seating = seat_units(meeting, roster, roster.by_id(), {"TU": "main", "T1": "main"})
    >>> seating.hosts, seating.guests["TU"]
    ({'TU': 'TU', 'T1': 'TU'}, [('TU', {'s1': 30}), ('T1', {'s1': 12})])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from meetlink.errors import Problem
from meetlink.loading.meeting import AttendanceMode, Meeting, Rules
from meetlink.loading.notice import MeetingKind
from meetlink.loading.roster import Roster, Unit, UnitKind
from meetlink.planning.model import split_evenly

__all__ = ["Seating", "counts_delegates", "seat_units", "share_of"]

_OWN_POINT_KINDS = frozenset(
    {UnitKind.COMMITTEE, UnitKind.DISTRICT, UnitKind.COMMUNE, UnitKind.CELL}
)

Share = dict[str, int]
"""Seats per sitting id. One dict per number of people, shared and never changed."""


@dataclass
class Seating:
    """What one pass over the roster decided.

    ``hosts``: unit id → the unit hosting its point; ``guests``: host id → (unit id, its
    share) of every unit at that point, in the roster's order; ``buckets``: (track rank, not
    the main point) → the hosts in the roster's order, so the plan lists the points by track,
    the main point first; ``not_invited``: the units in no track; ``problems``: the units
    that cannot be seated.
    """

    hosts: dict[str, str] = field(default_factory=dict)
    guests: dict[str, list[tuple[str, Share]]] = field(default_factory=dict)
    buckets: dict[tuple[int, bool], list[Unit]] = field(default_factory=dict)
    not_invited: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def drop(self, roster: Roster) -> None:
        """Forget the points of units no longer in ``hosts`` (a branch met as its registered
        cells, or cells that cannot be used: each sits alone at its own point) and list
        them as not invited, in the roster's order."""
        gone = [host for host in self.guests if host not in self.hosts]
        if not gone:
            return
        for host in gone:
            del self.guests[host]
        for key, hosts in self.buckets.items():
            self.buckets[key] = [unit for unit in hosts if unit.id in self.hosts]
        self.not_invited = [unit.id for unit in roster.units if unit.id not in self.hosts]


def counts_delegates(meeting: Meeting) -> bool:
    """Whether the meeting seats delegates (đại biểu) where the roster gives them: every
    kind but a party meeting, where every member attends.

    >>> from meetlink.loading.meeting import Meeting
    >>> counts_delegates(Meeting.model_construct(kind=MeetingKind.CONFERENCE))
    True
    """
    return meeting.kind is not MeetingKind.PARTY_MEETING


def share_of(
    shares: dict[int, Share], seated: int, sitting_ids: Sequence[str], mode: AttendanceMode
) -> Share:
    """The seats per sitting of ``seated`` people, computed once per number (kept in
    ``shares``): ``split`` divides them evenly, extras first; ``all`` seats them at each.

    >>> share_of({}, 10, ["s1", "s2", "s3"], AttendanceMode.SPLIT)
    {'s1': 4, 's2': 3, 's3': 3}
    """
    share = shares.get(seated)
    if share is None:
        if mode == AttendanceMode.ALL:
            share = dict.fromkeys(sitting_ids, seated)
        else:
            parts = split_evenly(seated, len(sitting_ids))
            share = dict(zip(sitting_ids, parts, strict=True))
        shares[seated] = share
    return share


def seat_units(
    meeting: Meeting, roster: Roster, units: Mapping[str, Unit], track_of: Mapping[str, str]
) -> Seating:
    """Seat every unit of ``roster`` that attends a track (``track_of``) in one pass; the
    units that cannot be seated are in :attr:`Seating.problems`, in the roster's order."""
    tracks = meeting.tracks
    rank_of = {t.id: i for i, t in enumerate(tracks)}
    sittings_of = {t.id: [s.id for s in t.sittings] for t in tracks}
    mode_of = {t.id: t.attendance for t in tracks}
    shares_of: dict[str, dict[int, Share]] = {t.id: {} for t in tracks}
    by_delegates = counts_delegates(meeting)
    step_of = _steps(meeting, roster, track_of, by_delegates)
    seating = Seating()
    hosts, guests, buckets = seating.hosts, seating.guests, seating.buckets
    not_invited, problems = seating.not_invited, seating.problems
    committee = UnitKind.COMMITTEE
    last_track, shares, rank = "", shares_of[tracks[0].id], 0  # most meetings: one track
    for unit in roster.units:
        unit_id = unit.id
        track_id = track_of.get(unit_id)
        if track_id is None:
            not_invited.append(unit_id)
            continue
        if track_id != last_track:
            last_track, shares, rank = track_id, shares_of[track_id], rank_of[track_id]
        step = step_of(unit, track_id, problems)
        if step is None:
            continue
        if step == unit_id:
            host_id = unit_id
        else:
            host_id = hosts.get(step) or _follow(unit_id, step, hosts, units, track_of, step_of)
        hosts[unit_id] = host_id
        # the people seated: the delegates where counted and given, else members − excluded
        delegates = unit.delegates
        if by_delegates and delegates is not None:
            seated = delegates
        else:
            seated = unit.members - unit.excluded
            seated = seated if seated > 0 else 0
        share = shares.get(seated) or share_of(
            shares, seated, sittings_of[track_id], mode_of[track_id]
        )
        found = guests.get(host_id)
        if found is None:
            guests[host_id] = [(unit_id, share)]
        else:
            found.append((unit_id, share))
        if host_id == unit_id:  # a point's host: listed where the roster lists it
            key = (rank, unit.kind != committee)
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [unit]
            else:
                bucket.append(unit)
    return seating


Step = Callable[[Unit, str, list[Problem]], str | None]


def _steps(
    meeting: Meeting, roster: Roster, track_of: Mapping[str, str], by_delegates: bool
) -> Step:
    """The rule of one unit's step within its track: the id of the unit whose point it goes
    to by its own row, or None after appending a problem (it cannot be seated)."""
    rules_of = {t.id: meeting.rules_for(t) for t in meeting.tracks}
    attached, village = UnitKind.ATTACHED, UnitKind.VILLAGE

    def step(unit: Unit, track_id: str, problems: list[Problem]) -> str | None:
        kind, parent, join_point = unit.kind, unit.parent, unit.join_point
        if join_point is not None:
            if track_of.get(join_point) == track_id:
                return join_point
            problems.append(_join_point_elsewhere(roster, unit, track_id, track_of))
            return None
        if kind in _OWN_POINT_KINDS:
            return unit.id
        if kind == attached and parent is not None and track_of.get(parent) == track_id:
            return parent
        if kind == village:
            at_hq = (
                unit.hosts_commune_hq and parent is not None and track_of.get(parent) == track_id
            )
            return parent if at_hq and parent else unit.id
        rules = rules_of[track_id]
        delegates = unit.delegates
        counted = delegates if by_delegates and delegates is not None else unit.members
        if counted >= rules.own_point_min_members:  # the delegates where seated, else members
            return unit.id
        default_host = rules.default_host
        if default_host and track_of.get(default_host) == track_id and default_host != unit.id:
            return default_host
        problems.append(_too_small(roster, unit, track_id, default_host, rules))
        return None

    return step


def _follow(
    unit_id: str,
    step: str,
    hosts: dict[str, str],
    units: Mapping[str, Unit],
    track_of: Mapping[str, str],
    step_of: Step,
) -> str:
    """The host at the end of ``unit_id``'s chain of steps, when its step is a unit further
    down the roster: each unit on the way gets the same host. A loop (a default host that
    itself sits at a small unit) stops at the last unit before it closes."""
    chain = [unit_id]
    current = step
    while current not in chain:
        chain.append(current)
        if current in hosts:
            break
        unit, track_id = units.get(current), track_of.get(current)
        # a unit that cannot be seated ends the chain: its own problem is reported at its row
        after = None if unit is None or track_id is None else step_of(unit, track_id, [])
        if after is None or after == current:
            break
        current = after
    end = hosts.get(chain[-1], chain[-1])
    for member in chain:
        hosts[member] = end
    return end


def _join_point_elsewhere(
    roster: Roster, unit: Unit, track_id: str, track_of: Mapping[str, str]
) -> Problem:
    elsewhere = track_of.get(unit.join_point or "")
    there = f"track '{elsewhere}'" if elsewhere else "no track"
    return Problem(
        roster.source,
        unit.row,
        roster.column("join_point"),
        (
            f"unit '{unit.id}' is in track '{track_id}' but its join point "
            f"'{unit.join_point}' is in "
            f"{there}; list both in one track."
        ),
    )


def _too_small(
    roster: Roster, unit: Unit, track_id: str, default_host: str | None, rules: Rules
) -> Problem:
    minimum = rules.own_point_min_members
    where = (
        f"the default host '{default_host}' is not in track '{track_id}'"
        if default_host
        else "there is no rules.default_host"
    )
    return Problem(
        roster.source,
        unit.row,
        roster.column("join_point"),
        (
            f"unit '{unit.id}' ({unit.name}) has {unit.members} members, fewer than "
            f"the {minimum} needed for its own point, has no join point, "
            f"and {where}; give it a join_point (ghép điểm cầu) or set "
            "rules.default_host in the meeting file."
        ),
    )
