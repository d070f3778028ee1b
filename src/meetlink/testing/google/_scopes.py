"""Access tokens and their OAuth scopes: which scope each method the emulator serves accepts.

A call without an ``Authorization`` header is anonymous and may do everything (as before
tokens existed). A call with ``Bearer TOKEN`` may do what the token's scopes allow, as the
method reference pages list them; a token the emulator never issued is answered 401.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterable
from pathlib import Path

_AUTH = "https://www.googleapis.com/auth/"

CALENDAR = _AUTH + "calendar"
CALENDAR_READONLY = _AUTH + "calendar.readonly"
CALENDAR_EVENTS = _AUTH + "calendar.events"
CALENDAR_EVENTS_READONLY = _AUTH + "calendar.events.readonly"
CALENDAR_EVENTS_OWNED = _AUTH + "calendar.events.owned"
MEET_CREATED = _AUTH + "meetings.space.created"
MEET_READONLY = _AUTH + "meetings.space.readonly"
MEET_SETTINGS = _AUTH + "meetings.space.settings"

#: Calendar event writes (insert, patch, update, delete) and reads (get, list).
EVENT_WRITE = frozenset({CALENDAR, CALENDAR_EVENTS, CALENDAR_EVENTS_OWNED})
EVENT_READ = EVENT_WRITE | {CALENDAR_READONLY, CALENDAR_EVENTS_READONLY}


def space_get(created_by_app: bool) -> frozenset[str]:
    """``spaces.get``: ``meetings.space.created`` covers only the spaces the app made."""
    accepted = {MEET_READONLY, MEET_SETTINGS}
    return frozenset(accepted | {MEET_CREATED} if created_by_app else accepted)


def space_patch(created_by_app: bool) -> frozenset[str]:
    """``spaces.patch``: a space made by Calendar needs ``meetings.space.settings``."""
    return frozenset({MEET_SETTINGS, MEET_CREATED} if created_by_app else {MEET_SETTINGS})


SPACE_CREATE = frozenset({MEET_CREATED})
RECORDS_READ = frozenset({MEET_READONLY, MEET_CREATED})


class TokenBook:
    """The access tokens the emulator issued, each with its scopes and its user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[frozenset[str], str]] = {}

    def issue(self, scopes: Iterable[str], user: str) -> str:
        token = "ya29.emulator-" + secrets.token_urlsafe(16)
        with self._lock:
            self._tokens[token] = (frozenset(scopes), user)
        return token

    def lookup(self, authorization: str | None) -> tuple[frozenset[str], str] | None:
        """Scopes and user of a ``Bearer`` header; None for a token never issued."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        with self._lock:
            return self._tokens.get(token)


def write_token_file(path: Path, token: str, scopes: Iterable[str]) -> Path:
    """An authorized-user token file (google-auth's JSON) holding an emulator token.

    It expires in 2099, so google-auth never tries to refresh it against Google.
    """
    data = {
        "type": "authorized_user",
        "client_id": "meetlink-emulator.apps.googleusercontent.com",
        "client_secret": "emulator",  # nosec B105 (a fake, for the emulator)
        "refresh_token": "emulator",
        "token": token,
        "expiry": "2099-12-31T00:00:00Z",
        "scopes": sorted(scopes),
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path
