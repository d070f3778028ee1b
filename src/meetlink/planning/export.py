"""The plan as data: plan JSON (the public contract) and the list of bridge points (CSV/XLSX).

The list of bridge points is the attachment the notices in the seeds carry ("Danh sách các
điểm cầu"), with Vietnamese column headers.

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
from typing import Any

from meetlink.loading.sheets import append_safe_row, spreadsheet_safe
from meetlink.planning.planner import Plan

__all__ = [
    "ACTION_OPS",
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
            }
            for s in plan.sittings
        ],
        "conferences": [
            {
                "key": c.key,
                "track": c.track,
                "sitting": c.sitting,
                "platform": c.platform,
                "bridge_points": list(c.bridge_points),
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


HEADERS = (
    "STT",
    "Mã điểm cầu",
    "Tên điểm cầu",
    "Địa điểm",
    "Nền tảng",
    "Đơn vị dự",
    "Cán bộ kỹ thuật",
    "Điện thoại",
)


def plan_rows(plan: Plan) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the list of bridge points: one row per point, seats per sitting."""
    sitting_titles = [f"Số chỗ {s.track}/{s.id}" for s in plan.sittings]
    header = [*HEADERS, *sitting_titles]
    rows: list[list[Any]] = []
    for number, point in enumerate(plan.bridge_points, start=1):
        host = plan.units.get(point.host_unit)
        officer = host.officer if host else None
        names = "; ".join(plan.units[u].name if u in plan.units else u for u in point.units)
        seats = [point.seats.get(s.id, "") if s.track == point.track else "" for s in plan.sittings]
        rows.append(
            [
                number,
                point.id,
                point.name,
                point.location,
                point.platform,
                names,
                officer.name if officer else "",
                (officer.phone or "") if officer else "",
                *seats,
            ]
        )
    return header, rows


def write_points_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The list of bridge points as CSV text (UTF-8 with BOM, so Excel shows the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(v) for v in header])
    writer.writerows([[spreadsheet_safe(v) for v in row] for row in rows])
    return "\ufeff" + buffer.getvalue()


def write_points_xlsx(header: Sequence[str], rows: Sequence[Sequence[Any]], path: Path) -> None:
    """The list of bridge points as a formatted XLSX sheet."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.title = "Danh sách điểm cầu"
    append_safe_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        append_safe_row(sheet, row)
    widths = {"A": 6, "B": 14, "C": 40, "D": 36, "E": 12, "F": 60, "G": 24, "H": 14}
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    book.save(path)
