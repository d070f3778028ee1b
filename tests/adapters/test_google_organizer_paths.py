"""Token files named in a google track's settings are read beside the meeting file, not in the
folder the command runs from (issue 15): `token_file` and the token files among
`organizers`, wherever `meetlink open` is started.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.google_meeting import google_meeting

from meetlink.credentials.vault import VaultKey
from meetlink.reconcile.run import open_meeting
from meetlink.testing.google import GoogleEmulator

EVENTS = "https://www.googleapis.com/auth/calendar.events"


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


def _meeting(folder: Path) -> Path:
    rows = "".join(f"A0{i},Chi bộ {i},agency,12,Phòng họp {i},computer\n" for i in range(1, 7))
    (folder / "roster.csv").write_text(
        "id,name,kind,members,location,equipment\n" + rows, encoding="utf-8"
    )
    return google_meeting(
        folder,
        "to-chuc",
        """
        conference: per_point
        settings:
          access_type: null
          retry_base_delay: 0.01
          token_file: tokens/van-phong.json
          organizers: [tokens/tuyen-giao.json, ./tokens/to-chuc.json]
        """,
        title="Hội nghị trực tuyến",
    )


def test_relative_token_files_in_organizers_are_read_beside_the_meeting_file(
    emu: GoogleEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = tmp_path / "hoi-nghi"
    (office / "tokens").mkdir(parents=True)
    users = {"van-phong": "vp", "tuyen-giao": "tg", "to-chuc": "tc"}
    for name, user in users.items():
        emu.token_file(office / "tokens" / f"{name}.json", [EVENTS], user=f"{user}@huyen.vn")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the command runs from another folder

    result = open_meeting(
        _meeting(office),
        env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host},
        vault_key=VaultKey.generate(),
    )

    assert result.ok, result.failures
    # every account made some of the six conferences, each on its own calendar
    calendars = {f"{u}@huyen.vn" for u in users.values()}
    made = {c: len(emu.events(c)) for c in calendars}
    assert sum(made.values()) == 6
    assert all(made.values()), made
