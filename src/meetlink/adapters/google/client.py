"""The google adapter's connection: credentials, endpoints, services, and sending calls.

:class:`Client` sends one call (retried by the :class:`RetryPolicy`) or many: those go
through the API's HTTP batch endpoint, at most ``batch_size`` calls per batch, and each call
is retried on its own (the retryable failures of a round, and only they, go out again in
the next round, after the backoff or the longest ``Retry-After`` of the round).

``googleapiclient``'s ``new_batch_http_request()`` ignores an endpoint override and posts to
googleapis.com, so the batch URI is always given here. Meet's discovery document names a
``batch`` path too (documented nowhere else); should Google refuse a Meet batch request for
any reason but a passing one (a 4xx or 501, not a 429 or 5xx), calls go one by one from then on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import google.auth.credentials
import google.oauth2.credentials
import google.oauth2.service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.http import BatchHttpRequest

from meetlink.adapters.base import Quota
from meetlink.adapters.google.pacing import QuotaPacer
from meetlink.adapters.google.retry import SDK_ERRORS, RetryPolicy, retryable
from meetlink.errors import (
    AdapterError,
    AuthError,
    RateLimited,
    TransientError,
)

__all__ = [
    "CALENDAR_SCOPE",
    "DIRECTORY_SCOPE",
    "EMULATOR_HOST_ENV",
    "GOOGLE_QUOTAS",
    "MEET_READ_SCOPE",
    "MEET_SCOPE",
    "MEET_SETTINGS_SCOPE",
    "SCOPE_REASONS",
    "Client",
    "Endpoints",
    "load_credentials",
    "method_family",
]

logger = logging.getLogger("meetlink.adapters.google")

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events"
MEET_SCOPE = "https://www.googleapis.com/auth/meetings.space.created"
MEET_READ_SCOPE = "https://www.googleapis.com/auth/meetings.space.readonly"
MEET_SETTINGS_SCOPE = "https://www.googleapis.com/auth/meetings.space.settings"
#: The People API reading another account's directory profile (its address).
DIRECTORY_SCOPE = "https://www.googleapis.com/auth/directory.readonly"
#: The reasons of a 403 for a token without the method's scope (Calendar's, then Meet's).
SCOPE_REASONS = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})
EMULATOR_HOST_ENV = "MEETLINK_GOOGLE_EMULATOR_HOST"

Api = Literal["calendar", "meet"]
Call = Callable[[], Any]  # makes a fresh googleapiclient HttpRequest
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Endpoints:
    """Where calls go: Google itself (``None`` roots), or an emulator at ``http://host/``."""

    calendar_root: str | None = None
    meet_root: str | None = None
    calendar_batch: str = "https://www.googleapis.com/batch/calendar/v3"
    meet_batch: str = "https://meet.googleapis.com/batch"
    people_root: str | None = None

    @classmethod
    def emulator(cls, host: str) -> Endpoints:
        """The endpoints of an emulator at ``host:port`` (``MEETLINK_GOOGLE_EMULATOR_HOST``)."""
        host = host.strip().removeprefix("http://").rstrip("/")
        if not host or "/" in host:
            raise AuthError(
                f"{EMULATOR_HOST_ENV} must be host:port (for example 127.0.0.1:8085), not "
                f"{host!r}; fix the variable or unset it to talk to Google.",
                adapter="google",
            )
        root = f"http://{host}/"
        return cls(f"{root}calendar/v3/", root, f"{root}batch/calendar/v3", f"{root}batch", root)


