"""Sheets an office prints: every XLSX table meetlink writes for people goes through here.

A :class:`PrintedSheet` lays an openpyxl worksheet out the way an office prints a list on
paper: a title block (a bold title row and subtitle rows, merged across the table's width,
centred), a header row in bold with Vietnamese labels, thin borders, column widths worked
out from each column's kind (``number``, ``name`` or ``text``) and content (narrowed, long
text first, to about :data:`PAGE_WIDTH` units, which A4 landscape prints near full size),
text that wraps in its cell and a row that grows with it, Times New Roman on every cell
(empty ones too), A4 landscape fitted to the page's width (as many pages down as it
takes), the header row repeated at the top of
every printed page, the table centred between the margins, "Trang 1/3" in the footer, and
the panes frozen below the header. Cells are written through the one spreadsheet rule of
:mod:`meetlink.loading.sheets` (:func:`~meetlink.loading.sheets.append_safe_row`): text is
never run as a formula.

:func:`sheet_title` gives a workbook's sheets names Excel accepts (31 characters at most,
none of ``[]:*?/\\``, unique whatever the case).

Example:
    >>> book = printed_workbook()
    >>> sheet = PrintedSheet(book.active, "DANH SÁCH CÁC ĐIỂM CẦU", ["Quý III/2023"])
    >>> sheet.header([PrintColumn("STT", "number"), PrintColumn("Đơn vị dự", "text")])
    >>> sheet.row([1, "Chi bộ Công an; Chi bộ Quân sự"])
    >>> sheet.finish()
    >>> ws = book.active
    >>> ws.print_title_rows, ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.freeze_panes
    ('$4:$4', 'landscape', 1, 'A5')
    >>> ws["B5"].alignment.wrap_text, ws["A3"].font.name
    (True, 'Times New Roman')
"""

from __future__ import annotations

import functools
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from meetlink.loading.sheets import append_safe_row

__all__ = [
    "FONT_NAME",
    "PAGE_WIDTH",
    "ColumnKind",
    "PrintColumn",
    "PrintedSheet",
    "printed_workbook",
    "sheet_title",
]

FONT_NAME = "Times New Roman"
"""The font of every cell: the Party's documents are set in Times New Roman."""

ColumnKind = Literal["number", "name", "text"]
_RANK: dict[ColumnKind, int] = {"number": 0, "name": 1, "text": 2}
# (narrowest, widest) in Excel's character units: a number stays narrow, a name may take a
# line of its own, long text wraps at a readable measure. A4 landscape holds about 150
# units at full size; wider tables are scaled down to the page's width.
_WIDTHS: dict[ColumnKind, tuple[int, int]] = {"number": (5, 12), "name": (9, 38), "text": (16, 46)}
_BODY_SIZE, _TITLE_SIZE = 12, 13
PAGE_WIDTH = 180
"""The widths (in digits of Times New Roman 12) a table is narrowed to, long text first,
before it is scaled down to fit the page: at 180, A4 landscape prints 12-point text at about
9 points, and a point's name of 40 letters on one line."""
# A wrapped row's height is estimated from its lines, for LibreOffice: it keeps the height a
# file gives and never fits a row of a file it did not write. The height is written without
# Excel's customHeight mark, so Excel fits the row to its text itself. Text is measured in
# digits of Times New Roman (a capital is wider, an 'i' narrower: :func:`_measure`); measured
# in LibreOffice, a cell holds 0.92 of its width in them, and a line takes 13.4 points: the
# estimate rounds up, so nothing is cut.
_ROOM, _BOLD = 0.92, 1.08
_LINE_POINTS, _ROW_PADDING = 13.8, 3.0
_PERCENT, _WHOLE = "0.0%", "#,##0"


def printed_workbook() -> Any:
    """A new openpyxl workbook (one empty sheet) whose default font is Times New Roman 12.

    A column's width is counted in digits of the workbook's default font: openpyxl's own
    default (Calibri) is missing where LibreOffice runs without it, and the wider font put
    in its place prints every column wider and the whole table smaller. Times New Roman (or
    Liberation Serif, its metric twin that comes with LibreOffice) is found everywhere.

    >>> printed_workbook().worksheets[0]["A1"].font.name
    'Times New Roman'
    """
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(_template()))


