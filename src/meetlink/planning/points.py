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

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from meetlink.planning.planner import BridgePoint, Plan, PlannedSitting

__all__ = [
    "RELAYED_FROM",
    "Column",
    "PointList",
    "PointRow",
    "platform_label",
    "point_list",
    "relay_sources",
    "sitting_label",
    "sitting_labels",
    "sitting_names",
]

_PLATFORMS: Mapping[str, str] = {
    "provisioned": "Đường truyền riêng",
    "google": "Google Meet",
    "jitsi": "Jitsi Meet",
    "memory": "Hội nghị thử nghiệm",
}


RELAYED_FROM = "Tiếp sóng từ"
"""The label of the column naming the point each one hears a relayed meeting from."""


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
    meets_at: str = ""
    """A party cell's own hour ("19 giờ 30"); empty for a point meeting at its track's."""
    relayed_from: str = ""
    """The point that relays the meeting to this one (a tiered track, see
    :mod:`meetlink.planning.tiers`); empty in the main conference."""

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
            "meets_at": self.meets_at,
            "relayed_from": self.relayed_from,
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
    note: str = ""
    """The line that ties the list to its notice: "(Kèm theo Thông báo số 125-TB/ThU …)"."""

    def header(self) -> list[str]:
        """The printed labels, in column order."""
        return [c.label for c in self.columns]

    def table(self) -> list[list[str | int]]:
        """Every row's cells, in column order."""
        return [[row.value(c.key) for c in self.columns] for row in self.rows]

    def without(self, *keys: str) -> PointList:
        """The same list without some columns (the notice's table leaves out the codes)."""
        kept = tuple(c for c in self.columns if c.key not in keys)
        return PointList(self.title, self.subtitle, kept, self.rows, self.member_word, self.note)


def sitting_label(sitting: PlannedSitting, plan: Plan) -> str:
    """A sitting's printed name: its own title in the meeting file (its date when it has
    none, with its time when another sitting of its track falls on that day), with its
    track's title when another track has a sitting of the same name.

    >>> sitting_label(plan.sittings[0], plan)  # doctest: +SKIP
    'Trực tuyến bằng đường truyền – Lớp 1'
    """
    return sitting_labels(plan)[(sitting.track, sitting.id)]


def sitting_labels(plan: Plan) -> dict[tuple[str, str], str]:
    """Every sitting's :func:`sitting_label`, by ``(track, sitting id)``, worked out at once.

    >>> sitting_labels(plan)[("toan-dang-bo", "q3")]  # doctest: +SKIP
    'ngày 10/9/2023'
    """
    names = sitting_names(plan)
    tracks_of: dict[str, set[str]] = {}
    for (track, _), name in names.items():
        tracks_of.setdefault(name, set()).add(track)
    # tracks that share a name (Lớp 1 on both) are named on all of their sittings
    shared = {track for (track, _), name in names.items() if len(tracks_of[name]) > 1}
    forms = _track_names(plan)
    return {
        (track, sitting): f"{forms[track]} – {name}" if track in shared else name
        for (track, sitting), name in names.items()
    }


def _track_names(plan: Plan) -> dict[str, str]:
    """Each track as a label names it: its title, else its platform's name when no other
    track has the same, else "Hình thức 2" (its place in the meeting file)."""
    tracks = plan.meeting.tracks
    platforms = [t.platform for t in tracks]
    return {
        t.id: t.title
        or (platform_label(t.platform) if platforms.count(t.platform) == 1 else f"Hình thức {n}")
        for n, t in enumerate(tracks, start=1)
    }


def sitting_names(plan: Plan) -> dict[tuple[str, str], str]:
    """Every sitting's own name, by ``(track, sitting id)``: its title in the meeting file,
    else its date ("ngày 10/9/2023", with the time when its track has two sittings that
    day), else "thời gian thông báo sau"; never its id. :func:`sitting_label` adds the
    track's title where two tracks share a name.

    >>> sitting_names(plan)[("toan-dang-bo", "q3")]  # doctest: +SKIP
    'ngày 10/9/2023'
    """
    titles = {
        (track.id, own.id): own.title or ""
        for track in plan.meeting.tracks
        for own in track.sittings
    }
    days: dict[tuple[str, dt.date], int] = {}
    for s in plan.sittings:
        if not titles.get((s.track, s.id)) and s.start is not None:
            days[(s.track, s.start.date())] = days.get((s.track, s.start.date()), 0) + 1
    return {(s.track, s.id): _own_name(s, titles, days) for s in plan.sittings}


