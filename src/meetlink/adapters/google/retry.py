"""The google adapter's one error table and one retry policy.

:func:`platform_error` is the only place a Google SDK exception (googleapiclient's
``HttpError``, google-auth's errors, httplib2's and the socket's) becomes an
:class:`~meetlink.errors.AdapterError`; HTTP statuses go through the adapter's
``http_error`` (:func:`meetlink.adapters.http_errors.map_http_error`). :class:`RetryPolicy` retries
what may succeed later (429, the rate-limit 403s, 408, 5xx, dropped connections) with
truncated exponential backoff plus jitter, honours ``Retry-After``, and stops after a number
of attempts or a time budget, whichever comes first. googleapiclient's own ``num_retries``
is never used: the two layers would multiply.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import google.auth.exceptions as auth_errors
import httplib2
from googleapiclient.errors import Error as ClientError
from googleapiclient.errors import HttpError
from tenacity import RetryCallState, Retrying, retry_if_exception

from meetlink.adapters.http_errors import parse_retry_after
from meetlink.credentials.redaction import redact
from meetlink.errors import AdapterError, AuthError, RateLimited, TransientError

__all__ = ["SDK_ERRORS", "HttpErrorFactory", "RetryPolicy", "platform_error", "retryable"]

logger = logging.getLogger("meetlink.adapters.google")

_T = TypeVar("_T")
HttpErrorFactory = Callable[[int, str, str, float | None], AdapterError]

SDK_ERRORS: tuple[type[BaseException], ...] = (
    ClientError,  # HttpError, BatchError, InvalidJsonError...
    auth_errors.GoogleAuthError,
    httplib2.HttpLib2Error,
    http.client.HTTPException,
    OSError,  # socket timeouts, refused and reset connections, TLS errors
    ValueError,  # googleapiclient's JSON model: a body that is not JSON
)
"""What the Google client stack raises; every one is turned into an ``AdapterError``."""

# Meet answers google.rpc.Status; its ErrorInfo reasons that mean what Calendar's say.
_RPC_REASONS = {"RATE_LIMIT_EXCEEDED": "rateLimitExceeded", "QUOTA_EXCEEDED": "quotaExceeded"}
_BACKOFF_CAP = 32  # times the base delay: Google's "truncated" exponential backoff


def platform_error(exc: BaseException, http_error: HttpErrorFactory, adapter: str) -> AdapterError:
    """The :class:`~meetlink.errors.AdapterError` for anything the Google client stack raised.

    Messages name the exception type, never its text when it may carry a credential
    (google-auth's errors can hold the token endpoint's answer).

    Example:
        >>> from meetlink.adapters.http_errors import map_http_error
        >>> def table(status, reason, message, retry_after):
        ...     return map_http_error("google", status, reason, message, retry_after)
        >>> type(platform_error(TimeoutError("timed out"), table, "google")).__name__
        'TransientError'
    """
    if isinstance(exc, AdapterError):
        return exc
    if isinstance(exc, HttpError):
        status, reason, message = _http_parts(exc)
        retry_after = parse_retry_after(_header(exc, "retry-after"))
        return http_error(status, reason, message, retry_after)
    kind = type(exc).__name__
    if isinstance(exc, auth_errors.GoogleAuthError):
        if isinstance(exc, auth_errors.TransportError | auth_errors.TimeoutError) or exc.retryable:
            return TransientError(
                f"meetlink could not reach Google to sign in ({kind}); check the network and "
                "run the command again (it is safe to).",
                adapter=adapter,
                reason=kind,
            )
        return AuthError(
            f"Google did not accept meetlink's credentials ({kind}): the key or token file is "
            "wrong, revoked or expired, or lacks domain-wide delegation for the subject; fix the "
            "track's settings (or sign in again) and run the command again.",
            adapter=adapter,
            status=401,
            reason=kind,
        )
    if isinstance(exc, httplib2.ServerNotFoundError):
        return TransientError(
            "meetlink could not find Google's server (the name does not resolve); check the "
            "network and DNS, then run the command again (it is safe to).",
            adapter=adapter,
            reason=kind,
        )
    if isinstance(exc, OSError | http.client.HTTPException | httplib2.HttpLib2Error):
        detail = redact(" ".join(str(exc).split()))[:120]
        return TransientError(
            f"the connection to Google failed ({kind}{': ' + detail if detail else ''}); the "
            "call may or may not have been done, and running the command again is safe.",
            adapter=adapter,
            reason=kind,
        )
    return TransientError(
        f"Google answered something meetlink could not read ({kind}); run the command again, "
        "and report it to the meetlink developers if it keeps happening.",
        adapter=adapter,
        reason=kind,
    )


def _header(exc: HttpError, name: str) -> str | None:
    resp: Any = exc.resp
    value = resp.get(name) if hasattr(resp, "get") else None
    return str(value) if value is not None else None


def _http_parts(exc: HttpError) -> tuple[int, str, str]:
    """Status, machine reason and message of an error answer (Calendar's or Meet's shape)."""
    status = int(exc.resp.status)
    message = str(exc.reason or "")
    reason = ""
    try:
        error = json.loads(exc.content.decode("utf-8"))["error"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return status, reason, message
    if not isinstance(error, dict):
        return status, reason, message
    for item in error.get("errors") or ():  # Calendar: [{"domain", "reason", "message"}]
        if isinstance(item, dict) and item.get("reason"):
            reason = str(item["reason"])
            break
    for item in error.get("details") or ():  # Meet: google.rpc.ErrorInfo
        if not reason and isinstance(item, dict) and item.get("reason"):
            reason = _RPC_REASONS.get(str(item["reason"]), str(item["reason"]))
    if not reason and isinstance(error.get("status"), str):
        reason = error["status"]
    return status, reason, str(error.get("message") or message)


def retryable(error: BaseException) -> bool:
    """Whether the same call may succeed later: rate limits and transient failures."""
    return isinstance(error, RateLimited | TransientError)


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts, time budget and backoff shared by single calls and batch rounds.

    ``base_delay`` is the first wait in seconds (tests make it tiny); the n-th wait is
    ``min(base * 2**(n-1), 32 * base)`` plus up to ``base`` of jitter, or ``Retry-After``
    when the platform asks for longer.

    Example:
        >>> policy = RetryPolicy(max_attempts=3, max_seconds=10, base_delay=0)
        >>> policy.call(lambda: "done", "events.get", lambda exc: AdapterError(str(exc)))
        'done'
    """

    max_attempts: int
    max_seconds: float
    base_delay: float
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        doubling = 1 << min(max(attempt - 1, 0), 30)
        backoff = min(self.base_delay * doubling, self.base_delay * _BACKOFF_CAP)
        backoff += random.uniform(0, self.base_delay)  # noqa: S311 (jitter, not a secret) # nosec B311
        return max(backoff, retry_after or 0.0)

    def call(
        self, action: Callable[[], _T], what: str, to_error: Callable[[BaseException], AdapterError]
    ) -> _T:
        """Run ``action`` until it succeeds, fails for good, or the attempts or time run out.

        SDK exceptions become ``AdapterError`` through ``to_error``; the last one is raised.
        """

        def attempt() -> _T:
            try:
                return action()
            except SDK_ERRORS as exc:
                raise to_error(exc) from None

        retrying = Retrying(
            sleep=self.sleep,
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception(retryable),
            before_sleep=lambda state: _log_retry(what, state),
            reraise=True,
        )
        return retrying(attempt)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        asked = error.retry_after if isinstance(error, RateLimited) else None
        return self.delay(state.attempt_number, asked)

    def _stop(self, state: RetryCallState) -> bool:
        elapsed = state.seconds_since_start or 0.0
        return (
            state.attempt_number >= self.max_attempts
            or elapsed + state.upcoming_sleep > self.max_seconds
        )


def _log_retry(what: str, state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    logger.info(
        "google: %s failed (attempt %d), retrying in %.2f s: %s",
        what,
        state.attempt_number,
        state.upcoming_sleep,
        error,
    )
