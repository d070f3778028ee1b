"""Codes that a spreadsheet would read as a formula (`=X1`, `+X2`, `-X3`, `@X4`) survive the
blank roll call meetlink writes (CSV and XLSX): filled in, it reads back with the same codes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from meetlink.report import blank_roll_call, load_roll_calls

ROSTER = """\
mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm
=X1,Đảng bộ xã Bằng,commune,,30,Hội trường xã Bằng
+X2,Đảng bộ xã Cộng,commune,,20,Hội trường xã Cộng
-X3,Đảng bộ xã Trừ,commune,,25,Hội trường xã Trừ
@X4,Đảng bộ xã A còng,commune,,15,Hội trường xã A còng
"""
CODES = ["+X2", "-X3", "=X1", "@X4"]


def first_row(sheet) -> int:
    """The first row under the header (the title rows above it are for the printed page)."""
    return next(c.row for c in sheet["A"] if c.value == "STT") + 1


def fill_in(target: Path, present: int) -> None:
    """Write the number present on every row, as an officer would, touching nothing else."""
    if target.suffix == ".xlsx":
        book = openpyxl.load_workbook(target)
        sheet = book.worksheets[0]
        for (cell,) in sheet.iter_rows(min_row=first_row(sheet), min_col=8, max_col=8):
            cell.value = present
        book.save(target)
    else:
        lines = target.read_text(encoding="utf-8-sig").splitlines()
        filled = [lines[0]] + [line.replace(",,,,", f",{present},,,", 1) for line in lines[1:]]
        target.write_text("\n".join(filled), encoding="utf-8")


@pytest.mark.parametrize("name", ["blank.csv", "blank.xlsx"])
def test_a_blank_roll_call_of_formula_like_codes_reads_back(meeting, tmp_path, name):
    plan = meeting.plan(roster=ROSTER)
    assert sorted(p.id for p in plan.bridge_points) == CODES
    (target,) = blank_roll_call(plan, tmp_path / name)
    fill_in(target, 7)

    calls = load_roll_calls([target], plan).calls

    assert sorted(c.point for c in calls) == CODES
    assert {c.present for c in calls} == {7}


def test_the_csv_blank_roll_call_escapes_the_codes_for_a_spreadsheet(meeting, tmp_path):
    plan = meeting.plan(roster=ROSTER)
    (target,) = blank_roll_call(plan, tmp_path / "blank.csv")

    lines = target.read_text(encoding="utf-8-sig").splitlines()[1:]

    assert sorted(line.split(",")[1] for line in lines) == [f"'{code}" for code in CODES]


def test_the_xlsx_blank_roll_call_holds_the_codes_as_text_never_as_formulas(meeting, tmp_path):
    plan = meeting.plan(roster=ROSTER)
    (target,) = blank_roll_call(plan, tmp_path / "blank.xlsx")

    sheet = openpyxl.load_workbook(target).worksheets[0]
    cells = [row[1] for row in sheet.iter_rows(min_row=first_row(sheet), max_col=2)]

    assert sorted(c.value for c in cells) == CODES  # shown as written, no quote
    assert {c.data_type for c in cells} == {"s"}  # text, not a formula
    assert all(c.quotePrefix for c in cells)  # and still text once an officer edits it


def test_a_blank_roll_call_written_before_the_fix_reads_back_too(meeting, tmp_path):
    plan = meeting.plan(roster=ROSTER)
    rows = [["Mã điểm cầu", "Số có mặt"], *([f"'{code}", 7] for code in CODES)]
    sheet = meeting.xlsx("old.xlsx", rows)  # the escape stored as a literal quote

    calls = load_roll_calls([sheet], plan).calls

    assert sorted(c.point for c in calls) == CODES
