"""The year's schedule of a recurring meeting (LỊCH SINH HOẠT … NĂM 2024), as the office
publishes it: a DOCX in the Party's form (Hướng dẫn 36-HD/VPTW, the blocks of
:mod:`meetlink.documents.party_form`) and the same table as a print-ready XLSX
(:class:`~meetlink.loading.printed.PrintedSheet`).

The title follows the meeting's kind: ``LỊCH SINH HOẠT NĂM 2024`` for a party meeting,
``LỊCH HỘI NGHỊ …`` for a conference, ``LỊCH HỌP …`` for any other meeting, the meeting's
title under it. Each sitting with a time is a table (a recurring one a row per occurrence,
a single one a row; the hours written ``08 giờ 00 - 10 giờ 00``) with the columns

    Tháng | Ngày (thứ, ngày/tháng/năm) | Thời gian | Ghi chú

A skipped occurrence keeps its row, its time left empty and its note ``Không tổ chức`` (with
``do …`` and the exception's ``reason``); a moved one is at its new day and hours, noted
``Chuyển từ Chủ nhật 1/9 sang Chủ nhật 8/9/2024 do trùng nghỉ lễ Quốc khánh``. A rule
without an end lists a year and says that the rest will be announced.

Example:
    >>> import meetlink
    >>> loaded = meetlink.load_meeting("meeting.yaml")                 # doctest: +SKIP
    >>> write_schedule(loaded, "lich-sinh-hoat.docx")                  # doctest: +SKIP
    (PosixPath('lich-sinh-hoat.docx'), PosixPath('lich-sinh-hoat.xlsx'))
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from meetlink.documents.held_dates import clock, list_day, sitting_occurrences
from meetlink.documents.notice import issuers_of
from meetlink.documents.party_form import (
    PartyDocument,
    TableColumn,
    filed_copy,
    number_text,
    place_and_date,
    symbol_tail,
)
from meetlink.documents.when import document_date, short_date, weekday
from meetlink.errors import InputError
from meetlink.loading import MeetingFile
from meetlink.loading.notice import MeetingKind
from meetlink.loading.occurrences import Occurrence, OccurrenceStatus
from meetlink.loading.printed import PrintColumn, PrintedSheet, printed_workbook, sheet_title
from meetlink.planning.planner import Plan, PlannedSitting, plan_meeting
from meetlink.planning.points import platform_label

__all__ = [
    "COLUMNS",
    "ScheduleRow",
    "SittingSchedule",
    "meeting_schedule",
    "schedule_document",
    "schedule_title",
    "write_schedule",
    "write_schedule_xlsx",
]

COLUMNS = ("Tháng", "Ngày", "Thời gian", "Ghi chú")
"""The schedule's columns, as its table heads them."""
_EVENTS = {
    MeetingKind.PARTY_MEETING: "LỊCH SINH HOẠT",
    MeetingKind.CONFERENCE: "LỊCH HỘI NGHỊ",
    MeetingKind.MEETING: "LỊCH HỌP",
}


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One row: the ``month`` (``9``, or ``9/2024`` in a schedule over two years), the
    ``day`` (``Chủ nhật, 8/9/2024``), the ``time`` (empty when not held), the ``note``."""

    month: str
    day: str
    time: str
    note: str
    status: OccurrenceStatus

    @property
    def cells(self) -> tuple[str, str, str, str]:
        """The row's cells, in the order of :data:`COLUMNS`."""
        return (self.month, self.day, self.time, self.note)


@dataclass(frozen=True, slots=True)
class SittingSchedule:
    """The rows of one sitting, its ``label`` (its own title, or the track's name; empty
    when the meeting has one sitting) and whether they are all of them (``complete``)."""

    label: str
    rows: tuple[ScheduleRow, ...]
    complete: bool
    first: dt.date


def _hours(start: dt.datetime, end: dt.datetime | None) -> str:
    """``08 giờ 00 - 10 giờ 00`` (a line in the table's cell)."""
    return f"{clock(start)} - {clock(end)}" if end is not None else f"Từ {clock(start)}"


def _day(day: dt.date) -> str:
    return f"{weekday(day)}, {short_date(day)}"


def _because(reason: str) -> str:
    reason = reason.strip().rstrip(".;")
    return f" do {reason.removeprefix('do ').removeprefix('Do ')}" if reason else ""