def load_credentials(
    *,
    service_account_file: Path | None,
    subject: str | None,
    token_file: Path | None,
    scopes: Sequence[str],
) -> google.auth.credentials.Credentials:
    """Credentials from a service-account key (domain-wide delegation) or a token file.

    The files are read as JSON by google-auth (never unpickled); errors name the file and
    what is wrong with it, never its content.
    """
    if service_account_file is not None:
        path, what = service_account_file, "service-account key"
        hint = "download a JSON key of the service account"
    elif token_file is not None:
        path, what = token_file, "authorized-user token"
        hint = "sign in again to write a fresh token file"
    else:
        raise AuthError(
            "the google track has no credentials: set service_account_file and subject "
            "(a service account with domain-wide delegation) or token_file in its settings.",
            adapter="google",
        )
    try:
        credentials: google.auth.credentials.Credentials
        if service_account_file is not None:
            account = google.oauth2.service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                str(service_account_file), scopes=list(scopes)
            )
            credentials = account.with_subject(subject)
        else:
            credentials = google.oauth2.credentials.Credentials.from_authorized_user_file(  # type: ignore[no-untyped-call]
                str(token_file), scopes=list(scopes)
            )
        return credentials
    except OSError as exc:
        problem = f"cannot be read ({type(exc).__name__})"
    except (ValueError, KeyError, TypeError) as exc:  # not JSON, or fields missing
        problem = f"is not a valid {what} file ({type(exc).__name__})"
    raise AuthError(
        f"the {what} file '{path}' {problem}; check the path in the track's settings, or {hint}.",
        adapter="google",
    ) from None


#: Google's quotas (calls a minute, every call of a batch counted), by method family:
#: Calendar v3 (developers.google.com/workspace/calendar/api/guides/quota) and Meet v2
#: (developers.google.com/workspace/meet/api/guides/limits; spaces.create is a "reduced write").
GOOGLE_QUOTAS = (
    Quota("calendar", per_user=600, per_project=10_000),
    Quota("meet.read", per_user=600, per_project=6_000),
    Quota("meet.write", per_user=100, per_project=1_000),
    Quota("meet.create", per_user=10, per_project=100),
)


def method_family(what: str) -> str:
    """The quota family of a method: ``events.insert`` → ``calendar``, ``spaces.patch`` →
    ``meet.write``...

    Example:
        >>> method_family("spaces.get"), method_family("events.patch")
        ('meet.read', 'calendar')
    """
    if what.startswith("events."):
        return "calendar"
    if what == "spaces.create":
        return "meet.create"
    if what.endswith((".get", ".list")):
        return "meet.read"
    return "meet.write"


class _BatchRefused(Exception):
    """The batch endpoint itself said no (not a part): send the calls one by one."""


