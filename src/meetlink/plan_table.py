"""The plan as a rich table: every bridge point with its host, hall, units and seats.

Example:
    >>> from meetlink.plan_table import render_plan   # render_plan(plan) prints to stdout
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table

from meetlink.planning import Plan

__all__ = ["render_plan"]


def render_plan(plan: Plan, stream: TextIO | None = None) -> None:
    """Print one table per track, then totals and what the plan noted."""
    console = Console(file=stream, width=160 if stream is not None else None)
    meeting = plan.meeting
    console.print(f"[bold]{meeting.title}[/bold]  ({meeting.id}, {meeting.timezone})")
    if plan.rehearsal:
        console.print(f"Chạy thử đường truyền: {plan.rehearsal:%Y-%m-%d %H:%M}")
    grand = 0
    for track in meeting.tracks:
        sittings = [s for s in plan.sittings if s.track == track.id]
        points = plan.points_of(track.id)
        table = Table(
            title=f"Track {track.id} — {track.platform}, {track.conference.value}, "
            f"{track.attendance.value}",
            show_lines=False,
        )
        for column in ("#", "Điểm cầu", "Địa điểm", "Đơn vị"):
            table.add_column(column)
        for sitting in sittings:
            when = f"{sitting.start:%d/%m %H:%M}" if sitting.start else "chưa định giờ"
            table.add_column(f"{sitting.id}\n{when}", justify="right")
        totals = dict.fromkeys((s.id for s in sittings), 0)
        for number, point in enumerate(points, start=1):
            names = ", ".join(plan.units[u].name for u in point.units if u in plan.units)
            for sitting in sittings:
                totals[sitting.id] += point.seats.get(sitting.id, 0)
            table.add_row(
                str(number),
                point.name,
                point.location,
                names,
                *(str(point.seats.get(s.id, 0)) for s in sittings),
            )
        table.add_section()
        table.add_row(
            "", f"Tổng: {len(points)} điểm cầu", "", "", *(str(totals[s.id]) for s in sittings)
        )
        grand += len(points)
        console.print(table)
    console.print(f"{grand} bridge points, {len(plan.conferences)} conferences.")
    if plan.not_invited:
        console.print(f"Not invited (in no track): {', '.join(plan.not_invited)}")
    for note in plan.notes:
        console.print(f"Note: {note}")
