"""Reading a DOCX back as its reader would: every paragraph's text (tables and page headers
too), every run, every table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run


def open_docx(path: Path) -> Document:
    return docx.Document(str(path))


def _table_paragraphs(table: Table) -> Iterator[Paragraph]:
    for row in table.rows:
        for cell in row.cells:
            yield from cell.paragraphs
            for inner in cell.tables:
                yield from _table_paragraphs(inner)


def paragraphs(document: Document) -> Iterator[Paragraph]:
    """Every paragraph: the body, the tables' cells, the page headers and footers."""
    yield from document.paragraphs
    for table in document.tables:
        yield from _table_paragraphs(table)
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.footer):
            if not part.is_linked_to_previous:
                yield from part.paragraphs


def texts(document: Document) -> list[str]:
    return [p.text for p in paragraphs(document)]


def full_text(document: Document) -> str:
    return "\n".join(texts(document))


def runs(document: Document) -> Iterator[Run]:
    for paragraph in paragraphs(document):
        yield from paragraph.runs


def east_asian_font(run: Run) -> str | None:
    properties = run._r.rPr
    if properties is None or properties.rFonts is None:
        return None
    value = properties.rFonts.get(qn("w:eastAsia"))
    return str(value) if value is not None else None


def table_rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]
