"""Issue 16: the year's schedule an office publishes (``meetlink notice --schedule``).

A year of first Sundays at the Mỹ Hào committee: February not held (Tết), September a week
later (Quốc khánh), December in the afternoon. The DOCX in the Party's form and the XLSX
beside it list every month, the skipped one noted and the moved ones at their new day and
hours, read back with python-docx and openpyxl.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.documents.docx_reading import east_asian_font, open_docx, runs, table_rows, texts
from tests.recurring_meeting import TWO_POINTS

from meetlink.cli import main
from meetlink.documents.schedule import (
    COLUMNS,
    meeting_schedule,
    schedule_document,
    write_schedule,
)
from meetlink.errors import InputError
from meetlink.planning import Plan, plan_meeting
from meetlink.reconcile.setup import load_meeting

ROSTER = TWO_POINTS  # the committee's hall and one cell's room
YEAR = """\
id: gio-sinh-hoat-2024
title: "Giờ sinh hoạt toàn Đảng bộ thị xã năm 2024"
organizer: {name: "Ban Thường vụ Thị ủy Mỹ Hào", email: vp@thiuy.example.org}
kind: KIND
roster: roster.csv
notice:
  number: "125-TB/ThU"
  issuers: ["ĐẢNG BỘ TỈNH HƯNG YÊN", "THỊ ỦY MỸ HÀO"]
  place: Mỹ Hào
  date: 2023-12-20
  signer: {authority: T/M, body: BAN THƯỜNG VỤ, position: PHÓ BÍ THƯ, name: Đào Quang Minh}
tracks:
  - id: main
    platform: memory
    units: {kinds: [committee, agency]}
    sittings:
      - id: monthly
        start: 2024-01-07T08:00
        end: 2024-01-07T10:00
        recurrence: RULE
        exceptions:
          2024-02-04: {skip: true, reason: trùng Tết Nguyên đán}
          2024-09-01: {start: 2024-09-08T08:00, reason: trùng nghỉ lễ Quốc khánh}
          2024-12-01: {start: 2024-12-01T14:00}
