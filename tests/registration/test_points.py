"""Seed 001's layout: districts register the points they open down to their communes, with
their delegates; the province compiles the list of delegates per point."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from registration_forms import header_row, run

from meetlink import load_meeting
from meetlink.loading.registration import RegistrationLayout
from meetlink.loading.roster import Roster, Unit
from meetlink.planning import PointRole, plan_meeting
from meetlink.planning.points import point_list
from meetlink.registration.context import load_context
from meetlink.registration.form import prefilled_rows
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
CAM_XUYEN = [
    {
        "Tên điểm cầu": "xã Cẩm Bình",
        "Cấp": "Cấp xã",
        "Địa điểm": "Hội trường UBND xã Cẩm Bình",
        "Đơn vị kết nối": "Đảng ủy xã; Công an xã; Trường THCS Cẩm Bình",
        "Số đại biểu": 40,
        "Đồng chí chủ trì": "Lê Văn Bình",
        "Email nhận giấy mời": "ubnd@cambinh.example.org",
    },
    {
        "Tên điểm cầu": "xã Cẩm Vịnh",
        "Cấp": "Cấp xã",
        "Địa điểm": "Hội trường UBND xã Cẩm Vịnh",
        "Số đại biểu": 35,
        "Đồng chí chủ trì": "Trần Thị Hoa",
    },
]
CAN_LOC = [
    {
        "Tên điểm cầu": "xã Kim Song",
        "Cấp": "Cấp xã",
        "Địa điểm": "Hội trường UBND xã Kim Song",
        "Số đại biểu": 30,
    },
]


@pytest.fixture
def province(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE / "roster.csv", tmp_path / "don-vi.csv")
    text = (EXAMPLE / "meeting.yaml").read_text(encoding="utf-8")
    text = text.replace("roster: roster.csv", "roster: roster-dang-ky.csv")
    text = text.replace("platform: provisioned", "platform: memory")
    # a district's own point is of kind `district`: the track takes it
    text = text.replace("kinds: [committee, commune,", "kinds: [committee, district, commune,")
    path = tmp_path / "meeting.yaml"
    path.write_text(text + REGISTRATION, encoding="utf-8")
    return path


def _return(
    form: Path, out: Path, delegates: Mapping[str, int], points: Sequence[Mapping[str, Any]]
) -> Path:
    """Fill in a district's form: the delegates of the rows it came with, then new points."""
    book = openpyxl.load_workbook(form)
    sheet = book.active
    top = header_row(sheet)
    titles = {c.value: c.column for c in sheet[top]}
    row = top + 1
    while code := sheet.cell(row=row, column=titles["Mã"]).value:
        sheet.cell(row=row, column=titles["Số đại biểu"], value=delegates[code])
        row += 1
    for offset, values in enumerate(points):
        for title, value in values.items():
            sheet.cell(row=row + offset, column=titles[title], value=value)
    book.save(out)
    return out


def _approve_all(province: Path, review: Path) -> None:
    assert run("registration", "review", province, "-o", review) == 0
    book = openpyxl.load_workbook(review)
    top = header_row(book.active)
    titles = {c.value: c.column for c in book.active[top]}
    row = top + 1
    while book.active.cell(row=row, column=titles["Mã"]).value:
        book.active.cell(row=row, column=titles["Quyết định"], value="đồng ý")
        row += 1
    book.save(review)
    assert run("registration", "collect", province, review) == 0


