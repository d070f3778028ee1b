"""The result report to the committee as a DOCX in the Party's form (BÁO CÁO), beside the XLSX
that ``meetlink report -o report.xlsx`` writes."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from meetlink.cli import main
from meetlink.planning import Plan, plan_meeting
from meetlink.reconcile.setup import load_meeting
from meetlink.report import Report, build_report, load_roll_calls
from meetlink.report.document import write_report_docx

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "myhao-2023q3"


@pytest.fixture(scope="module")
def example() -> tuple[Report, Plan]:
    loaded = load_meeting(EXAMPLE / "meeting.yaml")
    plan = plan_meeting(loaded.meeting, loaded.roster)
    return build_report(plan, load_roll_calls([EXAMPLE / "roll-call.csv"], plan)), plan


def _lines(document: docx.document.Document) -> list[str]:
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines += [p.text for cell in row.cells for p in cell.paragraphs]
    return lines


def test_the_report_is_a_bao_cao_in_the_party_form(
    example: tuple[Report, Plan], tmp_path: Path
) -> None:
    report, plan = example
    document = docx.Document(str(write_report_docx(report, plan, tmp_path / "bao-cao.docx")))
    lines = _lines(document)
    for expected in (
        "ĐẢNG BỘ TỈNH HƯNG YÊN",
        "THỊ ỦY MỸ HÀO",
        "Số \u00a0\u00a0\u00a0\u00a0\u00a0\u00a0-BC/ThU",  # numbered by hand; tail of 125-TB/ThU
        "Mỹ Hào, ngày … tháng … năm …",
        "BÁO CÁO",
        "Kết quả tổ chức Giờ sinh hoạt toàn Đảng bộ thị xã Quý III/2023",
        "- Lưu VPThU.",
        "T/L BAN THƯỜNG VỤ",
        "Kiều Thanh Khắc",
    ):
        assert expected in lines, expected
    total = report.total
    figures = f"- Số điểm cầu đã gửi điểm danh: {total.points_reported}/{total.points} (97,5%)."
    assert figures in lines
    assert any(line.startswith("- Có mặt: 3.712/3.935 đảng viên") for line in lines)


def test_the_report_has_one_row_per_bridge_point(
    example: tuple[Report, Plan], tmp_path: Path
) -> None:
    report, plan = example
    document = docx.Document(str(write_report_docx(report, plan, tmp_path / "bao-cao.docx")))
    table = document.tables[-2]  # the last is the signature block's
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0][:2] == ["STT", "Điểm cầu"]
    assert len(rows) - 1 == len(plan.bridge_points)
    assert [r[1] for r in rows[1:]] == [p.name for p in plan.bridge_points]
    missing = {m.name for m in report.missing}
    for row in rows[1:]:
        assert (row[5] == "Chưa gửi điểm danh") == (row[1] in missing), row
    header = table.rows[0]._tr.trPr
    assert header is not None
    assert header.find(qn("w:tblHeader")) is not None
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            assert run.font.name == "Times New Roman"


def _png(path: Path, width: int, height: int) -> Path:
    """A white picture of the given size (as tall as a chart of many bridge points)."""
    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    signature = b"\x89PNG\r\n\x1a\n"
    idat = chunk(b"IDAT", zlib.compress(rows))
    path.write_bytes(signature + chunk(b"IHDR", header) + idat + chunk(b"IEND", b""))
    return path


def test_the_chart_is_inserted_when_one_was_drawn_and_never_taller_than_the_page(
    example: tuple[Report, Plan], tmp_path: Path
) -> None:
    report, plan = example
    chart = _png(tmp_path / "chart.png", 300, 1200)
    with_chart = write_report_docx(report, plan, tmp_path / "a.docx", chart=chart)
    without = write_report_docx(report, plan, tmp_path / "b.docx")
    assert len(docx.Document(str(without)).inline_shapes) == 0
    shapes = docx.Document(str(with_chart)).inline_shapes
    assert len(shapes) == 1
    assert shapes[0].height is not None
    assert shapes[0].height.mm < 257  # A4 less the margins
    assert shapes[0].width.mm < shapes[0].height.mm / 3.9  # the picture keeps its shape


def test_the_report_command_writes_the_docx_beside_the_xlsx(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.xlsx"
    code = main(
        ["report", str(EXAMPLE / "meeting.yaml"), "--attendance",
         str(EXAMPLE / "roll-call.csv"), "-o", str(target), "--no-chart"]
    )  # fmt: skip
    assert code == 0
    written = target.with_suffix(".docx")
    lines = _lines(docx.Document(str(written)))
    assert "BÁO CÁO" in lines
    assert not any(str(EXAMPLE) in line or "roll-call.csv" in line for line in lines)
