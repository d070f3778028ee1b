"""The meeting file of a province's conference relayed in tiers, for the tests that plan or
open it (imported by name: ``from tests.province_conference import province_conference``):
one memory track ``main`` of the province's committee, its districts and its communes, one
sitting on Saturday 7 February 2026.

Example:
    >>> text = province_conference("demo", head="settings: {capacity: 3}", tail="tiers: [H1]")
    >>> print(text.partition("tracks:")[2].strip())
    - id: main
        platform: memory
        settings: {capacity: 3}
        units: {kinds: [committee, district, commune]}
        tiers: [H1]
        sittings:
          - {id: s1, start: 2026-02-07T08:00, end: 2026-02-07T11:30}
"""

from __future__ import annotations

import textwrap

__all__ = ["province_conference"]


def _track_lines(text: str) -> str:
    """YAML lines of a track, given without its indent, indented as the track's keys."""
    return "".join(f"    {line}\n" for line in textwrap.dedent(text).strip().splitlines())


def province_conference(meeting_id: str, *, head: str = "", tail: str = "") -> str:
    """The meeting file's text (``kind: conference``, the provincial office organizing):
    ``head`` lines of the track go before its units, ``tail`` lines after them."""
    return (
        f"id: {meeting_id}\n"
        'title: "Hội nghị quán triệt Nghị quyết"\n'
        "kind: conference\n"
        'organizer: {name: "Văn phòng Tỉnh ủy", email: vp@tinhuy.example.org}\n'
        "roster: roster.csv\n"
        "tracks:\n"
        "  - id: main\n"
        "    platform: memory\n"
        f"{_track_lines(head)}"
        "    units: {kinds: [committee, district, commune]}\n"
        f"{_track_lines(tail)}"
        "    sittings:\n"
        "      - {id: s1, start: 2026-02-07T08:00, end: 2026-02-07T11:30}\n"
    )
