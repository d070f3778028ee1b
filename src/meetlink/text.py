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

__all__ = [
    "control_character",
    "control_problem",
    "fold",
    "nfc",
    "read_utf8",
    "without_controls",
]

_SEPARATORS = re.compile(r"[\s_\-]+")
# Zero-width and bidi control characters sneak in from copy-pasted documents.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# C0 controls (tab and line breaks too), DEL and C1 controls: a bell, an escape sequence or a
# NUL breaks an invitation's calendar (a parameter cannot hold one), an e-mail header, a file
# name or the terminal that shows a plan; no name or place needs one.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
    "\x00": "a NUL character",
    "\x1b": "an escape character",
    "\x7f": "a DEL character",
}


def nfc(text: str) -> str:
    """NFC-normalize, drop invisible control characters, strip surrounding space."""
    if text.isascii():  # most ids, numbers and addresses: NFC already, nothing invisible
        return text.strip()
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).strip()


def fold(text: str) -> str:
    """A matching key: no accents, đ → d, case folded, separators collapsed to one space."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", bare.casefold()).strip()


def control_character(text: str, *, allow: str = "") -> int | None:
    """The position of the first control character in ``text`` (C0, DEL or C1; a tab and a
    line break count too), None when there is none. ``allow`` lists characters let through.

    >>> control_character("Xã Hòa\\x07Phong"), control_character("Thôn 2")
    (6, None)
    >>> control_character("a\\nb"), control_character("a\\nb", allow="\\n")
    (1, None)
    """
    for found in _CONTROL.finditer(text):
        if found.group() not in allow:
            return found.start()
    return None


def control_problem(text: str, *, allow: str = "") -> str | None:
    """A sentence for the first control character in ``text``, or None when it has none.

    The sentence names the character and its position, never the text: the same rule
    serves cells that may hold a password (a provider's account sheet).

    >>> control_problem("Xã\\x1b[31m").split(",")[0]
    'holds an escape character (U+001B) at character 3'
    """
    position = control_character(text, allow=allow)
    if position is None:
        return None
    char = text[position]
    name = _CONTROL_NAMES.get(char, "a control character")
    fix = "write it on one line" if char in "\n\r" else "delete it (it may be invisible)"
    return (
        f"holds {name} (U+{ord(char):04X}) at character {position + 1}, which would break "
        f"invitations and the terminal; {fix}."
    )


def without_controls(text: str) -> str:
    """``text`` with every control character taken out (to quote it safely once refused).

    >>> without_controls("Xã\\x1b[31m Hòa")
    'Xã[31m Hòa'
    """
    return _CONTROL.sub("", text)


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
    order = _utf16_without_bom(data)
    if order:
        return None, (
            f"the file is UTF-16 ({order}, without a byte-order mark), not UTF-8; save it "
            'again as UTF-8 (in Excel: "Save As" → "CSV UTF-8 (Comma delimited)").'
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


def _utf16_without_bom(data: bytes) -> str:
    """``little-endian`` or ``big-endian`` when the bytes look like UTF-16 without a BOM.

    Text saved as UTF-16 has a NUL byte beside every ASCII letter, digit, comma and space:
    at the odd positions (little-endian) or the even ones (big-endian). UTF-8 text has none.
    Only the first 4 KB are looked at.
    """
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return ""
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd >= pairs // 4 and even <= odd // 8:
        return "little-endian"
    if even >= pairs // 4 and odd <= even // 8:
        return "big-endian"
    return ""
