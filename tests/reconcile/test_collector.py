"""The cyclic collector is held back during a run and given back after it (issue 19)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.reconcile.village_meeting import village_meeting

from meetlink.adapters.memory import MemoryAdapter, MemoryStore
from meetlink.credentials.vault import VaultKey
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


# -- a library in a program that runs threads: the pause never outlives the runs -----------


class _Meeting:
    """A meeting of a few villages in a folder of its own, on its own memory platform."""

    def __init__(self, folder: Path, name: str) -> None:
        folder.mkdir()
        self.path = village_meeting(folder, name, 3)
        self.store = MemoryStore()
        self.key = VaultKey.generate()

    def open(self, **options: Any) -> Any:
        return open_meeting(self.path, http=self.store, vault_key=self.key, **options)


class _Broken(Exception):
    """What a platform's code raised that no one expected (a bug, not a refusal)."""


@pytest.mark.parametrize("caller_had_it_on", [True, False])
def test_an_open_that_fails_gives_the_collector_back_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caller_had_it_on: bool
) -> None:
    meeting = _Meeting(tmp_path / "m1", "m1")
    seen: list[bool] = []

    def broken(self: MemoryAdapter, *args: Any) -> Any:
        seen.append(gc.isenabled())
        raise _Broken("the platform's code failed")

    monkeypatch.setattr(MemoryAdapter, "issue_access", broken)
    if not caller_had_it_on:
        gc.disable()
    with pytest.raises(_Broken):
        meeting.open(concurrency=1)
    assert seen == [False]  # held back while the run was under way
    assert gc.isenabled() is caller_had_it_on


def test_an_open_inside_a_paused_run_leaves_the_outer_run_to_give_it_back(
    tmp_path: Path,
) -> None:
    meeting = _Meeting(tmp_path / "m1", "m1")
    with paused_collection():
        assert meeting.open().ok
        assert not gc.isenabled()  # the outer run is still under way
    assert gc.isenabled()


class _Meets:
    """A progress report that waits at its first phase until the other run is in one too,
    and at a later phase until the other run has ended, noting the collector then."""

    def __init__(self, both_in: threading.Barrier, other_ended: threading.Event | None) -> None:
        self.both_in, self.other_ended = both_in, other_ended
        self.phases = 0
        self.after_other: list[bool] = []

    def phase(self, name: str, total: int) -> None:
        self.phases += 1
        if self.phases == 1:
            self.both_in.wait()
        elif self.phases == 2 and self.other_ended is not None:
            assert self.other_ended.wait(30), "the other run did not end"
            self.after_other.append(gc.isenabled())

    def advance(self) -> None:
        """Nothing to note."""

    def finish(self) -> None:
        """Nothing to note."""


@pytest.mark.parametrize("first_fails", [False, True])
def test_two_threads_opening_two_meetings_leave_the_collector_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_fails: bool
) -> None:
    first, second = _Meeting(tmp_path / "m1", "m1"), _Meeting(tmp_path / "m2", "m2")
    if first_fails:
        issue = MemoryAdapter.issue_access

        def broken_in_first(self: MemoryAdapter, *args: Any) -> Any:
            if self.store is first.store:
                raise _Broken("the platform's code failed")
            return issue(self, *args)

        monkeypatch.setattr(MemoryAdapter, "issue_access", broken_in_first)
    both_in, first_ended = threading.Barrier(2, timeout=30), threading.Event()
    watching = _Meets(both_in, first_ended)
    outcomes: dict[str, object] = {}

    def run(name: str, meeting: _Meeting, progress: _Meets) -> None:
        try:
            outcomes[name] = meeting.open(progress=progress, concurrency=2)
        except BaseException as exc:  # reported by the assertions below
            outcomes[name] = exc
        finally:
            if name == "first":
                first_ended.set()

    threads = [
        threading.Thread(target=run, args=("first", first, _Meets(both_in, None))),
        threading.Thread(target=run, args=("second", second, watching)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert getattr(outcomes["second"], "ok", False), outcomes["second"]
    if first_fails:
        assert isinstance(outcomes["first"], _Broken), outcomes["first"]
    else:
        assert getattr(outcomes["first"], "ok", False), outcomes["first"]
    assert watching.after_other == [False]  # the first run ended, the second still held it
    assert gc.isenabled()


def _in_a_child(after_fork: Any) -> str:
    """Fork inside a run; what the child reports (``after_fork`` runs there), as text."""
    import os

    read, write = os.pipe()
    with paused_collection():
        pid = os.fork()
        if pid == 0:  # the child: report, then leave at once (as a forked worker does)
            try:
                os.write(write, str(after_fork()).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as answer:
            said = answer.read().decode()
        os.waitpid(pid, 0)
        assert not gc.isenabled()  # the parent's run still holds it back
    return said


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_process_forked_inside_a_run_collects_again() -> None:
    """A caller's code forked in a run (a hand-out hook's worker) is not that run: without
    this, the child lived with the collector off to its end, since it never leaves the run."""
    assert _in_a_child(gc.isenabled) == "True"
    assert gc.isenabled()


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_that_leaves_the_run_and_opens_another_keeps_count() -> None:
    def leave_and_run_again() -> str:
        seen = []
        with paused_collection():
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
        return ",".join(map(str, seen))

    assert _in_a_child(leave_and_run_again) == "False,True"
