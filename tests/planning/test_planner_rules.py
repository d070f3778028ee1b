"""Every planner rule of seeds 000 and 002, each at its edge."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from meetlink.errors import PlanningError, Problem
from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Roster
from meetlink.planning import Plan, PointRole, plan_meeting, split_evenly
from meetlink.planning.export import plan_to_json

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def where(plan: Plan, unit_id: str) -> str:
    """The id of the bridge point whose units include ``unit_id`` (exactly one)."""
    found = [p.id for p in plan.bridge_points if unit_id in p.units]
    assert len(found) == 1, f"{unit_id} sits at {found}"
    return found[0]


def seats_of(plan: Plan, unit_id: str) -> dict[str, int]:
    (seat,) = [s for s in plan.seats if s.unit == unit_id]
    return dict(seat.seats)


# --- where a unit sits ---------------------------------------------------------------------


def test_the_committee_hosts_the_main_point_listed_first(unit, plan):
    result = plan([unit("X1", "commune"), unit("TU", "committee", 40)])

    assert [p.id for p in result.bridge_points] == ["TU", "X1"]
    assert result.point("TU").role == PointRole.MAIN


def test_an_agency_with_exactly_16_members_runs_its_own_point(unit, plan):
    result = plan([unit("TU", "committee"), unit("A16", members=16)])

    assert where(result, "A16") == "A16"
    assert result.point("A16").units == ("A16",)
    assert result.point("A16").role == PointRole.AGENCY


def test_an_agency_with_15_members_sits_at_its_join_point(unit, plan):
    units = [
        unit("TU", "committee"),
        unit("X1", "commune"),
        unit("A15", members=15, join_point="X1"),
    ]

    result = plan(units)

    assert where(result, "A15") == "X1"
    assert "A15" not in {p.id for p in result.bridge_points}


def test_an_agency_with_15_members_and_no_join_point_sits_at_the_default_host(unit, plan):
    units = [unit("TU", "committee"), unit("VH", "agency", 30), unit("A15", members=15)]

    result = plan(units, rules={"default_host": "VH"})

    assert where(result, "A15") == "VH"
    assert result.point("VH").units == ("VH", "A15")


def test_a_village_hosting_the_commune_hq_sits_at_the_commune_point(unit, plan):
    units = [
        unit("X1", "commune", 30),
        unit("T1", "village", 40, parent="X1", hosts_commune_hq=True),
        unit("T2", "village", 40, parent="X1"),
    ]

    result = plan(units)

    assert where(result, "T1") == "X1"
    assert where(result, "T2") == "T2"
    assert result.point("T2").role == PointRole.VILLAGE
    assert [p.id for p in result.bridge_points] == ["X1", "T2"]


def test_a_village_has_its_own_point_whatever_its_size(unit, plan):
    result = plan([unit("X1", "commune"), unit("T1", "village", 3, parent="X1")])

    assert where(result, "T1") == "T1"


def test_attached_branches_sit_at_their_communes_point(unit, plan):
    units = [
        unit("X1", "commune", 30),
        unit("CA", "attached", 60, parent="X1"),
        unit("QS", "attached", 5, parent="X1"),
    ]

    result = plan(units)

    assert result.point("X1").units == ("X1", "CA", "QS")
    assert [p.id for p in result.bridge_points] == ["X1"]


def test_an_attached_branch_whose_commune_is_in_another_track_is_planned_as_an_agency(
    unit, plan, track
):
    units = [
        unit("TU", "committee", 40),
        unit("X1", "commune", 30),
        unit("CA", "attached", 20, parent="X1"),
        unit("TH", "attached", 8, parent="X1"),
    ]

    result = plan(
        units,
        tracks=[
            track("line", kinds=["commune"]),
            track("meet", kinds=["committee", "attached"], rules={"default_host": "TU"}),
        ],
    )

    assert result.point("CA").track == "meet"
    assert result.point("CA").role == PointRole.AGENCY
    assert where(result, "TH") == "TU"
    assert result.point("X1").units == ("X1",)


def test_a_small_unit_with_nowhere_to_sit_is_an_error_naming_the_unit_and_its_row(unit, plan):
    units = [
        unit("TU", "committee", row=2),
        unit("A15", members=15, row=3),
        unit("A16", members=16, row=4),
        unit("A03", members=3, row=5),
    ]

    with pytest.raises(PlanningError) as caught:
        plan(units)

    assert [(p.file, p.where, p.what) for p in caught.value.problems] == [
        ("roster.csv", 3, "join_point"),
        ("roster.csv", 5, "join_point"),
    ]
    first = str(caught.value.problems[0])
    assert first.startswith("roster.csv:3:join_point: unit 'A15' (Chi bộ A15) has 15 members")
    assert "there is no rules.default_host" in first


def test_a_default_host_in_another_track_does_not_seat_a_small_unit(unit, plan, track):
    units = [unit("TU", "committee", row=2), unit("A5", members=5, row=3)]

    with pytest.raises(PlanningError) as caught:
        plan(
            units,
            rules={"default_host": "TU"},
            tracks=[track("a", kinds=["committee"]), track("b", kinds=["agency"])],
        )

    (problem,) = caught.value.problems
    assert (problem.where, problem.what) == (3, "join_point")
    assert "the default host 'TU' is not in track 'b'" in problem.message


def test_an_explicit_join_point_always_wins_even_for_a_big_unit(unit, plan):
    units = [
        unit("TU", "committee"),
        unit("X1", "commune"),
        unit("BIG", members=300, join_point="TU"),
        unit("T1", "village", 80, parent="X1", join_point="TU"),
    ]

    result = plan(units)

    assert where(result, "BIG") == "TU"
    assert where(result, "T1") == "TU"
    assert {p.id for p in result.bridge_points} == {"TU", "X1"}


def test_a_join_point_to_a_unit_that_sits_elsewhere_follows_it_to_its_host(unit, plan):
    units = [
        unit("X1", "commune"),
        unit("T1", "village", 30, parent="X1", hosts_commune_hq=True),
        unit("A5", members=5, join_point="T1"),
    ]

    result = plan(units)

    assert result.point("X1").units == ("X1", "T1", "A5")


# --- which track --------------------------------------------------------------------------


def test_a_unit_listed_by_id_moves_to_that_track_although_its_kind_is_in_another(unit, plan, track):
    units = [unit("TU", "committee"), unit("X1", "commune"), unit("X2", "commune")]

    result = plan(
        units,
        tracks=[
            track("line", kinds=["committee", "commune"]),
            track("meet", kinds=["agency"], ids=["X2"]),
        ],
    )

    assert result.point("X1").track == "line"
    assert result.point("X2").track == "meet"
    assert [s.track for s in result.seats if s.unit == "X2"] == ["meet"]


def test_a_unit_follows_its_join_points_host_into_the_hosts_track(unit, plan, track):
    units = [
        unit("TU", "committee"),
        unit("VH", "commune", 30),
        unit("A5", members=5, join_point="VH"),
    ]

    result = plan(
        units,
        tracks=[
            track("meet", kinds=["committee", "agency"]),
            track("line", kinds=["commune"], platform="provisioned"),
        ],
    )

    assert where(result, "A5") == "VH"
    assert result.point("VH").track == "line"
    assert [s.track for s in result.seats if s.unit == "A5"] == ["line"]


def test_a_join_point_in_another_track_is_an_error_at_the_units_row(unit, plan, track):
    units = [
        unit("TU", "committee", row=2),
        unit("X1", "commune", row=3),
        unit("A5", members=5, join_point="X1", row=4),
    ]

    with pytest.raises(PlanningError) as caught:
        plan(
            units,
            tracks=[track("a", kinds=["commune"]), track("b", kinds=["committee"], ids=["A5"])],
        )

    (problem,) = caught.value.problems
    assert str(problem) == (
        "roster.csv:4:join_point: unit 'A5' is in track 'b' but its join point 'X1' is in "
        "track 'a'; list both in one track."
    )


def test_a_unit_whose_join_point_is_in_no_track_is_reported_not_dropped(unit, plan, track):
    # Ambiguous in the rules: the track asked for agencies, so the agency is not silently left
    # out because the point it registered to join is not in the meeting.
    units = [
        unit("TU", "committee", row=2),
        unit("X1", "commune", row=3),
        unit("A5", members=5, join_point="X1", row=4),
    ]

    for ordered in (units, units[::-1]):
        with pytest.raises(PlanningError) as caught:
            plan(ordered, tracks=[track(kinds=["committee", "agency"])])

        (problem,) = caught.value.problems
        assert str(problem) == (
            "roster.csv:4:join_point: unit 'A5' is in track 'main' but its join point 'X1' is "
            "in no track; list both in one track."
        )


def test_units_in_no_track_are_listed_as_not_invited(unit, plan, track):
    units = [
        unit("TU", "committee"),
        unit("A1", members=30),
        unit("T1", "village", 20, parent="TU"),
        unit("A2", members=40),
    ]

    result = plan(units, tracks=[track("main", kinds=["committee", "village"])])

    assert result.not_invited == ("A1", "A2")
    assert all("A1" not in p.units and "A2" not in p.units for p in result.bridge_points)
    assert {s.unit for s in result.seats} == {"TU", "T1"}


def test_per_track_rules_override_the_meeting_rules(unit, plan, track):
    units = [
        unit("TU", "committee"),
        unit("A10", members=10),
        unit("B10", members=10),
        unit("X1", "commune"),
    ]

    result = plan(
        units,
        rules={"own_point_min_members": 5},
        tracks=[
            track("a", kinds=["committee"], ids=["A10"]),
            track(
                "b",
                kinds=["commune"],
                ids=["B10"],
                rules={"own_point_min_members": 20, "default_host": "X1"},
            ),
        ],
    )

    assert where(result, "A10") == "A10"
    assert where(result, "B10") == "X1"


# --- seats --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "parts", "expected"),
    [
        (0, 1, (0,)),
        (1, 1, (1,)),
        (2, 1, (2,)),
        (100, 1, (100,)),
        (0, 2, (0, 0)),
        (1, 2, (1, 0)),
        (2, 2, (1, 1)),
        (100, 2, (50, 50)),
        (0, 3, (0, 0, 0)),
        (1, 3, (1, 0, 0)),
        (2, 3, (1, 1, 0)),
        (100, 3, (34, 33, 33)),
    ],
)
def test_split_evenly_gives_the_extra_seats_to_the_first_sittings(total, parts, expected):
    assert split_evenly(total, parts) == expected


def test_split_evenly_into_no_parts_is_empty():
    assert split_evenly(10, 0) == ()


@pytest.mark.parametrize(
    ("members", "sittings", "expected"),
    [
        (0, 1, {"s1": 0}),
        (100, 1, {"s1": 100}),
        (1, 2, {"s1": 1, "s2": 0}),
        (100, 2, {"s1": 50, "s2": 50}),
        (2, 3, {"s1": 1, "s2": 1, "s3": 0}),
        (100, 3, {"s1": 34, "s2": 33, "s3": 33}),
    ],
)
def test_split_attendance_divides_a_units_members_across_its_sittings(
    unit, plan, track, members, sittings, expected
):
    result = plan(
        [unit("X1", "commune", members)],
        tracks=[track(sittings=sittings, attendance="split")],
    )

    assert seats_of(result, "X1") == expected
    assert dict(result.point("X1").seats) == expected


def test_attendance_all_seats_every_member_at_every_sitting(unit, plan, track):
    result = plan([unit("X1", "commune", 37)], tracks=[track(sittings=3, attendance="all")])

    assert seats_of(result, "X1") == {"s1": 37, "s2": 37, "s3": 37}


def test_excluded_members_are_not_seated(unit, plan, track):
    units = [unit("X1", "commune", 40, excluded=10), unit("CA", "attached", 6, parent="X1")]

    result = plan(units, tracks=[track(sittings=2, attendance="split")])

    assert seats_of(result, "X1") == {"s1": 15, "s2": 15}
    assert dict(result.point("X1").seats) == {"s1": 18, "s2": 18}


def test_a_point_seats_the_sum_of_its_units(unit, plan, track):
    units = [
        unit("X1", "commune", 31),
        unit("CA", "attached", 7, parent="X1"),
        unit("T1", "village", 5, parent="X1", hosts_commune_hq=True),
    ]

    result = plan(units, tracks=[track(sittings=3, attendance="split")])

    # 31 → 11/10/10, 7 → 3/2/2, 5 → 2/2/1
    assert dict(result.point("X1").seats) == {"s1": 16, "s2": 14, "s3": 13}


def test_seed_002_dedicated_line_in_three_classes_and_meet_in_two(unit, plan, track):
    units = [
        unit("HU", "committee", 30),
        unit("X1", "commune", 45),
        unit("TRUONG", "agency", 20),
    ]

    result = plan(
        units,
        tracks=[
            track(
                "line",
                kinds=["committee", "commune"],
                sittings=3,
                attendance="split",
                platform="provisioned",
            ),
            track("meet", kinds=["agency"], sittings=2, attendance="split", platform="google"),
        ],
    )

    assert seats_of(result, "HU") == {"s1": 10, "s2": 10, "s3": 10}
    assert seats_of(result, "X1") == {"s1": 15, "s2": 15, "s3": 15}
    assert seats_of(result, "TRUONG") == {"s1": 10, "s2": 10}
    assert result.point("TRUONG").platform == "google"
    assert result.point("X1").platform == "provisioned"


# --- conferences --------------------------------------------------------------------------


def test_a_shared_conference_is_one_per_sitting_with_all_the_tracks_points(unit, plan, track):
    units = [unit("TU", "committee"), unit("X1", "commune"), unit("X2", "commune")]

    result = plan(units, tracks=[track(sittings=2, conference="shared")])

    assert [(c.key, c.sitting, c.bridge_points) for c in result.conferences] == [
        ("main/s1", "s1", ("TU", "X1", "X2")),
        ("main/s2", "s2", ("TU", "X1", "X2")),
    ]
    assert {c.platform for c in result.conferences} == {"memory"}


def test_per_point_conferences_are_one_per_sitting_per_point(unit, plan, track):
    units = [unit("X1", "commune"), unit("X2", "commune")]

    result = plan(units, tracks=[track("branch", sittings=2, conference="per_point")])

    assert [(c.key, c.track, c.sitting, c.bridge_points) for c in result.conferences] == [
        ("branch/s1/X1", "branch", "s1", ("X1",)),
        ("branch/s1/X2", "branch", "s1", ("X2",)),
        ("branch/s2/X1", "branch", "s2", ("X1",)),
        ("branch/s2/X2", "branch", "s2", ("X2",)),
    ]


def test_conferences_of_two_tracks_stay_in_their_own_track(unit, plan, track):
    units = [unit("TU", "committee"), unit("A1", members=20)]

    result = plan(
        units,
        tracks=[track("a", kinds=["committee"]), track("b", kinds=["agency"], sittings=2)],
    )

    assert [(c.key, c.bridge_points) for c in result.conferences] == [
        ("a/s1", ("TU",)),
        ("b/s1", ("A1",)),
        ("b/s2", ("A1",)),
    ]


# --- party cells --------------------------------------------------------------------------


def test_a_branch_of_50_members_with_3_cells_meets_as_3_points_split_evenly(unit, plan, track):
    result = plan([unit("CB", "village", 50, cells=3)], tracks=[track(cells=True)])

    assert [(p.id, p.cell, p.role, dict(p.seats)) for p in result.bridge_points] == [
        ("CB-cell1", 1, PointRole.CELL, {"s1": 17}),
        ("CB-cell2", 2, PointRole.CELL, {"s1": 17}),
        ("CB-cell3", 3, PointRole.CELL, {"s1": 16}),
    ]
    assert {p.host_unit for p in result.bridge_points} == {"CB"}
    assert seats_of(result, "CB") == {"s1": 50}


def test_a_branch_of_49_members_with_cells_stays_one_point(unit, plan, track):
    result = plan([unit("CB", "village", 49, cells=3)], tracks=[track(cells=True)])

    assert [p.id for p in result.bridge_points] == ["CB"]
    assert result.notes == ()


def test_a_big_branch_with_no_cells_count_stays_one_point_with_a_note(unit, plan, track):
    result = plan([unit("CB", "village", 80)], tracks=[track(cells=True)])

    assert [p.id for p in result.bridge_points] == ["CB"]
    assert len(result.notes) == 1
    assert result.notes[0].startswith("CB: 80 members but no party cells given")


def test_cells_are_ignored_when_the_track_does_not_ask_for_them(unit, plan, track):
    result = plan([unit("CB", "village", 80, cells=4)], tracks=[track(cells=False)])

    assert [p.id for p in result.bridge_points] == ["CB"]


def test_cells_split_across_sittings_add_up_to_the_branchs_own_seats(unit, plan, track):
    result = plan(
        [unit("CB", "agency", 100, cells=3)],
        tracks=[track(cells=True, sittings=2, attendance="split")],
    )

    cells = [dict(p.seats) for p in result.bridge_points]
    assert seats_of(result, "CB") == {"s1": 50, "s2": 50}
    assert {s: sum(c[s] for c in cells) for s in ("s1", "s2")} == {"s1": 50, "s2": 50}
    assert [sum(c.values()) for c in cells] == [34, 33, 33]
    assert all(abs(c["s1"] - c["s2"]) <= 1 for c in cells)


# --- times --------------------------------------------------------------------------------


def test_a_sitting_whose_time_is_announced_later_plans_with_start_none(unit, plan, track):
    result = plan(
        [unit("X1", "commune")],
        tracks=[track(sittings=[{"id": "s1"}, {"id": "s2", "duration_minutes": 90}])],
    )

    assert [(s.id, s.start, s.end, s.arrive_by) for s in result.sittings] == [
        ("s1", None, None, None),
        ("s2", None, None, None),
    ]
    assert [c.key for c in result.conferences] == ["main/s1", "main/s2"]
    assert seats_of(result, "X1") == {"s1": 20, "s2": 20}


def test_arrive_by_is_the_start_minus_arrive_early_minutes(unit, plan, track):
    result = plan(
        [unit("X1", "commune")],
        arrive_early_minutes=20,
        tracks=[
            track(sittings=[{"id": "s1", "start": "2023-12-04T08:00", "duration_minutes": 240}])
        ],
    )

    (sitting,) = result.sittings
    assert sitting.start == dt.datetime(2023, 12, 4, 8, 0, tzinfo=HCM)
    assert sitting.end == dt.datetime(2023, 12, 4, 12, 0, tzinfo=HCM)
    assert sitting.arrive_by == dt.datetime(2023, 12, 4, 7, 40, tzinfo=HCM)


def test_the_rehearsal_is_in_the_plan(unit, plan):
    result = plan([unit("X1", "commune")], rehearsal="2023-12-03T15:00")

    assert result.rehearsal == dt.datetime(2023, 12, 3, 15, 0, tzinfo=HCM)
    assert '"rehearsal": "2023-12-03T15:00:00+07:00"' in plan_to_json(result)


def test_a_meeting_without_a_rehearsal_plans_none(unit, plan):
    assert plan([unit("X1", "commune")]).rehearsal is None


# --- determinism --------------------------------------------------------------------------


def test_the_same_input_gives_a_byte_identical_plan_json(unit, meeting, track):
    units = (
        unit("TU", "committee", 40),
        unit("X1", "commune", 31),
        unit("T1", "village", 12, parent="X1"),
        unit("T2", "village", 22, parent="X1", hosts_commune_hq=True),
        unit("CA", "attached", 9, parent="X1"),
        unit("A1", members=7, join_point="X1"),
        unit("A2", members=70, cells=3),
    )
    tracks = [
        track(
            "line",
            kinds=["committee", "commune", "village", "attached"],
            sittings=3,
            attendance="split",
        ),
        track("meet", kinds=["agency"], sittings=2, conference="per_point", cells=True),
    ]

    def once() -> bytes:
        m: Meeting = meeting(tracks=tracks, rehearsal="2023-09-09T15:00")
        return plan_to_json(plan_meeting(m, Roster("roster.csv", units))).encode()

    first = once()
    assert all(once() == first for _ in range(3))


def test_planning_reports_every_unit_that_cannot_be_seated_with_problem_objects(unit, plan):
    with pytest.raises(PlanningError) as caught:
        plan([unit("A1", members=1, row=7), unit("A2", members=2, row=9)])

    assert all(isinstance(p, Problem) for p in caught.value.problems)
    assert [p.where for p in caught.value.problems] == [7, 9]


def test_cells_registered_under_a_cell_are_not_used_whatever_the_order(unit, plan, track):
    """A cell row whose parent is itself a cell (hypothesis drew it): the committee's cell
    is dropped and the cell under it is not invited either, in either order (the planner
    once looked the dropped cell's track up after dropping it: KeyError)."""
    for order in (1, -1):
        units = [
            unit("TU", "committee", 40),
            unit("C1", "cell", 20, parent="TU"),
            unit("C2", "cell", 10, parent="C1"),
        ][::order]
        result = plan(units, tracks=[track()])

        assert [p.id for p in result.bridge_points] == ["TU"]
        assert {"C1", "C2"} <= set(result.not_invited)
        assert any(n.startswith("TU: its party cells C1 are not used") for n in result.notes)
