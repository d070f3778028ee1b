"""The result report as a spreadsheet: XLSX (ready to print) or CSV (one flat table).

The workbook has a summary sheet *Tổng hợp* (totals per sitting, track and meeting; the
points that sent no roll call; late roll calls; warnings; participants matched to no point),
a sheet per sitting with every bridge point (*Theo điểm cầu* when there is one sitting,
else the sitting's name), and *Theo đơn vị* with every unit when points reported unit by
unit. Every sheet is laid out by :mod:`meetlink.loading.printed`: a title block, Vietnamese
labels, widths, wrapping, A4 landscape fitted to the page's width, the header on every page
(the summary's several short tables excepted), Times New Roman on every cell. Sittings and
units are named as the plan prints them, never by their ids; no file path appears (where a
warning came from is for the operator: see :mod:`meetlink.report.summary`). Rates are
percentages, and text cells are made safe from formula injection by the one rule of
:mod:`meetlink.loading.sheets`, as in :mod:`meetlink.planning.export`.

The CSV is for other tools: one flat table, its header first, sittings by their codes
(``track/sitting``, as a roll call may name them).

Example:
    >>> write_report_xlsx(report, "bao-cao.xlsx")  # doctest: +SKIP
    >>> write_report_csv(report, "bao-cao.csv")    # doctest: +SKIP
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meetlink.loading.printed import PrintColumn, PrintedSheet, printed_workbook, sheet_title
from meetlink.loading.sheets import spreadsheet_safe
from meetlink.report.models import LateKind, Report, SittingResult, Source, Totals
from meetlink.report.summary import notice_text, sitting_captions, unit_names

__all__ = ["CSV_HEADER", "report_csv_rows", "write_report_csv", "write_report_xlsx"]

_SOURCE = {
    Source.SHEET: "phiếu điểm danh",
    Source.UNITS: "các đơn vị báo cáo",
    Source.PLATFORM: "dữ liệu nền tảng",
    Source.NONE: "chưa báo cáo",
}
_CONNECTED = {True: "có", False: "không kết nối", None: ""}
_LATE = {LateKind.REPORTED_LATE: "báo cáo muộn", LateKind.JOINED_LATE: "kết nối muộn"}
_TOTAL_HEADER = (
    PrintColumn("Buổi / hình thức", "text"),
    PrintColumn("Số điểm cầu", "number"),
    PrintColumn("Đã báo cáo", "number"),
    PrintColumn("Số triệu tập", "number"),
    PrintColumn("Triệu tập tại điểm đã báo cáo", "number"),
    PrintColumn("Số có mặt", "number"),
    PrintColumn("Tỷ lệ có mặt", "number"),
)
_SITTING = (PrintColumn("Buổi", "name"),)
_MISSING_HEADER = (
    PrintColumn("Mã điểm cầu", "name"),
    PrintColumn("Tên điểm cầu", "name"),
    PrintColumn("Đơn vị chưa báo cáo", "name"),
    PrintColumn("Kết nối", "name"),
)
_LATE_HEADER = (
    PrintColumn("Mã điểm cầu", "name"),
    PrintColumn("Tên điểm cầu", "name"),
    PrintColumn("Thời điểm", "name"),
    PrintColumn("Số phút muộn", "number"),
    PrintColumn("Loại", "name"),
)
_UNMATCHED_HEADER = (
    PrintColumn("Buổi", "name"),
    PrintColumn("Tên hiển thị", "name"),
    PrintColumn("Vào lúc", "name"),
    PrintColumn("Lý do", "text"),
)
_POINT_HEADER = (
    PrintColumn("STT", "number"),
    PrintColumn("Mã điểm cầu", "name"),
    PrintColumn("Tên điểm cầu", "name"),
    PrintColumn("Số triệu tập", "number"),
    PrintColumn("Số có mặt", "number"),
    PrintColumn("Tỷ lệ có mặt", "number"),
    PrintColumn("Nguồn số liệu", "name"),
)
_CONNECTED_HEADER = (PrintColumn("Kết nối", "name"),)
_UNITS_HEADER = (PrintColumn("Đơn vị đã báo cáo", "number"),)
_UNIT_HEADER = (
    PrintColumn("STT", "number"),
    PrintColumn("Mã đơn vị", "name"),
    PrintColumn("Tên đơn vị", "name"),
    PrintColumn("Điểm cầu", "name"),
    PrintColumn("Số triệu tập", "number"),
    PrintColumn("Số có mặt", "number"),
    PrintColumn("Tỷ lệ có mặt", "number"),
)
CSV_HEADER = (
    "Buổi",
    "Cấp",
    "Mã",
    "Tên",
    "Điểm cầu",
    "Số triệu tập",
    "Số có mặt",
    "Tỷ lệ có mặt (%)",
    "Ghi chú",
)


def report_csv_rows(report: Report) -> list[list[Any]]:
    """The flat table: every point and unit row, then the totals (level in column *Cấp*)."""
    rows: list[list[Any]] = []
    for sitting in report.sittings:
        key = f"{sitting.sitting.track}/{sitting.sitting.id}"
        for p in sitting.points:
            note = _SOURCE[p.source] if p.source in (Source.NONE, Source.PLATFORM) else ""
            rows.append(
                [
                    key,
                    "điểm cầu",
                    p.point,
                    p.name,
                    p.point,
                    p.expected,
                    _n(p.present),
                    _pct(p.rate),
                    note,
                ]
            )
        for u in sitting.units:
            rows.append(
                [
                    key,
                    "đơn vị",
                    u.unit,
                    u.name,
                    u.point,
                    u.expected,
                    _n(u.present),
                    _pct(u.rate),
                    "",
                ]
            )
        rows.append(_total_csv(key, "tổng buổi", sitting.totals))
    for totals in report.tracks:
        rows.append(_total_csv("", "tổng hình thức", totals))
    rows.append(_total_csv("", "tổng hội nghị", report.total))
    return rows


def write_report_csv(report: Report, path: str | Path) -> Path:
    """Write the flat table as CSV (UTF-8 with BOM, so Excel shows the accents)."""
    path = Path(path)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(v) for v in CSV_HEADER])
    writer.writerows([[spreadsheet_safe(v) for v in row] for row in report_csv_rows(report)])
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8", newline="")
    return path


def write_report_xlsx(report: Report, path: str | Path) -> Path:
    """Write the workbook, every sheet ready to print: *Tổng hợp* first, then a sheet per
    sitting, then *Theo đơn vị* when points reported unit by unit."""
    path = Path(path)
    book = printed_workbook()
    used: set[str] = set()
    summary = book.worksheets[0]
    summary.title = sheet_title("Tổng hợp", used)
    _summary_sheet(summary, report)
    for sitting in report.sittings:
        own = sitting.label if len(report.tracks) > 1 else sitting.name
        name = own if len(report.sittings) > 1 else "Theo điểm cầu"
        _sitting_sheet(book.create_sheet(sheet_title(name, used)), report, sitting)
    if any(s.units for s in report.sittings):
        _unit_sheet(book.create_sheet(sheet_title("Theo đơn vị", used)), report)
    book.save(path)
    return path


def _subtitles(report: Report, *more: str) -> list[str]:
    """The meeting's title and, for one sitting, its time."""
    start = report.sittings[0].sitting.start if len(report.sittings) == 1 else None
    return [report.title, f"Thời gian: {_when(start)}" if start else "", *more]


