"""The office's own documents: the notice and its list of bridge points, slips, forms.

Each is written in the Party's document form (Hướng dẫn 36-HD/VPTW) as a DOCX the office
edits and signs, or as a print-ready XLSX.

Example:
    >>> from meetlink.documents import write_notice
    >>> write_notice(loaded, "thong-bao.docx")  # doctest: +SKIP
    PosixPath('thong-bao.docx')
"""

from __future__ import annotations

from meetlink.documents.notice import notice_document, write_notice
from meetlink.documents.party_form import PartyDocument, TableColumn

__all__ = ["PartyDocument", "TableColumn", "notice_document", "write_notice"]
