"""Two offices' ``open --scope`` in processes of their own, on one PostgreSQL ledger (imported
by name: ``from scope_runs import …``; the processes are spawned, so this module is what
they import)."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.reconcile.province import province_roster

# A province (T) with two districts (H1, H2), each with two communes. The province and the
# districts sit in one Google event; each commune has a memory room of its own, whose login
# goes to its officer.
ROSTER = province_roster(2)

MEETING = """\
id: tinh-2024
title: "Hội nghị trực tuyến toàn tỉnh"
organizer: {name: "Văn phòng Tỉnh ủy", email: vp@tinhuy.example.org}
roster: roster.csv
tracks:
  - id: tinh
    platform: google
    units: {kinds: [committee, district]}
    settings: {retry_base_delay: 0.01, max_retry_seconds: 20}
    sittings:
      - {id: s1, start: 2024-03-10T08:00, end: 2024-03-10T11:00}
  - id: xa
    platform: memory
    conference: per_point
    units: {kinds: [commune]}
    settings: {store: xa}
    sittings:
      - {id: s1, start: 2024-03-10T08:00, end: 2024-03-10T11:00}
"""


def write_office(folder: Path, meeting: str = MEETING, roster: str = ROSTER) -> Path:
    """One office's copy of the meeting file and roster; its meeting file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roster.csv").write_text(roster, encoding="utf-8")
    path = folder / "meeting.yaml"
    path.write_text(meeting, encoding="utf-8")
    return path


@dataclass(frozen=True)
class OfficeRun:
    """What one office's scoped ``open`` did, as its process reports it."""

    unit: str
    ok: bool
    counts: dict[str, dict[str, int]]
    failures: list[str]
    rooms: list[str]  # the memory rooms this process made (conference keys)
    started: float
    ended: float
    actions: tuple[str, ...] = ()  # what the run set out to do: "create invitation:main/s1/H1"


def open_scope(
    meeting: str, url: str, unit: str, env: dict[str, str], start: Any, out: Any
) -> None:
    """The body of one office's process: wait for the other, open its scope, report."""
    import time

    from meetlink.adapters.memory import MemoryStore
    from meetlink.reconcile import open_meeting

    os.environ.update(env)
    start.wait(timeout=120)
    began = time.monotonic()
    try:
        result = open_meeting(meeting, state_dir=url, scope=unit, concurrency=4)
    except Exception as exc:  # reported, so the test says why instead of waiting
        out.put(OfficeRun(unit, False, {}, [f"{type(exc).__name__}: {exc}"], [], began, began))
        raise
    rooms = sorted(c.key for c in MemoryStore.named("xa").conferences())
    out.put(
        OfficeRun(
            unit,
            result.ok,
            result.counts,
            [f"{f.key}: {f.error}" for f in result.failures],
            rooms,
            began,
            time.monotonic(),
            tuple(f"{a.op.value} {a.key}" for a in result.actions if a.op.value != "none"),
        )
    )


def open_at_once(offices: dict[str, Path], url: str, env: dict[str, str]) -> dict[str, OfficeRun]:
    """Each office's ``open --scope`` (office by unit: its meeting file) in a process of its
    own, all started at the same moment on the ledger at ``url``; their reports by unit."""
    spawn = multiprocessing.get_context("spawn")
    start, out = spawn.Barrier(len(offices)), spawn.Queue()
    running = [
        spawn.Process(target=open_scope, args=(str(meeting), url, unit, env, start, out))
        for unit, meeting in offices.items()
    ]
    for process in running:
        process.start()
    runs = {run.unit: run for run in (out.get(timeout=120) for _ in running)}
    for process in running:
        process.join(timeout=60)
        assert process.exitcode == 0, runs
    return runs