@pytest.fixture
def returned(province: Path, tmp_path: Path) -> Path:
    """Cẩm Xuyên returns on time, Can Lộc after the deadline, Đức Thọ not at all."""
    forms = tmp_path / "phieu"
    assert run("registration", "form", province, "-o", forms) == 0
    assert sorted(p.name for p in forms.glob("*.xlsx")) == [
        "phieu-dang-ky-H-CL.xlsx",
        "phieu-dang-ky-H-CX.xlsx",
        "phieu-dang-ky-H-DT.xlsx",
    ]
    cx = _return(
        forms / "phieu-dang-ky-H-CX.xlsx",
        tmp_path / "cx.xlsx",
        {"H-CX": 85, "H-CX-X1": 25, "H-CX-X2": 20},
        CAM_XUYEN,
    )
    cl = _return(
        forms / "phieu-dang-ky-H-CL.xlsx",
        tmp_path / "cl.xlsx",
        {"H-CL": 60, "H-CL-X1": 22},
        CAN_LOC,
    )
    assert run("registration", "collect", province, cx, "--received", "2023-12-01T10:00") == 0
    assert run("registration", "collect", province, cl, "--received", "2023-12-01T18:30") == 0
    return province


def test_status_says_who_returned_on_time_who_late_and_who_not_at_all(
    returned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = {r.id: r.state for r in registration_status(load_context(returned))}
    assert rows == {"H-CX": "returned", "H-CL": "late", "H-DT": "not_returned"}
    capsys.readouterr()

    assert run("registration", "status", returned) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:4]] == ["H-CX", "H-CL", "H-DT"]
    assert "gửi muộn" in lines[2]
    assert "18:30 01/12/2023" in lines[2]
    assert "chưa gửi" in lines[3]
    assert lines[-1] == "Tổng: 1 đã gửi, 1 gửi muộn, 1 chưa gửi"


def test_the_plan_puts_every_registered_commune_point_under_its_district_seated_by_delegates(
    returned: Path, tmp_path: Path
) -> None:
    _approve_all(returned, tmp_path / "xet-duyet.xlsx")

    loaded = load_meeting(returned)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    units = loaded.roster.by_id()
    points = {p.id: p for p in plan.bridge_points}

    assert units["H-CX"].kind == "district"
    assert units["H-CL"].kind == "district"
    assert points["H-CX"].role is PointRole.DISTRICT
    assert points["TU-HT"].role is PointRole.MAIN
    assert [p.id for p in plan.bridge_points if p.role is PointRole.MAIN] == ["TU-HT"]
    registered = {u.id: u for u in units.values() if u.parent in ("H-CX", "H-CL")}
    assert {u.name: u.parent for u in registered.values()} == {
        "Đảng ủy xã Bắc (ủy Cẩm Xuyên)": "H-CX",
        "Đảng ủy xã Trung (ủy Cẩm Xuyên)": "H-CX",
        "xã Cẩm Bình": "H-CX",
        "xã Cẩm Vịnh": "H-CX",
        "Đảng ủy xã Bắc (ủy Can Lộc)": "H-CL",
        "xã Kim Song": "H-CL",
    }
    for unit in registered.values():
        assert unit.kind == "commune"
        assert points[unit.id].parent_point == unit.parent
        assert set(points[unit.id].seats.values()) == {unit.delegates}
    assert {u.name: u.delegates for u in registered.values()}["xã Cẩm Bình"] == 40
    assert set(points["H-CX"].seats.values()) == {85}  # the district's delegates, not its 70
    assert units["H-CX-3"].chair == "Lê Văn Bình"
    assert points["H-CX-3"].location == "Hội trường UBND xã Cẩm Bình"
    # Đức Thọ has not returned: its points stay as the province's list has them
    assert units["H-DT"].delegates is None
    assert set(points["H-DT"].seats.values()) == {89}

    out = tmp_path / "plan.json"
    assert run("plan", returned, "--format", "json", "-o", out) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    under = {p["id"]: p.get("parent_point") for p in data["bridge_points"]}
    assert {u: under[u] for u in registered} == {u.id: u.parent for u in registered.values()}
    register = json.loads((returned.parent / ".meetlink" / "registration.json").read_text())
    assert register["returns"]["H-CX"]["rows"]["points"][-2]["delegates"] == 40


def _xlsx_rows(path: Path) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(path).active
    top = header_row(sheet, "STT")
    return [list(r) for r in sheet.iter_rows(min_row=top, values_only=True)]


