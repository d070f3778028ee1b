"""A party cell registers its own hour (giờ sinh hoạt) on sheet II: the form asks for it,
``collect`` checks it, the roster carries it, and the plan and the cell's invitation use it."""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from registration_forms import decide, fill, header_row, run

from meetlink import load_meeting
from meetlink.invites import invitations_for
from meetlink.loading.sheets import read_table
from meetlink.planning import plan_meeting

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
ORGANIZATION = {
    "Số đảng viên": 62,
    "Địa bàn công tác": "Yên Bái",
    "Đủ điều kiện về hạ tầng công nghệ thông tin": "có",
    "Địa điểm sinh hoạt": "Hội trường Sở Y tế",
}
CELLS = [
    {
        "Chi bộ": "CB05",
        "Tên tổ đảng": "Tổ đảng Văn phòng",
        "Tổ trưởng": "Nguyễn Văn An",
        "Email tổ trưởng": "an.to1@khoi.example.org",
        "Số đảng viên": 30,
        "Giờ sinh hoạt": dt.time(19, 30),  # typed 19:30: the spreadsheet keeps a time
    },
    {
        "Chi bộ": "CB05",
        "Tên tổ đảng": "Tổ đảng Nghiệp vụ",
        "Tổ trưởng": "Trần Thị Bình",
        "Email tổ trưởng": "binh.to2@khoi.example.org",
        "Số đảng viên": 32,
    },
]


def _form(bloc: Path, tmp_path: Path) -> Path:
    assert run("registration", "form", bloc, "-o", tmp_path / "phieu", "--unit", "CB05") == 0
    return tmp_path / "phieu" / "phieu-dang-ky-CB05.xlsx"


def test_the_form_asks_each_cell_for_its_hour_with_a_time_check(bloc: Path, tmp_path: Path):
    book = openpyxl.load_workbook(_form(bloc, tmp_path))
    sheet = book.worksheets[1]
    top = header_row(sheet)
    titles = {c.value: c.column_letter for c in sheet[top] if c.value}

    assert "Giờ sinh hoạt" in titles
    (rule,) = [
        r
        for r in sheet.data_validations.dataValidation
        if str(r.sqref).startswith(f"{titles['Giờ sinh hoạt']}{top + 1}")
    ]
    assert rule.type == "time"
    assert "19:30" in (rule.error or "")


