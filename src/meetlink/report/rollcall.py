"""Roll calls (điểm danh): what every bridge point reports, read from CSV/XLSX sheets.

A roll-call sheet is a CSV (UTF-8) or the first sheet of an XLSX workbook, one per bridge
point or one for the whole meeting; several may be loaded together. Each row says who
(a bridge point, or one unit at a point), which sitting, and how many were present:

========================  ============================================================
column                    Vietnamese aliases (matched without accents or case)
========================  ============================================================
``point_id``              mã điểm cầu
``point_name``            điểm cầu, tên điểm cầu
``unit_id``               mã đơn vị
``unit_name``             đơn vị, tên đơn vị, tổ chức đảng
``sitting``               buổi, lớp, buổi/lớp (id, title such as "Lớp 2", or its number)
``present``               số có mặt, có mặt, số đảng viên có mặt
``names``                 họ tên, danh sách có mặt (names separated by ; , or new lines)
``reported_at``           thời gian báo cáo, thời điểm điểm danh
``occurrence``            ngày, ngày họp, ngày sinh hoạt (a recurring sitting's date)
========================  ============================================================

A recurring sitting is reported once per occurrence: the row names the day, in the
``occurrence`` column (``2024-03-03`` or ``3/3/2024``: the day it was held, or its date
before a move) or in the sitting cell as the blank roll call prints it ("ngày 3/3/2024").
A skipped occurrence cannot be reported. The column is not read for a sitting held once.

Title rows above the header (the blank roll calls meetlink prints have three) are skipped:
the header is the first of the first ten rows that names two known columns. A sitting may
also be named as the blank roll call prints it ("ngày 10/9/2023", "Lớp 1").

A point or unit cell may hold the code or the name. ``sitting`` may be left out when the
track has one sitting; ``present`` may be left empty when ``names`` lists everyone. A row
naming a unit reports that unit alone; a row naming only a point reports the whole point.
Problems are reported all at once as ``FILE:ROW:COLUMN: sentence``, like the roster; as in
the roster, a cell that holds a control character (an escape, a bell; a line break outside
``names``) is refused at its cell, and never quoted.

Example:
    >>> import pathlib, tempfile
    >>> from meetlink.report import load_roll_calls
    >>> sheet = pathlib.Path(tempfile.mkdtemp()) / "rc.csv"
    >>> _ = sheet.write_text("điểm cầu,số có mặt\\nTU,30\\n", encoding="utf-8")
    >>> load_roll_calls([sheet], plan).calls[0].present  # doctest: +SKIP
    30
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from meetlink.errors import InputError, Problem
from meetlink.loading.sheets import (
    control_problems,
    find_columns,
    read_titled_table,
    whole_number,
)
from meetlink.planning import BridgePoint, Plan
from meetlink.planning.points import sitting_labels
from meetlink.report.models import RollCall, RollCalls
from meetlink.report.occurrences import day_name, find_held, held, occurrence_label, own_title
from meetlink.text import fold, nfc

__all__ = ["ROLL_CALL_COLUMNS", "load_roll_calls", "sheet_files"]

# Canonical column → accepted header spellings (matched by their fold).
ROLL_CALL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "point_id": ("point_id", "mã điểm cầu", "point", "bridge point id"),
    "point_name": ("point_name", "điểm cầu", "tên điểm cầu", "bridge point"),
    "unit_id": ("unit_id", "mã đơn vị", "unit"),
    "unit_name": ("unit_name", "đơn vị", "tên đơn vị", "tổ chức đảng", "tên tổ chức đảng"),
    "sitting": ("sitting", "buổi", "lớp", "buổi/lớp", "class", "session"),
    "present": ("present", "số có mặt", "có mặt", "số đảng viên có mặt", "số người dự"),
    "names": ("names", "họ tên", "họ và tên", "danh sách có mặt", "họ tên người có mặt"),
    "reported_at": ("reported_at", "thời gian báo cáo", "thời điểm điểm danh", "thời gian"),
    "occurrence": ("occurrence", "ngày", "ngày họp", "ngày sinh hoạt", "date"),
}
_HEADER_KEYS = {fold(a): c for c, aliases in ROLL_CALL_COLUMNS.items() for a in aliases}
_WHO = ("point_id", "point_name", "unit_id", "unit_name")
_MULTILINE = {"names": "\n"}  # the one column that may hold line breaks: a name a line
_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def sheet_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to read: each path itself, or a folder's CSV/XLSX files in name order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix.lower() in _SUFFIXES and not p.name.startswith(("~$", "."))
                )
            )
        else:
            out.append(path)
    return out


def load_roll_calls(paths: Iterable[str | Path], plan: Plan) -> RollCalls:
    """Read roll-call sheets (files, or folders of them) against the plan.

    Raises :class:`InputError` listing every problem in every file: unknown points, units
    or sittings, counts that are not whole numbers ≥ 0, and the same point (or unit) and
    sitting reported twice, in one file or across files.
    """
    index = _Index(plan)
    problems: list[Problem] = []
    calls: list[RollCall] = []
    files = sheet_files(paths)
    if not files:
        raise InputError.single("--attendance", "no roll-call sheet (.csv or .xlsx) was given.")
    for path in files:
        try:
            at, header, rows = _read_sheet(path)
            calls.extend(_parse(str(path), at, header, rows, index, problems))
        except InputError as exc:
            problems.extend(exc.problems)
    problems.extend(_duplicates(calls))
    if problems:
        raise InputError(problems)
    return RollCalls(calls=tuple(calls), sources=tuple(str(p) for p in files))


def _read_sheet(path: Path) -> tuple[int, list[str], Iterator[tuple[int, list[str]]]]:
    """The header's row, the header and the rows; the title rows of a blank roll call
    (:mod:`meetlink.report.blank`) above the header are skipped."""
    shown = str(path)
    if not path.is_file():
        raise InputError.single(shown, "the roll-call sheet does not exist; check the path.")
    return read_titled_table(path, known=_HEADER_KEYS)


class _Index:
    """Points, units and sittings of a plan, found by code or name (folded)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.by_id = {p.id: p for p in plan.bridge_points}
        self.points: dict[str, BridgePoint] = {}
        for point in plan.bridge_points:
            self.points.setdefault(fold(point.id), point)
        for point in plan.bridge_points:
            self.points.setdefault(fold(point.name), point)
        self.seat_point = {s.unit: s.point for s in plan.seats}
        self.units: dict[str, str] = {fold(u): u for u in plan.units}
        for unit in plan.units.values():
            self.units.setdefault(fold(unit.name), unit.id)
        self.sittings = {track.id: list(track.sittings) for track in plan.meeting.tracks}
        # the name a blank roll call prints ("ngày 10/9/2023", "Lớp 1"), when one sitting
        # of its track has it
        labels: dict[tuple[str, str], list[str]] = {}
        for (track, sitting), label in sitting_labels(plan).items():
            labels.setdefault((track, fold(label)), []).append(sitting)
        self.labels = {key: ids[0] for key, ids in labels.items() if len(ids) == 1}
        # an occurrence of a recurring sitting as the blank roll call prints it
        self.days: dict[tuple[str, str], tuple[str, dt.date]] = {}
        self.recurring = {(s.track, s.id): s for s in plan.sittings if held(s)}
        every = sitting_labels(plan)
        for recurring in self.recurring.values():
            titled = bool(own_title(plan, recurring))
            label = every[(recurring.track, recurring.id)]
            for o in held(recurring):
                key = (recurring.track, fold(occurrence_label(label, titled, o)))
                self.days.setdefault(key, (recurring.id, o.date))

    def sitting(self, track: str, raw: str) -> str | None:
        """The id of the sitting of ``track`` that ``raw`` names (id, title, printed name,
        number)."""
        options = self.sittings.get(track, [])
        key = fold(raw)
        if (track, key) in self.labels:  # before the '/' of a track/sitting code: dates hold one
            return self.labels[(track, key)]
        if "/" in key:
            named_track, _, key = key.partition("/")
            if named_track != fold(track):
                return None
        for sitting in options:
            if key in (fold(sitting.id), fold(sitting.title or sitting.id)):
                return sitting.id
        if key.isdigit() and 1 <= int(key) <= len(options):
            return options[int(key) - 1].id
        return None


