"""How long Google Meet keeps a sitting's attendance: the reminder ``meetlink status`` prints.

Meet deletes a conference record (who joined, when) 30 days after the conference ends, so
``meetlink report MEETING.yaml --from-platform`` can read a sitting only until then. For
every sitting held on a google track that reads attendance (``attendance: true``; each held
occurrence of a recurring sitting), :func:`records_windows` gives the last day the records
can be read, in the meeting's zone; :func:`records_reminders` says it as the office reads it,
with a warning when 7 days or fewer are left, or the day has passed.

Example:
    >>> import datetime as dt
    >>> window = RecordsWindow("meet/s1", dt.date(2024, 3, 10), dt.date(2024, 4, 9), 5)
    >>> window.urgent, records_reminders([window], "en", "hn.yaml")[0].startswith("WARNING")
    (True, True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from meetlink.loading import MeetingFile
from meetlink.planning import Plan
from meetlink.report.platform import RECORDS_KEPT_DAYS

__all__ = [
    "WARN_DAYS",
    "RecordsWindow",
    "records_reminders",
    "records_windows",
    "status_reminders",
]

WARN_DAYS = 7
"""A reminder becomes a warning when this many days or fewer are left."""
_SHOWN_AFTER = dt.timedelta(days=30)  # a deleted record is mentioned for 30 more days


@dataclass(frozen=True)
class RecordsWindow:
    """A held sitting (or occurrence) and the last day Meet keeps its attendance records."""

    sitting: str
    held: dt.date
    readable_until: dt.date
    days_left: int

    @property
    def urgent(self) -> bool:
        """7 days or fewer left, or gone already."""
        return self.days_left <= WARN_DAYS


def records_windows(loaded: MeetingFile, plan: Plan, now: dt.datetime) -> list[RecordsWindow]:
    """The held sittings of google tracks with ``attendance: true``, earliest first: those
    whose records are still kept, and those deleted in the last 30 days."""
    zone = ZoneInfo(plan.meeting.timezone)
    today = now.astimezone(zone).date()
    reading = {
        t.id
        for t in loaded.meeting.tracks
        if t.platform == "google" and dict(t.settings).get("attendance") is True
    }
    windows = []
    for sitting in plan.sittings:
        if sitting.track not in reading or sitting.start is None or sitting.end is None:
            continue
        held = [(o.start, o.end) for o in sitting.occurrences if o.status != "skipped"] or [
            (sitting.start, sitting.end)
        ]
        for start, end in held:
            if end > now:
                continue  # not held yet: nothing to read
            kept = end + dt.timedelta(days=RECORDS_KEPT_DAYS)
            if kept + _SHOWN_AFTER < now:
                continue
            until = kept.astimezone(zone).date()
            windows.append(
                RecordsWindow(
                    sitting.key, start.astimezone(zone).date(), until, (until - today).days
                )
            )
    return sorted(windows, key=lambda w: (w.readable_until, w.sitting))


def records_reminders(
    windows: Sequence[RecordsWindow], language: Literal["vi", "en"], meeting: str
) -> list[str]:
    """One line per window, in the office's words (``vi``) or English."""
    lines = []
    command = f"meetlink report {meeting} --from-platform -o …"
    for w in windows:
        held, until = _day(w.held, language), _day(w.readable_until, language)
        if language == "vi":
            if w.days_left < 0:
                line = (
                    f"LƯU Ý: Google Meet đã xóa danh sách tham dự của buổi {w.sitting} (ngày "
                    f"{held}) từ ngày {until}; đề nghị báo cáo các điểm cầu theo bảng điểm danh."
                )
            elif w.urgent:
                line = (
                    f"LƯU Ý: chỉ còn {w.days_left} ngày: Google Meet xóa danh sách tham dự của "
                    f"buổi {w.sitting} (ngày {held}) sau ngày {until}; đề nghị chạy ngay "
                    f"`{command}`."
                )
            else:
                line = (
                    f"Google Meet lưu danh sách tham dự của buổi {w.sitting} (ngày {held}) đến "
                    f"hết ngày {until}: đề nghị chạy `{command}` trước ngày đó."
                )
        elif w.days_left < 0:
            line = (
                f"WARNING: Google Meet deleted the attendance records of {w.sitting} (held "
                f"{held}) on {until}; report its points from roll-call sheets."
            )
        elif w.urgent:
            line = (
                f"WARNING: {w.days_left} day(s) left: Google Meet deletes the attendance "
                f"records of {w.sitting} (held {held}) after {until}; run `{command}` now."
            )
        else:
            line = (
                f"Google Meet keeps the attendance records of {w.sitting} (held {held}) until "
                f"{until}: run `{command}` before then."
            )
        lines.append(line)
    return lines


def status_reminders(
    loaded: MeetingFile,
    plan: Plan,
    language: Literal["vi", "en"],
    now: dt.datetime | None = None,
) -> list[str]:
    """The reminders ``meetlink status`` prints for the meeting file ``loaded``."""
    moment = now or dt.datetime.now(dt.UTC)
    return records_reminders(records_windows(loaded, plan, moment), language, str(loaded.path))


def _day(day: dt.date, language: str) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if language == "vi" else day.isoformat()
