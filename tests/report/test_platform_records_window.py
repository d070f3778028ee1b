"""`meetlink status` reminds of the 30 days Google Meet keeps attendance records (issue 15):
the last day `report --from-platform` can read each held sitting, and a warning when 7 days
or fewer are left or the day has passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.planning import plan_meeting
from meetlink.reconcile.records_window import records_windows, status_reminders
from meetlink.reconcile.run import open_meeting
from meetlink.reconcile.setup import load_meeting
from meetlink.testing.google import GoogleEmulator

ZONE = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


def _meeting(folder: Path, sitting: str, *, attendance: bool = True) -> Path:
    (folder / "roster.csv").write_text(
        "id,name,kind,members,location,equipment\n"
        "A01,Chi bộ Văn phòng,agency,12,Phòng họp 1,computer\n"
        "A02,Chi bộ Tài chính,agency,9,Phòng họp 2,computer\n",
        encoding="utf-8",
    )
    path = folder / "meeting.yaml"
    path.write_text(
        f"""\
id: nhac-30-ngay
title: "Giờ sinh hoạt toàn Đảng bộ"
organizer: {{name: "Văn phòng Huyện ủy", email: vp@huyenuy.example.org}}
roster: roster.csv
rules: {{own_point_min_members: 1}}
tracks:
  - id: meet
    platform: google
    units: {{kinds: [agency]}}
    settings: {{retry_base_delay: 0.01, attendance: {str(attendance).lower()}}}
    sittings:
      - {sitting}
""",
        encoding="utf-8",
    )
    return path


ONE = "{id: s1, start: 2024-03-10T08:00, end: 2024-03-10T10:00}"


def _reminders(path: Path, now: dt.datetime, language: str = "en") -> list[str]:
    loaded = load_meeting(path)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    return status_reminders(loaded, plan, language, now)  # type: ignore[arg-type]


def test_a_held_sitting_is_readable_until_30_days_after_it_ended(tmp_path: Path) -> None:
    (line,) = _reminders(_meeting(tmp_path, ONE), dt.datetime(2024, 3, 20, 9, tzinfo=ZONE))
    assert line.startswith("Google Meet keeps the attendance records of meet/s1")
    assert "(held 2024-03-10) until 2024-04-09" in line
    assert "--from-platform" in line
    assert "WARNING" not in line


def test_seven_days_or_fewer_left_is_a_warning(tmp_path: Path) -> None:
    (line,) = _reminders(_meeting(tmp_path, ONE), dt.datetime(2024, 4, 2, 9, tzinfo=ZONE))
    assert line.startswith("WARNING: 7 day(s) left")
    (vi,) = _reminders(_meeting(tmp_path, ONE), dt.datetime(2024, 4, 2, 9, tzinfo=ZONE), "vi")
    assert vi.startswith("LƯU Ý: chỉ còn 7 ngày")
    assert "sau ngày 09/04/2024" in vi


def test_past_the_30_days_the_records_are_said_to_be_gone(tmp_path: Path) -> None:
    (line,) = _reminders(_meeting(tmp_path, ONE), dt.datetime(2024, 4, 12, tzinfo=ZONE))
    assert line.startswith("WARNING: Google Meet deleted the attendance records of meet/s1")
    assert "roll-call sheets" in line


def test_nothing_is_said_before_the_sitting_or_without_attendance(tmp_path: Path) -> None:
    assert _reminders(_meeting(tmp_path, ONE), dt.datetime(2024, 3, 9, tzinfo=ZONE)) == []
    quiet = _meeting(tmp_path, ONE, attendance=False)
    assert _reminders(quiet, dt.datetime(2024, 3, 20, tzinfo=ZONE)) == []


def test_each_held_occurrence_of_a_recurring_sitting_has_its_own_day(tmp_path: Path) -> None:
    monthly = (
        "{id: m, start: 2024-01-07T08:00, end: 2024-01-07T10:00, "
        "recurrence: 'FREQ=MONTHLY;BYDAY=1SU;COUNT=12', "
        "exceptions: {2024-02-04: skip, 2024-03-03: {start: 2024-03-10T08:00}}}"
    )
    loaded = load_meeting(_meeting(tmp_path, monthly))
    plan = plan_meeting(loaded.meeting, loaded.roster)

    def held(day: dt.datetime) -> list[tuple[dt.date, dt.date]]:
        return [(w.held, w.readable_until) for w in records_windows(loaded, plan, day)]

    # the skipped 4 February is never mentioned; the deleted January one for 30 more days
    assert held(dt.datetime(2024, 2, 20, tzinfo=ZONE)) == [
        (dt.date(2024, 1, 7), dt.date(2024, 2, 6))
    ]
    # the moved March one counts from 10 March, not 3 March
    assert held(dt.datetime(2024, 3, 20, tzinfo=ZONE)) == [
        (dt.date(2024, 3, 10), dt.date(2024, 4, 9))
    ]


def test_meetlink_status_prints_the_reminder(
    emu: GoogleEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held = (dt.datetime.now(ZONE) - dt.timedelta(days=26)).date()
    path = _meeting(tmp_path, f"{{id: s1, start: {held}T08:00, end: {held}T10:00}}")
    env = {"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
    key = VaultKey.generate()
    open_meeting(path, env=env, vault_key=key)
    monkeypatch.setenv("MEETLINK_GOOGLE_EMULATOR_HOST", emu.host)

    main(["status", str(path)])

    out = capsys.readouterr().out
    until = held + dt.timedelta(days=30)
    assert f"Google Meet deletes the attendance records of meet/s1 (held {held})" in out
    assert f"after {until}" in out
