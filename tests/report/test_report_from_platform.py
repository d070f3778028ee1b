"""`report --from-platform`: Meet's conference records give the same figures as roll-call sheets.

A google track is opened on the emulator; a conference is held there (who joined, under
display names carrying their point's code, as the invitation asks); the report read from
the platform's records matches the one from roll-call sheets saying the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.google_meeting import agency_roster, google_meeting

from meetlink.credentials.vault import VaultKey
from meetlink.planning import plan_meeting
from meetlink.reconcile.attendance import attendance_from_platform
from meetlink.reconcile.run import open_meeting
from meetlink.reconcile.setup import load_meeting
from meetlink.reconcile.state import resolve_state
from meetlink.report import Report, build_report, load_roll_calls
from meetlink.testing.google import GoogleEmulator, SimulatedParticipant

ZONE = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2024, 3, 10, 8, 0, tzinfo=ZONE)


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


def _meeting(folder: Path) -> Path:
    agency_roster(folder, 4)
    return google_meeting(
        folder,
        "meet-report",
        """
        invites: platform
        settings: {retry_base_delay: 0.01, attendance: true}
        """,
    )


def test_platform_records_give_the_same_figures_as_roll_call_sheets(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    path = _meeting(tmp_path)
    env = {"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
    open_meeting(path, env=env, vault_key=VaultKey.generate())
    loaded = load_meeting(path)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    (event,) = emu.events()
    code = event["conferenceData"]["conferenceId"]
    at = START.astimezone(dt.UTC)

    def joined(name: str, minutes: int, kind: str = "anonymous") -> SimulatedParticipant:
        begin = at + dt.timedelta(minutes=minutes)
        return SimulatedParticipant(name, begin, begin + dt.timedelta(minutes=90), kind=kind)  # type: ignore[arg-type]

    emu.simulate_conference(
        code,
        [
            joined("A000 - Nguyễn Văn An", 0),
            joined("A000 - Trần Thị Bình", 1),
            joined("A000 - Lê Văn Cường", 2, "signedin"),
            joined("Điểm cầu A001 (máy 1)", 3),
            joined("A001 - Phạm Thị Dung", 4),
            joined("Chi bộ cơ quan 3", 5),  # the unit's name, no code
            joined("Khách mời", 6),  # matches no point
        ],
    )
    sheet = tmp_path / "roll-call.csv"
    sheet.write_text(
        "mã điểm cầu,số có mặt\nA000,3\nA001,2\nA003,1\n",
        encoding="utf-8",
    )

    from_sheets = build_report(plan, load_roll_calls([sheet], plan))
    roll_calls, warnings = attendance_from_platform(
        loaded,
        plan,
        resolve_state(None, loaded.path, env),
        environ=env,
        now=START + dt.timedelta(days=27),
    )
    from_platform = build_report(plan, roll_calls)

    def figures(report: Report) -> list[tuple[str, int | None]]:
        return [(p.point, p.present) for s in report.sittings for p in s.points]

    assert (
        figures(from_platform)
        == figures(from_sheets)
        == [
            ("A000", 3),
            ("A001", 2),
            ("A002", None),
            ("A003", 1),
        ]
    )
    assert from_platform.total.present == from_sheets.total.present == 6
    assert from_platform.total.rate == from_sheets.total.rate
    assert [u.display_name for u in from_platform.unmatched] == ["Khách mời"]
    assert any("in 3 day(s)" in w for w in warnings)  # Google keeps the records 30 days


def test_the_cli_reports_from_the_platform(
    emu: GoogleEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from meetlink.cli import main

    path = _meeting(tmp_path)
    monkeypatch.setenv("MEETLINK_GOOGLE_EMULATOR_HOST", emu.host)
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    assert main(["report", str(path), "--from-platform"]) == 1  # nothing opened yet
    assert "meetlink open" in capsys.readouterr().err
    open_meeting(path, env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host})
    (event,) = emu.events()
    begin = START.astimezone(dt.UTC)
    emu.simulate_conference(
        event["conferenceData"]["conferenceId"],
        [(f"A00{i} - đại biểu", begin, begin + dt.timedelta(hours=1)) for i in range(3)],
    )
    output = tmp_path / "report.xlsx"
    capsys.readouterr()
    assert main(["report", str(path), "--from-platform", "-o", str(output)]) == 0
    printed = capsys.readouterr().out
    assert output.exists()
    assert "đã gửi điểm danh: 3 (75,0%)" in printed
    assert "Có mặt: 3/33" in printed
    assert "Chi bộ cơ quan 3 (A003) — không kết nối" in printed
