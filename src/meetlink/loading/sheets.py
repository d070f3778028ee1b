"""Tables that people make: a CSV or the first sheet of an XLSX workbook.

Rosters, the provider's account sheets and roll calls are all read here. A CSV must be UTF-8
(a BOM is fine; anything else is refused with how to save it again); its separator is the
one (comma, semicolon or tab — Excel writes ';' in some locales) that splits the header
into the most known column names, commas on a tie. Each row comes with the row number a
spreadsheet shows (the header is row 1), so a problem can point at it.

One rule keeps a written cell from being run as a formula (OWASP: formula injection), and
every table meetlink writes reads back unchanged: text that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (:data:`FORMULA_LEADS`) gets a leading ``'`` in a CSV
(:func:`spreadsheet_safe`), and is stored as text with Excel's own quote prefix in an XLSX
(:func:`append_safe_row`); NUL characters are dropped. :func:`read_table` takes that ``'``
off again (:func:`spreadsheet_unescape`) in every cell of every table it reads: rosters,
account sheets, roll calls, and the account lists meetlink writes for the provider.

A sheet made to be printed (:mod:`meetlink.loading.printed`) has title rows above its
header: :func:`read_titled_table` finds the header below them, and every row keeps the
number the spreadsheet shows.

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
import functools
import io
import zipfile
from collections.abc import Collection, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from meetlink.errors import InputError, Problem
from meetlink.text import control_character, control_problem, fold, nfc, read_utf8, without_controls

__all__ = [
    "FORMULA_LEADS",
    "XLSX_SUFFIXES",
    "Columns",
    "Rows",
    "append_safe_row",
    "cell_text",
    "control_problems",
    "find_columns",
    "folded",
    "read_table",
    "read_titled_table",
    "spreadsheet_safe",
    "spreadsheet_unescape",
    "whole_number",
]

Rows = Iterator[tuple[int, list[str]]]
XLSX_SUFFIXES = (".xlsx", ".xlsm")
TITLE_ROWS = 10
"""How far down :func:`read_titled_table` looks for the header (title rows sit above it)."""
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP ASVS 1.2.10)."""


def read_table(
    path: Path, *, known: Collection[str] = (), data: bytes | None = None
) -> tuple[list[str], Rows]:
    """The header and the rows of a CSV or XLSX file; ``known`` holds the folded column
    names (see :func:`meetlink.text.fold`) that decide a CSV's separator. ``data``: the
    file's bytes, already read by the caller (the roster's digest is of the bytes parsed).

    Every cell comes back as meetlink wrote it: the ``'`` that :func:`spreadsheet_safe`
    puts before a formula's first character is taken off (:func:`spreadsheet_unescape`).

    Raises :class:`~meetlink.errors.InputError` for a file that is not UTF-8 or not a
    readable workbook; the rows raise it, at the row, for a CSV cell over the csv module's
    field limit or a quote never closed. The caller checks that the file exists (it knows
    what to call it).
    """
    _, header, rows = _read(path, known, 1, data)
    return header, rows


def read_titled_table(path: Path, *, known: Collection[str]) -> tuple[int, list[str], Rows]:
    """Like :func:`read_table`, for a sheet that may have title rows above its header: the
    header is the first of the first :data:`TITLE_ROWS` rows that holds two known column
    names (row 1 when none does), and its number comes first.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text("PHIẾU ĐIỂM DANH\\n\\nmã;số có mặt\\nX1;30\\n", encoding="utf-8")
    >>> row, header, rows = read_titled_table(path, known={"ma", "so co mat"})
    >>> row, header, list(rows)
    (3, ['mã', 'số có mặt'], [(4, ['X1', '30'])])
    """
    return _read(path, known, TITLE_ROWS)


def _read(
    path: Path, known: Collection[str], search: int, data: bytes | None = None
) -> tuple[int, list[str], Rows]:
    if path.suffix.lower() in XLSX_SUFFIXES:
        at, header, rows = _read_xlsx(path, known, search, data)
    else:
        text, advice = read_utf8(path.read_bytes() if data is None else data)
        if text is None:
            raise InputError.single(str(path), advice)
        at, header, rows = _read_csv(text, known, str(path), search)
    return at, _unescaped(header), ((number, _unescaped(cells)) for number, cells in rows)