class Client:
    """Authorized services for Calendar v3 and Meet v2 and the two ways of sending calls."""

    def __init__(
        self,
        http: AuthorizedHttp,
        endpoints: Endpoints,
        policy: RetryPolicy,
        batch_size: int,
        to_error: Callable[[BaseException], AdapterError],
        pacer: QuotaPacer | None = None,
    ) -> None:
        self.http = http
        self.pacer = pacer
        self.endpoints = endpoints
        self.policy = policy
        self.batch_size = batch_size
        self.to_error = to_error
        self.meet_batch = True
        options = {"api_endpoint": endpoints.calendar_root} if endpoints.calendar_root else None
        self.calendar = build(
            "calendar", "v3", http=http, static_discovery=True, client_options=options
        )
        options = {"api_endpoint": endpoints.meet_root} if endpoints.meet_root else None
        self.meet = build("meet", "v2", http=http, static_discovery=True, client_options=options)
        # Building a resource re-reads its discovery document (~10 ms): make each one once.
        self.events = self.calendar.events()
        self.spaces = self.meet.spaces()
        self.records = self.meet.conferenceRecords()
        self.participants = self.records.participants()
        self._people: Any = None

    @property
    def people(self) -> Any:
        """People API v1's ``people`` resource (made on first use: only attendance reads it)."""
        if self._people is None:
            root = self.endpoints.people_root
            options = {"api_endpoint": root} if root else None
            service = build(
                "people", "v1", http=self.http, static_discovery=True, client_options=options
            )
            self._people = service.people()
        return self._people

    def get_event(self, calendar_id: str, event_id: str) -> Call:
        """The ``events.get`` call of one event."""
        return lambda: self.events.get(calendarId=calendar_id, eventId=event_id)

    def one(self, call: Call, what: str) -> Any:
        """Send one call, paced and retried; raises the ``AdapterError`` of its last attempt."""
        family = method_family(what)

        def attempt() -> Any:
            self._pace(family, 1)
            answer = call().execute()
            self._went_through(family, [answer])
            return answer

        def noted(exc: BaseException) -> AdapterError:
            error = self.to_error(exc)
            self._went_through(family, [error])
            return error

        return self.policy.call(attempt, what, noted)

    def _pace(self, family: str, calls: int) -> None:
        if self.pacer is not None:
            self.pacer.acquire(family, calls)

    def _went_through(self, family: str, outcomes: Sequence[Any]) -> None:
        """Tell the pacer how the calls went: a rate limit slows the family down."""
        if self.pacer is None:
            return
        if any(isinstance(o, RateLimited) for o in outcomes):
            self.pacer.slow_down(family)
        else:
            self.pacer.went_through(family, len(outcomes))

    def many(self, calls: Mapping[K, Call], api: Api, what: str) -> dict[K, Any]:
        """Send every call; each key gets its answer or its ``AdapterError``."""
        if len(calls) <= 1 or (api == "meet" and not self.meet_batch):
            return self._one_by_one(calls, what)
        try:
            return self._batched(calls, api, what)
        except _BatchRefused:
            self.meet_batch = False
            return self._one_by_one(calls, what)

    def _one_by_one(self, calls: Mapping[K, Call], what: str) -> dict[K, Any]:
        results: dict[K, Any] = {}
        for key, call in calls.items():
            try:
                results[key] = self.one(call, what)
            except AdapterError as exc:
                results[key] = exc
        return results

    def _batched(self, calls: Mapping[K, Call], api: Api, what: str) -> dict[K, Any]:
        policy = self.policy
        uri = self.endpoints.calendar_batch if api == "calendar" else self.endpoints.meet_batch
        results: dict[K, Any] = {}
        attempts: Counter[K] = Counter()
        started = policy.clock()
        todo, round_number = list(calls), 0
        while todo:
            round_number += 1
            again: list[K] = []
            asked = 0.0
            size = self.pacer.burst(method_family(what), self.batch_size) if self.pacer else 0
            for chunk in _chunks(todo, size or self.batch_size):
                self._pace(method_family(what), len(chunk))
                answers = self._send(chunk, calls, uri, api)
                self._went_through(method_family(what), list(answers.values()))
                for key in chunk:
                    attempts[key] += 1
                    results[key] = outcome = answers[key]
                    if retryable(outcome) and attempts[key] < policy.max_attempts:
                        again.append(key)
                        if isinstance(outcome, RateLimited):
                            asked = max(asked, outcome.retry_after or 0.0)
            if not again:
                break
            wait = policy.delay(round_number, asked)
            if policy.clock() - started + wait > policy.max_seconds:
                break
            logger.info(
                "google: %d of %d %s calls failed for now, retrying them in %.2f s",
                len(again),
                len(calls),
                what,
                wait,
            )
            policy.sleep(wait)
            todo = again
        return results

    def _send(self, chunk: list[K], calls: Mapping[K, Call], uri: str, api: Api) -> dict[K, Any]:
        """One batch HTTP request; a failure of the whole request is every part's failure."""
        answers: dict[str, Any] = {}

        def on_answer(request_id: str, response: Any, exception: BaseException | None) -> None:
            answers[request_id] = response if exception is None else self.to_error(exception)

        batch = BatchHttpRequest(callback=on_answer, batch_uri=uri)
        for number, key in enumerate(chunk):
            batch.add(calls[key](), request_id=str(number))
        try:
            batch.execute(http=self.http)
        except SDK_ERRORS as exc:
            error = self.to_error(exc)
            if api == "meet" and (not retryable(error) or error.status == 501):  # 4xx, 501
                logger.info("google: Meet refused a batch request (%s); sending one by one", error)
                raise _BatchRefused from None
            return dict.fromkeys(chunk, error)
        missing = TransientError(
            "Google's batch answer left out a call; run the command again (it is safe to).",
            adapter="google",
        )
        return {key: answers.get(str(number), missing) for number, key in enumerate(chunk)}


def _chunks(items: list[K], size: int) -> Iterator[list[K]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
