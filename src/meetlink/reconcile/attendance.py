"""Attendance from the platforms (``meetlink report --from-platform``).

The conferences ``open`` made are in the ledger, each with its request and what the
platform answered; each track's adapter is asked who joined them
(:func:`meetlink.report.read_platform_records`), and the answers are matched to bridge points
(:func:`meetlink.report.roll_calls_from_platform`): the same report as from roll-call sheets.

Example:
    >>> from meetlink.reconcile.attendance import attendance_from_platform
    >>> callable(attendance_from_platform)
    True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from meetlink.adapters.models import ConferenceInfo, ConferenceRequest
from meetlink.errors import InputError
from meetlink.loading import MeetingFile
from meetlink.planning import Plan
from meetlink.reconcile.keys import Kind
from meetlink.reconcile.ledger import EffectState
from meetlink.reconcile.setup import make_adapters
from meetlink.reconcile.state import StateWhere, open_ledger
from meetlink.report.models import RollCalls
from meetlink.report.platform import read_platform_records, roll_calls_from_platform

__all__ = ["attendance_from_platform"]


def attendance_from_platform(
    loaded: MeetingFile,
    plan: Plan,
    state: StateWhere,
    *,
    environ: Mapping[str, str],
    now: dt.datetime | None = None,
    http: object = None,
) -> tuple[RollCalls, tuple[str, ...]]:
    """The connections the platforms recorded for every conference ``open`` made, and the
    warnings (records about to expire, platforms without records)."""
    with open_ledger(state, read_only=True) as ledger:
        effects = ledger.effects(
            plan.meeting.id, kind=Kind.CONFERENCE.value, state=EffectState.DONE
        )
    conferences = [
        (
            ConferenceRequest.model_validate(e.detail["request"]),
            ConferenceInfo.model_validate(e.detail["info"]),
        )
        for e in effects
        if "request" in e.detail and "info" in e.detail
    ]
    if not conferences:
        raise InputError.single(
            str(loaded.path),
            "no conference of this meeting was opened yet, so no platform has records of it; "
            "run `meetlink open` first, or report from roll-call sheets (--attendance).",
        )
    adapters = make_adapters(loaded, plan, state.folder, environ=environ, http=http)
    try:
        read = read_platform_records(conferences, adapters, now=now or dt.datetime.now(dt.UTC))
    finally:
        for adapter in adapters.values():
            adapter.close()
    known = {c.key for c in plan.conferences}
    records = {k: v for k, v in read.records.items() if k in known}
    return roll_calls_from_platform(plan, records), read.warnings
