"""Benchmark: plan a generated roster of 100,000 units (issue 19: goal ≤ 0.35 s).

Run: ``python benchmarks/bench_planning.py [UNITS]``. Only planning is timed; building the
roster is not. Beside ``plan_meeting`` it times the **floor** in the same run: one pass over
the roster building the same output (the same bridge points, seats and conference, checked
equal to the planner's), with none of the planner's generality (one track, no party cells,
no join-point chains, no checks). Prints the best and the median of 14 runs of each, in
pairs (a planner run, then a floor run, so that a noisy moment of a shared machine hits
both), the ratio of the bests, the median of the 14 pairs' ratios, the same in CPU time
(which the load of other processes on a shared machine changes least), and the machine.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine_line

from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Roster, Unit, UnitKind
from meetlink.planning import (
    BridgePoint,
    Conference,
    Plan,
    PointRole,
    Seat,
    plan_meeting,
    split_evenly,
)
from meetlink.planning.sittings import planned_sittings

GOAL_SECONDS = 0.35
RUNS = 14


def generated_roster(count: int) -> Roster:
    """One committee; communes of 20 units: attached branches, villages (one hosting the HQ),
    and agencies, a third of them small and joining their commune's point."""
    units = [
        Unit.model_construct(
            id="TU",
            name="Thị ủy",
            kind=UnitKind.COMMITTEE,
            members=40,
            location="Hội trường",
            hosts_commune_hq=False,
            join_point=None,
            parent=None,
            excluded=0,
            cells=None,
        )
    ]
    commune = ""
    for i in range(1, count):
        if i % 20 == 1:
            commune = f"X{i}"
            kind, parent, join = UnitKind.COMMUNE, None, None
        else:
            kind = (UnitKind.ATTACHED, UnitKind.VILLAGE, UnitKind.AGENCY)[i % 3]
            parent = commune if kind != UnitKind.AGENCY else None
            join = commune if kind == UnitKind.AGENCY and i % 9 == 2 else None
        units.append(
            Unit.model_construct(
                id=commune if kind == UnitKind.COMMUNE else f"U{i}",
                name=f"Đơn vị {i}",
                kind=kind,
                parent=parent,
                members=5 + i % 60,
                location=f"Hội trường {i}",
                hosts_commune_hq=kind == UnitKind.VILLAGE and i % 20 == 3,
                join_point=join,
                excluded=i % 4,
                cells=None,
            )
        )
    return Roster("generated", tuple(units))


def bench_meeting() -> Meeting:
    """One shared track, three sittings, members split across them."""
    return Meeting.model_validate(
        {
            "id": "bench",
            "title": "Benchmark",
            "organizer": {"email": "vp@thiuy.example.org"},
            "roster": "generated",
            "rules": {"default_host": "TU"},
            "tracks": [
                {
                    "id": "main",
                    "units": {"kinds": ["committee", "commune", "attached", "village", "agency"]},
                    "attendance": "split",
                    "sittings": [
                        {
                            "id": f"s{n}",
                            "start": f"2024-03-1{n}T08:00",
                            "end": f"2024-03-1{n}T10:00",
                        }
                        for n in range(1, 4)
                    ],
                }
            ],
        }
    )


_ROLE = {
    UnitKind.COMMITTEE: PointRole.MAIN,
    UnitKind.COMMUNE: PointRole.COMMUNE,
    UnitKind.VILLAGE: PointRole.VILLAGE,
    UnitKind.ATTACHED: PointRole.AGENCY,
    UnitKind.AGENCY: PointRole.AGENCY,
}


