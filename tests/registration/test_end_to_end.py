"""Issue 14, "Done when" (seed 004): forms out to twelve organizations, returns with errors
refused with their sheet, row and column, corrected returns collected, the review approved,
and ``plan`` showing the approved organizations and their party cells as points."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest
from registration_forms import ORGANIZATIONS, fill, header_row, run

from meetlink import load_meeting
from meetlink.invites import invitations_for
from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Roster
from meetlink.planning import plan_meeting
from meetlink.registration.register import AUDIT_FILE

SHEET_I, SHEET_II = "I. Sinh hoạt trực tuyến", "II. Sinh hoạt tổ đảng"


def _loaded(path: Path) -> tuple[Meeting, Roster]:
    loaded = load_meeting(path)
    return loaded.meeting, loaded.roster


def _good(code: str, members: int) -> dict[str, object]:
    return {
        "Số đảng viên": members,
        "Địa bàn công tác": "Yên Bái",
        "Đủ điều kiện về hạ tầng công nghệ thông tin": "có",
        "Địa điểm sinh hoạt": f"Phòng họp {code}",
    }


CELLS = [
    {
        "Chi bộ": "Chi bộ Sở Y tế",
        "Tên tổ đảng": "Tổ đảng Văn phòng",
        "Tổ trưởng": "Nguyễn Văn An",
        "Email tổ trưởng": "an.to1@khoi.example.org",
        "Số đảng viên": 30,
        "Địa điểm sinh hoạt": "Phòng họp tầng 2",
    },
    {
        "Chi bộ": "CB05",
        "Tên tổ đảng": "Tổ đảng Nghiệp vụ",
        "Tổ trưởng": "Trần Thị Bình",
        "Email tổ trưởng": "binh.to2@khoi.example.org",
        "Số đảng viên": 32,
        "Địa điểm sinh hoạt": "Phòng họp tầng 3",
        "Email nhận giấy mời": "to2.thanhvien@khoi.example.org",
    },
]


def test_forms_out_errors_refused_corrections_collected_review_approved_plan_shows_them(
    bloc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "phieu"
    assert run("registration", "form", bloc, "-o", folder) == 0

    forms = sorted(folder.glob("phieu-dang-ky-*.xlsx"))
    assert [f.name for f in forms] == [f"phieu-dang-ky-{c}.xlsx" for c, _, _ in ORGANIZATIONS]
    letter = docx.Document(str(folder / "cong-van-dang-ky.docx"))
    text = "\n".join(p.text for p in letter.paragraphs)
    head = "\n".join(c.text for row in letter.tables[0].rows for c in row.cells)
    assert "Số 828-CV/ĐUK" in head
    assert "V/v đăng ký sinh hoạt trực tuyến" in head
    assert "Kính gửi: Các chi, đảng bộ cơ sở" in text
    assert "trước 17 giờ 00, ngày 10/4/2023" in text

    # the offices fill them in; three make a mistake
    returned = tmp_path / "tra-ve"
    returned.mkdir()
    paths = []
    for code, _, members in ORGANIZATIONS:
        row = _good(code, members)
        cells: list[dict[str, object]] = []
        if code == "CB02":
            row["Số đảng viên"] = "mười tám"
        if code == "CB03":
            cells = [{**CELLS[0], "Chi bộ": "CB03", "Số đảng viên": 15}]
        if code == "CB04":
            row["Đủ điều kiện về hạ tầng công nghệ thông tin"] = None
        if code == "CB05":
            cells = CELLS
        source = folder / f"phieu-dang-ky-{code}.xlsx"
        paths.append(fill(source, row, cells, out=returned / source.name))

    assert run("registration", "collect", bloc, *paths, "--received", "2023-04-05T09:00") == 2
    err = capsys.readouterr().err
    first = header_row(openpyxl.load_workbook(paths[0]).worksheets[0]) + 1
    assert f"phieu-dang-ky-CB02.xlsx:{SHEET_I}:{first}:Số đảng viên: 'mười tám' is not" in err
    assert (
        f"phieu-dang-ky-CB03.xlsx:{SHEET_II}:{first}:Chi bộ: 'Chi bộ Sở Công Thương' has 30 "
        "members: only a chi bộ of 50 or more members meets as party cells"
    ) in err
    assert (
        f"phieu-dang-ky-CB04.xlsx:{SHEET_I}:{first}:Đủ điều kiện về hạ tầng công nghệ thông "
        "tin: the cell is empty; fill in có or không"
    ) in err
    assert "3 problem(s) in 3 file(s)" in err

    register = json.loads((bloc.parent / ".meetlink" / "registration.json").read_text())
    assert sorted(register["returns"]) == sorted(
        c for c, _, _ in ORGANIZATIONS if c not in ("CB02", "CB03", "CB04")
    )
    assert sorted(register["refusals"]) == ["CB02", "CB03", "CB04"]
    assert all("/" not in r["file"] for r in register["returns"].values())

    assert run("registration", "status", bloc) == 0
    status = capsys.readouterr().out
    assert status.count("bị trả lại") == 3 + 1  # three organizations, and the count
    assert status.splitlines()[-1] == "Tổng: 9 đã gửi, 3 bị trả lại"

    # corrected and sent again; CB03 no longer asks for cells
    fixed = [
        fill(folder / "phieu-dang-ky-CB02.xlsx", _good("CB02", 18), out=returned / "CB02-sua.xlsx"),
        fill(folder / "phieu-dang-ky-CB03.xlsx", _good("CB03", 30), out=returned / "CB03-sua.xlsx"),
        fill(folder / "phieu-dang-ky-CB04.xlsx", _good("CB04", 21), out=returned / "CB04-sua.xlsx"),
    ]
    assert run("registration", "collect", *fixed, bloc, "--received", "2023-04-11T08:00") == 0
    capsys.readouterr()

    # the committee approves eleven and refuses one, with its reason
    sheet_path = tmp_path / "xet-duyet.xlsx"
    assert run("registration", "review", bloc, "-o", sheet_path) == 0
    book = openpyxl.load_workbook(sheet_path)
    sheet = book.active
    top = header_row(sheet)
    titles = {c.value: c.column for c in sheet[top]}
    codes = []
    for row in range(top + 1, top + 13):
        code = sheet.cell(row=row, column=titles["Mã"]).value
        codes.append(code)
        refuse = code == "CB12"
        sheet.cell(
            row=row, column=titles["Quyết định"], value="không đồng ý" if refuse else "đồng ý"
        )
        if refuse:
            sheet.cell(row=row, column=titles["Lý do"], value="Chưa đủ điều kiện về bảo mật")
    book.save(sheet_path)
    assert sorted(codes) == [c for c, _, _ in ORGANIZATIONS]
    assert run("registration", "collect", bloc, sheet_path) == 0
    assert "roster-dang-ky.csv" in capsys.readouterr().out
    assert run("registration", "status", bloc) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Tổng: 9 đã gửi, 3 gửi muộn"

    assert run("plan", bloc, "--format", "json") == 0
    plan = json.loads(capsys.readouterr().out)
    points = {p["id"]: p for p in plan["bridge_points"]}
    expected = {c for c, _, _ in ORGANIZATIONS} - {"CB05", "CB12"} | {"CB05-to1", "CB05-to2"}
    assert set(points) == expected
    assert points["CB05-to1"]["name"] == "Tổ đảng Văn phòng – Chi bộ Sở Y tế"
    assert points["CB05-to1"]["location"] == "Phòng họp tầng 2"
    assert points["CB05-to2"]["seats"] == {"thang-5": 32}
    assert points["CB01"]["location"] == "Phòng họp CB01"
    assert "CB05" in plan["not_invited"]
    specs = invitations_for(plan_meeting(*_loaded(bloc)), {})
    to = {spec.point: {r.email for r in spec.recipients} for spec in specs}
    # a cell's invitation goes to its leader and its members' contact, not the whole branch
    assert to["CB05-to1"] == {"an.to1@khoi.example.org", "ktv.cb05@khoi.example.org"}
    assert to["CB05-to2"] == {
        "binh.to2@khoi.example.org",
        "to2.thanhvien@khoi.example.org",
        "ktv.cb05@khoi.example.org",
    }
    assert "bithu.cb05@khoi.example.org" not in set().union(*to.values())

    trail = (bloc.parent / ".meetlink" / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    actions = [json.loads(line)["action"] for line in trail]
    assert actions.count("refuse") == 3
    assert actions.count("collect") == 12
    assert actions.count("approve") == 11
    assert actions.count("refuse-registration") == 1


def test_a_later_return_replaces_the_earlier_one_and_the_decision_on_it(
    bloc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "phieu"
    assert run("registration", "form", bloc, "-o", folder, "--unit", "CB01") == 0
    first = fill(folder / "phieu-dang-ky-CB01.xlsx", _good("CB01", 44), out=tmp_path / "a.xlsx")
    assert run("registration", "collect", bloc, first) == 0
    later = shutil.copy(first, tmp_path / "b.xlsx")
    fill(Path(later), {**_good("CB01", 45), "Địa điểm sinh hoạt": "Hội trường lớn"})

    assert run("registration", "collect", bloc, later) == 0

    out = capsys.readouterr().out
    assert "Đã nhận: CB01 — b.xlsx (thay phiếu trước)" in out
    register = json.loads((bloc.parent / ".meetlink" / "registration.json").read_text())
    assert register["returns"]["CB01"]["file"] == "b.xlsx"
    assert register["returns"]["CB01"]["rows"]["organizations"][0]["members"] == 45
    trail = (bloc.parent / ".meetlink" / AUDIT_FILE).read_text(encoding="utf-8")
    assert '"action": "replace"' in trail
    assert "replaces a.xlsx" in trail
