"""The list of bridge points as an office prints it: "Danh sách các điểm cầu". Pure, no I/O.

One :class:`PointList` is what the notice's attachment (DOCX), the print-ready XLSX and the
CSV all show: Vietnamese column labels and values, never a raw track, sitting or platform id.
A sitting's column is labelled with its title (and its track's title when two tracks have
sittings of the same title); a platform is named as an office names it ("Đường truyền riêng",
"Google Meet"), or by its track's title.

Example:
    >>> from meetlink.planning.points import platform_label
    >>> platform_label("provisioned"), platform_label("google")
    ('Đường truyền riêng', 'Google Meet')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from meetlink.planning.planner import BridgePoint, Plan, PlannedSitting

__all__ = ["Column", "PointList", "PointRow", "platform_label", "point_list", "sitting_label"]

_PLATFORMS: Mapping[str, str] = {
    "provisioned": "Đường truyền riêng",
    "google": "Google Meet",
    "jitsi": "Jitsi Meet",
    "memory": "Hội nghị thử nghiệm",
}


def platform_label(platform: str) -> str:
    """The platform as an office names it; an unknown (third-party) name is kept."""
    return _PLATFORMS.get(platform, platform)


@dataclass(frozen=True, slots=True)
class Column:
    """One column: ``key`` (stable, for code), ``label`` (what is printed), ``kind`` (how it
    is laid out: a short number, a name, or long text that wraps)."""

    key: str
    label: str
    kind: Literal["number", "name", "text"]


@dataclass(frozen=True, slots=True)
class PointRow:
    """One bridge point as the list shows it. ``seats`` maps a sitting column's key to the
    members (or delegates) called there; a sitting of another track is absent."""

    number: int
    point_id: str
    name: str
    location: str
    form: str
    units: tuple[str, ...]
    chair: str
    officer: str
    officer_phone: str
    seats: Mapping[str, int]

    def value(self, key: str) -> str | int:
        """The cell of column ``key`` (units joined with a line break per unit)."""
        if key.startswith("seats:"):
            return self.seats.get(key, "")
        fixed: Mapping[str, str | int] = {
            "number": self.number,
            "point_id": self.point_id,
            "name": self.name,
            "location": self.location,
            "form": self.form,
            "units": "\n".join(self.units),
            "chair": self.chair,
            "officer": self.officer,
            "officer_phone": self.officer_phone,
        }
        return fixed[key]


@dataclass(frozen=True, slots=True)
class PointList:
    """The whole list: its title and subtitle, its columns and one row per bridge point.

    >>> lst = point_list(plan)  # doctest: +SKIP
    >>> [c.label for c in lst.columns][:3]  # doctest: +SKIP
    ['STT', 'Mã điểm cầu', 'Điểm cầu']
    """

    title: str
    subtitle: str
    columns: tuple[Column, ...]
    rows: tuple[PointRow, ...]
    member_word: str

    def header(self) -> list[str]:
        """The printed labels, in column order."""
        return [c.label for c in self.columns]

    def table(self) -> list[list[str | int]]:
        """Every row's cells, in column order."""
        return [[row.value(c.key) for c in self.columns] for row in self.rows]

    def without(self, *keys: str) -> PointList:
        """The same list without some columns (the notice's table leaves out the codes)."""
        kept = tuple(c for c in self.columns if c.key not in keys)
        return PointList(self.title, self.subtitle, kept, self.rows, self.member_word)


def sitting_label(sitting: PlannedSitting, plan: Plan) -> str:
    """A sitting's printed name: its own title in the meeting file (its date when it has
    none), with its track's title when another track has a sitting of the same name.

    >>> sitting_label(plan.sittings[0], plan)  # doctest: +SKIP
    'Trực tuyến bằng đường truyền – Lớp 1'
    """
    names = {(s.track, s.id): _own_name(s, plan) for s in plan.sittings}
    label = names[(sitting.track, sitting.id)]
    others = {name for (track, _), name in names.items() if track != sitting.track}
    own = {name for (track, _), name in names.items() if track == sitting.track}
    if own & others:  # the tracks share names (Lớp 1 on both): name the track on all of its
        track = next((t for t in plan.meeting.tracks if t.id == sitting.track), None)
        if track is not None and track.title:
            label = f"{track.title} – {label}"
    return label


def _own_name(sitting: PlannedSitting, plan: Plan) -> str:
    for track in plan.meeting.tracks:
        if track.id != sitting.track:
            continue
        for own in track.sittings:
            if own.id == sitting.id and own.title:
                return own.title
    if sitting.start is not None:
        return f"ngày {sitting.start.day}/{sitting.start.month}/{sitting.start.year}"
    return "thời gian thông báo sau"


def point_list(plan: Plan, *, title: str | None = None) -> PointList:
    """The list of bridge points of a plan: every point in plan order, its seats per sitting.

    ``title`` defaults to the meeting file's ``notice.attachment_title`` (upper case, as the
    seeds print it); the subtitle is the meeting's title.
    """
    meeting = plan.meeting
    member_word = meeting.kind.vocabulary.member_vi
    seat_columns = [
        Column(f"seats:{s.track}/{s.id}", f"Số {member_word} – {sitting_label(s, plan)}", "number")
        for s in plan.sittings
    ]
    columns = (
        Column("number", "STT", "number"),
        Column("point_id", "Mã điểm cầu", "name"),
        Column("name", "Điểm cầu", "name"),
        Column("location", "Địa điểm", "text"),
        Column("units", "Đơn vị dự", "text"),
        *seat_columns,
        Column("chair", "Chủ trì", "name"),
        Column("officer", "Cán bộ kỹ thuật", "name"),
        Column("officer_phone", "Điện thoại", "name"),
        Column("form", "Hình thức", "name"),
    )
    forms = {t.id: t.title or platform_label(t.platform) for t in meeting.tracks}
    rows = tuple(
        _row(number, point, plan, forms) for number, point in enumerate(plan.bridge_points, 1)
    )
    heading = (title or meeting.notice.attachment_title).upper()
    return PointList(heading, meeting.title, columns, rows, member_word)


def _row(number: int, point: BridgePoint, plan: Plan, forms: Mapping[str, str]) -> PointRow:
    host = plan.units.get(point.host_unit)
    officer = host.officer if host is not None else None
    seats = {f"seats:{point.track}/{sitting_id}": n for sitting_id, n in point.seats.items()}
    return PointRow(
        number=number,
        point_id=point.id,
        name=point.name,
        location=point.location,
        form=forms.get(point.track, platform_label(point.platform)),
        units=tuple(plan.units[u].name if u in plan.units else u for u in point.units),
        chair=host.chair if host is not None else "",
        officer=(officer.name if officer else "") or "",
        officer_phone=(officer.phone or "") if officer else "",
        seats=seats,
    )
