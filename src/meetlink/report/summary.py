"""A one-page plain-text summary of the result report, to paste into the e-mail.

Vietnamese by default (the committee reads it), English with ``language="en"``. Numbers are
written as the language writes them (``5.289`` and ``93,0%`` in Vietnamese). Long lists are
cut after :data:`LIST_LIMIT` items with a pointer to the spreadsheet, so the text stays one
page however many bridge points there are.

Example:
    >>> print(report_summary(report))  # doctest: +SKIP
    BÁO CÁO NHANH KẾT QUẢ ĐIỂM DANH
    Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023
    ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from meetlink.report.models import Late, LateKind, Missing, Notice, NoticeKind, Report, Totals

__all__ = ["LIST_LIMIT", "notice_text", "report_summary"]

LIST_LIMIT = 10

_TEXT = {
    "vi": {
        "head": "BÁO CÁO NHANH KẾT QUẢ ĐIỂM DANH",
        "by": "Đơn vị tổng hợp: {0}",
        "general": "Kết quả chung",
        "points": "Số điểm cầu: {0}; đã gửi điểm danh: {1} ({2}).",
        "present": "Có mặt: {0}/{1} đảng viên được triệu tập tại các điểm cầu đã báo cáo, đạt {2}.",
        "expected": "Tổng số được triệu tập tại tất cả điểm cầu: {0}.",
        "none": "Chưa có điểm cầu nào gửi điểm danh.",
        "by_sitting": "Theo hình thức, buổi",
        "sitting": "{0}: {1}/{2} điểm cầu báo cáo; có mặt {3}/{4} ({5}).",
        "missing": "Điểm cầu chưa gửi điểm danh",
        "never": "không kết nối",
        "unit": "đơn vị {0}",
        "below": "Điểm cầu có tỷ lệ có mặt dưới mục tiêu {0}",
        "notes": "Lưu ý",
        "reported_late": "{0} ({1}): gửi điểm danh lúc {2}, sau hạn báo cáo trong ngày.",
        "joined_late": "{0} ({1}): kết nối lúc {2}, muộn {3} phút.",
        "when": "Thời gian: {0}.",
        "time": "%H:%M ngày %d/%m/%Y",
        "unmatched": "{0} người tham gia trên nền tảng chưa xác định được điểm cầu (xem bảng).",
        "more": "… và {0} mục khác (xem tệp báo cáo).",
        "close": "Kính báo cáo.",
        "over": "{0}: có mặt {1}, nhiều hơn {2} được triệu tập; đề nghị kiểm tra lại.",
        "disagree": (
            "{0}: điểm cầu báo {1} có mặt, các đơn vị báo cộng lại {2}; dùng số của điểm cầu."
        ),
        "at": "điểm cầu {0} ({1}), buổi {2}",
        "unit_at": "đơn vị {0} tại điểm cầu {1}, buổi {2}",
    },
    "en": {
        "head": "ROLL CALL RESULTS",
        "by": "Compiled by: {0}",
        "general": "Overall",
        "points": "Bridge points: {0}; roll calls received: {1} ({2}).",
        "present": "Present: {0} of {1} members expected at the points that reported, {2}.",
        "expected": "Expected at all points: {0}.",
        "none": "No bridge point has sent its roll call yet.",
        "by_sitting": "By track and sitting",
        "sitting": "{0}: {1}/{2} points reported; present {3}/{4} ({5}).",
        "missing": "Bridge points with no roll call",
        "never": "never connected",
        "unit": "unit {0}",
        "below": "Bridge points below the {0} target",
        "notes": "Notes",
        "reported_late": "{0} ({1}): roll call sent at {2}, after the same-day deadline.",
        "joined_late": "{0} ({1}): joined at {2}, {3} minutes late.",
        "when": "Time: {0}.",
        "time": "%H:%M on %d/%m/%Y",
        "unmatched": (
            "{0} platform participants could not be matched to a bridge point (see the table)."
        ),
        "more": "… and {0} more (see the report file).",
        "close": "",
        "over": "{0}: {1} present, more than the {2} expected; please check.",
        "disagree": (
            "{0}: the point reports {1} present, its units {2} in total; the point's count is used."
        ),
        "at": "point {0} ({1}), sitting {2}",
        "unit_at": "unit {0} at point {1}, sitting {2}",
    },
}


def report_summary(
    report: Report, language: Literal["vi", "en"] = "vi", *, target: float = 0.9
) -> str:
    """The plain-text summary: totals, sittings, missing and low points, notes.

    >>> report_summary(report, target=0.9).splitlines()[0]  # doctest: +SKIP
    'BÁO CÁO NHANH KẾT QUẢ ĐIỂM DANH'
    """
    t = _TEXT[language]
    lines = [t["head"], report.title]
    if len(report.sittings) == 1 and report.sittings[0].sitting.start is not None:
        lines.append(t["when"].format(report.sittings[0].sitting.start.strftime(t["time"])))
    if report.organizer:
        lines.append(t["by"].format(report.organizer))
    sections: list[tuple[str, list[str]]] = [(t["general"], _general(report.total, language))]
    if len(report.sittings) > 1 or len(report.tracks) > 1:
        rows = [
            _sitting_line(_with_time(s.label, s.sitting.start), s.totals, language)
            for s in report.sittings
        ]
        if len(report.tracks) > 1:
            rows += [_sitting_line(x.label, x, language) for x in report.tracks]
        sections.append((t["by_sitting"], rows))
    if report.missing:
        sections.append(
            (
                f"{t['missing']} ({_count(report.missing)})",
                _cut([_missing(m, language) for m in report.missing], language),
            )
        )
    low = [
        (row.label, row)
        for row in report.point_totals()
        if row.rate is not None and row.rate < target
    ]
    if low:
        head = t["below"].format(_percent(target, language, digits=0))
        lines_low = [
            f"{name}: {x.present}/{x.expected_reported} ({_percent(x.rate, language)})"
            for name, x in low
        ]
        sections.append((f"{head} ({len(low)})", _cut(lines_low, language)))
    notes = [notice_text(n, language) for n in report.notices]
    notes += [_late(x, language) for x in report.late]
    if report.unmatched:
        notes.append(t["unmatched"].format(len(report.unmatched)))
    if notes:
        sections.append((t["notes"], _cut(notes, language)))
    for number, (title, rows) in enumerate(sections, start=1):
        lines += ["", f"{number}. {title}", *(f"- {r}" for r in rows)]
    if t["close"]:
        lines += ["", t["close"]]
    return "\n".join(lines) + "\n"


def notice_text(notice: Notice, language: Literal["vi", "en"] = "vi") -> str:
    """One warning as a sentence, prefixed with ``FILE:ROW`` when it came from a sheet."""
    t = _TEXT[language]
    if notice.unit is not None:
        who = t["unit_at"].format(notice.unit, notice.point, notice.sitting)
    else:
        who = t["at"].format(notice.point, notice.name, notice.sitting)
    key = "over" if notice.kind == NoticeKind.OVER_EXPECTED else "disagree"
    text = t[key].format(who, _number(notice.present, language), _number(notice.expected, language))
    return f"{notice.where}: {text}" if notice.where else text


def _general(total: Totals, language: Literal["vi", "en"]) -> list[str]:
    t = _TEXT[language]
    rows = [
        t["points"].format(total.points, total.points_reported, _percent(total.coverage, language))
    ]
    if total.points_reported:
        rows.append(
            t["present"].format(
                _number(total.present, language),
                _number(total.expected_reported, language),
                _percent(total.rate, language),
            )
        )
    else:
        rows.append(t["none"])
    rows.append(t["expected"].format(_number(total.expected, language)))
    return rows


def _sitting_line(label: str, totals: Totals, language: Literal["vi", "en"]) -> str:
    return _TEXT[language]["sitting"].format(
        label,
        totals.points_reported,
        totals.points,
        _number(totals.present, language),
        _number(totals.expected_reported, language),
        _percent(totals.rate, language),
    )


def _with_time(label: str, start: dt.datetime | None) -> str:
    return label if start is None else f"{label} ({start:%H:%M %d/%m/%Y})"


def _missing(item: Missing, language: Literal["vi", "en"]) -> str:
    t = _TEXT[language]
    parts = [f"{item.name} ({item.point})", f"{item.track}/{item.sitting}"]
    if item.unit:
        parts.append(t["unit"].format(item.unit))
    if item.connected is False:
        parts.append(t["never"])
    return " — ".join(parts)


def _late(item: Late, language: Literal["vi", "en"]) -> str:
    t = _TEXT[language]
    key = "reported_late" if item.kind == LateKind.REPORTED_LATE else "joined_late"
    return t[key].format(item.name, item.point, item.at.strftime(t["time"]), item.minutes)


def _count(items: Sequence[Missing]) -> int:
    return len({(m.track, m.sitting, m.point, m.unit) for m in items})


def _cut(rows: list[str], language: Literal["vi", "en"]) -> list[str]:
    if len(rows) <= LIST_LIMIT:
        return rows
    return [*rows[:LIST_LIMIT], _TEXT[language]["more"].format(len(rows) - LIST_LIMIT)]


def _number(value: int, language: Literal["vi", "en"]) -> str:
    text = f"{value:,}"
    return text.replace(",", ".") if language == "vi" else text


def _percent(rate: float | None, language: Literal["vi", "en"], *, digits: int = 1) -> str:
    if rate is None:
        return "—"
    text = f"{rate * 100:.{digits}f}%"
    return text.replace(".", ",") if language == "vi" else text
