"""Blank roll-call sheets (phiếu điểm danh) made from the plan, for the points to fill in.

One file for the whole meeting (a ``.xlsx`` or ``.csv`` path: a row per bridge point and
sitting), or a folder with one workbook per bridge point (any other path: a row per unit
sitting at the point and sitting, so each unit's count is known). The columns are the ones
:func:`~meetlink.report.load_roll_calls` reads: fill in *Số có mặt* (and, if wanted, the
names and the time of the report) and load the files back as they are.

A workbook is ready to print (:mod:`meetlink.loading.printed`): "PHIẾU ĐIỂM DANH", the
meeting's title (and the point's name) above the header, A4 landscape, the header on every
page, the cells to fill in shaded. A sitting is named as the plan prints it ("Lớp 1",
"ngày 10/9/2023"), which the reader takes back as it is; a recurring sitting gets a row per
held occurrence, named by its day ("ngày 3/3/2024", after the sitting's title if it has
one). The CSV has its header first and no title, for other tools.

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

from meetlink.loading.printed import ColumnKind, PrintColumn, PrintedSheet, printed_workbook
from meetlink.loading.sheets import spreadsheet_safe
from meetlink.planning import BridgePoint, Plan, PlannedSitting
from meetlink.planning.points import sitting_labels
from meetlink.report.occurrences import held, occurrence_label, own_title

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
_KINDS: tuple[ColumnKind, ...] = (
    "number", "name", "name", "name", "name", "name", "number", "number", "text", "name", "text",
)  # fmt: skip
_PRESENT_COLUMN = "H"


def blank_rows(
    plan: Plan, points: Sequence[BridgePoint] | None = None, *, by_unit: bool = False
) -> list[list[Any]]:
    """The rows of a blank roll call: per point and sitting, or per unit (``by_unit``).

    Points with no seats in a sitting get no row for it. With ``by_unit``, a point seating
    one unit (or a party cell) still gets one row for the point.

    >>> blank_rows(plan)[0]                                          # doctest: +SKIP
    [1, 'TU', 'Thị ủy Mỹ Hào', '', '', 'ngày 10/9/2023', 155, '', '', '', '']
    """
    return _Rows(plan).of(points, by_unit=by_unit)


class _Rows:
    """What every blank roll call of a plan needs, worked out once for all its points."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.seats = {(s.unit, sitting): n for s in plan.seats for sitting, n in s.seats.items()}
        self.labels = sitting_labels(plan)

    def sittings(self) -> list[tuple[PlannedSitting, str]]:
        """Every sitting with the name its rows print: a recurring sitting once per held
        occurrence (skipped ones left out, a moved one at the day it is held)."""
        out: list[tuple[PlannedSitting, str]] = []
        for sitting in self.plan.sittings:
            label = self.labels[(sitting.track, sitting.id)]
            occurrences = held(sitting)
            if not occurrences:
                out.append((sitting, label))
                continue
            titled = bool(own_title(self.plan, sitting))
            out.extend((sitting, occurrence_label(label, titled, o)) for o in occurrences)
        return out

    def of(self, points: Sequence[BridgePoint] | None, *, by_unit: bool) -> list[list[Any]]:
        plan, seats = self.plan, self.seats
        rows: list[list[Any]] = []
        for sitting, label in self.sittings():
            for point in points if points is not None else plan.bridge_points:
                if point.track != sitting.track or point.seats.get(sitting.id, 0) <= 0:
                    continue
                if by_unit and len(point.units) > 1:
                    for unit in point.units:
                        expected = seats.get((unit, sitting.id), 0)
                        if expected > 0:
                            name = plan.units[unit].name if unit in plan.units else unit
                            rows.append([point.id, point.name, unit, name, label, expected])
                else:
                    rows.append([point.id, point.name, "", "", label, point.seats[sitting.id]])
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
        _write(path, blank_rows(plan), plan, None)
        return [path]
    path.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    every = _Rows(plan)
    for point in plan.bridge_points:
        rows = every.of([point], by_unit=True)
        if not rows:
            continue
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", point.id)
        name, number = stem, 1
        while name.casefold() in used:  # codes that differ only by the replaced characters
            number += 1
            name = f"{stem}-{number}"
        used.add(name.casefold())
        target = path / f"{name}.xlsx"
        _write(target, rows, plan, point)
        written.append(target)
    return written


def _write(path: Path, rows: list[list[Any]], plan: Plan, point: BridgePoint | None) -> None:
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([spreadsheet_safe(v) for v in BLANK_HEADER])
        writer.writerows([[spreadsheet_safe(v) for v in row] for row in rows])
        path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8", newline="")
        return
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = printed_workbook()
    book.worksheets[0].title = "Điểm danh"
    where = f"Điểm cầu: {point.name} (mã {point.id})" if point is not None else ""
    sheet = PrintedSheet(book.worksheets[0], "PHIẾU ĐIỂM DANH", [plan.meeting.title, where])
    sheet.header(
        [PrintColumn(label, kind) for label, kind in zip(BLANK_HEADER, _KINDS, strict=True)]
    )
    for row in rows:
        sheet.row(row)
    sheet.finish()
    if rows and sheet.header_row is not None:
        first, last = sheet.header_row + 1, sheet.header_row + len(rows)
        cells = f"{_PRESENT_COLUMN}{first}:{_PRESENT_COLUMN}{last}"
        check = DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="0",
            showErrorMessage=True,
            errorTitle="Số có mặt",
            error="Nhập một số nguyên không âm.",
        )
        check.add(cells)
        book.worksheets[0].add_data_validation(check)
        fill = PatternFill("solid", fgColor="FFF2CC")  # the cells to fill in
        for (cell,) in book.worksheets[0][cells]:
            cell.fill = fill
    book.save(path)
