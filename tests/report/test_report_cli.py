"""`meetlink report`: the report files, blank sheets, and exit code 2 with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetlink.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "myhao-2023q3"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def meeting_file(meeting):
    return meeting.write()


@pytest.fixture
def sheet(meeting):
    return meeting.csv("rc.csv", [["Điểm cầu", "Số có mặt"], ["TU", 45], ["X1", 48], ["T1", 18]])


def test_the_report_writes_the_workbook_summary_and_chart_and_prints_the_summary(
    meeting_file, sheet, tmp_path, capsys
):
    target = tmp_path / "out" / "report.xlsx"

    code, out, err = run(
        capsys, "report", str(meeting_file), "--attendance", str(sheet), "-o", str(target)
    )

    assert (code, err) == (0, "")
    assert sorted(p.name for p in target.parent.iterdir()) == [
        "report-chart.png",
        "report-summary.txt",
        "report.docx",
        "report.xlsx",
    ]
    summary = (target.parent / "report-summary.txt").read_text(encoding="utf-8")
    assert out.startswith(summary)
    assert "- Đảng bộ Bệnh viện Phố Nối (DB)" in summary.splitlines()  # one sitting: no name
    assert f"Đã ghi: {target}" in out


def test_a_csv_report_and_no_chart_on_request(meeting_file, sheet, tmp_path, capsys):
    target = tmp_path / "report.csv"

    code, _, _ = run(
        capsys, "report", str(meeting_file), "--attendance", str(sheet), "-o", str(target),
        "--no-chart", "--target", "95%",
    )  # fmt: skip

    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("report")) == [
        "report-summary.txt",
        "report.csv",
    ]
    assert "mục tiêu 95%" in (tmp_path / "report-summary.txt").read_text(encoding="utf-8")


def test_without_an_output_only_the_summary_is_printed(meeting_file, sheet, meeting, capsys):
    before = sorted(meeting.root.iterdir())

    code, out, _ = run(capsys, "report", str(meeting_file), "--attendance", str(sheet))

    assert code == 0
    assert out.startswith("BÁO CÁO NHANH KẾT QUẢ ĐIỂM DANH\n")
    assert sorted(meeting.root.iterdir()) == before


def test_bad_roll_calls_exit_2_with_located_problems_and_nothing_written(
    meeting_file, meeting, tmp_path, capsys
):
    bad = meeting.csv("bad.csv", [["Điểm cầu", "Số có mặt"], ["TU", 45], ["ZZ", 3], ["TU", 44]])
    target = tmp_path / "out" / "report.xlsx"

    code, out, err = run(
        capsys, "report", str(meeting_file), "--attendance", str(bad), "-o", str(target)
    )

    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{bad}:3:Điểm cầu: no bridge point of this meeting has the code or name 'ZZ'; use the "
        "code from the plan or the blank roll call.",
        f"{bad}:4:Điểm cầu: bridge point 'TU', sitting 's1', is already reported on {bad}:2; "
        "keep one row per point (or unit) and sitting.",
        "meetlink: 2 problems found; nothing was done.",
    ]
    assert not target.parent.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--attendance", "{sheet}", "-o", "{tmp}/report.pdf"],
            "the report is written as .xlsx or .csv",
        ),
        (
            ["--attendance", "{tmp}/nowhere.csv", "-o", "{tmp}/r.xlsx"],
            "the roll-call sheet does not exist",
        ),
        (["--blank"], "--blank needs -o FOLDER"),
    ],
)
def test_bad_options_exit_2(meeting_file, sheet, tmp_path, capsys, args, message):
    argv = [a.format(sheet=sheet, tmp=tmp_path) for a in args]

    code, _, err = run(capsys, "report", str(meeting_file), *argv)

    assert code == 2
    assert message in err
    assert not any(p.suffix in (".xlsx", ".pdf", ".png") for p in tmp_path.iterdir())


def test_blank_sheets_are_written_per_point_into_a_folder(meeting_file, tmp_path, capsys):
    code, out, _ = run(capsys, "report", str(meeting_file), "--blank", "-o", str(tmp_path / "dd"))

    assert code == 0
    assert sorted(p.name for p in (tmp_path / "dd").iterdir()) == [
        "DB.xlsx",
        "T1.xlsx",
        "TU.xlsx",
        "X1.xlsx",
    ]
    assert out == f"4 blank roll-call sheet(s) written to {tmp_path / 'dd'}.\n"


def test_the_myhao_example_reports_two_missing_points_and_one_over(tmp_path, capsys):
    target = tmp_path / "x" / "report.xlsx"

    code, out, err = run(
        capsys, "report", str(EXAMPLE / "meeting.yaml"), "--attendance",
        str(EXAMPLE / "roll-call.csv"), "-o", str(target),
    )  # fmt: skip

    assert code == 0
    assert err.splitlines() == [  # where the warning came from: for the operator alone
        f"meetlink: {EXAMPLE / 'roll-call.csv'}:66: Point X-HL-V3 (Chi bộ Thôn Nam Hưng Long): "
        "16 present, more than the 14 expected; please check."
    ]
    assert "- Số điểm cầu: 80; đã gửi điểm danh: 78 (97,5%)." in out
    assert "roll-call.csv" not in out
    assert "2. Điểm cầu chưa gửi điểm danh (2)" in out
    assert out.count("nhiều hơn") == 1
    assert target.exists()


def test_an_output_that_cannot_be_written_exits_2(meeting_file, sheet, tmp_path, capsys):
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    target = tmp_path / "a-file" / "report.xlsx"

    code, out, err = run(
        capsys, "report", str(meeting_file), "--attendance", str(sheet), "-o", str(target)
    )

    assert (code, out) == (2, "")
    assert "cannot write the output" in err
