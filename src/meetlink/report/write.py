"""The result report as a spreadsheet: XLSX (formatted) or CSV (one flat table).

The workbook has a summary sheet *Tổng hợp* (totals per sitting, track and meeting; the
points that sent no roll call; late roll calls; warnings; participants matched to no point)
and one sheet per sitting (every bridge point, then every unit). Headers are Vietnamese and
bold, rates are formatted as percentages, and text cells are made safe from formula
injection by the one rule of :mod:`meetlink.loading.sheets` (``spreadsheet_safe`` in the
CSV, ``append_safe_row`` in the XLSX), as in :mod:`meetlink.planning.export`.

Example:
    >>> write_report_xlsx(report, "bao-cao.xlsx")  # doctest: +SKIP
    >>> write_report_csv(report, "bao-cao.csv")    # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meetlink.loading.sheets import append_safe_row, spreadsheet_safe
from meetlink.report.models import LateKind, PointResult, Report, Source, Totals, UnitResult
from meetlink.report.summary import notice_text

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
    "Buổi / hình thức",
    "Số điểm cầu",
    "Đã báo cáo",
    "Số triệu tập",
    "Triệu tập tại điểm đã báo cáo",
    "Số có mặt",
    "Tỷ lệ có mặt",
)
_POINT_HEADER = (
    "STT",
    "Mã điểm cầu",
    "Tên điểm cầu",
    "Số triệu tập",
    "Số có mặt",
    "Tỷ lệ có mặt",
    "Nguồn số liệu",
    "Kết nối",
    "Đơn vị đã báo cáo",
)
_UNIT_HEADER = (
    "STT",
    "Mã đơn vị",
    "Tên đơn vị",
    "Điểm cầu",
    "Số triệu tập",
    "Số có mặt",
    "Tỷ lệ có mặt",
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
    """Write the formatted workbook: *Tổng hợp* first, then one sheet per sitting."""
    import openpyxl

    path = Path(path)
    book = openpyxl.Workbook()
    summary = book.worksheets[0]
    summary.title = "Tổng hợp"
    _summary_sheet(_Sheet(summary), report)
    names: set[str] = {summary.title}
    many_tracks = len(report.tracks) > 1
    for sitting in report.sittings:
        own = sitting.name if not many_tracks else f"{sitting.sitting.track} {sitting.name}"
        title = _sheet_name(own, names)
        _sitting_sheet(
            _Sheet(book.create_sheet(title)),
            sitting.label,
            sitting.points,
            sitting.units,
            sitting.totals,
        )
    book.save(path)
    return path


def _summary_sheet(sheet: _Sheet, report: Report) -> None:
    sheet.title(report.title, "Báo cáo kết quả điểm danh")
    sheet.header(_TOTAL_HEADER)
    for sitting in report.sittings:
        sheet.append(_total_row(sitting.totals), percent=(7,))
    for totals in (*report.tracks, report.total):
        sheet.append(_total_row(totals), percent=(7,), bold=True)
    sheet.section(
        "Điểm cầu chưa gửi điểm danh",
        ("Buổi", "Mã điểm cầu", "Tên điểm cầu", "Đơn vị chưa báo cáo", "Kết nối"),
        [
            [f"{m.track}/{m.sitting}", m.point, m.name, m.unit or "", _CONNECTED[m.connected]]
            for m in report.missing
        ],
    )
    sheet.section(
        "Báo cáo muộn, kết nối muộn",
        ("Buổi", "Mã điểm cầu", "Tên điểm cầu", "Thời điểm", "Số phút muộn", "Loại"),
        [
            [
                f"{x.track}/{x.sitting}",
                x.point,
                x.name,
                x.at.strftime("%d/%m/%Y %H:%M"),
                x.minutes,
                _LATE[x.kind],
            ]
            for x in report.late
        ],
    )
    sheet.section("Cảnh báo", ("Nội dung",), [[notice_text(n)] for n in report.notices])
    sheet.section(
        "Người tham gia chưa xác định được điểm cầu",
        ("Hội nghị", "Tên hiển thị", "Vào lúc", "Lý do"),
        [
            [u.conference, u.display_name, u.joined_at.strftime("%d/%m/%Y %H:%M"), u.reason]
            for u in report.unmatched
        ],
    )
    sheet.widths((44, 22, 40, 16, 18, 14, 14))


def _sitting_sheet(
    sheet: _Sheet,
    label: str,
    points: Sequence[PointResult],
    units: Sequence[UnitResult],
    totals: Totals,
) -> None:
    sheet.title(label, f"{totals.points_reported}/{totals.points} điểm cầu đã báo cáo")
    sheet.header(_POINT_HEADER)
    for number, p in enumerate(points, start=1):
        reported = f"{p.units_reported}/{p.units}" if p.source == Source.UNITS else ""
        row = [
            number,
            p.point,
            p.name,
            p.expected,
            p.present,
            p.rate,
            _SOURCE[p.source],
            _CONNECTED[p.connected],
            reported,
        ]
        sheet.append(row, percent=(6,))
    sheet.append(
        [
            "",
            "",
            "Tổng (các điểm đã báo cáo)",
            totals.expected_reported,
            totals.present,
            totals.rate,
        ],
        percent=(6,),
        bold=True,
    )
    sheet.append([])
    sheet.append(["Theo đơn vị"], bold=True)
    sheet.header(_UNIT_HEADER)
    for number, u in enumerate(units, start=1):
        sheet.append([number, u.unit, u.name, u.point, u.expected, u.present, u.rate], percent=(7,))
    sheet.widths((6, 16, 44, 16, 12, 12, 18, 14, 14))


class _Sheet:
    """A worksheet written top to bottom; it counts its rows (openpyxl's ``max_row`` scans
    every cell, which made large reports quadratic)."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.row = 0

    def append(
        self, values: Sequence[Any], *, percent: Sequence[int] = (), bold: bool = False
    ) -> None:
        from openpyxl.styles import Font

        append_safe_row(self.sheet, values)
        self.row += 1
        for column in percent:
            self.sheet.cell(row=self.row, column=column).number_format = "0.0%"
        if bold:
            for column in range(1, len(values) + 1):
                self.sheet.cell(row=self.row, column=column).font = Font(bold=True)

    def title(self, title: str, subtitle: str) -> None:
        from openpyxl.styles import Font

        self.append([title])
        self.sheet.cell(row=self.row, column=1).font = Font(bold=True, size=13)
        self.append([subtitle])
        self.append([])

    def header(self, names: Sequence[str]) -> None:
        from openpyxl.styles import Alignment

        self.append(names, bold=True)
        for column in range(1, len(names) + 1):
            self.sheet.cell(row=self.row, column=column).alignment = Alignment(
                wrap_text=True, vertical="center"
            )
        if self.sheet.freeze_panes is None:
            self.sheet.freeze_panes = f"A{self.row + 1}"

    def section(self, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.append([])
        self.append([f"{title} ({len(rows)})"], bold=True)
        if rows:
            self.header(header)
            for row in rows:
                self.append(row)

    def widths(self, widths: Sequence[int]) -> None:
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width


def _sheet_name(label: str, used: set[str]) -> str:
    """A unique sheet name: no ``[]:*?/\\``, at most 31 characters."""
    base = re.sub(r"[\[\]:*?/\\]", "-", label).strip("' ")[:31] or "Buổi"
    name, number = base, 1
    while name.casefold() in {u.casefold() for u in used}:
        number += 1
        name = f"{base[: 31 - len(str(number)) - 1]} {number}"
    used.add(name)
    return name


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