@functools.cache
def _template() -> bytes:
    """The smallest workbook whose Normal style is set in Times New Roman 12."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    package = "http://schemas.openxmlformats.org/package/2006"
    document = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            f'<Types xmlns="{package}/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{sheet_type}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{sheet_type}.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{package}/relationships"><Relationship Id="rId1" '
            f'Type="{document}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{document}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{package}/relationships">'
            f'<Relationship Id="rId1" Type="{document}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{document}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData/></worksheet>',
        "xl/styles.xml": (
            f'<styleSheet xmlns="{main}">'
            f'<fonts count="1"><font><sz val="{_BODY_SIZE}"/><name val="{FONT_NAME}"/>'
            '<family val="1"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            "</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + text)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class PrintColumn:
    """A printed column: its label (Vietnamese, as the header prints it) and its kind."""

    label: str
    kind: ColumnKind = "name"


class PrintedSheet:
    """A worksheet written top to bottom and laid out to be printed (see the module).

    Write the title block (the constructor), then :meth:`header` and :meth:`row`; a second
    table on the same sheet starts with :meth:`heading` and its own :meth:`header`. End with
    :meth:`finish`, which sets the widths, the fonts, the merges and the page. The first
    header row is the one repeated on every page; pass ``repeat_header=False`` to
    :meth:`finish` for a sheet of several short tables (a repeated header would mislabel
    the tables under it). The sheet counts its own rows: openpyxl's ``max_row`` scans every
    cell, which makes a large sheet quadratic.
    """

    def __init__(self, sheet: Any, title: str, subtitles: Sequence[str] = ()) -> None:
        self.sheet = sheet
        self.rows = 0
        self.header_row: int | None = None
        self._kinds: list[ColumnKind] = []
        self._longest: list[float] = []
        self._label_word: list[float] = []
        self._table: list[ColumnKind] = []  # the columns of the table being written
        self._titles: list[int] = []
        self._styles = _Styles(sheet.parent)
        self._line(title, self._styles.title)
        for subtitle in subtitles:
            if subtitle:
                self._line(subtitle, self._styles.subtitle)
        self.blank()

    @property
    def width(self) -> int:
        """The number of columns of the widest table written so far."""
        return len(self._kinds)

    def header(self, columns: Sequence[PrintColumn]) -> None:
        """A header row: bold, centred, wrapped, bordered. The first is repeated on every page."""
        self._table = [c.kind for c in columns]
        for index, column in enumerate(columns):
            if index == len(self._kinds):
                self._kinds.append(column.kind)
                self._longest.append(0)
                self._label_word.append(0)
            elif _RANK[column.kind] > _RANK[self._kinds[index]]:
                self._kinds[index] = column.kind
            words = column.label.split() or [""]
            longest = max(_measure(w) * _BOLD for w in words)
            self._label_word[index] = max(self._label_word[index], longest)
        append_safe_row(self.sheet, [c.label for c in columns])
        self.rows += 1
        for index in range(1, len(columns) + 1):
            self._styles.header(self.sheet.cell(row=self.rows, column=index))
        if self.header_row is None:
            self.header_row = self.rows

    def row(
        self, values: Sequence[Any], *, bold: bool = False, percent: Collection[int] = ()
    ) -> None:
        """A row of the current table: bordered, padded to its width, numbers centred and
        text wrapped; ``percent`` names the (1-based) columns shown as ``93.0%``."""
        cells = list(values) + [None] * (len(self._table) - len(values))
        append_safe_row(self.sheet, cells)
        self.rows += 1
        for index, value in enumerate(cells, start=1):
            cell = self.sheet.cell(row=self.rows, column=index)
            kind = self._table[index - 1] if index <= len(self._table) else "name"
            number_format = "General"
            if index in percent:
                number_format = _PERCENT
            elif isinstance(value, int) and not isinstance(value, bool):
                number_format = _WHOLE  # 3.975 where the office's locale writes it so
            self._styles.body(cell, kind, bold=bold, number_format=number_format)
            if index <= len(self._longest):
                self._longest[index - 1] = max(
                    self._longest[index - 1], _length(value, index in percent)
                )

    def heading(self, text: str) -> None:
        """A line that opens another table on the sheet: a blank row, then ``text`` in bold."""
        self.blank()
        self._line(text, self._styles.heading, merge=False)

    def blank(self) -> None:
        """An empty row (its cells get the font in :meth:`finish`)."""
        self.sheet.append([])
        self.rows += 1

    def finish(self, *, repeat_header: bool = True) -> None:
        """Widths, title merges, the font on every cell, row heights, and the page."""
        from openpyxl.utils import get_column_letter

        width = max(self.width, 1)
        widths = self._widths()
        for index, value in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = value
        for row in self._titles:
            if width > 1:
                self.sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        fitted = _fitted_row()
        titles = set(self._titles)
        for row in range(1, self.rows + 1):
            lines = 1
            for column in range(1, width + 1):
                cell = self.sheet.cell(row=row, column=column)
                if cell.font.name != FONT_NAME:
                    cell.font = self._styles.plain
                if cell.value is not None and cell.alignment.wrap_text:
                    if row in titles or column > len(widths):
                        room = sum(widths) or PAGE_WIDTH
                    else:
                        room = widths[column - 1]
                    lines = max(lines, _lines(str(cell.value), room, cell.font.b))
            if lines > 1:
                self.sheet.row_dimensions[row] = fitted(
                    self.sheet, index=row, ht=round(lines * _LINE_POINTS + _ROW_PADDING, 1)
                )
        self._page(repeat_header)

    def _widths(self) -> list[int]:
        """Each column's width from its kind and content, then narrowed to the page."""
        widths = []
        for index, kind in enumerate(self._kinds):
            narrow, wide = _WIDTHS[kind]
            wanted = math.ceil(max(self._longest[index], self._label_word[index]) / _ROOM) + 1
            widths.append(min(max(wanted, narrow), wide))
        # narrow the widest text, then the widest name, down to their floor (numbers stay)
        for kind in ("text", "name"):
            floor = _WIDTHS[kind][0]
            while sum(widths) > PAGE_WIDTH:
                own = [i for i, k in enumerate(self._kinds) if k == kind and widths[i] > floor]
                if not own:
                    break
                widest = max(own, key=lambda i: widths[i])
                widths[widest] -= 1
        return widths

    def _line(self, text: str, font: Any, *, merge: bool = True) -> None:
        append_safe_row(self.sheet, [text])
        self.rows += 1
        cell = self.sheet.cell(row=self.rows, column=1)
        cell.font = font
        if merge:
            cell.alignment = self._styles.centred
            self._titles.append(self.rows)

    def _page(self, repeat_header: bool) -> None:
        from openpyxl.worksheet.page import PageMargins
        from openpyxl.worksheet.properties import PageSetupProperties

        sheet = self.sheet
        setup = sheet.page_setup
        setup.paperSize = sheet.PAPERSIZE_A4
        setup.orientation = sheet.ORIENTATION_LANDSCAPE
        setup.fitToWidth = 1
        setup.fitToHeight = 0  # as many pages down as the rows need
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.print_options.horizontalCentered = True
        sheet.page_margins = PageMargins(
            left=0.5, right=0.5, top=0.6, bottom=0.7, header=0.3, footer=0.3
        )
        footer = sheet.oddFooter.center
        footer.text, footer.font, footer.size = "Trang &P/&N", f"{FONT_NAME},Regular", 11
        if self.header_row is not None:
            sheet.freeze_panes = f"A{self.header_row + 1}"
            if repeat_header:
                sheet.print_title_rows = f"{self.header_row}:{self.header_row}"


