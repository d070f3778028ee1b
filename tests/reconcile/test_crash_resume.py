"""Issue 6's crash tests: `meetlink open` of a 200-bridge-point meeting is killed with SIGKILL
at many moments — also between an emulator write and its response — and a second `open`
finishes the job with exactly one Google event per sitting, every invitation sent (never
twice with different SEQUENCE) and every credential delivered. Counted at the Google
emulator and at a real SMTP server, over real sockets.

``MEETLINK_CRASH_ROUNDS`` sets how many random moments are tried (default 5).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from crash_harness import (
    Mailbox,
    calendar_field,
    calendar_of,
    handout_password,
    kill,
    smtp_server,
    start_open,
    write_meeting,
)

from meetlink.credentials.vault import Vault, VaultKey
from meetlink.testing.google import Fault, GoogleEmulator

pytestmark = pytest.mark.integration

POINTS_PER_TRACK = 100
ROUNDS = int(os.environ.get("MEETLINK_CRASH_ROUNDS", "5"))


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture(scope="module")
def emulator() -> Iterator[GoogleEmulator]:
    with GoogleEmulator(latency=0.002) as emu:
        yield emu


@dataclass
class Round:
    folder: Path
    meeting: Path
    env: dict[str, str]
    key: VaultKey

    def start(self) -> subprocess.Popen[bytes]:
        return start_open(self.meeting, self.env)

    def finish(self) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "meetlink", "open", str(self.meeting)],
            env=self.env,
            capture_output=True,
            timeout=600,
            check=False,
        )


@pytest.fixture
def new_round(tmp_path: Path, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int]) -> Round:
    box, port = mailbox
    emulator.reset()
    emulator.clear_faults()
    box.clear()
    key = VaultKey.generate()
    env = {
        **os.environ,
        "MEETLINK_GOOGLE_EMULATOR_HOST": emulator.host,
        "MEETLINK_VAULT_KEY": key.reveal_text(),
    }
    meeting = write_meeting(
        tmp_path, port, meeting_id="crash-test", points=POINTS_PER_TRACK, google_sittings=2
    )
    return Round(tmp_path, meeting, env, key)


def check_finished(run: Round, emulator: GoogleEmulator, box: Mailbox) -> None:
    """Exactly one event per Google sitting; every invitation once per SEQUENCE; every
    credential delivered, the last delivery matching the vault."""
    live = [e for e in emulator.events() if e.get("status") != "cancelled"]
    assert len(live) == 2, [e.get("id") for e in live]
    assert len(emulator.events()) == 2  # nothing made and thrown away either

    sequences: dict[str, set[str]] = {}
    message_ids: dict[str, set[str]] = {}
    handouts: dict[str, list[str]] = {}
    for message in box.received():
        calendar = calendar_of(message)
        if calendar:
            # per invitation: the points of a Google event share its UID (docs/guides/google.md)
            uid = f"{calendar_field(calendar, 'UID')} {message['To']}"
            sequences.setdefault(uid, set()).add(calendar_field(calendar, "SEQUENCE"))
            message_ids.setdefault(uid, set()).add(str(message["Message-ID"]))
        else:
            handouts.setdefault(str(message["To"]), []).append(handout_password(message))
    # 100 points × 2 Google sittings + 100 provider points, each invited once (SEQUENCE 0)
    assert len(sequences) == 3 * POINTS_PER_TRACK
    assert all(seqs == {"0"} for seqs in sequences.values())
    assert all(len(ids) == 1 for ids in message_ids.values())  # a resend is the same message
    assert len(handouts) == POINTS_PER_TRACK
    with Vault.open(run.folder / ".meetlink" / "ledger.sqlite3", run.key) as vault:
        for stored in vault.list("crash-test"):
            officer = f"ktv.v{int(stored.unit_id[1:])}@xa.example.org"
            delivered = [p for to, ps in handouts.items() if officer in to for p in ps]
            password = vault.get("crash-test", stored.unit_id, stored.kind).password
            assert password is not None
            assert delivered, officer
            assert delivered[-1] == password.reveal()  # the last one the officer got works


def test_an_uninterrupted_open_is_complete(
    new_round: Round, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int]
) -> None:
    done = new_round.finish()
    assert done.returncode == 0, done.stderr.decode()
    check_finished(new_round, emulator, mailbox[0])
    again = new_round.finish()
    assert again.returncode == 0
    assert b"nothing to do" in again.stdout


@pytest.mark.parametrize("moment", range(ROUNDS))
def test_a_kill_at_a_random_moment_is_finished_by_the_next_open(
    moment: int, new_round: Round, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int]
) -> None:
    # Spread the moments over a whole run (~ a few seconds), from start-up to the last mail.
    delay = random.Random(1000 + moment).uniform(0.3, 1.0) * (1.5 + moment * 1.2)
    process = new_round.start()
    time.sleep(delay)
    if process.poll() is None:
        kill(process)
    else:
        process.communicate()
    done = new_round.finish()
    assert done.returncode == 0, done.stderr.decode()
    check_finished(new_round, emulator, mailbox[0])


def test_a_kill_between_the_emulator_write_and_its_response(
    new_round: Round, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int]
) -> None:
    # The batch of inserts is applied, then the answer waits: kill the client in between.
    emulator.inject(Fault.delay(5.0, method="POST", path_contains="batch", times=1))
    process = new_round.start()
    deadline = time.monotonic() + 60
    while not emulator.events():
        assert time.monotonic() < deadline, "the insert never reached the emulator"
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        time.sleep(0.01)
    kill(process)
    emulator.clear_faults()
    done = new_round.finish()
    assert done.returncode == 0, done.stderr.decode()
    check_finished(new_round, emulator, mailbox[0])


def test_429s_5xx_and_dropped_responses_are_ridden_out(
    new_round: Round, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int]
) -> None:
    emulator.inject(
        Fault.status(429, reason="rateLimitExceeded", times=6, target="part"),
        Fault.status(503, times=3),
        Fault.drop_response(times=2, method="POST"),
    )
    first = new_round.finish()
    second = new_round.finish()  # whatever the first left, the second completes
    assert second.returncode == 0, (first.stdout + second.stderr).decode()
    check_finished(new_round, emulator, mailbox[0])
    assert any(r.status == 429 for r in emulator.requests)
    assert any(r.status == 503 for r in emulator.requests)
