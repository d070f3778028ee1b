"""Attendance from the platforms (``meetlink report --from-platform``).

The conferences ``open`` made are in the ledger, each with its request and what the
platform answered; each track's adapter is asked who joined them
(:func:`meetlink.report.read_platform_records`), and the answers are matched to bridge points
(:func:`meetlink.report.roll_calls_from_platform`): the same report as from roll-call sheets.
A participant signed in under the address of a point's technical officer (the roster's
``officer_email``; Google gives it with ``attendance_addresses: true``) counts for that point
whatever name they show, as :func:`by_officer_address` marks them.

Example:
    >>> from meetlink.reconcile.attendance import attendance_from_platform
    >>> callable(attendance_from_platform)
    True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from meetlink.adapters.models import AttendanceEntry, ConferenceInfo, ConferenceRequest
from meetlink.errors import InputError
from meetlink.loading import MeetingFile
from meetlink.planning import Plan
from meetlink.reconcile.keys import Kind
from meetlink.reconcile.ledger import EffectState
from meetlink.reconcile.setup import make_adapters
from meetlink.reconcile.state import StateWhere, open_ledger
from meetlink.report.models import RollCalls
from meetlink.report.platform import read_platform_records, roll_calls_from_platform

__all__ = ["attendance_from_platform", "by_officer_address"]


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
    return roll_calls_from_platform(plan, by_officer_address(plan, records)), read.warnings


def by_officer_address(
    plan: Plan, records: Mapping[str, Sequence[AttendanceEntry]]
) -> dict[str, list[AttendanceEntry]]:
    """The records with each participant signed in as a point's officer given that point.

    Only a point of the participant's own conference, and only when one point of it has that
    officer; anyone else is left to the matching by display name.

    Example:
        >>> by_officer_address(plan, {})  # doctest: +SKIP
        {}
    """
    points = {p.id: p for p in plan.bridge_points}
    marked: dict[str, list[AttendanceEntry]] = {}
    for conference in plan.conferences:
        entries = records.get(conference.key)
        if entries is None:
            continue
        officers: dict[str, set[str]] = {}
        for point_id in conference.bridge_points:
            officer = plan.units[points[point_id].host_unit].officer
            if officer is not None and officer.email:
                officers.setdefault(officer.email.casefold(), set()).add(point_id)
        marked[conference.key] = [
            _at_point(entry, officers.get((entry.email or "").casefold(), set()))
            for entry in entries
        ]
    return marked


def _at_point(entry: AttendanceEntry, point_ids: set[str]) -> AttendanceEntry:
    if entry.point_id is not None or len(point_ids) != 1:
        return entry
    return entry.model_copy(update={"point_id": next(iter(point_ids))})
