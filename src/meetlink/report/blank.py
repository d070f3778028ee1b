"""Blank roll-call sheets (phiếu điểm danh) made from the plan, for the points to fill in.

One file for the whole meeting (a ``.xlsx`` or ``.csv`` path: a row per bridge point and
sitting), or a folder with one workbook per bridge point (any other path: a row per unit
sitting at the point and sitting, so each unit's count is known). The columns are the ones
:func:`~meetlink.report.load_roll_calls` reads: fill in *Số có mặt* (and, if wanted, the
names and the time of the report) and load the files back as they are.

Example:
    >>> from meetlink.report import blank_roll_call
    >>> blank_roll_call(plan, "diem-danh/")          # doctest: +SKIP
    [PosixPath('diem-danh/TU.xlsx'), PosixPath('diem-danh/P-BYN.xlsx'), ...]
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meetlink.loading.sheets import append_safe_row, spreadsheet_safe
from meetlink.planning import BridgePoint, Plan

__all__ = ["BLANK_HEADER", "blank_roll_call", "blank_rows"]

BLANK_HEADER = (
    "STT",
    "Mã điểm cầu",
    "Tên điểm cầu",
    "Mã đơn vị",
    "Tên đơn vị",
    "Buổi",
    "Số triệu tập",
    "Số có mặt",
    "Họ tên người có mặt",
    "Thời gian báo cáo",
    "Ghi chú",
)
_WIDTHS = (6, 16, 40, 16, 40, 12, 12, 12, 40, 20, 24)
_PRESENT_COLUMN = "H"


def blank_rows(
    plan: Plan, points: Sequence[BridgePoint] | None = None, *, by_unit: bool = False
) -> list[list[Any]]:
    """The rows of a blank roll call: per point and sitting, or per unit (``by_unit``).

    Points with no seats in a sitting get no row for it. With ``by_unit``, a point seating
    one unit (or a party cell) still gets one row for the point.

    >>> blank_rows(plan)[0]                                          # doctest: +SKIP
    [1, 'TU', 'Thị ủy Mỹ Hào', '', '', 'q3', 155, '', '', '', '']
    """
    seats = {(s.unit, sitting): n for s in plan.seats for sitting, n in s.seats.items()}
    rows: list[list[Any]] = []
    for sitting in plan.sittings:
        for point in points if points is not None else plan.bridge_points:
            if point.track != sitting.track or point.seats.get(sitting.id, 0) <= 0:
                continue
            if by_unit and len(point.units) > 1:
                for unit in point.units:
                    expected = seats.get((unit, sitting.id), 0)
                    if expected > 0:
                        name = plan.units[unit].name if unit in plan.units else unit
                        rows.append([point.id, point.name, unit, name, sitting.id, expected])
            else:
                rows.append([point.id, point.name, "", "", sitting.id, point.seats[sitting.id]])
    return [[n, *row, "", "", "", ""] for n, row in enumerate(rows, start=1)]


def blank_roll_call(plan: Plan, path: str | Path) -> list[Path]:
    """Write blank roll calls: one file (``.xlsx``/``.csv``) or a folder of one per point.

    Returns the files written. In a folder, a point's file is named after its code
    (characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".csv"):
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, blank_rows(plan))
        return [path]
    path.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for point in plan.bridge_points:
        rows = blank_rows(plan, [point], by_unit=True)
        if not rows:
            continue
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", point.id)
        name, number = stem, 1
        while name.casefold() in used:  # codes that differ only by the replaced characters
            number += 1
            name = f"{stem}-{number}"
        used.add(name.casefold())
        target = path / f"{name}.xlsx"
        _write(target, rows)
        written.append(target)
    return written


def _write(path: Path, rows: list[list[Any]]) -> None:
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([spreadsheet_safe(v) for v in BLANK_HEADER])
        writer.writerows([[spreadsheet_safe(v) for v in row] for row in rows])
        path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8", newline="")
        return
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.title = "Điểm danh"
    append_safe_row(sheet, BLANK_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        append_safe_row(sheet, row)
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    if rows:
        cells = f"{_PRESENT_COLUMN}2:{_PRESENT_COLUMN}{len(rows) + 1}"
        check = DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="0",
            showErrorMessage=True,
            errorTitle="Số có mặt",
            error="Nhập một số nguyên không âm.",
        )
        check.add(cells)
        sheet.add_data_validation(check)
        fill = PatternFill("solid", fgColor="FFF2CC")  # the cells to fill in
        for (cell,) in sheet[cells]:
            cell.fill = fill
    sheet.freeze_panes = "A2"
    book.save(path)
