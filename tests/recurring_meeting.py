"""The year of monthly sittings the issue 16 tests share (imported by name:
``from tests.recurring_meeting import …``).

A party committee's first-Sunday sittings of 2024, twelve of them: February's is not held
and September's is moved a week later, to the afternoon. The hand-out and slip
(tests/credentials), the chat and SMS texts (tests/invites) and ``open`` with its calendars
(tests/reconcile) read the same meeting file.

Example:
    >>> "language: en" in year_meeting("en")
    True
"""

from __future__ import annotations

from typing import Any

from meetlink.planning import Plan, plan_meeting
from meetlink.reconcile.setup import load_meeting

__all__ = ["SKIPPED", "TWO_POINTS", "YEAR", "year_meeting", "year_plan"]

# The committee's hall and one cell's room, each with its technical officer.
TWO_POINTS = (
    "id,name,kind,members,location,officer_name,officer_email\n"
    "TU,Đảng bộ cơ quan Thị ủy,committee,30,Hội trường tầng 3,Ngô Văn An,ktv@thiuy.example.org\n"
    "CB01,Chi bộ cơ quan số 1,agency,20,Phòng họp số 1,Lê Văn Bình,ktv1@thiuy.example.org\n"
)
YEAR = """\
id: gio-sinh-hoat-2024
title: "Giờ sinh hoạt toàn Đảng bộ năm 2024"
organizer: {name: "Văn phòng Thị ủy", email: vp@thiuy.example.org}
kind: party_meeting
language: LANGUAGE
roster: roster.csv
tracks:
  - id: main
    platform: memory
    units: {kinds: [committee, agency]}
    sittings:
      - id: monthly
        start: 2024-01-07T08:00
        end: 2024-01-07T10:00
        recurrence: FREQ=MONTHLY;BYDAY=1SU;COUNT=12
        exceptions:
          2024-02-04: skip
          2024-09-01: {start: 2024-09-08T14:00, reason: trùng nghỉ lễ Quốc khánh}
"""
# February's line of the exceptions: a test adds another exception after it.
SKIPPED = "          2024-02-04: skip\n"


def year_meeting(language: str = "vi") -> str:
    """The meeting file's text, in the office's language (``vi``) or in English."""
    return YEAR.replace("LANGUAGE", language)


def year_plan(files: Any, language: str = "vi") -> Plan:
    """The year's plan for the two points of :data:`TWO_POINTS`, its files written with the
    ``files`` fixture (tests/conftest.py)."""
    files.roster_text(TWO_POINTS)
    loaded = load_meeting(files.meeting(year_meeting(language)))
    return plan_meeting(loaded.meeting, loaded.roster)
