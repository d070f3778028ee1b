"""Benchmark: plan a generated roster of 100,000 units (issue 2: "well under a second").

Run: ``python benchmarks/bench_planning.py [UNITS]``. Only ``plan_meeting`` is timed; building
the roster is not. Prints the best of 5 runs and the machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine_line

from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Roster, Unit, UnitKind
from meetlink.planning import plan_meeting


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


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    roster = generated_roster(count)
    meeting = Meeting.model_validate(
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
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        plan = plan_meeting(meeting, roster)
        timings.append(time.perf_counter() - started)
    print(
        f"planning {count:,} units → {len(plan.bridge_points):,} bridge points, "
        f"3 split sittings: best {min(timings) * 1000:.0f} ms, "
        f"median {sorted(timings)[2] * 1000:.0f} ms (5 runs)"
    )
    print(machine_line())


if __name__ == "__main__":
    main()
