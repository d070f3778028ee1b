"""Issue 16: a hand-out and a slip list the days a recurring sitting is actually held.

A year of first Sundays with February skipped and September moved a week later to the
afternoon: the officer's e-mail and the printed slip leave February out, give September at
its new day and hour, and say what changed. The times come from the plan, through
``meetlink.reconcile.handouts.sitting_times`` as ``open`` and ``credentials slip`` take them.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import docx
import pytest
from tests.recurring_meeting import year_plan

from meetlink.credentials.handout import (
    HandOutCard,
    SittingTime,
    handout_message,
    sitting_changes,
    sitting_dates,
    sitting_when,
)
from meetlink.credentials.vault import Credential
from meetlink.documents.slip import Slip, SlipSitting, slip_docx
from meetlink.loading.roster import Contact
from meetlink.reconcile.handouts import sitting_times

CREDENTIAL = Credential(login="cb01", password="Mk-7Qz-2024")


def year_times(files: Any, language: str = "vi") -> tuple[SittingTime, ...]:
    """The monthly sitting's times as ``open`` hands them out."""
    return sitting_times(year_plan(files, language), "main", ("monthly",))


def body_lines(times: tuple[SittingTime, ...], language: str = "vi") -> dict[str, str]:
    card = HandOutCard(
        meeting_id="gio-sinh-hoat-2024",
        meeting_title="Giờ sinh hoạt toàn Đảng bộ năm 2024",
        point_id="CB01",
        point_name="Chi bộ cơ quan số 1",
        hall="Phòng họp số 1",
        unit_name="Chi bộ cơ quan số 1",
        officer=Contact(name="Lê Văn Bình", email="ktv1@thiuy.example.org"),
        organizer_email="vp@thiuy.example.org",
        conference="main/monthly",
        sittings=times,
        language="en" if language == "en" else "vi",
    )
    message = handout_message(card, CREDENTIAL, version=1)
    body = message.parsed.get_content()
    return dict(line.split(": ", 1) for line in body.splitlines() if ": " in line)


def test_the_hand_out_leaves_a_skipped_occurrence_out_and_gives_a_moved_one_its_new_hour(
    files: Any,
) -> None:
    lines = body_lines(year_times(files))
    days = lines["Các ngày"].split(", ")
    assert len(days) == 11
    assert "Chủ nhật 4/2/2024" not in days
    assert "Chủ nhật 1/9/2024" not in days
    assert "Chủ nhật 8/9/2024 (từ 14 giờ 00)" in days
    assert days[0] == "Chủ nhật 7/1/2024"
    assert days[-1] == "Chủ nhật 1/12/2024"
    assert lines["Thay đổi"] == (
        "Chủ nhật 4/2/2024 không tổ chức; Chủ nhật 1/9/2024 chuyển sang Chủ nhật 8/9/2024, "
        "từ 14 giờ 00 do trùng nghỉ lễ Quốc khánh"
    )
    # the hours alone: the first date is in the list, not in the time
    assert lines["Thời gian"] == "Từ 08 giờ 00 đến 10 giờ 00"


def test_the_english_hand_out_lists_the_same_days(files: Any) -> None:
    lines = body_lines(year_times(files, "en"), "en")
    days = lines["Dates"].split(", ")
    assert "Sunday 4 February 2024" not in days
    assert "Sunday 8 September 2024 (at 14:00)" in days
    assert lines["Time"] == "From 08:00 to 10:00"
    assert lines["Changes"].startswith("Sunday 4 February 2024 not held; ")


@pytest.fixture
def slip_rows(files: Any) -> dict[str, str]:
    """The slip's table rows (label → value), its sitting made as ``credentials slip``
    makes it (:mod:`meetlink.reconcile.lifecycle`)."""
    (sitting,) = year_times(files)
    slip = Slip(
        meeting_title="Giờ sinh hoạt toàn Đảng bộ năm 2024",
        point_name="Chi bộ cơ quan số 1",
        unit_name="Chi bộ cơ quan số 1",
        hall="Phòng họp số 1",
        sittings=(
            SlipSitting(
                when=sitting_when(sitting),
                dates=sitting_dates(sitting),
                changes=sitting_changes(sitting),
                login="cb01",
                password="Mk-7Qz-2024",
            ),
        ),
        rule="Tên đăng nhập và mật khẩu này chỉ dành riêng cho cán bộ kỹ thuật.",
    )
    document = docx.Document(io.BytesIO(slip_docx(slip)))
    rows: dict[str, str] = {}
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            if len(cells) >= 2 and cells[0]:
                rows[cells[0]] = cells[-1]
    return rows


def test_the_slip_prints_the_days_held_and_the_changes(slip_rows: dict[str, str]) -> None:
    assert slip_rows["Thời gian"] == "Từ 08 giờ 00 đến 10 giờ 00"
    days = slip_rows["Các ngày"].split(", ")
    assert "Chủ nhật 4/2/2024" not in days
    assert "Chủ nhật 8/9/2024 (từ 14 giờ 00)" in days
    assert "Chủ nhật 4/2/2024 không tổ chức" in slip_rows["Thay đổi"]


def test_a_sitting_without_the_plans_occurrences_lists_the_rules_dates() -> None:
    sitting = SittingTime(
        start=dt.datetime(2024, 1, 7, 8), end=None, recurrence="FREQ=MONTHLY;BYDAY=1SU"
    )
    dates = sitting_dates(sitting)
    assert dates.startswith("Chủ nhật 7/1/2024, Chủ nhật 4/2/2024")
    assert dates.endswith(", …")  # no end: a year listed, more to come
    assert sitting_changes(sitting) == ""
