"""The platform's own attendance records: which bridge point joined each conference, when.

A platform that keeps participant records (Google Meet, a provider's MCU) reports them as
:class:`~meetlink.adapters.models.AttendanceEntry` per conference. Each participant is matched
to one bridge point of that conference:

1. the entry's own ``point_id``, when the platform knows it (a provider-issued login);
2. a conference of one point (``per_point``): every participant is at that point;
3. the display name equal to a point's name, code or host unit's name (after NFC and fold);
4. a point's code, name or host unit's name contained in the display name, as whole words
   (``"P-BYN-V1 - Hoàng Thanh Lan"``); the longest such name wins, a tie is ambiguous.

Participants matched to no point, or to two, are listed as :class:`UnmatchedParticipant`.
A point's participants count the distinct display names matched to it.

Example:
    >>> from meetlink.text import fold
    >>> _words_in(fold("P-BYN-V1"), fold("Điểm cầu P-BYN-V1 (máy 2)"))
    True
    >>> _words_in(fold("TU"), fold("Tuấn"))
    False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from meetlink.adapters.base import Capability, ConferenceAdapter
from meetlink.adapters.models import AttendanceEntry, ConferenceInfo, ConferenceRequest
from meetlink.errors import AdapterError, InputError, Problem
from meetlink.planning import BridgePoint, Plan
from meetlink.report.models import Connection, RollCalls, UnmatchedParticipant
from meetlink.text import fold, nfc

__all__ = [
    "RECORDS_KEPT_DAYS",
    "PlatformRecords",
    "match_participant",
    "read_platform_records",
    "roll_calls_from_platform",
]

_SOURCE = "platform records"

RECORDS_KEPT_DAYS = 30
"""Google Meet deletes a conference record 30 days after the conference."""
_WARN_DAYS = 5  # warn when a record has fewer days than this left


@dataclass(frozen=True)
class PlatformRecords:
    """What the platforms recorded, by conference key, and what the operator should know."""

    records: dict[str, list[AttendanceEntry]]
    warnings: tuple[str, ...] = ()


def read_platform_records(
    conferences: Iterable[tuple[ConferenceRequest, ConferenceInfo]],
    adapters: Mapping[str, ConferenceAdapter],
    *,
    now: dt.datetime,
) -> PlatformRecords:
    """Ask each conference's platform who joined it (``ConferenceAdapter.attendance``).

    A conference whose platform keeps no records, or whose records cannot be read, is left
    out with a warning (its points then need roll-call sheets); one whose record is near or
    past the 30 days Google keeps it gets a warning too.

    >>> read_platform_records([], {}, now=dt.datetime.now(dt.UTC)).records
    {}
    """
    records: dict[str, list[AttendanceEntry]] = {}
    warnings: list[str] = []
    for request, info in conferences:
        adapter = adapters.get(request.track)
        if adapter is None or not adapter.supports(Capability.ATTENDANCE):
            warnings.append(
                f"{request.key}: the platform of track '{request.track}' keeps no attendance "
                "records; report its points from roll-call sheets."
            )
            continue
        try:
            records[request.key] = list(adapter.attendance(request, info))
        except AdapterError as exc:
            warnings.append(f"{request.key}: the attendance could not be read: {exc}")
            continue
        if request.start is not None and adapter.name == "google":
            age = (now - request.start).days
            left = RECORDS_KEPT_DAYS - age
            if left <= 0:
                warnings.append(
                    f"{request.key}: Google deletes Meet records {RECORDS_KEPT_DAYS} days after "
                    "the meeting; they may be gone: check the figures against roll-call sheets."
                )
            elif left <= _WARN_DAYS:
                warnings.append(
                    f"{request.key}: Google deletes these Meet records in {left} day(s); run "
                    "`meetlink report --from-platform -o …` now to keep them."
                )
    return PlatformRecords(records, tuple(warnings))


def roll_calls_from_platform(
    plan: Plan, records: Mapping[str, Sequence[AttendanceEntry]]
) -> RollCalls:
    """Turn the platform's records (conference key → entries) into connections.

    The keys are the plan's conference keys (``main/s1``, or ``branches/oct/X1`` for a
    per-point conference). Every point of a covered conference is *observed*: in the
    report it either connected or never connected.

    >>> roll_calls_from_platform(plan, {"toan-dang-bo/q3": entries})  # doctest: +SKIP
    RollCalls(calls=(), connections=(Connection(...), ...), unmatched=(...), ...)
    """
    conferences = {c.key: c for c in plan.conferences}
    unknown = sorted(k for k in records if k not in conferences)
    if unknown:
        raise InputError(
            Problem(
                _SOURCE,
                0,
                key,
                f"the plan has no conference '{key}'; use one of "
                f"{', '.join(sorted(conferences)[:5])}{'…' if len(conferences) > 5 else ''}.",
            )
            for key in unknown
        )
    connections: list[Connection] = []
    unmatched: list[UnmatchedParticipant] = []
    observed: set[tuple[str, str, str]] = set()
    names = {u.id: u.name for u in plan.units.values()}
    by_id = {p.id: p for p in plan.bridge_points}
    for key, entries in records.items():
        conference = conferences[key]
        points = [by_id[p] for p in conference.bridge_points]
        observed.update((conference.track, conference.sitting, p.id) for p in points)
        matcher = _Matcher(points, names)
        seen: dict[str, list[AttendanceEntry]] = {}
        for entry in entries:
            point, reason = matcher.match(entry)
            if point is None:
                unmatched.append(
                    UnmatchedParticipant(key, nfc(entry.display_name), entry.joined_at, reason)
                )
            else:
                seen.setdefault(point.id, []).append(entry)
        for point in points:
            stays = seen.get(point.id)
            if stays:
                connections.append(
                    Connection(
                        track=conference.track,
                        sitting=conference.sitting,
                        point=point.id,
                        first_joined=min(e.joined_at for e in stays),
                        participants=len({fold(e.display_name) for e in stays}),
                    )
                )
    unmatched.sort(key=lambda u: (u.conference, u.joined_at, u.display_name))
    return RollCalls(
        connections=tuple(connections),
        unmatched=tuple(unmatched),
        observed=frozenset(observed),
        sources=(_SOURCE,),
    )


def match_participant(
    entry: AttendanceEntry,
    points: Sequence[BridgePoint],
    unit_names: Mapping[str, str] | None = None,
) -> tuple[BridgePoint | None, str]:
    """The bridge point among ``points`` a participant joined for, or None and the reason.

    ``unit_names`` maps unit id → name (``plan.units``' names), for the host unit's name.

    >>> match_participant(entry, plan.points_of("main"))  # doctest: +SKIP
    (BridgePoint(id='P-BYN-V1', ...), '')
    """
    return _Matcher(points, unit_names or {}).match(entry)


class _Matcher:
    """The names of a conference's points, indexed once for all its participants.

    A display name has few words, so containment is checked by looking up each run of its
    words, not by scanning every point: thousands of points stay fast.
    """

    def __init__(self, points: Sequence[BridgePoint], unit_names: Mapping[str, str]) -> None:
        self.points = {p.id: p for p in points}
        self.names: dict[str, set[str]] = {}  # plain folded name → point ids
        for point in points:
            for words in _names_of(point, unit_names):
                self.names.setdefault(words, set()).add(point.id)
        self.longest = max((len(w.split()) for w in self.names), default=0)

    def match(self, entry: AttendanceEntry) -> tuple[BridgePoint | None, str]:
        if entry.point_id is not None:
            if entry.point_id in self.points:
                return self.points[entry.point_id], ""
            return None, (
                f"the platform names bridge point '{entry.point_id}', not in this conference."
            )
        if len(self.points) == 1:
            return next(iter(self.points.values())), ""
        name = _plain(fold(nfc(entry.display_name)))
        if not name:
            return None, "the participant has no display name."
        exact = self.names.get(name, set())
        if not exact:
            words = name.split()
            found: dict[str, set[str]] = {}
            for size in range(min(len(words), self.longest), 0, -1):
                for start in range(len(words) - size + 1):
                    run = " ".join(words[start : start + size])
                    for point_id in self.names.get(run, ()):
                        found.setdefault(run, set()).add(point_id)
                if found:
                    break  # the longest names found win
            if not found:
                return None, "the name contains no bridge point's code or name."
            longest = max(len(run) for run in found)
            exact = {p for run, ids in found.items() if len(run) == longest for p in ids}
        if len(exact) > 1:
            return None, f"the name fits several bridge points: {', '.join(sorted(exact))}."
        return self.points[next(iter(exact))], ""


def _names_of(point: BridgePoint, unit_names: Mapping[str, str]) -> set[str]:
    """What a point may be called: its code, its name, its host unit's name."""
    names = (point.id, point.name, unit_names.get(point.host_unit, ""))
    return {w for w in (_plain(fold(n)) for n in names) if w}


def _words_in(words: str, text: str) -> bool:
    """Whether ``words`` occurs in ``text`` as whole words (both folded)."""
    return f" {_plain(words)} " in f" {_plain(text)} "


def _plain(text: str) -> str:
    """Punctuation as spaces, so "(P-BYN-V1)" and "TU:" still show their words."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())
