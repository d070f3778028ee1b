"""Issue 16: the texts for chat groups and SMS list the days a recurring sitting is held.

February skipped and September moved a week later to the afternoon: the Zalo text, the plain
text and the SMS leave February out and give September at its new day and hour; the Zalo and
plain texts say what changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.recurring_meeting import year_plan

from meetlink.invites.announce import Announcement, announcements_for, render_announcement


def year_text(files: Any, form: str, language: str = "vi") -> str:
    plan = year_plan(files, language)
    links = {("main/monthly", p): "https://meet.example/y" for p in ("TU", "CB01")}
    (announcement,) = announcements_for(plan, links)
    return render_announcement(announcement, form)  # type: ignore[arg-type]


def line(text: str, label: str) -> str:
    return next(x for x in text.splitlines() if x.lstrip("- ").startswith(label))


@pytest.mark.parametrize("form", ["zalo", "text"])
def test_the_text_leaves_a_skipped_occurrence_out_and_gives_a_moved_one_its_new_hour(
    files: Any, form: str
) -> None:
    text = year_text(files, form)
    days = line(text, "Các ngày: ").split(": ", 1)[1].rstrip(".").split(", ")
    assert len(days) == 11
    assert "Chủ nhật 4/2/2024" not in days
    assert "Chủ nhật 1/9/2024" not in days
    assert "Chủ nhật 8/9/2024 (từ 14 giờ 00)" in days
    changes = line(text, "Thay đổi: ")
    assert "Chủ nhật 4/2/2024 không tổ chức" in changes
    assert "Chủ nhật 1/9/2024 chuyển sang Chủ nhật 8/9/2024, từ 14 giờ 00" in changes
    # the time is the hours alone: no single date that might be the skipped one
    time = line(text, "Thời gian: ").split(": ", 1)[1]
    assert time.startswith("Từ 08 giờ 00 đến 10 giờ 00")
    assert "ngày" not in time


def test_the_sms_lists_the_days_held(files: Any) -> None:
    sms = " ".join(year_text(files, "sms").splitlines())
    assert "08:00-10:00 7/1/2024, 3/3/2024," in sms
    assert "4/2/2024" not in sms
    assert "1/9/2024" not in sms
    assert "8/9/2024 14:00" in sms


def test_the_english_text_lists_the_same_days(files: Any) -> None:
    text = year_text(files, "zalo", "en")
    assert "Sunday 4 February 2024," not in line(text, "Dates: ")
    assert "Sunday 8 September 2024 (at 14:00)" in line(text, "Dates: ")
    assert "Sunday 4 February 2024 not held" in line(text, "Changes: ")


def test_a_single_sitting_keeps_its_day_in_the_time() -> None:
    a = Announcement(
        title="Hội nghị",
        start=dt.datetime(2023, 9, 10, 8),
        end=dt.datetime(2023, 9, 10, 10),
    )
    text = render_announcement(a, "zalo")
    assert "Thời gian: Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023." in text
    assert "Các ngày" not in text
    assert "Thay đổi" not in text
