"""Building the report: seats from the plan, totals, missing, late and warnings."""

from __future__ import annotations

import datetime as dt

import pytest

from meetlink.errors import InputError
from meetlink.report import (
    LateKind,
    NoticeKind,
    RollCalls,
    Source,
    Totals,
    build_report,
    load_roll_calls,
)


def report_of(meeting, tracks, rows, **keys):
    plan = meeting.plan(tracks)
    sheet = meeting.csv("rc.csv", rows)
    return build_report(plan, load_roll_calls([sheet], plan), **keys)


def test_a_split_meeting_expects_each_points_quota_in_each_sitting(meeting):
    # TU 40 → 14/13/13 and CQ 7 → 3/2/2: the TU point seats 17, 15, 15 (seed 002's classes).
    report = report_of(
        meeting,
        meeting.one_track("split", 3),
        [["Điểm cầu", "Buổi", "Số có mặt"], ["TU", "s1", 16], ["TU", "s2", 15], ["TU", "s3", 12]],
    )

    tu = [next(r for r in s.points if r.point == "TU") for s in report.sittings]
    assert [(r.sitting, r.expected, r.present) for r in tu] == [
        ("s1", 17, 16),
        ("s2", 15, 15),
        ("s3", 15, 12),
    ]
    assert [r.rate for r in tu] == pytest.approx([16 / 17, 1.0, 0.8])
    units = {(u.sitting, u.unit): u.expected for s in report.sittings for u in s.units}
    assert [units[(s, "CQ")] for s in ("s1", "s2", "s3")] == [3, 2, 2]
    assert report.total.expected == 47 + 49 + 21 + 60  # split: every member once


def test_a_sitting_with_no_roll_call_lists_all_its_points_as_missing(meeting):
    report = report_of(
        meeting,
        meeting.one_track("split", 3),
        [["Điểm cầu", "Buổi", "Số có mặt"]]
        + [[p, s, 5] for p in ("TU", "X1", "T1", "DB") for s in ("s1", "s3")],
    )

    assert [(m.sitting, m.point) for m in report.missing] == [
        ("s2", "TU"),
        ("s2", "X1"),
        ("s2", "T1"),
        ("s2", "DB"),
    ]
    s2 = report.sittings[1]
    assert (s2.totals.points, s2.totals.points_reported, s2.totals.rate) == (4, 0, None)
    assert {r.source for r in s2.points} == {Source.NONE}


def test_totals_are_kept_per_sitting_track_and_meeting(meeting):
    # main (split 3): TU 17/15/15, X1 17/16/16, T1 7/7/7; meet (split 2): DB 30/30.
    rows = [["Điểm cầu", "Buổi", "Số có mặt"]]
    rows += [["TU", "s1", 17], ["X1", "s1", 16], ["T1", "s1", 6]]
    rows += [["TU", "s2", 14], ["X1", "s2", 16]]  # T1 sent nothing for s2
    rows += [["DB", "s1", 27], ["DB", "s2", 30]]

    report = report_of(meeting, meeting.two_tracks(), rows)

    assert [(s.sitting.track, s.sitting.id, s.totals.present) for s in report.sittings] == [
        ("main", "s1", 39),
        ("main", "s2", 30),
        ("main", "s3", 0),
        ("meet", "s1", 27),
        ("meet", "s2", 30),
    ]
    main, meet = report.tracks
    assert (main.label, main.points, main.points_reported) == ("Đường truyền", 9, 5)
    assert (main.expected, main.expected_reported, main.present) == (117, 41 + 31, 69)
    assert (meet.label, meet.expected, meet.present, meet.rate) == ("Google Meet", 60, 57, 0.95)
    total = report.total
    assert (total.expected, total.expected_reported, total.present) == (177, 132, 126)
    assert total.points_reported == 7
    assert total.rate == pytest.approx(126 / 132)
    assert total.coverage == pytest.approx(7 / 11)


def test_unit_rows_add_up_to_their_point_and_units_that_sent_none_are_missing(meeting):
    # X1's point seats X1 30, X1-CA 10 and T2 9.
    report = report_of(
        meeting,
        meeting.one_track(),
        [["Mã điểm cầu", "Mã đơn vị", "Số có mặt"], ["X1", "X1", 28], ["X1", "T2", 9]],
    )

    x1 = next(r for r in report.sittings[0].points if r.point == "X1")
    assert (x1.present, x1.source, x1.units, x1.units_reported) == (37, Source.UNITS, 3, 2)
    units = {u.unit: (u.expected, u.present) for u in report.sittings[0].units}
    assert units["X1-CA"] == (10, None)
    assert units["T2"] == (9, 9)
    assert [(m.point, m.unit) for m in report.missing if m.point == "X1"] == [("X1", "X1-CA")]


