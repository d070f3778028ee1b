"""The plan as data: plan JSON (public contract) and the list of bridge points (CSV/XLSX)."""

from __future__ import annotations

import csv
import io
import json

from meetlink.loading import load_meeting
from meetlink.planning import plan_meeting
from meetlink.planning.export import (
    ACTION_OPS,
    plan_rows,
    plan_to_dict,
    plan_to_json,
    write_points_csv,
    write_points_xlsx,
)
from meetlink.planning.points import point_list


def two_tracks(track):
    return [
        track(
            "line",
            kinds=["committee", "commune"],
            sittings=3,
            attendance="split",
            platform="provisioned",
        ),
        track("meet", kinds=["agency"], sittings=2, attendance="split", platform="google"),
    ]


def test_plan_json_has_the_keys_of_the_design(unit, plan, track):
    result = plan([unit("HU", "committee", 30), unit("A1", members=20)], tracks=two_tracks(track))

    data = plan_to_dict(result)

    assert {"meeting", "bridge_points", "sittings", "actions"} <= data.keys()
    assert data["bridge_points"][1] == {
        "id": "A1",
        "name": "Chi bộ A1",
        "location": "",
        "host_unit": "A1",
        "units": ["A1"],
        "track": "meet",
        "platform": "google",
        "seats": {"s1": 10, "s2": 10},
        "role": "agency",
        "equipment": "computer",
        "cell": None,
    }
    assert [(s["id"], s["track"]) for s in data["sittings"]] == [
        ("s1", "line"),
        ("s2", "line"),
        ("s3", "line"),
        ("s1", "meet"),
        ("s2", "meet"),
    ]
    assert data["actions"] == []


def test_actions_given_to_the_plan_json_are_kept(unit, plan):
    result = plan([unit("HU", "committee")])
    action = {"op": "create", "what": "conference", "key": "main/s1"}

    data = plan_to_dict(result, [action])

    assert data["actions"] == [action]
    assert action["op"] in ACTION_OPS


def test_plan_json_writes_unscheduled_times_as_null(unit, plan, track):
    result = plan([unit("HU", "committee")], tracks=[track(sittings=[{"id": "s1"}])])

    (sitting,) = json.loads(plan_to_json(result))["sittings"]

    assert (sitting["start"], sitting["end"], sitting["arrive_by"]) == (None, None, None)


def test_plan_json_keeps_vietnamese_letters_readable(unit, plan):
    text = plan_to_json(plan([unit("HU", "committee", name="Huyện ủy Bù Đăng")]))

    assert "Huyện ủy Bù Đăng" in text
    assert text.endswith("}\n")


def test_loading_and_planning_twice_gives_identical_bytes(files):
    files.roster_csv(
        [
            {"id": "TU", "name": "Thị ủy", "kind": "committee", "members": 40},
            {"id": "X1", "name": "Xã", "kind": "commune", "members": 33},
            {"id": "T1", "name": "Thôn", "kind": "village", "parent": "X1", "members": 12},
            {"id": "A1", "name": "Cơ quan", "kind": "agency", "members": 5, "join_point": "TU"},
        ]
    )
    path = files.meeting()

    def once() -> bytes:
        loaded = load_meeting(path)
        return plan_to_json(plan_meeting(loaded.meeting, loaded.roster)).encode("utf-8")

    assert once() == once()


def test_the_points_list_leaves_seats_of_other_tracks_blank(unit, plan, track):
    result = plan([unit("HU", "committee", 30), unit("A1", members=20)], tracks=two_tracks(track))

    header, rows = plan_rows(result)

    seats = [i for i, label in enumerate(header) if label.startswith("Số ")]
    assert [header[i] for i in seats] == [
        "Số đại biểu – Đường truyền riêng – ngày 11/9/2023",
        "Số đại biểu – Đường truyền riêng – ngày 12/9/2023",
        "Số đại biểu – Đường truyền riêng – ngày 13/9/2023",
        "Số đại biểu – Google Meet – ngày 11/9/2023",
        "Số đại biểu – Google Meet – ngày 12/9/2023",
    ]
    assert [rows[0][i] for i in seats] == [10, 10, 10, "", ""]
    assert [rows[1][i] for i in seats] == ["", "", "", 10, 10]


def test_the_points_list_names_no_track_sitting_or_platform_by_its_id(unit, plan, track):
    result = plan([unit("HU", "committee", 30), unit("A1", members=20)], tracks=two_tracks(track))

    header, rows = plan_rows(result)

    cells = [str(v) for v in (*header, *(v for row in rows for v in row))]
    raw = ("line", "meet", "s1", "s2", "provisioned", "google", "Số chỗ")
    assert not [c for c in cells if any(word in c for word in raw)]
    assert rows[0][header.index("Hình thức")] == "Đường truyền riêng"


def test_the_points_list_names_the_host_officer(unit, plan):
    result = plan(
        [unit("HU", "committee", officer={"name": "Lê Văn Cường", "phone": "0911222333"})]
    )

    header, (row,) = plan_rows(result)

    officer = header.index("Cán bộ kỹ thuật")
    assert header[officer + 1] == "Điện thoại"
    assert row[officer : officer + 2] == ["Lê Văn Cường", "0911222333"]


def test_the_points_csv_is_a_table_with_its_header_first(unit, plan):
    result = plan([unit("HU", "committee", name="Huyện ủy"), unit("A1", members=20)])

    text = write_points_csv(*plan_rows(result))

    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["STT", "Mã điểm cầu", "Điểm cầu"]  # no title rows above it
    assert [row[1] for row in rows[1:]] == ["HU", "A1"]


def test_the_points_csv_neutralises_spreadsheet_formulas(unit, plan):
    result = plan([unit("HU", "committee", name='=HYPERLINK("http://x")', location="+84 Hà")])

    text = write_points_csv(*plan_rows(result))

    assert text.startswith("\ufeff")
    row = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1]
    assert row[2] == '\'=HYPERLINK("http://x")'
    assert row[3] == "'+84 Hà"


def test_the_points_xlsx_has_a_titled_sheet_and_neutralised_formulas(unit, plan, tmp_path):
    import openpyxl

    result = plan([unit("HU", "committee", name="@SUM(A1)")])
    target = tmp_path / "points.xlsx"

    write_points_xlsx(point_list(result), target)

    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert sheet.title == "Danh sách điểm cầu"
    assert (sheet["A1"].value, sheet["A2"].value) == (
        "DANH SÁCH CÁC ĐIỂM CẦU",
        "Giờ sinh hoạt toàn Đảng bộ",
    )
    assert sheet["A1"].font.bold
    assert sheet["A4"].font.bold
    assert sheet["C5"].value == "@SUM(A1)"  # shown as written,
    assert sheet["C5"].data_type == "s"  # stored as text,
    assert sheet["C5"].quotePrefix  # and kept text when the cell is edited


def test_party_cells_appear_as_their_own_rows(unit, plan, track):
    result = plan([unit("CB", "village", 60, cells=2)], tracks=[track(cells=True)])

    header, rows = plan_rows(result)

    seats = header.index("Số đại biểu – ngày 11/9/2023")
    assert [(r[1], r[2], r[seats]) for r in rows] == [
        ("CB-cell1", "Chi bộ CB — Tổ đảng 1", 30),
        ("CB-cell2", "Chi bộ CB — Tổ đảng 2", 30),
    ]
