"""Reading roll-call sheets: per point or whole meeting, CSV or XLSX, and every located error."""

from __future__ import annotations

import datetime as dt

import pytest

from meetlink.errors import InputError
from meetlink.report import RollCall, load_roll_calls


def problems_of(paths, plan) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_roll_calls(paths, plan)
    return [str(p) for p in caught.value.problems]


# --- sources ------------------------------------------------------------------------------


def test_a_whole_meeting_sheet_gives_one_roll_call_per_point(meeting):
    plan = meeting.plan()
    sheet = meeting.csv(
        "diem-danh.csv",
        [
            ["STT", "Điểm cầu", "Số có mặt"],
            [1, "TU", 45],
            [2, "Đảng bộ xã Hòa Phong", 47],  # a point may be named instead of coded
            [3, "t1", "20"],  # codes match without case
            [4, "DB", "58"],
        ],
    )

    calls = load_roll_calls([sheet], plan).calls

    assert [(c.point, c.unit, c.sitting, c.present) for c in calls] == [
        ("TU", None, "s1", 45),
        ("X1", None, "s1", 47),
        ("T1", None, "s1", 20),
        ("DB", None, "s1", 58),
    ]
    assert calls[1].where == f"{sheet}:3"


def test_a_per_point_sheet_reports_each_unit_at_the_point(meeting):
    plan = meeting.plan()
    sheet = meeting.csv(
        "X1.csv",
        [
            ["Mã điểm cầu", "Đơn vị", "Buổi", "Số có mặt", "Họ tên"],
            ["X1", "X1", "s1", 28, ""],
            ["X1", "Chi bộ Công an xã Hòa Phong", "Lớp 1", 9, ""],
            ["X1", "T2", "1", "", "Nguyễn Văn An; Trần Thị Bình\nLê Văn Cường"],
        ],
    )

    calls = load_roll_calls([sheet], plan).calls

    assert [(c.point, c.unit, c.sitting, c.present) for c in calls] == [
        ("X1", "X1", "s1", 28),
        ("X1", "X1-CA", "s1", 9),
        ("X1", "T2", "s1", 3),  # no count: the names are counted
    ]
    assert calls[2].names == ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường")


def test_a_unit_alone_at_its_point_reports_for_the_point(meeting):
    plan = meeting.plan()
    sheet = meeting.csv("t1.csv", [["đơn vị", "số có mặt"], ["Chi bộ thôn Lỗ Xá", 19]])

    (call,) = load_roll_calls([sheet], plan).calls

    assert (call.point, call.unit, call.present) == ("T1", None, 19)


def test_an_xlsx_sheet_is_read_from_its_first_sheet(meeting):
    plan = meeting.plan()
    sheet = meeting.xlsx(
        "diem-danh.xlsx",
        [
            ["Mã điểm cầu", "Buổi", "Số có mặt", "Thời gian báo cáo"],
            ["TU", "s1", 44, dt.datetime(2023, 9, 10, 10, 30)],
            ["DB", "s1", 57.0, "10/09/2023 11:05"],
        ],
    )

    calls = load_roll_calls([sheet], plan).calls

    assert [(c.point, c.present) for c in calls] == [("TU", 44), ("DB", 57)]
    assert [c.reported_at.strftime("%H:%M %z") for c in calls if c.reported_at] == [
        "10:30 +0700",
        "11:05 +0700",
    ]


def test_a_folder_of_sheets_is_read_file_by_file(meeting):
    plan = meeting.plan()
    meeting.csv("sheets/a.csv", [["điểm cầu", "có mặt"], ["TU", 40]])
    meeting.csv("sheets/b.csv", [["điểm cầu", "có mặt"], ["DB", 50]])
    (meeting.root / "sheets" / "notes.txt").write_text("ignored", encoding="utf-8")

    loaded = load_roll_calls([meeting.root / "sheets"], plan)

    assert [c.point for c in loaded.calls] == ["TU", "DB"]
    assert [p.rsplit("/", 1)[-1] for p in loaded.sources] == ["a.csv", "b.csv"]


def test_the_sitting_is_found_by_id_title_number_or_track_key(meeting):
    plan = meeting.plan(
        [
            {
                "id": "main",
                "platform": "memory",
                "units": {"kinds": ["committee", "commune", "attached", "village", "agency"]},
                "attendance": "split",
                "sittings": [
                    {"id": "lop-1", "title": "Lớp 1", "start": "2023-09-10T08:00",
                     "end": "2023-09-10T10:00"},
                    {"id": "lop-2", "title": "Lớp 2", "start": "2023-09-11T08:00",
                     "end": "2023-09-11T10:00"},
                ],
            }
        ]
    )  # fmt: skip
    sheet = meeting.csv(
        "rc.csv",
        [["điểm cầu", "lớp", "số có mặt"], ["TU", "lop-1", 1], ["X1", "LỚP 2", 2],
         ["T1", "2", 3], ["DB", "main/lop-1", 4]],
    )  # fmt: skip

    calls = load_roll_calls([sheet], plan).calls

    assert [(c.point, c.sitting) for c in calls] == [
        ("TU", "lop-1"),
        ("X1", "lop-2"),
        ("T1", "lop-2"),
        ("DB", "lop-1"),
    ]


