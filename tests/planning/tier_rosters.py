"""Rosters with a hierarchy and meetings with a capacity, for the tier tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from meetlink.errors import InputError
from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Unit
from meetlink.planning import Conference, Plan

KINDS = ["committee", "district", "commune", "village", "agency"]


def province(*, districts: int, communes: int, villages: int = 0) -> list[Unit]:
    """A province (TU) over ``districts`` districts (H1…) of ``communes`` communes each
    (H1-X1…), each commune over ``villages`` villages with their own points."""
    units = [Unit(id="TU", name="Tỉnh ủy", kind="committee", members=50)]
    for d in range(1, districts + 1):
        district = f"H{d}"
        units.append(
            Unit(id=district, name=f"Huyện ủy {district}", kind="district", parent="TU", members=40)
        )
        for c in range(1, communes + 1):
            commune = f"{district}-X{c}"
            units.append(
                Unit(id=commune, name=f"Xã {commune}", kind="commune", parent=district, members=30)
            )
            units.extend(
                Unit(
                    id=f"{commune}-T{v}",
                    name=f"Thôn {v}",
                    kind="village",
                    parent=commune,
                    members=10,
                )
                for v in range(1, villages + 1)
            )
    return units


def tiered_meeting(*, sittings: int = 1, **track: Any) -> Meeting:
    """A meeting with one shared track of every kind on the memory platform; ``track`` keys
    (``capacity``, ``tiers``) added to it. A refused value raises InputError."""
    data: dict[str, Any] = {
        "id": "tiers-2026",
        "title": "Hội nghị quán triệt Nghị quyết",
        "organizer": {"name": "Văn phòng Tỉnh ủy", "email": "vanphong@tinhuy.example"},
        "roster": "roster.csv",
        "tracks": [
            {
                "id": "main",
                "platform": "memory",
                "units": {"kinds": KINDS},
                "sittings": [
                    {"id": f"s{i}", "start": f"2023-09-1{i}T08:00", "end": f"2023-09-1{i}T10:00"}
                    for i in range(1, sittings + 1)
                ],
                **track,
            }
        ],
    }
    try:
        return Meeting.model_validate(data, context={"timezone": "Asia/Ho_Chi_Minh"})
    except ValueError as exc:  # pydantic's ValidationError: as the loader reports it
        raise InputError.single("meeting.yaml", str(exc)) from None


def conferences_of(plan: Plan, sitting: str) -> list[Conference]:
    return [c for c in plan.conferences if c.sitting == sitting]


def chains_to_main(conferences: Sequence[Conference] | Iterable[Conference], main: str) -> set[str]:
    """The points joined to ``main`` through a chain of conferences that share a point (a
    relay): start from the conferences holding ``main``, follow every shared point."""
    conferences = list(conferences)
    reached = {main}
    grew = True
    while grew:
        grew = False
        for conference in conferences:
            points = set(conference.bridge_points)
            if points & reached and not points <= reached:
                reached |= points
                grew = True
    return reached
