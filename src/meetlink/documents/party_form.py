"""The building blocks of a document in the Party's form (Hướng dẫn 36-HD/VPTW), as DOCX.

The sizes follow the guide's appendix of sizes and styles (see ``docs/guides/office-documents.md``):

* A4 portrait; margins top and bottom 20 mm, left 30 mm, right 15 mm (the guide: 20–25,
  20–25, 30–35, 15–20 mm); Times New Roman on every run, the East-Asian font too, so that
  Word never falls back to another font for a Vietnamese letter;
* the header, a borderless table: on the left the higher body (caps, 14, regular), the
  issuing body (caps, 14, bold), a star, ``Số 125-TB/ThU`` (14); on the right
  ``ĐẢNG CỘNG SẢN VIỆT NAM`` (caps, 15, bold, a rule below as long as it) and the place and
  date (14, italic);
* the title (caps, 16, bold), the subject under it (14, bold), a short rule;
* the body (14, justified, the first line indented 10 mm);
* at the end a borderless table: ``Nơi nhận:`` (14, underlined) and the recipients (12) on
  the left, the signature block on the right (authority and position in caps, 14, bold;
  room to sign; the name, 14, bold);
* page numbers from the second page, centred in the top margin (14).

Example:
    >>> doc = PartyDocument()
    >>> doc.letterhead(("ĐẢNG BỘ TỈNH HƯNG YÊN", "THỊ ỦY MỸ HÀO"),
    ...                number_text("TB", "125-TB/ThU", ()), "Mỹ Hào, ngày 05 tháng 9 năm 2023")
    >>> doc.title("THÔNG BÁO", "Về việc tổ chức Giờ sinh hoạt toàn Đảng bộ thị xã")
    >>> _ = doc.paragraph("Ban Thường vụ Thị ủy thông báo …")
    >>> len(doc.document.tables)
    1
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from meetlink.private_files import write_private
from meetlink.text import fold, nfc

__all__ = [
    "BODY_SIZE",
    "FONT",
    "PARTY_TITLE",
    "PartyDocument",
    "TableColumn",
    "filed_copy",
    "number_text",
    "place_and_date",
    "symbol_tail",
]

FONT = "Times New Roman"
PARTY_TITLE = "ĐẢNG CỘNG SẢN VIỆT NAM"
BODY_SIZE = 14
TITLE_SIZE = 16
PARTY_TITLE_SIZE = 15
RECIPIENT_SIZE = 12
TABLE_SIZE = 12
_BLANK_NUMBER = "\u00a0" * 6  # room for the number, written by hand when it is registered
_SIGNING_ROOM = 4  # empty lines between the position and the name

_JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
_CENTER = WD_ALIGN_PARAGRAPH.CENTER
_LEFT = WD_ALIGN_PARAGRAPH.LEFT

# The short names a number's tail uses for the usual issuing bodies (folded, longest first).
_TAILS = (
    ("dang uy khoi", "ĐUK"),
    ("tinh uy", "TU"),
    ("thanh uy", "ThU"),
    ("thi uy", "ThU"),
    ("huyen uy", "HU"),
    ("quan uy", "QU"),
    ("dang uy", "ĐU"),
    ("chi bo", "CB"),
)


@dataclass(frozen=True, slots=True)
class TableColumn:
    """One column of a table: its header, its share of the width (``weight``) or a fixed
    width in millimetres (``mm``), and whether its cells are centred (numbers)."""

    label: str
    weight: float = 1.0
    mm: float | None = None
    centered: bool = False


def symbol_tail(number: str, issuers: Sequence[str]) -> str:
    """The tail of a document's symbol (``ThU`` of ``125-TB/ThU``): taken from ``number``
    when it has one, else made from the issuing body's name (``THỊ ỦY MỸ HÀO`` → ``ThU``);
    empty when neither says.

    >>> symbol_tail("125-TB/ThU", ()), symbol_tail("", ("ĐẢNG BỘ TỈNH", "TỈNH ỦY HÀ TĨNH"))
    ('ThU', 'TU')
    """
    if "/" in number:
        return number.rsplit("/", 1)[1].strip()
    if not issuers:
        return ""
    body = fold(issuers[-1])
    prefix = "VP" if body.startswith("van phong") else ""
    for words, tail in _TAILS:
        if words in body:
            return prefix + tail
    return ""


def number_text(symbol: str, number: str, issuers: Sequence[str]) -> str:
    """``Số 125-TB/ThU``: the number as given; a number of digits alone gets the kind's
    symbol and the tail (``125`` → ``125-TB/ThU``); no number leaves room to write it in
    (``Số      -TB/ThU``).

    >>> number_text("TB", "", ("THỊ ỦY MỸ HÀO",)).replace("\\u00a0", " ")
    'Số       -TB/ThU'
    >>> number_text("GM", "12", ("TỈNH ỦY HÀ TĨNH",))
    'Số 12-GM/TU'
    """
    number = nfc(number.strip())
    tail = symbol_tail(number, issuers)
    symbol_part = f"{symbol}/{tail}" if tail else symbol
    digits = re.match(r"\d+", number)
    if digits and digits.group() == number:
        return f"Số {number}-{symbol_part}"
    if digits:
        return f"Số {number}"
    if number and "-" in number:  # "-TB/ThU": the symbol given, the number left blank
        return f"Số {_BLANK_NUMBER}-{number.split('-', 1)[1].strip()}"
    return f"Số {_BLANK_NUMBER}-{symbol_part}"


def filed_copy(tail: str) -> str:
    """The recipients' last line, the office's own copy: ``Lưu VPThU`` (from the symbol's
    tail), ``Lưu Văn phòng`` when there is none.

    >>> filed_copy("ThU"), filed_copy("VPTU"), filed_copy("")
    ('Lưu VPThU', 'Lưu VPTU', 'Lưu Văn phòng')
    """
    if not tail:
        return "Lưu Văn phòng"
    return f"Lưu {tail}" if tail.startswith("VP") else f"Lưu VP{tail}"


def place_and_date(place: str, date_words: str) -> str:
    """``Mỹ Hào, ngày 05 tháng 9 năm 2023`` (the date words from
    :func:`meetlink.documents.when.document_date`)."""
    return f"{place}, {date_words}" if place else date_words.capitalize()


class PartyDocument:
    """A DOCX being written in the Party's form: call the parts in order, then :meth:`save`.

    ``document`` is the python-docx document, for what this class does not cover.
    """

    def __init__(self) -> None:
        self.document: DocxDocument = Document()
        self._default_fonts()
        self._page(self.document.sections[0], landscape=False)
        self._page_numbers(self.document.sections[0])

    # -- the page -------------------------------------------------------------------------

    def _default_fonts(self) -> None:
        styles = self.document.styles.element
        defaults = styles.find(qn("w:docDefaults"))
        if defaults is not None:
            for fonts in defaults.iter(qn("w:rFonts")):
                for name in list(fonts.attrib):
                    del fonts.attrib[name]
                _set_fonts(fonts)
            for lang in defaults.iter(qn("w:lang")):
                lang.set(qn("w:val"), "vi-VN")
        normal = self.document.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_SIZE)
        _set_fonts(normal.element.get_or_add_rPr().get_or_add_rFonts())
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.line_spacing = 1.0

    @staticmethod
    def _page(section: Section, *, landscape: bool) -> None:
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Mm(297), Mm(210)
            section.left_margin, section.right_margin = Mm(20), Mm(15)
        else:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = Mm(210), Mm(297)
            section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
        section.header_distance, section.footer_distance = Mm(10), Mm(10)

    def _page_numbers(self, section: Section) -> None:
        """Page numbers from the second page, centred in the top margin (36-HD/VPTW)."""
        section.different_first_page_header_footer = True
        paragraph = section.header.paragraphs[0]
        paragraph.alignment = _CENTER
        for kind, text in (("begin", ""), ("instr", " PAGE "), ("separate", ""), ("end", "")):
            run = _run(paragraph, "", size=BODY_SIZE)
            if kind == "instr":
                instruction = OxmlElement("w:instrText")
                instruction.set(qn("xml:space"), "preserve")
                instruction.text = text
                run.element.append(instruction)
            else:
                mark = OxmlElement("w:fldChar")
                mark.set(qn("w:fldCharType"), kind)
                run.element.append(mark)

    @property
    def text_width_mm(self) -> float:
        """The width between the margins of the current section."""
        section = self.document.sections[-1]
        width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
        return float(Length(width).mm)

    def landscape_section(self) -> None:
        """Start a new page in A4 landscape (an attachment with a wide table)."""
        section = self.document.add_section(WD_SECTION.NEW_PAGE)
        self._page(section, landscape=True)
        section.different_first_page_header_footer = False

    # -- the header and the title ---------------------------------------------------------

    def letterhead(self, issuers: Sequence[str], number: str, place_date: str) -> None:
        """The issuing bodies, the star and the number (left); the Party's title and the
        place and date (right)."""
        table = self._borderless(2, (78.0, self.text_width_mm - 78.0))
        left, right = table.rows[0].cells
        bodies = [nfc(b).upper() for b in issuers] or [""]
        first = True
        for index, body in enumerate(bodies):
            last = index == len(bodies) - 1
            _cell_line(left, body, first=first, bold=last)
            first = False
        _cell_line(left, "*", first=False)
        _cell_line(left, number, first=False)
        _cell_line(right, PARTY_TITLE, first=True, bold=True, size=PARTY_TITLE_SIZE, underline=True)
        for _ in range(max(len(bodies), 1)):
            _cell_line(right, "", first=False)
        _cell_line(right, place_date, first=False, italic=True)

    def title(self, heading: str, subject: str = "") -> None:
        """The kind of document (THÔNG BÁO) and its subject, centred, with a short rule."""
        paragraph = self._paragraph(_CENTER, before=18)
        _run(paragraph, heading.upper(), size=TITLE_SIZE, bold=True)
        if subject:
            _run(self._paragraph(_CENTER), subject, bold=True)
        _run(self._paragraph(_CENTER, after=6), "-----")

    # -- the body -------------------------------------------------------------------------

    def _paragraph(
        self, align: WD_ALIGN_PARAGRAPH, *, before: float = 0, after: float = 0, indent: float = 0
    ) -> Paragraph:
        paragraph = self.document.add_paragraph()
        paragraph.alignment = align
        fmt = paragraph.paragraph_format
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if indent:
            fmt.first_line_indent = Mm(indent)
        return paragraph

    def paragraph(
        self,
        text: str = "",
        *,
        bold: bool = False,
        italic: bool = False,
        align: str = "justify",
        size: float = BODY_SIZE,
    ) -> Paragraph:
        """A body paragraph: justified, first line indented 10 mm, 6 pt after."""
        alignment = {"justify": _JUSTIFY, "center": _CENTER, "left": _LEFT}[align]
        paragraph = self._paragraph(alignment, after=6, indent=10 if align == "justify" else 0)
        if text:
            _run(paragraph, text, size=size, bold=bold, italic=italic)
        return paragraph

    def parts(self, *parts: tuple[str, str]) -> Paragraph:
        """A body paragraph of several runs: ``("b", "3.1- ")``, ``("", "plain")``,
        ``("i", "italic")``, ``("bi", "both")``."""
        paragraph = self._paragraph(_JUSTIFY, after=6, indent=10)
        for style, text in parts:
            _run(paragraph, text, bold="b" in style, italic="i" in style)
        return paragraph

    def heading(self, text: str) -> None:
        """A numbered heading of the body (``1- Thời gian``), bold."""
        self.paragraph(text, bold=True)

    def picture(self, path: Path, width_mm: float) -> None:
        """A picture (a chart), centred, ``width_mm`` wide unless that would make it taller
        than the page: then as high as the page allows."""
        paragraph = self._paragraph(_CENTER, after=6)
        shape = paragraph.add_run().add_picture(str(path), width=Mm(width_mm))
        section = self.document.sections[-1]
        room = (section.page_height or 0) - (section.top_margin or 0) - (section.bottom_margin or 0)
        room = int(room * 0.9)  # a line of text above it, the page number
        if shape.height and shape.height > room:
            shape.width = Length(int(shape.width * room / shape.height))
            shape.height = Length(room)

    # -- tables ---------------------------------------------------------------------------

    def _add_table(self, columns: int, widths: Sequence[float], borders: str) -> Table:
        table: Table = self.document.add_table(rows=1, cols=columns)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # fixed layout: Word and LibreOffice keep the widths
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Mm(width)
        for cell, width in zip(table.rows[0].cells, widths, strict=True):
            cell.width = Mm(width)
        _borders(self._element_of_last_table(), borders)
        return table

    def _element_of_last_table(self) -> Any:
        """The XML of the table just added (the body's last; python-docx keeps it private)."""
        return self.document.element.body.findall(qn("w:tbl"))[-1]

    def _borderless(self, columns: int, widths: Sequence[float]) -> Table:
        table = self._add_table(columns, widths, "nil")
        for row in self._element_of_last_table().iterchildren(qn("w:tr")):
            _row_flag(row, "w:cantSplit")  # the signature stays with "Nơi nhận"
        return table

    def table(
        self,
        columns: Sequence[TableColumn],
        rows: Sequence[Sequence[str | int]],
        *,
        size: float = TABLE_SIZE,
    ) -> Table:
        """A ruled table as wide as the text: a bold header row repeated on every page, the
        widths fixed (fixed columns first, the rest shared by weight), every cell in
        Times New Roman, a row never split across pages."""
        total = self.text_width_mm
        fixed = sum(c.mm or 0 for c in columns)
        weights = sum(c.weight for c in columns if c.mm is None) or 1.0
        widths = [
            c.mm if c.mm is not None else (total - fixed) * c.weight / weights for c in columns
        ]
        table = self._add_table(len(columns), widths, "single")
        for cell, column in zip(table.rows[0].cells, columns, strict=True):
            _cell_text(cell, column.label, size=size, bold=True, center=True)
        for values in rows:
            row = table.add_row()  # type: ignore[no-untyped-call]
            for cell, column, value in zip(row.cells, columns, values, strict=True):
                _cell_text(cell, str(value), size=size, center=column.centered)
        for index, tr in enumerate(self._element_of_last_table().iterchildren(qn("w:tr"))):
            if index == 0:
                _row_flag(tr, "w:tblHeader")  # repeated at the top of every page
            _row_flag(tr, "w:cantSplit")
        return table

    # -- the end --------------------------------------------------------------------------

    def closing(self, recipients: Sequence[str], signer_lines: Sequence[str], name: str) -> None:
        """``Nơi nhận:`` and the recipients on the left, the signature block on the right."""
        self._paragraph(_LEFT, after=0)
        table = self._borderless(2, (75.0, self.text_width_mm - 75.0))
        left, right = table.rows[0].cells
        first = left.paragraphs[0]
        _run(first, "Nơi nhận", underline=True)
        _run(first, ":")
        for index, recipient in enumerate(recipients):
            end = "." if index == len(recipients) - 1 else ","
            line = f"- {recipient.strip().rstrip(',.;')}{end}"
            _cell_line(left, line, first=False, size=RECIPIENT_SIZE, align=_LEFT)
        lines = list(signer_lines) or [""]
        for index, line in enumerate(lines):
            _cell_line(right, line, first=index == 0, bold=True)
        for _ in range(_SIGNING_ROOM):
            _cell_line(right, "", first=False)
        _cell_line(right, name, first=False, bold=True)

    def to_bytes(self) -> bytes:
        """The DOCX file's bytes."""
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()

    def save(self, path: Path) -> Path:
        """Write the DOCX, readable by its owner only (it names officers and their phones)."""
        write_private(path, self.to_bytes())
        return path


def _set_fonts(fonts: object) -> None:
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)  # type: ignore[attr-defined]


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    size: float = BODY_SIZE,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
) -> Run:
    """A run in Times New Roman (every script), at ``size`` points."""
    run = paragraph.add_run(nfc(text))
    run.font.name = FONT
    _set_fonts(run.element.get_or_add_rPr().get_or_add_rFonts())
    run.font.size = Pt(size)
    run.font.bold = bold or None
    run.font.italic = italic or None
    run.font.underline = underline or None
    return run


def _cell_line(
    cell: _Cell,
    text: str,
    *,
    first: bool,
    size: float = BODY_SIZE,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    align: WD_ALIGN_PARAGRAPH = _CENTER,
) -> None:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    _run(paragraph, text, size=size, bold=bold, italic=italic, underline=underline)


def _cell_text(cell: _Cell, text: str, *, size: float, bold: bool = False, center: bool) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = _CENTER if center else _LEFT
    paragraph.paragraph_format.space_after = Pt(0)
    _run(paragraph, text, size=size, bold=bold)


def _borders(table: Any, kind: str) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), kind)
        if kind != "nil":
            element.set(qn("w:sz"), "4")
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), "000000")
        borders.append(element)
    # in the schema's order: before shading, layout, cell margins and look
    table.tblPr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"
    )


def _row_flag(row: Any, tag: str) -> None:
    properties = row.get_or_add_trPr()
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    properties.append(flag)
