"""What every handler of the emulator shares: requests, responses, Google's error bodies, ids, time.

Calendar v3 answers errors in the "legacy" JSON shape, with an ``errors`` list carrying a
``domain`` and a ``reason``; Meet v2 answers in the ``google.rpc.Status`` shape (``code``,
``message``, ``status`` and, for faults that name a reason, an ``ErrorInfo`` in ``details``).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Literal, TypeVar

JSON = dict[str, Any]
T = TypeVar("T")
Api = Literal["calendar", "meet"]

#: google.rpc.Code names by HTTP status (https://cloud.google.com/apis/design/errors).
RPC_STATUS: Mapping[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

#: Calendar's reason for a status when a fault names none.
DEFAULT_REASON: Mapping[int, str] = {
    400: "badRequest",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    409: "duplicate",
    410: "deleted",
    412: "conditionNotMet",
    429: "rateLimitExceeded",
}

#: The message Google sends with each Calendar reason.
REASON_MESSAGE: Mapping[str, str] = {
    "badRequest": "Bad Request",
    "invalid": "Invalid Value",
    "required": "Required",
    "parseError": "Parse Error",
    "authError": "Invalid Credentials",
    "forbidden": "Forbidden",
    "rateLimitExceeded": "Rate Limit Exceeded",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
    "quotaExceeded": "Calendar usage limits exceeded.",
    "dailyLimitExceeded": "Daily Limit Exceeded",
    "forbiddenForServiceAccounts": (
        "Service accounts cannot invite attendees without Domain-Wide Delegation of Authority."
    ),
    "notFound": "Not Found",
    "duplicate": "The requested identifier already exists.",
    "deleted": "Resource has been deleted",
    "conditionNotMet": "Precondition Failed",
    "backendError": "Backend Error",
}

USAGE_LIMIT_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"}
)

#: Meet's message for a status when nothing more precise is known.
RPC_MESSAGE: Mapping[int, str] = {
    400: "Request contains an invalid argument.",
    401: "Request had invalid authentication credentials.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    409: "The resource already exists.",
    429: "Resource has been exhausted (e.g. check quota).",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


@dataclass(frozen=True)
class ApiRequest:
    """One API call: a plain HTTP request, or one part of a batch request."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    in_batch: bool = False
    scopes: frozenset[str] | None = None  # the token's scopes; None: anonymous, all allowed
    user: str | None = None  # the token's user; None: anonymous (the calendar's owner)

    @property
    def api(self) -> Api:
        return "meet" if self.path.startswith(("/v2/", "/v1/people/")) else "calendar"

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() == "true"

    def int_param(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self.param(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError.invalid(f"Invalid value for {name}: {raw}") from None
        if not low <= value <= high:
            raise ApiError.invalid(f"Invalid value for {name}: {raw}")
        return value

    def require_scope(self, accepted: frozenset[str], method: str) -> None:
        """Refuse, as Google does, a token that carries none of the ``accepted`` scopes."""
        if self.scopes is not None and not self.scopes & accepted:
            raise ScopeError(self.api, method)

    def json_body(self) -> JSON:
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ApiError(400, "Parse Error", reason="parseError") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Parse Error", reason="parseError")
        return data


@dataclass(frozen=True)
class ApiResponse:
    """What one API call answers: status, extra headers, body bytes."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, payload: JSON, status: int = 200) -> ApiResponse:
        data = json.dumps(payload, ensure_ascii=False, indent=2).encode()
        return cls(status, data, (("Content-Type", "application/json; charset=UTF-8"),))

    @classmethod
    def no_content(cls) -> ApiResponse:
        return cls(204)


class ApiError(Exception):
    """An error answer; ``to_response`` renders it in the shape of the API that was called."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        reason: str | None = None,
        domain: str | None = None,
        retry_after: float | None = None,
        location: str | None = None,
        rpc_status: str | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.retry_after = retry_after
        self.location = location
        self.rpc_status = rpc_status
        super().__init__(f"{status} {reason or ''} {message or ''}".strip())

    @classmethod
    def invalid(cls, message: str, *, reason: str = "invalid") -> ApiError:
        return cls(400, message, reason=reason)

    @classmethod
    def not_found(cls) -> ApiError:
        return cls(404, None, reason="notFound")

    def to_response(self, api: Api) -> ApiResponse:
        body = self._meet_body() if api == "meet" else self._calendar_body()
        response = ApiResponse.json(body, self.status)
        if self.retry_after is None:
            return response
        headers = (*response.headers, ("Retry-After", f"{self.retry_after:g}"))
        return ApiResponse(response.status, response.body, headers)

    def _calendar_body(self) -> JSON:
        reason = self.reason or DEFAULT_REASON.get(self.status, "backendError")
        message = self.message or REASON_MESSAGE.get(reason) or RPC_MESSAGE.get(self.status)
        message = message or status_phrase(self.status)
        domain = self.domain or ("usageLimits" if reason in USAGE_LIMIT_REASONS else "global")
        item: JSON = {"domain": domain, "reason": reason, "message": message}
        if self.location:
            item |= {"locationType": "parameter", "location": self.location}
        if reason == "authError":
            item |= {"locationType": "header", "location": "Authorization"}
        error: JSON = {"errors": [item], "code": self.status, "message": message}
        if self.status in RPC_STATUS:
            error["status"] = RPC_STATUS[self.status]
        return {"error": error}

    def _meet_body(self) -> JSON:
        status = self.rpc_status or RPC_STATUS.get(self.status, "UNKNOWN")
        message = self.message or RPC_MESSAGE.get(self.status, "Error")
        error: JSON = {"code": self.status, "message": message, "status": status}
        # Calendar-style reasons the handlers use internally are not Meet's; only a reason a
        # test chose on purpose (always given with a fault) shows up as an ErrorInfo.
        if self.reason and self.reason.isupper():
            error["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": self.reason,
                    "domain": self.domain or "googleapis.com",
                }
            ]
        return {"error": error}


class ScopeError(ApiError):
    """403 for a token without the method's scope, in the body Google sends for it.

    Both APIs answer ``PERMISSION_DENIED`` with an ``ErrorInfo`` whose reason is
    ``ACCESS_TOKEN_SCOPE_INSUFFICIENT``; Calendar adds its legacy ``errors`` list.
    """

    MESSAGE = "Request had insufficient authentication scopes."

    def __init__(self, api: Api, method: str) -> None:
        super().__init__(403, self.MESSAGE, reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT")
        self.api = api
        self.method = method

    def to_response(self, api: Api) -> ApiResponse:
        service = "meet.googleapis.com" if api == "meet" else "calendar-json.googleapis.com"
        error: JSON = {"code": 403, "message": self.MESSAGE}
        if api == "calendar":
            error["errors"] = [
                {
                    "message": "Insufficient Permission",
                    "domain": "global",
                    "reason": "insufficientPermissions",
                }
            ]
        error["status"] = "PERMISSION_DENIED"
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"service": service, "method": self.method},
            }
        ]
        return ApiResponse.json({"error": error}, 403)


