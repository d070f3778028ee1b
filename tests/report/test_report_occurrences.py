"""A recurring sitting: roll calls per occurrence, the report per month and for the year."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from meetlink.errors import InputError
from meetlink.report import (
    blank_roll_call,
    build_report,
    load_roll_calls,
    report_summary,
    write_report_xlsx,
)


def monthly(title: str = "Giờ sinh hoạt hằng tháng") -> list[dict[str, object]]:
    """First Sunday of every month of 2024; May skipped, September a week later."""
    sitting: dict[str, object] = {
        "id": "monthly",
        "start": "2024-01-07T08:00",
        "end": "2024-01-07T10:00",
        "recurrence": "FREQ=MONTHLY;BYDAY=1SU;COUNT=12",
        "exceptions": {"2024-05-05": "skip", "2024-09-01": {"start": "2024-09-08T08:00"}},
    }
    if title:
        sitting["title"] = title
    return [
        {
            "id": "main",
            "title": "Điểm cầu toàn Đảng bộ",
            "platform": "memory",
            "units": {"kinds": ["committee", "commune", "attached", "village", "agency"]},
            "sittings": [sitting],
        }
    ]


def test_the_report_for_march_differs_from_februarys_when_the_roll_calls_do(meeting):
    plan = meeting.plan(monthly())
    sheet = meeting.csv(
        "rc.csv",
        [
            ["Điểm cầu", "Ngày", "Số có mặt"],
            ["TU", "4/2/2024", 45],
            ["TU", "2024-03-03", 30],
            ["DB", "04/02/2024", 60],
        ],
    )
    calls = load_roll_calls([sheet], plan)
    assert {(c.point, c.occurrence) for c in calls.calls} == {
        ("TU", dt.date(2024, 2, 4)),
        ("TU", dt.date(2024, 3, 3)),
        ("DB", dt.date(2024, 2, 4)),
    }
    february = build_report(plan, calls, occurrence=dt.date(2024, 2, 4))
    march = build_report(plan, calls, occurrence=dt.date(2024, 3, 3))

    def present(report):
        [sitting] = report.sittings
        return {r.point: r.present for r in sitting.points}

    assert present(february)["TU"] == 45
    assert present(march)["TU"] == 30
    assert present(february)["DB"] == 60
    assert present(march)["DB"] is None
    assert february.total.present == 105
    assert march.total.present == 30
    assert [s.name for s in march.sittings] == ["Giờ sinh hoạt hằng tháng, ngày 3/3/2024"]
    assert "ngày 3/3/2024" in report_summary(march)
    assert report_summary(march) != report_summary(february)


def test_without_a_day_the_report_has_every_held_month_and_the_years_totals(meeting):
    plan = meeting.plan(monthly())
    sheet = meeting.csv(
        "rc.csv",
        [["Điểm cầu", "Ngày", "Số có mặt"], ["TU", "7/1/2024", 40], ["TU", "8/9/2024", 41]],
    )
    report = build_report(plan, load_roll_calls([sheet], plan))

    days = [s.sitting.start.date() for s in report.sittings]
    assert len(days) == 11  # twelve first Sundays, May skipped
    assert dt.date(2024, 5, 5) not in days
    assert dt.date(2024, 9, 8) in days
    assert dt.date(2024, 9, 1) not in days
    september = next(s for s in report.sittings if s.sitting.start.date() == dt.date(2024, 9, 8))
    assert september.name.endswith("ngày 8/9/2024")
    assert next(r for r in september.points if r.point == "TU").present == 41
    assert report.total.present == 81
    assert report.total.points == 11 * len(report.sittings[0].points)
    tu = next(t for t in report.point_totals() if t.label == "Thị ủy Mỹ Hào")
    assert (tu.present, tu.points_reported) == (81, 2)
    # the workbook has a row per month and point
    book_path = meeting.root / "report.xlsx"
    write_report_xlsx(report, book_path)
    text = "\n".join(
        str(cell.value)
        for sheet in openpyxl.load_workbook(book_path).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    )
    assert "ngày 8/9/2024" in text
    assert "ngày 5/5/2024" not in text


def test_the_blank_roll_call_has_a_row_per_held_occurrence_and_reads_back(meeting):
    plan = meeting.plan(monthly(title=""))
    [path] = blank_roll_call(plan, meeting.root / "blank.csv")
    rows = [line.split(",") for line in path.read_text("utf-8-sig").splitlines()[1:]]
    tu_days = [r[5] for r in rows if r[1] == "TU"]
    assert tu_days == [
        "ngày 7/1/2024",
        "ngày 4/2/2024",
        "ngày 3/3/2024",
        "ngày 7/4/2024",
        "ngày 2/6/2024",
        "ngày 7/7/2024",
        "ngày 4/8/2024",
        "ngày 8/9/2024",
        "ngày 6/10/2024",
        "ngày 3/11/2024",
        "ngày 1/12/2024",
    ]
    # filled in for March only, and read back as it is
    filled = [
        [*r[:7], "33" if (r[1], r[5]) == ("TU", "ngày 3/3/2024") else "", *r[8:]] for r in rows
    ]
    sheet = meeting.csv(
        "filled.csv",
        [path.read_text("utf-8-sig").splitlines()[0].split(","), *[r for r in filled if r[7]]],
    )
    calls = load_roll_calls([sheet], plan)
    assert [(c.point, c.occurrence, c.present) for c in calls.calls] == [
        ("TU", dt.date(2024, 3, 3), 33)
    ]


def test_the_same_point_may_report_each_month_once(meeting):
    plan = meeting.plan(monthly())
    sheet = meeting.csv(
        "rc.csv",
        [["Điểm cầu", "Ngày", "Số có mặt"], ["TU", "3/3/2024", 30], ["TU", "2024-03-03", 31]],
    )
    with pytest.raises(InputError) as caught:
        load_roll_calls([sheet], plan)
    [problem] = caught.value.problems
    assert problem.where == 3
    assert "on ngày 3/3/2024" in problem.message


@pytest.mark.parametrize(
    ("day", "says"),
    [
        ("5/5/2024", "is not held on ngày 5/5/2024"),  # skipped
        ("", "say which day"),
        ("3/13/2024", "is not a date"),
    ],
)
def test_a_row_of_a_recurring_sitting_names_a_held_day(meeting, day, says):
    plan = meeting.plan(monthly())
    sheet = meeting.csv("rc.csv", [["Điểm cầu", "Ngày", "Số có mặt"], ["TU", day, 30]])
    with pytest.raises(InputError) as caught:
        load_roll_calls([sheet], plan)
    [problem] = caught.value.problems
    assert (problem.where, problem.what) == (2, "Ngày")
    assert says in problem.message


def test_a_moved_occurrence_may_be_named_by_its_old_date(meeting):
    plan = meeting.plan(monthly())
    sheet = meeting.csv("rc.csv", [["Điểm cầu", "Ngày", "Số có mặt"], ["TU", "1/9/2024", 30]])
    [call] = load_roll_calls([sheet], plan).calls
    assert call.occurrence == dt.date(2024, 9, 1)
    report = build_report(plan, RollCallsOf(call), occurrence=dt.date(2024, 9, 8))
    assert report.total.present == 30


def RollCallsOf(*calls):  # noqa: N802 - reads as the type it builds
    from meetlink.report import RollCalls

    return RollCalls(calls=calls)


def test_a_day_no_sitting_is_held_is_refused(meeting):
    plan = meeting.plan(meeting.one_track())
    sheet = meeting.csv("rc.csv", [["Điểm cầu", "Số có mặt"], ["TU", 40]])
    calls = load_roll_calls([sheet], plan)
    assert build_report(plan, calls, occurrence=dt.date(2023, 9, 10)) == build_report(plan, calls)
    with pytest.raises(InputError, match="no sitting is held on ngày 3/3/2024"):
        build_report(plan, calls, occurrence=dt.date(2024, 3, 3))


def test_meetlink_report_occurrence_prints_that_months_summary(meeting, capsys):
    from meetlink.cli import main

    path = meeting.write(monthly())
    sheet = meeting.csv(
        "rc.csv",
        [["Điểm cầu", "Ngày", "Số có mặt"], ["TU", "4/2/2024", 45], ["TU", "3/3/2024", 30]],
    )

    def summary(day: str) -> str:
        code = main(["report", str(path), "--attendance", str(sheet), "--occurrence", day])
        out, err = capsys.readouterr()
        assert (code, err) == (0, "")
        return out

    march, february = summary("2024-03-03"), summary("2024-02-04")
    assert "ngày 3/3/2024" in march
    assert "ngày 4/2/2024" not in march
    assert "Có mặt: 30/" in march
    assert "Có mặt: 45/" in february
    with pytest.raises(SystemExit) as ended:  # argparse refuses it
        main(["report", str(path), "--attendance", str(sheet), "--occurrence", "3/3"])
    assert ended.value.code == 2
    assert "'3/3' is not a date" in capsys.readouterr().err


def test_the_chart_of_a_recurring_meeting_has_a_bar_per_month(meeting):
    pytest.importorskip("matplotlib")
    from meetlink.report import attendance_figure
    from meetlink.report.chart import month_bars

    plan = meeting.plan(monthly())
    sheet = meeting.csv(
        "rc.csv",
        [["Điểm cầu", "Ngày", "Số có mặt"], ["TU", "4/2/2024", 47], ["TU", "3/3/2024", 30]],
    )
    report = build_report(plan, load_roll_calls([sheet], plan))
    bars = month_bars(report)
    assert [b.label for b in bars][:3] == ["7/1/2024", "4/2/2024", "3/3/2024"]
    assert [b.rate for b in bars][:3] == [None, 1.0, 30 / 47]
    figure = attendance_figure(report)
    months, points = figure.axes
    assert [t.get_text() for t in months.get_xticklabels()] == [b.label for b in bars]
    assert "Thị ủy Mỹ Hào" in [t.get_text() for t in points.get_yticklabels()]
    once = meeting.plan(meeting.one_track())
    sheet = meeting.csv("once.csv", [["Điểm cầu", "Số có mặt"], ["TU", 40]])
    assert month_bars(build_report(once, load_roll_calls([sheet], once))) == []


def test_the_years_report_files_are_written(meeting, capsys):
    from meetlink.cli import main

    path = meeting.write(monthly())
    sheet = meeting.csv(
        "rc.csv",
        [["Điểm cầu", "Ngày", "Số có mặt"], ["TU", "4/2/2024", 45], ["TU", "3/3/2024", 30]],
    )
    target = meeting.root / "ca-nam" / "report.xlsx"
    code = main(["report", str(path), "--attendance", str(sheet), "-o", str(target)])
    out, _err = capsys.readouterr()
    assert code == 0
    assert "ngày 1/12/2024" in (target.parent / "report-summary.txt").read_text("utf-8")
    assert "Có mặt: 75/" in out
    names = sorted(p.name for p in target.parent.iterdir())
    assert "report.docx" in names


def test_a_workbook_date_cell_names_the_day(meeting):
    plan = meeting.plan(monthly())
    sheet = meeting.xlsx(
        "rc.xlsx", [["Điểm cầu", "Ngày", "Số có mặt"], ["TU", dt.datetime(2024, 3, 3), 30]]
    )
    [call] = load_roll_calls([sheet], plan).calls
    assert call.occurrence == dt.date(2024, 3, 3)


def test_a_sitting_held_once_does_not_read_the_day_column(meeting):
    plan = meeting.plan(meeting.one_track())
    sheet = meeting.csv("rc.csv", [["Điểm cầu", "Ngày", "Số có mặt"], ["TU", "11/9/2023", 40]])
    [call] = load_roll_calls([sheet], plan).calls
    assert (call.present, call.occurrence) == (40, None)
