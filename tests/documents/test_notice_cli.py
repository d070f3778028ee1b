"""``meetlink notice MEETING.yaml -o FILE.docx``: the notice and, beside it, the XLSX list."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from tests.documents.docx_reading import open_docx, texts

from meetlink.cli import main
from meetlink.planning import Plan

EXAMPLE = Path(__file__).parents[2] / "examples" / "myhao-2023q3"


def test_the_command_writes_the_notice_and_the_list_beside_it(
    tmp_path: Path, myhao_plan: Plan, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "gui" / "thong-bao.docx"
    assert main(["notice", str(EXAMPLE / "meeting.yaml"), "-o", str(target)]) == 0
    sheet = target.with_suffix(".xlsx")
    assert target.is_file()
    assert sheet.is_file()
    assert "Số 125-TB/ThU" in texts(open_docx(target))
    names = {p.name for p in myhao_plan.bridge_points}
    cells = {
        str(cell)
        for row in openpyxl.load_workbook(sheet).worksheets[0].iter_rows(values_only=True)
        for cell in row
    }
    assert names <= cells  # every bridge point is listed in the sheet too
    out = capsys.readouterr().out
    assert str(target) in out
    assert str(sheet) in out


def test_a_bad_meeting_file_exits_2_with_a_located_problem_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "myhao"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".meetlink", "report"))
    meeting = folder / "meeting.yaml"
    text = meeting.read_text(encoding="utf-8").replace("  kind: thông báo\n", "  kind: công văn\n")
    meeting.write_text(text, encoding="utf-8")
    target = tmp_path / "thong-bao.docx"
    assert main(["notice", str(meeting), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    line = text.splitlines().index("  kind: công văn") + 1
    assert re.search(rf"{re.escape(str(meeting))}:{line}: notice\.kind", err), err
    assert not target.exists()
    assert not target.with_suffix(".xlsx").exists()


def test_the_output_must_be_a_docx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "thong-bao.pdf"
    assert main(["notice", str(EXAMPLE / "meeting.yaml"), "-o", str(target)]) == 2
    assert ".docx" in capsys.readouterr().err
    assert not target.exists()


def test_the_help_says_the_xlsx_is_written_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["notice", "--help"])
    assert "FILE.xlsx" in capsys.readouterr().out