def _header_index(candidates: Sequence[Sequence[str]], known: Collection[str]) -> int:
    """The first candidate row holding two known column names; the first row when none does."""
    for index, cells in enumerate(candidates):
        if sum(fold(cell) in known for cell in cells) >= 2:
            return index
    return 0


def _unescaped(cells: list[str]) -> list[str]:
    return [spreadsheet_unescape(cell) for cell in cells]


class Columns:
    """Which header cell holds each known column: ``index[column]`` and the header's own
    spelling ``title[column]`` (problems name a column as the file writes it)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.title: dict[str, str] = {}


def find_columns(
    shown: str,
    header: Sequence[str],
    keys: dict[str, str],
    problems: list[Problem],
    *,
    row: int = 1,
) -> Columns:
    """Match header cells to columns by their fold (``keys``: folded alias → column); a
    column written twice is a problem at its header cell (the header is on ``row``);
    unknown headers are ignored."""
    found = Columns()
    for number, title in enumerate(header):
        column = keys.get(fold(title))
        if column is None:
            continue
        if column in found.index:
            problems.append(
                Problem(
                    shown,
                    row,
                    nfc(title),
                    (f"this column repeats column '{found.title[column]}'; keep only one of them."),
                )
            )
            continue
        found.index[column], found.title[column] = number, nfc(title)
    return found


def _read_csv(
    text: str, known: Collection[str], shown: str, search: int
) -> tuple[int, list[str], Rows]:
    skip = 0
    if search > 1:  # title lines above the header: each line cut by its best separator
        first = text.split("\n", search)[:search]
        skip = _header_index([_cells(line, _delimiter(line, known)) for line in first], known)
        text = text.split("\n", skip)[skip] if skip else text
    lines = _Lines(text)
    delimiter = _delimiter(text, known)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise _csv_problem(shown, skip + 1, exc) from None
    if _unclosed_quote(lines.take(), delimiter):
        raise _unclosed_problem(shown, skip + 1, header, header)

    def rows() -> Rows:
        # A record starts on the line after the previous one ended: a quoted cell may span
        # several lines, and a problem names the line a spreadsheet shows the record on.
        start = skip + reader.line_num + 1
        last: tuple[int, list[str]] | None = None
        raw: list[str] = []
        try:
            for record in reader:
                if last is not None:
                    yield last
                last, raw = (start, record), lines.take()
                start = skip + reader.line_num + 1
        except csv.Error as exc:
            raise _csv_problem(shown, start, exc) from None
        if last is not None:
            # An unclosed quote swallows every line to the end into one cell of the last
            # record: name the row where it opens, not a confusing problem further on.
            if _unclosed_quote(raw, delimiter):
                raise _unclosed_problem(shown, last[0], last[1], header)
            yield last

    return skip + 1, header, rows()


def _cells(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # a line over the field limit: not a header
        return []


class _Lines:
    """The lines of a text for csv.reader, keeping those of the record being read."""

    def __init__(self, text: str) -> None:
        self._stream = io.StringIO(text, newline="")
        self._taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._stream.readline()
        if not line:
            raise StopIteration
        self._taken.append(line)
        return line

    def take(self) -> list[str]:
        """The lines read since the last call."""
        taken, self._taken = self._taken, []
        return taken


def _unclosed_quote(raw: list[str], delimiter: str) -> bool:
    if not raw or '"' not in raw[0]:
        return False
    try:
        list(csv.reader(raw, delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _unclosed_problem(
    shown: str, row: int, record: Sequence[str], header: Sequence[str]
) -> InputError:
    """The quote opens the record's last cell: name its column (as the header writes it)."""
    column = len(record) - 1
    title = nfc(header[column]) if 0 <= column < len(header) else ""
    return InputError.single(
        shown,
        'a quote (") opens this cell and is never closed, so every line after it would be '
        "read as this one cell; close the quote or delete it.",
        where=row,
        what=title or f"column {column + 1}",
    )


