"""Tables that people make: a CSV or the first sheet of an XLSX workbook.

Rosters, the provider's account sheets and roll calls are all read here. A CSV must be UTF-8
(a BOM is fine; anything else is refused with how to save it again); its separator is the
one (comma, semicolon or tab — Excel writes ';' in some locales) that splits the header
into the most known column names, commas on a tie. Each row comes with the row number a
spreadsheet shows (the header is row 1), so a problem can point at it. Cells meetlink writes
go through :func:`spreadsheet_safe`.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text("mã;số đảng viên\\nX1;30\\n", encoding="utf-8")
    >>> header, rows = read_table(path, known={"ma", "so dang vien"})
    >>> header, list(rows)
    (['mã', 'số đảng viên'], [(2, ['X1', '30'])])
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

from meetlink.errors import InputError, Problem
from meetlink.text import fold, nfc, read_utf8

__all__ = [
    "XLSX_SUFFIXES",
    "Columns",
    "Rows",
    "cell_text",
    "find_columns",
    "read_table",
    "spreadsheet_safe",
    "whole_number",
]

Rows = Iterator[tuple[int, list[str]]]
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def read_table(path: Path, *, known: Collection[str] = ()) -> tuple[list[str], Rows]:
    """The header and the rows of a CSV or XLSX file; ``known`` holds the folded column
    names (see :func:`meetlink.text.fold`) that decide a CSV's separator.

    Raises :class:`~meetlink.errors.InputError` for a file that is not UTF-8 or not a
    readable workbook. The caller checks that the file exists (it knows what to call it).
    """
    if path.suffix.lower() in XLSX_SUFFIXES:
        return _read_xlsx(path)
    text, advice = read_utf8(path.read_bytes())
    if text is None:
        raise InputError.single(str(path), advice)
    return _read_csv(text, known)


class Columns:
    """Which header cell holds each known column: ``index[column]`` and the header's own
    spelling ``title[column]`` (problems name a column as the file writes it)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.title: dict[str, str] = {}


def find_columns(
    shown: str, header: Sequence[str], keys: dict[str, str], problems: list[Problem]
) -> Columns:
    """Match header cells to columns by their fold (``keys``: folded alias → column); a
    column written twice is a problem at its header cell; unknown headers are ignored."""
    found = Columns()
    for number, title in enumerate(header):
        column = keys.get(fold(title))
        if column is None:
            continue
        if column in found.index:
            problems.append(
                Problem(
                    shown,
                    1,
                    nfc(title),
                    (f"this column repeats column '{found.title[column]}'; keep only one of them."),
                )
            )
            continue
        found.index[column], found.title[column] = number, nfc(title)
    return found


def _read_csv(text: str, known: Collection[str]) -> tuple[list[str], Rows]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text, known))
    header = next(reader, [])

    def rows() -> Rows:
        for record in reader:
            # line_num counts physical lines; a quoted cell may span several, so take the
            # line a spreadsheet shows this record starting on.
            yield reader.line_num - _extra_lines(record), record

    return header, rows()


def _delimiter(text: str, known: Collection[str]) -> str:
    """Only the header decides: csv.Sniffer guesses from the rows too, and a name holding
    ';' or quotes misleads it."""
    first = text.split("\n", 1)[0]

    def matches(delimiter: str) -> int:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        return sum(fold(cell) in known for cell in cells)

    return max(",;\t", key=matches)


def _extra_lines(record: Sequence[str]) -> int:
    return sum(cell.count("\n") for cell in record)


def _read_xlsx(path: Path) -> tuple[list[str], Rows]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the extra
        raise InputError.single(
            str(path), "reading XLSX needs openpyxl: run `pip install meetlink[xlsx]`."
        ) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            cells = [
                [cell_text(v) for v in row]
                for row in book.worksheets[0].iter_rows(values_only=True)
            ]
        finally:
            book.close()
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError.single(
            str(path), f"this is not a readable XLSX workbook ({type(exc).__name__})."
        ) from None
    header = cells[0] if cells else []
    return header, iter(list(enumerate(cells[1:], start=2)))


def cell_text(value: object) -> str:
    """A cell as text: empty for nothing, ``16`` for the float 16.0 a spreadsheet stores."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def spreadsheet_safe(value: Any) -> Any:
    """A cell to write, kept from being run as a formula (OWASP: formula injection).

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'``, so a spreadsheet shows it as text; other values are returned as they are.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("X1"), spreadsheet_safe(-3)
    ("'=HYPERLINK(1)", 'X1', -3)
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def whole_number(raw: str) -> int | None:
    """A cell read as a whole number (spaces allowed, ``16.0`` as a spreadsheet writes it),
    or None when it is not one.

    >>> whole_number(" 1 200 "), whole_number("16.0"), whole_number("mười")
    (1200, 16, None)
    """
    text = raw.replace(" ", "").replace("\u00a0", "")
    if text.endswith(".0"):
        text = text[:-2]
    try:
        return int(text)
    except ValueError:
        return None