def _note(o: Occurrence) -> str:
    """``Không tổ chức``, ``Chuyển từ Chủ nhật 1/9 sang Chủ nhật 8/9/2024`` (``từ 08 giờ 00
    sang 14 giờ 00`` the same day), and the reason when there is one."""
    if o.status == "skipped":
        return "Không tổ chức" + _because(o.reason)
    if o.status != "moved":
        return ""
    was, now = o.original, o.start
    if was.date() == now.date():
        text = f"Chuyển từ {clock(was)} sang {clock(now)}"
    else:
        old = f"{weekday(was.date())} {was.day}/{was.month}"
        if was.year != now.year:
            old = list_day(was.date())
        text = f"Chuyển từ {old} sang {list_day(now.date())}"
        if (was.hour, was.minute) != (now.hour, now.minute):
            text += f", từ {clock(now)}"
    return text + _because(o.reason)


def _rows(found: tuple[Occurrence, ...], years: bool) -> tuple[ScheduleRow, ...]:
    rows = []
    for o in sorted(found, key=lambda o: o.original):
        month = f"{o.original.month}/{o.original.year}" if years else str(o.original.month)
        held = o.status != "skipped"
        day = _day(o.start.date() if held else o.original.date())
        time = _hours(o.start, o.end) if held else ""
        rows.append(ScheduleRow(month, day, time, _note(o), o.status))
    return tuple(rows)


def _label(plan: Plan, sitting: PlannedSitting, several: bool) -> str:
    if not several:
        return ""
    for track in plan.meeting.tracks:
        for own in track.sittings:
            if track.id == sitting.track and own.id == sitting.id:
                return own.title or track.title or platform_label(track.platform)
    return sitting.title  # pragma: no cover - every planned sitting is the meeting's


def _occurrences(
    sitting: PlannedSitting, start: dt.datetime
) -> tuple[tuple[Occurrence, ...], bool]:
    """A recurring sitting's occurrences and whether they are all; a single sitting as one."""
    if sitting.recurrence:
        return sitting_occurrences(
            start,
            sitting.end,
            sitting.recurrence,
            sitting.occurrences,
            sitting.occurrences_complete,
        )
    end = sitting.end or start
    return (Occurrence(start.date(), start, start, end, "scheduled"),), True


def meeting_schedule(plan: Plan) -> list[SittingSchedule]:
    """Every sitting with a time, as the schedule lists it (a recurring one a row per
    occurrence); an :class:`~meetlink.errors.InputError` when no sitting recurs."""
    timed = [s for s in plan.sittings if s.start is not None]
    if not any(s.recurrence for s in timed):
        raise InputError.single(
            plan.meeting.id,
            "no sitting of the meeting recurs, so there is no year's schedule to write; give "
            "the sitting a recurrence (FREQ=MONTHLY;BYDAY=1SU for the first Sunday of each "
            "month), or write the notice without --schedule.",
        )
    parts = [(sitting, *_occurrences(sitting, sitting.start)) for sitting in timed if sitting.start]
    years = {o.original.year for _, found, _ in parts for o in found}
    several = len(parts) > 1
    return [
        SittingSchedule(
            label=_label(plan, sitting, several),
            rows=_rows(found, len(years) > 1),
            complete=complete,
            first=min(o.original for o in found).date(),
        )
        for sitting, found, complete in parts
    ]


def schedule_title(plan: Plan, schedules: list[SittingSchedule] | None = None) -> str:
    """``LỊCH SINH HOẠT NĂM 2024`` (``NĂM 2024 - 2025`` over two years)."""
    schedules = schedules if schedules is not None else meeting_schedule(plan)
    years = sorted({int(r.day.rsplit("/", 1)[1]) for s in schedules for r in s.rows})
    span = str(years[0]) if len(years) == 1 else f"{years[0]} - {years[-1]}"
    return f"{_EVENTS[plan.meeting.kind]} NĂM {span}"


def _attached_to(plan: Plan) -> str:
    """``(Kèm theo Thông báo số 125-TB/ThU ngày 5/9/2023)`` when the notice has a number."""
    notice = plan.meeting.notice
    if not notice.number:
        return ""
    number = number_text(notice.kind.symbol, notice.number, issuers_of(plan.meeting))
    dated = f" ngày {short_date(notice.date)}" if notice.date else ""
    return f"(Kèm theo {notice.title.capitalize()} {number[:1].lower()}{number[1:]}{dated})"