def floor_plan(meeting: Meeting, roster: Roster) -> Plan:
    """The floor: where each unit sits and its share, in one pass over the roster, then the
    points in the planner's order (the main point first, then the roster's). Only for this
    benchmark's roster: every join point and parent is a unit that hosts its own point."""
    track = meeting.tracks[0]
    rules = meeting.rules_for(track)
    sitting_ids = [s.id for s in track.sittings]
    parts = len(sitting_ids)
    minimum, default_host = rules.own_point_min_members, rules.default_host or ""
    shares: dict[int, dict[str, int]] = {}
    guests: dict[str, list[tuple[str, dict[str, int]]]] = {}
    hosts: dict[str, str] = {}
    main: list[Unit] = []
    others: list[Unit] = []
    for unit in roster.units:
        kind = unit.kind
        if unit.join_point is not None:
            host = unit.join_point
        elif kind is UnitKind.ATTACHED or (kind is UnitKind.VILLAGE and unit.hosts_commune_hq):
            host = unit.parent or unit.id
        elif kind is UnitKind.AGENCY and unit.members < minimum:
            host = default_host
        else:
            host = unit.id
        if host == unit.id:
            (main if kind is UnitKind.COMMITTEE else others).append(unit)
        hosts[unit.id] = host
        seated = unit.members - unit.excluded
        share = shares.get(seated)
        if share is None:
            share = dict(zip(sitting_ids, split_evenly(seated, parts), strict=True))
            shares[seated] = share
        found = guests.get(host)
        if found is None:
            guests[host] = [(unit.id, share)]
        else:
            found.append((unit.id, share))
    points: list[BridgePoint] = []
    seats: list[Seat] = []
    for unit in main + others:
        seated_here = guests[unit.id]
        if len(seated_here) == 1:
            totals = seated_here[0][1]
        else:
            totals = {s: sum(sh[s] for _, sh in seated_here) for s in sitting_ids}
        seats.extend(Seat(u, unit.id, track.id, sh) for u, sh in seated_here)
        above = hosts.get(unit.parent) if unit.parent is not None else None
        points.append(
            BridgePoint(
                unit.id,
                unit.name,
                unit.location,
                unit.id,
                tuple(u for u, _ in seated_here),
                track.id,
                track.platform,
                _ROLE[unit.kind],
                totals,
                unit.equipment,
                parent_point=above if above != unit.id else None,
            )
        )
    ids = tuple(p.id for p in points)
    return Plan(
        meeting=meeting,
        bridge_points=tuple(points),
        sittings=tuple(planned_sittings(meeting)),
        conferences=tuple(
            Conference(f"{track.id}/{s}", track.id, s, track.platform, ids) for s in sitting_ids
        ),
        seats=tuple(seats),
        not_invited=(),
        rehearsal=meeting.rehearsal,
        units=roster.by_id(),
    )


def without_gc(work: Callable[[Meeting, Roster], Plan], meeting: Meeting, roster: Roster) -> Plan:
    """``work`` with the cyclic collector paused, as ``plan_meeting`` runs."""
    gc.disable()
    try:
        return work(meeting, roster)
    finally:
        gc.enable()


def timed(work: Callable[[], Plan]) -> tuple[float, float, Plan]:
    """One timing of ``work`` (wall clock and this process's CPU time), garbage collected
    before it, and its result."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - started, time.process_time() - cpu, result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    roster = generated_roster(count)
    meeting = bench_meeting()
    plan, bare = plan_meeting(meeting, roster), floor_plan(meeting, roster)  # warm: caches
    planner: list[float] = []
    floor: list[float] = []
    cpu: list[float] = []  # the CPU time of each: what other processes' load changes least
    cpu_floor: list[float] = []
    for _ in range(RUNS):  # in pairs, so that a noisy moment hits both
        took, used, plan = timed(lambda: plan_meeting(meeting, roster))
        planner.append(took)
        cpu.append(used)
        took, used, bare = timed(lambda: without_gc(floor_plan, meeting, roster))
        floor.append(took)
        cpu_floor.append(used)
    same = (bare.bridge_points, bare.seats, bare.conferences) == (
        plan.bridge_points,
        plan.seats,
        plan.conferences,
    )
    if not same:
        raise SystemExit("the floor does not build the planner's output: fix the benchmark")
    best, floor_best = min(planner), min(floor)
    print(
        f"plan {count:,} units → {len(plan.bridge_points):,} bridge points, 3 split sittings: "
        f"best {best * 1000:.0f} ms, median {statistics.median(planner) * 1000:.0f} ms "
        f"({len(planner)} runs; goal ≤ {GOAL_SECONDS * 1000:.0f} ms)"
    )
    paired = statistics.median(p / f for p, f in zip(planner, floor, strict=True))
    print(
        f"floor, one pass building the same output: best {floor_best * 1000:.0f} ms, "
        f"median {statistics.median(floor) * 1000:.0f} ms; ratio {best / floor_best:.2f} "
        f"(median of the {len(floor)} pairs: {paired:.2f})"
    )
    print(
        f"CPU time, best: plan {min(cpu) * 1000:.0f} ms, floor {min(cpu_floor) * 1000:.0f} ms; "
        f"ratio {min(cpu) / min(cpu_floor):.2f}"
    )
    print(machine_line())


if __name__ == "__main__":
    main()
