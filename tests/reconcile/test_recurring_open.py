"""Issue 16: `open` on a year of monthly sittings at 28 bridge points (seed 003).

The first open sends each point the series with its exceptions (one REQUEST, the moved
occurrence an override in it); a re-run sends nothing; an occurrence skipped after the
invitations went out sends each point one CANCEL with RECURRENCE-ID for that occurrence and
nothing else; moving one more occurrence later sends the series again as an update.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from tests.recurring_meeting import SKIPPED, year_meeting

Meeting = Any  # tests/reconcile/conftest.py's Meeting: a folder, its ledger and its outbox

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
HEADER = (
    "mã,tên tổ chức đảng,loại,số đảng viên,địa điểm,cán bộ kỹ thuật,email,email nhận giấy mời\n"
)
ROSTER = HEADER + (
    "TU,Đảng bộ cơ quan Thị ủy,committee,30,Hội trường tầng 3,"
    "Ngô Văn An,ktv.tu@thiuy.example.org,tu@thiuy.example.org\n"
)
ROSTER += "".join(
    f"CB{n:02d},Chi bộ cơ quan số {n},agency,20,Phòng họp số {n},"
    f"Kỹ thuật viên {n},ktv{n:02d}@thiuy.example.org,cb{n:02d}@thiuy.example.org\n"
    for n in range(1, 28)
)


@pytest.fixture
def year(meeting: Meeting) -> Meeting:
    meeting.write(year_meeting(), ROSTER)
    return meeting


def snapshot(outbox: Path) -> set[str]:
    return {p.name for p in outbox.iterdir()}


def calendars(outbox: Path, names: set[str]) -> list[icalendar.Calendar]:
    return [
        icalendar.Calendar.from_ical((outbox / n).read_bytes())
        for n in sorted(names)
        if n.endswith(".ics")
    ]


def recipients(outbox: Path, names: set[str]) -> list[str]:
    out = []
    for name in sorted(n for n in names if n.endswith(".eml")):
        message = email.message_from_bytes(
            (outbox / name).read_bytes(), policy=email.policy.default
        )
        out.extend(a.addr_spec for a in message["To"].addresses)
    return out


def starts(calendar: icalendar.Calendar) -> list[dt.date]:
    events = recurring_ical_events.of(calendar).between(dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    return sorted(e.decoded("DTSTART").date() for e in events)


def test_open_sends_the_series_once_and_a_skipped_occurrence_as_one_cancel(
    year: Meeting, open_it: Callable[..., Any]
) -> None:
    open_it()
    first = snapshot(year.outbox)
    sent = calendars(year.outbox, first)
    requests = [c for c in sent if str(c["METHOD"]) == "REQUEST"]
    assert len(requests) == 28
    assert len({str(c.events[0]["UID"]) for c in requests}) == 28
    for calendar in requests:
        series, moved = calendar.events
        assert moved.decoded("RECURRENCE-ID") == dt.datetime(2024, 9, 1, 8, tzinfo=ZONE)
        assert dt.date(2024, 2, 4) not in starts(calendar)
        assert starts(calendar).count(dt.date(2024, 9, 8)) == 1
        assert len(starts(calendar)) == 11

    open_it()  # a re-run sends nothing
    assert snapshot(year.outbox) == first

    year.edit(SKIPPED, SKIPPED + "          2024-03-03: skip\n")
    open_it()
    added = snapshot(year.outbox) - first
    cancels = calendars(year.outbox, added)
    assert len(cancels) == 28
    assert len(added) == 56
    # each point's invitation goes to its unit and to the host's technical officer
    everyone = ["tu@thiuy.example.org", "ktv.tu@thiuy.example.org"]
    everyone += [f"{who}{n:02d}@thiuy.example.org" for n in range(1, 28) for who in ("cb", "ktv")]
    assert sorted(recipients(year.outbox, added)) == sorted(everyone)
    uids = {str(c.events[0]["UID"]) for c in requests}
    for calendar in cancels:
        assert str(calendar["METHOD"]) == "CANCEL"
        (event,) = calendar.events
        assert str(event["UID"]) in uids
        assert event.decoded("RECURRENCE-ID") == dt.datetime(2024, 3, 3, 8, tzinfo=ZONE)
        assert event["SEQUENCE"] == 1
        assert event["STATUS"] == "CANCELLED"
        assert "RRULE" not in event

    after_cancel = snapshot(year.outbox)
    open_it()  # and again nothing
    assert snapshot(year.outbox) == after_cancel

    year.edit(SKIPPED, SKIPPED + "          2024-06-02: {start: 2024-06-09T14:00}\n")
    open_it()
    updates = calendars(year.outbox, snapshot(year.outbox) - after_cancel)
    assert len(updates) == 28
    for calendar in updates:
        assert str(calendar["METHOD"]) == "REQUEST"
        series, *overrides = calendar.events
        assert series["SEQUENCE"] == 2
        assert len(overrides) == 2
        assert [d.dt.date() for d in series["EXDATE"].dts] == [
            dt.date(2024, 2, 4),
            dt.date(2024, 3, 3),
        ]
        days = starts(calendar)
        assert dt.date(2024, 6, 9) in days
        assert dt.date(2024, 6, 2) not in days
        assert dt.date(2024, 3, 3) not in days
        assert len(days) == 10
