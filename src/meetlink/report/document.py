"""The result report to the committee (seed 000: "báo cáo kết quả buổi sinh hoạt về Ban
Thường vụ") as a DOCX in the Party's form, beside the XLSX.

BÁO CÁO, "Kết quả tổ chức …", the general figures (points that reported, present against
called), one line per sitting when there are several, the table of bridge points (called,
present, rate, what is missing) and the chart when one was drawn; then ``Nơi nhận`` and the
signature block of the meeting file's ``notice:``. The report's number is left blank for
the office (``Số      -BC/ThU``, the tail taken from the notice's number), and so is its
date. Numbers are written the Vietnamese way (``5.289``, ``93,0%``).

Example:
    >>> write_report_docx(report, plan, "bao-cao.docx", chart="bao-cao-chart.png")  # doctest: +SKIP
    PosixPath('bao-cao.docx')
"""

from __future__ import annotations

from pathlib import Path

from meetlink.documents.notice import issuers_of
from meetlink.documents.party_form import (
    PartyDocument,
    TableColumn,
    filed_copy,
    number_text,
    place_and_date,
    symbol_tail,
)
from meetlink.documents.when import BLANK_DATE, short_date, sitting_time
from meetlink.planning.planner import Plan
from meetlink.report.models import PointResult, Report, Totals

__all__ = ["report_document", "write_report_docx"]

_CHART_WIDTH_MM = 150.0


def report_document(report: Report, plan: Plan, *, chart: Path | None = None) -> PartyDocument:
    """The result report as a :class:`~meetlink.documents.PartyDocument`."""
    meeting = plan.meeting
    notice = meeting.notice
    words = meeting.kind.vocabulary
    issuers = issuers_of(meeting)
    tail = symbol_tail(notice.number, issuers)
    doc = PartyDocument()
    doc.document.core_properties.title = f"Báo cáo kết quả {report.title}"
    doc.document.core_properties.author = issuers[-1] if issuers else ""
    doc.document.core_properties.last_modified_by = ""
    doc.letterhead(
        issuers,
        number_text("BC", f"-BC/{tail}" if tail else "", issuers),
        place_and_date(notice.place, BLANK_DATE),
    )
    doc.title("BÁO CÁO", f"Kết quả tổ chức {report.title}")
    doc.paragraph(_preamble(report, plan))
    doc.heading("1- Kết quả chung")
    total = report.total
    only = report.sittings[0].sitting if len(report.sittings) == 1 else None
    if only is not None and only.start is not None:
        when = sitting_time(only.start, only.end)
        doc.paragraph(
            f"{words.event_vi[:1].upper()}{words.event_vi[1:]} được tổ chức "
            f"{when[:1].lower()}{when[1:]}, tại {total.points} điểm cầu."
        )
    doc.paragraph(
        f"- Số điểm cầu đã gửi điểm danh: {total.points_reported}/{total.points} "
        f"({_percent(total.coverage)})."
    )
    if total.points_reported:
        doc.paragraph(
            f"- Có mặt: {_number(total.present)}/{_number(total.expected_reported)} "
            f"{words.member_vi} được triệu tập tại các điểm cầu đã báo cáo, đạt "
            f"{_percent(total.rate)}."
        )
    else:
        doc.paragraph("- Chưa có điểm cầu nào gửi điểm danh.")
    doc.paragraph(
        f"- Tổng số {words.member_vi} được triệu tập tại tất cả các điểm cầu: "
        f"{_number(total.expected)}."
    )
    if len(report.sittings) > 1:
        for result in report.sittings:
            t = result.totals
            doc.paragraph(
                f"- {result.label}: {t.points_reported}/{t.points} điểm cầu báo cáo; có mặt "
                f"{_number(t.present)}/{_number(t.expected_reported)} ({_percent(t.rate)})."
            )
    doc.heading("2- Kết quả tại các điểm cầu")
    columns = [
        TableColumn("STT", mm=12.0, centered=True),
        TableColumn("Điểm cầu", weight=2.0),
        TableColumn(f"Số {words.member_vi} được triệu tập", mm=26.0, centered=True),
        TableColumn("Có mặt", mm=18.0, centered=True),
        TableColumn("Tỷ lệ", mm=18.0, centered=True),
        TableColumn("Ghi chú", weight=1.2),
    ]
    doc.table(columns, _point_rows(report))
    if chart is not None and chart.is_file():  # after the table: a tall chart takes a page
        doc.paragraph("")
        doc.picture(chart, min(_CHART_WIDTH_MM, doc.text_width_mm))
    doc.paragraph(f"Trên đây là báo cáo kết quả tổ chức {report.title}.")
    doc.closing(
        ("Thường trực cấp ủy (để báo cáo)", filed_copy(tail)),
        notice.signer.lines,
        notice.signer.name,
    )
    return doc


def write_report_docx(
    report: Report, plan: Plan, path: str | Path, *, chart: str | Path | None = None
) -> Path:
    """Write the result report as a DOCX in the Party's form; return the path.

    ``chart`` is the PNG of :func:`~meetlink.report.draw_attendance_chart`, inserted when it
    exists. The file names points and counts of people: written readable by its owner only.
    """
    picture = Path(chart) if chart is not None else None
    return report_document(report, plan, chart=picture).save(Path(path))


def _preamble(report: Report, plan: Plan) -> str:
    meeting = plan.meeting
    notice = meeting.notice
    who = meeting.organizer.name or report.organizer or "Ban Tổ chức"
    if notice.number:
        dated = f" ngày {short_date(notice.date)}" if notice.date else ""
        reference = f"{notice.title.capitalize()} số {notice.number}{dated}"
        return (
            f"Thực hiện {reference} về việc tổ chức {report.title}, {who} báo cáo kết quả như sau:"
        )
    return f"{who} báo cáo kết quả tổ chức {report.title} như sau:"


def _point_rows(report: Report) -> list[list[str | int]]:
    """One row per bridge point over all its sittings, in plan order."""
    by_point: dict[str, list[PointResult]] = {}
    for result in report.sittings:
        for row in result.points:
            by_point.setdefault(row.point, []).append(row)
    rows: list[list[str | int]] = []
    for number, results in enumerate(by_point.values(), 1):
        totals = Totals.of(results[0].name, results)
        rows.append(
            [
                number,
                totals.label,
                _number(totals.expected),
                _number(totals.present) if totals.points_reported else "",
                _percent(totals.rate) if totals.points_reported else "",
                _remark(results, totals),
            ]
        )
    return rows


def _remark(results: list[PointResult], totals: Totals) -> str:
    never = any(r.connected is False for r in results)
    if totals.points_reported == 0:
        return "Chưa gửi điểm danh" + ("; không kết nối" if never else "")
    missing = totals.points - totals.points_reported
    if missing:
        return f"Chưa gửi điểm danh {missing}/{totals.points} buổi"
    return "Không kết nối" if never else ""


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%".replace(".", ",")
