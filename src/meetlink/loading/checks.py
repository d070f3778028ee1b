"""What a valid meeting file may still get wrong: checks across its parts and its roster.

Each check yields :class:`~meetlink.errors.Problem` s at the line of the key they are about
(``FILE:LINE: key.path: sentence``), so :func:`meetlink.loading.load_meeting` reports them
with the file's other problems, all at once:

* :func:`unknown_platforms`: a track's ``platform:`` that no adapter is registered for;
* :func:`overlapping_sittings`: two sittings of one track at the same time;
* :func:`roster_problems`: a unit id or default host that the roster does not have, a unit
  listed in two tracks;
* :func:`empty_tracks`: a track that no unit attends, or that seats nobody at a sitting.

Example:
    >>> data = {"tracks": [{"id": "main", "platform": "zoom"}]}
    >>> lines = {("tracks", 0, "platform"): 9}
    >>> [str(p)[:40] for p in unknown_platforms(data, lines, "m.yaml", ["jitsi", "google"])]
    ['m.yaml:9: tracks[0].platform: unknown pl']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from typing import Any

from meetlink.errors import Problem
from meetlink.loading.meeting import AttendanceMode, Meeting, Track
from meetlink.loading.notice import MeetingKind
from meetlink.loading.roster import Roster
from meetlink.loading.tracks import tracks_of_units
from meetlink.loading.yaml_file import KeyPath, dotted, line_for

__all__ = ["empty_tracks", "overlapping_sittings", "roster_problems", "unknown_platforms"]


def _problem(shown: str, lines: dict[KeyPath, int], key: KeyPath, message: str) -> Problem:
    return Problem(shown, line_for(lines, key), dotted(key), message, yaml=True)


def unknown_platforms(
    data: dict[str, Any],
    lines: dict[KeyPath, int],
    shown: str,
    platforms: Collection[str] | None,
) -> list[Problem]:
    """A problem for every track of the raw file ``data`` whose ``platform:`` is not one of
    ``platforms`` (the adapter registry's names; None checks nothing). See the example above.
    """
    tracks = data.get("tracks")
    if not isinstance(tracks, list) or platforms is None:
        return []
    known = list(platforms)
    problems = []
    for t, track in enumerate(tracks):
        platform = track.get("platform") if isinstance(track, dict) else None
        if isinstance(platform, str) and platform not in known:
            message = f"unknown platform '{platform}'; the registered ones are: {', '.join(known)}."
            problems.append(_problem(shown, lines, ("tracks", t, "platform"), message))
    return problems


def roster_problems(
    shown: str, meeting: Meeting, roster: Roster | None, lines: dict[KeyPath, int]
) -> Iterator[Problem]:
    """What only the meeting and the roster together can tell: a unit id or default host the
    roster lacks, a unit listed in two tracks. Nothing when the roster could not be read.

    >>> [str(p) for p in roster_problems("m.yaml", meeting, roster, lines)]  # doctest: +SKIP
    ["m.yaml:12: tracks[0].units.ids[1]: no unit 'X9' in the roster roster.csv; check the id."]
    """
    if roster is None:
        return
    units = roster.by_id()
    listed: dict[str, str] = {}
    for t, track in enumerate(meeting.tracks):
        for i, unit_id in enumerate(track.units.ids):
            key: KeyPath = ("tracks", t, "units", "ids", i)
            if unit_id not in units:
                message = f"no unit '{unit_id}' in the roster {roster.source}; check the id."
                yield _problem(shown, lines, key, message)
            elif unit_id in listed and listed[unit_id] != track.id:
                yield _problem(
                    shown,
                    lines,
                    key,
                    f"unit '{unit_id}' is listed in tracks '{listed[unit_id]}' and "
                    f"'{track.id}'; a unit attends one track, so remove one.",
                )
            listed.setdefault(unit_id, track.id)
        for i, unit_id in enumerate(track.tiers):  # relay points named by hand
            if unit_id not in units:
                yield _problem(
                    shown,
                    lines,
                    ("tracks", t, "tiers", i),
                    f"no unit '{unit_id}' in the roster {roster.source}; name the unit whose "
                    "hall relays the conference by its id.",
                )
    hosts: list[tuple[KeyPath, str | None]] = [
        (("rules", "default_host"), meeting.rules.default_host)
    ]
    hosts += [
        (("tracks", t, "rules", "default_host"), tr.rules.default_host if tr.rules else None)
        for t, tr in enumerate(meeting.tracks)
    ]
    for host_key, host in hosts:
        if host is not None and host not in units:
            yield _problem(
                shown,
                lines,
                host_key,
                f"no unit '{host}' in the roster {roster.source}; the default host must be "
                "a unit id.",
            )


def overlapping_sittings(
    shown: str, meeting: Meeting, lines: dict[KeyPath, int]
) -> Iterator[Problem]:
    """Two sittings of one track at the same time: each unit would have to be in both.

    Compared by their first occurrence (a recurrence is not expanded).

    >>> [str(p)[:56] for p in overlapping_sittings("m.yaml", meeting, lines)]  # doctest: +SKIP
    ["m.yaml:14: tracks[0].sittings[1].start: this sitting starts"]
    """
    for t, track in enumerate(meeting.tracks):
        timed = sorted(
            (s.start.astimezone(dt.UTC), finish.astimezone(dt.UTC), i, s.id)
            for i, s in enumerate(track.sittings)
            if s.start is not None and (finish := s.finish) is not None
        )
        latest: tuple[dt.datetime, str] | None = None
        for start, end, i, sitting_id in timed:
            if latest is not None and start < latest[0]:
                yield _problem(
                    shown,
                    lines,
                    ("tracks", t, "sittings", i, "start"),
                    f"this sitting starts before sitting '{latest[1]}' of the same track "
                    "ends; a track's sittings follow one another, so move one of them (or "
                    "put one in a track of its own).",
                )
            if latest is None or end > latest[0]:
                latest = (end, sitting_id)


def empty_tracks(
    shown: str, meeting: Meeting, roster: Roster, lines: dict[KeyPath, int]
) -> Iterator[Problem]:
    """A track no unit attends, or one that seats nobody at a sitting: an empty conference.

    >>> [str(p)[:45] for p in empty_tracks("m.yaml", meeting, roster, lines)]  # doctest: +SKIP
    ['m.yaml:20: tracks[1].units: no unit of the']
    """
    members: dict[str, list[int]] = {t.id: [] for t in meeting.tracks}
    units = roster.by_id()
    delegates = meeting.kind is not MeetingKind.PARTY_MEETING  # as the planner seats them
    for unit_id, track_id in tracks_of_units(meeting, roster).items():
        members[track_id].append(units[unit_id].seated(delegates=delegates))
    for t, track in enumerate(meeting.tracks):
        where: KeyPath = ("tracks", t, "units")
        seated = members[track.id]
        message = ""
        if not track.units.kinds and not track.units.ids:
            message = (
                "this track takes no units; list them in `units: {kinds: [...]}` or "
                "`units: {ids: [...]}`."
            )
        elif not roster.units:
            message = f"the roster {roster.source} has no units, so nobody attends this track."
        elif not seated:
            message = (
                f"no unit of the roster {roster.source} attends this track: none has one of "
                "its kinds or ids, or those units attend an earlier track; check `units:`."
            )
        elif not any(seated):
            message = (
                "every unit of this track has no member to seat (members − excluded is 0), "
                "so its conferences would be empty; check the roster's members and excluded."
            )
        if message:
            yield _problem(shown, lines, where, message)
            continue
        yield from _empty_sittings(shown, t, track, seated, lines)


def _empty_sittings(
    shown: str, t: int, track: Track, seated: list[int], lines: dict[KeyPath, int]
) -> Iterator[Problem]:
    """With ``attendance: split``, a sitting may get no seat: more sittings than members."""
    if track.attendance != AttendanceMode.SPLIT:
        return
    parts = len(track.sittings)
    # Each unit's extra seats go to the first sittings: the last get a seat only when some
    # unit has as many members as there are sittings.
    if any(count >= parts for count in seated):
        return
    for j in range(max(seated, default=0), parts):
        yield _problem(
            shown,
            lines,
            ("tracks", t, "sittings", j),
            f"nobody is seated at this sitting: the track's members, split across its "
            f"{parts} sittings (attendance: split), leave none for it; use fewer "
            "sittings or attendance: all.",
        )
