"""Returned forms read back: XLSX (every sheet), CSV, or the table of the letter (DOCX).

A table is found by its header row, recognized by its Vietnamese labels wherever it stands:
the title rows above it (the issuing body, "DANH SÁCH", the deadline) are skipped, and so are
rows that hold nothing but a number. Every cell is checked against its column
(:mod:`meetlink.registration.layout`) and every problem is kept, located as
``FILE:SHEET:ROW:COLUMN`` (``FILE:ROW:COLUMN`` for a CSV, which has one table), ROW being the
row number the spreadsheet shows and COLUMN the header as the file writes it.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "diem-cau.csv"
    >>> _ = path.write_text("DANH SÁCH ĐIỂM CẦU\\nSố TT,Mã,Tên điểm cầu,Cấp,Địa điểm,"
    ...     "Số đại biểu\\n1,H-CX,Huyện ủy Cẩm Xuyên,Huyện,Hội trường,mười\\n", encoding="utf-8")
    >>> tables = read_tables(path)
    >>> [(t.section.key, t.header_row, len(t.rows)) for t in tables]
    [('points', 2, 1)]
    >>> [str(p) for p in tables[0].problems]  # doctest: +ELLIPSIS
    ["diem-cau.csv:3:Số đại biểu: 'mười' is not a whole number; ..."]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meetlink.errors import InputError, Problem
from meetlink.loading.hours import read_hour
from meetlink.loading.roster import check_email
from meetlink.loading.sheets import cell_text, whole_number
from meetlink.registration.layout import (
    CELLS,
    ORGANIZATIONS,
    POINTS,
    REVIEW,
    CellType,
    FormField,
    Section,
)
from meetlink.text import control_problem, fold, nfc, read_utf8, without_controls

__all__ = ["Row", "Table", "read_tables"]

_SECTIONS = (ORGANIZATIONS, CELLS, POINTS, REVIEW)
_HEADER_SEARCH = 25  # rows scanned for the header
_MAX_ROWS, _MAX_COLUMNS = 5000, 60
_YES = {"co", "x", "yes", "y", "1", "dat", "du", "du dieu kien", "true"}
_NO = {"khong", "no", "n", "0", "chua", "khong du", "khong du dieu kien", "false"}

Row = dict[str, Any]
"""One row read: field key → value (str, int, bool, list of addresses, or None), with the
row's number under ``"_row"``."""


@dataclass
class Table:
    """One table of a returned file: its section, where its header is, its rows, its
    problems, and the header of each field as the file writes it."""

    file: str
    sheet: str
    section: Section
    header_row: int
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """``FILE:SHEET`` (``FILE`` for a CSV)."""
        return f"{self.file}:{self.sheet}" if self.sheet else self.file

    def problem(self, row: int, key: str, message: str) -> Problem:
        """A problem at a row and a field's column."""
        return Problem(self.where, row, self.titles.get(key, key), message)


def read_tables(path: Path, shown: str | None = None) -> list[Table]:
    """The form tables of a returned file (any sheet without a known header is ignored).

    Raises :class:`~meetlink.errors.InputError` when the file cannot be read at all.
    """
    shown = shown or path.name
    grids = _grids(path, shown)
    tables = [t for sheet, grid in grids if (t := _table(shown, sheet, grid)) is not None]
    if not tables:
        raise InputError.single(
            shown,
            "no registration table was found in this file: its header row (Số TT, Tên tổ "
            "chức đảng, Số đảng viên … or Tên điểm cầu, Số đại biểu …) is missing; fill in "
            "the form meetlink wrote, without changing its headers.",
        )
    return tables


