"""The google adapter's one error table, and no secret in its errors, reprs or logs.

Every status and reason, and every exception the Google client stack raises, goes through
``GoogleAdapter.map_error`` to an ``AdapterError`` subclass; table-driven, then checked live
against the emulator. No Google SDK exception reaches the caller.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google.auth.exceptions as auth_errors
import httplib2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from googleapiclient.errors import HttpError, InvalidJsonError

from meetlink.adapters.google import GoogleAdapter
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
from meetlink.testing.conformance import sample_request
from meetlink.testing.google import Fault, GoogleEmulator

KEY_MARKER = "PRIVATE-KEY-ID-zz81-must-not-leak"
REFRESH_MARKER = "1//refresh-token-zz82-must-not-leak"
CLIENT_SECRET_MARKER = "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leak"


def calendar_error(status: int, reason: str, message: str = "x", **headers: str) -> HttpError:
    body = {"error": {"errors": [{"domain": "global", "reason": reason, "message": message}]}}
    body["error"] |= {"code": status, "message": message}
    return HttpError(httplib2.Response({"status": status, **headers}), json.dumps(body).encode())


def meet_error(status: int, rpc_status: str, reason: str | None = None) -> HttpError:
    error: dict[str, Any] = {"code": status, "message": "m", "status": rpc_status}
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}]
    return HttpError(httplib2.Response({"status": status}), json.dumps({"error": error}).encode())


CALENDAR_CASES: list[tuple[int, str, type[AdapterError]]] = [
    (400, "badRequest", InvalidRequest),
    (400, "invalid", InvalidRequest),
    (400, "timeRangeEmpty", InvalidRequest),
    (401, "authError", AuthError),
    (403, "rateLimitExceeded", RateLimited),
    (403, "userRateLimitExceeded", RateLimited),
    (403, "quotaExceeded", QuotaExceeded),
    (403, "dailyLimitExceeded", QuotaExceeded),
    (403, "forbidden", PermissionDenied),
    (403, "forbiddenForServiceAccounts", PermissionDenied),
    (403, "insufficientPermissions", PermissionDenied),
    (404, "notFound", NotFound),
    (408, "requestTimeout", TransientError),
    (409, "duplicate", Conflict),
    (410, "deleted", NotFound),
    (412, "conditionNotMet", InvalidRequest),
    (429, "rateLimitExceeded", RateLimited),
    (500, "backendError", TransientError),
    (502, "badGateway", TransientError),
    (503, "backendError", TransientError),
    (504, "backendError", TransientError),
]

MEET_CASES: list[tuple[int, str, str | None, type[AdapterError]]] = [
    (400, "INVALID_ARGUMENT", None, InvalidRequest),
    (401, "UNAUTHENTICATED", None, AuthError),
    (403, "PERMISSION_DENIED", None, PermissionDenied),
    (403, "PERMISSION_DENIED", "RATE_LIMIT_EXCEEDED", RateLimited),
    (403, "PERMISSION_DENIED", "QUOTA_EXCEEDED", QuotaExceeded),
    (404, "NOT_FOUND", None, NotFound),
    (409, "ALREADY_EXISTS", None, Conflict),
    (429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED", RateLimited),
    (500, "INTERNAL", None, TransientError),
    (503, "UNAVAILABLE", None, TransientError),
]

TRANSPORT_CASES: list[tuple[BaseException, type[AdapterError]]] = [
    (TimeoutError("timed out"), TransientError),
    (ConnectionRefusedError(111, "Connection refused"), TransientError),
    (ConnectionResetError(104, "Connection reset by peer"), TransientError),
    (http.client.RemoteDisconnected("Remote end closed connection"), TransientError),
    (http.client.IncompleteRead(b"par"), TransientError),
    (httplib2.ServerNotFoundError("Unable to find the server"), TransientError),
    (httplib2.RedirectLimit("too many", httplib2.Response({"status": 302}), b""), TransientError),
    (ssl.SSLError(1, "bad record mac"), TransientError),
    (auth_errors.TransportError("no route"), TransientError),
    (auth_errors.RefreshError("invalid_grant", retryable=True), TransientError),
    (auth_errors.RefreshError("invalid_grant: Bad Request"), AuthError),
    (auth_errors.InvalidOperation("Anonymous credentials cannot be refreshed."), AuthError),
    (auth_errors.DefaultCredentialsError("no creds"), AuthError),
    (InvalidJsonError("not json"), TransientError),
    (json.JSONDecodeError("Expecting value", "<html>", 0), TransientError),
]


@pytest.mark.parametrize(("status", "reason", "expected"), CALENDAR_CASES)
def test_a_calendar_error_maps_by_status_and_reason(
    status: int, reason: str, expected: type[AdapterError]
) -> None:
    error = GoogleAdapter.map_error(calendar_error(status, reason))
    assert type(error) is expected
    assert (error.adapter, error.status, error.reason) == ("google", status, reason)


@pytest.mark.parametrize(("status", "rpc_status", "reason", "expected"), MEET_CASES)
def test_a_meet_error_maps_by_status_and_error_info(
    status: int, rpc_status: str, reason: str | None, expected: type[AdapterError]
) -> None:
    error = GoogleAdapter.map_error(meet_error(status, rpc_status, reason))
    assert type(error) is expected
    assert error.status == status


@pytest.mark.parametrize(("exc", "expected"), TRANSPORT_CASES, ids=lambda v: type(v).__name__)
def test_a_transport_or_auth_exception_maps_to_an_adapter_error(
    exc: BaseException, expected: type[AdapterError]
) -> None:
    error = GoogleAdapter.map_error(exc)
    assert type(error) is expected
    assert error.adapter == "google"
    assert str(error).endswith(".")


def test_retry_after_is_read_from_the_answer() -> None:
    error = GoogleAdapter.map_error(
        calendar_error(429, "rateLimitExceeded", **{"retry-after": "7"})
    )
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7


def test_the_platform_message_is_quoted_and_the_error_says_what_to_do() -> None:
    error = GoogleAdapter.map_error(calendar_error(403, "quotaExceeded", "Calendar usage limits"))
    assert '"Calendar usage limits"' in str(error)
    assert "retrying now will not help" in str(error)


def test_an_auth_error_does_not_repeat_the_library_text() -> None:
    exc = auth_errors.RefreshError(f"invalid_grant: token {REFRESH_MARKER} was revoked")
    error = GoogleAdapter.map_error(exc)
    assert REFRESH_MARKER not in str(error)
    assert "RefreshError" in str(error)


def test_an_adapter_error_passes_through_unchanged() -> None:
    original = NotFound("gone.", adapter="google")
    assert GoogleAdapter.map_error(original) is original


# -- live, through the emulator --------------------------------------------------------------


@pytest.fixture
def emu() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emulator:
        yield emulator


@pytest.fixture
def adapter(emu: GoogleEmulator) -> Iterator[GoogleAdapter]:
    settings = {"retry_base_delay": 0.001, "max_attempts": 3, "access_type": None}
    with GoogleAdapter(settings, env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}) as made:
        yield made


LIVE_CASES: list[tuple[int, str | None, type[AdapterError], int]] = [
    (400, "badRequest", InvalidRequest, 1),
    (401, None, AuthError, 1),
    (403, "forbidden", PermissionDenied, 1),
    (403, "quotaExceeded", QuotaExceeded, 1),
    (403, "rateLimitExceeded", RateLimited, 3),
    (403, "userRateLimitExceeded", RateLimited, 3),
    (404, None, NotFound, 1),
    (429, None, RateLimited, 3),
    (500, None, TransientError, 3),
    (503, None, TransientError, 3),
]


@pytest.mark.parametrize(("status", "reason", "expected", "sent"), LIVE_CASES)
def test_an_error_answer_is_raised_as_its_class_after_the_right_number_of_tries(
    emu: GoogleEmulator,
    adapter: GoogleAdapter,
    status: int,
    reason: str | None,
    expected: type[AdapterError],
    sent: int,
) -> None:
    emu.inject(Fault.status(status, reason=reason, times=10, method="POST"))
    with pytest.raises(expected) as caught:
        adapter.create(sample_request())
    assert type(caught.value) is expected
    assert len(emu.requests) == sent
    assert caught.value.__cause__ is None


# -- no secret in errors, reprs or logs ------------------------------------------------------


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _shown(error: BaseException, adapter: GoogleAdapter, caplog: pytest.LogCaptureFixture) -> str:
    shown = [str(error), repr(error), str(vars(error)), repr(adapter), repr(adapter.settings)]
    return "\n".join([*shown, caplog.text])


def test_a_service_account_key_never_shows_in_errors_reprs_or_logs(
    emu: GoogleEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pem = _pem()
    key_file = tmp_path / "sa.json"
    key_file.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "thiuy",
                "private_key_id": KEY_MARKER,
                "private_key": pem,
                "client_email": "meetlink@thiuy.iam.gserviceaccount.com",
                "client_id": "1234567890",
                "token_uri": f"{emu.url}token",  # the emulator answers 404: refresh fails
            }
        )
    )
    caplog.set_level(logging.DEBUG)
    settings = {
        "service_account_file": key_file,
        "subject": "vanphong@thiuy.example",
        "retry_base_delay": 0.001,
    }
    with GoogleAdapter(settings, env={}) as adapter:
        with pytest.raises(AuthError) as caught:
            adapter.create(sample_request())
        shown = _shown(caught.value, adapter, caplog)
    body = "".join(pem.splitlines()[1:-1])
    assert KEY_MARKER not in shown
    assert all(line not in shown for line in pem.splitlines()[1:-1])
    assert body[:40] not in shown
    assert "domain-wide delegation" in str(caught.value)


class RevokedTokenEndpoint:
    """An injected transport answering every request as Google's token endpoint does for a
    revoked refresh token (google-auth always sends user tokens to oauth2.googleapis.com)."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def request(self, uri: str, method: str = "GET", body: Any = None, **_: Any) -> Any:
        self.bodies.append(str(body))
        answer = {"error": "invalid_grant", "error_description": "Token has been revoked."}
        return httplib2.Response({"status": 400}), json.dumps(answer).encode()

    def close(self) -> None:
        pass


def test_a_token_file_never_shows_in_errors_reprs_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = tmp_path / "token.json"
    token.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "123.apps.googleusercontent.com",
                "client_secret": CLIENT_SECRET_MARKER,
                "refresh_token": REFRESH_MARKER,
            }
        )
    )
    caplog.set_level(logging.DEBUG)
    endpoint = RevokedTokenEndpoint()
    with GoogleAdapter({"token_file": token}, http=endpoint, env={}) as adapter:
        with pytest.raises(AuthError) as caught:
            adapter.find(sample_request())
        shown = _shown(caught.value, adapter, caplog)
    assert "refresh-token-zz82" in endpoint.bodies[0]  # used, and sent to Google only
    assert REFRESH_MARKER not in shown
    assert CLIENT_SECRET_MARKER not in shown


def test_a_key_file_that_is_not_a_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps({"type": "service_account", "private_key": KEY_MARKER}))
    settings = {"service_account_file": key_file, "subject": "vanphong@thiuy.example"}
    adapter = GoogleAdapter(settings, env={})
    with adapter, pytest.raises(AuthError, match="not a valid service-account key") as caught:
        adapter.find(sample_request())
    assert KEY_MARKER not in str(caught.value)
