"""Pacing every call within the platform's quotas, and slowing down when told to.

A :class:`QuotaPacer` keeps, for each method family, the earliest moment the next call may
go (one slot every ``60 / rate`` seconds, a batch taking one slot per inner call). The rate
starts at ``share`` (90 %) of the smaller of the per-user and per-project quotas, and a
batch carries at most a twentieth of it, so the sliding minute Google counts never fills.
A ``rateLimitExceeded`` answer halves the family's rate (never below a tenth); every call
that goes through without one wins back 2 % of the gap, so the pace returns to the quota
once the platform is calm again.

``time_scale`` shrinks the minute (60: a minute lasts a second) for tests against an
emulator that scales its quotas the same way.

Example:
    >>> from meetlink.adapters.base import Quota
    >>> pacer = QuotaPacer([Quota("calendar", per_user=600)], time_scale=6000)
    >>> pacer.acquire("calendar", 50) >= 0
    True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from meetlink.adapters.base import Quota

__all__ = ["QuotaPacer"]

_FLOOR = 0.1  # the slowest pace, as a share of the quota
_RECOVERY = 0.02  # share of the gap won back by each call that went through


@dataclass
class _Lane:
    per_minute: float
    factor: float = 1.0
    next_slot: float = 0.0


class QuotaPacer:
    """Waits before each call (or batch) so a family's calls stay within its quota."""

    def __init__(
        self,
        quotas: Iterable[Quota],
        *,
        time_scale: float = 1.0,
        share: float = 0.9,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lanes: dict[str, _Lane] = {}
        for quota in quotas:
            limit = min(quota.per_user, quota.per_project or quota.per_user)
            self._lanes[quota.family] = _Lane(limit * share)
        self._minute = 60.0 / time_scale
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for benchmarks
        self.slowdowns = 0

    def interval(self, family: str) -> float:
        """Seconds between two calls of ``family`` at its current pace (0: not paced)."""
        lane = self._lanes.get(family)
        if lane is None:
            return 0.0
        return self._minute / (lane.per_minute * lane.factor)

    def burst(self, family: str, most: int) -> int:
        """How many calls of ``family`` one batch should carry: at most a twentieth of a
        minute's quota. A sliding minute can hold the pace's calls plus one more batch, so
        pace (90 %) + batch (4.5 %) stays under the quota (``most`` when not paced)."""
        lane = self._lanes.get(family)
        if lane is None:
            return most
        return max(1, min(most, int(lane.per_minute * lane.factor / 20)))

    def acquire(self, family: str, calls: int = 1) -> float:
        """Block until ``calls`` calls of ``family`` may go; returns the seconds waited."""
        lane = self._lanes.get(family)
        if lane is None or calls <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            start = max(now, lane.next_slot)
            lane.next_slot = start + calls * self.interval(family)
        wait = start - now
        if wait > 0:
            self._sleep(wait)
            with self._lock:
                self.waited += wait
        return wait

    def went_through(self, family: str, calls: int = 1) -> None:
        """``calls`` calls were answered without a rate limit: recover some pace."""
        lane = self._lanes.get(family)
        if lane is None:
            return
        with self._lock:
            for _ in range(min(calls, 100)):
                lane.factor = min(1.0, lane.factor + (1.0 - lane.factor) * _RECOVERY)

    def slow_down(self, family: str) -> None:
        """The platform said ``rateLimitExceeded``: halve the pace and push the next slot."""
        lane = self._lanes.get(family)
        if lane is None:
            return
        with self._lock:
            lane.factor = max(_FLOOR, lane.factor / 2)
            lane.next_slot = max(lane.next_slot, self._clock()) + self.interval(family)
            self.slowdowns += 1
