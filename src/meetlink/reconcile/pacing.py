"""A per-platform rate limit for ``open``: at most N calls a second, shared by all workers.

Adapters retry what the platform refuses (429 with ``Retry-After``); the throttle keeps
``open`` from asking too fast in the first place, across its concurrent workers.

Example:
    >>> throttle = Throttle(per_second=1000)
    >>> throttle.wait()  # returns at once while under the rate
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Throttle"]


class Throttle:
    """Spaces calls at least ``1 / per_second`` apart; ``None`` or 0 means no limit."""

    def __init__(
        self,
        per_second: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next call may go."""
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)
