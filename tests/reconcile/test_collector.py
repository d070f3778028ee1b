"""The cyclic collector is held back during a run and given back after it (issue 19)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from meetlink.reconcile import meeting_status, open_meeting, planned_actions
from meetlink.reconcile.collector import paused_collection, without_collection


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_runs_in_two_threads_give_the_collector_back_when_the_last_ends() -> None:
    first_in, second_done, first_may_end = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with paused_collection():
            first_in.set()
            first_may_end.wait(10)
            seen.append(gc.isenabled())

    def second() -> None:
        first_in.wait(10)
        with paused_collection():
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())  # the first run is still under way
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    second_done.wait(10)
    first_may_end.set()
    for thread in threads:
        thread.join(10)
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    with paused_collection():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_an_error_gives_the_collector_back() -> None:
    @without_collection
    def failing() -> None:
        assert not gc.isenabled()
        raise ValueError("stop")

    with pytest.raises(ValueError, match="stop"):
        failing()
    assert gc.isenabled()


def test_the_runs_that_read_a_whole_ledger_hold_the_collector_back() -> None:
    runs: tuple[object, ...] = (open_meeting, planned_actions, meeting_status)
    for run in runs:
        assert getattr(run, "__wrapped__").__name__ == getattr(run, "__name__")  # noqa: B009
    assert open_meeting.__module__ == "meetlink.reconcile.run"


class _Watching:
    """A progress report that notes whether the collector runs during each phase."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def phase(self, name: str, total: int) -> None:
        self.seen.append(gc.isenabled())

    def advance(self) -> None:
        """Nothing to note."""

    def finish(self) -> None:
        """Nothing to note."""


def test_an_open_runs_its_phases_with_the_collector_held_back(meeting: Any) -> None:
    watching = _Watching()
    result = open_meeting(
        meeting.path, http=meeting.store, vault_key=meeting.key, progress=watching
    )
    assert result.ok
    assert watching.seen
    assert not any(watching.seen)  # before: True in every phase
    assert gc.isenabled()
