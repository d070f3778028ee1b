"""Signing an ordinary Google account in (issue 15): the installed-app flow against the
emulator's OAuth endpoints, the sign-in sealed on disk, refreshed and saved back, revoked.
"""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google_auth_httplib2
import httplib2
import pytest
from google.auth.exceptions import RefreshError

from meetlink.adapters.google import GoogleAdapter
from meetlink.adapters.google.login import LoginStore, login_folder, revoke, stored_credentials
from meetlink.adapters.google.signin import sign_in_on_console, sign_in_with_browser
from meetlink.credentials.keys import VaultKey
from meetlink.errors import AuthError, InputError, VaultKeyError
from meetlink.testing.conformance import sample_request
from meetlink.testing.google import GoogleEmulator

AUTH = "https://www.googleapis.com/auth/"
EVENTS = AUTH + "calendar.events"
SETTINGS = AUTH + "meetings.space.settings"


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


@pytest.fixture
def key() -> VaultKey:
    return VaultKey.generate()


def _env(emu: GoogleEmulator, tmp_path: Path, key: VaultKey) -> dict[str, str]:
    return {
        "MEETLINK_GOOGLE_EMULATOR_HOST": emu.host,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "MEETLINK_VAULT_KEY": key.reveal_text(),
    }


def _signed_in(emu: GoogleEmulator, env: dict[str, str], key: VaultKey, scopes: list[str]) -> Any:
    token = sign_in_on_console(emu.oauth_client(), scopes, emu.consent)
    store = LoginStore(login_folder(env), key)
    store.save("default", token)
    return token


def _calendar_answer(emu: GoogleEmulator, access_token: str) -> int:
    http = httplib2.Http(timeout=10)
    try:
        response, _ = http.request(
            f"{emu.calendar_endpoint}calendars/primary/events",
            "GET",
            headers={"Authorization": f"Bearer {access_token}"},
        )
    finally:
        http.close()
    return int(response.status)


def test_the_console_flow_signs_in_with_exactly_the_scopes_asked(emu: GoogleEmulator) -> None:
    token = sign_in_on_console(emu.oauth_client(), [EVENTS, SETTINGS], emu.consent)

    assert token["type"] == "authorized_user"
    assert sorted(token["scopes"]) == sorted([EVENTS, SETTINGS])
    assert token["refresh_token"].startswith("1//")
    assert token["token_uri"] == f"{emu.url}token"
    assert _calendar_answer(emu, token["token"]) == 200


def test_the_browser_flow_receives_googles_redirect_on_a_local_server(
    emu: GoogleEmulator,
) -> None:
    import threading

    browsers: list[threading.Thread] = []

    def open_url(url: str) -> None:  # the browser runs beside the waiting local server
        browser = threading.Thread(target=emu.consent, args=(url,), kwargs={"follow": True})
        browser.start()
        browsers.append(browser)

    token = sign_in_with_browser(emu.oauth_client(), [EVENTS], open_url=open_url)
    for browser in browsers:
        browser.join(timeout=10)

    assert token["scopes"] == [EVENTS]
    assert _calendar_answer(emu, token["token"]) == 200


def test_the_stored_sign_in_is_sealed_private_and_holds_no_token_in_plain_text(
    emu: GoogleEmulator, tmp_path: Path, key: VaultKey
) -> None:
    env = _env(emu, tmp_path, key)
    token = _signed_in(emu, env, key, [EVENTS])
    path = login_folder(env) / "default.json"

    raw = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for secret in (token["token"], token["refresh_token"], token["client_secret"]):
        assert secret.encode() not in raw
        assert base64.b64encode(secret.encode()) not in raw
    assert set(json.loads(raw)) == {"format", "name", "key_id", "nonce", "sealed"}
    assert b"\x80\x04" not in raw  # no pickle
    with pytest.raises(VaultKeyError, match="written with vault key"):
        LoginStore(login_folder(env), VaultKey.generate()).read("default")


def test_a_track_with_login_opens_conferences_with_the_stored_sign_in(
    emu: GoogleEmulator, tmp_path: Path, key: VaultKey
) -> None:
    env = _env(emu, tmp_path, key)
    _signed_in(emu, env, key, [EVENTS, SETTINGS])

    with GoogleAdapter({"login": "default", "retry_base_delay": 0.001}, env=env) as adapter:
        info = adapter.create(sample_request())

    assert info.join_url.startswith("https://meet.google.com/")
    assert {s["config"]["accessType"] for s in emu.spaces()} == {"RESTRICTED"}


def test_a_sign_in_without_a_scope_the_settings_need_is_refused_before_anything_is_made(
    emu: GoogleEmulator, tmp_path: Path, key: VaultKey
) -> None:
    env = _env(emu, tmp_path, key)
    _signed_in(emu, env, key, [EVENTS])
    del env["MEETLINK_GOOGLE_EMULATOR_HOST"]  # prepare() checks what Google would be sent

    with (
        GoogleAdapter({"login": "default"}, env=env) as adapter,
        pytest.raises(InputError, match=r"meetings\.space\.settings"),
    ):
        adapter.prepare([])
    assert emu.events() == []


def test_an_expired_access_token_is_refreshed_and_saved_back_sealed(
    emu: GoogleEmulator, tmp_path: Path, key: VaultKey
) -> None:
    env = _env(emu, tmp_path, key)
    first = _signed_in(emu, env, key, [EVENTS, SETTINGS])
    path = login_folder(env) / "default.json"
    sealed_before = path.read_bytes()
    emu.expire_access_tokens()
    assert _calendar_answer(emu, first["token"]) == 401

    with GoogleAdapter({"login": "default", "retry_base_delay": 0.001}, env=env) as adapter:
        adapter.create(sample_request())

    saved = LoginStore(login_folder(env), key).read("default")
    assert path.read_bytes() != sealed_before
    assert saved["token"] != first["token"]
    assert saved["refresh_token"] == first["refresh_token"]
    assert saved["token"].encode() not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _calendar_answer(emu, saved["token"]) == 200
    assert len(emu.events()) == 1


def test_revoking_makes_google_refuse_the_token_and_its_refresh(
    emu: GoogleEmulator, tmp_path: Path, key: VaultKey
) -> None:
    env = _env(emu, tmp_path, key)
    token = _signed_in(emu, env, key, [EVENTS])

    assert revoke(token) is True

    assert _calendar_answer(emu, token["token"]) == 401
    assert emu.refresh_tokens_count == 0
    assert revoke(token) is False  # Google: invalid_token, revoked already
    credentials = stored_credentials("default", [EVENTS], env)
    http = httplib2.Http(timeout=10)
    with pytest.raises(RefreshError, match="invalid_grant"):
        credentials.refresh(google_auth_httplib2.Request(http))
    http.close()


def test_a_missing_sign_in_says_how_to_make_one(tmp_path: Path, key: VaultKey) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "MEETLINK_VAULT_KEY": key.reveal_text()}
    with pytest.raises(AuthError, match="meetlink google login"):
        stored_credentials("van-phong", [EVENTS], env)
