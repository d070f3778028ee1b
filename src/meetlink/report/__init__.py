"""Roll call and the result report (điểm danh, báo cáo kết quả).

After the meeting every bridge point takes a roll call and every unit reports how many
attended; the organizer compiles the result for the committee the same day. This package
reads the roll calls (sheets, and the platform's own records), compares them with the
plan's seats, and writes the report (XLSX, CSV, a chart, a plain-text summary).

Example:
    >>> from meetlink.loading import load_meeting
    >>> from meetlink.planning import plan_meeting
    >>> from meetlink.report import build_report, load_roll_calls, report_summary
    >>> loaded = load_meeting("examples/myhao-2023q3/meeting.yaml")          # doctest: +SKIP
    >>> plan = plan_meeting(loaded.meeting, loaded.roster)                     # doctest: +SKIP
    >>> calls = load_roll_calls(["examples/myhao-2023q3/roll-call.csv"], plan)  # doctest: +SKIP
    >>> print(report_summary(build_report(plan, calls)))                       # doctest: +SKIP
"""

from __future__ import annotations

from meetlink.report.blank import BLANK_HEADER, blank_roll_call, blank_rows
from meetlink.report.build import build_report
from meetlink.report.chart import ChartBar, attendance_figure, chart_bars, draw_attendance_chart
from meetlink.report.models import (
    Connection,
    Late,
    LateKind,
    Missing,
    Notice,
    NoticeKind,
    PointResult,
    Report,
    RollCall,
    RollCalls,
    SittingResult,
    Source,
    Totals,
    UnitResult,
    UnmatchedParticipant,
)
from meetlink.report.platform import match_participant, roll_calls_from_platform
from meetlink.report.rollcall import ROLL_CALL_COLUMNS, load_roll_calls, sheet_files
from meetlink.report.summary import notice_text, report_summary
from meetlink.report.write import report_csv_rows, write_report_csv, write_report_xlsx

__all__ = [
    "BLANK_HEADER",
    "ROLL_CALL_COLUMNS",
    "ChartBar",
    "Connection",
    "Late",
    "LateKind",
    "Missing",
    "Notice",
    "NoticeKind",
    "PointResult",
    "Report",
    "RollCall",
    "RollCalls",
    "SittingResult",
    "Source",
    "Totals",
    "UnitResult",
    "UnmatchedParticipant",
    "attendance_figure",
    "blank_roll_call",
    "blank_rows",
    "build_report",
    "chart_bars",
    "draw_attendance_chart",
    "load_roll_calls",
    "match_participant",
    "notice_text",
    "report_csv_rows",
    "report_summary",
    "roll_calls_from_platform",
    "sheet_files",
    "write_report_csv",
    "write_report_xlsx",
]
