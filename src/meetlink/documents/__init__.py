"""The office's own documents: the notice and its list of bridge points, slips, forms.

Each is written in the Party's document form (Hướng dẫn 36-HD/VPTW) as a DOCX the office
edits and signs, or as a print-ready XLSX.
"""

from __future__ import annotations

__all__: list[str] = []
