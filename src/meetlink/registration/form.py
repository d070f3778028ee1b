"""The registration form to send out: an XLSX workbook per organization, print-ready.

Each sheet is one table of the layout (:mod:`meetlink.registration.layout`) under the title
block of seed 004 ("DANH SÁCH", the list's title, "kèm theo Công văn số …", the organization
and the deadline), laid out for printing by :mod:`meetlink.loading.printed` (A4 landscape,
the header repeated, Times New Roman). The cells to fill in carry Excel's data validation:
a list "có/không" for yes/no, whole numbers of at least 0 (1 for a cell's members), the
list of kinds; each with a Vietnamese message when a value is refused.

A pre-filled form holds what the committee already knows of the organization (its code,
name, members, hall, officer, and for a đảng bộ its branches); a blank one holds nothing but
empty rows. The code (``Mã``) on the first row tells whose form comes back.

Example:
    >>> deadline_text(dt.datetime(2023, 4, 10, 17, 0))
    'trước 17 giờ 00, ngày 10/4/2023'
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meetlink.documents.when import document_date, short_date, time_of_day
from meetlink.loading.meeting import Meeting
from meetlink.loading.printed import PrintColumn, PrintedSheet
from meetlink.loading.registration import Registration, RegistrationLayout
from meetlink.loading.roster import Roster, Unit, UnitKind
from meetlink.private_files import write_private
from meetlink.registration.layout import (
    BRANCH_KINDS,
    NO,
    YES,
    CellType,
    FormField,
    Section,
    sections_of,
)

__all__ = [
    "BLANK_ROWS",
    "deadline_text",
    "form_bytes",
    "form_file_name",
    "prefilled_rows",
    "write_form",
]

BLANK_ROWS = {"organizations": 10, "cells": 20, "points": 30, "review": 0}
"""Empty rows left to fill in below the pre-filled ones, per table."""


def deadline_text(deadline: dt.datetime) -> str:
    """``trước 17 giờ 00, ngày 10/4/2023``, as the seeds write a deadline."""
    return f"trước {time_of_day(deadline)}, ngày {short_date(deadline)}"


def form_file_name(unit_id: str | None) -> str:
    """``phieu-dang-ky-CB01.xlsx`` (``phieu-dang-ky.xlsx`` for the blank form)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in unit_id or "")
    return f"phieu-dang-ky-{safe}.xlsx" if safe else "phieu-dang-ky.xlsx"


def prefilled_rows(
    layout: RegistrationLayout, unit: Unit | None, organizations: Roster
) -> dict[str, list[dict[str, Any]]]:
    """What the committee knows of an organization, as rows of its form (field key → value).

    >>> from meetlink.loading.roster import Roster, Unit, UnitKind
    >>> unit = Unit(id="CB01", name="Chi bộ Sở Tài chính", kind="agency", members=44)
    >>> prefilled_rows(RegistrationLayout.ONLINE_MEETINGS, unit, Roster("r", (unit,)))
    ... # doctest: +NORMALIZE_WHITESPACE
    {'organizations': [{'id': 'CB01', 'name': 'Chi bộ Sở Tài chính', 'kind': 'Chi bộ cơ sở',
      'members': 44, 'location': '', 'officer_name': '', 'officer_phone': '',
      'officer_email': '', 'contact_emails': ''}], 'cells': []}
    """
    if unit is None:
        return {s.key: [] for s in sections_of(layout)}
    children = [u for u in organizations.units if u.parent == unit.id]
    if layout == RegistrationLayout.POINTS:
        rows = [_known(unit, kind="Huyện", point=True)]
        rows += [_known(u, kind=_LEVELS.get(u.kind, "Cấp xã"), point=True) for u in children]
        return {"points": rows}
    kind = "Đảng bộ cơ sở" if children else BRANCH_KINDS[0]
    rows = [_known(unit, kind=kind)]
    rows += [_known(u, kind=BRANCH_KINDS[1]) for u in children]
    return {"organizations": rows, "cells": []}


_LEVELS = {UnitKind.DISTRICT: "Huyện", UnitKind.AGENCY: "Cơ quan"}
"""A known point's level on the seed-001 form (every other kind: *Cấp xã*)."""


def _known(unit: Unit, *, kind: str, point: bool = False) -> dict[str, Any]:
    officer = unit.officer
    row: dict[str, Any] = {"id": unit.id, "name": unit.name, "kind": kind}
    if not point:
        row["members"] = unit.members
    row["location"] = unit.location
    if point:
        row["chair"] = unit.chair
        if unit.delegates is not None:  # known already: the district corrects it if need be
            row["delegates"] = unit.delegates
    row["officer_name"] = officer.name if officer else ""
    row["officer_phone"] = (officer.phone or "") if officer else ""
    row["officer_email"] = (officer.email or "") if officer else ""
    row["contact_emails"] = ", ".join(unit.contact_emails)
    return row