class _Styles:
    """The fonts, borders and alignments of a printed sheet.

    A table's cells take them as named cell styles ("Bảng – chữ", "Bảng – số (%)"), made
    once per workbook: setting a font, a border and an alignment on every cell one by one
    costs openpyxl a lookup each, six times the time of the whole table.
    """

    def __init__(self, book: Any) -> None:
        from openpyxl.styles import Alignment, Border, Font, Side

        self.book = book
        self.plain = Font(name=FONT_NAME, size=_BODY_SIZE)
        self.bold = Font(name=FONT_NAME, size=_BODY_SIZE, bold=True)
        self.title = Font(name=FONT_NAME, size=_TITLE_SIZE, bold=True)
        self.subtitle = Font(name=FONT_NAME, size=_BODY_SIZE, italic=True)
        self.heading = self.bold
        thin = Side(style="thin")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self._alignments = {
            "header": Alignment(horizontal="center", vertical="center", wrap_text=True),
            "number": Alignment(horizontal="center", vertical="top"),
            "text": Alignment(horizontal="left", vertical="top", wrap_text=True),
        }
        self._made: set[str] = set(book.named_styles)

    def header(self, cell: Any) -> None:
        self._apply(cell, self._named("tiêu đề cột", "header", bold=True, number_format="General"))

    def body(self, cell: Any, kind: ColumnKind, *, bold: bool, number_format: str) -> None:
        own = "số" if kind == "number" else "chữ"
        shown = {"General": "", _PERCENT: " (%)", _WHOLE: " (số nguyên)"}[number_format]
        name = f"{own}{' đậm' if bold else ''}{shown}"
        align = "number" if kind == "number" else "text"
        self._apply(cell, self._named(name, align, bold=bold, number_format=number_format))

    @staticmethod
    def _apply(cell: Any, style: str) -> None:
        """The named style, keeping the quote prefix of a text that starts like a formula
        (a style replaces the cell's whole format, that mark included)."""
        quoted = cell.quotePrefix
        cell.style = style
        if quoted:
            cell.quotePrefix = True

    def _named(self, name: str, align: str, *, bold: bool, number_format: str) -> str:
        from openpyxl.styles import NamedStyle

        full = f"Bảng – {name}"
        if full not in self._made:
            style = NamedStyle(
                name=full,
                font=self.bold if bold else self.plain,
                border=self.border,
                alignment=self._alignments[align],
                number_format=number_format,
            )
            self.book.add_named_style(style)
            self._made.add(full)
        return full