def status_phrase(code: int) -> str:
    """``Not Found`` for 404; ``Error`` for a code the stdlib does not name (e.g. 499)."""
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def rfc3339(moment: datetime) -> str:
    """``2025-03-01T01:00:00.000Z``: UTC, milliseconds, as Google writes timestamps."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 timestamp that carries an offset; ``ValueError`` otherwise."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone offset")
    return moment


def as_utc(moment: datetime | str) -> datetime:
    """Accept an aware datetime or an RFC 3339 string (test helpers take either)."""
    value = parse_rfc3339(moment) if isinstance(moment, str) else moment
    if value.tzinfo is None:
        raise ValueError("Pass a timezone-aware datetime, e.g. datetime(..., tzinfo=UTC).")
    return value.astimezone(UTC)


def paginate(items: Sequence[T], size: int, token: str | None) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token of the next page (None on the last page)."""
    offset = 0
    if token:
        try:
            offset = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("o:"))
        except ValueError:
            raise ApiError.invalid("Invalid page token value.") from None
    end = offset + size
    following = base64.urlsafe_b64encode(f"o:{end}".encode()).decode() if end < len(items) else None
    return list(items[offset:end]), following


_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest(), "big")


def _spell(number: int, alphabet: str, length: int) -> str:
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


def meeting_code_for(key: str) -> str:
    """A Meet code (``abc-defg-hij``) derived from ``key``: same key, same code."""
    letters = _spell(_digest(f"code:{key}"), _LOWER, 10)
    return f"{letters[:3]}-{letters[3:7]}-{letters[7:]}"


@dataclass
class IdSource:
    """Deterministic ids: the n-th id of a kind is the same in every run with the same seed."""

    seed: str
    _counter: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _next(self, kind: str) -> int:
        with self._lock:
            n = next(self._counter)
        return _digest(f"{kind}:{self.seed}:{n}")

    def event_id(self) -> str:
        return _spell(self._next("event"), _BASE32HEX, 26)

    def space_id(self) -> str:
        return _spell(self._next("space"), _ALNUM, 12)

    def record_id(self) -> str:
        return _spell(self._next("record"), _ALNUM, 22)

    def participant_id(self) -> str:
        return _spell(self._next("participant"), "0123456789", 18)

    def user_id(self) -> str:
        return _spell(self._next("user"), "0123456789", 21)

    def meeting_code(self) -> str:
        return meeting_code_for(f"{self.seed}:{self._next('meeting')}")

    def etag(self) -> str:
        return f'"{3_400_000_000_000_000 + self._next("etag") % 10**15}"'