def _csv_problem(shown: str, row: int, exc: csv.Error) -> InputError:
    if "field larger than field limit" in str(exc):
        message = (
            f"a cell starting on this row is longer than {csv.field_size_limit():,} characters; "
            'a quote (") that opens a cell and is never closed often causes this: close it, '
            "or shorten the cell."
        )
    else:
        message = f"this row cannot be read as CSV ({exc}); save the file again from a spreadsheet."
    return InputError.single(shown, message, where=row)


def _delimiter(text: str, known: Collection[str]) -> str:
    """Only the header decides: csv.Sniffer guesses from the rows too, and a name holding
    ';' or quotes misleads it."""
    first = text.split("\n", 1)[0]

    def matches(delimiter: str) -> int:
        try:
            cells = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:  # a header cell over the field limit: reported when read
            return 0
        return sum(fold(cell) in known for cell in cells)

    return max(",;\t", key=matches)


# A workbook is a zip; one that expands to more than this many times its size, past the floor,
# is not a sheet a person made (a "zip bomb"): it is refused before openpyxl reads it. (Real
# workbooks expand 5 to 20 times.)
_MAX_EXPANSION, _EXPANSION_FLOOR = 100, 1024 * 1024


def _read_xlsx(
    path: Path, known: Collection[str], search: int, data: bytes | None = None
) -> tuple[int, list[str], Rows]:
    """The first sheet, read in openpyxl's streaming mode with the work bounded by the
    cells the file really holds, not by the size it declares; the header is the first row,
    or the first of ``search`` rows that :func:`_header_index` chooses.

    The declared dimension is ignored (a 5 KB file may claim A1:XFD1048576), rows are read
    only up to the last column the header names, blank rows are dropped as they stream by.
    """
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the extra
        raise InputError.single(
            str(path), "reading XLSX needs openpyxl: run `pip install meetlink[xlsx]`."
        ) from None
    source: Path | io.BytesIO = path if data is None else io.BytesIO(data)
    _check_expansion(path, source)
    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # stop at the real data, whatever the file declares
            top = [
                [cell_text(v) for v in values]
                for values in sheet.iter_rows(min_row=1, max_row=search, values_only=True)
            ]
            at = _header_index(top, known) + 1 if search > 1 else 1
            header = top[at - 1] if len(top) >= at else []
            while header and not header[-1].strip():
                header.pop()
            wanted = [i for i, title in enumerate(header) if fold(title) in known]
            width = (max(wanted) + 1 if wanted else len(header)) or 1
            header = header[:width]
            blank = (None,) * width
            rows: list[tuple[int, list[str]]] = []
            number = at
            # a header without a column the caller knows is refused as it is: skip the rows
            stop = at if known and not wanted else None
            for values in sheet.iter_rows(
                min_row=at + 1, max_row=stop, max_col=width, values_only=True
            ):
                number += 1
                if values == blank or values == ():  # most of a sparse sheet: nothing made
                    continue
                rows.append((number, [cell_text(v) for v in values]))
        finally:
            book.close()
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError.single(
            str(path), f"this is not a readable XLSX workbook ({type(exc).__name__})."
        ) from None
    return at, header, iter(rows)


def _check_expansion(path: Path, source: Path | io.BytesIO) -> None:
    size = path.stat().st_size if isinstance(source, Path) else len(source.getbuffer())
    try:
        with zipfile.ZipFile(source) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl says it is not a workbook
    if expanded > max(_EXPANSION_FLOOR, _MAX_EXPANSION * size):
        raise InputError.single(
            str(path),
            f"this workbook of {size:,} bytes would expand to {expanded:,} bytes when read; "
            "a sheet a person made does not (open it in a spreadsheet and save it again).",
        )


