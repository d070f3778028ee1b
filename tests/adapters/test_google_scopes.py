"""Scopes: the google adapter asks for what each setting needs, and a missing one stops the run.

The emulator's tokens carry scopes (``GoogleEmulator.token_file``); a call whose token lacks
the method's scope is answered 403 ``ACCESS_TOKEN_SCOPE_INSUFFICIENT`` as Google does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httplib2
import pytest

from meetlink.adapters.google import GoogleAdapter
from meetlink.errors import InputError
from meetlink.testing.conformance import sample_request
from meetlink.testing.google import GoogleEmulator

AUTH = "https://www.googleapis.com/auth/"
EVENTS = AUTH + "calendar.events"
CREATED = AUTH + "meetings.space.created"
SETTINGS = AUTH + "meetings.space.settings"


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


def adapter_with(emu: GoogleEmulator, token: Path, **settings: object) -> GoogleAdapter:
    return GoogleAdapter(
        {"token_file": str(token), "retry_base_delay": 0.001, **settings},
        env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host},
    )


def test_a_token_without_meetings_space_settings_stops_with_the_scope_named(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    # What the adapter asked for before issue 15: the app-created scope only.
    token = emu.token_file(tmp_path / "token.json", [EVENTS, CREATED])
    with adapter_with(emu, token) as adapter, pytest.raises(InputError) as stopped:
        adapter.create_many([sample_request() for _ in range(3)])
    message = str(stopped.value)
    assert SETTINGS in message
    assert "Nothing more was done" in message
    refused = [r for r in emu.requests if "/v2/spaces/" in r.path and not r.is_batch]
    assert refused
    assert {r.status for r in refused} == {403}
    assert not [r for r in emu.requests if r.method == "PATCH" and "/v2/" in r.path]
    assert {s["config"]["accessType"] for s in emu.spaces()} == {"TRUSTED"}


def test_the_emulator_answers_a_missing_scope_with_googles_403_body(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    token = emu.token_file(tmp_path / "token.json", [EVENTS, CREATED])
    with adapter_with(emu, token, access_type=None) as adapter:
        adapter.create(sample_request())
    (space,) = emu.spaces()  # made by Calendar, not by the app
    bearer = json.loads(token.read_text())["token"]
    http = httplib2.Http()
    response, content = http.request(
        f"{emu.url}v2/{space['name']}?updateMask=config.accessType",
        "PATCH",
        body=json.dumps({"config": {"accessType": "RESTRICTED"}}),
        headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
    )
    assert response.status == 403
    error = json.loads(content)["error"]
    assert error["code"] == 403
    assert error["message"] == "Request had insufficient authentication scopes."
    assert error["status"] == "PERMISSION_DENIED"
    (info,) = error["details"]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    assert info["metadata"]["service"] == "meet.googleapis.com"
    # Calendar's answer adds its legacy errors list.
    meet_only = emu.token_file(tmp_path / "meet.json", [SETTINGS])
    bearer = json.loads(meet_only.read_text())["token"]
    response, content = http.request(
        f"{emu.calendar_endpoint}calendars/primary/events",
        headers={"Authorization": f"Bearer {bearer}"},
    )
    http.close()
    assert response.status == 403
    error = json.loads(content)["error"]
    assert error["errors"][0]["reason"] == "insufficientPermissions"
    assert error["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


def test_with_meetings_space_settings_access_is_restricted(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    token = emu.token_file(tmp_path / "token.json", [EVENTS, SETTINGS])
    with adapter_with(emu, token) as adapter:
        results = adapter.create_many([sample_request() for _ in range(3)])
    assert all(not isinstance(r, Exception) for r in results)
    assert {s["config"]["accessType"] for s in emu.spaces()} == {"RESTRICTED"}


def test_a_token_without_the_calendar_scope_stops_before_any_meet_call(
    emu: GoogleEmulator, tmp_path: Path
) -> None:
    token = emu.token_file(tmp_path / "token.json", [SETTINGS])
    with adapter_with(emu, token) as adapter, pytest.raises(InputError, match=r"calendar\.events"):
        adapter.create(sample_request())
    assert emu.events() == []
    assert not [r for r in emu.requests if "/v2/" in r.path]


def test_an_unknown_token_is_answered_401(emu: GoogleEmulator) -> None:
    http = httplib2.Http()
    response, _ = http.request(
        f"{emu.calendar_endpoint}calendars/primary/events",
        headers={"Authorization": "Bearer ya29.never-issued"},
    )
    http.close()
    assert response.status == 401


def test_prepare_refuses_a_token_file_that_says_it_lacks_a_needed_scope(tmp_path: Path) -> None:
    token = tmp_path / "token.json"
    token.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "x",
                "client_secret": "y",
                "refresh_token": "z",
                "scopes": [AUTH + "calendar", CREATED],
            }
        )
    )
    adapter = GoogleAdapter({"token_file": str(token)}, env={})
    with pytest.raises(InputError, match=r"meetings\.space\.settings"):
        adapter.prepare([])
    # ``calendar`` covers ``calendar.events``; nothing else is needed without access_type.
    GoogleAdapter({"token_file": str(token), "access_type": None}, env={}).prepare([])
