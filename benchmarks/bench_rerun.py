"""Benchmark: re-run a finished ``open`` of 10,000 bridge points (issue 6).

The second ``open`` must make no external call (counted at the platform and the sender)
and take a few seconds at most. Run: ``python benchmarks/bench_rerun.py [POINTS]``.
The first open is timed too, for scale. Everything runs in a temporary folder, on the
memory platform (link and login per point) and the outbox.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine_line

from meetlink.adapters.memory import MemoryStore
from meetlink.credentials.vault import VaultKey
from meetlink.reconcile import open_meeting

HEADER = "id,name,kind,members,location,officer_name,officer_email,contact_emails\n"


def write_meeting(folder: Path, points: int) -> Path:
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
        "    platform: memory\n"
        "    units: {kinds: [village]}\n"
        "    sittings: [{id: s1, start: 2024-03-10T08:00, end: 2024-03-10T10:00}]\n",
        encoding="utf-8",
    )
    return meeting


def main() -> None:
    points = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    store, key = MemoryStore(), VaultKey.generate()
    with tempfile.TemporaryDirectory(prefix="meetlink-bench-") as folder:
        meeting = write_meeting(Path(folder), points)
        started = time.perf_counter()
        first = open_meeting(meeting, http=store, vault_key=key)
        first_seconds = time.perf_counter() - started
        if not first.ok:
            raise SystemExit(f"the first open failed: {first.failures[:3]}")
        outbox = Path(folder) / ".meetlink" / "outbox"
        calls, files = sum(store.calls.values()), len(list(outbox.iterdir()))
        started = time.perf_counter()
        second = open_meeting(meeting, http=store, vault_key=key)
        second_seconds = time.perf_counter() - started
        extra_calls = sum(store.calls.values()) - calls
        extra_files = len(list(outbox.iterdir())) - files
    if second.counts or extra_calls or extra_files:
        raise SystemExit(f"the re-run acted: {second.counts}, {extra_calls} calls")
    print(
        f"open of {points:,} bridge points (1 conference, {points:,} credentials, hand-outs "
        f"and invitations): first run {first_seconds:.1f} s"
    )
    print(
        f"re-run of the finished open: {second_seconds:.2f} s, {extra_calls} platform calls, "
        f"{extra_files} messages"
    )
    print(machine_line())


if __name__ == "__main__":
    main()
