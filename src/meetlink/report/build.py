"""The result report (báo cáo kết quả): roll calls against the plan's seats. Pure, no I/O.

For every sitting, every bridge point with seats in it gets a row: expected (its seats in
the plan: all members for ``attendance: all``, its quota of them for ``split``), present
and the rate. Where the present count comes from, in order:

1. a roll-call row for the whole point;
2. the rows of the units sitting at the point, added up (units that sent none are listed
   as missing, and the point counts as reported);
3. the platform's records: the number of distinct participants the point connected with.

A point with none of these is *missing*. Rates and totals count only points that reported:
``rate = present / expected of the reporting points``; ``coverage`` is the share of points
that reported. Totals add up over sittings (person-sittings when everyone attends each).

Example:
    >>> report = build_report(plan, load_roll_calls(["roll-call.csv"], plan))  # doctest: +SKIP
    >>> report.total.present, f"{report.total.rate:.1%}"                        # doctest: +SKIP
    (5289, '93.2%')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from meetlink.errors import InputError
from meetlink.planning import BridgePoint, Plan, PlannedSitting
from meetlink.planning.points import platform_label, sitting_names
from meetlink.report.models import (
    Connection,
    Late,
    LateKind,
    Missing,
    Notice,
    NoticeKind,
    PointResult,
    Report,
    RollCall,
    RollCalls,
    SittingResult,
    Source,
    Totals,
    UnitResult,
)
from meetlink.report.occurrences import day_name, held, own_title

__all__ = ["build_report"]


def build_report(
    plan: Plan,
    roll_calls: RollCalls,
    *,
    report_within: dt.timedelta | None = None,
    occurrence: dt.date | None = None,
) -> Report:
    """Compare the roll calls with the plan: rows, totals, missing and late roll calls.

    A roll call is late when its ``reported_at`` is after ``report_within`` past the
    sitting's end, or, by default, after the day of the sitting ("the same day").

    A recurring sitting gives one result per held occurrence (named by its day; the
    totals add up the year); with ``occurrence`` (a day), only the sittings held that day
    are reported. Raises :class:`InputError` when no sitting is held that day.
    """
    calls: dict[tuple[str, str, dt.date | None, str], list[RollCall]] = {}
    for call in roll_calls.calls:
        calls.setdefault((call.track, call.sitting, call.occurrence, call.point), []).append(call)
    connections = {(c.track, c.sitting, c.point): c for c in roll_calls.connections}
    seats = {(s.unit, sitting): n for s in plan.seats for sitting, n in s.seats.items()}
    tracks = {t.id: t for t in plan.meeting.tracks}
    names = sitting_names(plan)  # its title, else its date: never its id
    notices: list[Notice] = []
    missing: list[Missing] = []
    late: list[Late] = []
    sittings: list[SittingResult] = []
    chosen = _reported(plan, occurrence, names)
    for own, sitting, day in chosen:
        point_rows: list[PointResult] = []
        unit_rows: list[UnitResult] = []
        for point in plan.points_of(sitting.track):
            expected = point.seats.get(own.id, 0)
            if expected <= 0:
                continue  # nobody is seated here in this sitting
            key = (sitting.track, own.id, point.id)
            here = calls.get((sitting.track, own.id, day, point.id), [])
            # the platform's records cover the whole series: no count for one occurrence
            connection = connections.get(key) if day is None else None
            seen = day is None and (key in roll_calls.observed or key in connections)
            connected = (key in connections) if seen else None
            row = _point_row(point, sitting, expected, here, connection, connected)
            point_rows.append(row)
            unit_rows.extend(_unit_rows(plan, point, sitting, here, row, seats, own.id))
            notices.extend(_notices(point, sitting, here, row, seats, own.id))
            missing.extend(_missing(point, sitting, here, row, seats, own.id))
            late.extend(_late(point, sitting, here, connection, report_within))
        track = tracks[sitting.track]
        name = names[(sitting.track, own.id)]
        if day is not None:
            name = _day_name(name, bool(own_title(plan, own)), sitting)
        many = len(chosen) > 1
        label = " — ".join(p for p in (track.title, name if many or not track.title else "") if p)
        sittings.append(
            SittingResult(
                sitting=sitting,
                label=label,
                name=name,
                points=tuple(point_rows),
                units=tuple(unit_rows),
                totals=Totals.of(label, point_rows),
                occurrence=day,
            )
        )
    track_totals = tuple(
        Totals.of(
            t.title or platform_label(t.platform),
            (r for s in sittings if s.sitting.track == t.id for r in s.points),
        )
        for t in plan.meeting.tracks
    )
    meeting = plan.meeting
    return Report(
        meeting_id=meeting.id,
        title=meeting.title,
        organizer=meeting.organizer.name,
        sittings=tuple(sittings),
        tracks=track_totals,
        total=Totals.of(meeting.title, (r for s in sittings for r in s.points)),
        missing=tuple(missing),
        late=tuple(late),
        notices=tuple(notices),
        unmatched=roll_calls.unmatched,
        sources=roll_calls.sources,
    )


def _reported(
    plan: Plan, occurrence: dt.date | None, names: Mapping[tuple[str, str], str]
) -> list[tuple[PlannedSitting, PlannedSitting, dt.date | None]]:
    """The sittings to report: ``(the plan's sitting, the one reported, its occurrence)``;
    a recurring sitting's held occurrences each stand as a sitting of their own (id
    ``monthly@2024-03-03``, its day's times, no rule)."""
    out: list[tuple[PlannedSitting, PlannedSitting, dt.date | None]] = []
    for sitting in plan.sittings:
        occurrences = held(sitting)
        if not occurrences:
            start = sitting.start
            if occurrence is None or (start is not None and start.date() == occurrence):
                out.append((sitting, sitting, None))
            continue
        for o in occurrences:
            if occurrence is not None and occurrence not in (o.date, o.start.date()):
                continue
            one = replace(
                sitting,
                id=f"{sitting.id}@{o.date.isoformat()}",
                start=o.start,
                end=o.end,
                recurrence=None,
                occurrences=(),
            )
            out.append((sitting, one, o.date))
    if not out and occurrence is not None:
        days = sorted(
            {o.start.date() for s in plan.sittings for o in held(s)}
            | {s.start.date() for s in plan.sittings if s.start is not None and not held(s)}
        )
        raise InputError.single(
            "--occurrence",
            f"no sitting is held on {day_name(occurrence)}; the days are "
            f"{', '.join(d.isoformat() for d in days) or 'not set yet'}.",
        )
    return out


def _day_name(name: str, titled: bool, sitting: PlannedSitting) -> str:
    """A held occurrence's name: the day it is held, after the sitting's title if any."""
    day = day_name(sitting.start.date()) if sitting.start is not None else ""
    return f"{name}, {day}" if titled else day


def _point_row(
    point: BridgePoint,
    sitting: PlannedSitting,
    expected: int,
    here: list[RollCall],
    connection: Connection | None,
    connected: bool | None,
) -> PointResult:
    whole = next((c for c in here if c.unit is None), None)
    by_unit = [c for c in here if c.unit is not None]
    present: int | None = None
    source = Source.NONE
    if whole is not None:
        present, source = whole.present, Source.SHEET
    elif by_unit and point.cell is None:
        present, source = sum(c.present for c in by_unit), Source.UNITS
    elif connection is not None:
        present, source = connection.participants, Source.PLATFORM
    reported_units = {c.unit for c in by_unit} & set(point.units)
    return PointResult(
        track=point.track,
        sitting=sitting.id,
        point=point.id,
        name=point.name,
        expected=expected,
        present=present,
        source=source,
        connected=connected,
        units=len(point.units),
        units_reported=len(point.units) if whole is not None else len(reported_units),
    )


def _unit_rows(
    plan: Plan,
    point: BridgePoint,
    sitting: PlannedSitting,
    here: list[RollCall],
    row: PointResult,
    seats: Mapping[tuple[str, str], int],
    seated: str,
) -> list[UnitResult]:
    by_unit = {c.unit: c.present for c in here if c.unit is not None}
    out = []
    for unit in point.units:
        present = by_unit.get(unit)
        if present is None and len(point.units) == 1:
            present = row.present  # the point's (or party cell's) count is its one unit's count
        # a branch meeting as party cells: each cell point is a share of the unit
        expected = point.seats.get(seated, 0) if point.cell else seats.get((unit, seated), 0)
        name = plan.units[unit].name if unit in plan.units else unit
        out.append(UnitResult(point.track, sitting.id, unit, name, point.id, expected, present))
    return out


def _notices(
    point: BridgePoint,
    sitting: PlannedSitting,
    here: list[RollCall],
    row: PointResult,
    seats: Mapping[tuple[str, str], int],
    seated: str,
) -> list[Notice]:
    out = []
    whole = next((c for c in here if c.unit is None), None)
    base = {"track": point.track, "sitting": sitting.id, "point": point.id, "name": point.name}
    if row.present is not None and row.present > row.expected:
        out.append(
            Notice(
                NoticeKind.OVER_EXPECTED,
                **base,
                present=row.present,
                expected=row.expected,
                where=whole.where if whole and row.source == Source.SHEET else "",
            )
        )
    by_unit = [c for c in here if c.unit is not None]
    for call in by_unit:
        unit_expected = seats.get((call.unit or "", seated), 0)
        if point.cell is None and call.present > unit_expected:
            out.append(
                Notice(
                    NoticeKind.OVER_EXPECTED,
                    **base,
                    unit=call.unit,
                    present=call.present,
                    expected=unit_expected,
                    where=call.where,
                )
            )
    units_sum = sum(c.present for c in by_unit)
    if whole is not None and by_unit and point.cell is None and units_sum != whole.present:
        out.append(
            Notice(
                NoticeKind.UNITS_DISAGREE,
                **base,
                present=whole.present,
                expected=units_sum,
                where=whole.where,
            )
        )
    return out


def _missing(
    point: BridgePoint,
    sitting: PlannedSitting,
    here: list[RollCall],
    row: PointResult,
    seats: Mapping[tuple[str, str], int],
    seated: str,
) -> list[Missing]:
    common = (point.track, sitting.id, point.id, point.name)
    if not row.reported:
        return [Missing(*common, connected=row.connected)]
    if row.source != Source.UNITS:
        return []
    sent = {c.unit for c in here}
    return [
        Missing(*common, unit=unit, connected=row.connected)
        for unit in point.units
        if unit not in sent and seats.get((unit, seated), 0) > 0
    ]


def _late(
    point: BridgePoint,
    sitting: PlannedSitting,
    here: list[RollCall],
    connection: Connection | None,
    report_within: dt.timedelta | None,
) -> list[Late]:
    if sitting.start is None or sitting.recurrence:
        return []  # no fixed day to be late against
    end = sitting.end or sitting.start
    if report_within is not None:
        deadline = end + report_within
    else:
        deadline = dt.datetime.combine(end.date(), dt.time.max, tzinfo=end.tzinfo)
    common = (point.track, sitting.id, point.id, point.name)
    out = []
    reported = max((c.reported_at for c in here if c.reported_at is not None), default=None)
    if reported is not None and reported > deadline:
        out.append(Late(*common, reported, _minutes(reported - deadline), LateKind.REPORTED_LATE))
    if connection is not None and connection.first_joined > sitting.start:
        joined = connection.first_joined
        out.append(Late(*common, joined, _minutes(joined - sitting.start), LateKind.JOINED_LATE))
    return out


def _minutes(delta: dt.timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))
