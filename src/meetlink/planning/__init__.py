"""Planning: pure functions from the loaded meeting to bridge points, seats and conferences.

* :mod:`.planner` — units + tracks + rules → bridge points, seats, conferences (no I/O);
* :mod:`.export` — the plan as JSON, and the list of bridge points as CSV/XLSX;
* :mod:`.table` — the plan as a terminal table (and the rule for any text shown there).

Example:
    >>> from meetlink.planning import split_evenly
    >>> split_evenly(10, 3)
    (4, 3, 3)
"""

from __future__ import annotations

from meetlink.planning.planner import (
    BridgePoint,
    Conference,
    Plan,
    PlannedSitting,
    PointRole,
    Seat,
    plan_meeting,
    split_evenly,
)

__all__ = [
    "BridgePoint",
    "Conference",
    "Plan",
    "PlannedSitting",
    "PointRole",
    "Seat",
    "plan_meeting",
    "split_evenly",
]
