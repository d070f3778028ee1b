"""HTTP failures as :class:`~meetlink.errors.AdapterError`: the one status table of every
HTTP adapter (:func:`map_http_error`) and the ``Retry-After`` reader (:func:`parse_retry_after`).

Example:
    >>> type(map_http_error("google", 404)).__name__
    'NotFound'
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from meetlink.credentials.redaction import redact
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

__all__ = ["map_http_error", "parse_retry_after"]

_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_MAX_PLATFORM_TEXT = 300


def map_http_error(
    adapter: str, status: int, reason: str = "", message: str = "", retry_after: float | None = None
) -> AdapterError:
    """Turn an HTTP failure into the matching :class:`~meetlink.errors.AdapterError`.

    The one status table of every HTTP adapter: 401 → ``AuthError``; 403 with a rate
    reason → ``RateLimited``, with a quota reason → ``QuotaExceeded``, otherwise
    ``PermissionDenied``; 404/410 → ``NotFound``; 408 → ``TransientError``; 409 →
    ``Conflict``; 429 → ``RateLimited``; other 4xx → ``InvalidRequest``; 5xx →
    ``TransientError``. ``message`` is the platform's own text: it is shortened and every
    registered secret is cut from it. The error is returned, for the caller to raise.

    Example:
        >>> err = map_http_error("google", 429, "rateLimitExceeded", retry_after=30)
        >>> type(err).__name__, err.retry_after, err.retryable
        ('RateLimited', 30, True)
    """
    head = f"the {adapter} platform answered {status}"
    if reason:
        head += f" ({reason})"
    if message:
        text = redact(" ".join(message.split()))
        if len(text) > _MAX_PLATFORM_TEXT:
            text = text[: _MAX_PLATFORM_TEXT - 1] + "…"
        head += f' "{text}"'
    cls = _error_class(status, reason)
    wait = f"wait {retry_after:g} seconds" if retry_after is not None else "wait a minute"
    sentence = f"{head}: {_ADVICE[cls].format(wait=wait)}."
    if cls is RateLimited:
        return RateLimited(
            sentence, retry_after=retry_after, adapter=adapter, status=status, reason=reason
        )
    return cls(sentence, adapter=adapter, status=status, reason=reason)


def _error_class(status: int, reason: str) -> type[AdapterError]:
    if status == 401:
        return AuthError
    if status == 429 or (status == 403 and reason in _RATE_REASONS):
        return RateLimited
    if status == 403:
        return QuotaExceeded if reason in _QUOTA_REASONS else PermissionDenied
    if status in (404, 410):
        return NotFound
    if status == 408 or 500 <= status <= 599:
        return TransientError
    if status == 409:
        return Conflict
    return InvalidRequest if 400 <= status <= 499 else AdapterError


_ADVICE: dict[type[AdapterError], str] = {
    AuthError: "meetlink's credentials for it are missing, expired or wrong; check the track's "
    "settings (or sign in again) and run the command again",
    RateLimited: "too many requests; {wait} and run the command again (meetlink retries on its "
    "own first)",
    QuotaExceeded: "a usage quota is used up and retrying now will not help; run the command "
    "again once it resets (usually the next day), or ask for a larger quota",
    PermissionDenied: "the account is known but not allowed to do this; give it the permission "
    "(calendar access, API scope, role) and run the command again",
    NotFound: "the conference or calendar does not exist (any more); check the track's "
    "settings, then run `meetlink open` again to create what is missing",
    TransientError: "the platform failed or timed out on its side; the same call may succeed "
    "later, so run the command again (it is safe to)",
    Conflict: "it exists already; run the command again and meetlink will find it instead of "
    "making another",
    InvalidRequest: "the platform refused the request as it stands; correct the meeting file "
    "or the track's settings, since sending the same request again will not help",
    AdapterError: "meetlink does not expect this answer; run the command again, and report it "
    "to the meetlink developers if it keeps happening",
}


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None.

    Example:
        >>> parse_retry_after("120"), parse_retry_after("soon"), parse_retry_after(None)
        (120.0, None, None)
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
