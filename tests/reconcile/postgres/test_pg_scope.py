"""Two district offices open their own parts of one province meeting at the same time, each
in a process (and a folder) of its own, on one PostgreSQL ledger: neither touches the other's
points (counted at the Google emulator, the memory platform and each office's outbox), and
the province's ``status`` shows both."""

from __future__ import annotations

import email
import email.policy
import multiprocessing
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from email.utils import getaddresses
from pathlib import Path

import psycopg
import pytest
from scope_runs import OfficeRun, open_scope, write_office

from meetlink.credentials.vault import VaultKey
from meetlink.testing.google import GoogleEmulator

pytestmark = pytest.mark.integration

H1_POINTS = {"H1", "X11", "X12"}
H2_POINTS = {"H2", "X21", "X22"}


@pytest.fixture
def emulator() -> Iterator[GoogleEmulator]:
    with GoogleEmulator(latency=0.002) as emu:
        yield emu


def _invited(outbox: Path) -> set[str]:
    """The points whose invitation is in an office's outbox (by their officer's address)."""
    found: set[str] = set()
    for calendar in outbox.glob("*.ics"):
        text = calendar.read_text(encoding="utf-8")
        if "METHOD:REQUEST" in text:
            found |= {m.upper() for m in re.findall(r"mailto:ktv\.(\w+)@", text)}
    return found


def _handed(outbox: Path) -> set[str]:
    """The officers who got a login in an office's outbox (the hand-outs, no calendar)."""
    found: set[str] = set()
    for file in outbox.glob("*.eml"):
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        if any(part.get_content_type() == "text/calendar" for part in message.walk()):
            continue
        for _name, address in getaddresses([str(message["To"])]):
            found |= {m.upper() for m in re.findall(r"^ktv\.(\w+)@", address)}
    return found


def test_two_districts_open_their_scopes_at_once_and_the_province_sees_both(
    tmp_path: Path, postgres_url: str, emulator: GoogleEmulator
) -> None:
    key = VaultKey.generate()
    env = {"MEETLINK_GOOGLE_EMULATOR_HOST": emulator.host, "MEETLINK_VAULT_KEY": key.reveal_text()}
    offices = {unit: write_office(tmp_path / unit) for unit in ("H1", "H2", "T")}
    spawn = multiprocessing.get_context("spawn")
    start, out = spawn.Barrier(2), spawn.Queue()
    running = [
        spawn.Process(target=open_scope, args=(str(offices[u]), postgres_url, u, env, start, out))
        for u in ("H1", "H2")
    ]
    for process in running:
        process.start()
    runs = {run.unit: run for run in (out.get(timeout=120) for _ in running)}
    for process in running:
        process.join(timeout=60)
        assert process.exitcode == 0
    h1, h2 = runs["H1"], runs["H2"]
    assert h1.ok, h1.failures
    assert h2.ok, h2.failures
    assert h1.started < h2.ended  # they did run at the same time
    assert h2.started < h1.ended

    # The province's one Google event: made once, by whichever district came first.
    assert len(emulator.events()) == 1
    assert _created(h1) + _created(h2) == 1
    # Each district made its own communes' rooms, and no other.
    assert h1.rooms == ["xa/s1/X11", "xa/s1/X12"]
    assert h2.rooms == ["xa/s1/X21", "xa/s1/X22"]
    for run in (h1, h2):
        assert run.counts["invitation"] == {"create": 3}
        assert run.counts["handout"] == {"create": 2}
    assert _invited(tmp_path / "H1" / ".meetlink" / "outbox") == H1_POINTS
    assert _invited(tmp_path / "H2" / ".meetlink" / "outbox") == H2_POINTS
    assert _handed(tmp_path / "H1" / ".meetlink" / "outbox") == {"X11", "X12"}
    assert _handed(tmp_path / "H2" / ".meetlink" / "outbox") == {"X21", "X22"}

    # The province's status, on its own machine: both districts done, its own point not yet.
    shown = subprocess.run(
        [sys.executable, "-m", "meetlink", "status", str(offices["T"]), "--state", postgres_url],
        env={**os.environ, **env, "COLUMNS": "200", "MEETLINK_LANG": "en"},
        capture_output=True,
        check=False,
    )
    text = shown.stdout.decode()
    assert "6 done, 1 pending, 0 failed" in text, text + shown.stderr.decode()
    with psycopg.connect(postgres_url) as db:
        rows = db.execute(
            "SELECT key FROM effects WHERE kind = 'invitation' AND key LIKE '%/T'"
        ).fetchall()
    assert rows == []  # no district touched the province's own point


def _created(run: OfficeRun) -> int:
    return run.counts.get("conference", {}).get("create", 0) - len(run.rooms)
