"""The slip (*phiếu*): one printable page per bridge point, handed to its technical officer.

A slip holds everything the officer needs to connect the point, the password included:
the meeting, the point, its unit and hall, **every sitting with its date and time** (and its
own room or link where they differ), the login, the line test, whom to call, the sentence
that the login is the officer's alone, and at the bottom the two signatures of the handing
over ("Người nhận", "Người giao"). It is a DOCX (A4, Times New Roman on every run) the office
prints, has signed and keeps; :func:`slip_text` is the same slip as plain text.

This module takes plain data and returns bytes: the caller (``meetlink credentials … slip``)
reads the secrets from the vault, fills a :class:`Slip` and writes the bytes as a private
file (:func:`meetlink.private_files.write_private`). The secret fields are left out of every
``repr``.

Example:
    >>> slip = Slip(meeting_title="Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023",
    ...     point_name="Xã Hòa Phong", unit_name="Đảng bộ xã Hòa Phong", hall="Hội trường xã",
    ...     sittings=(SlipSitting(when="Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023",
    ...                           login="hp-01", password="Mk-7Qz"),),
    ...     rule="Tên đăng nhập và mật khẩu này chỉ dành riêng cho cán bộ kỹ thuật.")
    >>> slip_docx(slip)[:2]
    b'PK'
    >>> "Mk-7Qz" in repr(slip)
    False
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

__all__ = ["FIELDS", "Slip", "SlipSitting", "slip_docx", "slip_text"]

FONT = "Times New Roman"
_SIZE = 12
_PAGE_MM = (210, 297)  # A4 portrait
_MARGINS_MM = (15, 15, 25, 15)  # top, bottom, left, right
_LABEL_MM = 42.0
_RULED = "Table Grid"  # a style of python-docx's template: single lines, no shading


@dataclass(frozen=True, kw_only=True)
class SlipSitting:
    """One sitting on a slip: its name (empty when the meeting has one), when it is held, the
    days a recurring one is held and its ``changes`` (skipped or moved occurrences, as
    :mod:`meetlink.documents.held_dates` writes them), and the access to it. The secrets
    never show in a ``repr``."""

    label: str = ""
    when: str
    dates: str = ""
    changes: str = ""
    join_url: str = ""
    server: str = ""
    room: str = ""
    login: str = ""
    password: str = field(default="", repr=False)
    pin: str = field(default="", repr=False)
    token: str = field(default="", repr=False)


FIELDS = ("login", "password", "pin", "token", "room", "join_url", "server")
"""The access fields of a sitting, in the order a slip prints them."""
_SECRETS = frozenset({"password", "pin", "token"})


@dataclass(frozen=True, kw_only=True)
class Slip:
    """One bridge point's slip: plain text, the caller's words for the rule and the help
    lines (``Đ/c …, ĐT: …``), the line test's time already written out."""

    meeting_title: str
    point_name: str
    unit_name: str
    hall: str
    sittings: tuple[SlipSitting, ...]
    rule: str
    officer_name: str = ""
    organizer_name: str = ""
    rehearsal: str = ""
    help_contacts: tuple[str, ...] = ()
    language: Literal["vi", "en"] = "vi"


_WORDS = {
    "vi": {
        "title": "PHIẾU GIAO THÔNG TIN ĐĂNG NHẬP ĐIỂM CẦU",
        "handed": "(Giao trực tiếp cho cán bộ kỹ thuật của điểm cầu)",
        "part_point": "1. Điểm cầu",
        "part_time": "2. Thời gian",
        "part_access": "3. Thông tin đăng nhập",
        "part_help": "4. Chạy thử đường truyền và hỗ trợ kỹ thuật",
        "every": "(dùng cho tất cả các buổi)",
        "access": "Thông tin đăng nhập",
        "point": "Điểm cầu",
        "unit": "Đơn vị",
        "hall": "Địa điểm",
        "officer": "Cán bộ kỹ thuật",
        "when": "Thời gian",
        "dates": "Các ngày",
        "changes": "Thay đổi",
        "join_url": "Đường dẫn",
        "server": "Máy chủ",
        "room": "Phòng",
        "login": "Tên đăng nhập",
        "password": "Mật khẩu",  # nosec B105: a label
        "pin": "Mã PIN",
        "token": "Mã truy cập",  # nosec B105: a label
        "rehearsal": "Chạy thử đường truyền",
        "help": "Hỗ trợ kỹ thuật",
        "note": "Lưu ý: ",
        "date_line": "……………, ngày …… tháng …… năm ………",
        "receiver": "Người nhận",
        "giver": "Người giao",
        "sign": "(ký, ghi rõ họ tên)",
    },
    "en": {
        "title": "BRIDGE POINT LOGIN SLIP",
        "handed": "(Handed in person to the technical officer of the bridge point)",
        "part_point": "1. Bridge point",
        "part_time": "2. Time",
        "part_access": "3. Login details",
        "part_help": "4. Line test and technical help",
        "every": "(for every sitting)",
        "access": "Login details",
        "point": "Bridge point",
        "unit": "Unit",
        "hall": "Hall",
        "officer": "Technical officer",
        "when": "Time",
        "dates": "Dates",
        "changes": "Changes",
        "join_url": "Link",
        "server": "Server",
        "room": "Room",
        "login": "Login",
        "password": "Password",  # nosec B105: a label
        "pin": "PIN",
        "token": "Access token",  # nosec B105: a label
        "rehearsal": "Line test",
        "help": "Technical help",
        "note": "Note: ",
        "date_line": "……………, date …………………",
        "receiver": "Received by",
        "giver": "Handed over by",
        "sign": "(signature and full name)",
    },
}


