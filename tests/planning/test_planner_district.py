"""A province's meeting (seed 001): province → district → commune, seats from delegates."""

from __future__ import annotations

import json
from collections.abc import Callable

from meetlink.loading.roster import Unit
from meetlink.planning import PointRole
from meetlink.planning.export import plan_to_json

KINDS = ["committee", "district", "commune", "village", "agency"]


def province(unit: Callable[..., Unit]) -> list[Unit]:
    return [
        unit("TU", "committee", 60, name="Tỉnh ủy Hà Tĩnh", delegates=120),
        unit("H-CX", "district", 70, name="Huyện ủy Cẩm Xuyên", delegates=85),
        unit("H-CX-1", "commune", 0, name="xã Cẩm Bình", parent="H-CX", delegates=40),
        unit("H-CX-2", "commune", 0, name="xã Cẩm Vịnh", parent="H-CX", delegates=35),
        unit("H-CL", "district", 67, name="Huyện ủy Can Lộc"),
        unit("H-CL-1", "commune", 0, name="xã Kim Song", parent="H-CL", delegates=30),
        unit("CAT", "agency", 10, name="Đảng ủy Công an tỉnh", delegates=45),
    ]


def test_a_district_has_its_own_point_and_its_communes_sit_under_it(unit, plan, track) -> None:
    result = plan(province(unit), kind="conference", tracks=[track(kinds=KINDS, sittings=2)])

    points = {p.id: p for p in result.bridge_points}
    assert result.bridge_points[0].id == "TU"
    assert [p.role for p in result.bridge_points if p.role is PointRole.MAIN] == [PointRole.MAIN]
    assert points["H-CX"].role is PointRole.DISTRICT
    assert points["H-CX"].parent_point is None
    assert points["H-CX-1"].parent_point == "H-CX"
    assert points["H-CX-2"].parent_point == "H-CX"
    assert points["H-CL-1"].parent_point == "H-CL"
    assert points["H-CX-1"].role is PointRole.COMMUNE


def test_a_conference_seats_the_delegates_where_the_roster_gives_them(unit, plan, track) -> None:
    result = plan(
        province(unit),
        kind="conference",
        tracks=[track(kinds=KINDS, sittings=2, attendance="all")],
    )

    seats = {p.id: dict(p.seats) for p in result.bridge_points}
    assert seats["TU"] == {"s1": 120, "s2": 120}
    assert seats["H-CX-1"] == {"s1": 40, "s2": 40}
    assert seats["H-CL"] == {"s1": 67, "s2": 67}  # no delegates given: its members
    # 10 members, fewer than the 16 for a point of its own, but 45 delegates: its own point
    assert seats["CAT"] == {"s1": 45, "s2": 45}


def test_a_party_meeting_seats_members_and_ignores_delegates(unit, plan, track) -> None:
    units = [
        unit("TU", "committee", 60, delegates=5),
        unit("X1", "commune", 33, delegates=3),
    ]

    result = plan(units, kind="party_meeting", tracks=[track(kinds=KINDS, attendance="all")])

    assert {p.id: p.seats["s1"] for p in result.bridge_points} == {"TU": 60, "X1": 33}


def test_the_plan_json_names_each_commune_point_s_district_point(unit, plan, track) -> None:
    result = plan(province(unit), kind="conference", tracks=[track(kinds=KINDS)])

    data = json.loads(plan_to_json(result))

    parents = {p["id"]: p.get("parent_point") for p in data["bridge_points"]}
    assert parents == {
        "TU": None,
        "H-CX": None,
        "H-CX-1": "H-CX",
        "H-CX-2": "H-CX",
        "H-CL": None,
        "H-CL-1": "H-CL",
        "CAT": None,
    }
    assert {p["id"]: p["role"] for p in data["bridge_points"]}["H-CL"] == "district"


def test_a_village_point_names_its_commune_point_and_one_at_the_hall_has_none(
    unit, plan, track
) -> None:
    units = [
        unit("X1", "commune", 30),
        unit("X1-T1", "village", 20, parent="X1"),
        unit("X1-T2", "village", 20, parent="X1", hosts_commune_hq=True),
    ]

    result = plan(units, tracks=[track()])

    points = {p.id: p for p in result.bridge_points}
    assert points["X1-T1"].parent_point == "X1"
    assert points["X1"].parent_point is None
    assert "X1-T2" not in points