def test_the_province_compiles_the_delegates_of_every_point_as_xlsx(
    returned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "danh-sach-dai-bieu.xlsx"

    assert run("registration", "delegates", returned, "-o", out) == 0

    rows = _xlsx_rows(out)
    header = rows[0]
    assert header == [
        "STT",
        "Điểm cầu",
        "Cấp",
        "Địa điểm",
        "Đơn vị kết nối",
        "Đồng chí chủ trì",
        "Số đại biểu",
        "Ghi chú",
    ]
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:-1]}
    cam_binh = by_name["xã Cẩm Bình"]
    assert cam_binh["Cấp"] == "Cấp xã"
    assert cam_binh["Đơn vị kết nối"] == "Đảng ủy xã; Công an xã; Trường THCS Cẩm Bình"
    assert (cam_binh["Đồng chí chủ trì"], cam_binh["Số đại biểu"]) == ("Lê Văn Bình", 40)
    assert by_name["Huyện ủy Cẩm Xuyên"]["Cấp"] == "Huyện"
    assert by_name["Huyện ủy Cẩm Xuyên"]["Số đại biểu"] == 85
    assert by_name["Huyện ủy Can Lộc"]["Ghi chú"] == "gửi muộn"
    assert by_name["Huyện ủy Đức Thọ"]["Ghi chú"] == "chưa báo cáo"
    assert by_name["Huyện ủy Đức Thọ"]["Số đại biểu"] in (None, "")
    assert "Đảng ủy xã Bắc (ủy Đức Thọ)" not in by_name  # not confirmed by its district
    assert "Ban Tuyên giáo Tỉnh ủy" in by_name["Tỉnh ủy Hà Tĩnh"]["Đơn vị kết nối"]
    assert "Ban Tuyên giáo Tỉnh ủy" not in by_name  # it sits at the province's point
    names = [r[1] for r in rows[1:-1]]
    assert names.index("Huyện ủy Cẩm Xuyên") < names.index("xã Cẩm Bình")
    assert names.index("xã Cẩm Bình") < names.index("Huyện ủy Can Lộc")
    reported = [r[6] for r in rows[1:-1] if isinstance(r[6], int)]
    assert rows[-1][1] == f"Tổng cộng: {len(rows) - 2} điểm cầu"
    assert rows[-1][6] == sum(reported)
    assert "85" not in capsys.readouterr().err


def test_the_compiled_list_as_docx_holds_the_same_table(returned: Path, tmp_path: Path) -> None:
    xlsx, docx_path = tmp_path / "ds.xlsx", tmp_path / "ds.docx"
    assert run("registration", "delegates", returned, "-o", xlsx) == 0

    assert run("registration", "delegates", returned, "-o", docx_path) == 0

    document = docx.Document(str(docx_path))
    texts = [p.text for p in document.paragraphs]
    assert "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ TẠI CÁC ĐIỂM CẦU" in texts
    (table,) = document.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    expected = [["" if v is None else str(v) for v in r] for r in _xlsx_rows(xlsx)[:-1]]
    assert cells == expected
    assert document.sections[0].page_width > document.sections[0].page_height
    assert any(t.startswith("Tổng cộng:") and "1 điểm cầu chưa báo cáo" in t for t in texts)


def test_the_compiled_list_leaves_out_a_registration_the_committee_refused(
    returned: Path, tmp_path: Path
) -> None:
    review = tmp_path / "xet-duyet.xlsx"
    assert run("registration", "review", returned, "-o", review) == 0
    book = openpyxl.load_workbook(review)
    top = header_row(book.active)
    titles = {c.value: c.column for c in book.active[top]}
    for row in range(top + 1, top + 3):
        code = book.active.cell(row=row, column=titles["Mã"]).value
        decision = "không đồng ý" if code == "H-CL" else "đồng ý"
        book.active.cell(row=row, column=titles["Quyết định"], value=decision)
        book.active.cell(row=row, column=titles["Lý do"], value="gửi muộn")
    book.save(review)
    assert run("registration", "collect", returned, review) == 0
    out = tmp_path / "ds.xlsx"

    assert run("registration", "delegates", returned, "-o", out) == 0

    names = [r[1] for r in _xlsx_rows(out)[1:-1]]
    assert "xã Kim Song" not in names
    assert "xã Cẩm Bình" in names


