"""meetlink: plan, open and report simultaneous online meetings across many bridge points.

The public API, for scripts and other office tools (the ``meetlink`` command is a thin layer
over it):

    >>> import meetlink
    >>> loaded = meetlink.load_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
    >>> plan = meetlink.plan_meeting(loaded.meeting, loaded.roster)           # doctest: +SKIP
    >>> result = meetlink.open_meeting(loaded)                                # doctest: +SKIP
    >>> result.ok                                                             # doctest: +SKIP
    True
"""

from __future__ import annotations

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
