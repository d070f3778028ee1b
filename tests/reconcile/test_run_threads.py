"""Issue 19: a run's threads only where a call waits on a server.

A chunk's calls are made by ``concurrency`` threads when they wait on a server (a platform's
API, an SMTP server). On the memory platform, a room book and the outbox nothing waits:
threads only contend for one interpreter (a first open of 10,000 points took a third longer
with eight of them), so those phases run in the run's own thread. Every phase still does its
work, whichever way it runs.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from tests.reconcile.village_meeting import village_meeting

import meetlink.reconcile.context as context_module
from meetlink.adapters.memory import MemoryAdapter, MemoryStore
from meetlink.credentials.vault import VaultKey
from meetlink.mail.sender import DeliveryResult
from meetlink.reconcile import open_meeting

POINTS = 6


class Pools:
    """Counts the thread pools a run's chunks start, by the phase running."""

    def __init__(self) -> None:
        self.by_phase: Counter[str] = Counter()
        self.phase = ""


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> Pools:
    seen = Pools()

    class Watched(ThreadPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            seen.by_phase[seen.phase] += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(context_module, "ThreadPoolExecutor", Watched)
    run_all = context_module.RunContext.run_all

    def named(self: Any, name: str, *args: Any, **kwargs: Any) -> None:
        seen.phase = name
        run_all(self, name, *args, **kwargs)

    monkeypatch.setattr(context_module.RunContext, "run_all", named)
    return seen


class Network:
    """A caller's sender (not known to be local): as if an SMTP server took each message."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: Any) -> DeliveryResult:
        self.sent += 1
        return DeliveryResult(str(message["Message-ID"]), (str(message["To"]),))


def test_the_memory_platform_and_the_outbox_run_in_the_runs_own_thread(
    tmp_path: Path, pools: Pools
) -> None:
    meeting = village_meeting(tmp_path, "threads", POINTS)
    result = open_meeting(meeting, http=MemoryStore(), vault_key=VaultKey.generate())
    assert result.ok, result.failures
    assert result.counts["invitation"]["create"] == POINTS
    assert result.counts["handout"]["create"] == POINTS
    assert sum(pools.by_phase.values()) == 0, pools.by_phase


def test_a_sender_that_waits_on_a_server_gets_the_threads(tmp_path: Path, pools: Pools) -> None:
    meeting = village_meeting(tmp_path, "threads", POINTS)
    network = Network()
    result = open_meeting(
        meeting, http=MemoryStore(), vault_key=VaultKey.generate(), sender=network
    )
    assert result.ok, result.failures
    assert network.sent == 2 * POINTS  # a hand-out and an invitation a point
    assert pools.by_phase["hand-out"] >= 1
    assert pools.by_phase["invitations"] >= 1
    assert pools.by_phase["logins"] == pools.by_phase["credentials"] == 0


def test_a_platform_whose_calls_wait_gets_the_threads(
    tmp_path: Path, pools: Pools, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MemoryAdapter, "calls_out", True)  # as a platform's HTTP API
    meeting = village_meeting(tmp_path, "threads", POINTS)
    result = open_meeting(meeting, http=MemoryStore(), vault_key=VaultKey.generate())
    assert result.ok, result.failures
    assert pools.by_phase["credentials"] >= 1
    assert pools.by_phase["hand-out"] == pools.by_phase["invitations"] == 0


def test_concurrency_one_never_starts_a_pool(tmp_path: Path, pools: Pools) -> None:
    meeting = village_meeting(tmp_path, "threads", POINTS)
    result = open_meeting(
        meeting,
        http=MemoryStore(),
        vault_key=VaultKey.generate(),
        sender=Network(),
        concurrency=1,
    )
    assert result.ok, result.failures
    assert sum(pools.by_phase.values()) == 0