"""
RULE = "FREQ=MONTHLY;BYDAY=1SU;COUNT=12"
SINGLE = YEAR.split("        recurrence:")[0].replace("KIND", "party_meeting")
SEPTEMBER = "Chuyển từ Chủ nhật 1/9 sang Chủ nhật 8/9/2024 do trùng nghỉ lễ Quốc khánh"


def year_plan(files: Any, *, kind: str = "party_meeting", rule: str = RULE) -> Plan:
    files.roster_text(ROSTER)
    text = YEAR.replace("KIND", kind).replace("RULE", rule)
    loaded = load_meeting(files.meeting(text))
    return plan_meeting(loaded.meeting, loaded.roster)


@pytest.fixture
def schedule_files(files: Any) -> tuple[Path, Path]:
    return write_schedule(year_plan(files), files.path("lich-sinh-hoat.docx"))


def test_the_schedule_lists_every_month_with_the_skipped_and_moved_ones_noted(
    schedule_files: tuple[Path, Path],
) -> None:
    document = open_docx(schedule_files[0])
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Tháng")
    rows = table_rows(table)
    assert tuple(rows[0]) == COLUMNS
    body = rows[1:]
    assert [r[0] for r in body] == [str(m) for m in range(1, 13)]
    assert body[0] == ["1", "Chủ nhật, 7/1/2024", "08 giờ 00 - 10 giờ 00", ""]
    assert body[1] == ["2", "Chủ nhật, 4/2/2024", "", "Không tổ chức do trùng Tết Nguyên đán"]
    assert body[8] == ["9", "Chủ nhật, 8/9/2024", "08 giờ 00 - 10 giờ 00", SEPTEMBER]
    assert body[11] == [
        "12",
        "Chủ nhật, 1/12/2024",
        "14 giờ 00 - 16 giờ 00",
        "Chuyển từ 08 giờ 00 sang 14 giờ 00",
    ]
    held_days = [r[1] for r in body if r[2]]
    assert "Chủ nhật, 1/9/2024" not in held_days  # the moved one only at its new day
    assert "Chủ nhật, 4/2/2024" not in held_days  # the skipped one is not held


def test_the_schedule_is_in_the_partys_form(schedule_files: tuple[Path, Path]) -> None:
    document = open_docx(schedule_files[0])
    lines = texts(document)
    assert "LỊCH SINH HOẠT NĂM 2024" in lines
    assert "Giờ sinh hoạt toàn Đảng bộ thị xã năm 2024" in lines
    assert "(Kèm theo Thông báo số 125-TB/ThU ngày 20/12/2023)" in lines
    assert "Mỹ Hào, ngày 20 tháng 12 năm 2023" in lines
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in lines
    assert "THỊ ỦY MỸ HÀO" in lines
    assert "T/M BAN THƯỜNG VỤ" in lines
    assert "Đào Quang Minh" in lines
    assert all(run.font.name == "Times New Roman" for run in runs(document) if run.text)
    assert all(east_asian_font(run) == "Times New Roman" for run in runs(document) if run.text)
    assert not any("Mật" in line.split() or "MẬT" in line.split() for line in lines)


def test_the_sheet_beside_it_holds_the_same_table_laid_out_to_print(
    schedule_files: tuple[Path, Path],
) -> None:
    docx_path, sheet_path = schedule_files
    assert sheet_path == docx_path.with_suffix(".xlsx")
    sheet = openpyxl.load_workbook(sheet_path).worksheets[0]
    values = [
        tuple("" if v is None else v for v in row) for row in sheet.iter_rows(values_only=True)
    ]
    assert values[0][0] == "LỊCH SINH HOẠT NĂM 2024"
    header = values.index(COLUMNS)
    body = values[header + 1 :]
    assert len(body) == 12
    assert body[1][3] == "Không tổ chức do trùng Tết Nguyên đán"
    assert body[8][1:] == ("Chủ nhật, 8/9/2024", "08 giờ 00 - 10 giờ 00", SEPTEMBER)
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == f"${header + 1}:${header + 1}"
    assert sheet.cell(row=header + 2, column=2).font.name == "Times New Roman"


@pytest.mark.parametrize(
    ("kind", "title"),
    [("conference", "LỊCH HỘI NGHỊ NĂM 2024"), ("meeting", "LỊCH HỌP NĂM 2024")],
)
def test_the_title_follows_the_kind_of_meeting(files: Any, kind: str, title: str) -> None:
    assert title in texts(schedule_document(year_plan(files, kind=kind)).document)


def test_a_rule_without_an_end_lists_a_year_and_says_more_will_follow(files: Any) -> None:
    plan = year_plan(files, rule="FREQ=MONTHLY;BYDAY=1SU")
    (schedule,) = meeting_schedule(plan)
    # a year from the first, as the plan and the invitations list it: 7/1/2024 to 5/1/2025
    assert len(schedule.rows) == 13
    assert schedule.rows[-1].month == "1/2025"  # months with their year over two years
    assert not schedule.complete
    lines = texts(schedule_document(plan).document)
    assert "LỊCH SINH HOẠT NĂM 2024 - 2025" in lines
    assert any(line.startswith("Lịch trên gồm các buổi trong một năm kể từ") for line in lines)


def test_a_meeting_without_a_recurring_sitting_has_no_schedule(files: Any) -> None:
    files.roster_text(ROSTER)
    text = SINGLE
    loaded = load_meeting(files.meeting(text))
    with pytest.raises(InputError, match="no sitting of the meeting recurs"):
        meeting_schedule(plan_meeting(loaded.meeting, loaded.roster))


def test_the_command_writes_the_schedule_and_its_sheet(
    files: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    year_plan(files)
    target = files.path("lich.docx")
    assert main(["notice", str(files.path("meeting.yaml")), "--schedule", "-o", str(target)]) == 0
    assert "LỊCH SINH HOẠT NĂM 2024" in texts(open_docx(target))
    assert target.with_suffix(".xlsx").is_file()
    out = capsys.readouterr().out
    assert str(target) in out
    assert str(target.with_suffix(".xlsx")) in out


def test_the_command_refuses_a_schedule_of_a_single_sitting_with_exit_2(
    files: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    files.roster_text(ROSTER)
    meeting = files.meeting(SINGLE)
    target = files.path("lich.docx")
    assert main(["notice", str(meeting), "--schedule", "-o", str(target)]) == 2
    assert "--schedule" in capsys.readouterr().err
    assert not target.exists()


def test_a_skip_with_a_reason_is_checked_like_any_exception(files: Any) -> None:
    files.roster_text(ROSTER)
    text = YEAR.replace("RULE", RULE).replace("KIND", "party_meeting")
    text = text.replace("{skip: true, reason: trùng Tết Nguyên đán}", "{skip: false}")
    meeting = files.meeting(text)
    with pytest.raises(InputError) as refused:
        load_meeting(meeting)
    assert "exceptions" in str(refused.value)


@pytest.mark.slow
def test_libreoffice_prints_the_years_schedule_on_one_page(
    schedule_files: tuple[Path, Path], pdf_pages: Any, print_problems: Any
) -> None:
    pages = pdf_pages(schedule_files[0])  # skips, with its reason, without soffice
    assert len(pages) == 1  # twelve months and the signature on one A4 page
    width, height, text = pages[0]
    assert width < height  # portrait
    # pypdf splits Vietnamese letters with stacked marks; these words come out whole
    assert "Đào Quang Minh" in text  # the signature is on the same page as the table
    assert "ngày 20 tháng 12 năm 2023" in text
    sheet = openpyxl.load_workbook(schedule_files[1]).worksheets[0]
    assert print_problems(sheet) == []