def _own_name(
    sitting: PlannedSitting,
    titles: Mapping[tuple[str, str], str],
    days: Mapping[tuple[str, dt.date], int],
) -> str:
    title = titles.get((sitting.track, sitting.id))
    if title:
        return title
    start = sitting.start
    if start is not None:
        day = f"ngày {start.day}/{start.month}/{start.year}"
        if days.get((sitting.track, start.date()), 0) > 1:  # two sittings that day
            return f"{start:%H} giờ {start:%M} {day}"
        return day
    return "thời gian thông báo sau"


def point_list(plan: Plan, *, title: str | None = None) -> PointList:
    """The list of bridge points of a plan: every point in plan order, its seats per sitting.

    ``title`` defaults to the meeting file's ``notice.attachment_title`` (upper case, as the
    seeds print it); the subtitle is the meeting's title.
    """
    meeting = plan.meeting
    member_word = meeting.kind.vocabulary.member_vi
    labels = sitting_labels(plan)
    sources = relay_sources(plan)
    seat_columns = [
        Column(f"seats:{s.track}/{s.id}", f"Số {member_word} – {labels[(s.track, s.id)]}", "number")
        for s in plan.sittings
    ]
    columns = (
        Column("number", "STT", "number"),
        Column("point_id", "Mã điểm cầu", "name"),
        Column("name", "Điểm cầu", "name"),
        Column("location", "Địa điểm", "text"),
        # only when the plan relays a track in tiers: the point each one hears the meeting from
        *([Column("relayed_from", RELAYED_FROM, "name")] if sources else []),
        # only when a party cell meets at an hour of its own; the others meet at the track's
        *(
            [Column("meets_at", "Giờ sinh hoạt riêng", "name")]
            if any(p.meets_at is not None for p in plan.bridge_points)
            else []
        ),
        Column("units", "Đơn vị dự", "text"),
        *seat_columns,
        Column("chair", "Chủ trì", "name"),
        Column("officer", "Cán bộ kỹ thuật", "name"),
        Column("officer_phone", "Điện thoại", "name"),
        Column("form", "Hình thức", "name"),
    )
    forms = {t.id: t.title or platform_label(t.platform) for t in meeting.tracks}
    rows = tuple(
        _row(number, point, plan, forms, sources.get(point.id, ""))
        for number, point in enumerate(plan.bridge_points, 1)
    )
    heading = (title or meeting.notice.attachment_title).upper()
    return PointList(heading, meeting.title, columns, rows, member_word, _note(plan))


def _note(plan: Plan) -> str:
    """The line that ties the list to its notice, once the notice has its number:
    "(Kèm theo Thông báo số 125-TB/ThU ngày 5/9/2023)"."""
    notice = plan.meeting.notice
    if not notice.number[:1].isdigit():  # none yet, or the symbol alone ("-KH/BTGHU")
        return ""
    day = f" ngày {notice.date.day}/{notice.date.month}/{notice.date.year}" if notice.date else ""
    return f"(Kèm theo {notice.title.capitalize()} số {notice.number}{day})"


def relay_sources(plan: Plan) -> dict[str, str]:
    """Each point of a plan with relay conferences → the name of the point that relays the
    meeting to it ("" for a point of a main conference); an empty mapping when no track is
    relayed in tiers. A relay point hears the meeting in the conference above its own.

    >>> relay_sources(plan)["H1-X1"]  # doctest: +SKIP
    'Huyện ủy Cẩm Xuyên'
    """
    if all(c.relay_point is None for c in plan.conferences):
        return {}
    sources: dict[str, str] = {}
    for conference in plan.conferences:  # every sitting has the same tree: the first one says
        relay = conference.relay_point
        name = "" if relay is None else plan.point(relay).name
        for point_id in conference.bridge_points:
            if point_id != relay:
                sources.setdefault(point_id, name)
    return sources


def _row(
    number: int,
    point: BridgePoint,
    plan: Plan,
    forms: Mapping[str, str],
    relayed_from: str = "",
) -> PointRow:
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
        meets_at=f"{point.meets_at:%H} giờ {point.meets_at:%M}" if point.meets_at else "",
        relayed_from=relayed_from,
    )
