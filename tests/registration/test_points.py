"""Seed 001's layout: districts register the points they open down to their communes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import header_row, run
from meetlink import load_meeting
from meetlink.planning import plan_meeting
from meetlink.registration.context import load_context
from meetlink.registration.status import registration_status

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hatinh-2023-12"
REGISTRATION = """
registration:
  layout: điểm cầu
  organizations: don-vi.csv
  deadline: 2023-12-01T17:00
  required: {ids: [H-CX, H-CL, H-DT]}
  letter: {subject: "đăng ký điểm cầu Hội nghị", list_title: "Đăng ký điểm cầu đến cấp xã"}
"""


@pytest.fixture
def province(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE / "roster.csv", tmp_path / "don-vi.csv")
    text = (EXAMPLE / "meeting.yaml").read_text(encoding="utf-8")
    text = text.replace("roster: roster.csv", "roster: roster-dang-ky.csv")
    text = text.replace("platform: provisioned", "platform: memory")
    path = tmp_path / "meeting.yaml"
    path.write_text(text + REGISTRATION, encoding="utf-8")
    return path


def _register_point(form: Path, out: Path, name: str, delegates: int) -> Path:
    book = openpyxl.load_workbook(form)
    sheet = book.active
    top = header_row(sheet)
    titles = {c.value: c.column for c in sheet[top]}
    row = top + 1
    while sheet.cell(row=row, column=titles["Tên điểm cầu"]).value:
        sheet.cell(row=row, column=titles["Số đại biểu"], value=20)
        row += 1
    for title, value in (
        ("Tên điểm cầu", name),
        ("Cấp", "Cấp xã"),
        ("Địa điểm", f"Hội trường UBND {name}"),
        ("Số đại biểu", delegates),
        ("Đồng chí chủ trì", "Lê Văn Bình"),
        ("Email nhận giấy mời", "ubnd@camxuyen.example.org"),
    ):
        sheet.cell(row=row, column=titles[title], value=value)
    book.save(out)
    return out


def test_districts_return_points_one_late_one_not_at_all_and_the_points_join_their_district(
    province: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forms = tmp_path / "phieu"
    assert run("registration", "form", province, "-o", forms) == 0
    assert sorted(p.name for p in forms.glob("*.xlsx")) == [
        "phieu-dang-ky-H-CL.xlsx",
        "phieu-dang-ky-H-CX.xlsx",
        "phieu-dang-ky-H-DT.xlsx",
    ]
    cx = _register_point(forms / "phieu-dang-ky-H-CX.xlsx", tmp_path / "cx.xlsx", "xã Cẩm Bình", 40)
    cl = _register_point(forms / "phieu-dang-ky-H-CL.xlsx", tmp_path / "cl.xlsx", "xã Kim Song", 35)
    assert run("registration", "collect", province, cx, "--received", "2023-12-01T10:00") == 0
    assert run("registration", "collect", province, cl, "--received", "2023-12-01T18:30") == 0

    rows = {r.id: r.state for r in registration_status(load_context(province))}
    assert rows == {"H-CX": "returned", "H-CL": "late", "H-DT": "not_returned"}
    assert run("registration", "status", province) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Tổng: 1 đã gửi, 1 gửi muộn, 1 chưa gửi"

    review = tmp_path / "xet-duyet.xlsx"
    assert run("registration", "review", province, "-o", review) == 0
    book = openpyxl.load_workbook(review)
    top = header_row(book.active)
    titles = {c.value: c.column for c in book.active[top]}
    for row in (top + 1, top + 2):
        book.active.cell(row=row, column=titles["Quyết định"], value="đồng ý")
    book.save(review)
    assert run("registration", "collect", province, review) == 0

    loaded = load_meeting(province)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    registered = {u.id: u for u in loaded.roster.units if u.name.startswith("xã ")}
    assert {u.name: u.parent for u in registered.values()} == {
        "xã Cẩm Bình": "H-CX",
        "xã Kim Song": "H-CL",
    }
    points = {p.id: p for p in plan.bridge_points}
    for unit in registered.values():
        assert points[unit.id].location == f"Hội trường UBND {unit.name}"
        assert set(points[unit.id].seats.values()) == {unit.members}
    assert loaded.roster.by_id()["H-CX-3"].chair == "Lê Văn Bình"
    register = json.loads((province.parent / ".meetlink" / "registration.json").read_text())
    assert register["returns"]["H-CX"]["rows"]["points"][-1]["delegates"] == 40
