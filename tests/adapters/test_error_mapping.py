"""map_http_error: every HTTP status and platform reason lands on the right AdapterError."""

from __future__ import annotations

import datetime as dt

import pytest

from meetlink.adapters.http_errors import map_http_error, parse_retry_after
from meetlink.adapters.memory import MemoryAdapter
from meetlink.credentials.secret import Secret
from meetlink.errors import (
    AdapterError,
    AuthError,
    Conflict,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    RateLimited,
    TransientError,
)

CASES: list[tuple[int, str, type[AdapterError]]] = [
    (401, "", AuthError),
    (401, "authError", AuthError),
    (403, "rateLimitExceeded", RateLimited),
    (403, "userRateLimitExceeded", RateLimited),
    (403, "quotaExceeded", QuotaExceeded),
    (403, "dailyLimitExceeded", QuotaExceeded),
    (403, "forbidden", PermissionDenied),
    (403, "insufficientPermissions", PermissionDenied),
    (403, "", PermissionDenied),
    (404, "notFound", NotFound),
    (410, "deleted", NotFound),
    (408, "", TransientError),
    (409, "duplicate", Conflict),
    (400, "timeRangeEmpty", InvalidRequest),
    (400, "", InvalidRequest),
    (405, "", InvalidRequest),
    (412, "conditionNotMet", InvalidRequest),
    (422, "", InvalidRequest),
    (429, "", RateLimited),
    (429, "rateLimitExceeded", RateLimited),
    (500, "backendError", TransientError),
    (502, "", TransientError),
    (503, "", TransientError),
    (504, "", TransientError),
    (302, "", AdapterError),
    (200, "", AdapterError),
]
RETRYABLE = (RateLimited, TransientError)


@pytest.mark.parametrize(("status", "reason", "expected"), CASES)
def test_status_and_reason_map_to_the_error_class(
    status: int, reason: str, expected: type[AdapterError]
) -> None:
    error = map_http_error("google", status, reason)
    assert type(error) is expected
    assert (error.adapter, error.status, error.reason) == ("google", status, reason)


@pytest.mark.parametrize(("status", "reason", "expected"), CASES)
def test_only_rate_limits_and_transient_errors_are_retryable(
    status: int, reason: str, expected: type[AdapterError]
) -> None:
    assert map_http_error("google", status, reason).retryable is issubclass(expected, RETRYABLE)


@pytest.mark.parametrize(("status", "reason", "expected"), CASES)
def test_messages_name_the_platform_and_status_as_a_sentence(
    status: int, reason: str, expected: type[AdapterError]
) -> None:
    message = str(map_http_error("jitsi", status, reason))
    assert message.startswith(f"the jitsi platform answered {status}")
    assert message.endswith(".")
    assert "run" in message or "correct" in message


@pytest.mark.parametrize(("status", "reason"), [(429, ""), (403, "userRateLimitExceeded")])
def test_retry_after_is_carried_and_told(status: int, reason: str) -> None:
    error = map_http_error("google", status, reason, retry_after=12.5)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 12.5
    assert "wait 12.5 seconds" in str(error)


def test_retry_after_defaults_to_none() -> None:
    error = map_http_error("google", 429)
    assert isinstance(error, RateLimited)
    assert error.retry_after is None
    assert "wait a minute" in str(error)


def test_the_platform_message_is_quoted_on_one_line() -> None:
    error = map_http_error("google", 400, "invalid", "Bad\n  start   time")
    assert '"Bad start time"' in str(error)


def test_a_long_platform_message_is_shortened() -> None:
    error = map_http_error("google", 400, "", "x" * 5000)
    assert len(str(error)) < 600
    assert "…" in str(error)


def test_secrets_in_the_platform_message_are_cut() -> None:
    token = Secret("tok-7781-never-shown")
    error = map_http_error("jitsi", 401, "", f"token {token.reveal()} expired")
    assert token.reveal() not in str(error)
    assert "token *** expired" in str(error)


def test_an_adapter_maps_errors_under_its_own_name() -> None:
    error = MemoryAdapter.http_error(404, "notFound")
    assert isinstance(error, NotFound)
    assert error.adapter == "memory"


NOW = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("-5", 0.0),
        ("Tue, 01 Jan 2030 12:00:30 GMT", 30.0),
        ("Tue, 01 Jan 2030 11:00:00 GMT", 0.0),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_header_is_parsed(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds
