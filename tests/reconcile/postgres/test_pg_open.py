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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from crash_harness import (
    Mailbox,
    calendar_field,
    calendar_of,
    handout_password,
    smtp_server,
    start_open,
    write_meeting,
)
from tests.reconcile.postgres.sent_statements import sent_statements

from meetlink.credentials.vault import VaultKey
from meetlink.reconcile import OpenResult
from meetlink.reconcile.vault_pg import open_postgres_vault
from meetlink.testing.google import GoogleEmulator

pytestmark = pytest.mark.integration

POINTS = 40


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


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture
def emulator() -> Iterator[GoogleEmulator]:
    with GoogleEmulator(latency=0.002) as emu:
        yield emu


@dataclass
class Workers:
    meeting: Path
    env: dict[str, str]
    key: VaultKey
    url: str

    def start(self) -> subprocess.Popen[bytes]:
        return start_open(self.meeting, self.env, "--concurrency", "4")


@pytest.fixture
def workers(
    tmp_path: Path, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int], postgres_url: str
) -> Workers:
    key = VaultKey.generate()
    env = {
        **os.environ,
        "MEETLINK_GOOGLE_EMULATOR_HOST": emulator.host,
        "MEETLINK_VAULT_KEY": key.reveal_text(),
        "MEETLINK_STATE": postgres_url,
    }
    meeting = write_meeting(
        tmp_path, mailbox[1], meeting_id="shared-test", points=POINTS, google_sittings=3
    )
    return Workers(meeting, env, key, postgres_url)


def _uid_and_sequence(message: Any) -> tuple[str, str]:
    calendar = calendar_of(message)
    return calendar_field(calendar, "UID"), calendar_field(calendar, "SEQUENCE")


def _check_exactly_once(
    workers: Workers, emulator: GoogleEmulator, box: Mailbox, *, killed: bool
) -> None:
    """One Google event per sitting; every invitation and hand-out sent once; every village
    officer's last hand-out is the password the vault (on the server) holds.

    A worker killed between the SMTP server's "250 OK" and its ledger write leaves that
    message's outcome unknown: the next run sends the very same message again (same
    Message-ID, same bytes), as a single ``open`` does after a crash. Without kills, nothing
    is sent twice at all.
    """
    assert len(emulator.events()) == 3  # none made and thrown away either
    messages = box.received()
    sent: dict[tuple[str, ...], set[str]] = {}
    for message in messages:
        if _uid_and_sequence(message)[0]:
            # per invitation: the points of a Google event share its UID (guides/google.md)
            invitation = (*_uid_and_sequence(message), str(message["To"]))
            sent.setdefault(invitation, set()).add(str(message["Message-ID"]))
    assert len(sent) == 4 * POINTS  # 3 Google sittings + 1 provider sitting, SEQUENCE 0 each
    assert all(len(ids) == 1 for ids in sent.values())  # a resend is the same message
    if not killed:
        assert len([m for m in messages if _uid_and_sequence(m)[0]]) == 4 * POINTS
    handouts: dict[str, list[str]] = {}
    for message in messages:
        if not _uid_and_sequence(message)[0]:
            handouts.setdefault(str(message["To"]), []).append(handout_password(message))
    assert len(handouts) == POINTS
    if not killed:
        assert all(len(passwords) == 1 for passwords in handouts.values())
    with open_postgres_vault(workers.url, workers.key) as vault:
        stored = vault.list("shared-test")
        assert len(stored) == POINTS
        for row in stored:
            officer = f"ktv.v{int(row.unit_id[1:])}@xa.example.org"
            delivered = [p for to, ps in handouts.items() if officer in to for p in ps]
            password = vault.get("shared-test", row.unit_id, row.kind).password
            assert password is not None
            assert delivered
            assert set(delivered) == {password.reveal()}  # no credential mismatch


def test_two_workers_at_once_share_the_work_and_do_each_effect_once(
    workers: Workers, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int]
) -> None:
    running = [workers.start(), workers.start()]
    outs = [p.communicate(timeout=300) for p in running]
    for process, (out, err) in zip(running, outs, strict=True):
        assert process.returncode == 0, (out + err).decode()
    _check_exactly_once(workers, emulator, mailbox[0], killed=False)
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
    _check_exactly_once(workers, emulator, mailbox[0], killed=True)


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
