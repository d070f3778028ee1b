"""Vietnamese text: NFC normalization and accent-insensitive matching keys.

Names are stored as the user wrote them, normalized to NFC. Header names, kinds and
yes/no values are matched by their *fold*: accents removed, đ → d, case folded, runs of
spaces, underscores and hyphens collapsed, so ``"Số đảng viên"``, ``"so dang vien"`` and
``"SO_DANG_VIEN"`` all match.

Example:
    >>> fold("Số  Đảng_viên")
    'so dang vien'
    >>> nfc("Nguye\\u0302\\u0303n") == "Nguyễn"
    True
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "nfc", "read_utf8"]

_SEPARATORS = re.compile(r"[\s_\-]+")
# Zero-width and bidi control characters sneak in from copy-pasted documents.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def nfc(text: str) -> str:
    """NFC-normalize, drop invisible control characters, strip surrounding space."""
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).strip()


def fold(text: str) -> str:
    """A matching key: no accents, đ → d, case folded, separators collapsed to one space."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", bare.casefold()).strip()


def read_utf8(data: bytes) -> tuple[str | None, str]:
    """Decode file bytes as UTF-8 (a BOM is allowed).

    Returns ``(text, "")`` on success, or ``(None, advice)`` where ``advice`` is a sentence
    that says where decoding failed and how to save the file as UTF-8.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, (
            "the file is UTF-16, not UTF-8; save it again as UTF-8 "
            '(in Excel: "Save As" → "CSV UTF-8 (Comma delimited)").'
        )
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, (
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); it looks like a "
            "legacy encoding such as Windows-1258 or TCVN3. Save it again as UTF-8 "
            '(in Excel: "Save As" → "CSV UTF-8 (Comma delimited)").'
        )
