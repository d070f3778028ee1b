"""`report --from-platform` counts an officer signed in under their roster address for their
point (issue 15), whatever name they show in Meet: Meet gives the participant's `users/ID`,
the People API its address, and the roster's `officer_email` says whose point it is.
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


def _meeting(folder: Path, addresses: bool) -> Path:
    agency_roster(folder, 4)
    return google_meeting(
        folder,
        "meet-addresses",
        f"""
        invites: platform
        settings:
          retry_base_delay: 0.01
          attendance: true
          attendance_addresses: {str(addresses).lower()}
        """,
    )


def _figures(report: Report) -> list[tuple[str, int | None]]:
    return [(p.point, p.present) for s in report.sittings for p in s.points]


def _held(emu: GoogleEmulator) -> None:
    (event,) = emu.events()
    at = START.astimezone(dt.UTC)

    def joined(name: str, minutes: int, **how: str) -> SimulatedParticipant:
        begin = at + dt.timedelta(minutes=minutes)
        return SimulatedParticipant(name, begin, begin + dt.timedelta(minutes=90), **how)  # type: ignore[arg-type]

    emu.simulate_conference(
        event["conferenceData"]["conferenceId"],
        [
            joined("Nguyễn Văn An", 0, email="ktv.a0@coquan.example.org"),  # no code shown
            joined("A001 - Phạm Thị Dung", 1, kind="anonymous"),  # the code, not signed in
            joined("Phòng họp tầng 2", 2, email="KTV.A2@coquan.example.org"),
            joined("Khách mời", 3, email="khach@example.org"),  # nobody's officer
        ],
    )


def _reports(path: Path, emu: GoogleEmulator, tmp_path: Path) -> tuple[Report, Report]:
    env = {"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
    open_meeting(path, env=env, vault_key=VaultKey.generate())
    _held(emu)
    loaded = load_meeting(path)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    sheet = tmp_path / "roll-call.csv"
    sheet.write_text("mã điểm cầu,số có mặt\nA000,1\nA001,1\nA002,1\n", encoding="utf-8")
    from_sheets = build_report(plan, load_roll_calls([sheet], plan))
    roll_calls, _ = attendance_from_platform(
        loaded, plan, resolve_state(None, loaded.path, env), environ=env, now=START
    )
    return build_report(plan, roll_calls), from_sheets


def test_officers_signed_in_under_their_roster_address_count_for_their_point(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    from_platform, from_sheets = _reports(_meeting(tmp_path, True), emu, tmp_path)

    assert _figures(from_platform) == _figures(from_sheets)
    assert _figures(from_platform) == [("A000", 1), ("A001", 1), ("A002", 1), ("A003", None)]
    assert [u.display_name for u in from_platform.unmatched] == ["Khách mời"]
    people = [r for r in emu.requests if r.path.startswith("/v1/people/")]
    assert len(people) == 3  # each signed-in participant looked up once
    assert all(r.query.get("personFields") == "emailAddresses" for r in people)


def test_without_addresses_only_display_names_count(emu: GoogleEmulator, tmp_path: Path) -> None:
    from_platform, _ = _reports(_meeting(tmp_path, False), emu, tmp_path)

    assert _figures(from_platform) == [("A000", None), ("A001", 1), ("A002", None), ("A003", None)]
    assert not [r for r in emu.requests if r.path.startswith("/v1/people/")]
