"""Issue 16, Google's side: a skipped or moved occurrence of a recurring sitting changes the
Google event's INSTANCE (`events.instances`, then a patch of `EVENTID_YYYYMMDDTHHMMSSZ`),
never the series; a second run sends nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httplib2
import pytest

from meetlink.credentials.vault import VaultKey
from meetlink.reconcile.run import open_meeting
from meetlink.testing.google import GoogleEmulator, RecordedRequest

EXCEPTIONS = """\
        exceptions:
          2024-02-04: {skip: true, reason: trùng Tết Nguyên đán}
          2024-09-01: {start: 2024-09-08T08:00, reason: trùng nghỉ lễ Quốc khánh}
"""


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


def _meeting(folder: Path, exceptions: str = "") -> Path:
    rows = "".join(
        f"X{i:02d},Đảng bộ xã {i},commune,{40 + i},Hội trường xã {i},computer\n"
        for i in range(1, 29)
    )
    (folder / "roster.csv").write_text(
        "id,name,kind,members,location,equipment\n" + rows, encoding="utf-8"
    )
    path = folder / "meeting.yaml"
    path.write_text(
        f"""\
id: sinh-hoat-2024
title: "Giờ sinh hoạt toàn Đảng bộ hằng tháng"
organizer: {{name: "Văn phòng Huyện ủy", email: vp@huyenuy.example.org}}
roster: roster.csv
rules: {{own_point_min_members: 1}}
tracks:
  - id: main
    platform: google
    invites: platform
    units: {{kinds: [commune]}}
    settings: {{retry_base_delay: 0.01, capacity: 1000}}
    sittings:
      - id: monthly
        start: 2024-01-07T08:00
        end: 2024-01-07T10:00
        recurrence: FREQ=MONTHLY;BYDAY=1SU;COUNT=12
{exceptions}""",
        encoding="utf-8",
    )
    return path


def _open(path: Path, emu: GoogleEmulator, key: VaultKey) -> list[RecordedRequest]:
    before = len(emu.requests)
    result = open_meeting(path, env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}, vault_key=key)
    assert result.ok, result.failures
    return emu.requests[before:]


def _writes(requests: list[RecordedRequest]) -> list[RecordedRequest]:
    return [
        r for r in requests if r.method in ("POST", "PATCH", "PUT", "DELETE") and not r.is_batch
    ]


def _series(emu: GoogleEmulator) -> dict[str, Any]:
    (series,) = emu.events()
    return series


def _instances(emu: GoogleEmulator, event_id: str) -> dict[str, dict[str, Any]]:
    """What Google's `events.instances` lists, deleted instances too."""
    http = httplib2.Http(timeout=10)
    try:
        _, body = http.request(
            f"{emu.calendar_endpoint}calendars/primary/events/{event_id}/instances?showDeleted=true"
        )
    finally:
        http.close()
    return {str(i["id"]): i for i in json.loads(body)["items"]}


def test_a_skipped_and_a_moved_occurrence_change_their_instances_not_the_series(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    key = VaultKey.generate()
    _open(_meeting(tmp_path), emu, key)
    series_before = _series(emu)
    eid = str(series_before["id"])

    second = _open(_meeting(tmp_path, EXCEPTIONS), emu, key)

    series = _series(emu)
    for field in ("recurrence", "start", "end", "sequence", "etag", "attendees", "status"):
        assert series[field] == series_before[field], field
    writes = _writes(second)
    assert sorted(r.path.rsplit("/", 1)[1] for r in writes) == [
        f"{eid}_20240204T010000Z",
        f"{eid}_20240901T010000Z",
    ]
    assert all(r.method == "PATCH" for r in writes)
    assert any(r.path.endswith(f"/events/{eid}/instances") for r in second)
    instances = _instances(emu, eid)
    assert len(instances) == 12
    skipped = instances[f"{eid}_20240204T010000Z"]
    assert skipped["status"] == "cancelled"
    moved = instances[f"{eid}_20240901T010000Z"]
    assert moved["start"]["dateTime"] == "2024-09-08T08:00:00+07:00"
    assert moved["end"]["dateTime"] == "2024-09-08T10:00:00+07:00"
    assert moved["originalStartTime"]["dateTime"] == "2024-09-01T08:00:00+07:00"
    assert moved["recurringEventId"] == eid
    untouched = instances[f"{eid}_20240303T010000Z"]
    assert untouched["status"] == "confirmed"
    assert untouched["start"]["dateTime"] == "2024-03-03T08:00:00+07:00"

    third = _open(_meeting(tmp_path, EXCEPTIONS), emu, key)
    assert third == []  # a re-run sends nothing


def test_exceptions_known_from_the_start_are_made_on_the_first_run(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    key = VaultKey.generate()
    first = _open(_meeting(tmp_path, EXCEPTIONS), emu, key)

    eid = str(_series(emu)["id"])
    instances = _instances(emu, eid)
    assert instances[f"{eid}_20240204T010000Z"]["status"] == "cancelled"
    assert [r for r in _writes(first) if "_2024" in r.path] != []
    assert _series(emu)["recurrence"] == ["RRULE:FREQ=MONTHLY;BYDAY=1SU;COUNT=12"]
    assert _writes(_open(_meeting(tmp_path, EXCEPTIONS), emu, key)) == []


def test_an_occurrence_no_longer_skipped_is_held_again(emu: GoogleEmulator, tmp_path: Path) -> None:
    key = VaultKey.generate()
    _open(_meeting(tmp_path, EXCEPTIONS), emu, key)

    _open(_meeting(tmp_path), emu, key)

    eid = str(_series(emu)["id"])
    instances = _instances(emu, eid)
    assert instances[f"{eid}_20240204T010000Z"]["status"] == "confirmed"
    back = instances[f"{eid}_20240901T010000Z"]
    assert back["start"]["dateTime"] == "2024-09-01T08:00:00+07:00"


def test_an_endless_rule_is_listed_over_the_year_meetlink_lists(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    path = _meeting(tmp_path, EXCEPTIONS)
    path.write_text(path.read_text(encoding="utf-8").replace(";COUNT=12", ""), encoding="utf-8")

    first = _open(path, emu, VaultKey.generate())

    eid = str(_series(emu)["id"])
    listed = [r for r in first if r.path.endswith(f"/events/{eid}/instances")]
    assert listed
    assert all(r.query.get("timeMax", "").startswith("2025-01-") for r in listed)
    assert _instances(emu, eid)[f"{eid}_20240204T010000Z"]["status"] == "cancelled"
