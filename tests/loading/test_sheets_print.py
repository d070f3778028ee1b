"""Sheets laid out to be printed (meetlink.loading.printed), and read back below their titles."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from meetlink.errors import InputError
from meetlink.loading.printed import (
    PAGE_WIDTH,
    PrintColumn,
    PrintedSheet,
    printed_workbook,
    sheet_title,
)
from meetlink.loading.sheets import read_table, read_titled_table

UNITS = "; ".join(f"Chi bộ Tổ dân phố số {n} phường Bần Yên Nhân" for n in range(1, 9))
COLUMNS = [
    PrintColumn("STT", "number"),
    PrintColumn("Điểm cầu", "name"),
    PrintColumn("Đơn vị dự", "text"),
    PrintColumn("Số đảng viên", "number"),
]


def write(path: Path, rows: list[list[object]], columns: list[PrintColumn] = COLUMNS) -> Path:
    book = printed_workbook()
    sheet = PrintedSheet(book.worksheets[0], "DANH SÁCH", ["Quý III/2023", "", "(Kèm theo)"])
    sheet.header(columns)
    for row in rows:
        sheet.row(row)
    sheet.blank()
    sheet.finish()
    book.save(path)
    return path


def row_xml(path: Path, number: int) -> str:
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    found = re.search(rf'<row r="{number}"[^>]*>', xml)
    assert found is not None
    return found.group(0)


@pytest.fixture
def printed(tmp_path: Path) -> Path:
    rows: list[list[object]] = [[1, "Đảng bộ Phường Bần Yên Nhân", UNITS, 149], [2, "Thị ủy", None]]
    return write(tmp_path / "t.xlsx", rows)


def test_a_printed_sheet_is_set_up_for_a4_landscape_one_page_wide(printed, print_problems):
    sheet = openpyxl.load_workbook(printed).worksheets[0]

    assert print_problems(sheet) == []
    assert sheet.print_title_rows == "$5:$5"  # the header, on every printed page
    assert sheet.freeze_panes == "A6"
    assert sheet.page_margins.left == pytest.approx(0.5)


def test_the_title_block_is_merged_across_the_table_and_skips_empty_lines(printed):
    sheet = openpyxl.load_workbook(printed).worksheets[0]

    assert [sheet.cell(row=r, column=1).value for r in range(1, 6)] == [
        "DANH SÁCH",
        "Quý III/2023",
        "(Kèm theo)",
        None,
        "STT",
    ]
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:D1", "A2:D2", "A3:D3"}
    assert (sheet["A1"].font.b, sheet["A1"].font.sz, sheet["A1"].alignment.horizontal) == (
        True,
        13,
        "center",
    )
    assert sheet["A2"].font.i


def test_every_cell_has_its_font_set_even_the_empty_ones(printed):
    sheet = openpyxl.load_workbook(printed).worksheets[0]

    cells = [c for row in sheet.iter_rows(min_row=1, max_row=8, max_col=4) for c in row]
    assert {(c.font.name, c.font.sz) for c in cells if c.coordinate != "A1"} == {
        ("Times New Roman", 12)
    }
    assert sheet["D7"].value is None
    assert sheet["D7"].border.left.style == "thin"
    assert all(c.font.b for c in sheet[5])  # the header


def test_long_text_wraps_and_its_row_grows_with_a_height_excel_recomputes(printed):
    sheet = openpyxl.load_workbook(printed).worksheets[0]

    units = sheet["C6"]
    assert units.value == UNITS
    assert len(UNITS) > 319
    assert units.alignment.wrap_text
    assert units.alignment.vertical == "top"
    assert sheet.column_dimensions["C"].width <= 46
    lines = int(sheet.row_dimensions[6].height // 13.8)
    assert lines >= len(UNITS) // 46  # room for every line of it
    row = row_xml(printed, 6)
    assert 'ht="' in row
    assert "customHeight" not in row
    assert "ht=" not in row_xml(printed, 7)  # a one-line row keeps the default height


def test_numbers_are_narrow_centred_and_written_as_whole_numbers(printed):
    sheet = openpyxl.load_workbook(printed).worksheets[0]

    assert sheet.column_dimensions["A"].width <= 12
    assert (sheet["D6"].alignment.horizontal, sheet["D6"].alignment.wrap_text) == ("center", None)
    assert sheet["D6"].number_format == "#,##0"
    assert sheet["B6"].alignment.wrap_text  # a name may take two lines


def test_a_wide_table_is_narrowed_to_the_page_long_text_first(tmp_path):
    columns = [PrintColumn(f"Cột {n}", "text") for n in range(6)] + [PrintColumn("Số", "number")]
    rows: list[list[object]] = [[UNITS] * 6 + [1]]

    sheet = openpyxl.load_workbook(write(tmp_path / "w.xlsx", rows, columns)).worksheets[0]

    widths = [sheet.column_dimensions[c].width for c in "ABCDEFG"]
    assert sum(widths) <= PAGE_WIDTH
    assert widths[-1] >= 5  # the number keeps its room


def test_the_workbook_default_font_is_times_new_roman(tmp_path):
    book = printed_workbook()
    book.worksheets[0]["A1"] = "x"
    book.save(tmp_path / "b.xlsx")

    with zipfile.ZipFile(tmp_path / "b.xlsx") as archive:
        styles = archive.read("xl/styles.xml").decode("utf-8")
    first_font = re.search(r"<font>.*?</font>", styles)
    assert first_font is not None
    assert 'val="Times New Roman"' in first_font.group(0)


@pytest.mark.parametrize(
    ("label", "used", "expected"),
    [
        ("Lớp 1: sáng 10/9", set(), "Lớp 1- sáng 10-9"),
        ("Tổng hợp", {"tổng hợp"}, "Tổng hợp 2"),
        ("History", set(), "History 2"),
        ("'Lớp 1'", set(), "Lớp 1"),
        ("", set(), "Trang"),
        ("Trực tuyến qua Google Meet — Lớp 1 buổi sáng", set(), "Trực tuyến qua Google Meet — Lớ"),
        ("Trực tuyến qua Google Meet — Lớp 1", {"Trực tuyến qua Google Meet — Lớ"}, None),
    ],
)
def test_sheet_titles_are_names_excel_accepts(label, used, expected):
    name = sheet_title(label, set(used))

    assert len(name) <= 31
    assert not set(name) & set("[]:*?/\\")
    assert name.casefold() not in {u.casefold() for u in used}
    if expected is not None:
        assert name == expected


KNOWN = {"ma diem cau", "so co mat", "stt", "buoi"}


def test_a_titled_xlsx_is_read_below_its_title_with_the_rows_it_shows(tmp_path):
    book = printed_workbook()
    sheet = PrintedSheet(book.worksheets[0], "PHIẾU ĐIỂM DANH", ["Quý III/2023"])
    sheet.header(
        [PrintColumn("STT", "number"), PrintColumn("Mã điểm cầu"), PrintColumn("Số có mặt")]
    )
    sheet.row([1, "TU", 30])
    sheet.row([2, "=X1", 7])
    sheet.finish()
    book.save(tmp_path / "rc.xlsx")

    at, header, rows = read_titled_table(tmp_path / "rc.xlsx", known=KNOWN)

    assert (at, header) == (4, ["STT", "Mã điểm cầu", "Số có mặt"])
    assert list(rows) == [(5, ["1", "TU", "30"]), (6, ["2", "=X1", "7"])]


def test_a_titled_csv_is_read_below_its_title_too(tmp_path):
    path = tmp_path / "rc.csv"
    path.write_text(
        "\ufeffPHIẾU ĐIỂM DANH,,\r\nQuý III/2023,,\r\n,,\r\nMã điểm cầu;Số có mặt\r\nTU;30\r\n",
        encoding="utf-8",
    )

    at, header, rows = read_titled_table(path, known=KNOWN)

    assert (at, header, list(rows)) == (4, ["Mã điểm cầu", "Số có mặt"], [(5, ["TU", "30"])])


def test_a_sheet_without_titles_keeps_its_header_on_row_1(tmp_path):
    path = tmp_path / "rc.csv"
    path.write_text("Mã điểm cầu,Số có mặt\nTU,30\n", encoding="utf-8")

    assert read_titled_table(path, known=KNOWN)[0] == 1
    header, rows = read_table(path, known=KNOWN)  # the plain reader never looks further
    assert (header, list(rows)) == (["Mã điểm cầu", "Số có mặt"], [(2, ["TU", "30"])])


def test_a_quote_left_open_is_located_on_the_row_below_the_titles(tmp_path):
    path = tmp_path / "rc.csv"
    path.write_text('TIÊU ĐỀ\nMã điểm cầu,Số có mặt\nTU,"30\n', encoding="utf-8")

    at, _, rows = read_titled_table(path, known=KNOWN)
    with pytest.raises(InputError) as caught:
        list(rows)

    assert at == 2
    assert str(caught.value.problems[0]).startswith(f"{path}:3:Số có mặt:")
