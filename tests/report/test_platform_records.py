"""The platform's own records: participants matched to bridge points, and the leftovers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from meetlink.adapters.models import AttendanceEntry
from meetlink.errors import InputError
from meetlink.report import (
    LateKind,
    Source,
    build_report,
    load_roll_calls,
    match_participant,
    roll_calls_from_platform,
)

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2023, 9, 10, hour, minute, tzinfo=ZONE)


def entry(name: str, joined: dt.datetime | None = None, **keys) -> AttendanceEntry:
    return AttendanceEntry(display_name=name, joined_at=joined or at(7, 50), **keys)


def test_participants_are_matched_by_name_code_or_the_platforms_point_id(meeting):
    plan = meeting.plan()
    records = {
        "main/s1": [
            entry("thị ủy mỹ hào"),  # the point's name, any case
            entry("Điểm cầu X1 - Hội trường xã"),  # the code as a word of the name
            entry("Phòng họp 2", point_id="DB"),  # the platform knows the endpoint
            entry("Chi bo thon Lo Xa (may 2)"),  # the host unit's name without accents
            entry("Chi bộ thôn Lỗ Xá"),
        ]
    }

    result = roll_calls_from_platform(plan, records)

    assert {c.point: c.participants for c in result.connections} == {
        "TU": 1,
        "X1": 1,
        "DB": 1,
        "T1": 2,
    }
    assert result.unmatched == ()


def test_unmatched_and_ambiguous_participants_are_listed_with_the_reason(meeting):
    plan = meeting.plan()
    records = {
        "main/s1": [
            entry("Nguyễn Văn Tuấn", at(8, 5)),  # "TU" is not a whole word of "Tuấn"
            entry("TU và T1 chung máy", at(8, 1)),
            entry("TU", at(7, 55)),
        ]
    }

    result = roll_calls_from_platform(plan, records)

    assert [(u.display_name, u.reason) for u in result.unmatched] == [
        ("TU và T1 chung máy", "the name fits several bridge points: T1, TU."),
        ("Nguyễn Văn Tuấn", "the name contains no bridge point's code or name."),
    ]
    assert [c.point for c in result.connections] == ["TU"]


def test_a_per_point_conference_puts_every_participant_at_its_point(meeting):
    plan = meeting.plan(meeting.one_track(conference="per_point"))

    result = roll_calls_from_platform(
        plan, {"main/s1/T1": [entry("Anh Ba"), entry("Chị Tư"), entry("anh ba")]}
    )

    assert [(c.point, c.participants) for c in result.connections] == [("T1", 2)]


def test_points_of_a_covered_conference_that_never_joined_are_marked(meeting):
    plan = meeting.plan()
    sheet = meeting.csv("rc.csv", [["Điểm cầu", "Số có mặt"], ["TU", 45], ["X1", 40]])
    platform = roll_calls_from_platform(plan, {"main/s1": [entry("TU"), entry("T1", at(8, 12))]})

    report = build_report(plan, load_roll_calls([sheet], plan).merge(platform))

    rows = {r.point: r for r in report.sittings[0].points}
    assert (rows["TU"].present, rows["TU"].source, rows["TU"].connected) == (45, Source.SHEET, True)
    assert (rows["X1"].present, rows["X1"].connected) == (40, False)  # reported, never seen
    assert (rows["T1"].present, rows["T1"].source) == (1, Source.PLATFORM)
    assert (rows["DB"].present, rows["DB"].connected) == (None, False)
    assert [(m.point, m.connected) for m in report.missing] == [("DB", False)]
    assert [(x.point, x.kind, x.minutes) for x in report.late] == [("T1", LateKind.JOINED_LATE, 12)]


def test_without_platform_records_connection_is_unknown(meeting):
    plan = meeting.plan()
    sheet = meeting.csv("rc.csv", [["Điểm cầu", "Số có mặt"], ["TU", 45]])

    report = build_report(plan, load_roll_calls([sheet], plan))

    assert {r.connected for r in report.sittings[0].points} == {None}


def test_an_unknown_conference_key_is_an_input_error(meeting):
    plan = meeting.plan()

    with pytest.raises(InputError) as caught:
        roll_calls_from_platform(plan, {"main/s9": [entry("TU")]})

    assert str(caught.value) == (
        "platform records:main/s9: the plan has no conference 'main/s9'; use one of main/s1."
    )


def test_a_point_id_from_another_conference_is_not_trusted(meeting):
    plan = meeting.plan()

    point, reason = match_participant(entry("x", point_id="ELSEWHERE"), plan.bridge_points)

    assert point is None
    assert reason == "the platform names bridge point 'ELSEWHERE', not in this conference."
