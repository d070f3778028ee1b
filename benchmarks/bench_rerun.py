"""Benchmark: re-run a finished ``open`` of N bridge points, in a fresh process (issues 6, 19).

A re-run must make no external call (counted at the platform and the sender) and take at
most half a second at 10,000 points. Each re-run runs in a process of its own (what an office
does: ``meetlink open`` again), timed from the call of ``open_meeting`` to its return (the
interpreter's start and meetlink's import are printed apart). Two kinds, each twice, the
faster printed with its CPU time (the machine may be shared: CPU time varies less):

* the settled re-run, first: the very next ``open`` after the first one, answered by the
  stamp the first open wrote after its verify pass (:mod:`meetlink.reconcile.settled`): the
  stamp checked (files, code, the ledger's rows, the vault key), nothing worked out (the
  benchmark stops if the desired state was worked out);
* the full no-op run (``MEETLINK_FULL_RUN=1``: everything worked out again and found done).

The first open's verify pass (the dry pass over its own context that lets it stamp the next
run) is timed inside the first open and printed with its share of it.

The floor, measured in the same run: read the roster and the meeting file, read every stored
content hash from the ledger and compare them with themselves (``csv``, ``yaml`` and
``sqlite3``, nothing of meetlink's). Run: ``python benchmarks/bench_rerun.py [--points
10000]``. Everything runs in a temporary folder, on the memory platform and the outbox.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine_line

from meetlink.credentials.vault import ENV_VAR
from meetlink.reconcile.settled import FULL_RUN_VAR

HEADER = "id,name,kind,members,location,officer_name,officer_email,contact_emails\n"

# The re-run, in a process of its own; prints its figures as JSON.
_RERUN = """
import json, sys, time
started = time.perf_counter()
from meetlink.adapters.memory import MemoryStore
from meetlink.reconcile import open_meeting
from meetlink.reconcile.desired import DesiredState
imported = time.perf_counter()
worked_out = []
now = DesiredState.now
DesiredState.now = lambda *a, **k: worked_out.append(1) or now(*a, **k)
store = MemoryStore()
outbox = __import__("pathlib").Path(sys.argv[1]).parent / ".meetlink" / "outbox"
files = sum(1 for _ in outbox.iterdir())
began, cpu = time.perf_counter(), time.process_time()
result = open_meeting(sys.argv[1], http=store)  # the key from MEETLINK_VAULT_KEY
ended, cpu = time.perf_counter(), time.process_time() - cpu
print(json.dumps({
    "import": imported - started, "rerun": ended - began, "cpu": cpu, "counts": result.counts,
    "calls": sum(store.calls.values()), "files": sum(1 for _ in outbox.iterdir()) - files,
    "worked_out": bool(worked_out),
}))
"""


def write_meeting(folder: Path, points: int, *, platform: str = "memory") -> Path:
    """A meeting of ``points`` village branches, one sitting, on ``platform``."""
    rows = [
        f"V{i},Chi bộ thôn {i},village,{10 + i % 40},Nhà văn hóa thôn {i},Cán bộ {i},"
        f"ktv{i}@xa.example.org,bithu{i}@xa.example.org\n"
        for i in range(points)
    ]
    (folder / "roster.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    meeting = folder / "meeting.yaml"
    meeting.write_text(
        "id: bench-rerun\n"
        'title: "Sinh hoạt chi bộ"\n'
        "organizer: {email: vp@thiuy.example.org}\n"
        "roster: roster.csv\n"
        "tracks:\n"
        "  - id: main\n"
        f"    platform: {platform}\n"
        "    units: {kinds: [village]}\n"
        "    sittings: [{id: s1, start: 2024-03-10T08:00, end: 2024-03-10T10:00}]\n",
        encoding="utf-8",
    )
    return meeting


def floor(meeting: Path) -> float:
    """Read the roster, the meeting file and every stored hash; compare."""
    started = time.perf_counter()
    with (meeting.parent / "roster.csv").open(encoding="utf-8", newline="") as roster:
        rows = list(csv.DictReader(roster))
    yaml.safe_load(meeting.read_text(encoding="utf-8"))
    db = sqlite3.connect(meeting.parent / ".meetlink" / "ledger.sqlite3")
    stored = dict(db.execute("SELECT key, content_hash FROM effects WHERE state = 'done'"))
    db.close()
    wanted = dict(stored)
    same = wanted == stored and len(rows) > 0
    elapsed = time.perf_counter() - started
    if not same:
        raise SystemExit("the floor read nothing: no roster rows or no stored hashes")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    points = parser.parse_args().points
    from meetlink.adapters.memory import MemoryStore
    from meetlink.credentials.vault import VaultKey
    from meetlink.reconcile import open_meeting, settled

    key = VaultKey.generate()
    verify = _timed(settled, "noop_result")  # the first open's verify pass
    with tempfile.TemporaryDirectory(prefix="meetlink-bench-") as folder:
        meeting = write_meeting(Path(folder), points)
        started = time.perf_counter()
        first = open_meeting(meeting, http=MemoryStore(), vault_key=key)
        first_seconds = time.perf_counter() - started
        if not first.ok:
            raise SystemExit(f"the first open failed: {first.failures[:3]}")
        # the settled re-runs first (the stamp the first open wrote), then the full no-op runs
        fast = [_rerun(meeting, key.reveal_text(), full=False) for _ in range(2)]
        full = [_rerun(meeting, key.reveal_text(), full=True) for _ in range(2)]
        floor_seconds = min(floor(meeting) for _ in range(3))
    runs = [*full, *fast]
    if any(run["counts"] or run["calls"] or run["files"] for run in runs):
        raise SystemExit(f"a re-run acted: {runs}")
    if any(run["worked_out"] for run in fast) or not verify:
        raise SystemExit(f"the first re-run was not answered by the stamp: {fast}")
    print(
        f"open of {points:,} bridge points (1 conference, {points:,} credentials, hand-outs "
        f"and invitations): first run {first_seconds:.1f} s"
    )
    floor_text = f"floor (roster + YAML + stored hashes compared) {floor_seconds:.2f} s"
    print(
        f"the first open's verify pass (stamps the next run): {verify[0]:.2f} s, "
        f"{verify[0] / points * 1000:.3f} ms/point, {verify[0] / first_seconds:.1%} of the "
        f"first open; {floor_text}; ratio {verify[0] / floor_seconds:.1f}"
    )
    for name, group in (("settled re-run", fast), ("full no-op run", full)):
        best = min(group, key=lambda run: float(run["rerun"]))
        print(
            f"re-run of the finished open, {name}, fresh process (the faster of two): "
            f"{best['rerun']:.2f} s ({best['cpu']:.2f} s of CPU; import {best['import']:.2f} s "
            f"apart), {best['calls']} platform calls, {best['files']} messages; "
            f"{floor_text}; ratio {best['rerun'] / floor_seconds:.1f}"
        )
    print(machine_line())


def _timed(module: Any, name: str) -> list[float]:
    """Time every call of ``module.name`` (seconds, appended to the list returned)."""
    spent: list[float] = []
    real = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    setattr(module, name, timed)
    return spent


def _rerun(meeting: Path, key_text: str, *, full: bool) -> dict[str, Any]:
    """One re-run in a process of its own; ``full``: with the settled stamp ignored."""
    env = {**os.environ, ENV_VAR: key_text}  # the key never on the command line
    env.pop(FULL_RUN_VAR, None)
    if full:
        env[FULL_RUN_VAR] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _RERUN, str(meeting)],
        capture_output=True,
        check=True,
        text=True,
        env=env,
    )
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return figures


if __name__ == "__main__":
    main()