def control_problems(
    shown: str,
    number: int,
    cells: MutableMapping[str, str],
    titles: Mapping[str, str],
    *,
    allow: Mapping[str, str] | None = None,
) -> list[Problem]:
    """A problem for every cell (canonical column → text) holding a control character, at
    ``FILE:ROW:COLUMN``. The message never quotes the cell (it may be a password), and the
    characters are taken out of ``cells``, so the row's other problems can be told without
    sending them to the terminal.

    Only the cells meetlink reads are given: a column it ignores (notes, ``STT``) never
    reaches an invitation or a terminal. ``allow`` names the characters a column may hold
    all the same (a roll call's names, one per line: ``{"names": "\\n"}``).

    >>> cells = {"name": "Xã\\x07", "names": "An\\nBình"}
    >>> titles = {"name": "tên", "names": "họ tên"}
    >>> problems = control_problems("r.csv", 3, cells, titles, allow={"names": "\\n"})
    >>> [str(p)[:47] for p in problems], cells
    (['r.csv:3:tên: holds a control character (U+0007)'], {'name': 'Xã', 'names': 'An\\nBình'})
    """
    if control_character("".join(cells.values())) is None:
        return []  # the usual row: one scan of all its cells (issue 19)
    problems = []
    for column, text in cells.items():
        message = control_problem(text, allow=(allow or {}).get(column, ""))
        if message is not None:
            problems.append(Problem(shown, number, titles.get(column, column), message))
            cells[column] = without_controls(text)
    return problems


@functools.lru_cache(maxsize=512)
def folded(text: str) -> str:
    """:func:`~meetlink.text.fold` of a word a sheet repeats on every row (a kind, a yes or
    no): folded once (issue 19).

    >>> folded("Thôn"), folded("  Có ")
    ('thon', 'co')
    """
    return fold(text)


def cell_text(value: object) -> str:
    """A cell as text: empty for nothing, ``16`` for the float 16.0 a spreadsheet stores."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_formula(text: str) -> bool:
    """Whether ``text``, past any ``'`` it starts with, starts like a formula."""
    return text.lstrip("'")[:1] in FORMULA_LEADS


def spreadsheet_safe(value: Any) -> Any:
    """A cell to write to a CSV, kept from being run as a formula (OWASP: formula injection).

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'``, so a spreadsheet shows it as text; so does text that starts with ``'`` before one
    of them, so that :func:`spreadsheet_unescape` gives every text back as it was. NUL
    characters are dropped. Other values are returned as they are.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("X1"), spreadsheet_safe(-3)
    ("'=HYPERLINK(1)", 'X1', -3)
    >>> spreadsheet_unescape(spreadsheet_safe("'=x")), spreadsheet_safe("a\\x00b")
    ("'=x", 'ab')
    """
    if not isinstance(value, str):
        return value
    text = value.replace("\0", "")
    return "'" + text if _is_formula(text) else text


def spreadsheet_unescape(cell: str) -> str:
    """Undo :func:`spreadsheet_safe`: a ``'`` before a formula's first character comes off.

    A spreadsheet hides that ``'`` too, so a cell a person typed as ``'-5`` reads as ``-5``.

    >>> spreadsheet_unescape("'=HYPERLINK(1)"), spreadsheet_unescape("'X1")
    ('=HYPERLINK(1)', "'X1")
    """
    return cell[1:] if cell.startswith("'") and _is_formula(cell) else cell


def append_safe_row(sheet: Any, values: Sequence[Any]) -> None:
    """Append a row to an openpyxl worksheet, no text cell of it a formula.

    openpyxl stores text starting with ``=`` as a formula: such text (and text starting
    with ``+``, ``-``, ``@``, a tab or a carriage return, which a spreadsheet reads as a
    formula once the cell is edited) is written as a text cell with the quote prefix, as
    Excel stores a cell typed with a leading ``'``: shown as written, read back as written.
    NUL characters are dropped, as in :func:`spreadsheet_safe`.

    >>> import openpyxl
    >>> sheet = openpyxl.Workbook().active
    >>> append_safe_row(sheet, ["=X1", "X2", 3])
    >>> [(c.value, c.data_type, c.quotePrefix) for c in sheet[1]]
    [('=X1', 's', True), ('X2', 's', False), (3, 'n', False)]
    """
    from openpyxl.cell.cell import WriteOnlyCell

    row: list[Any] = []
    for value in values:
        cell = spreadsheet_safe(value)
        if isinstance(cell, str) and cell[:1] == "'" and cell[1:2] in FORMULA_LEADS:
            # starts like a formula: the text itself, as text with the quote prefix (a text
            # that starts with "'" before such a character keeps its escape, and read_table
            # takes that off)
            cell = WriteOnlyCell(sheet, value=cell[1:])  # a cell not yet in a row
            cell.data_type = "s"
            cell.quotePrefix = True
        row.append(cell)
    sheet.append(row)


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
