"""The attendance chart: a PNG with a bar per bridge point, labelled with the points' names."""

from __future__ import annotations

import pytest

from meetlink.report import (
    attendance_figure,
    build_report,
    chart_bars,
    draw_attendance_chart,
    load_roll_calls,
)

image = pytest.importorskip("matplotlib.image")

COMMUNES = ["Nhân Hòa", "Dị Sử", "Bạch Sam", "Minh Đức", "Phùng Chí Kiên", "Xuân Dục", "Ngọc Lâm"]


def many_points(count: int) -> tuple[str, list[list[object]]]:
    """A roster of a committee and ``count - 1`` villages with their own points, and a roll
    call: rates from 80% to 100%, the 7th point missing, the 11th over its seats."""
    lines = ["mã,tên tổ chức đảng,loại,số đảng viên,trực thuộc", "TU,Thị ủy Mỹ Hào,committee,40,"]
    rows: list[list[object]] = [["Mã điểm cầu", "Số có mặt"], ["TU", 38]]
    for n in range(1, count):
        commune = COMMUNES[n % len(COMMUNES)]
        members = 20 + n % 17
        lines.append(f"V{n:02d},Chi bộ Tổ dân phố số {n} {commune},village,{members},")
        if n == 7:
            continue
        present = members + 2 if n == 11 else round(members * (0.8 + 0.2 * ((n * 7) % 10) / 9))
        rows.append([f"V{n:02d}", present])
    return "\n".join(lines) + "\n", rows


def report_with(meeting, count: int):
    roster, rows = many_points(count)
    plan = meeting.plan(roster=roster)
    return build_report(plan, load_roll_calls([meeting.csv("rc.csv", rows)], plan))


def test_the_chart_is_a_png_that_grows_taller_with_the_points(meeting, tmp_path):
    small = draw_attendance_chart(report_with(meeting, 5), tmp_path / "5.png")
    large = draw_attendance_chart(report_with(meeting, 50), tmp_path / "50.png", target=0.95)

    small_px, large_px = image.imread(small).shape, image.imread(large).shape
    assert small.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert large_px[1] == small_px[1]  # same width
    assert large_px[0] > 3 * small_px[0]
    assert large_px[0] >= 50 * 0.3 * 100  # at least 0.3 inch (30 px) per bar


def test_the_bars_are_labelled_with_the_vietnamese_point_names(meeting):
    report = report_with(meeting, 50)

    figure = attendance_figure(report, target=0.9)

    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert len(labels) == 50
    assert labels[:3] == [
        "Thị ủy Mỹ Hào",
        "Chi bộ Tổ dân phố số 1 Dị Sử",
        "Chi bộ Tổ dân phố số 2 Bạch Sam",
    ]
    assert labels == [p.name for p in report.sittings[0].points]


def test_the_target_line_and_the_missing_points_are_drawn(meeting):
    report = report_with(meeting, 12)

    axes = attendance_figure(report, target=0.85).axes[0]

    assert [line.get_xdata()[0] for line in axes.get_lines()] == [0.85]
    assert axes.get_legend_handles_labels()[1] == ["Mục tiêu 85%"]
    texts = [t.get_text() for t in axes.texts]
    assert texts.count("chưa báo cáo") == 1
    bars, total = chart_bars(report)
    assert (total, bars[7].rate) == (12, None)
    assert bars[11].rate > 1  # over its seats: drawn past 100%


def test_past_the_limit_only_the_lowest_rates_are_drawn(meeting):
    report = report_with(meeting, 30)

    bars, total = chart_bars(report, max_points=10)
    axes = attendance_figure(report, max_points=10).axes[0]

    assert (len(bars), total) == (10, 30)
    every = chart_bars(report)[0]
    drawn = [b.rate for b in bars if b.rate is not None]
    left_out = [b.rate for b in every if b not in bars]
    assert "Chi bộ Tổ dân phố số 7 Nhân Hòa" in [b.label for b in bars]  # missing: always shown
    assert max(drawn) <= min(r for r in left_out if r is not None)
    assert [b.label for b in bars] == [b.label for b in every if b in bars]  # plan order kept
    assert "10 điểm cầu có tỷ lệ thấp nhất / 30" in axes.get_title()
