"""Mail headers in Vietnamese, encoded as RFC 2047 says, for every message meetlink sends
(invitations, hand-outs, notices, reminders). Pure, no I/O.

Written by hand because Python's :class:`email.header.Header` writes encoded words of 76
characters, one more than RFC 2047 §2 allows ("An 'encoded-word' may not be
more than 75 characters long"), and cuts them anywhere, "toàn Đ" | "ảng bộ". Here each
encoded word ends at a space where it can (the space inside it, so a reader that joins
adjacent encoded words, as RFC 2047 §6.2 says, keeps every space), holds whole UTF-8
characters, is at most 75 characters long, and every line is at most 76 (RFC 5322 asks 78;
76 is what the wire policy keeps every line to, bodies included, so the ``email`` package
never folds these again).

Example:
    >>> value = subject_header("Giấy mời: Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023")
    >>> [len(word) for word in value.split()]  # "… sinh hoạt toàn " | "Đảng bộ thị xã …"
    [64, 60]
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from email.utils import formataddr

__all__ = ["MAX_ENCODED_WORD", "MAX_LINE", "address_header", "subject_header"]

MAX_ENCODED_WORD = 75
"""RFC 2047 §2: the longest encoded word, delimiters included."""
MAX_LINE = 76
"""The longest line meetlink writes: within RFC 5322 §2.1.1's 78 for headers, and RFC 2045
§6.7's 76 for quoted-printable bodies (one limit for both, as the wire policy has one)."""
_CRLF = "\r\n"
_PREFIX, _SUFFIX = "=?utf-8?b?", "?="
_WRAPPING = len(_PREFIX) + len(_SUFFIX)


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
    room = min(MAX_ENCODED_WORD, MAX_LINE - used)
    whole = text.encode("utf-8")
    if _length(len(whole)) <= room:  # most names: one encoded word
        return [_encode(whole)]
    words: list[str] = []
    start = end = 0  # the chunk being filled: whole[start:end]
    for piece in whole.split(b" "):  # each word with the space after it (not the last)
        stop = min(end + len(piece) + 1, len(whole))
        if _length(stop - start) <= room:
            end = stop
            continue
        if end > start:
            words.append(_encode(whole[start:end]))
            start, room = end, MAX_ENCODED_WORD
            if _length(stop - start) <= room:
                end = stop
                continue
        for character in whole[end:stop].decode("utf-8"):  # a word too long: cut it
            size = len(character.encode("utf-8"))
            if end > start and _length(end + size - start) > room:
                words.append(_encode(whole[start:end]))
                start, room = end, MAX_ENCODED_WORD
            end += size
    if end > start:
        words.append(_encode(whole[start:end]))
    return words


def _length(size: int) -> int:
    """The length of an encoded word holding ``size`` bytes."""
    return _WRAPPING + 4 * ((size + 2) // 3)


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
