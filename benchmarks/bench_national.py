"""Benchmark: plan a national conference of 31,000 bridge points in relay tiers (issue 17).

Generates the national roster of ``_national.py`` (34 provinces, about 700 districts and
3,300 communes, villages up to 31,000 points), loads it once, then plans it with the
capacity of Google Meet's largest edition (1,000) and of a 250-port MCU. For each it prints
the plan time (best of 7; goal ≤ 2 s) beside its floor measured in the same run (one pass
over the roster file reading the same rows and building the parent → children tree as
dicts), the number of conferences and tiers, and the largest conference, which is checked
never to exceed the capacity. The plan time of the same roster in one conference (no
capacity) is printed first: the difference is what the tiers cost.

Run: ``python benchmarks/bench_national.py [POINTS]``.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine_line
from _national import national_roster

from meetlink.loading import load_meeting
from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Roster
from meetlink.planning import Plan, plan_meeting

CAPACITIES = ((1000, "Google Meet, largest edition"), (250, "an MCU of 250 ports"))


def floor(roster: Path) -> float:
    """One pass over the roster file: read every row, build parent → children as dicts."""
    started = time.perf_counter()
    children: dict[str, list[str]] = {}
    with roster.open(encoding="utf-8", newline="") as rows:
        reader = csv.reader(rows)
        header = next(reader)
        at_id, at_parent = header.index("id"), header.index("parent")
        for row in reader:
            children.setdefault(row[at_parent], []).append(row[at_id])
    return time.perf_counter() - started


def with_capacity(meeting: Meeting, capacity: int) -> Meeting:
    tracks = tuple(t.model_copy(update={"capacity": capacity}) for t in meeting.tracks)
    return meeting.model_copy(update={"tracks": tracks})


def best_plan(meeting: Meeting, roster: Roster) -> tuple[float, Plan]:
    timings: list[float] = []
    plan: Plan | None = None
    for _ in range(7):
        started = time.perf_counter()
        plan = plan_meeting(meeting, roster)
        timings.append(time.perf_counter() - started)
    if plan is None:
        raise RuntimeError("no plan was made")
    return min(timings), plan


def main() -> None:
    points = int(sys.argv[1]) if len(sys.argv) > 1 else 31000
    with tempfile.TemporaryDirectory() as folder:
        roster_file, meeting_file = national_roster(Path(folder), points=points)
        started = time.perf_counter()
        loaded = load_meeting(meeting_file)
        loading = time.perf_counter() - started
        floors = [floor(roster_file) for _ in range(7)]
    print(machine_line())
    print(
        f"national roster: {len(loaded.roster.units):,} units, loaded in {loading:.2f} s "
        "(not timed below)"
    )
    least = min(floors)
    flat, _ = best_plan(loaded.meeting, loaded.roster)
    print(f"the same roster in one conference (no capacity): plan {flat:.2f} s (best of 7)")
    for capacity, what in CAPACITIES:
        took, plan = best_plan(with_capacity(loaded.meeting, capacity), loaded.roster)
        largest = max(len(c.bridge_points) for c in plan.conferences)
        if largest > capacity:
            raise SystemExit(f"a conference of {largest} points, over the capacity {capacity}")
        tiers = max(c.tier for c in plan.conferences) + 1
        print(
            f"capacity {capacity} ({what}): {len(plan.bridge_points):,} points → "
            f"{len(plan.conferences):,} conferences in {tiers} tiers, the largest "
            f"{largest} points; plan {took:.2f} s (goal ≤ 2 s), floor {least:.3f} s, "
            f"ratio {took / least:.0f}x (best of 7)"
        )


if __name__ == "__main__":
    main()
