"""The list of bridge points of a meeting relayed in tiers (issue 17): the notice's DOCX
table and its XLSX twin gain the column "Tiếp sóng từ", naming the point each one hears the
meeting from; a meeting in one conference keeps its list as it was."""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl

from meetlink.cli import main

ROSTER = """\
mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm,cán bộ kỹ thuật,email
TU,Tỉnh ủy,committee,,40,Hội trường Tỉnh ủy,Ngô Văn An,ktv.tu@tinhuy.example.org
H1,Huyện ủy Cẩm Xuyên,district,TU,30,Hội trường Huyện ủy Cẩm Xuyên,Lê Văn Bình,ktv.h1@camxuyen.example.org
H1-X1,Đảng ủy xã Cẩm Hưng,commune,H1,20,Hội trường xã Cẩm Hưng,Đỗ Thị Cúc,ktv.x1@camhung.example.org
H1-X2,Đảng ủy xã Cẩm Thịnh,commune,H1,20,Hội trường xã Cẩm Thịnh,Hồ Văn Dũng,ktv.x2@camthinh.example.org
H2,Huyện ủy Kỳ Anh,district,TU,30,Hội trường Huyện ủy Kỳ Anh,Phan Văn Em,ktv.h2@kyanh.example.org
H2-X1,Đảng ủy xã Kỳ Tân,commune,H2,20,Hội trường xã Kỳ Tân,Trần Thị Gấm,ktv.x3@kytan.example.org
"""

MEETING = """\
id: hoi-nghi-2026
title: "Hội nghị quán triệt Nghị quyết"
kind: conference
organizer: {{name: "Văn phòng Tỉnh ủy", email: vp@tinhuy.example.org}}
roster: roster.csv
notice: {{kind: invitation, number: "12", issuers: ["TỈNH ỦY HÀ TĨNH"]}}
tracks:
  - id: main
    platform: memory
    units: {{kinds: [committee, district, commune]}}
    {capacity}
    sittings:
      - {{id: s1, start: 2026-02-07T08:00, end: 2026-02-07T11:30}}
"""

HEADING = "Tiếp sóng từ"
# the point each one hears the meeting from: the districts sit in the province's conference
EXPECTED = {
    "Tỉnh ủy": "",
    "Huyện ủy Cẩm Xuyên": "",
    "Đảng ủy xã Cẩm Hưng": "Huyện ủy Cẩm Xuyên",
    "Đảng ủy xã Cẩm Thịnh": "Huyện ủy Cẩm Xuyên",
    "Huyện ủy Kỳ Anh": "",
    "Đảng ủy xã Kỳ Tân": "Huyện ủy Kỳ Anh",
}


def notice(tmp_path: Path, capacity: str) -> Path:
    """Write the meeting (with ``capacity``, or none) and run ``meetlink notice`` on it."""
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    meeting = tmp_path / "meeting.yaml"
    meeting.write_text(MEETING.format(capacity=capacity), encoding="utf-8")
    target = tmp_path / "giay-moi.docx"
    assert main(["notice", str(meeting), "-o", str(target)]) == 0
    return target


def docx_list(path: Path) -> list[list[str]]:
    """The attached table of bridge points, its header row first."""
    tables = [
        [[cell.text for cell in row.cells] for row in table.rows]
        for table in docx.Document(str(path)).tables
    ]
    return next(t for t in tables if t and "Điểm cầu" in t[0])


def xlsx_list(path: Path) -> list[list[object]]:
    """The sheet's rows from its header ("STT …") down, empty cells as ""."""
    rows = [
        ["" if v is None else v for v in row]
        for row in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)
    ]
    start = next(i for i, row in enumerate(rows) if row[0] == "STT")
    return rows[start:]


def by_name(table: list[list[str]] | list[list[object]]) -> dict[object, object]:
    header = list(table[0])
    name, source = header.index("Điểm cầu"), header.index(HEADING)
    return {row[name]: row[source] for row in table[1:] if row[name] in EXPECTED}


def test_the_notice_and_its_sheet_name_each_points_relay(tmp_path: Path) -> None:
    target = notice(tmp_path, "capacity: 3")
    table = docx_list(target)
    assert HEADING in table[0]
    # beside the place, before the units: where the point is, then where it hears from
    assert table[0].index(HEADING) == table[0].index("Địa điểm") + 1
    assert by_name(table) == EXPECTED
    sheet = xlsx_list(target.with_suffix(".xlsx"))
    assert HEADING in sheet[0]
    assert by_name(sheet) == EXPECTED
    assert "Tổng cộng: 6 điểm cầu" in sheet[-1]


def test_a_meeting_in_one_conference_has_no_relay_column(tmp_path: Path) -> None:
    target = notice(tmp_path, "")
    assert HEADING not in docx_list(target)[0]
    assert HEADING not in xlsx_list(target.with_suffix(".xlsx"))[0]
