"""Issue 19: ``open`` commits the ledger a chunk of points at a time, and stays durable.

A chunk's intents are committed together before any of their calls; the calls are made; the
outbox makes its files durable (``sync``); then the chunk's outcomes, vault and audit rows
are committed together, on the one connection the ledger and the vault share. These tests
watch the SQL the ledger's connection runs, the outbox's calls and the platform's calls.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.reconcile.village_meeting import village_meeting

import meetlink.reconcile.context as context_module
import meetlink.reconcile.ledger as ledger_module
from meetlink.adapters.memory import MemoryAdapter, MemoryStore
from meetlink.credentials.vault import VaultKey
from meetlink.errors import LedgerError
from meetlink.mail.outbox import OutboxSender
from meetlink.reconcile import open_meeting
from meetlink.reconcile.ledger import Ledger

POINTS = 25
CHUNK = 10  # so each phase of 25 points runs in 3 chunks
PHASES = 4  # logins, accesses, hand-outs, invitations


def _meeting(folder: Path, points: int = POINTS) -> Path:
    return village_meeting(folder, "chunks", points)


@dataclass
class Watch:
    """What happened, in order: the ledger connection's COMMITs, the outbox's sends and
    syncs."""

    events: list[str] = field(default_factory=list)

    def commits(self) -> int:
        return self.events.count("COMMIT")


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Watch:
    seen = Watch()
    connect = ledger_module.connect_for_writing

    def traced(path: Path, timeout: float, *, memory: bool = False) -> sqlite3.Connection:
        db = connect(path, timeout, memory=memory)
        db.set_trace_callback(
            lambda sql: seen.events.append("COMMIT") if sql.strip() == "COMMIT" else None
        )
        return db

    send, sync = OutboxSender.send, OutboxSender.sync

    def sending(self: OutboxSender, message: Any) -> Any:
        seen.events.append("send")
        return send(self, message)

    def syncing(self: OutboxSender) -> int:
        seen.events.append("sync")
        return sync(self)

    monkeypatch.setattr(ledger_module, "connect_for_writing", traced)
    monkeypatch.setattr(OutboxSender, "send", sending)
    monkeypatch.setattr(OutboxSender, "sync", syncing)
    monkeypatch.setattr(context_module, "CHUNK_POINTS", CHUNK)
    return seen


def test_the_first_open_commits_twice_a_chunk_not_twice_a_point(
    tmp_path: Path, watch: Watch
) -> None:
    result = open_meeting(_meeting(tmp_path), http=MemoryStore(), vault_key=VaultKey.generate())

    assert result.ok, result.failures
    assert result.counts["invitation"] == {"create": POINTS}
    chunks = PHASES * -(-POINTS // CHUNK)
    # The setup (schema, the conference's intent and outcome) is a handful of commits; then
    # two per chunk: its intents, then its outcomes with the vault and audit rows. Before
    # issue 19 it was two or more per point and phase (200 here, 90,000 at 10,000 points).
    assert watch.commits() <= 2 * chunks + 10, watch.commits()
    assert watch.commits() < 2 * PHASES * POINTS


def test_no_outcome_is_committed_before_the_outbox_made_its_files_durable(
    tmp_path: Path, watch: Watch
) -> None:
    result = open_meeting(_meeting(tmp_path), http=MemoryStore(), vault_key=VaultKey.generate())

    assert result.ok, result.failures
    assert watch.events.count("send") == 2 * POINTS  # a hand-out and an invitation each
    unsynced = 0
    for event in watch.events:
        if event == "send":
            unsynced += 1
        elif event == "sync":
            unsynced = 0
        else:  # a COMMIT: what it holds speaks only of files already durable
            assert unsynced == 0, "an outcome was committed before its message was fsynced"
    outbox = tmp_path / ".meetlink" / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 2 * POINTS


def test_every_intent_is_on_disk_before_the_platform_is_called(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context_module, "CHUNK_POINTS", CHUNK)
    ledger_file = tmp_path / ".meetlink" / "ledger.sqlite3"
    issue = MemoryAdapter.issue_access
    seen: list[str] = []

    def checked(self: MemoryAdapter, request: Any, info: Any, point: Any) -> Any:
        # Another connection sees only what is committed: the point's access (the memory
        # platform gives one per conference) must be there, at intent.
        with sqlite3.connect(f"file:{ledger_file}?mode=ro", uri=True) as other:
            row = other.execute(
                "SELECT state FROM effects WHERE kind = 'access' AND key LIKE ?",
                (f"access:%/{point.id}",),
            ).fetchone()
        assert row == ("intent",), f"{point.id} was called before its intent was committed"
        seen.append(point.id)
        return issue(self, request, info, point)

    monkeypatch.setattr(MemoryAdapter, "issue_access", checked)
    result = open_meeting(_meeting(tmp_path), http=MemoryStore(), vault_key=VaultKey.generate())

    assert result.ok, result.failures
    assert len(seen) == POINTS


def test_a_chunk_cut_short_is_finished_by_the_next_open_without_a_second_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context_module, "CHUNK_POINTS", CHUNK)
    store, key = MemoryStore(), VaultKey.generate()
    issue = MemoryAdapter.issue_access
    calls: list[str] = []

    def dying(self: MemoryAdapter, request: Any, info: Any, point: Any) -> Any:
        calls.append(point.id)
        if len(calls) == CHUNK + 3:  # in the second chunk, after three of its calls
            raise KeyboardInterrupt("killed")
        return issue(self, request, info, point)

    monkeypatch.setattr(MemoryAdapter, "issue_access", dying)
    meeting = _meeting(tmp_path)
    with pytest.raises(KeyboardInterrupt):  # one thread: the calls in a known order
        open_meeting(meeting, http=store, vault_key=key, concurrency=1)
    with Ledger(tmp_path / ".meetlink" / "ledger.sqlite3") as ledger:
        states = [e.state.value for e in ledger.effects("chunks", kind="access")]
    # The first chunk done; the second's intents committed before its first call, and the
    # outcomes of the calls made before the kill kept (committed when the chunk ended).
    assert states.count("done") == CHUNK + 2
    assert states.count("intent") == CHUNK - 2
    monkeypatch.setattr(MemoryAdapter, "issue_access", issue)

    result = open_meeting(meeting, http=store, vault_key=key)

    assert result.ok, result.failures
    outbox = tmp_path / ".meetlink" / "outbox"
    handouts = list(outbox.glob("handout-*.eml"))
    assert len(handouts) == POINTS  # one hand-out each: nobody got a second password


def test_a_detail_is_decoded_only_when_read_and_a_bad_one_says_restore(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        ledger.record_intent("m1", "invitation:main/s1/V1", "invitation", detail={"uid": "u1"})
        ledger.record_intent("m1", "invitation:main/s1/V2", "invitation", detail={"uid": "u2"})
    with sqlite3.connect(path) as db:
        db.execute("UPDATE effects SET detail = '{\"uid\": ' WHERE key LIKE '%V2'")
    with Ledger(path) as ledger:
        first, second = ledger.effects("m1")  # read, compared: nothing decoded yet
        assert (first.content_hash, second.state.value) == ("", "intent")
        assert first.detail["uid"] == "u1"
        with pytest.raises(LedgerError, match=r"is damaged .*Restore it from a backup"):
            second.detail.get("uid")
