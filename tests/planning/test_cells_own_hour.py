"""Registered party cells (roster rows of kind ``cell``): their own role, and their own hour."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from meetlink.errors import InputError
from meetlink.invites.planned import invitations_for
from meetlink.loading.roster import load_roster
from meetlink.planning import PointRole
from meetlink.planning.export import plan_to_json
from meetlink.planning.points import point_list
from meetlink.reconcile.desired import conference_requests

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _branch_with_cells(unit, *, hour: dt.time | None = dt.time(19, 30)):
    return [
        unit("TU", "committee", 40, contact_emails=("vp@thiuy.example",)),
        unit("CB05", "agency", 62),
        unit(
            "CB05-to1",
            "cell",
            30,
            parent="CB05",
            name="Tổ đảng Văn phòng – Chi bộ Sở Y tế",
            contact_emails=("to1@khoi.example",),
            meets_at=hour,
        ),
        unit(
            "CB05-to2",
            "cell",
            32,
            parent="CB05",
            name="Tổ đảng Khám bệnh – Chi bộ Sở Y tế",
            contact_emails=("to2@khoi.example",),
        ),
    ]


def test_a_registered_cells_point_has_the_role_cell_not_agency(unit, plan, track):
    result = plan(_branch_with_cells(unit, hour=None), tracks=[track()])

    roles = {p.id: p.role for p in result.bridge_points}
    assert roles == {"TU": PointRole.MAIN, "CB05-to1": PointRole.CELL, "CB05-to2": PointRole.CELL}
    assert all(p.cell is None for p in result.bridge_points)  # not a branch split by number
    data = json.loads(plan_to_json(result))
    assert {p["id"]: p["role"] for p in data["bridge_points"]}["CB05-to1"] == "cell"


def test_a_cell_with_its_own_hour_meets_then_and_the_other_keeps_the_tracks(unit, plan, track):
    result = plan(_branch_with_cells(unit), tracks=[track(sittings=1)])
    (sitting,) = result.sittings

    own = result.sitting_at(sitting, result.point("CB05-to1"))
    other = result.sitting_at(sitting, result.point("CB05-to2"))

    assert (own.start, own.end) == (
        dt.datetime(2023, 9, 11, 19, 30, tzinfo=HCM),
        dt.datetime(2023, 9, 11, 21, 30, tzinfo=HCM),
    )
    assert other is sitting  # the track's own sitting: 08:00–10:00
    assert result.point("CB05-to1").meets_at == dt.time(19, 30)


def test_the_plan_json_shows_a_cells_own_hour_only_where_it_has_one(unit, plan, track):
    data = json.loads(plan_to_json(plan(_branch_with_cells(unit), tracks=[track(sittings=2)])))
    points = {p["id"]: p for p in data["bridge_points"]}

    assert points["CB05-to1"]["meets_at"] == "19:30"
    assert points["CB05-to1"]["times"] == {
        "s1": {"start": "2023-09-11T19:30:00+07:00", "end": "2023-09-11T21:30:00+07:00"},
        "s2": {"start": "2023-09-12T19:30:00+07:00", "end": "2023-09-12T21:30:00+07:00"},
    }
    assert "meets_at" not in points["CB05-to2"]
    assert "times" not in points["CB05-to2"]
    assert "meets_at" not in points["TU"]


def test_a_cell_at_its_own_hour_leaves_the_shared_conference_for_its_own(unit, plan, track):
    result = plan(_branch_with_cells(unit), tracks=[track(conference="shared")])

    keys = {c.key: c.bridge_points for c in result.conferences}
    assert keys == {"main/s1": ("TU", "CB05-to2"), "main/s1/CB05-to1": ("CB05-to1",)}
    requests = {r.key: r for r in conference_requests(result).values()}
    assert requests["main/s1/CB05-to1"].start == dt.datetime(2023, 9, 11, 19, 30, tzinfo=HCM)
    assert requests["main/s1"].start == dt.datetime(2023, 9, 11, 8, 0, tzinfo=HCM)


def test_a_cells_invitation_gives_its_own_hour_and_its_sister_cell_the_tracks(unit, plan, track):
    result = plan(_branch_with_cells(unit), tracks=[track(conference="per_point")])

    specs = {s.point: s for s in invitations_for(result, {})}

    assert specs["CB05-to1"].start == dt.datetime(2023, 9, 11, 19, 30, tzinfo=HCM)
    assert specs["CB05-to1"].end == dt.datetime(2023, 9, 11, 21, 30, tzinfo=HCM)
    assert specs["CB05-to2"].start == dt.datetime(2023, 9, 11, 8, 0, tzinfo=HCM)
    assert specs["TU"].start == dt.datetime(2023, 9, 11, 8, 0, tzinfo=HCM)


def test_a_recurring_sitting_is_held_at_the_cells_hour_on_each_of_its_days(unit, plan, track):
    sitting = {
        "id": "thang",
        "start": "2024-01-07T08:00",
        "end": "2024-01-07T10:00",
        "recurrence": "FREQ=MONTHLY;BYDAY=1SU;COUNT=3",
        "exceptions": {"2024-02-04": {"start": "2024-02-11T14:00"}},
    }
    result = plan(_branch_with_cells(unit), tracks=[track(sittings=[sitting])])

    held = result.sitting_at(result.sittings[0], result.point("CB05-to1"))

    assert [(o.start.isoformat(), o.status) for o in held.occurrences] == [
        ("2024-01-07T19:30:00+07:00", "scheduled"),
        ("2024-02-11T19:30:00+07:00", "moved"),
        ("2024-03-03T19:30:00+07:00", "scheduled"),
    ]
    assert all(o.end - o.start == dt.timedelta(hours=2) for o in held.occurrences)


def test_the_roster_reads_a_cells_hour_as_an_office_writes_it(files):
    path = files.roster_csv(
        [
            {"id": "CB05", "name": "Chi bộ Sở Y tế", "kind": "agency", "members": 62},
            {"id": "T1", "name": "Tổ 1", "kind": "cell", "members": 30, "parent": "CB05"},
            {"id": "T2", "name": "Tổ 2", "kind": "cell", "members": 32, "parent": "CB05"},
        ],
    )
    text = path.read_text(encoding="utf-8").splitlines()
    text[0] += ",giờ sinh hoạt"
    text[1:] = [text[1] + ",", text[2] + ",19h30", text[3] + ","]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")

    units = load_roster(path).by_id()

    assert units["T1"].meets_at == dt.time(19, 30)
    assert units["T2"].meets_at is None


@pytest.mark.parametrize(
    ("kind", "hour", "message"),
    [
        ("cell", "tối thứ năm", "'tối thứ năm' is not an hour of the day; write it as 19:30."),
        ("agency", "19:30", "only a party cell (kind cell, tổ đảng) meets at an hour of its own"),
    ],
)
def test_a_bad_hour_is_reported_at_its_row_and_column(files, kind, hour, message):
    path = files.roster_text(
        "mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,giờ sinh hoạt\n"
        "CB05,Chi bộ Sở Y tế,agency,,62,\n"
        f"T1,Tổ 1,{kind},CB05,30,{hour}\n"
    )

    with pytest.raises(InputError) as caught:
        load_roster(path)

    (problem,) = caught.value.problems
    assert (problem.where, problem.what) == (3, "giờ sinh hoạt")
    assert problem.message.startswith(message)


def test_the_list_of_points_has_a_column_for_a_cells_own_hour_only_when_one_has_it(
    unit, plan, track
):
    listed = point_list(plan(_branch_with_cells(unit), tracks=[track()]))
    plain = point_list(plan(_branch_with_cells(unit, hour=None), tracks=[track()]))

    header = listed.header()
    assert header[header.index("Địa điểm") + 1] == "Giờ sinh hoạt riêng"
    hours = {row[1]: row[header.index("Giờ sinh hoạt riêng")] for row in listed.table()}
    assert hours == {"TU": "", "CB05-to1": "19 giờ 30", "CB05-to2": ""}
    assert "Giờ sinh hoạt riêng" not in plain.header()
