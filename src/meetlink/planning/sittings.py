"""The sittings of a plan: times resolved, occurrences of a recurring sitting listed. Pure.

Example:
    >>> from meetlink.planning.sittings import planned_sittings
    >>> callable(planned_sittings)
    True
"""

from __future__ import annotations

from typing import Any

from meetlink.loading.meeting import Meeting, Sitting, elapsed
from meetlink.planning.model import PlannedSitting

__all__ = ["planned_sittings"]


def planned_sittings(meeting: Meeting) -> list[PlannedSitting]:
    """Every sitting of every track, its times resolved: the end from ``end`` or the
    duration, the arrive-early time, and a recurring sitting's occurrences (exceptions
    applied).

    >>> [s.key for s in planned_sittings(meeting)]  # doctest: +SKIP
    ['toan-dang-bo/q3']
    """
    out = []
    for track in meeting.tracks:
        for sitting in track.sittings:
            title = " — ".join(t for t in (meeting.title, track.title, sitting.title) if t)
            out.append(
                PlannedSitting(
                    id=sitting.id,
                    track=track.id,
                    title=title,
                    start=sitting.start,
                    end=sitting.finish,
                    recurrence=sitting.recurrence,
                    arrive_by=(
                        elapsed(sitting.start, -meeting.arrive_early_minutes)
                        if sitting.start
                        else None
                    ),
                    location=sitting.location,
                    **_occurrences(sitting),
                )
            )
    return out


def _occurrences(sitting: Sitting) -> dict[str, Any]:
    """A recurring sitting's occurrences for :class:`PlannedSitting` (none for one sitting)."""
    expansion = sitting.occurrences()
    if expansion is None:
        return {}
    return {"occurrences": expansion.occurrences, "occurrences_complete": expansion.complete}
