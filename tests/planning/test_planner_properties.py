"""Properties of the planner over random rosters, and of split_evenly and roster reading."""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from meetlink.errors import PlanningError
from meetlink.loading.meeting import AttendanceMode, ConferenceMode, Meeting
from meetlink.loading.roster import Roster, Unit, UnitKind, load_roster
from meetlink.planning import Plan, PointRole, plan_meeting, split_evenly
from meetlink.planning.export import plan_to_json

KINDS = [k.value for k in UnitKind]
# Modest and reproducible: no example database left in the working tree.
PROPERTY = settings(
    max_examples=75, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
CHEAP = settings(PROPERTY, max_examples=300)


# --- split_evenly ------------------------------------------------------------------------


@CHEAP
@given(total=st.integers(0, 10_000), parts=st.integers(1, 12))
def test_split_evenly_adds_up_and_its_parts_differ_by_at_most_one(total, parts):
    shares = split_evenly(total, parts)

    assert len(shares) == parts
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1
    assert list(shares) == sorted(shares, reverse=True)  # the extras go to the first parts


# --- random rosters ----------------------------------------------------------------------


@st.composite
def rosters(draw: st.DrawFn) -> list[Unit]:
    """Units whose parents and join points point only at units generated before them (so no
    cycles), then shuffled, so hosts may come after their guests in the file."""
    count = draw(st.integers(1, 18))
    units: list[Unit] = []
    for i in range(count):
        earlier = st.sampled_from([u.id for u in units]) if units else st.nothing()
        members = draw(st.integers(0, 160))
        units.append(
            Unit(
                id=f"U{i}",
                name=f"Chi bộ số {i}",
                kind=UnitKind(draw(st.sampled_from(KINDS))),
                parent=draw(st.none() | earlier),
                members=members,
                hosts_commune_hq=draw(st.booleans()),
                join_point=draw(st.none() | st.none() | earlier),
                cells=draw(st.none() | st.integers(1, 6)),
                excluded=draw(st.integers(0, members)),
                row=i + 2,
            )
        )
    return draw(st.permutations(units))


@st.composite
def meetings(draw: st.DrawFn, units: list[Unit]) -> Meeting:
    ids = [u.id for u in units]
    tracks: list[dict[str, Any]] = []
    for t in range(draw(st.integers(1, 2))):
        sittings = draw(st.integers(1, 4))
        rules = draw(
            st.none()
            | st.fixed_dictionaries(
                {
                    "own_point_min_members": st.integers(0, 40),
                    "default_host": st.none() | st.sampled_from(ids),
                    "cells_min_members": st.integers(1, 80),
                }
            )
        )
        tracks.append(
            {
                "id": f"t{t}",
                "platform": "memory",
                "units": {
                    "kinds": draw(st.lists(st.sampled_from(KINDS), unique=True)),
                    "ids": draw(st.lists(st.sampled_from(ids), unique=True, max_size=4)),
                },
                "attendance": draw(st.sampled_from(["split", "all"])),
                "conference": draw(st.sampled_from(["shared", "per_point"])),
                "cells": draw(st.booleans()),
                "rules": rules,
                "sittings": [
                    {"id": f"s{i}", "start": f"2023-09-1{i}T08:00", "duration_minutes": 120}
                    for i in range(1, sittings + 1)
                ],
            }
        )
    data = {
        "id": "prop",
        "title": "Property",
        "organizer": {"email": "vp@thiuy.example"},
        "roster": "roster.csv",
        "rules": {
            "own_point_min_members": draw(st.integers(0, 40)),
            "default_host": draw(st.none() | st.sampled_from(ids)),
        },
        "tracks": tracks,
    }
    return Meeting.model_validate(data)


@st.composite
def plans(draw: st.DrawFn) -> tuple[Meeting, list[Unit], Plan | PlanningError]:
    units = draw(rosters())
    meeting = draw(meetings(units))
    try:
        return meeting, units, plan_meeting(meeting, Roster("roster.csv", tuple(units)))
    except PlanningError as exc:
        return meeting, units, exc


def _planned(draw_result):
    meeting, units, result = draw_result
    event("planned" if isinstance(result, Plan) else "planning error")
    note(f"units={units!r}")
    note(f"tracks={meeting.tracks!r} rules={meeting.rules!r}")
    return meeting, {u.id: u for u in units}, result


@PROPERTY
@given(plans())
def test_a_planning_error_points_at_a_roster_row_of_a_real_unit(drawn):
    _, units, result = _planned(drawn)
    if not isinstance(result, PlanningError):
        return
    rows = {u.row: u for u in units.values()}
    assert result.problems
    for problem in result.problems:
        assert problem.file == "roster.csv"
        assert problem.where in rows
        assert f"'{rows[problem.where].id}'" in problem.message


@PROPERTY
@given(plans())
def test_every_invited_unit_has_exactly_one_seat_and_the_rest_are_not_invited(drawn):
    _, units, plan = _planned(drawn)
    if isinstance(plan, PlanningError):
        return
    seated = Counter(s.unit for s in plan.seats)
    assert all(n == 1 for n in seated.values())
    assert set(seated) | set(plan.not_invited) == set(units)
    assert not set(seated) & set(plan.not_invited)


@PROPERTY
@given(plans())
def test_seats_add_up_for_every_unit(drawn):
    meeting, units, plan = _planned(drawn)
    if isinstance(plan, PlanningError):
        return
    tracks = {t.id: t for t in meeting.tracks}
    for seat in plan.seats:
        track = tracks[seat.track]
        members = units[seat.unit].seated_members
        values = list(seat.seats.values())
        assert list(seat.seats) == [s.id for s in track.sittings]
        if track.attendance == AttendanceMode.SPLIT:
            assert sum(values) == members
            assert max(values) - min(values) <= 1
            assert values == sorted(values, reverse=True)
        else:
            assert values == [members] * len(values)


@PROPERTY
@given(plans())
def test_no_unit_is_seated_at_two_points(drawn):
    _, _, plan = _planned(drawn)
    if isinstance(plan, PlanningError):
        return
    ids = [p.id for p in plan.bridge_points]
    assert len(ids) == len(set(ids))
    shared_points = defaultdict(list)
    cell_points = defaultdict(list)
    for point in plan.bridge_points:
        for unit_id in point.units:
            if point.cell is not None:  # a branch split into numbered party cells
                assert point.role == PointRole.CELL
                assert point.units == (point.host_unit,)
                cell_points[unit_id].append(point.id)
            else:
                shared_points[unit_id].append(point.id)
    assert not set(shared_points) & set(cell_points)
    assert all(len(found) == 1 for found in shared_points.values())
    assert all(len(found) >= 2 for found in cell_points.values())
    for seat in plan.seats:
        where = shared_points.get(seat.unit) or cell_points[seat.unit]
        assert seat.point in where
        assert plan.point(seat.point).track == seat.track


@PROPERTY
@given(plans())
def test_a_party_cells_point_has_the_role_cell_and_no_other_point_has_it(drawn):
    _, units, plan = _planned(drawn)
    if isinstance(plan, PlanningError):
        return
    for point in plan.bridge_points:
        host = units[point.host_unit]
        expected = point.cell is not None or host.kind == UnitKind.CELL
        assert (point.role == PointRole.CELL) == expected, point
        if point.role == PointRole.CELL:
            event(f"cell point: {'numbered' if point.cell else 'registered row'}")


@PROPERTY
@given(plans())
def test_every_points_seats_are_the_sum_of_its_units_seats(drawn):
    meeting, units, plan = _planned(drawn)
    if isinstance(plan, PlanningError):
        return
    tracks = {t.id: t for t in meeting.tracks}
    seats = {s.unit: s.seats for s in plan.seats}
    cells: dict[str, list[dict[str, int]]] = defaultdict(list)
    for point in plan.bridge_points:
        if point.cell is not None:
            cells[point.host_unit].append(dict(point.seats))
            continue
        expected = {s: sum(seats[u][s] for u in point.units) for s in point.seats}
        assert dict(point.seats) == expected
    for host, shares in cells.items():
        total = {s: sum(c[s] for c in shares) for s in seats[host]}
        if tracks[plan.point(f"{host}-cell1").track].attendance == AttendanceMode.SPLIT:
            assert total == dict(seats[host])
            assert all(max(c.values()) - min(c.values()) <= 1 for c in shares)
        else:
            assert set(total.values()) == {units[host].seated_members}


@PROPERTY
@given(plans())
def test_conferences_cover_every_point_of_their_track_at_every_sitting(drawn):
    meeting, _, plan = _planned(drawn)
    if isinstance(plan, PlanningError):
        return
    for track in meeting.tracks:
        points = [p.id for p in plan.points_of(track.id)]
        mine = [c for c in plan.conferences if c.track == track.id]
        for sitting in track.sittings:
            at = [c for c in mine if c.sitting == sitting.id]
            assert sorted(p for c in at for p in c.bridge_points) == sorted(points)
            if track.conference == ConferenceMode.SHARED:
                assert len(at) == 1
            else:
                assert [len(c.bridge_points) for c in at] == [1] * len(points)
    assert len({c.key for c in plan.conferences}) == len(plan.conferences)


@PROPERTY
@given(plans())
def test_planning_is_deterministic(drawn):
    meeting, units, plan = _planned(drawn)
    if isinstance(plan, PlanningError):
        return
    again = plan_meeting(meeting, Roster("roster.csv", tuple(units.values())))
    assert plan_to_json(again) == plan_to_json(plan)


# --- reading what was written ------------------------------------------------------------

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵĐÂ"
)
NAMES = st.text(alphabet=VIETNAMESE + " ,;\"'-.()", min_size=1, max_size=30).filter(
    lambda s: s.strip(" ") and s.strip()[:1] not in "\"'"
)


@PROPERTY
@given(
    st.lists(st.tuples(NAMES, st.sampled_from(KINDS), st.integers(0, 999)), min_size=1, max_size=12)
)
def test_a_roster_written_as_csv_reads_back_the_same_units(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Mã", "Tên tổ chức đảng", "Loại", "Số đảng viên"])
    writer.writerows([f"U{i}", name, kind, members] for i, (name, kind, members) in enumerate(rows))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")

        units = load_roster(path).units

    assert [(u.id, u.name, u.kind.value, u.members, u.row) for u in units] == [
        (f"U{i}", name.strip(), kind, members, i + 2)
        for i, (name, kind, members) in enumerate(rows)
    ]