def test_a_cells_hour_that_is_not_an_hour_is_refused_at_its_cell(
    bloc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    bad = [{**CELLS[0], "Giờ sinh hoạt": "tối thứ năm"}, CELLS[1]]
    returned = fill(_form(bloc, tmp_path), ORGANIZATION, bad, out=tmp_path / "cb05.xlsx")

    assert run("registration", "collect", bloc, returned) == 2

    err = capsys.readouterr().err
    assert (
        "cb05.xlsx:II. Sinh hoạt tổ đảng:10:Giờ sinh hoạt: 'tối thứ năm' is not an hour of the "
        "day; write it as 19:30." in err
    )


def test_an_approved_cells_hour_reaches_the_roster_the_plan_and_its_invitation(
    bloc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    returned = fill(_form(bloc, tmp_path), ORGANIZATION, CELLS, out=tmp_path / "cb05.xlsx")
    assert run("registration", "collect", bloc, returned) == 0
    sheet = tmp_path / "xet-duyet.xlsx"
    assert run("registration", "review", bloc, "-o", sheet) == 0
    assert run("registration", "collect", bloc, decide(sheet)) == 0
    capsys.readouterr()

    header, rows = read_table(bloc.parent / "roster-dang-ky.csv")
    records = [dict(zip(header, row, strict=False)) for _, row in rows]
    hours = {r["mã"]: r["giờ sinh hoạt"] for r in records}
    assert hours == {
        **{r["mã"]: "" for r in records},
        "CB05-to1": "19:30",
    }

    assert run("plan", bloc, "--format", "json") == 0
    points = {p["id"]: p for p in json.loads(capsys.readouterr().out)["bridge_points"]}
    assert points["CB05-to1"]["meets_at"] == "19:30"
    assert points["CB05-to1"]["times"]["thang-5"]["start"] == "2023-05-04T19:30:00+07:00"
    assert "meets_at" not in points["CB05-to2"]

    loaded = load_meeting(bloc)
    specs = {s.point: s for s in invitations_for(plan_meeting(loaded.meeting, loaded.roster), {})}
    assert specs["CB05-to1"].start == dt.datetime(2023, 5, 4, 19, 30, tzinfo=HCM)
    assert specs["CB05-to1"].end == dt.datetime(2023, 5, 4, 21, 30, tzinfo=HCM)
    assert specs["CB05-to2"].start == dt.datetime(2023, 5, 4, 14, 0, tzinfo=HCM)


ROSTER = """\
mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm,cán bộ kỹ thuật,email,email nhận giấy mời,chủ trì,giờ sinh hoạt
TU,Đảng ủy Khối,committee,,40,Hội trường Đảng ủy Khối,Ngô Văn An,ktv.tu@khoi.example.org,vp@khoi.example.org,,
CB05,Chi bộ Sở Y tế,agency,,62,Hội trường Sở Y tế,Lê Thị Bình,ktv.cb05@khoi.example.org,bithu.cb05@khoi.example.org,,
CB05-to1,Tổ đảng Văn phòng – Chi bộ Sở Y tế,cell,CB05,30,Phòng họp tầng 2,Lê Thị Bình,ktv.cb05@khoi.example.org,an.to1@khoi.example.org,Nguyễn Văn An,19h30
CB05-to2,Tổ đảng Nghiệp vụ – Chi bộ Sở Y tế,cell,CB05,32,Phòng họp tầng 3,Lê Thị Bình,ktv.cb05@khoi.example.org,binh.to2@khoi.example.org,Trần Thị Bình,
"""
SHARED = """\
id: khoi-thang-5
title: "Sinh hoạt chi bộ định kỳ tháng 5/2023"
kind: party_meeting
organizer: {name: "Văn phòng Đảng ủy Khối", email: vanphong@khoi.example.org}
roster: roster.csv
rules: {own_point_min_members: 1}
tracks:
  - id: chi-bo
    platform: memory
    units: {kinds: [committee, agency]}
    conference: shared
    attendance: all
    sittings:
      - {id: thang-5, title: "Tháng 5", start: 2023-05-04T14:00, end: 2023-05-04T16:00}
"""


def test_open_gives_a_cell_at_its_own_hour_its_conference_invitation_and_hand_out(
    tmp_path: Path,
):
    from icalendar import Calendar

    from meetlink.adapters.memory import MemoryStore
    from meetlink.credentials.vault import VaultKey
    from meetlink.reconcile import open_meeting

    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    path = tmp_path / "meeting.yaml"
    path.write_text(SHARED, encoding="utf-8")
    store = MemoryStore()

    open_meeting(path, http=store, vault_key=VaultKey.generate())

    outbox = tmp_path / ".meetlink" / "outbox"
    starts: dict[str, dt.datetime] = {}
    for ics in outbox.glob("*.ics"):
        event = next(iter(Calendar.from_ical(ics.read_bytes()).walk("VEVENT")))
        starts[str(event["LOCATION"])] = event.decoded("DTSTART")
    assert starts["Phòng họp tầng 2"] == dt.datetime(2023, 5, 4, 19, 30, tzinfo=HCM)
    assert starts["Phòng họp tầng 3"] == dt.datetime(2023, 5, 4, 14, 0, tzinfo=HCM)
    assert starts["Hội trường Đảng ủy Khối"] == dt.datetime(2023, 5, 4, 14, 0, tzinfo=HCM)
    bodies = {}
    for eml in outbox.glob("handout-*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()
        point = next(n for n in ("Tổ đảng Văn phòng", "Tổ đảng Nghiệp vụ", "TU") if n in text)
        bodies[point] = text
    # the hand-out to the cell's officer states the cell's hour, the others the track's
    assert (
        "Thời gian: Từ 19 giờ 30 đến 21 giờ 30, Thứ Năm, ngày 4/5/2023"
        in bodies["Tổ đảng Văn phòng"]
    )
    assert "Thời gian: Từ 14 giờ 00 đến 16 giờ 00" in bodies["Tổ đảng Nghiệp vụ"]
    assert "Thời gian: Từ 14 giờ 00 đến 16 giờ 00" in bodies["TU"]
