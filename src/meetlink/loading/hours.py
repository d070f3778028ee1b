"""A party cell's own hour (giờ sinh hoạt), as an office writes it in a roster or a form.

Example:
    >>> read_hour("19h30"), read_hour("7 giờ"), read_hour("25:00")
    (datetime.time(19, 30), datetime.time(7, 0), None)
    >>> cell_hour("tối thứ năm", is_cell=True)
    (None, "'tối thứ năm' is not an hour of the day; write it as 19:30.")
"""

from __future__ import annotations

import datetime as dt
import re

from meetlink.text import nfc

__all__ = ["cell_hour", "read_hour"]

_HOUR = re.compile(r"^(\d{1,2})\s*(?::|h|g|giờ)\s*(\d{2})?(?::00)?\s*(?:phút)?$", re.IGNORECASE)


def read_hour(text: str) -> dt.time | None:
    """An hour of the day (``19:30``, ``19h30``, ``19 giờ 30``, ``7h``, or a spreadsheet's
    ``19:30:00``); None when it is not one."""
    found = _HOUR.match(nfc(text).strip())
    if found is None:
        return None
    hour, minute = int(found[1]), int(found[2] or 0)
    return dt.time(hour, minute) if hour < 24 and minute < 60 else None


def cell_hour(raw: str, *, is_cell: bool) -> tuple[dt.time | None, str]:
    """A roster cell's hour and, when it is wrong, the sentence that says so: only a party
    cell's row (kind ``cell``) meets at an hour of its own."""
    hour = read_hour(raw)
    if hour is None:
        return None, f"'{raw}' is not an hour of the day; write it as 19:30."
    if not is_cell:
        return hour, (
            "only a party cell (kind cell, tổ đảng) meets at an hour of its own; other units "
            "meet at their track's sittings. Leave the cell empty, or change the sitting's time "
            "in the meeting file."
        )
    return hour, ""