def write_form(path: Path, meeting: Meeting, unit: Unit | None, organizations: Roster) -> Path:
    """Write one organization's form (``unit`` None: the blank form) as XLSX, 0600."""
    write_private(path, form_bytes(meeting, unit, organizations))
    return path


def form_bytes(meeting: Meeting, unit: Unit | None, organizations: Roster) -> bytes:
    """One organization's form (``unit`` None: the blank form), the XLSX file's bytes."""
    import openpyxl

    registration = _registration(meeting)
    book = openpyxl.Workbook()
    rows = prefilled_rows(registration.layout, unit, organizations)
    for index, section in enumerate(sections_of(registration.layout)):
        sheet = book.worksheets[0] if index == 0 else book.create_sheet()
        sheet.title = section.sheet
        _write_section(sheet, section, rows.get(section.key, []), meeting, unit)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _registration(meeting: Meeting) -> Registration:
    if meeting.registration is None:
        raise ValueError("the meeting file has no registration: section")
    return meeting.registration


def title_lines(meeting: Meeting, unit: Unit | None) -> list[str]:
    """The lines under "DANH SÁCH": the list's title, the letter it goes with, whose form
    it is, and the deadline."""
    registration = _registration(meeting)
    letter = registration.letter
    lines = [letter.list_title]
    if letter.number:
        dated = f" ngày {short_date(letter.date)}" if letter.date else ""
        lines.append(f"(kèm theo Công văn số {letter.number}{dated})")
    who = unit.name if unit is not None else "……………………………………"
    lines.append(f"Tổ chức đảng: {who}")
    lines.append(
        f"Gửi về {meeting.organizer.name or meeting.organizer.email} "
        f"{deadline_text(registration.deadline)}"
    )
    return lines


def _write_section(
    sheet: Any,
    section: Section,
    rows: Sequence[dict[str, Any]],
    meeting: Meeting,
    unit: Unit | None,
) -> None:
    printed = PrintedSheet(sheet, "DANH SÁCH", title_lines(meeting, unit))
    printed.heading(section.heading)
    printed.header([PrintColumn(f.title, _print_kind(f)) for f in section.fields])
    header_row = printed.rows
    for number, row in enumerate(rows, start=1):
        printed.row([number if f.key == "number" else row.get(f.key) for f in section.fields])
    for _ in range(BLANK_ROWS[section.key]):
        printed.row([])
    printed.finish()
    first, last = header_row + 1, printed.rows
    if last >= first:
        _validate(sheet, section.fields, first, last)
    # PrintedSheet freezes below its first header: the section heading sits above it
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"


def _print_kind(f: FormField) -> Any:
    if f.type == CellType.WHOLE or f.key == "number":
        return "number"
    return "text" if f.width >= 24 else "name"


def _validate(sheet: Any, fields: Sequence[FormField], first: int, last: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for index, f in enumerate(fields, start=1):
        if f.key == "number":
            continue
        rule: DataValidation | None = None
        if f.type == CellType.YES_NO:
            rule = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
            rule.error = f"Chọn {YES} hoặc {NO}."
        elif f.type == CellType.WHOLE:
            rule = DataValidation(
                type="whole", operator="greaterThanOrEqual", formula1=str(f.minimum)
            )
            rule.error = f"Nhập số nguyên, không nhỏ hơn {f.minimum}."
        elif f.type == CellType.CHOICE:
            rule = DataValidation(type="list", formula1=f'"{",".join(f.choices)}"')
            rule.error = f"Chọn một trong: {', '.join(f.choices)}."
        elif f.type == CellType.HOUR:  # a time of day: a fraction of a day in a spreadsheet
            rule = DataValidation(
                type="time", operator="between", formula1="0", formula2="0.999305555555556"
            )
            rule.error = "Nhập giờ sinh hoạt của tổ đảng, ví dụ 19:30 (để trống: giờ của chi bộ)."
        if rule is None:
            continue
        rule.allow_blank = True
        rule.showErrorMessage = True
        rule.errorTitle = f.title[:32]
        rule.promptTitle = f.title[:32]
        rule.prompt = rule.error
        rule.showInputMessage = True
        letter = get_column_letter(index)
        sheet.add_data_validation(rule)
        rule.add(f"{letter}{first}:{letter}{last}")


def letter_date(meeting: Meeting) -> str:
    """The letter's date as the Party's form writes it (blank to fill in by hand)."""
    return document_date(_registration(meeting).letter.date)
