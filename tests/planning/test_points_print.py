"""The list of bridge points as an office prints it (`meetlink plan --format xlsx`)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from meetlink.cli import main
from meetlink.loading import load_meeting
from meetlink.planning import plan_meeting
from meetlink.planning.export import plan_rows, write_points_xlsx
from meetlink.planning.points import point_list

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "myhao-2023q3"


@pytest.fixture(scope="module")
def myhao_list(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("list") / "diem-cau.xlsx"
    assert main(["plan", str(EXAMPLE / "meeting.yaml"), "--format", "xlsx", "-o", str(target)]) == 0
    return target


def header_of(sheet) -> tuple[int, list[str]]:
    number = next(r for r in range(1, 10) if sheet.cell(row=r, column=1).value == "STT")
    return number, [c.value for c in sheet[number] if c.value]


def test_the_myhao_list_is_ready_to_print(myhao_list, print_problems):
    book = openpyxl.load_workbook(myhao_list)

    assert book.sheetnames == ["Danh sách điểm cầu"]
    sheet = book.worksheets[0]
    assert print_problems(sheet) == []
    number, header = header_of(sheet)
    assert sheet.print_title_rows == f"${number}:${number}"
    assert sheet.freeze_panes == f"A{number + 1}"
    assert sheet["A1"].value == "DANH SÁCH CÁC ĐIỂM CẦU TRONG TOÀN ĐẢNG BỘ THỊ XÃ"
    assert sheet["A2"].value == "Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023"
    assert header == [
        "STT",
        "Mã điểm cầu",
        "Điểm cầu",
        "Địa điểm",
        "Đơn vị dự",
        "Số đảng viên – ngày 10/9/2023",
        "Cán bộ kỹ thuật",
        "Điện thoại",
    ]  # no chair named in the roster, one form for every point: neither column is printed


def test_every_point_has_a_row_and_the_total_adds_the_members(myhao_list):
    sheet = openpyxl.load_workbook(myhao_list).worksheets[0]
    number, header = header_of(sheet)

    rows = list(sheet.iter_rows(min_row=number + 1, values_only=True))
    points, total = rows[:-1], rows[-1]

    assert len(points) == 80
    assert [r[0] for r in points] == list(range(1, 81))
    seats = header.index("Số đảng viên – ngày 10/9/2023")
    assert total[2] == "Tổng cộng: 80 điểm cầu"
    assert total[seats] == sum(r[seats] for r in points) == 3975


def test_the_longest_units_cell_wraps_and_its_row_grows(myhao_list):
    sheet = openpyxl.load_workbook(myhao_list).worksheets[0]
    number, header = header_of(sheet)
    column = header.index("Đơn vị dự") + 1

    cells = [sheet.cell(row=r, column=column) for r in range(number + 1, sheet.max_row)]
    longest = max(cells, key=lambda c: len(c.value or ""))

    assert len(longest.value) >= 300  # the 319 characters, a unit a line
    assert longest.alignment.wrap_text
    lines = longest.value.count("\n") + 1
    assert sheet.row_dimensions[longest.row].height >= lines * 13.4
    with zipfile.ZipFile(myhao_list) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    row = re.search(rf'<row r="{longest.row}"[^>]*>', xml)
    assert row is not None
    assert "customHeight" not in row.group(0)


def test_no_cell_but_the_point_code_holds_a_raw_id(myhao_list):
    sheet = openpyxl.load_workbook(myhao_list).worksheets[0]
    _number, header = header_of(sheet)
    code = header.index("Mã điểm cầu")

    cells = [
        str(value)
        for row in sheet.iter_rows(values_only=True)
        for index, value in enumerate(row)
        if value is not None and index != code
    ]

    assert not [c for c in cells if re.search(r"toan-dang-bo|\bq3\b|provisioned|Số chỗ", c)]


def test_the_list_names_its_notice_and_prints_the_chair_and_the_forms(files, print_problems):
    files.roster_csv(
        [
            {"id": "TU", "name": "Thị ủy", "kind": "committee", "members": 40, "chair": "Đ/c An"},
            {"id": "A1", "name": "Cơ quan", "kind": "agency", "members": 20},
        ]
    )
    path = files.meeting(
        notice={"number": "125-TB/ThU", "date": "2023-09-05"},
        tracks=[
            {"id": "a", "title": "Đường truyền", "platform": "memory", "units": {"ids": ["TU"]},
             "sittings": [{"id": "s1", "start": "2023-09-10T08:00", "end": "2023-09-10T10:00"}]},
            {"id": "b", "title": "Google Meet", "platform": "memory", "units": {"ids": ["A1"]},
             "sittings": [{"id": "s1", "start": "2023-09-10T08:00", "end": "2023-09-10T10:00"}]},
        ],
    )  # fmt: skip
    loaded = load_meeting(path)
    target = write_points_xlsx(
        point_list(plan_meeting(loaded.meeting, loaded.roster)), files.path("l.xlsx")
    )

    sheet = openpyxl.load_workbook(target).worksheets[0]
    _, header = header_of(sheet)

    assert print_problems(sheet) == []
    assert sheet["A3"].value == "(Kèm theo Thông báo số 125-TB/ThU ngày 5/9/2023)"
    assert "Chủ trì" in header
    assert header[-1] == "Hình thức"
    assert [c.value for c in sheet["A"] if isinstance(c.value, int)] == [1, 2]


def test_a_header_and_rows_still_make_a_printed_list(unit, plan, tmp_path, print_problems):
    result = plan([unit("HU", "committee")])

    target = write_points_xlsx(*plan_rows(result), tmp_path / "l.xlsx")

    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert print_problems(sheet) == []
    assert sheet["A1"].value == "DANH SÁCH CÁC ĐIỂM CẦU"


def test_the_myhao_list_prints_on_a_few_landscape_pages_each_the_whole_width(myhao_list, pdf_pages):
    pages = pdf_pages(myhao_list)

    assert 1 <= len(pages) <= 4  # it printed on 8 portrait pages, its columns split
    assert all(width > height for width, height, _ in pages)  # A4 landscape: 842 × 595
    for number, (_, _, text) in enumerate(pages, start=1):
        assert "STT" in text  # the header on every page
        assert re.search(r"\b09\d{2} \d{3} \d{3}\b", text)  # and the last column: phones
        assert f"Trang {number}/{len(pages)}" in text


@pytest.mark.parametrize(
    ("notice", "note"),
    [
        ({"number": "125-TB/ThU"}, "(Kèm theo Thông báo số 125-TB/ThU)"),
        ({"kind": "kế hoạch", "number": "12-KH/HU", "date": "2022-03-01"},
         "(Kèm theo Kế hoạch số 12-KH/HU ngày 1/3/2022)"),
        ({"number": "-TB/ThU"}, ""),  # numbered by hand when it is registered
        ({}, ""),
    ],
)  # fmt: skip
def test_the_list_names_its_notice_once_it_has_a_number(unit, plan, notice, note):
    assert point_list(plan([unit("HU", "committee")], notice=notice)).note == note