def _shared(slip: Slip) -> tuple[list[str], list[str]]:
    """The access fields every sitting has alike (printed once), and those that differ."""
    shared: list[str] = []
    differing: list[str] = []
    for name in FIELDS:
        values = {getattr(s, name) for s in slip.sittings}
        if values == {""}:
            continue
        (shared if len(values) == 1 else differing).append(name)
    return shared, differing


def _sitting_rows(
    sitting: SlipSitting, differing: Sequence[str], words: dict[str, str]
) -> list[tuple[str, str]]:
    rows = [(words["when"], sitting.when)]
    if sitting.dates:
        rows.append((words["dates"], sitting.dates))
    if sitting.changes:
        rows.append((words["changes"], sitting.changes))
    rows += [(words[n], getattr(sitting, n)) for n in differing if getattr(sitting, n)]
    return rows


# -- the DOCX -----------------------------------------------------------------------------


def slip_docx(slip: Slip) -> bytes:
    """The slip as a DOCX file's bytes: A4 portrait, Times New Roman on every run.

    ``write_private(path, slip_docx(slip))`` puts it where only its owner may read it.
    """
    words = _WORDS[slip.language]
    document = Document()
    _page(document)
    _title(document, slip, words)
    shared, differing = _shared(slip)

    _heading(document, words["part_point"])
    point_rows = [
        (words["point"], slip.point_name),
        (words["unit"], slip.unit_name),
        (words["hall"], slip.hall or slip.point_name),
    ]
    if slip.officer_name:
        point_rows.append((words["officer"], slip.officer_name))
    _pairs(document, point_rows)

    _heading(document, words["part_time"])
    rows: list[tuple[str, str]] = []  # one table: adjacent tables would merge in Word anyway
    for sitting in slip.sittings:
        own = _sitting_rows(sitting, differing, words)
        if sitting.label:  # the sitting's name heads its rows, in place of "Thời gian"
            own[0] = (sitting.label, own[0][1])
        rows += own
    _pairs(document, rows, secrets=_labels(words))

    if shared:
        every = f" {words['every']}" if len(slip.sittings) > 1 else ""
        _heading(document, words["part_access"] + every)
        first = slip.sittings[0]
        _pairs(document, [(words[n], getattr(first, n)) for n in shared], secrets=_labels(words))

    if slip.rehearsal or slip.help_contacts:
        _heading(document, words["part_help"])
        if slip.rehearsal:
            _line(document, f"{words['rehearsal']}: {slip.rehearsal}")
        if slip.help_contacts:
            _line(document, f"{words['help']}:")
            for contact in slip.help_contacts:
                _line(document, f"- {contact}", indent=5)

    note = document.add_paragraph()
    _spacing(note, before=8, after=4)
    note.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _run(note, words["note"], bold=True, italic=True)
    _run(note, slip.rule, italic=True)
    _signatures(document, words)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _labels(words: dict[str, str]) -> frozenset[str]:
    return frozenset(words[n] for n in _SECRETS)


def _page(document: DocxDocument) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(_PAGE_MM[0]), Mm(_PAGE_MM[1])
    top, bottom, left, right = _MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(_SIZE)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    _fonts(normal.element.get_or_add_rPr())
    properties = document.core_properties
    properties.author = properties.last_modified_by = ""
    properties.comments = ""


def _text_width_mm() -> float:
    return float(_PAGE_MM[0] - _MARGINS_MM[2] - _MARGINS_MM[3])


def _fonts(properties: object) -> None:
    """Times New Roman for every script, so Word never falls back for a Vietnamese letter."""
    fonts = properties.get_or_add_rFonts()  # type: ignore[attr-defined]
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = _SIZE,
) -> None:
    run = paragraph.add_run(unicodedata.normalize("NFC", text))  # its spaces kept
    run.font.name = FONT
    _fonts(run.element.get_or_add_rPr())
    run.font.size = Pt(size)
    run.font.bold = bold or None
    run.font.italic = italic or None


def _spacing(paragraph: Paragraph, *, before: float = 0, after: float = 0) -> None:
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)


