"""RFC 5545 content lines, written by hand for meetlink's fixed set of properties. Pure.

icalendar builds a tree of property objects and walks it again to write it: about two thirds
of the time of an invitation went there (docs/decisions.md, "A hand-written iCalendar
writer"). meetlink writes the same dozen properties every time, so it writes them directly:

* TEXT values escaped as RFC 5545 §3.3.11 says (``\\`` ``;`` ``,`` and line breaks);
* parameter values quoted unless they are plain letters, digits, ``.``, ``_`` and ``-``;
  a double quote or a line break inside one written as RFC 6868 says (``^'``, ``^n``,
  ``^^``), a backslash as ``/`` (RFC 5545 has no escapes there, but icalendar and others
  read ``\\:`` or ``\\,`` in a name as an escape: a name is never worth a misread);
* every line folded at 75 octets (§3.1), never inside a UTF-8 character, and ended by CRLF.

The tests read what is written here back with icalendar, vobject and a strict line checker
(tests/invites/test_content_lines.py).

Example:
    >>> fold("DESCRIPTION:" + text("Họp, bàn; kết\\nhết")).decode()
    'DESCRIPTION:Họp\\\\, bàn\\\\; kết\\\\nhết\\r\\n'
    >>> param("CN", "Văn phòng Thị ủy")
    ';CN="Văn phòng Thị ủy"'
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["MAX_OCTETS", "duration", "fold", "local_time", "param", "text", "utc_time"]

MAX_OCTETS = 75
"""RFC 5545 §3.1: the longest line, in octets, without its CRLF."""
_BARE = re.compile(r"[A-Za-z0-9._-]*")  # written as it is; anything else is quoted


def text(value: str) -> str:
    """A TEXT value, escaped (RFC 5545 §3.3.11); CRLF and CR are line breaks too.

    >>> text("a,b;c\\\\d\\r\\ne")
    'a\\\\,b\\\\;c\\\\\\\\d\\\\ne'
    """
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    # Chained replaces: str.translate is ten times slower on Vietnamese text.
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def param(name: str, value: str) -> str:
    """``;NAME=value``, the value quoted when it must be (RFC 5545 §3.2, RFC 6868).

    >>> param("ROLE", "REQ-PARTICIPANT"), param("SENT-BY", "mailto:a@x.example")
    (';ROLE=REQ-PARTICIPANT', ';SENT-BY="mailto:a@x.example"')
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("^", "^^").replace("\n", "^n").replace('"', "^'").replace("\\", "/")
    if _BARE.fullmatch(value):
        return f";{name}={value}"
    return f';{name}="{value}"'


def local_time(moment: dt.datetime) -> str:
    """A DATE-TIME as its wall-clock time (``20260104T080000``), for a ``TZID`` parameter.

    >>> local_time(dt.datetime(2026, 1, 4, 8, 0))
    '20260104T080000'
    """
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
        f"T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"
    )


def utc_time(moment: dt.datetime) -> str:
    """An aware DATE-TIME in UTC (``20260101T000000Z``).

    >>> utc_time(dt.datetime(2026, 1, 1, 7, tzinfo=dt.timezone(dt.timedelta(hours=7))))
    '20260101T000000Z'
    """
    return local_time(moment.astimezone(dt.UTC)) + "Z"


def duration(delta: dt.timedelta) -> str:
    """A DURATION (RFC 5545 §3.3.6), e.g. a VALARM's TRIGGER.

    >>> duration(dt.timedelta(minutes=-15)), duration(dt.timedelta(days=1, seconds=30))
    ('-PT15M', 'P1DT30S')
    """
    sign = "-" if delta < dt.timedelta(0) else ""
    seconds = int(abs(delta).total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days and not (hours or minutes or seconds):
        return f"{sign}P{days}D"
    clock = "".join(
        f"{amount}{unit}"
        for amount, unit in ((hours, "H"), (minutes, "M"), (seconds, "S"))
        if amount
    )
    return f"{sign}P{f'{days}D' if days else ''}T{clock or '0S'}"


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded at 75 octets without splitting a character, with
    its CRLF (continuation lines start with a space, so they hold 74 octets more).

    >>> fold("X:" + "ả" * 30).split(b"\\r\\n")[1][:1]
    b' '
    """
    data = line.encode("utf-8")
    if len(data) <= MAX_OCTETS:
        return data + b"\r\n"
    pieces: list[bytes] = []
    start, limit = 0, MAX_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        pieces.append(data[start:end])
        start, limit = end, MAX_OCTETS - 1
    pieces.append(data[start:])
    return b"\r\n ".join(pieces) + b"\r\n"
