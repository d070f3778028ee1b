"""The one spreadsheet-safety rule: escaped on write, unescaped by the one table reader."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetlink.loading.sheets import (
    FORMULA_LEADS,
    append_safe_row,
    read_table,
    spreadsheet_safe,
    spreadsheet_unescape,
)

# What matters at a cell's start (the leads, the quote), and what keeps it a cell of its own.
TEXT = st.text(alphabet="=+-@'\t\r\n\";, aX1đ", min_size=1, max_size=12)


def write_csv(path: Path, rows: list[list[str]]) -> None:
    """A CSV as meetlink's writers make one: UTF-8 with a BOM, CRLF, every cell made safe."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [[spreadsheet_safe(v) for v in row] for row in rows]
    )
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8", newline="")


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    book = openpyxl.Workbook()
    for row in rows:
        append_safe_row(book.worksheets[0], row)
    book.save(path)


def table(path: Path) -> list[list[str]]:
    header, rows = read_table(path)
    return [header, *(cells for _, cells in rows)]


@pytest.mark.parametrize("lead", FORMULA_LEADS)
def test_a_formula_lead_gets_a_quote_and_loses_it_again(lead: str) -> None:
    assert spreadsheet_safe(f"{lead}X1") == f"'{lead}X1"
    assert spreadsheet_unescape(f"'{lead}X1") == f"{lead}X1"


def test_text_that_starts_no_formula_is_left_alone() -> None:
    for text in ("X1", "'X1", "a=b", "", "Đảng bộ"):
        assert spreadsheet_safe(text) == spreadsheet_unescape(text) == text
    assert spreadsheet_safe(-3) == -3  # a number stays a number
    assert spreadsheet_safe("=a\0b") == "'=ab"  # NUL is dropped


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_every_text_reads_back_from_a_csv_meetlink_writes(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    write_csv(path, [["code", "note"], [text, "x"]])

    assert table(path) == [["code", "note"], [text, "x"]]


@settings(max_examples=100, deadline=None)
@given(TEXT.filter(lambda t: "\r" not in t))  # XML reads a carriage return as a line feed
def test_every_text_reads_back_from_an_xlsx_meetlink_writes(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("xlsx") / "t.xlsx"
    write_xlsx(path, [["code", "note"], [text, "x"]])

    assert table(path) == [["code", "note"], [text, "x"]]
    cell = openpyxl.load_workbook(path).worksheets[0]["A2"]
    assert cell.data_type == "s"  # never a formula


def test_a_cell_a_person_typed_with_a_quote_reads_as_a_spreadsheet_shows_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("code,members\n'-X1,'+30\n", encoding="utf-8")

    assert table(path) == [["code", "members"], ["-X1", "+30"]]
