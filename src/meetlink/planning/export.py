"""The plan as data: plan JSON (the public contract) and the list of bridge points (CSV/XLSX).

The list of bridge points is the attachment the notices in the seeds carry ("Danh sách các
điểm cầu"): :func:`~meetlink.planning.points.point_list` says what it holds (Vietnamese
labels, no raw ids but the point's code, which roll calls are matched by); here it is
written as a CSV for other tools (the header first, no title) and as an XLSX ready to print
(a title block, A4 landscape fitted to the page's width, the header on every page).

Example:
    >>> import json
    >>> from meetlink.planning import split_evenly
    >>> json.dumps({"seats": dict(zip(["s1", "s2"], split_evenly(3, 2)))})
    '{"seats": {"s1": 2, "s2": 1}}'
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast, overload

from meetlink.loading.printed import ColumnKind, PrintColumn, PrintedSheet, printed_workbook
from meetlink.loading.sheets import spreadsheet_safe
from meetlink.planning.planner import BridgePoint, Plan
from meetlink.planning.points import PointList, point_list

__all__ = [
    "ACTION_OPS",
    "LIST_TITLE",
    "SHEET_NAME",
    "plan_rows",
    "plan_to_dict",
    "plan_to_json",
    "write_points_csv",
    "write_points_xlsx",
]

ACTION_OPS = ("create", "update", "cancel", "none")


def plan_to_dict(plan: Plan, actions: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The plan JSON of ``design.md``: meeting, bridge_points, sittings, actions (+ more keys)."""
    meeting = plan.meeting
    return {
        "meeting": {
            "id": meeting.id,
            "title": meeting.title,
            "timezone": meeting.timezone,
            "organizer": meeting.organizer.model_dump(mode="json", exclude_none=True),
            "agenda": list(meeting.agenda),
            "arrive_early_minutes": meeting.arrive_early_minutes,
            "rehearsal": _iso(plan.rehearsal),
        },
        "bridge_points": [
            {
                "id": p.id,
                "name": p.name,
                "location": p.location,
                "host_unit": p.host_unit,
                "units": list(p.units),
                "track": p.track,
                "platform": p.platform,
                "seats": dict(p.seats),
                "role": p.role.value,
                "equipment": p.equipment.value,
                "cell": p.cell,
                # only where there is one: the point under which it sits (a commune's district)
                **({"parent_point": p.parent_point} if p.parent_point else {}),
                # only where there is one: a party cell's own hour, and its sittings' times
                **(_own_times(plan, p) if p.meets_at is not None else {}),
            }
            for p in plan.bridge_points
        ],
        "sittings": [
            {
                "id": s.id,
                "track": s.track,
                "start": _iso(s.start),
                "end": _iso(s.end),
                "title": s.title,
                "recurrence": s.recurrence,
                "arrive_by": _iso(s.arrive_by),
                "occurrences": [
                    {
                        "date": o.date.isoformat(),
                        "start": _iso(o.start),
                        "end": _iso(o.end),
                        "status": o.status,
                    }
                    for o in s.occurrences
                ],
                "occurrences_complete": s.occurrences_complete,
            }
            for s in plan.sittings
        ],
        "conferences": [
            {
                "key": c.key,
                "id": c.key,
                "track": c.track,
                "sitting": c.sitting,
                "platform": c.platform,
                "bridge_points": list(c.bridge_points),
                "points": len(c.bridge_points),
                # a track relayed in tiers (planning/tiers): the conference above, the point
                # that relays it down, and the number of relays from the main conference
                "parent": c.parent,
                "relay_point": c.relay_point,
                "tier": c.tier,
            }
            for c in plan.conferences
        ],
        "seats": [
            {"unit": s.unit, "point": s.point, "track": s.track, "seats": dict(s.seats)}
            for s in plan.seats
        ],
        "not_invited": list(plan.not_invited),
        "notes": list(plan.notes),
        "actions": [dict(a) for a in actions],
    }


def plan_to_json(plan: Plan, actions: Iterable[Mapping[str, Any]] = ()) -> str:
    """Plan JSON text, deterministic: same plan, same bytes."""
    return json.dumps(plan_to_dict(plan, actions), ensure_ascii=False, indent=2) + "\n"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _own_times(plan: Plan, point: BridgePoint) -> dict[str, Any]:
    """``meets_at`` (``"19:30"``) and ``times``: sitting id → the start and end it meets at."""
    hour = point.meets_at
    times: dict[str, dict[str, str | None]] = {}
    for sitting in plan.sittings:
        if sitting.track == point.track:
            held = plan.sitting_at(sitting, point)
            times[sitting.id] = {"start": _iso(held.start), "end": _iso(held.end)}
    return {"meets_at": f"{hour:%H:%M}" if hour is not None else None, "times": times}