def _lines(text: str, width: int, bold: bool) -> int:
    """How many lines ``text`` wraps to in a column ``width`` units wide (greedy, by words)."""
    room = max(1.0, width * _ROOM)
    scale = _BOLD if bold else 1.0
    count = 0
    for paragraph in text.splitlines() or [""]:
        count += 1
        line = 0.0
        for word in paragraph.split():
            size = _measure(word) * scale
            if line and line + _SPACE + size > room:
                count += 1
                line = 0.0
            if size > room:  # a word wider than the column is broken over lines of its own
                count += math.ceil(size / room) - 1
                size = size % room
            line = size if not line else line + _SPACE + size
    return count


_SPACE = 0.5
_NARROW, _WIDE = frozenset("fijlrt.,;:'|!()[]-/"), frozenset("mw")


def _measure(text: str) -> float:
    """The width of ``text`` in digits of Times New Roman: a digit 1, a small letter 0.9, a
    capital 1.35 (accents and marks as their letter), a space 0.5.

    >>> _measure("Chi bộ 12"), _measure("DB-THPTMH")
    (7.6, 11.35)
    """
    size = 0.0
    for char in text:
        base = unicodedata.normalize("NFD", char)[:1]
        if base == " ":
            size += _SPACE
        elif base.isdigit():
            size += 1.0
        elif base.isupper():
            size += 1.35
        elif base in _NARROW:
            size += 0.55
        elif base in _WIDE:
            size += 1.5
        else:
            size += 0.9
    return round(size, 2)


@functools.cache
def _fitted_row() -> Any:
    """openpyxl's row dimension, its height written without Excel's customHeight mark."""
    from openpyxl.worksheet.dimensions import RowDimension

    class FittedRow(RowDimension):  # type: ignore[misc,unused-ignore]
        @property
        def customHeight(self) -> bool:  # noqa: N802 - openpyxl's (and Excel's) name
            return False

    return FittedRow


def _length(value: Any, percent: bool) -> float:
    """The widest line of a cell, measured as :func:`_measure` does."""
    if value is None:
        return 0.0
    if percent and isinstance(value, float):
        return 6.0  # 100.0%
    if isinstance(value, int) and not isinstance(value, bool):
        return _measure(f"{value:,}")
    return max((_measure(line) for line in str(value).splitlines()), default=0.0)


_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_RESERVED = "history"  # Excel keeps this sheet name for itself


def sheet_title(label: str, used: set[str]) -> str:
    """A sheet name Excel accepts, made from ``label`` and unique among ``used`` (whatever
    the case); it is added to ``used``. ``[]:*?/\\`` become ``-``, quotes at the ends are
    dropped, and the name is cut to 31 characters (a number is added to repeat one).

    >>> used = {"Tổng hợp"}
    >>> sheet_title("Lớp 1: sáng 10/9", used), sheet_title("tổng hợp", used)
    ('Lớp 1- sáng 10-9', 'tổng hợp 2')
    >>> len(sheet_title("Trực tuyến qua Google Meet — Lớp 1 buổi sáng", used))
    31
    """
    base = _FORBIDDEN.sub("-", " ".join(label.split())).strip("' ")[:31].rstrip("' ") or "Trang"
    taken = {u.casefold() for u in used} | {_RESERVED}
    name, number = base, 1
    while name.casefold() in taken:
        number += 1
        name = f"{base[: 31 - len(str(number)) - 1].rstrip()} {number}"
    used.add(name)
    return name