def _parse(
    shown: str,
    at: int,
    header: list[str],
    rows: Iterator[tuple[int, list[str]]],
    index: _Index,
    problems: list[Problem],
) -> list[RollCall]:
    found = find_columns(shown, header, _HEADER_KEYS, problems, row=at)
    columns, titles = found.index, found.title
    lacking = []
    if not any(c in columns for c in _WHO):
        lacking.append("'điểm cầu' (bridge point) or 'đơn vị' (unit)")
    if "present" not in columns and "names" not in columns:
        lacking.append("'số có mặt' (present)")
    if lacking:
        problems.append(
            Problem(shown, at, "", f"the header has no column {' and no column '.join(lacking)}.")
        )
        return []
    calls: list[RollCall] = []
    for number, record in rows:
        if not any(cell.strip() for cell in record):
            continue
        cells = {k: nfc(record[i]) if i < len(record) else "" for k, i in columns.items()}
        if "names" in cells:  # one name a line; a CSV saved on Windows may end them in CRLF
            cells["names"] = cells["names"].replace("\r\n", "\n")
        problems.extend(control_problems(shown, number, cells, titles, allow=_MULTILINE))
        row = _Row(shown, number, cells, titles, index)
        call = row.parse()
        problems.extend(row.found)
        if call is not None:
            calls.append(call)
    return calls