def _summary_sheet(book_sheet: Any, report: Report) -> None:
    captions, units = sitting_captions(report), unit_names(report)
    many = len(report.sittings) > 1
    sheet = PrintedSheet(book_sheet, "BÁO CÁO KẾT QUẢ ĐIỂM DANH", _subtitles(report))
    sheet.header(_TOTAL_HEADER)
    for sitting in report.sittings:
        sheet.row(_total_row(sitting.totals), percent=(7,))
    for totals in report.tracks if len(report.tracks) > 1 else ():
        sheet.row(_total_row(totals), percent=(7,), bold=True)
    sheet.row(["Tổng cộng", *_total_row(report.total)[1:]], percent=(7,), bold=True)

    def sitting_of(track: str, sitting: str) -> list[str]:
        return [captions[(track, sitting)]] if many else []

    missing = [
        [
            *sitting_of(m.track, m.sitting),
            m.point,
            m.name,
            units.get(m.unit, m.unit) if m.unit else "",
            _CONNECTED[m.connected],
        ]
        for m in report.missing
    ]
    _section(sheet, "Điểm cầu chưa gửi điểm danh", [*_SITTING[:many], *_MISSING_HEADER], missing)
    late = [
        [*sitting_of(x.track, x.sitting), x.point, x.name, _when(x.at), x.minutes, _LATE[x.kind]]
        for x in report.late
    ]
    _section(sheet, "Báo cáo muộn, kết nối muộn", [*_SITTING[:many], *_LATE_HEADER], late)
    notes = [
        [notice_text(n, sitting=captions[(n.track, n.sitting)], unit=units.get(n.unit or "", ""))]
        for n in report.notices
    ]
    _section(sheet, "Cảnh báo", [PrintColumn("Nội dung", "text")], notes)
    unmatched = [
        [_conference(u.conference, report), u.display_name, _when(u.joined_at), u.reason]
        for u in report.unmatched
    ]
    _section(sheet, "Người tham gia chưa xác định được điểm cầu", _UNMATCHED_HEADER, unmatched)
    # several short tables: a header repeated on every page would mislabel the ones below
    sheet.finish(repeat_header=False)


