"""`meetlink open --workers N` on a shared PostgreSQL ledger: one run forks N workers that
share the effects (meetlink.reconcile.workers) — each effect once, counted at the Google
emulator and at a real SMTP server; a worker killed midway is finished by its own run."""

from __future__ import annotations

import os
import random
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from crash_harness import Mailbox
from tests.reconcile.postgres.exactly_once import (
    POINTS,
    Workers,
    check_exactly_once,
    check_export,
)

from meetlink.reconcile import OpenResult
from meetlink.testing.google import GoogleEmulator

pytestmark = pytest.mark.integration


def test_open_with_three_workers_does_each_effect_once_and_sums_them_up(
    workers: Workers, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int]
) -> None:
    run = workers.start("--workers", "3")
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, (out + err).decode()
    check_exactly_once(workers, emulator, mailbox[0], killed=False)
    said = out.decode()
    # One summary for the run: what its three workers did, added up.
    assert f"invitations: {4 * POINTS} create" in said, said
    assert f"hand-outs: {POINTS} create" in said, said
    assert len(re.findall(r"^invitations:", said, flags=re.MULTILINE)) == 1
    check_export(workers)


def _children(pid: int) -> list[int]:
    """The processes ``pid`` forked (its workers), from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


@pytest.mark.parametrize("seed", [5, 11])
def test_a_worker_killed_midway_is_finished_by_its_own_run(
    seed: int, workers: Workers, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int]
) -> None:
    chance = random.Random(seed)
    run = workers.start("--workers", "3")
    deadline = time.monotonic() + 60
    while len(forked := _children(run.pid)) < 3 and run.poll() is None:
        assert time.monotonic() < deadline, "the run never started its workers"
        time.sleep(0.01)
    time.sleep(chance.uniform(0.05, 0.6))
    victim = chance.choice(forked)
    try:
        os.kill(victim, signal.SIGKILL)
        killed = True
    except ProcessLookupError:
        killed = False  # it had ended already: the run is still checked whole
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, (out + err).decode()
    check_exactly_once(workers, emulator, mailbox[0], killed=killed)
    with psycopg.connect(workers.url) as db:
        left = db.execute("SELECT count(*) FROM effects WHERE state <> 'done'").fetchone()
    assert left == (0,)
    check_export(workers)


def test_workers_on_the_memory_platform_see_the_conference_the_run_created(
    open_it: Callable[..., OpenResult], postgres_url: str
) -> None:
    """The run creates the conferences before it forks: each worker has the memory
    platform's conference (kept in the process), so every access is issued."""
    forked = open_it(state_dir=postgres_url, workers=3)
    assert forked.ok, forked.failures
    assert forked.counts["conference"] == {"create": 2}
    with psycopg.connect(postgres_url) as db:
        rows = dict(
            db.execute(
                "SELECT kind, count(*) FROM effects WHERE state = 'done' GROUP BY kind"
            ).fetchall()
        )
    for kind, ops in forked.counts.items():
        assert rows[kind] == ops["create"], (kind, rows, forked.counts)
    again = open_it(state_dir=postgres_url, workers=3)
    assert again.ok
    assert again.counts == {}
