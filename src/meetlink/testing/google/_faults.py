"""Faults a test injects into the emulator: error statuses, lost responses, slow answers."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

from ._wire import ApiError, ApiRequest

FaultKind = Literal["status", "drop_response", "drop_request", "delay"]
FaultTarget = Literal["any", "http", "part"]
_TARGETS = ("any", "http", "part")


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, applied to the next ``times`` calls that match it.

    Build faults with the class methods; a fault matches a call when every filter given
    matches: ``method`` (``"POST"``), ``path_contains`` (a substring of the URL path, e.g.
    ``"/events"``), ``body_contains`` (a substring of the request body, e.g. an event id) and
    ``target``: ``"http"`` for whole HTTP requests only (a batch counts as one, path
    ``/batch/...``), ``"part"`` for the calls inside a batch only, ``"any"`` (default) for both.
    Faults are tried in the order injected; the first that matches is used and counted.

    Example:
        >>> from meetlink.testing.google import Fault
        >>> Fault.status(429, times=3, retry_after=2).code
        429
        >>> Fault.status(403, reason="quotaExceeded").reason
        'quotaExceeded'
    """

    kind: FaultKind
    times: int = 1
    method: str | None = None
    path_contains: str | None = None
    body_contains: str | None = None
    target: FaultTarget = "any"
    code: int = 0
    reason: str | None = None
    message: str | None = None
    domain: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.times < 1:
            raise ValueError(f"times must be 1 or more, not {self.times}.")
        if self.target not in _TARGETS:
            raise ValueError(f"target must be one of {', '.join(_TARGETS)}, not {self.target!r}.")
        if self.kind == "status" and not 400 <= self.code <= 599:
            raise ValueError(f"A status fault needs an error status 400-599, not {self.code}.")
        if self.seconds < 0:
            raise ValueError("seconds must not be negative.")

    @classmethod
    def status(
        cls,
        code: int,
        *,
        reason: str | None = None,
        message: str | None = None,
        domain: str | None = None,
        retry_after: float | None = None,
        times: int = 1,
        method: str | None = None,
        path_contains: str | None = None,
        body_contains: str | None = None,
        target: FaultTarget = "any",
    ) -> Fault:
        """Answer with HTTP ``code`` and Google's error body instead of doing the call.

        Calendar calls get ``errors[0].reason`` = ``reason`` (default: Google's usual one for
        the status, e.g. 429 ``rateLimitExceeded``, 500 ``backendError``) and ``domain``
        (default ``usageLimits`` for rate and quota reasons, else ``global``). Meet calls get
        ``status`` from the code and, when ``reason`` is UPPER_SNAKE (``RATE_LIMIT_EXCEEDED``),
        an ``ErrorInfo`` in ``details``. ``retry_after`` adds a ``Retry-After`` header (seconds).
        """
        return cls(
            "status",
            times,
            _upper(method),
            path_contains,
            body_contains,
            target,
            code=code,
            reason=reason,
            message=message,
            domain=domain,
            retry_after=retry_after,
        )

    @classmethod
    def drop_response(
        cls,
        *,
        times: int = 1,
        method: str | None = None,
        path_contains: str | None = None,
        body_contains: str | None = None,
        target: FaultTarget = "any",
    ) -> Fault:
        """Do the call (the write is stored), then close the connection without answering.

        httplib2 silently sends a request again once when a connection closes without an
        answer, so ``times=1`` on a POST is usually seen by the client as the *replay's*
        answer (e.g. 409 for an insert with a chosen id); use ``times=2`` for the client to
        see the connection error. In a batch, a matching part drops the whole HTTP response.
        """
        return cls("drop_response", times, _upper(method), path_contains, body_contains, target)

    @classmethod
    def drop_request(
        cls,
        *,
        times: int = 1,
        method: str | None = None,
        path_contains: str | None = None,
        body_contains: str | None = None,
        target: FaultTarget = "any",
    ) -> Fault:
        """Close the connection without doing the call (nothing is stored) and without answering."""
        return cls("drop_request", times, _upper(method), path_contains, body_contains, target)

    @classmethod
    def delay(
        cls,
        seconds: float,
        *,
        times: int = 1,
        method: str | None = None,
        path_contains: str | None = None,
        body_contains: str | None = None,
        target: FaultTarget = "http",
    ) -> Fault:
        """Do the call, then wait ``seconds`` before answering (for client timeouts)."""
        return cls(
            "delay", times, _upper(method), path_contains, body_contains, target, seconds=seconds
        )

    def matches(self, request: ApiRequest) -> bool:
        if self.target == "http" and request.in_batch:
            return False
        if self.target == "part" and not request.in_batch:
            return False
        if self.method is not None and request.method != self.method:
            return False
        if self.path_contains is not None and self.path_contains not in request.path:
            return False
        return self.body_contains is None or self.body_contains.encode() in request.body

    def to_error(self) -> ApiError:
        return ApiError(
            self.code,
            self.message,
            reason=self.reason,
            domain=self.domain,
            retry_after=self.retry_after,
        )


def _upper(method: str | None) -> str | None:
    return method.upper() if method else None


@dataclass
class _Entry:
    fault: Fault
    left: int


class FaultBook:
    """The injected faults with what is left of their ``times``; safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[_Entry] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._entries.append(_Entry(fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def pending(self) -> list[tuple[Fault, int]]:
        with self._lock:
            return [(entry.fault, entry.left) for entry in self._entries]

    def take(self, request: ApiRequest) -> Fault | None:
        """The first fault matching ``request``, counted as used once; None when none does."""
        with self._lock:
            for entry in self._entries:
                if entry.fault.matches(request):
                    entry.left -= 1
                    if entry.left == 0:
                        self._entries.remove(entry)
                    return entry.fault
        return None
