"""Python's cyclic garbage collector held back while one run reads and compares (issue 19).

An ``open`` of 10,000 bridge points makes about a million objects that live until it ends
(the roster, the plan, the ledger's rows, the desired state) and frees almost none of them
while it runs. The cyclic collector walks all of them again each time they have grown by a
quarter: 40 % of a re-run with nothing to do. Reference counting frees every object that is
not in a cycle as before, so memory stays what it was (a first ``open`` of 2,000 points
leaves under 200 objects in cycles, collected once the run is over); the collector runs
again as usual when the outermost run ends, in whatever thread. A process forked during a
run (a caller's hook that forks a worker) is not that run: it starts with the collector as
it was before the run, and counts its own runs from none.

Example:
    >>> import gc
    >>> with paused_collection():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import threading
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

__all__ = ["paused_collection", "without_collection"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

_lock = threading.Lock()
_depth = 0  # runs under way in this process (threads may run several at once)
_was_enabled = False  # whether the collector ran before the first of them


@contextlib.contextmanager
def paused_collection() -> Iterator[None]:
    """Hold the cyclic collector back until the outermost of the runs under way ends; a
    collector the caller had turned off stays off."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            if _depth > 0:  # 0: a forked child, whose runs were given back at the fork
                _depth -= 1
                if _depth == 0 and _was_enabled:
                    gc.enable()


def _forked() -> None:
    """In a child forked during a run: no run of the parent's goes on here, so the collector
    is as it was before the first of them."""
    global _depth, _lock
    _lock = threading.Lock()  # another thread of the parent may have held it at the fork
    if _depth:
        _depth = 0
        if _was_enabled:
            gc.enable()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


def without_collection(run: Callable[_P, _R]) -> Callable[_P, _R]:
    """A function run under :func:`paused_collection` (``open_meeting``)."""

    @functools.wraps(run)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with paused_collection():
            return run(*args, **kwargs)

    return paused
