"""The emulator's recurring events as Google serves them: `events.instances`, instance ids
`EVENTID_YYYYMMDDTHHMMSSZ`, and one instance changed without the series."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

from meetlink.testing.google import GoogleEmulator

SERIES = {
    "id": "sinhhoat2024",
    "summary": "Giờ sinh hoạt toàn Đảng bộ",
    "start": {"dateTime": "2024-01-07T08:00:00+07:00", "timeZone": "Asia/Ho_Chi_Minh"},
    "end": {"dateTime": "2024-01-07T10:00:00+07:00", "timeZone": "Asia/Ho_Chi_Minh"},
    "recurrence": ["RRULE:FREQ=MONTHLY;BYDAY=1SU;COUNT=12"],
}


@pytest.fixture
def series(calendar: Any) -> dict[str, Any]:
    return dict(calendar.events().insert(calendarId="primary", body=SERIES).execute())


def test_instances_are_listed_with_googles_ids_and_original_start(
    calendar: Any, series: dict[str, Any]
) -> None:
    items = (
        calendar.events().instances(calendarId="primary", eventId="sinhhoat2024").execute()["items"]
    )
    assert len(items) == 12
    february = items[1]
    assert february["id"] == "sinhhoat2024_20240204T010000Z"
    assert february["recurringEventId"] == "sinhhoat2024"
    assert february["originalStartTime"] == february["start"]
    assert february["start"]["dateTime"] == "2024-02-04T08:00:00+07:00"
    assert "recurrence" not in february


def test_one_instance_is_patched_and_deleted_while_the_series_stays(
    calendar: Any, series: dict[str, Any]
) -> None:
    events = calendar.events()
    moved = events.patch(
        calendarId="primary",
        eventId="sinhhoat2024_20240901T010000Z",
        body={
            "start": {"dateTime": "2024-09-08T08:00:00+07:00", "timeZone": "Asia/Ho_Chi_Minh"},
            "end": {"dateTime": "2024-09-08T10:00:00+07:00", "timeZone": "Asia/Ho_Chi_Minh"},
        },
    ).execute()
    events.delete(calendarId="primary", eventId="sinhhoat2024_20240204T010000Z").execute()

    assert moved["originalStartTime"]["dateTime"] == "2024-09-01T08:00:00+07:00"
    assert moved["sequence"] == 1
    assert events.get(calendarId="primary", eventId="sinhhoat2024").execute() == series
    shown = events.instances(calendarId="primary", eventId="sinhhoat2024").execute()["items"]
    assert len(shown) == 11
    one = events.instances(
        calendarId="primary",
        eventId="sinhhoat2024",
        originalStart="2024-02-04T08:00:00+07:00",
        showDeleted=True,
    ).execute()["items"]
    assert [(i["id"], i["status"]) for i in one] == [("sinhhoat2024_20240204T010000Z", "cancelled")]


def test_an_instance_the_rule_does_not_give_is_a_404(
    calendar: Any, series: dict[str, Any], emu: GoogleEmulator
) -> None:
    with pytest.raises(HttpError) as refused:
        calendar.events().get(
            calendarId="primary", eventId="sinhhoat2024_20240205T010000Z"
        ).execute()
    assert refused.value.resp.status == 404
