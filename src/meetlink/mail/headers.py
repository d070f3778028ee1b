"""Mail headers in Vietnamese, encoded as RFC 2047 says, for every message meetlink sends
(invitations, hand-outs, notices, reminders). Pure, no I/O.

Written by hand because Python's :class:`email.header.Header` writes encoded words of 76
characters, one more than RFC 2047 §2 allows ("An 'encoded-word' may not be
more than 75 characters long"), and cuts them anywhere, "toàn Đ" | "ảng bộ". Here each
encoded word ends at a space where it can (the space inside it, so a reader that joins
adjacent encoded words, as RFC 2047 §6.2 says, keeps every space), holds whole UTF-8
characters, is at most 75 characters long, and every line is at most 78.

Example:
    >>> value = subject_header("Giấy mời: Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023")
    >>> [len(word) for word in value.split()]  # "… sinh hoạt toàn " | "Đảng bộ thị xã …"
    [64, 60]
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from email.utils import formataddr

__all__ = ["MAX_ENCODED_WORD", "MAX_LINE", "address_header", "subject_header"]

MAX_ENCODED_WORD = 75
"""RFC 2047 §2: the longest encoded word, delimiters included."""
MAX_LINE = 78
"""RFC 5322 §2.1.1: the longest line a header should have."""
_CRLF = "\r\n"
_PREFIX, _SUFFIX = "=?utf-8?b?", "?="


def subject_header(text: str, name: str = "Subject") -> str:
    """The value of a text header (``Subject``): plain ASCII folded at spaces, or encoded
    words; line breaks in ``text`` become spaces."""
    text = " ".join(text.split())
    if text.isascii() and "=?" not in text and max(map(len, text.split(" ")), default=0) < 70:
        return _fold_plain(text, len(name) + 2)
    return f"{_CRLF} ".join(_encoded_words(text, len(name) + 2))


def address_header(name: str, people: Sequence[tuple[str, str]]) -> str:
    """The value of an address header (``From``, ``To``): each address on its own line,
    a display name in Vietnamese as encoded words before it.

    >>> address_header("To", [("", "a@x.example"), ("Văn phòng", "b@x.example")])
    'a@x.example,\\r\\n =?utf-8?b?VsSDbiBwaMOybmc=?=\\r\\n <b@x.example>'
    """
    shown = []
    for number, (display, address) in enumerate(people):
        display = " ".join(display.split())  # no CR/LF can reach the header
        used = len(name) + 2 if number == 0 else 1
        if not display:
            shown.append(address)
        elif display.isascii() and "=?" not in display:
            shown.append(formataddr((display, address)))
        else:
            words = f"{_CRLF} ".join(_encoded_words(display, used))
            shown.append(f"{words}{_CRLF} <{address}>")
    return f",{_CRLF} ".join(shown)


def _encoded_words(text: str, used: int) -> list[str]:
    """``text`` as encoded words, the first fitting after ``used`` characters of its line;
    a word longer than one encoded word is cut between two characters."""
    words: list[str] = []
    room = min(MAX_ENCODED_WORD, MAX_LINE - used)
    chunk = b""
    for piece in _pieces(text):
        if _length(chunk + piece) <= room:
            chunk += piece
            continue
        if chunk:
            words.append(_encode(chunk))
            chunk, room = b"", MAX_ENCODED_WORD
            if _length(piece) <= room:
                chunk = piece
                continue
        for character in piece.decode("utf-8"):
            encoded = character.encode("utf-8")
            if chunk and _length(chunk + encoded) > room:
                words.append(_encode(chunk))
                chunk, room = b"", MAX_ENCODED_WORD
            chunk += encoded
    if chunk:
        words.append(_encode(chunk))
    return words


def _pieces(text: str) -> Iterator[bytes]:
    """Each word with the space after it, as UTF-8."""
    words = text.split(" ")
    for number, word in enumerate(words):
        yield (word if number == len(words) - 1 else word + " ").encode("utf-8")


def _length(data: bytes) -> int:
    return len(_PREFIX) + len(_SUFFIX) + 4 * ((len(data) + 2) // 3)


def _encode(data: bytes) -> str:
    return _PREFIX + base64.b64encode(data).decode("ascii") + _SUFFIX


def _fold_plain(text: str, used: int) -> str:
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        width = MAX_LINE - (used if not lines else 1)
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return f"{_CRLF} ".join(lines)