_TABLE = (
    TableColumn(COLUMNS[0], mm=16.0, centered=True),
    TableColumn(COLUMNS[1], weight=1.25, centered=True),
    TableColumn(COLUMNS[2], weight=1.25, centered=True),
    TableColumn(COLUMNS[3], weight=2.0),
)


def schedule_document(plan: Plan) -> PartyDocument:
    """The schedule of ``plan``'s meeting as a document in the Party's form."""
    meeting = plan.meeting
    notice = meeting.notice
    schedules = meeting_schedule(plan)
    issuers = issuers_of(meeting)
    title = schedule_title(plan, schedules)
    doc = PartyDocument()
    doc.document.core_properties.title = f"{title} {meeting.title}"
    doc.document.core_properties.author = issuers[-1] if issuers else ""
    doc.document.core_properties.last_modified_by = ""
    doc.document.core_properties.comments = ""
    doc.letterhead(issuers, "", place_and_date(notice.place, document_date(notice.date)))
    doc.title(title, meeting.title)
    attached = _attached_to(plan)
    if attached:
        doc.paragraph(attached, italic=True, align="center")
    who = meeting.organizer.name or "Ban Tổ chức"
    doc.paragraph(f"{who} thông báo lịch tổ chức {meeting.title} như sau:")
    for number, schedule in enumerate(schedules, 1):
        if schedule.label:
            doc.heading(f"{number}- {schedule.label}")
        rows = []
        for index, row in enumerate(schedule.rows):
            earlier = schedule.rows[index - 1].month if index else ""
            rows.append((row.month if row.month != earlier else "", *row.cells[1:]))
        doc.table(_TABLE, rows)
        if not schedule.complete:
            doc.paragraph(
                f"Lịch trên gồm các buổi trong một năm kể từ ngày {short_date(schedule.first)}; "
                "lịch các buổi tiếp theo sẽ có thông báo sau.",
                italic=True,
            )
    words = meeting.kind.vocabulary
    doc.paragraph(
        "Đề nghị các cấp ủy, tổ chức đảng chuẩn bị hội trường, trang thiết bị, triệu tập "
        f"{words.member_vi} {words.attend_vi} đầy đủ theo lịch trên; khi có thay đổi, {who} "
        "sẽ có thông báo cụ thể."
    )
    tail = symbol_tail(notice.number, issuers)
    recipients = notice.recipients or ("Các điểm cầu", filed_copy(tail))
    doc.closing(recipients, notice.signer.lines, notice.signer.name)
    return doc


def write_schedule_xlsx(plan: Plan, path: str | Path) -> Path:
    """The schedule's table as a sheet ready to print: its title, the meeting's title, a
    table per sitting (each under its label when there are several)."""
    schedules = meeting_schedule(plan)
    book = printed_workbook()
    subtitles = [plan.meeting.title, _attached_to(plan)]
    sheet = PrintedSheet(book.worksheets[0], schedule_title(plan, schedules), subtitles)
    book.worksheets[0].title = sheet_title("Lịch", set())
    columns = [
        PrintColumn(COLUMNS[0], "number"),
        PrintColumn(COLUMNS[1], "name"),
        PrintColumn(COLUMNS[2], "name"),
        PrintColumn(COLUMNS[3], "text"),
    ]
    for schedule in schedules:
        if schedule.label:
            sheet.heading(schedule.label)
        sheet.header(columns)
        for row in schedule.rows:
            sheet.row(row.cells)
    sheet.finish(repeat_header=len(schedules) == 1)
    target = Path(path)
    book.save(target)
    return target


def write_schedule(source: MeetingFile | Plan, path: str | Path) -> tuple[Path, Path]:
    """Write the schedule as a DOCX at ``path`` and its table as an XLSX beside it (the same
    name, ``.xlsx``); return both paths. Everything is checked before anything is written.

    >>> write_schedule(loaded, "lich.docx")  # doctest: +SKIP
    (PosixPath('lich.docx'), PosixPath('lich.xlsx'))
    """
    plan = source if isinstance(source, Plan) else plan_meeting(source.meeting, source.roster)
    document = schedule_document(plan)
    target = Path(path)
    sheet = target.with_suffix(".xlsx")
    document.save(target)
    write_schedule_xlsx(plan, sheet)
    return target, sheet
