"""Access tokens and their OAuth scopes: which scope each method the emulator serves accepts.

A call without an ``Authorization`` header is anonymous and may do everything (as before
tokens existed). A call with ``Bearer TOKEN`` may do what the token's scopes allow, as the
method reference pages list them; a token the emulator never issued, one past its expiry
and one revoked are answered 401, as Google does.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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


DIRECTORY_READONLY = _AUTH + "directory.readonly"
#: people.get of another account: its directory profile (contacts' scopes are not modelled).
DIRECTORY_READ = frozenset({DIRECTORY_READONLY})

SPACE_CREATE = frozenset({MEET_CREATED})
RECORDS_READ = frozenset({MEET_READONLY, MEET_CREATED})


@dataclass
class _Access:
    scopes: frozenset[str]
    user: str
    expires: datetime | None = None  # None: never
    grant: str | None = None  # the refresh token it was issued under


@dataclass
class Grant:
    """One consent given through the OAuth flow: a refresh token, its client and scopes."""

    client_id: str
    scopes: frozenset[str]
    user: str
    access_tokens: set[str] = field(default_factory=set)


class TokenBook:
    """The access tokens the emulator issued, each with its scopes, user and expiry, and the
    refresh tokens (grants) of the OAuth flow."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._lock = threading.Lock()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tokens: dict[str, _Access] = {}
        self.grants: dict[str, Grant] = {}

    def issue(
        self,
        scopes: Iterable[str],
        user: str,
        *,
        lifetime: float | None = None,
        grant: str | None = None,
    ) -> str:
        token = "ya29.emulator-" + secrets.token_urlsafe(16)
        expires = None if lifetime is None else self._clock() + timedelta(seconds=lifetime)
        with self._lock:
            self._tokens[token] = _Access(frozenset(scopes), user, expires, grant)
            if grant is not None:
                self.grants[grant].access_tokens.add(token)
        return token

    def grant(self, client_id: str, scopes: Iterable[str], user: str) -> str:
        """A new refresh token for ``client_id``."""
        refresh = "1//emulator-" + secrets.token_urlsafe(24)
        with self._lock:
            self.grants[refresh] = Grant(client_id, frozenset(scopes), user)
        return refresh

    def lookup(self, authorization: str | None) -> tuple[frozenset[str], str] | None:
        """Scopes and user of a ``Bearer`` header; None for a token never issued, expired or
        revoked."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        with self._lock:
            access = self._tokens.get(token)
            if access is None or (access.expires is not None and access.expires <= self._clock()):
                return None
            return access.scopes, access.user

    def expire_all(self) -> int:
        """End the life of every access token now (refresh tokens stay good)."""
        now = self._clock()
        with self._lock:
            for access in self._tokens.values():
                access.expires = now
            return len(self._tokens)

    def revoke(self, token: str) -> bool:
        """Revoke a refresh token with its access tokens, or an access token with its grant
        (as Google does); False when the token is unknown."""
        with self._lock:
            access = self._tokens.get(token)
            refresh = access.grant if access is not None else token
            grant = self.grants.pop(refresh, None) if refresh is not None else None
            if grant is None and access is None:
                return False
            for issued in grant.access_tokens if grant is not None else ():
                self._tokens.pop(issued, None)
            self._tokens.pop(token, None)
            return True


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