def _grids(path: Path, shown: str) -> list[tuple[str, list[list[str]]]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_grids(path, shown)
    if suffix == ".docx":
        return _docx_grids(path, shown)
    text, advice = read_utf8(path.read_bytes())
    if text is None:
        raise InputError.single(shown, advice)
    return [("", _csv_grid(text))]


def _xlsx_grids(path: Path, shown: str) -> list[tuple[str, list[list[str]]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError.single(
            shown, f"this is not a readable XLSX workbook ({type(exc).__name__})."
        ) from None
    try:
        out = []
        for sheet in book.worksheets:
            sheet.reset_dimensions()
            grid = [
                [cell_text(v) for v in values]
                for values in sheet.iter_rows(
                    max_row=_MAX_ROWS, max_col=_MAX_COLUMNS, values_only=True
                )
            ]
            out.append((str(sheet.title), grid))
        return out
    finally:
        book.close()


def _docx_grids(path: Path, shown: str) -> list[tuple[str, list[list[str]]]]:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # a damaged or foreign file
        raise InputError.single(
            shown, f"this is not a readable DOCX document ({type(exc).__name__})."
        ) from None
    out = []
    for number, table in enumerate(document.tables, start=1):
        grid = [[cell.text.strip() for cell in row.cells] for row in table.rows[:_MAX_ROWS]]
        out.append((f"bảng {number}", grid))
    return out


def _csv_grid(text: str) -> list[list[str]]:
    best: list[list[str]] = []
    best_score = -1
    for delimiter in ",;\t":
        grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[:_MAX_ROWS]
        score = max((_score(row)[1] for row in grid[:_HEADER_SEARCH]), default=0)
        if score > best_score:
            best, best_score = grid, score
    return best


def _score(row: Sequence[str]) -> tuple[Section | None, int]:
    """The section whose headers this row holds most of, and how many."""
    folded = {fold(cell) for cell in row if cell.strip()}
    best: tuple[Section | None, int] = (None, 0)
    for section in _SECTIONS:
        score = len(folded & set(section.by_title()))
        if section is REVIEW and fold("Quyết định") not in folded:
            continue
        if score > best[1]:
            best = (section, score)
    return best


def _table(shown: str, sheet: str, grid: list[list[str]]) -> Table | None:
    for index, row in enumerate(grid[:_HEADER_SEARCH]):
        section, score = _score(row)
        if section is None or score < 3:
            continue
        table = Table(shown, sheet, section, index + 1)
        columns = _columns(table, row)
        for offset, cells in enumerate(grid[index + 1 :], start=index + 2):
            values = {key: cells[i].strip() if i < len(cells) else "" for key, i in columns.items()}
            if not any(v for k, v in values.items() if k != "number"):
                continue  # blank, or numbered but not filled in
            table.rows.append(_row(table, offset, values))
        return table
    return None


def _columns(table: Table, header: Sequence[str]) -> dict[str, int]:
    fields = table.section.by_title()
    columns: dict[str, int] = {}
    for i, title in enumerate(header):
        found = fields.get(fold(title))
        if found is None:
            continue
        if found.key in columns:
            table.problems.append(
                Problem(table.where, table.header_row, nfc(title), "this column is repeated.")
            )
            continue
        columns[found.key] = i
        table.titles[found.key] = nfc(title.strip())
    for f in table.section.fields:
        if f.required and f.key not in columns:
            table.problems.append(
                Problem(
                    table.where,
                    table.header_row,
                    f.title,
                    f"the header has no column '{f.title}'; put it back as the form has it.",
                )
            )
    return columns


def _row(table: Table, number: int, cells: dict[str, str]) -> Row:
    fields = {f.key: f for f in table.section.fields}
    row: Row = {"_row": number}
    for key, raw in cells.items():
        text = raw
        message = control_problem(text)
        if message is not None:
            table.problems.append(table.problem(number, key, message))
            text = without_controls(text)
        value, problem = _value(fields[key], nfc(text))
        if problem:
            table.problems.append(table.problem(number, key, problem))
        row[key] = value
    for f in table.section.fields:
        if f.required and f.key not in cells:
            row[f.key] = None  # the header's problem says it already
    return row


def _value(f: FormField, text: str) -> tuple[Any, str]:
    """A cell's value and, when it is wrong, the sentence that says so."""
    if not text:
        if f.required:
            what = "có or không" if f.type == CellType.YES_NO else "it"
            return None, f"the cell is empty; fill in {what} (column '{f.title}' is required)."
        return None, ""
    if f.type == CellType.WHOLE:
        number = whole_number(text)
        if number is None:
            return None, f"'{text}' is not a whole number; write digits only, such as 25."
        if number < f.minimum:
            return (
                None,
                f"{number} is less than {f.minimum}; write a number of at least {f.minimum}.",
            )
        return number, ""
    if f.type == CellType.YES_NO:
        folded = fold(text)
        if folded in _YES:
            return True, ""
        if folded in _NO:
            return False, ""
        return None, f"'{text}' is neither có nor không; write one of them."
    if f.type == CellType.CHOICE:
        for choice in f.choices:
            if fold(choice) == fold(text):
                return choice, ""
        return None, f"'{text}' is not one of: {', '.join(f.choices)}; choose one from the list."
    if f.type in (CellType.EMAIL, CellType.EMAILS):
        return _addresses(f, text)
    if f.type == CellType.HOUR:
        hour = read_hour(text)
        if hour is None:
            return None, f"'{text}' is not an hour of the day; write it as 19:30."
        return f"{hour:%H:%M}", ""
    return text, ""


def _addresses(f: FormField, text: str) -> tuple[Any, str]:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if f.type == CellType.EMAIL and len(parts) > 1:
        return None, "write one e-mail address in this cell."
    checked: list[str] = []
    for part in parts:
        try:
            checked.append(check_email(part))
        except ValueError as exc:
            return None, f"{exc} Correct the address."
    return (checked[0] if f.type == CellType.EMAIL else checked), ""


def rows_of(tables: Iterable[Table], section: Section) -> list[Row]:
    """The rows of every table of one section, in file order."""
    return [row for t in tables if t.section is section for row in t.rows]
