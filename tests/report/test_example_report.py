"""The Mỹ Hào example carries its filled roll call and the report made from it; the report
in the repository must be what meetlink makes from that roll call today."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetlink.cli import main

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "myhao-2023q3"


def test_the_example_report_is_what_the_roll_call_gives_today(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)  # the command as the guide gives it
    code = main(
        [
            "report",
            "examples/myhao-2023q3/meeting.yaml",
            "--attendance",
            "examples/myhao-2023q3/roll-call.csv",
            "-o",
            str(tmp_path / "report.xlsx"),
        ]
    )
    assert code == 0
    made = (tmp_path / "report-summary.txt").read_text(encoding="utf-8")
    kept = (EXAMPLE / "report" / "report-summary.txt").read_text(encoding="utf-8")
    assert made == kept
    assert "roll-call.csv" not in made  # the committee's text names no file of the operator
    assert (EXAMPLE / "report" / "report.xlsx").stat().st_size > 0
    assert (EXAMPLE / "report" / "report-chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "BÁO CÁO NHANH KẾT QUẢ ĐIỂM DANH" in capsys.readouterr().out
