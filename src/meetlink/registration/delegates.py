"""The province's compiled list of delegates per point (seed 001), as XLSX and DOCX.

Seed 001 asks the propaganda department to "tổng hợp danh sách đại biểu tham gia Hội nghị ở
các điểm cầu của tỉnh": every point, its level, its hall, the units that connect there, its
chair and its delegates, from what the districts returned by the deadline. The list is made
from the organizations' list and the register, so it can be printed before the committee
has decided (a registration it refused is left out):

* an organization that returned a form: its points as the form gives them (the district's
  own first, then the points it opens), a late return noted *gửi muộn*;
* one that must return a form and has not: one row, its delegates blank, noted *chưa báo
  cáo* (its points in the list are not repeated: it has not confirmed them);
* every other organization of the list: its own row, with the delegates the list gives; a
  unit that joins another's point (``ghép điểm cầu``) is named among that point's connecting
  units instead.

The last row adds up the points and the delegates.

Example:
    >>> LEVELS["district"], COLUMNS[-2].label
    ('Huyện', 'Số đại biểu')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meetlink.documents.party_form import PartyDocument, TableColumn
from meetlink.errors import InputError
from meetlink.loading.printed import ColumnKind, PrintColumn, PrintedSheet, printed_workbook
from meetlink.loading.registration import RegistrationLayout
from meetlink.loading.roster import Unit
from meetlink.private_files import write_private
from meetlink.registration.collect import REFUSED
from meetlink.registration.context import RegistrationContext

__all__ = [
    "COLUMNS",
    "LEVELS",
    "TITLE",
    "DelegateList",
    "DelegateRow",
    "delegate_list",
    "write_delegate_list",
]

TITLE = "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ TẠI CÁC ĐIỂM CẦU"
LEVELS = {
    "committee": "Tỉnh",
    "district": "Huyện",
    "commune": "Cấp xã",
    "village": "Cấp xã",
    "attached": "Cấp xã",
    "agency": "Cơ quan",
    "cell": "Tổ đảng",
}
"""The level printed for a roster kind (a point from a form prints the level it gives)."""
COLUMNS = (
    TableColumn("STT", mm=12, centered=True),
    TableColumn("Điểm cầu", weight=2.4),
    TableColumn("Cấp", mm=20, centered=True),
    TableColumn("Địa điểm", weight=2.2),
    TableColumn("Đơn vị kết nối", weight=2.4),
    TableColumn("Đồng chí chủ trì", weight=2.0),
    TableColumn("Số đại biểu", mm=22, centered=True),
    TableColumn("Ghi chú", weight=1.2),
)
_KINDS: Mapping[str, ColumnKind] = {
    "STT": "number",
    "Số đại biểu": "number",
    "Địa điểm": "text",
    "Đơn vị kết nối": "text",
}
NOT_REPORTED = "chưa báo cáo"
LATE = "gửi muộn"


@dataclass(frozen=True)
class DelegateRow:
    """One point of the list: ``delegates`` None when nobody has reported them."""

    name: str
    level: str
    location: str = ""
    units: str = ""
    chair: str = ""
    delegates: int | None = None
    note: str = ""


@dataclass(frozen=True)
class DelegateList:
    """The list's rows, in the organizations' order, and the meeting it is for."""

    title: str
    rows: tuple[DelegateRow, ...]

    @property
    def delegates(self) -> int:
        """Every delegate reported."""
        return sum(r.delegates or 0 for r in self.rows)

    @property
    def not_reported(self) -> int:
        """Organizations that must report and have not."""
        return sum(1 for r in self.rows if r.note == NOT_REPORTED)

    def table(self) -> list[list[Any]]:
        """The rows as printed: numbered, the delegates blank where unknown."""
        return [
            [
                number,
                r.name,
                r.level,
                r.location,
                r.units,
                r.chair,
                "" if r.delegates is None else r.delegates,
                r.note,
            ]
            for number, r in enumerate(self.rows, start=1)
        ]

    def total(self) -> list[Any]:
        """The last row: how many points, how many delegates."""
        note = f"{self.not_reported} điểm cầu {NOT_REPORTED}" if self.not_reported else ""
        return ["", f"Tổng cộng: {len(self.rows)} điểm cầu", "", "", "", "", self.delegates, note]


def delegate_list(context: RegistrationContext) -> DelegateList:
    """The compiled list of delegates per point (see the module's docstring); raise
    :class:`~meetlink.errors.InputError` for a registration of another layout."""
    if context.registration.layout != RegistrationLayout.POINTS:
        raise InputError.single(
            str(context.path),
            "the list of delegates per point is compiled from the returns of the 'điểm cầu' "
            "layout (seed 001); this meeting's registration.layout is "
            f"'{context.registration.layout.value}'.",
        )
    register = context.register()
    deadline = context.registration.deadline
    units = context.organizations.units
    joined: dict[str, list[str]] = {}
    for unit in units:
        if unit.join_point:
            joined.setdefault(unit.join_point, []).append(unit.name)
    returned = {
        org: data
        for org, data in register.returns.items()
        if register.decisions.get(org, {}).get("decision") != REFUSED
    }
    placed = {
        str(row["id"])
        for org, data in returned.items()
        for row in data["rows"].get("points", [])[1:]
        if row.get("id")
    }
    silent = {u.id for u in units if u.id not in returned and _must(context, u)}
    rows: list[DelegateRow] = []
    for unit in units:
        if unit.join_point or unit.id in placed or unit.parent in silent:
            continue
        if unit.id in returned:
            late = dt.datetime.fromisoformat(returned[unit.id]["received"]) > deadline
            rows.extend(_returned(unit, returned[unit.id]["rows"].get("points", []), late))
        elif unit.id in silent:
            rows.append(DelegateRow(unit.name, LEVELS["district"], note=NOT_REPORTED))
        else:
            rows.append(_listed(unit, joined.get(unit.id, [])))
    return DelegateList(context.meeting.title, tuple(rows))


def _must(context: RegistrationContext, unit: Unit) -> bool:
    return context.registration.must_return(unit.id, unit.kind)


def _returned(unit: Unit, points: Sequence[Mapping[str, Any]], late: bool) -> list[DelegateRow]:
    out = []
    for index, row in enumerate(points):
        out.append(
            DelegateRow(
                name=str(row.get("name") or unit.name),
                level=str(row.get("kind") or ""),
                location=str(row.get("location") or (unit.location if index == 0 else "")),
                units=str(row.get("units") or ""),
                chair=str(row.get("chair") or (unit.chair if index == 0 else "")),
                delegates=row.get("delegates"),
                note=LATE if late and index == 0 else "",
            )
        )
    return out


def _listed(unit: Unit, joined: Sequence[str]) -> DelegateRow:
    return DelegateRow(
        name=unit.name,
        level=LEVELS[unit.kind.value],
        location=unit.location,
        units="; ".join(joined),
        chair=unit.chair,
        delegates=unit.delegates,
    )


def write_delegate_list(context: RegistrationContext, path: Path) -> DelegateList:
    """Write the list as XLSX (ready to print) or DOCX (by the file's suffix), 0600."""
    compiled = delegate_list(context)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_private(path, _xlsx(compiled))
    elif suffix == ".docx":
        write_private(path, _docx(compiled))
    else:
        raise ValueError(f"{path.name}: write the list as .xlsx or .docx")
    return compiled


def _xlsx(compiled: DelegateList) -> bytes:
    import io

    book = printed_workbook()
    sheet = PrintedSheet(book.worksheets[0], TITLE, [compiled.title])
    book.worksheets[0].title = "Danh sách đại biểu"
    sheet.header([PrintColumn(c.label, _KINDS.get(c.label, "name")) for c in COLUMNS])
    for row in compiled.table():
        sheet.row(row)
    sheet.row(compiled.total(), bold=True)
    sheet.finish()
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _docx(compiled: DelegateList) -> bytes:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    doc = PartyDocument()
    section = doc.document.sections[0]  # one wide table: A4 landscape from the first page
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin, section.right_margin = Mm(20), Mm(15)
    doc.paragraph(TITLE, bold=True, align="center")
    doc.paragraph(compiled.title, italic=True, align="center")
    doc.table(COLUMNS, [[str(v) for v in row] for row in compiled.table()], size=11)
    summary = f"Tổng cộng: {len(compiled.rows)} điểm cầu, {compiled.delegates} đại biểu"
    if compiled.not_reported:
        summary += f"; {compiled.not_reported} điểm cầu {NOT_REPORTED}"
    doc.paragraph(summary + ".", bold=True, align="left")
    return doc.to_bytes()
