"""Benchmark: the first ``open`` of N bridge points, beside its floor (issue 19).

``open`` of a meeting of N village branches (one conference; a credential, an access, a
hand-out and an invitation per point) on the ``memory`` platform and on ``provisioned``
(accounts generated and exported), both to the outbox. The floor is measured in the same
run: the very rows and files the memory run left behind (its ledger, vault and audit rows,
its outbox's messages) written again by plain code, a chunk of 500 points at a time — the
intents in one transaction, then the files (made durable as the outbox does: one
``syncfs`` on Linux, else each file and the folder fsynced), then the outcomes, vault and
audit rows in one more: the same effects committed per chunk, with
nothing of meetlink's between them. Each figure is printed with the floor and the ratio.

Last, the SQL statements a point costs are counted on a separate, untimed open of
``--count-points`` points (500; 0 to skip) on each platform.

Run: ``python benchmarks/bench_open.py [--points 10000] [--platform memory provisioned]
[--concurrency 8] [--count-points 500]``. Everything runs in a temporary folder.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine_line
from bench_rerun import write_meeting

from meetlink.adapters.memory import MemoryStore
from meetlink.credentials.vault import VaultKey
from meetlink.reconcile import open_meeting

CHUNK = 500
_R = TypeVar("_R")
KINDS = ("credential", "access", "handout", "invitation")


def first_open(folder: Path, points: int, platform: str, concurrency: int) -> float:
    """Seconds of the first ``open`` of ``points`` points on ``platform``."""
    meeting = write_meeting(folder, points, platform=platform)
    started = time.perf_counter()
    result = open_meeting(
        meeting,
        http=MemoryStore() if platform == "memory" else None,
        vault_key=VaultKey.generate(),
        concurrency=concurrency,
    )
    elapsed = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"the first open on {platform} failed: {result.failures[:3]}")
    return elapsed


def statements_per_point(folder: Path, points: int, platform: str) -> float:
    """SQL statements per point of a first open (every connection traced; not timed)."""
    counted = [0]
    connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = connect(*args, **kwargs)
        connection.set_trace_callback(lambda _: counted.__setitem__(0, counted[0] + 1))
        return connection

    sqlite3.connect = traced  # type: ignore[assignment]
    try:
        first_open(folder, points, platform, 1)
    finally:
        sqlite3.connect = connect
    return counted[0] / points


def floor(state: Path, target: Path) -> float:
    """Seconds to write ``state``'s rows and outbox again into ``target``, per chunk."""
    source = sqlite3.connect(state / "ledger.sqlite3")
    schema = [r[0] for r in source.execute("SELECT sql FROM sqlite_master WHERE sql NOT NULL")]
    effects = {
        kind: source.execute(
            "SELECT key, meeting_id, kind, content_hash, external_id, join_url, detail"
            " FROM effects WHERE kind = ? ORDER BY key",
            (kind,),
        ).fetchall()
        for kind in KINDS
    }
    vault = source.execute("SELECT * FROM vault_credentials").fetchall()
    audit = source.execute("SELECT * FROM audit_log").fetchall()
    source.close()
    files = sorted((state / "outbox").iterdir())
    blobs = [(f.name, f.read_bytes()) for f in files]
    outbox = target / "outbox"
    outbox.mkdir(parents=True)
    started = time.perf_counter()
    db = sqlite3.connect(target / "ledger.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    for statement in schema:
        db.execute(statement)
    chunks = [
        (k, r[i : i + CHUNK]) for k in KINDS for r in [effects[k]] for i in range(0, len(r), CHUNK)
    ]
    mailed = [n for n, (k, _) in enumerate(chunks) if k in ("handout", "invitation")]
    secret = [n for n, (k, _) in enumerate(chunks) if k in ("credential", "access")]
    for number, (_, chunk) in enumerate(chunks):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO effects (key, meeting_id, kind, state, attempts, content_hash,"
            " detail, created_at, updated_at) VALUES (?, ?, ?, 'intent', 1, ?, ?, ?, ?)",
            [(r[0], r[1], r[2], r[3], r[6], "t", "t") for r in chunk],
        )
        db.execute("COMMIT")
        if number in mailed:
            written = []
            for name, data in _share(blobs, mailed.index(number), len(mailed)):
                (outbox / name).write_bytes(data)
                written.append(outbox / name)
            _make_durable(outbox, written)
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "UPDATE effects SET state = 'done', external_id = ?, join_url = ?, detail = ?,"
            " updated_at = ? WHERE key = ?",
            [(r[4], r[5], r[6], "t", r[0]) for r in chunk],
        )
        if number in secret and vault:
            rows = _share(vault, secret.index(number), len(secret))
            marks = ",".join("?" * len(vault[0]))
            db.executemany(f"INSERT INTO vault_credentials VALUES ({marks})", rows)  # noqa: S608
        if audit:
            rows = _share(audit, number, len(chunks))
            marks = ",".join("?" * len(audit[0]))
            db.executemany(f"INSERT INTO audit_log VALUES ({marks})", rows)  # noqa: S608
        db.execute("COMMIT")
    db.close()
    return time.perf_counter() - started


