"""Google's rate quotas, per user and per project, counted per call (inside a batch too).

Off by default. When on, each call is counted in a sliding minute for its method family,
once for its user (the token's, or the calendar owner for anonymous calls) and once for the
project (every user together); a call that would cross either is answered 429
``rateLimitExceeded`` (Calendar's legacy body) or ``RESOURCE_EXHAUSTED`` with an
``ErrorInfo`` ``RATE_LIMIT_EXCEEDED`` (Meet's). ``time_scale`` shrinks the minute (60: a
minute lasts one second) so tests of a thousand conferences stay short.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping

from ._wire import ApiError, ApiRequest

#: Calls a minute (per user, per project) by method family, as Google documents them:
#: Calendar v3 "Manage quotas" and Meet v2 "Usage limits" (spaces.create: a reduced write).
GOOGLE_LIMITS: Mapping[str, tuple[int, int]] = {
    "calendar": (600, 10_000),
    "meet.read": (600, 6_000),
    "meet.write": (100, 1_000),
    "meet.create": (10, 100),
}


def family_of(request: ApiRequest) -> str:
    """The quota family a call counts against."""
    if request.api == "calendar":
        return "calendar"
    if request.method == "POST" and request.path == "/v2/spaces":
        return "meet.create"
    return "meet.read" if request.method == "GET" else "meet.write"


class QuotaBook:
    """Sliding-minute counters per (family, user) and per family for the project."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.enabled = False
        self.time_scale = 1.0
        self.limits: dict[str, tuple[int, int]] = dict(GOOGLE_LIMITS)
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self.refused: Counter[str] = Counter()  # 429s answered, by family
        self.admitted: Counter[str] = Counter()

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self.refused.clear()
            self.admitted.clear()

    def admit(self, request: ApiRequest, user: str) -> None:
        """Count the call, or raise the 429 Google would answer."""
        if not self.enabled:
            return
        family = family_of(request)
        per_user, per_project = self.limits.get(family, (0, 0))
        minute = 60.0 / self.time_scale
        with self._lock:
            now = self._clock()
            mine = self._window(family, user, now - minute)
            everyone = self._window(family, "", now - minute)
            over_user = per_user and len(mine) >= per_user
            over_project = per_project and len(everyone) >= per_project
            if over_user or over_project:
                self.refused[family] += 1
            else:
                mine.append(now)
                everyone.append(now)
                self.admitted[family] += 1
                return
        reason = "userRateLimitExceeded" if over_user else "rateLimitExceeded"
        if request.api == "meet":
            raise ApiError(
                429,
                f"Quota exceeded for quota metric '{family}' and limit "
                f"'{'per minute per user' if over_user else 'per minute'}' of service "
                "'meet.googleapis.com'.",
                reason="RATE_LIMIT_EXCEEDED",
            )
        raise ApiError(429, reason=reason)

    def _window(self, family: str, who: str, since: float) -> deque[float]:
        window = self._windows.setdefault((family, who), deque())
        while window and window[0] <= since:
            window.popleft()
        return window
