"""Which track each unit attends: the first rule of the plan, known at load time.

A unit listed by id in a track's ``units.ids`` attends it; else it follows its
``join_point``'s host into the host's track; else the first track whose ``units.kinds`` has its
kind. The loader uses it to refuse a track no unit attends; the planner, to seat them.

Example:
    >>> assign_tracks.__name__
    'assign_tracks'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Roster, Unit, UnitKind

__all__ = ["assign_tracks", "tracks_of_units", "with_capacities"]


def with_capacities(meeting: Meeting, capacities: Mapping[str, int | None]) -> Meeting:
    """The meeting with each track's ``capacity`` (participants one conference holds) set
    from ``capacities`` (track id → the platform's), where the meeting file gives none: the
    track's own ``capacity:`` wins. The planner relays a larger shared track in tiers.

    ``meetlink.load_meeting`` passes the platforms' capacities (the adapters sit above this
    layer), as it passes their names.

    >>> from meetlink.loading.meeting import Meeting
    >>> meeting = Meeting.model_validate({"id": "q3", "title": "Q3",
    ...     "organizer": {"email": "vp@thiuy.example"}, "roster": "roster.csv",
    ...     "tracks": [{"id": "main", "sittings": [{"id": "s1"}]},
    ...                {"id": "mcu", "capacity": 250, "sittings": [{"id": "s1"}]}]})
    >>> [t.capacity for t in with_capacities(meeting, {"main": 100, "mcu": 1000}).tracks]
    [100, 250]
    """
    tracks = tuple(
        track
        if track.capacity is not None or capacities.get(track.id) is None
        else track.model_copy(update={"capacity": capacities[track.id]})
        for track in meeting.tracks
    )
    if tracks == meeting.tracks:
        return meeting
    return meeting.model_copy(update={"tracks": tracks})


def tracks_of_units(meeting: Meeting, roster: Roster) -> dict[str, str]:
    """unit id → id of the track it attends, by the planner's rules; a unit in no track is
    left out (:mod:`meetlink.loading` refuses a track that no unit attends).

    Example:
        >>> from meetlink.loading import load_meeting
        >>> loaded = load_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
        >>> set(tracks_of_units(loaded.meeting, loaded.roster).values())  # doctest: +SKIP
        {'main'}
    """
    return assign_tracks(meeting, roster.units, roster.by_id())


def assign_tracks(
    meeting: Meeting, ordered: Sequence[Unit], units: Mapping[str, Unit]
) -> dict[str, str]:
    """unit id → id of the track it attends, for the units ``ordered`` (the roster's order;
    ``units`` by id): see :func:`tracks_of_units`. A unit in no track is left out."""
    listed: dict[str, str] = {}
    for track in meeting.tracks:
        for unit_id in track.units.ids:
            listed.setdefault(unit_id, track.id)
    by_kind: dict[UnitKind, str] = {}
    for track in meeting.tracks:
        for kind in track.units.kinds:
            by_kind.setdefault(kind, track.id)
    # Most units: decided by kind, then by id (ids win), with no chain to walk.
    of_kind = by_kind.get
    track_of: dict[str, str] = {}
    joiners: list[Unit] = []
    for unit in ordered:
        if unit.join_point is not None:
            joiners.append(unit)
            continue
        own_track = of_kind(unit.kind)
        if own_track is not None:
            track_of[unit.id] = own_track
    for unit_id, track_id in listed.items():
        if unit_id in units:
            track_of[unit_id] = track_id
    stranded: dict[str, str] = {}
    for unit in joiners:
        # Walk the join-point chain to the first unit whose track is decided by id or kind.
        chain: list[str] = []
        current: Unit | None = unit
        found: str | None = None
        while current is not None:
            if current.id in track_of:
                found = track_of[current.id]
                break
            chain.append(current.id)
            if current.join_point is None or current.join_point in chain:
                found = by_kind.get(current.kind)
                break
            current = units.get(current.join_point)
        if found is None:
            # The join point's host is in no track: the unit's own kind decides, so a unit the
            # track asked for is not dropped silently (the planner reports its join point).
            # Kept apart so that no other unit's walk follows it, whatever the roster order.
            own = by_kind.get(unit.kind)
            if own is not None:
                stranded[unit.id] = own
            continue
        for unit_id in chain:
            track_of[unit_id] = found
    track_of.update(stranded)
    return track_of
