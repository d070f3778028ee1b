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
    assert book.sheetnames == ["Tổng hợp", "Lớp 1", "Lớp 2", "Lớp 3"]
    sheet = book["Lớp 1"]
    header = [c.value for c in sheet[4]]
    assert header[:6] == [
        "STT",
        "Mã điểm cầu",
        "Tên điểm cầu",
        "Số triệu tập",
        "Số có mặt",
        "Tỷ lệ có mặt",
    ]
    assert all(c.font.bold for c in sheet[4] if c.value)
    assert [c.value for c in sheet[5]][:6] == [
        1,
        "TU",
        "Thị ủy Mỹ Hào",
        17,
        6,
        pytest.approx(6 / 17),
    ]
    assert sheet["F5"].number_format == "0.0%"
    assert sheet.column_dimensions["C"].width >= 40
    assert sheet.freeze_panes == "A5"
    units = [row for row in sheet.iter_rows(values_only=True) if row[1] == "CQ"]
    assert units == [(2, "CQ", "Chi bộ Cơ quan Ủy ban", "TU", 3, None, None, None, None)]


def test_the_summary_sheet_holds_totals_missing_points_and_warnings(split_report, tmp_path):
    book = openpyxl.load_workbook(write_report_xlsx(split_report, tmp_path / "r.xlsx"))
    values = [
        [v for v in row if v is not None] for row in book["Tổng hợp"].iter_rows(values_only=True)
    ]

    assert ["Điểm cầu toàn Đảng bộ — Lớp 2", 4, 3, 58, 38, 18, pytest.approx(18 / 38)] in values
    assert ["Điểm cầu chưa gửi điểm danh (2)"] in values
    assert ["main/s2", "DB", "Đảng bộ Bệnh viện Phố Nối"] in values
    assert any("có mặt 25, nhiều hơn 20 được triệu tập" in str(row) for row in values)


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
    cell = book.worksheets[1]["C7"]  # text with the quote prefix: shown as written, never run
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
        "- Điểm cầu toàn Đảng bộ — Lớp 2 (08:00 11/09/2023): 3/4 điểm cầu báo cáo; "
        "có mặt 18/38 (47,4%)." in lines
    )
    assert "- Đảng bộ Bệnh viện Phố Nối (DB) — main/s2" in lines
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
        assert [c.value for c in sheet[1]] == list(BLANK_HEADER)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=8, max_col=8):
            cell.value = 5
        book.save(target)
    else:
        text = target.read_text(encoding="utf-8-sig").splitlines()
        filled = [text[0]] + [line.replace(",,,,", ",5,,,", 1) for line in text[1:]]
        target.write_text("\n".join(filled), encoding="utf-8")

    calls = load_roll_calls([target], plan).calls

    assert len(calls) == 12  # 4 points × 3 sittings
    assert {c.present for c in calls} == {5}
    assert [(c.point, c.sitting) for c in calls[:5]] == [
        ("TU", "s1"), ("X1", "s1"), ("T1", "s1"), ("DB", "s1"), ("TU", "s2"),
    ]  # fmt: skip


def test_blank_sheets_per_point_list_each_unit_and_load_back_as_a_folder(meeting, tmp_path):
    plan = meeting.plan()
    written = blank_roll_call(plan, tmp_path / "diem-danh")
    assert [p.name for p in written] == ["TU.xlsx", "X1.xlsx", "T1.xlsx", "DB.xlsx"]
    book = openpyxl.load_workbook(written[1])
    sheet = book.worksheets[0]
    assert [(r[1], r[3], r[6]) for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("X1", "X1", 30),
        ("X1", "X1-CA", 10),
        ("X1", "T2", 9),
    ]
    for number, (cell,) in enumerate(sheet.iter_rows(min_row=2, min_col=8, max_col=8)):
        cell.value = 8 + number
    book.save(written[1])

    report = build_report(plan, load_roll_calls([written[1]], plan))

    x1 = report.sittings[0].points[1]
    assert (x1.present, x1.units_reported) == (8 + 9 + 10, 3)
