"""Writing the report (XLSX, CSV, the summary) and the blank roll calls that load back."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from meetlink.report import (
    BLANK_HEADER,
    blank_roll_call,
    build_report,
    load_roll_calls,
    report_summary,
    write_report_csv,
    write_report_xlsx,
)


@pytest.fixture
def split_report(meeting):
    plan = meeting.plan(meeting.one_track("split", 3))
    rows = [["Điểm cầu", "Buổi", "Số có mặt"]]
    rows += [[p, s, 6] for p in ("TU", "X1", "T1") for s in ("s1", "s2", "s3")]
    rows += [["DB", "s1", 25]]  # DB sends nothing for s2, s3; 25 > its 20 seats in s1
    sheet = meeting.csv("rc.csv", rows)
    return build_report(plan, load_roll_calls([sheet], plan))


def test_the_workbook_has_a_summary_sheet_and_one_sheet_per_sitting(split_report, tmp_path):
    target = write_report_xlsx(split_report, tmp_path / "report.xlsx")

    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Tổng hợp", "Lớp 1", "Lớp 2", "Lớp 3", "Theo đơn vị"]
    sheet = book["Lớp 1"]
    assert [sheet.cell(row=r, column=1).value for r in (1, 2, 3)] == [
        "KẾT QUẢ ĐIỂM DANH THEO ĐIỂM CẦU",
        "Giờ sinh hoạt toàn Đảng bộ Quý III/2023",
        "Điểm cầu toàn Đảng bộ — Lớp 1 — 4/4 điểm cầu đã báo cáo",
    ]
    header = [c.value for c in sheet[5]]
    assert header == [
        "STT",
        "Mã điểm cầu",
        "Tên điểm cầu",
        "Số triệu tập",
        "Số có mặt",
        "Tỷ lệ có mặt",
        "Nguồn số liệu",
    ]  # no platform records, no unit rows: no empty "Kết nối" nor "Đơn vị đã báo cáo"
    assert all(c.font.bold for c in sheet[5])
    assert [c.value for c in sheet[6]] == [1, "TU", "Thị ủy Mỹ Hào", 17, 6, pytest.approx(6 / 17),
                                           "phiếu điểm danh"]  # fmt: skip
    assert sheet["F6"].number_format == "0.0%"
    assert sheet.column_dimensions["C"].width >= len("Đảng bộ Bệnh viện Phố Nối")
    assert (sheet.freeze_panes, sheet.print_title_rows) == ("A6", "$5:$5")
    units = book["Theo đơn vị"]
    assert [c.value for c in units[4]] == [
        "STT", "Buổi", "Mã đơn vị", "Tên đơn vị", "Điểm cầu", "Số triệu tập", "Số có mặt",
        "Tỷ lệ có mặt",
    ]  # fmt: skip
    rows = [r for r in units.iter_rows(values_only=True) if r[2] == "CQ"]
    assert rows[0] == (
        2, "Điểm cầu toàn Đảng bộ — Lớp 1", "CQ", "Chi bộ Cơ quan Ủy ban", "Thị ủy Mỹ Hào", 3,
        None, None,
    )  # fmt: skip


def test_every_sheet_is_ready_to_print(split_report, tmp_path, print_problems):
    book = openpyxl.load_workbook(write_report_xlsx(split_report, tmp_path / "r.xlsx"))

    assert print_problems(book["Tổng hợp"], repeat_header=False) == []
    for sheet in book.worksheets[1:]:
        assert print_problems(sheet) == []


def test_the_summary_sheet_holds_totals_missing_points_and_warnings(split_report, tmp_path):
    book = openpyxl.load_workbook(write_report_xlsx(split_report, tmp_path / "r.xlsx"))
    values = [
        [v for v in row if v is not None] for row in book["Tổng hợp"].iter_rows(values_only=True)
    ]

    assert ["Điểm cầu toàn Đảng bộ — Lớp 2", 4, 3, 58, 38, 18, pytest.approx(18 / 38)] in values
    assert ["Tổng cộng", 12, 10, 177, 137, 79, pytest.approx(79 / 137)] in values
    assert ["Điểm cầu chưa gửi điểm danh (2)"] in values
    assert ["Điểm cầu toàn Đảng bộ — Lớp 2", "DB", "Đảng bộ Bệnh viện Phố Nối"] in values
    warning = next(str(row) for row in values if "nhiều hơn" in str(row))
    assert "Điểm cầu DB (Đảng bộ Bệnh viện Phố Nối), Điểm cầu toàn Đảng bộ — Lớp 1: có mặt 25" in (
        warning
    )
    assert "rc.csv" not in str(values)  # the operator's file is no business of the committee


def test_the_csv_is_one_flat_table_with_the_totals_last(split_report, tmp_path):
    target = write_report_csv(split_report, tmp_path / "report.csv")

    raw = target.read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to show the accents
    assert rows[0] == [
        "Buổi", "Cấp", "Mã", "Tên", "Điểm cầu", "Số triệu tập", "Số có mặt", "Tỷ lệ có mặt (%)",
        "Ghi chú",
    ]  # fmt: skip
    assert rows[1] == ["main/s1", "điểm cầu", "TU", "Thị ủy Mỹ Hào", "TU", "17", "6", "35.3", ""]
    assert [
        "main/s2",
        "điểm cầu",
        "DB",
        "Đảng bộ Bệnh viện Phố Nối",
        "DB",
        "20",
        "",
        "",
        "chưa báo cáo",
    ] in rows
    assert rows[-1][:8] == [
        "",
        "tổng hội nghị",
        "",
        "Giờ sinh hoạt toàn Đảng bộ Quý III/2023",
        "",
        "137",
        "79",
        "57.7",
    ]


def test_text_cells_that_look_like_formulas_are_neutralised(meeting, tmp_path):
    plan = meeting.plan(roster=meeting.ROSTER.replace("Chi bộ thôn Lỗ Xá", "=cmd|' /C calc'!A0"))
    sheet = meeting.csv("rc.csv", [["điểm cầu", "có mặt"], ["T1", 2]])
    report = build_report(plan, load_roll_calls([sheet], plan))

    rows = write_report_csv(report, tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    book = openpyxl.load_workbook(write_report_xlsx(report, tmp_path / "r.xlsx"))

    assert "'=cmd|" in rows
    assert ",=cmd" not in rows
    cell = book.worksheets[1]["C9"]  # text with the quote prefix: shown as written, never run
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=cmd|' /C calc'!A0", "s", True)


def test_the_summary_is_a_short_vietnamese_text_for_the_email(split_report):
    text = report_summary(split_report)

    lines = text.splitlines()
    assert lines[:3] == [
        "BÁO CÁO NHANH KẾT QUẢ ĐIỂM DANH",
        "Giờ sinh hoạt toàn Đảng bộ Quý III/2023",
        "Đơn vị tổng hợp: Ban Tuyên giáo Thị ủy",
    ]
    assert "- Số điểm cầu: 12; đã gửi điểm danh: 10 (83,3%)." in lines
    assert (
        "- Có mặt: 79/137 đảng viên được triệu tập tại các điểm cầu đã báo cáo, đạt 57,7%." in lines
    )
    assert (
        "- Điểm cầu toàn Đảng bộ — Lớp 2 (08 giờ 00 ngày 11/9/2023): 3/4 điểm cầu báo cáo; "
        "có mặt 18/38 (47,4%)." in lines
    )
    assert "- Đảng bộ Bệnh viện Phố Nối (DB) — Điểm cầu toàn Đảng bộ — Lớp 2" in lines
    assert not [line for line in lines if "main" in line or "s2" in line or "rc.csv" in line]
    assert lines[-1] == "Kính báo cáo."
    assert len(lines) < 60


def test_the_summary_cuts_long_lists_and_can_be_in_english(meeting):
    plan = meeting.plan(meeting.one_track("all", 12))
    from meetlink.report import RollCalls

    report = build_report(plan, RollCalls())
    text = report_summary(report, "en")

    assert "3. Bridge points with no roll call (48)" in text
    assert "- … and 38 more (see the report file)." in text
    assert "Kính" not in text


@pytest.mark.parametrize("name", ["blank.xlsx", "blank.csv"])
def test_a_blank_roll_call_filled_in_loads_back(meeting, tmp_path, name):
    plan = meeting.plan(meeting.one_track("split", 3))
    (target,) = blank_roll_call(plan, tmp_path / "out" / name)
    if name.endswith(".xlsx"):
        book = openpyxl.load_workbook(target)
        sheet = book.worksheets[0]
        assert sheet["A1"].value == "PHIẾU ĐIỂM DANH"
        assert [c.value for c in sheet[4]] == list(BLANK_HEADER)
        for (cell,) in sheet.iter_rows(min_row=5, min_col=8, max_col=8):
            cell.value = 5
        book.save(target)
    else:
        text = target.read_text(encoding="utf-8-sig").splitlines()
        assert text[0].split(",") == list(BLANK_HEADER)  # a table for tools: no title
        filled = [text[0]] + [line.replace(",,,,", ",5,,,", 1) for line in text[1:]]
        target.write_text("\n".join(filled), encoding="utf-8")

    calls = load_roll_calls([target], plan).calls

    assert len(calls) == 12  # 4 points × 3 sittings
    assert {c.present for c in calls} == {5}
    assert [(c.point, c.sitting) for c in calls[:5]] == [
        ("TU", "s1"), ("X1", "s1"), ("T1", "s1"), ("DB", "s1"), ("TU", "s2"),
    ]  # fmt: skip


def test_a_blank_roll_call_is_ready_to_print_and_names_sittings_as_printed(
    meeting, tmp_path, print_problems
):
    plan = meeting.plan(meeting.one_track("split", 2))
    (target,) = blank_roll_call(plan, tmp_path / "blank.xlsx")

    sheet = openpyxl.load_workbook(target).worksheets[0]

    assert print_problems(sheet) == []
    assert sheet.title == "Điểm danh"
    assert {row[5] for row in sheet.iter_rows(min_row=5, values_only=True)} == {"Lớp 1", "Lớp 2"}
    present = sheet["H5"]
    assert present.fill.fgColor.rgb.endswith("FFF2CC")  # the cells to fill in
    (check,) = sheet.data_validations.dataValidation
    assert str(check.sqref) == f"H5:H{sheet.max_row}"


def test_a_blank_roll_call_of_untitled_sittings_names_them_by_their_day(meeting, tmp_path):
    tracks = meeting.one_track("all", 2)
    for sitting in tracks[0]["sittings"]:
        del sitting["title"]
    plan = meeting.plan(tracks)
    (target,) = blank_roll_call(plan, tmp_path / "blank.csv")

    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert {line.split(",")[5] for line in lines[1:]} == {"ngày 10/9/2023", "ngày 11/9/2023"}
    filled = [lines[0]] + [line.replace(",,,,", ",5,,,", 1) for line in lines[1:]]
    target.write_text("\n".join(filled), encoding="utf-8")

    calls = load_roll_calls([target], plan).calls

    assert {c.sitting for c in calls} == {"s1", "s2"}
    assert len(calls) == 8


def test_blank_sheets_per_point_list_each_unit_and_load_back_as_a_folder(meeting, tmp_path):
    plan = meeting.plan()
    written = blank_roll_call(plan, tmp_path / "diem-danh")
    assert [p.name for p in written] == ["TU.xlsx", "X1.xlsx", "T1.xlsx", "DB.xlsx"]
    book = openpyxl.load_workbook(written[1])
    sheet = book.worksheets[0]
    assert sheet["A3"].value == "Điểm cầu: Đảng bộ xã Hòa Phong (mã X1)"
    assert [c.value for c in sheet[5]] == list(BLANK_HEADER)
    assert [(r[1], r[3], r[6]) for r in sheet.iter_rows(min_row=6, values_only=True)] == [
        ("X1", "X1", 30),
        ("X1", "X1-CA", 10),
        ("X1", "T2", 9),
    ]
    for number, (cell,) in enumerate(sheet.iter_rows(min_row=6, min_col=8, max_col=8)):
        cell.value = 8 + number
    book.save(written[1])

    report = build_report(plan, load_roll_calls([written[1]], plan))

    x1 = report.sittings[0].points[1]
    assert (x1.present, x1.units_reported) == (8 + 9 + 10, 3)