def test_the_list_is_written_only_as_xlsx_or_docx(
    returned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("registration", "delegates", returned, "-o", tmp_path / "ds.pdf") == 2
    assert ".xlsx or .docx" in capsys.readouterr().err
    assert not (tmp_path / "ds.pdf").exists()


def test_a_form_comes_pre_filled_with_the_levels_and_delegates_the_province_knows() -> None:
    district = Unit(id="H-CX", name="Huyện ủy Cẩm Xuyên", kind="district", members=70, delegates=85)
    commune = Unit(id="X1", name="xã Cẩm Bình", kind="commune", members=0, parent="H-CX")
    agency = Unit(id="CA", name="Công an huyện", kind="agency", members=30, parent="H-CX")
    roster = Roster("don-vi.csv", (district, commune, agency))

    rows = prefilled_rows(RegistrationLayout.POINTS, district, roster)["points"]

    assert [(r["id"], r["kind"], r.get("delegates")) for r in rows] == [
        ("H-CX", "Huyện", 85),
        ("X1", "Cấp xã", None),
        ("CA", "Cơ quan", None),
    ]


def test_the_list_of_delegates_is_refused_for_seed_004_s_layout(
    bloc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("registration", "delegates", bloc, "-o", tmp_path / "ds.xlsx") == 2

    assert "'điểm cầu' layout (seed 001)" in capsys.readouterr().err
    assert not (tmp_path / "ds.xlsx").exists()


def test_a_points_connecting_units_join_it_in_the_roster_and_the_plan(
    returned: Path, tmp_path: Path
) -> None:
    _approve_all(returned, tmp_path / "xet-duyet.xlsx")

    loaded = load_meeting(returned)
    units = loaded.roster.by_id()
    plan = plan_meeting(loaded.meeting, loaded.roster)

    connecting = [u for u in units.values() if u.join_point == "H-CX-3"]
    assert [(u.id, u.name, u.kind, u.parent, u.members) for u in connecting] == [
        ("H-CX-3-k1", "Đảng ủy xã", "attached", "H-CX-3", 0),
        ("H-CX-3-k2", "Công an xã", "attached", "H-CX-3", 0),
        ("H-CX-3-k3", "Trường THCS Cẩm Bình", "attached", "H-CX-3", 0),
    ]
    point = plan.point("H-CX-3")
    assert point.units == ("H-CX-3", "H-CX-3-k1", "H-CX-3-k2", "H-CX-3-k3")
    assert set(point.seats.values()) == {40}  # the point's delegates, counted once
    assert not any(p.host_unit.startswith("H-CX-3-k") for p in plan.bridge_points)
    listed = point_list(plan)
    row = next(r for r in listed.rows if r.point_id == "H-CX-3")
    assert row.units == ("xã Cẩm Bình", "Đảng ủy xã", "Công an xã", "Trường THCS Cẩm Bình")


def test_the_hatinh_example_writes_its_districts_and_communes_by_their_level() -> None:
    loaded = load_meeting(EXAMPLE / "meeting.yaml")
    plan = plan_meeting(loaded.meeting, loaded.roster)
    units = loaded.roster.by_id()
    roles = Counter(p.role for p in plan.bridge_points)

    assert roles == {
        PointRole.MAIN: 1,
        PointRole.DISTRICT: 13,
        PointRole.COMMUNE: 25,
        PointRole.AGENCY: 2,
    }
    for point in plan.bridge_points:
        if point.role is PointRole.COMMUNE:
            district = units[point.host_unit].parent
            assert district is not None
            assert point.parent_point == district
            assert units[district].kind == "district"
    assert plan.point("TP-HT").role is PointRole.DISTRICT  # a city of the province: cấp huyện
