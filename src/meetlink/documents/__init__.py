"""The office's own documents: the notice and its list of bridge points, slips, forms.

Each is written in the Party's document form (Hướng dẫn 36-HD/VPTW) as a DOCX the office
edits and signs, or as a print-ready XLSX.

Example:
    >>> from meetlink.documents import write_notice
    >>> write_notice(loaded, "thong-bao.docx")  # doctest: +SKIP
    PosixPath('thong-bao.docx')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meetlink.documents.notice import notice_document, write_notice
    from meetlink.documents.party_form import PartyDocument, TableColumn

__all__ = ["PartyDocument", "TableColumn", "notice_document", "write_notice"]

# Imported on first use (issue 19): the light modules here (when, held_dates) are read by
# every ``open`` and should not load python-docx with them.
_HOMES = {
    "PartyDocument": "meetlink.documents.party_form",
    "TableColumn": "meetlink.documents.party_form",
    "notice_document": "meetlink.documents.notice",
    "write_notice": "meetlink.documents.notice",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'meetlink.documents' has no attribute '{name}'")
    return getattr(importlib.import_module(home), name)
