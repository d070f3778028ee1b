"""`meetlink open` on a shared PostgreSQL ledger: once, by several workers at once, and after
workers are killed midway — every effect exactly once, counted at the Google emulator and at
a real SMTP server over sockets."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from crash_harness import Mailbox
from tests.reconcile.postgres.exactly_once import Workers, check_exactly_once, check_export
from tests.reconcile.postgres.sent_statements import sent_statements

from meetlink.reconcile import OpenResult
from meetlink.testing.google import GoogleEmulator

pytestmark = pytest.mark.integration


def test_open_on_postgres_then_again_does_nothing(
    open_it: Callable[..., OpenResult], postgres_url: str, tmp_path: Path
) -> None:
    planned = open_it(state_dir=postgres_url, dry_run=True)  # an empty server: all to do
    assert any(a.op.value == "create" for a in planned.actions)
    with psycopg.connect(postgres_url) as db:  # and the dry run wrote nothing, not even a table
        row = db.execute("SELECT to_regclass('effects') IS NULL").fetchone()
    assert row == (True,)
    first = open_it(state_dir=postgres_url)
    assert first.ok, first.failures
    assert first.counts["conference"]["create"] == 2
    assert first.counts["invitation"]["create"] > 0
    again = open_it(state_dir=postgres_url)
    assert again.ok
    assert again.counts == {}
    planned = open_it(state_dir=postgres_url, dry_run=True)
    assert all(a.op.value == "none" for a in planned.actions)
    assert not (tmp_path / ".meetlink" / "ledger.sqlite3").exists()  # the server holds it
    with psycopg.connect(postgres_url) as db:
        row = db.execute("SELECT count(*) FROM vault_credentials").fetchone()
    assert row is not None
    assert row[0] > 0


def test_status_reads_the_server_ledger(
    open_it: Callable[..., OpenResult], postgres_url: str, tmp_path: Path
) -> None:
    open_it(state_dir=postgres_url)
    shown = subprocess.run(
        [sys.executable, "-m", "meetlink", "status", str(tmp_path / "meeting.yaml")],
        env={**os.environ, "MEETLINK_STATE": postgres_url, "COLUMNS": "200"},
        capture_output=True,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr.decode()
    text = shown.stdout.decode()
    assert "6 done, 0 pending, 0 failed" in text


def test_two_workers_at_once_share_the_work_and_do_each_effect_once(
    workers: Workers, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int]
) -> None:
    running = [workers.start(), workers.start()]
    outs = [p.communicate(timeout=300) for p in running]
    for process, (out, err) in zip(running, outs, strict=True):
        assert process.returncode == 0, (out + err).decode()
    check_exactly_once(workers, emulator, mailbox[0], killed=False)
    check_export(workers)
    for out, _ in outs:  # each worker carried out a share of the effects (which phases
        # each one did depends on when it got there: a bucket at a time, whoever is first)
        assert re.search(r": [1-9]\d* create", out.decode()), out.decode()


@pytest.mark.parametrize("seed", [17, 29])
def test_workers_killed_midway_leave_their_claims_to_a_finishing_run(
    seed: int, workers: Workers, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int]
) -> None:
    chance = random.Random(seed)
    running = [workers.start() for _ in range(4)]
    for victim in running[:2]:
        time.sleep(chance.uniform(0.5, 2.5))
        if victim.poll() is None:
            victim.send_signal(signal.SIGKILL)
    for process in running:
        process.communicate(timeout=300)
    finishing = workers.start()
    out, err = finishing.communicate(timeout=300)
    assert finishing.returncode == 0, (out + err).decode()
    check_exactly_once(workers, emulator, mailbox[0], killed=True)
    check_export(workers)


def test_on_a_shared_ledger_a_chunk_sends_its_secrets_together_and_needs_no_threads(
    open_it: Callable[..., OpenResult], postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk's vault rows are read at once and its credentials and audit rows sent at its
    end (meetlink.reconcile.vault_chunk), so nothing a step of the memory platform or the
    outbox does waits on the server: no thread is started (they were, for every chunk, when
    each hand-out made three round trips on the vault's one connection)."""
    import concurrent.futures

    import meetlink.reconcile.context as context_module

    started: list[int] = []

    class Watched(concurrent.futures.ThreadPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(context_module, "ThreadPoolExecutor", Watched)
    sent = sent_statements(monkeypatch)
    first = open_it(state_dir=postgres_url)
    assert first.ok, first.failures
    secrets = first.counts["access"]["create"] + first.counts["handout"]["create"]
    assert secrets >= 8
    vault = [
        s
        for s in sent
        if ("vault_credentials" in s or "audit_log" in s) and not s.lstrip().startswith("CREATE")
    ]
    assert len(vault) < secrets  # per chunk, not per access or hand-out (was 4 a pair)
    assert started == []