def _title(document: DocxDocument, slip: Slip, words: dict[str, str]) -> None:
    if slip.organizer_name:
        head = document.add_paragraph()
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(head, slip.organizer_name.upper(), size=12)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(title, before=12)
    _run(title, words["title"], bold=True, size=15)
    meeting = document.add_paragraph()
    meeting.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(meeting, slip.meeting_title, bold=True)
    handed = document.add_paragraph()
    handed.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(handed, after=6)
    _run(handed, words["handed"], italic=True)


def _heading(document: DocxDocument, text: str) -> None:
    paragraph = document.add_paragraph()
    _spacing(paragraph, before=8, after=3)
    paragraph.paragraph_format.keep_with_next = True
    _run(paragraph, text, bold=True)


def _line(
    document: DocxDocument, text: str, *, bold: bool = False, before: float = 0, indent: float = 0
) -> None:
    paragraph = document.add_paragraph()
    _spacing(paragraph, before=before, after=2)
    if indent:
        paragraph.paragraph_format.left_indent = Mm(indent)
    paragraph.paragraph_format.keep_with_next = bold
    _run(paragraph, text, bold=bold)


def _pairs(
    document: DocxDocument,
    rows: Sequence[tuple[str, str]],
    *,
    secrets: frozenset[str] = frozenset(),
) -> None:
    """A ruled two-column table: the label, the value (a secret in bold, a size larger)."""
    table = document.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (_LABEL_MM, _text_width_mm() - _LABEL_MM)
    table.style = _RULED
    _fixed(table, widths)
    for label, value in rows:
        cells = table.add_row().cells
        for cell, width in zip(cells, widths, strict=True):
            cell.width = Mm(width)
        _cell(cells[0], label, bold=True)
        _cell(cells[1], value, bold=label in secrets, size=_SIZE + 1 if label in secrets else _SIZE)


def _cell(cell: _Cell, text: str, *, bold: bool = False, size: float = _SIZE) -> None:
    paragraph = cell.paragraphs[0]
    _spacing(paragraph, before=1, after=1)
    _run(paragraph, text, bold=bold, size=size)


def _fixed(table: Table, widths: Sequence[float]) -> None:
    """Fixed widths (``autofit`` off is Word's fixed layout): Word and LibreOffice keep them
    instead of fitting a long link."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)


def _signatures(document: DocxDocument, words: dict[str, str]) -> None:
    """The date of the handing over, then who received and who handed over, to sign."""
    date = document.add_paragraph()
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _spacing(date, before=10, after=4)
    date.paragraph_format.keep_with_next = True
    _run(date, words["date_line"], italic=True)
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    half = _text_width_mm() / 2
    _fixed(table, (half, half))  # no style: no borders
    for cell, who in zip(table.rows[0].cells, (words["receiver"], words["giver"]), strict=True):
        cell.width = Mm(half)
        for number, (text, bold, italic) in enumerate(
            ((who, True, False), (words["sign"], False, True))
        ):
            paragraph = cell.paragraphs[0] if number == 0 else cell.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(paragraph, text, bold=bold, italic=italic)
        for _ in range(3):  # room to sign
            _run(cell.add_paragraph(), "")


# -- the same slip as plain text ----------------------------------------------------------


def slip_text(slip: Slip, *, width: int = 72) -> str:
    """The slip as plain UTF-8 text (``meetlink credentials … slip`` without ``-o``)."""
    words = _WORDS[slip.language]
    shared, differing = _shared(slip)
    rule = "=" * width
    out = [rule, words["title"].center(width), slip.meeting_title.center(width).rstrip(), rule]
    out += [
        f"{words['point']}: {slip.point_name}",
        f"{words['unit']}: {slip.unit_name}",
        f"{words['hall']}: {slip.hall or slip.point_name}",
    ]
    if slip.officer_name:
        out.append(f"{words['officer']}: {slip.officer_name}")
    for sitting in slip.sittings:
        out.append("-" * width)
        if sitting.label:
            out.append(sitting.label)
        out += [f"  {label}: {value}" for label, value in _sitting_rows(sitting, differing, words)]
    if shared:
        every = f" {words['every']}" if len(slip.sittings) > 1 else ""
        out += ["-" * width, words["access"] + every]
        out += [f"  {words[n]}: {getattr(slip.sittings[0], n)}" for n in shared]
    out.append("-" * width)
    if slip.rehearsal:
        out.append(f"{words['rehearsal']}: {slip.rehearsal}")
    if slip.help_contacts:
        out += [f"{words['help']}:", *(f"  - {c}" for c in slip.help_contacts)]
    out += [words["note"] + slip.rule, "", words["date_line"].rjust(width)]
    half = width // 2
    out.append(words["receiver"].center(half) + words["giver"].center(half))
    out.append(words["sign"].center(half) + words["sign"].center(half))
    out += ["", "", "", rule]
    return "\n".join(out) + "\n"
