"""A one-page plain-text summary of the result report, to paste into the e-mail.

Vietnamese by default (the committee reads it), English with ``language="en"``. Numbers are
written as the language writes them (``5.289`` and ``93,0%`` in Vietnamese). Long lists are
cut after :data:`LIST_LIMIT` items with a pointer to the spreadsheet, so the text stays one
page however many bridge points there are.

The committee reads it: it names points, units and sittings as the plan prints them (a
sitting by its title or date, a unit by its name, a point by its name and code), never a
track or sitting id, and never the operator's files. Where a warning came from (the sheet's
``FILE:ROW``) is for the operator: ``notice_text(notice, located=True)``, which
``meetlink report`` prints on standard error.

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

__all__ = ["LIST_LIMIT", "notice_text", "report_summary", "sitting_captions", "unit_names"]

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
        "time": "{H} giờ {M} ngày {d}/{m}/{Y}",
        "unmatched": "{0} người tham gia trên nền tảng chưa xác định được điểm cầu (xem bảng).",
        "more": "… và {0} mục khác (xem tệp báo cáo).",
        "close": "Kính báo cáo.",
        "over": "{0}: có mặt {1}, nhiều hơn {2} được triệu tập; đề nghị kiểm tra lại.",
        "disagree": (
            "{0}: điểm cầu báo {1} có mặt, các đơn vị báo cộng lại {2}; dùng số của điểm cầu."
        ),
        "at": "điểm cầu {0} ({1})",
        "unit_at": "đơn vị {0} tại điểm cầu {1}",
        "in": "{0}, {1}",
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
        "time": "{H}:{M} on {d:02d}/{m:02d}/{Y}",
        "unmatched": (
            "{0} platform participants could not be matched to a bridge point (see the table)."
        ),
        "more": "… and {0} more (see the report file).",
        "close": "",
        "over": "{0}: {1} present, more than the {2} expected; please check.",
        "disagree": (
            "{0}: the point reports {1} present, its units {2} in total; the point's count is used."
        ),
        "at": "point {0} ({1})",
        "unit_at": "unit {0} at point {1}",
        "in": "{0}, {1}",
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
        lines.append(t["when"].format(_time(report.sittings[0].sitting.start, language)))
    if report.organizer:
        lines.append(t["by"].format(report.organizer))
    sections: list[tuple[str, list[str]]] = [(t["general"], _general(report.total, language))]
    if len(report.sittings) > 1 or len(report.tracks) > 1:
        rows = [  # an occurrence's label already names its day
            _sitting_line(
                _with_time(s.label, None if s.occurrence else s.sitting.start, language),
                s.totals,
                language,
            )
            for s in report.sittings
        ]
        if len(report.tracks) > 1:
            rows += [_sitting_line(x.label, x, language) for x in report.tracks]
        sections.append((t["by_sitting"], rows))
    captions, units = sitting_captions(report), unit_names(report)
    if report.missing:
        sections.append(
            (
                f"{t['missing']} ({_count(report.missing)})",
                _cut([_missing(m, language, captions, units) for m in report.missing], language),
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
    notes = [
        notice_text(
            n,
            language,
            sitting=captions.get((n.track, n.sitting), ""),
            unit=units.get(n.unit or "", ""),
        )
        for n in report.notices
    ]
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


def notice_text(
    notice: Notice,
    language: Literal["vi", "en"] = "vi",
    *,
    sitting: str = "",
    unit: str = "",
    located: bool = False,
) -> str:
    """One warning as a sentence: the point by its name and code, the unit by its name
    (``unit``, else its code), the sitting as ``sitting`` names it (left out when empty,
    as in a report of one sitting). ``located`` puts the sheet's ``FILE:ROW`` first: for
    the operator who fixes the sheet, never for the committee.

    >>> n = Notice(NoticeKind.OVER_EXPECTED, "main", "s1", "TU", "Thị ủy", 16, 14, where="a.csv:3")
    >>> notice_text(n)
    'Điểm cầu TU (Thị ủy): có mặt 16, nhiều hơn 14 được triệu tập; đề nghị kiểm tra lại.'
    >>> notice_text(n, sitting="Lớp 1", located=True)[:30]
    'a.csv:3: Điểm cầu TU (Thị ủy),'
    """
    t = _TEXT[language]
    if notice.unit is not None:
        who = t["unit_at"].format(unit or notice.unit, notice.point)
    else:
        who = t["at"].format(notice.point, notice.name)
    if sitting:
        who = t["in"].format(who, sitting)
    key = "over" if notice.kind == NoticeKind.OVER_EXPECTED else "disagree"
    text = t[key].format(who, _number(notice.present, language), _number(notice.expected, language))
    text = text[:1].upper() + text[1:]  # a sentence of its own
    return f"{notice.where}: {text}" if located and notice.where else text


def sitting_captions(report: Report) -> dict[tuple[str, str], str]:
    """How the report names each sitting, by ``(track, sitting id)``: its label ("Điểm cầu
    toàn Đảng bộ — Lớp 2"), or nothing when the report has one sitting (nothing to tell
    apart).

    >>> sitting_captions(report)[("main", "s2")]  # doctest: +SKIP
    'Điểm cầu toàn Đảng bộ — Lớp 2'
    """
    many = len(report.sittings) > 1
    return {
        (s.sitting.track, s.sitting.id): (s.label or s.name) if many else ""
        for s in report.sittings
    }


def unit_names(report: Report) -> dict[str, str]:
    """Every unit of the report by its code: its name, as the roster writes it."""
    return {u.unit: u.name for s in report.sittings for u in s.units}


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


def _with_time(label: str, start: dt.datetime | None, language: Literal["vi", "en"]) -> str:
    return label if start is None else f"{label} ({_time(start, language)})"


def _missing(
    item: Missing,
    language: Literal["vi", "en"],
    captions: dict[tuple[str, str], str],
    units: dict[str, str],
) -> str:
    t = _TEXT[language]
    parts = [f"{item.name} ({item.point})"]
    if captions.get((item.track, item.sitting)):
        parts.append(captions[(item.track, item.sitting)])
    if item.unit:
        parts.append(t["unit"].format(units.get(item.unit, item.unit)))
    if item.connected is False:
        parts.append(t["never"])
    return " — ".join(parts)


def _late(item: Late, language: Literal["vi", "en"]) -> str:
    t = _TEXT[language]
    key = "reported_late" if item.kind == LateKind.REPORTED_LATE else "joined_late"
    return t[key].format(item.name, item.point, _time(item.at, language), item.minutes)


def _time(moment: dt.datetime, language: Literal["vi", "en"]) -> str:
    """``08 giờ 00 ngày 10/9/2023`` as an office writes it (``08:00 on 10/09/2023``)."""
    return _TEXT[language]["time"].format(
        H=f"{moment.hour:02d}",
        M=f"{moment.minute:02d}",
        d=moment.day,
        m=moment.month,
        Y=moment.year,
    )


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