class _Row:
    """One sheet row being read; ``found`` collects its problems."""

    def __init__(
        self,
        shown: str,
        number: int,
        cells: dict[str, str],
        titles: dict[str, str],
        index: _Index,
    ) -> None:
        self.shown, self.number, self.cells, self.titles, self.index = (
            shown,
            number,
            cells,
            titles,
            index,
        )
        self.found: list[Problem] = []
        self.occurrence: dt.date | None = None

    def bad(self, column: str, message: str) -> None:
        self.found.append(
            Problem(self.shown, self.number, self.titles.get(column, column), message)
        )

    def parse(self) -> RollCall | None:
        point, unit = self._who()
        present, names = self._count()
        reported_at = self._time()
        if point is None:
            return None
        sitting = self._sitting(point)
        if sitting is not None:
            self._occurrence(point.track, sitting)
        if sitting is None or present is None or self.found:
            return None
        if unit is not None and point.units == (unit,):
            unit = None  # a unit alone at its own point (or cell): its row is the point's row
        who = next(c for c in (*_WHO[2:], *_WHO[:2]) if self.cells.get(c)) if unit else None
        column = self.titles[who or next(c for c in _WHO if self.cells.get(c))]
        return RollCall(
            track=point.track,
            sitting=sitting,
            point=point.id,
            unit=unit,
            present=present,
            names=names,
            reported_at=reported_at,
            source=self.shown,
            row=self.number,
            column=column,
            occurrence=self.occurrence,
        )

    def _who(self) -> tuple[BridgePoint | None, str | None]:
        index = self.index
        point_column = next((c for c in ("point_id", "point_name") if self.cells.get(c)), None)
        unit_column = next((c for c in ("unit_id", "unit_name") if self.cells.get(c)), None)
        if point_column is None and unit_column is None:
            column = next(c for c in _WHO if c in self.titles)
            self.bad(column, "no bridge point or unit is named; write its code (mã) or name.")
            return None, None
        point: BridgePoint | None = None
        if point_column is not None:
            raw = self.cells[point_column]
            point = index.points.get(fold(raw))
            if point is None:
                self.bad(point_column, _unknown("bridge point", raw, index.points))
                return None, None
        if unit_column is None:
            return point, None
        raw = self.cells[unit_column]
        unit = index.units.get(fold(raw))
        if unit is None:
            self.bad(unit_column, _unknown("unit", raw, index.units))
            return None, None
        where = index.seat_point.get(unit)
        if where is None:
            self.bad(unit_column, f"unit '{unit}' is not invited to this meeting (see the plan).")
            return None, None
        seated = index.by_id[where]
        if seated.cell is not None and (point is None or point.host_unit != unit):
            cells = [p.id for p in index.plan.bridge_points if p.host_unit == unit and p.cell]
            self.bad(
                unit_column,
                f"unit '{unit}' meets as {len(cells)} party cells; report each cell as its own "
                f"bridge point ({', '.join(cells)}).",
            )
            return None, None
        if point is not None and point.id != where and point.host_unit != unit:
            self.bad(
                unit_column,
                f"unit '{unit}' sits at bridge point '{where}' ({seated.name}), not at "
                f"'{point.id}'; correct the point or the unit.",
            )
            return None, None
        return point or seated, unit

    def _count(self) -> tuple[int | None, tuple[str, ...]]:
        names = tuple(
            n for n in (nfc(p) for p in re.split(r"[;,\n]", self.cells.get("names", ""))) if n
        )
        raw = self.cells.get("present", "")
        if not raw:
            if names:
                return len(names), names
            self.bad("present", "the number present is empty; write it (0 if nobody came).")
            return None, names
        value = whole_number(raw)
        if value is None:
            self.bad("present", f"'{raw}' is not a whole number; write digits only, such as 25.")
            return None, names
        if value < 0:
            self.bad("present", f"{value} is negative; the number present must be ≥ 0.")
            return None, names
        return value, names

    def _time(self) -> dt.datetime | None:
        raw = self.cells.get("reported_at", "")
        if not raw:
            return None
        value: dt.datetime | None
        try:
            value = dt.datetime.fromisoformat(raw.replace("/", "-"))
        except ValueError:
            value = _day_first(raw)
        if value is None:
            self.bad("reported_at", f"'{raw}' is not a date and time; write 2023-09-10 11:30.")
            return None
        zone = self.index.plan.meeting.zone
        return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)

    def _sitting(self, point: BridgePoint) -> str | None:
        options = self.index.sittings.get(point.track, [])
        raw = self.cells.get("sitting", "")
        if not raw:
            if len(options) == 1:
                return options[0].id
            self.bad(
                "sitting",
                f"track '{point.track}' has {len(options)} sittings; say which one "
                f"(one of {', '.join(s.id for s in options)}).",
            )
            return None
        day = self.index.days.get((point.track, fold(raw)))
        if day is not None:
            self.occurrence = day[1]
            return day[0]
        found = self.index.sitting(point.track, raw)
        if found is None:
            self.bad(
                "sitting",
                f"track '{point.track}' of bridge point '{point.id}' has no sitting '{raw}'; "
                f"use one of {', '.join(s.id for s in options)}.",
            )
        return found

    def _occurrence(self, track: str, sitting: str) -> None:
        """The occurrence the row reports, for a recurring sitting (its ``occurrence`` cell,
        or the day its sitting cell named)."""
        recurring = self.index.recurring.get((track, sitting))
        if recurring is None:
            return  # a sitting held once: its day is the plan's (the column is not read)
        raw = self.cells.get("occurrence", "")
        day = _day(raw) if raw else None
        if raw and day is None:
            self.bad("occurrence", f"'{raw}' is not a date; write it as 2024-03-03 or 3/3/2024.")
            return
        if day is not None:
            found = find_held(recurring, day)
            if found is None:
                dates = ", ".join(day_name(o.start.date()) for o in held(recurring))
                self.bad(
                    "occurrence",
                    f"sitting '{sitting}' is not held on {day_name(day)}; it is held on {dates}.",
                )
                return
            if self.occurrence is not None and self.occurrence != found.date:
                self.bad(
                    "occurrence",
                    f"the date {day_name(day)} differs from the sitting cell's "
                    f"'{self.cells.get('sitting', '')}'; keep one.",
                )
                return
            self.occurrence = found.date
        if self.occurrence is None:
            column = "occurrence" if "occurrence" in self.titles else "sitting"
            self.bad(
                column,
                f"sitting '{sitting}' is held on {len(held(recurring))} days; say which day "
                "this row reports (a column 'Ngày', such as 3/3/2024).",
            )