def _section(
    sheet: PrintedSheet, title: str, header: Sequence[PrintColumn], rows: Sequence[Sequence[Any]]
) -> None:
    sheet.heading(f"{title} ({len(rows)})")
    if rows:
        sheet.header(header)
        for row in rows:
            sheet.row(row)


def _sitting_sheet(book_sheet: Any, report: Report, sitting: SittingResult) -> None:
    totals = sitting.totals
    reported = f"{totals.points_reported}/{totals.points} điểm cầu đã báo cáo"
    label = sitting.label if len(report.sittings) > 1 else ""
    sheet = PrintedSheet(
        book_sheet,
        "KẾT QUẢ ĐIỂM DANH THEO ĐIỂM CẦU",
        _subtitles(report, " — ".join(x for x in (label, reported) if x)),
    )
    connected = any(p.connected is not None for p in sitting.points)
    by_unit = any(p.source == Source.UNITS for p in sitting.points)
    sheet.header([*_POINT_HEADER, *_CONNECTED_HEADER[:connected], *_UNITS_HEADER[:by_unit]])
    for number, p in enumerate(sitting.points, start=1):
        row: list[Any] = [number, p.point, p.name, p.expected, p.present, p.rate]
        row.append(_SOURCE[p.source])
        if connected:
            row.append(_CONNECTED[p.connected])
        if by_unit:
            row.append(f"{p.units_reported}/{p.units}" if p.source == Source.UNITS else "")
        sheet.row(row, percent=(6,))
    total = ["", "", "Tổng (các điểm đã báo cáo)", totals.expected_reported, totals.present]
    sheet.row([*total, totals.rate], percent=(6,), bold=True)
    sheet.finish()


def _unit_sheet(book_sheet: Any, report: Report) -> None:
    captions = sitting_captions(report)
    many = len(report.sittings) > 1
    sheet = PrintedSheet(book_sheet, "KẾT QUẢ ĐIỂM DANH THEO ĐƠN VỊ", _subtitles(report))
    sheet.header([*_UNIT_HEADER[:1], *_SITTING[:many], *_UNIT_HEADER[1:]])
    points = {p.point: p.name for s in report.sittings for p in s.points}
    number = 0
    for sitting in report.sittings:
        caption = [captions[(sitting.sitting.track, sitting.sitting.id)]] if many else []
        for u in sitting.units:
            number += 1
            row = [number, *caption, u.unit, u.name, points.get(u.point, u.point)]
            sheet.row([*row, u.expected, u.present, u.rate], percent=(len(row) + 3,))
    sheet.finish()


def _conference(key: str, report: Report) -> str:
    """A conference (``track/sitting`` or ``track/sitting/point``) as its sitting's label."""
    for sitting in report.sittings:
        own = f"{sitting.sitting.track}/{sitting.sitting.id}"
        if key == own or key.startswith(own + "/"):
            return sitting.label or sitting.name
    return key


def _when(moment: dt.datetime) -> str:
    """``08 giờ 05 ngày 10/9/2023``, as an office writes a time."""
    return f"{moment:%H} giờ {moment:%M} ngày {moment.day}/{moment.month}/{moment.year}"


def _total_row(totals: Totals) -> list[Any]:
    return [
        totals.label,
        totals.points,
        totals.points_reported,
        totals.expected,
        totals.expected_reported,
        totals.present,
        totals.rate,
    ]


def _total_csv(key: str, level: str, totals: Totals) -> list[Any]:
    note = (
        f"{totals.points_reported}/{totals.points} điểm cầu đã báo cáo; "
        f"tổng số triệu tập {totals.expected}"
    )
    return [
        key,
        level,
        "",
        totals.label,
        "",
        totals.expected_reported,
        totals.present,
        _pct(totals.rate),
        note,
    ]


def _n(value: int | None) -> int | str:
    return "" if value is None else value


def _pct(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}"