def test_a_point_row_gives_its_single_units_count_but_not_a_shared_points(meeting):
    report = report_of(
        meeting, meeting.one_track(), [["Điểm cầu", "Số có mặt"], ["TU", 45], ["T1", 20]]
    )

    units = {u.unit: u.present for u in report.sittings[0].units}
    assert (units["T1"], units["TU"], units["CQ"]) == (20, None, None)


def test_more_present_than_expected_is_a_warning_not_an_error(meeting):
    report = report_of(meeting, meeting.one_track(), [["Điểm cầu", "Số có mặt"], ["T1", 23]])

    (notice,) = report.notices
    assert (notice.kind, notice.point, notice.present, notice.expected) == (
        NoticeKind.OVER_EXPECTED,
        "T1",
        23,
        21,
    )
    assert notice.where.endswith("rc.csv:2")
    assert report.sittings[0].points[2].rate == pytest.approx(23 / 21)


def test_a_point_count_that_disagrees_with_its_units_is_noted_and_the_point_wins(meeting):
    report = report_of(
        meeting,
        meeting.one_track(),
        [
            ["Mã điểm cầu", "Mã đơn vị", "Số có mặt"],
            ["X1", "", 40],
            ["X1", "X1-CA", 9],
            ["X1", "T2", 9],
        ],
    )

    x1 = report.sittings[0].points[1]
    assert (x1.present, x1.source) == (40, Source.SHEET)
    assert [(n.kind, n.present, n.expected) for n in report.notices] == [
        (NoticeKind.UNITS_DISAGREE, 40, 18)
    ]


def test_a_roll_call_sent_after_the_day_of_the_sitting_is_late(meeting):
    report = report_of(
        meeting,
        meeting.one_track(),
        [
            ["Điểm cầu", "Số có mặt", "Thời gian báo cáo"],
            ["TU", 45, "10/09/2023 16:00"],
            ["DB", 55, "11/09/2023 08:15"],
        ],
    )

    assert [(x.point, x.kind, x.at.strftime("%d/%m %H:%M")) for x in report.late] == [
        ("DB", LateKind.REPORTED_LATE, "11/09 08:15")
    ]


def test_the_deadline_can_be_hours_after_the_end(meeting):
    report = report_of(
        meeting,
        meeting.one_track(),
        [["Điểm cầu", "Số có mặt", "Thời gian báo cáo"], ["TU", 45, "2023-09-10 13:00"]],
        report_within=dt.timedelta(hours=2),
    )

    assert [(x.point, x.minutes) for x in report.late] == [("TU", 60)]


def test_no_roll_calls_at_all_gives_an_empty_but_complete_report(meeting):
    plan = meeting.plan()

    report = build_report(plan, RollCalls())

    assert report.total == Totals("Giờ sinh hoạt toàn Đảng bộ Quý III/2023", 177, 0, 0, 4, 0)
    assert len(report.missing) == 4
    assert report.total.rate is None


CELLS = (
    "mã,tên tổ chức đảng,loại,số đảng viên,số tổ đảng\n"
    "TU,Thị ủy Mỹ Hào,committee,40,\n"
    "DB,Đảng bộ Bệnh viện Phố Nối,agency,60,3\n"
)


def test_a_branch_meeting_as_party_cells_reports_each_cell(meeting):
    plan = meeting.plan(meeting.one_track(cells=True), roster=CELLS)
    sheet = meeting.csv(
        "rc.csv",
        [["Mã điểm cầu", "Mã đơn vị", "Số có mặt"], ["DB-cell1", "", 19], ["DB-cell2", "DB", 20]],
    )

    report = build_report(plan, load_roll_calls([sheet], plan))

    rows = {r.point: (r.expected, r.present) for r in report.sittings[0].points}
    assert rows == {
        "TU": (40, None),
        "DB-cell1": (20, 19),
        "DB-cell2": (20, 20),
        "DB-cell3": (20, None),
    }
    units = [(u.unit, u.point, u.present) for u in report.sittings[0].units if u.unit == "DB"]
    assert units == [("DB", "DB-cell1", 19), ("DB", "DB-cell2", 20), ("DB", "DB-cell3", None)]
    assert [m.point for m in report.missing] == ["TU", "DB-cell3"]


def test_a_branch_meeting_as_party_cells_cannot_report_as_a_whole(meeting):
    plan = meeting.plan(meeting.one_track(cells=True), roster=CELLS)
    sheet = meeting.csv("rc.csv", [["Đơn vị", "Số có mặt"], ["DB", 55]])

    with pytest.raises(InputError) as caught:
        load_roll_calls([sheet], plan)

    assert str(caught.value) == (
        f"{sheet}:2:Đơn vị: unit 'DB' meets as 3 party cells; report each cell as its own "
        "bridge point (DB-cell1, DB-cell2, DB-cell3)."
    )