def _make_durable(folder: Path, files: list[Path]) -> None:
    """The files and their folder on disk: one ``syncfs`` of the file system where there is
    one (Linux; as the outbox does), else each file fsynced, then the folder."""
    if _SYNCFS is not None:
        handle = os.open(folder, os.O_RDONLY)
        try:
            if _SYNCFS(handle) != 0:
                raise OSError(ctypes.get_errno(), "syncfs failed")
        finally:
            os.close(handle)
        return
    for path in [*files, folder]:
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _syncfs() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).syncfs  # type: ignore[no-any-return]
    except (OSError, AttributeError, TypeError):
        return None


_SYNCFS = _syncfs() if sys.platform.startswith("linux") else None


def _share(rows: list[_R], number: int, parts: int) -> list[_R]:
    """The ``number``-th of ``parts`` nearly equal slices of ``rows``."""
    return rows[number * len(rows) // parts : (number + 1) * len(rows) // parts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--platform", nargs="+", default=["memory", "provisioned"])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--count-points", type=int, default=500)
    args = parser.parse_args()
    points = args.points
    with tempfile.TemporaryDirectory(prefix="meetlink-bench-open-") as folder:
        base = Path(folder)
        seconds: dict[str, float] = {}
        processor: dict[str, float] = {}
        for platform in args.platform:
            (base / platform).mkdir()
            cpu = time.process_time()
            seconds[platform] = first_open(base / platform, points, platform, args.concurrency)
            processor[platform] = time.process_time() - cpu
        measured = next(iter(seconds))
        floor_seconds = floor(base / measured / ".meetlink", base / "floor")
        statements: dict[str, float] = {}
        for platform in args.platform if args.count_points > 0 else []:
            (base / f"count-{platform}").mkdir()
            statements[platform] = statements_per_point(
                base / f"count-{platform}", args.count_points, platform
            )
    per = 1000 / points
    print(
        f"first open of {points:,} bridge points (1 conference; a login, an access, a "
        f"hand-out and an invitation each), concurrency {args.concurrency}:"
    )
    print(
        f"  floor, the same rows and files committed per chunk of {CHUNK}: "
        f"{floor_seconds:.1f} s, {floor_seconds * per:.2f} ms/point"
    )
    for platform, taken in seconds.items():
        print(
            f"  {platform}: {taken:.1f} s, {taken * per:.2f} ms/point; "
            f"ratio to the floor {taken / floor_seconds:.1f} "
            f"(the run's own process: {processor[platform] * per:.2f} ms/point of processor)"
        )
    for platform, count in statements.items():
        print(f"  {platform}: {count:.1f} SQL statements a point (an open of {args.count_points})")
    if "memory" in seconds and "provisioned" in seconds:
        print(f"  provisioned / memory: {seconds['provisioned'] / seconds['memory']:.2f}")
    print(machine_line())


if __name__ == "__main__":
    main()
