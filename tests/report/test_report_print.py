"""What the committee reads: the report printed as an office prints it, and no operator's path."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from meetlink.cli import main
from meetlink.loading import load_meeting
from meetlink.planning import plan_meeting
from meetlink.report import attendance_figure, build_report, load_roll_calls

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "myhao-2023q3"
MARKER = "HO-SO-CUA-NGUOI-CHAY-7f3a"  # a folder only the operator's machine has


@pytest.fixture(scope="module")
def myhao_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("report") / "report.xlsx"
    code = main(
        [
            "report",
            str(EXAMPLE / "meeting.yaml"),
            "--attendance",
            str(EXAMPLE / "roll-call.csv"),
            "-o",
            str(target),
            "--no-chart",
        ]
    )
    assert code == 0
    return target


def test_every_sheet_of_the_myhao_report_is_ready_to_print(myhao_report, print_problems):
    book = openpyxl.load_workbook(myhao_report)

    assert book.sheetnames == ["Tổng hợp", "Theo điểm cầu", "Theo đơn vị"]
    assert print_problems(book["Tổng hợp"], repeat_header=False) == []
    for sheet in book.worksheets[1:]:
        assert print_problems(sheet) == []
        assert sheet.print_title_rows  # the long tables: their header on every page
    points = book["Theo điểm cầu"]
    assert [points.cell(row=r, column=1).value for r in (1, 2, 3, 4)] == [
        "KẾT QUẢ ĐIỂM DANH THEO ĐIỂM CẦU",
        "Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023",
        "Thời gian: 08 giờ 00 ngày 10/9/2023",
        "78/80 điểm cầu đã báo cáo",
    ]


def test_no_sheet_or_cell_of_the_report_names_a_track_or_sitting_by_its_id(myhao_report):
    book = openpyxl.load_workbook(myhao_report)

    texts = [*book.sheetnames]
    texts += [str(v) for s in book.worksheets for row in s.iter_rows(values_only=True) for v in row]

    assert not [t for t in texts if "q3" in t or "toan-dang-bo" in t]


def test_no_path_of_the_operator_reaches_what_the_committee_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private = tmp_path / MARKER / "state"
    private.mkdir(parents=True)
    for name in ("meeting.yaml", "roster.csv", "roll-call.csv"):
        shutil.copy(EXAMPLE / name, private / name)
    out = tmp_path / "gui-ban-thuong-vu"

    code = main(
        [
            "report",
            str(private / "meeting.yaml"),
            "--attendance",
            str(private / "roll-call.csv"),
            "-o",
            str(out / "report.xlsx"),
        ]
    )

    printed, errors = capsys.readouterr()
    assert code == 0
    assert MARKER in errors  # the operator is told where the doubtful row is,
    assert MARKER not in printed.split("Đã ghi:")[0]  # the summary for the e-mail is not
    written = sorted(out.iterdir())
    assert {p.suffix for p in written} >= {".xlsx", ".txt", ".png"}
    for path in written:
        if path.suffix in (".xlsx", ".docx"):  # every part: cells, sheet names, headers
            with zipfile.ZipFile(path) as archive:
                for part in archive.namelist():
                    assert MARKER not in archive.read(part).decode("utf-8", "replace"), part
        elif path.suffix == ".txt":
            assert MARKER not in path.read_text(encoding="utf-8")
    loaded = load_meeting(private / "meeting.yaml")
    plan = plan_meeting(loaded.meeting, loaded.roster)
    report = build_report(plan, load_roll_calls([private / "roll-call.csv"], plan))
    figure = attendance_figure(report)
    assert not [t for t in figure.findobj() if MARKER in str(getattr(t, "get_text", str)())]


def test_the_myhao_report_prints_on_landscape_pages_each_the_whole_width(myhao_report, pdf_pages):
    pages = pdf_pages(myhao_report)

    assert len(pages) <= 12  # it printed on 16 before
    assert all(width > height for width, height, _ in pages)
    for number, (_, _, text) in enumerate(pages, start=1):
        assert f"Trang {number}/{len(pages)}" in text
        if number > 1:  # the tables of points and units: their header on every page
            assert "STT" in text
            assert "%" in text