def test_roll_calls_are_frozen_values(meeting):
    plan = meeting.plan()
    sheet = meeting.csv("rc.csv", [["điểm cầu", "số có mặt"], ["TU", 40]])

    call = load_roll_calls([sheet], plan).calls[0]

    assert isinstance(call, RollCall)
    with pytest.raises(AttributeError):
        call.present = 1  # type: ignore[misc]


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["XX", "s1", "5"],
            ":2:Điểm cầu: no bridge point of this meeting has the code or name 'XX'",
        ),
        (["TU", "s9", "5"], ":2:Buổi: track 'main' of bridge point 'TU' has no sitting 's9'"),
        (["TU", "s1", "-3"], ":2:Số có mặt: -3 is negative"),
        (["TU", "s1", "năm"], ":2:Số có mặt: 'năm' is not a whole number"),
        (["TU", "s1", "4.5"], ":2:Số có mặt: '4.5' is not a whole number"),
        (["TU", "s1", ""], ":2:Số có mặt: the number present is empty"),
        (["", "s1", "5"], ":2:Điểm cầu: no bridge point or unit is named"),
    ],
)
def test_a_bad_row_is_reported_at_its_file_row_and_column(meeting, row, expected):
    plan = meeting.plan()
    sheet = meeting.csv("rc.csv", [["Điểm cầu", "Buổi", "Số có mặt"], row])

    assert [p.startswith(f"{sheet}{expected}") for p in problems_of([sheet], plan)] == [True]


def test_an_unknown_unit_and_a_unit_at_another_point_are_errors(meeting):
    plan = meeting.plan()
    sheet = meeting.csv(
        "rc.csv",
        [["Mã điểm cầu", "Mã đơn vị", "Số có mặt"], ["X1", "ZZ", 1], ["X1", "CQ", 2]],
    )

    problems = problems_of([sheet], plan)

    assert problems[0].startswith(f"{sheet}:2:Mã đơn vị: no unit of this meeting")
    assert problems[1] == (
        f"{sheet}:3:Mã đơn vị: unit 'CQ' sits at bridge point 'TU' (Thị ủy Mỹ Hào), not at "
        "'X1'; correct the point or the unit."
    )


def test_a_duplicate_row_names_the_first_one(meeting):
    plan = meeting.plan()
    sheet = meeting.csv(
        "rc.csv",
        [["STT", "Điểm cầu", "Số có mặt"], [1, "TU", 40], [2, "DB", 50], [3, "Thị ủy Mỹ Hào", 41]],
    )

    assert problems_of([sheet], plan) == [
        f"{sheet}:4:Điểm cầu: bridge point 'TU', sitting 's1', is already reported on "
        f"{sheet}:2; keep one row per point (or unit) and sitting."
    ]


def test_the_same_point_in_two_files_is_a_duplicate(meeting):
    plan = meeting.plan()
    whole = meeting.csv("all.csv", [["Điểm cầu", "Số có mặt"], ["TU", 40], ["T1", 20]])
    own = meeting.xlsx("T1.xlsx", [["Mã đơn vị", "Số có mặt"], ["T1", 19]])

    assert problems_of([whole, own], plan) == [
        f"{own}:2:Mã đơn vị: bridge point 'T1', sitting 's1', is already reported on "
        f"{whole}:3; keep one row per point (or unit) and sitting."
    ]


def test_every_problem_of_every_file_is_reported_at_once(meeting):
    plan = meeting.plan(meeting.one_track("split", 3))
    first = meeting.csv("a.csv", [["Điểm cầu", "Buổi", "Số có mặt"], ["TU", "", 1]])
    second = meeting.csv("b.csv", [["Điểm cầu", "Buổi", "Số có mặt"], ["DB", "s1", "x"]])

    assert problems_of([first, second, meeting.root / "missing.csv"], plan) == [
        f"{first}:2:Buổi: track 'main' has 3 sittings; say which one (one of s1, s2, s3).",
        f"{second}:2:Số có mặt: 'x' is not a whole number; write digits only, such as 25.",
        f"{meeting.root / 'missing.csv'}: the roll-call sheet does not exist; check the path.",
    ]


