"""meetlink: plan, open and report simultaneous online meetings across many bridge points.

The public API, for scripts and other office tools (the ``meetlink`` command is a thin layer
over it):

    >>> import meetlink
    >>> loaded = meetlink.load_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
    >>> plan = meetlink.plan_meeting(loaded.meeting, loaded.roster)           # doctest: +SKIP
    >>> result = meetlink.open_meeting(loaded)                                # doctest: +SKIP
    >>> result.ok                                                             # doctest: +SKIP
    True

Each name is imported from its module when first used (issue 19): ``import meetlink`` (and
so every ``meetlink …`` command and ``python -m meetlink``) does not load the documents,
the report or the reconcile with their libraries until something asks for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, for type checkers and readers
    from meetlink.documents import write_notice
    from meetlink.errors import InputError, MeetlinkError, PlanningError, Problem
    from meetlink.loading import MeetingFile
    from meetlink.loading.meeting import Meeting, Rules, Sitting, Track
    from meetlink.loading.roster import Contact, Roster, Unit, load_roster
    from meetlink.planning import BridgePoint, Conference, Plan, PlannedSitting, plan_meeting
    from meetlink.reconcile import (
        OpenResult,
        open_meeting,
        planned_actions,
        revoke_credentials,
        rotate_credentials,
    )
    from meetlink.reconcile.setup import load_meeting
    from meetlink.report import build_report, load_roll_calls

__version__ = "0.1.0"

# Every public name → the module it comes from (imported on first use, see the docstring).
_HOMES: dict[str, str] = {
    "BridgePoint": "meetlink.planning",
    "Conference": "meetlink.planning",
    "Contact": "meetlink.loading.roster",
    "InputError": "meetlink.errors",
    "Meeting": "meetlink.loading.meeting",
    "MeetingFile": "meetlink.loading",
    "MeetlinkError": "meetlink.errors",
    "OpenResult": "meetlink.reconcile",
    "Plan": "meetlink.planning",
    "PlannedSitting": "meetlink.planning",
    "PlanningError": "meetlink.errors",
    "Problem": "meetlink.errors",
    "Roster": "meetlink.loading.roster",
    "Rules": "meetlink.loading.meeting",
    "Sitting": "meetlink.loading.meeting",
    "Track": "meetlink.loading.meeting",
    "Unit": "meetlink.loading.roster",
    "build_report": "meetlink.report",
    "load_meeting": "meetlink.reconcile.setup",
    "load_roll_calls": "meetlink.report",
    "load_roster": "meetlink.loading.roster",
    "open_meeting": "meetlink.reconcile",
    "plan_meeting": "meetlink.planning",
    "planned_actions": "meetlink.reconcile",
    "revoke_credentials": "meetlink.reconcile",
    "rotate_credentials": "meetlink.reconcile",
    "write_notice": "meetlink.documents",
}

__all__ = [
    "BridgePoint",
    "Conference",
    "Contact",
    "InputError",
    "Meeting",
    "MeetingFile",
    "MeetlinkError",
    "OpenResult",
    "Plan",
    "PlannedSitting",
    "PlanningError",
    "Problem",
    "Roster",
    "Rules",
    "Sitting",
    "Track",
    "Unit",
    "__version__",
    "build_report",
    "load_meeting",
    "load_roll_calls",
    "load_roster",
    "open_meeting",
    "plan_meeting",
    "planned_actions",
    "revoke_credentials",
    "rotate_credentials",
    "write_notice",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (then kept here)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'meetlink' has no attribute '{name}'")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
