"""`meetlink google login` and `logout` (issue 15): an ordinary account signed in on a machine
without a browser (the console flow), the sign-in sealed on disk, then revoked and deleted.
"""

from __future__ import annotations

import re
import stat
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import httplib2
import pytest

from meetlink.cli import main
from meetlink.credentials.keys import VaultKey
from meetlink.testing.google import GoogleEmulator

AUTH = "https://www.googleapis.com/auth/"


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


def _meeting(folder: Path, settings: str = "{login: default, attendance: true}") -> Path:
    (folder / "roster.csv").write_text(
        "id,name,kind,members,location,equipment\n"
        "A01,Chi bộ Văn phòng,agency,12,Phòng họp 1,computer\n",
        encoding="utf-8",
    )
    path = folder / "meeting.yaml"
    path.write_text(
        f"""\
id: dang-nhap
title: "Hội nghị trực tuyến"
organizer: {{name: "Văn phòng Huyện ủy", email: vp@huyenuy.example.org}}
roster: roster.csv
tracks:
  - id: meet
    platform: google
    units: {{kinds: [agency]}}
    settings: {settings}
    sittings:
      - {{id: s1, start: 2024-03-10T08:00, end: 2024-03-10T10:00}}
""",
        encoding="utf-8",
    )
    return path


class PastingUser:
    """Stands at the terminal: reads the link the command printed, opens it in a browser
    elsewhere (the emulator's consent), and pastes back the address the browser ended on."""

    def __init__(self, emu: GoogleEmulator, capsys: pytest.CaptureFixture[str]) -> None:
        self.emu = emu
        self.capsys = capsys
        self.printed = ""

    def readline(self) -> str:
        self.printed += self.capsys.readouterr().out
        (link,) = re.findall(r"^(http://\S+/o/oauth2/auth\?\S+)$", self.printed, re.M)
        return self.emu.consent(link) + "\n"


@pytest.fixture
def office(
    emu: GoogleEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    secrets = emu.oauth_client_file(tmp_path / "client_secret.json")
    return _meeting(tmp_path), secrets


@pytest.fixture
def login_at_console(
    emu: GoogleEmulator,
    office: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., tuple[int, str]]:
    """``meetlink google login MEETING --client-secrets … --no-browser`` (and any options
    given), a user pasting back at the console: the exit code and everything printed."""
    meeting, secrets = office

    def login(*options: str) -> tuple[int, str]:
        user = PastingUser(emu, capsys)
        monkeypatch.setattr(sys, "stdin", user)
        command = ["google", "login", str(meeting), "--client-secrets", str(secrets)]
        code = main([*command, "--no-browser", *options])
        return code, user.printed + capsys.readouterr().out

    return login


def _accepted(emu: GoogleEmulator, token: str) -> int:
    http = httplib2.Http(timeout=10)
    try:
        response, _ = http.request(
            f"{emu.calendar_endpoint}calendars/primary/events",
            headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        http.close()
    return int(response.status)


def test_login_on_a_machine_without_a_browser_keeps_the_sign_in_sealed(
    tmp_path: Path, login_at_console: Callable[..., tuple[int, str]]
) -> None:
    code, out = login_at_console()

    assert code == 0, out
    # exactly the scopes the track needs: events, Meet settings (RESTRICTED), attendance
    asked = re.search(r"scope=([^&\s]+)", out)
    assert asked is not None
    assert sorted(asked.group(1).replace("%3A", ":").replace("%2F", "/").split("+")) == [
        AUTH + "calendar.events",
        AUTH + "meetings.space.readonly",
        AUTH + "meetings.space.settings",
    ]
    stored = tmp_path / "config" / "meetlink" / "google-logins" / "default.json"
    assert "Signed in as 'default'" in out
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert b"ya29." not in stored.read_bytes()
    assert b"1//" not in stored.read_bytes()


def test_logout_revokes_at_google_and_deletes_the_sign_in(
    emu: GoogleEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    login_at_console: Callable[..., tuple[int, str]],
) -> None:
    code, out = login_at_console()
    assert code == 0, out
    from meetlink.adapters.google.login import login_store

    token = login_store().read("default")["token"]
    assert _accepted(emu, token) == 200

    assert main(["google", "logout"]) == 0

    assert "Google revoked 'default'" in capsys.readouterr().out
    assert _accepted(emu, token) == 401
    assert emu.refresh_tokens_count == 0
    assert not (tmp_path / "config" / "meetlink" / "google-logins" / "default.json").exists()


def test_login_for_a_name_no_track_uses_is_refused_with_exit_2(
    office: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    meeting, secrets = office
    code = main(
        ["google", "login", str(meeting), "--client-secrets", str(secrets), "--name", "khac"]
    )
    assert code == 2
    assert "login: khac" in capsys.readouterr().err


class _Keyring:
    """An OS keyring in memory, standing in for the `keyring` package."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def module(self) -> tuple[types.ModuleType, types.ModuleType]:
        errors = types.ModuleType("keyring.errors")
        errors.KeyringError = type("KeyringError", (Exception,), {})  # type: ignore[attr-defined]
        keyring = types.ModuleType("keyring")
        keyring.errors = errors  # type: ignore[attr-defined]
        keyring.get_password = lambda s, u: self.entries.get((s, u))  # type: ignore[attr-defined]
        keyring.set_password = lambda s, u, p: self.entries.__setitem__((s, u), p)  # type: ignore[attr-defined]
        keyring.delete_password = lambda s, u: self.entries.pop((s, u))  # type: ignore[attr-defined]
        return keyring, errors


def test_with_keyring_the_sign_in_is_kept_in_the_os_keyring_and_no_file_is_written(
    emu: GoogleEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    login_at_console: Callable[..., tuple[int, str]],
) -> None:
    store = _Keyring()
    keyring, errors = store.module()
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)

    code, out = login_at_console("--keyring")
    assert code == 0, out

    assert list(store.entries) == [("meetlink-google", "default")]
    assert not (tmp_path / "config" / "meetlink" / "google-logins").exists()
    assert main(["google", "logout", "--keyring"]) == 0
    assert store.entries == {}
    assert emu.refresh_tokens_count == 0