def _day(raw: str) -> dt.date | None:
    """A day written ``2024-03-03``, ``3/3/2024`` or ``ngày 3/3/2024``."""
    text = re.sub(r"(?i)^\s*ng[aà]y\s+", "", raw).strip()
    try:  # a date cell of a workbook may come with its time: 2024-03-03 00:00:00
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _unknown(what: str, raw: str, known: Mapping[str, object]) -> str:
    close = difflib.get_close_matches(fold(raw), list(known), n=1, cutoff=0.8)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"no {what} of this meeting has the code or name '{raw}'{hint}; use the code from "
        "the plan or the blank roll call."
    )


def _day_first(raw: str) -> dt.datetime | None:
    """``10/09/2023 11:30`` as Vietnamese offices write it (day first)."""
    for pattern in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%H:%M %d/%m/%Y", "%d-%m-%Y %H:%M"):
        try:
            return dt.datetime.strptime(raw, pattern)
        except ValueError:
            continue
    return None


def _duplicates(calls: list[RollCall]) -> list[Problem]:
    """The same point (or unit) and sitting reported twice: every later row is an error."""
    problems: list[Problem] = []
    first: dict[tuple[str, str, dt.date | None, str, str | None], RollCall] = {}
    for call in calls:
        key = (
            call.track,
            call.sitting,
            call.occurrence,
            call.point if call.unit is None else "",
            call.unit,
        )
        earlier = first.setdefault(key, call)
        if earlier is call:
            continue
        who = f"unit '{call.unit}'" if call.unit else f"bridge point '{call.point}'"
        if call.occurrence is not None:
            who += f" on {day_name(call.occurrence)}"
        problems.append(
            Problem(
                call.source,
                call.row,
                call.column,
                f"{who}, sitting '{call.sitting}', is already reported on {earlier.where}; "
                "keep one row per point (or unit) and sitting.",
            )
        )
    return problems