def plan_rows(plan: Plan) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the list of bridge points (:func:`~meetlink.planning.points.point_list`)
    as the CSV holds them: the printed labels, one row per point, its units joined by ``; ``.

    >>> header, rows = plan_rows(plan)  # doctest: +SKIP
    >>> header[:3], rows[0][:3]         # doctest: +SKIP
    (['STT', 'Mã điểm cầu', 'Điểm cầu'], [1, 'TU', 'Thị ủy Mỹ Hào'])
    """
    points = point_list(plan)
    rows = [
        ["; ".join(row.units) if c.key == "units" else row.value(c.key) for c in points.columns]
        for row in points.rows
    ]
    return points.header(), rows


def write_points_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The list of bridge points as CSV text (UTF-8 with BOM, so Excel shows the accents):
    the header first, no title rows, so other tools read it as a table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(v) for v in header])
    writer.writerows([[spreadsheet_safe(v) for v in row] for row in rows])
    return "\ufeff" + buffer.getvalue()


SHEET_NAME = "Danh sách điểm cầu"


@overload
def write_points_xlsx(points: PointList, path: str | Path, /) -> Path: ...
@overload
def write_points_xlsx(
    points: Sequence[str], rows: Sequence[Sequence[Any]], path: str | Path, /
) -> Path: ...
def write_points_xlsx(
    points: PointList | Sequence[str],
    rows: Sequence[Sequence[Any]] | str | Path,
    path: str | Path | None = None,
    /,
) -> Path:
    """The list of bridge points as a sheet ready to print (see :mod:`meetlink.loading.printed`):
    its title, the meeting's title, the labels, one row per point (a unit a line) and a
    total, on A4 landscape with the header on every page. The column *Hình thức* is left
    out when every point has the same, and a column empty on every row (*Chủ trì* before
    the roster names the chairs) is left out.

    Give the :class:`~meetlink.planning.points.PointList` (``write_points_xlsx(point_list(plan),
    path)``), or a header and rows (``write_points_xlsx(*plan_rows(plan), path)``: the
    column kinds then follow the labels, and the title is the list's usual one).

    >>> write_points_xlsx(point_list(plan), "diem-cau.xlsx")  # doctest: +SKIP
    PosixPath('diem-cau.xlsx')
    """
    if isinstance(points, PointList):
        points = _printed(points)
        target = Path(cast("str | Path", rows))
        title, subtitles = points.title, [points.subtitle, points.note]
        columns = [PrintColumn(c.label, c.kind) for c in points.columns]
        table: Sequence[Sequence[Any]] = points.table()
    else:
        if path is None:
            raise TypeError("write_points_xlsx(header, rows, path) needs the path.")
        target = Path(path)
        title, subtitles = LIST_TITLE, []
        columns = [PrintColumn(label, _kind(label)) for label in points]
        table = cast("Sequence[Sequence[Any]]", rows)
    book = printed_workbook()
    sheet = PrintedSheet(book.worksheets[0], title, subtitles)
    book.worksheets[0].title = SHEET_NAME
    sheet.header(columns)
    for row in table:
        sheet.row(row)
    sheet.row(_total(columns, table), bold=True)
    sheet.finish()
    book.save(target)
    return target


def _printed(points: PointList) -> PointList:
    """The columns worth printing: not *Hình thức* when every point has the same, nor a
    column (the chair, say) empty on every row; the seats of every sitting stay."""
    empty = [
        c.key
        for c in points.columns
        if not c.key.startswith("seats:") and all(row.value(c.key) == "" for row in points.rows)
    ]
    if len({row.form for row in points.rows}) <= 1:
        empty.append("form")
    return points.without(*empty) if points.rows else points


LIST_TITLE = "DANH SÁCH CÁC ĐIỂM CẦU"
_TEXT_LABELS = ("Địa điểm", "Đơn vị dự")


def _kind(label: str) -> ColumnKind:
    if label == "STT" or label.startswith("Số "):
        return "number"
    return "text" if label in _TEXT_LABELS else "name"


def _total(columns: Sequence[PrintColumn], table: Sequence[Sequence[Any]]) -> list[Any]:
    """The last row: how many points, and the seats of every sitting added up."""
    total: list[Any] = []
    for index, column in enumerate(columns):
        numbers = [row[index] for row in table if isinstance(row[index], int)]
        if column.label.startswith("Số ") and column.kind == "number":
            total.append(sum(numbers))
        else:
            total.append("")
    labels = [c.label for c in columns]
    named = labels.index("Điểm cầu") if "Điểm cầu" in labels else 0
    total[named] = f"Tổng cộng: {len(table)} điểm cầu"
    return total
