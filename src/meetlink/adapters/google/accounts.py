"""The organizer accounts of a google track, each with its own connection and quota.

Account 0 is the track's own credentials (``service_account_file`` + ``subject``, or
``token_file``, or ``login``, or anonymous against the emulator); accounts 1, 2, ... are the
entries of ``organizers``: an e-mail address is another user the service account acts for,
``login:NAME`` a sign-in stored by ``meetlink google login``, anything else a token file.
Google's per-user quotas are per account, so N accounts open N times as many conferences a
minute. A conference stays with the account its key hashes to, so a
rerun finds its event on the same calendar: do not change ``organizers`` between runs of a
meeting.

Example:
    >>> from meetlink.testing.conformance import sample_request
    >>> account_of(sample_request(key="main/s1"), 3) in (0, 1, 2)
    True
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httplib2
from google.auth.credentials import AnonymousCredentials
from google_auth_httplib2 import AuthorizedHttp

from meetlink.adapters.base import Quota
from meetlink.adapters.google.client import Client, Endpoints, load_credentials
from meetlink.adapters.google.login import LOGIN_PREFIX, stored_credentials
from meetlink.adapters.google.pacing import QuotaPacer
from meetlink.adapters.google.retry import RetryPolicy
from meetlink.adapters.models import ConferenceRequest
from meetlink.errors import AdapterError

__all__ = ["Account", "AccountSettings", "Connections", "account_of"]


class AccountSettings(Protocol):
    """What :class:`Connections` reads of ``GoogleSettings``."""

    @property
    def service_account_file(self) -> Path | None: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def token_file(self) -> Path | None: ...
    @property
    def login(self) -> str | None: ...
    @property
    def organizers(self) -> list[str]: ...
    @property
    def scopes(self) -> tuple[str, ...]: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def max_retry_seconds(self) -> float: ...
    @property
    def retry_base_delay(self) -> float: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def quota_time_scale(self) -> float | None: ...


@dataclass(frozen=True)
class Account:
    """Whose credentials: a delegated ``subject`` (with the service account), a token file
    or a stored sign-in (``login``)."""

    subject: str | None = None
    token_file: Path | None = None
    login: str | None = None

    @classmethod
    def of(cls, entry: str) -> Account:
        """The account an ``organizers`` entry names."""
        if entry.startswith(LOGIN_PREFIX):
            return cls(login=entry.removeprefix(LOGIN_PREFIX))
        return cls(subject=entry) if "@" in entry else cls(token_file=Path(entry))


def account_of(request: ConferenceRequest, count: int) -> int:
    """The account (0 … count-1) a conference belongs to: stable for its meeting and key."""
    if count <= 1:
        return 0
    digest = hashlib.sha256(f"{request.meeting_id}\0{request.key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


class Connections:
    """One :class:`Client` per account, made on first use, closed together."""

    def __init__(
        self,
        settings: AccountSettings,
        *,
        emulator_host: str | None,
        http: object,
        sleep: Callable[[float], None],
        to_error: Callable[[BaseException], AdapterError],
        quotas: tuple[Quota, ...],
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.emulator_host = emulator_host
        self.http = http
        self.sleep = sleep
        self.to_error = to_error
        self.quotas = quotas
        self.env = env if env is not None else os.environ
        own = Account(settings.subject, settings.token_file, settings.login)
        self.accounts = [own] + [Account.of(o) for o in settings.organizers]
        self._clients: dict[int, Client] = {}
        self._owned: list[AuthorizedHttp] = []
        self._lock = threading.Lock()

    @property
    def shared_transport(self) -> bool:
        """True when the caller gave one transport: its calls must not run in parallel."""
        return self.http is not None

    def client(self, index: int = 0) -> Client:
        with self._lock:
            if index not in self._clients:
                self._clients[index] = self._connect(self.accounts[index])
            return self._clients[index]

    def close(self) -> None:
        with self._lock:
            for authorized in self._owned:
                authorized.close()
            self._owned.clear()
            self._clients.clear()

    def pacer(self) -> QuotaPacer | None:
        """Google's quotas in real minutes; against the emulator only with
        ``quota_time_scale`` (its quotas are off unless a test turns them on)."""
        scale = self.settings.quota_time_scale
        if scale is None and self.emulator_host is not None:
            return None
        return QuotaPacer(self.quotas, time_scale=scale or 1.0, sleep=self.sleep)

    def _connect(self, account: Account) -> Client:
        settings = self.settings
        credentials: Any
        if account.login is not None:  # a stored sign-in: Google's, or the emulator's OAuth
            host = self.emulator_host
            endpoints = Endpoints.emulator(host) if host is not None else Endpoints()
            credentials = stored_credentials(account.login, settings.scopes, self.env)
        elif self.emulator_host is not None:
            endpoints = Endpoints.emulator(self.emulator_host)
            credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
            if account.token_file is not None:  # an emulator's token: its scopes are checked
                credentials = load_credentials(
                    service_account_file=None,
                    subject=None,
                    token_file=account.token_file,
                    scopes=settings.scopes,
                )
        else:
            endpoints = Endpoints()
            delegated = account.subject is not None
            credentials = load_credentials(
                service_account_file=settings.service_account_file if delegated else None,
                subject=account.subject,
                token_file=account.token_file,
                scopes=settings.scopes,
            )
        transport = self.http if self.http is not None else httplib2.Http(timeout=settings.timeout)
        authorized = AuthorizedHttp(credentials, http=transport)
        policy = RetryPolicy(
            settings.max_attempts,
            settings.max_retry_seconds,
            settings.retry_base_delay,
            sleep=self.sleep,
        )
        client = Client(
            authorized, endpoints, policy, settings.batch_size, self.to_error, self.pacer()
        )
        if self.http is None:
            self._owned.append(authorized)
        return client