def test_a_sheet_without_the_needed_columns_says_which(meeting):
    plan = meeting.plan()
    sheet = meeting.csv("rc.csv", [["STT", "Ghi chú"], [1, "x"]])

    assert problems_of([sheet], plan) == [
        f"{sheet}:1: the header has no column 'điểm cầu' (bridge point) or 'đơn vị' (unit) "
        "and no column 'số có mặt' (present)."
    ]


def test_a_sheet_in_a_legacy_encoding_is_refused_with_advice(meeting):
    plan = meeting.plan()
    sheet = meeting.root / "rc.csv"
    sheet.write_bytes("Điểm cầu,Số có mặt\nTU,4\n".encode("utf-16"))

    (problem,) = problems_of([sheet], plan)

    assert problem.startswith(f"{sheet}: the file is UTF-16, not UTF-8")


# --- control characters -------------------------------------------------------------------


def test_a_control_character_is_refused_at_its_cell_as_in_the_roster(meeting):
    plan = meeting.plan()
    sheet = meeting.csv(
        "rc.csv",
        [
            ["Mã điểm cầu", "Số có mặt", "Họ tên", "Ghi chú"],
            ["TU", 40, "Nguyễn Văn An\x1b[2J", "ignored \x07"],  # an unread column: no problem
            ["DB\x07", "5\x00", "", ""],
        ],
    )

    problems = problems_of([sheet], plan)

    assert [p.split(": holds")[0] for p in problems] == [
        f"{sheet}:2:Họ tên",
        f"{sheet}:3:Mã điểm cầu",
        f"{sheet}:3:Số có mặt",
    ]
    assert all("\x1b" not in p and "\x07" not in p and "\x00" not in p for p in problems)
    assert "an escape character (U+001B)" in problems[0]


def test_a_control_character_in_an_xlsx_roll_call_is_refused_too(meeting):
    plan = meeting.plan()
    sheet = meeting.xlsx("rc.xlsx", [["Điểm cầu", "Số có mặt"], ["T\tU", 40]])

    (problem,) = problems_of([sheet], plan)

    assert problem.startswith(f"{sheet}:2:Điểm cầu: holds a tab (U+0009)")


def test_names_may_be_written_one_a_line(meeting):
    plan = meeting.plan()
    sheet = meeting.csv(
        "t2.csv",
        [["Mã điểm cầu", "Đơn vị", "Họ tên"], ["X1", "T2", "Nguyễn Văn An\r\nTrần Thị Bình\n"]],
    )

    (call,) = load_roll_calls([sheet], plan).calls

    assert (call.present, call.names) == (2, ("Nguyễn Văn An", "Trần Thị Bình"))


# --- sheets printed with a title ------------------------------------------------------------


def filled_blank(meeting, tmp_path, present: dict[int, object]):
    """The whole meeting's blank roll call (XLSX, titled), with some rows filled in."""
    import openpyxl

    from meetlink.report import blank_roll_call

    plan = meeting.plan()
    (target,) = blank_roll_call(plan, tmp_path / "blank.xlsx")
    book = openpyxl.load_workbook(target)
    sheet = book.worksheets[0]
    for row, value in present.items():
        sheet.cell(row=row, column=8, value=value)
    book.save(target)
    return plan, target


def test_a_printed_blank_roll_call_is_read_below_its_title(meeting, tmp_path):
    plan, sheet = filled_blank(meeting, tmp_path, {5: 40, 6: 45, 7: 20, 8: 58})

    calls = load_roll_calls([sheet], plan).calls

    assert [(c.point, c.present, c.where) for c in calls] == [
        ("TU", 40, f"{sheet}:5"),
        ("X1", 45, f"{sheet}:6"),
        ("T1", 20, f"{sheet}:7"),
        ("DB", 58, f"{sheet}:8"),
    ]


def test_a_bad_cell_of_a_printed_roll_call_is_located_at_the_row_it_shows(meeting, tmp_path):
    plan, sheet = filled_blank(meeting, tmp_path, {5: 40, 6: "bốn mươi", 7: -1, 8: 58})

    assert problems_of([sheet], plan) == [
        f"{sheet}:6:Số có mặt: 'bốn mươi' is not a whole number; write digits only, such as 25.",
        f"{sheet}:7:Số có mặt: -1 is negative; the number present must be ≥ 0.",
    ]


def test_a_header_below_a_title_without_the_count_is_located_at_its_row(meeting):
    plan = meeting.plan()
    sheet = meeting.xlsx(
        "titled.xlsx",
        [["PHIẾU ĐIỂM DANH"], [], ["STT", "Mã điểm cầu", "Tên điểm cầu"], [1, "TU", "Thị ủy"]],
    )

    assert problems_of([sheet], plan) == [
        f"{sheet}:3: the header has no column 'số có mặt' (present)."
    ]
