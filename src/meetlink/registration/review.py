"""The review sheet: every registration collected, for the committee to approve or refuse.

One row per organization with a valid return: its code, name, when and in which file it came,
what it registers (members, infrastructure, cells; or points and delegates), notes (late, IT
infrastructure not qualified), and two columns to fill in: "Quyết định" (a list: đồng ý /
không đồng ý) and "Lý do". ``meetlink registration collect`` reads the sheet back. Decisions
taken already are written in, so the sheet can go round again.

Example:
    >>> summary_of({"organizations": [{"members": 62, "qualifies": True}],
    ...             "cells": [{"name": "Tổ 1"}, {"name": "Tổ 2"}]})
    '62 đảng viên; hạ tầng CNTT: đủ điều kiện; 2 tổ đảng'
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from meetlink.loading.printed import PrintColumn, PrintedSheet
from meetlink.private_files import write_private
from meetlink.registration.collect import APPROVED
from meetlink.registration.context import RegistrationContext
from meetlink.registration.form import deadline_text
from meetlink.registration.layout import REVIEW, CellType

__all__ = ["summary_of", "write_review_sheet"]


def summary_of(rows: Mapping[str, Any]) -> str:
    """What a return registers, in a few words."""
    if "points" in rows:
        points = rows["points"]
        delegates = sum(int(r.get("delegates") or 0) for r in points)
        return f"{len(points)} điểm cầu; {delegates} đại biểu"
    organizations = rows.get("organizations", [])
    first = organizations[0] if organizations else {}
    parts = [f"{first.get('members', 0)} đảng viên"]
    qualifies = first.get("qualifies")
    parts.append("hạ tầng CNTT: " + ("đủ điều kiện" if qualifies else "chưa đủ điều kiện"))
    if len(organizations) > 1:
        parts.append(f"{len(organizations) - 1} chi bộ trực thuộc")
    if rows.get("cells"):
        parts.append(f"{len(rows['cells'])} tổ đảng")
    return "; ".join(parts)


def write_review_sheet(context: RegistrationContext, path: Path) -> int:
    """Write the review sheet (XLSX, 0600); return how many registrations it lists."""
    import openpyxl

    register = context.register()
    deadline = context.registration.deadline
    names = {u.id: u.name for u in context.organizations.units}
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.title = REVIEW.sheet
    printed = PrintedSheet(
        sheet,
        REVIEW.heading,
        [
            context.registration.letter.list_title,
            f"Hạn gửi: {deadline_text(deadline)}",
            "Cột “Quyết định”: đồng ý / không đồng ý; không đồng ý thì ghi lý do.",
        ],
    )
    printed.header([PrintColumn(f.title, _kind(f.key)) for f in REVIEW.fields])
    header_row = printed.rows
    listed = 0
    for code, returned in register.returns.items():
        received = dt.datetime.fromisoformat(returned["received"])
        notes = []
        if received > deadline:
            notes.append("gửi muộn")
        first = (returned["rows"].get("organizations") or [{}])[0]
        if first.get("qualifies") is False:
            notes.append("hạ tầng CNTT chưa đủ điều kiện")
        decided = register.decisions.get(code, {})
        decision = decided.get("decision")
        listed += 1
        printed.row(
            [
                listed,
                code,
                names.get(code, code),
                f"{received:%H:%M %d/%m/%Y}",
                returned["file"],
                summary_of(returned["rows"]),
                "; ".join(notes),
                ("đồng ý" if decision == APPROVED else "không đồng ý") if decision else None,
                decided.get("reason") or None,
            ]
        )
    printed.finish()
    if listed:
        _decision_list(sheet, header_row + 1, header_row + listed)
    buffer = io.BytesIO()
    book.save(buffer)
    write_private(path, buffer.getvalue())
    return listed


def _kind(key: str) -> Any:
    if key == "number":
        return "number"
    return "text" if key in ("summary", "reason", "name") else "name"


def _decision_list(sheet: Any, first: int, last: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    index = next(i for i, f in enumerate(REVIEW.fields, 1) if f.type == CellType.CHOICE)
    choices = REVIEW.fields[index - 1].choices
    rule = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
    rule.error = "Chọn: " + " / ".join(choices) + "."
    rule.showErrorMessage = True
    sheet.add_data_validation(rule)
    letter = get_column_letter(index)
    rule.add(f"{letter}{first}:{letter}{last}")
