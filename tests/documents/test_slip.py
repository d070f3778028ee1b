"""Issue 18: the slip is a printable DOCX per bridge point, written as a private file: every
sitting with its date, time and room, the login and password, the line test, whom to call,
the rule that the login is the officer's alone, and the two signature lines; no "Mật".

Read back with python-docx. The command-line tests failed on the code before the fix: it
wrote one plain-text file per sitting, with no date, time or signature line.
"""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

import os
import re
import stat
import textwrap
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument

from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.documents.slip import Slip, SlipSitting, slip_docx, slip_text
from meetlink.reconcile import credential_slips, open_meeting

MARKER = "MARKER5d1c0a77"
RULE = (
    "Tên đăng nhập và mật khẩu này chỉ dành riêng cho đồng chí, cán bộ kỹ thuật của điểm cầu. "
    "Đồng chí nhận, quản lý và tuyệt đối không cung cấp cho người khác."
)
CLASSIFIED = re.compile(r"\bMật\b(?!\s+khẩu)|MẬT|Confidential")


def three_sittings(**overrides: str) -> Slip:
    rooms = ("7001", "7002", "7003")
    times = (
        "Từ 08 giờ 00 đến 11 giờ 30, Thứ Hai, ngày 4/12/2023",
        "Từ 14 giờ 00 đến 17 giờ 00, Thứ Hai, ngày 4/12/2023",
        "Từ 08 giờ 00 đến 11 giờ 30, Thứ Ba, ngày 5/12/2023",
    )
    labels = ("Buổi sáng 04/12", "Buổi chiều 04/12", "Buổi sáng 05/12")
    sittings = tuple(
        SlipSitting(label=label, when=when, room=room, login="vt-hcl-x1", password=MARKER)
        for label, when, room in zip(labels, times, rooms, strict=True)
    )
    values: dict[str, object] = {
        "meeting_title": "Hội nghị quán triệt Nghị quyết Trung ương 8 khóa XIII",
        "point_name": "Đảng ủy xã Bắc",
        "unit_name": "Đảng ủy xã Bắc",
        "hall": "Hội trường UBND xã Bắc",
        "officer_name": "Vũ Đức Dũng",
        "organizer_name": "Văn phòng Tỉnh ủy Hà Tĩnh",
        "sittings": sittings,
        "rule": RULE,
        "rehearsal": "15 giờ 00, Chủ nhật, ngày 3/12/2023",
        "help_contacts": ("Đ/c Viễn thông Hà Tĩnh, ĐT: 0900 000 202",),
    }
    values.update(overrides)
    return Slip(**values)  # type: ignore[arg-type]


def read(data: bytes, tmp_path: Path) -> DocxDocument:
    path = tmp_path / "slip.docx"
    path.write_bytes(data)
    return docx.Document(str(path))


def all_text(document: DocxDocument) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def rows_of(document: DocxDocument) -> list[tuple[str, str]]:
    return [
        (row.cells[0].text, row.cells[1].text)
        for table in document.tables
        for row in table.rows
        if len(row.cells) == 2
    ]


# -- the document -------------------------------------------------------------------------


def test_every_sitting_is_on_the_slip_with_its_time_and_room(tmp_path: Path) -> None:
    document = read(slip_docx(three_sittings()), tmp_path)
    rows = rows_of(document)
    assert ("Buổi sáng 04/12", "Từ 08 giờ 00 đến 11 giờ 30, Thứ Hai, ngày 4/12/2023") in rows
    assert ("Buổi chiều 04/12", "Từ 14 giờ 00 đến 17 giờ 00, Thứ Hai, ngày 4/12/2023") in rows
    assert ("Buổi sáng 05/12", "Từ 08 giờ 00 đến 11 giờ 30, Thứ Ba, ngày 5/12/2023") in rows
    assert [value for label, value in rows if label == "Phòng"] == ["7001", "7002", "7003"]
    # the login and password alike for every sitting: printed once
    assert [value for label, value in rows if label == "Tên đăng nhập"] == ["vt-hcl-x1"]
    assert [value for label, value in rows if label == "Mật khẩu"] == [MARKER]


def test_the_slip_names_the_meeting_the_point_the_line_test_help_and_the_rule(
    tmp_path: Path,
) -> None:
    text = all_text(read(slip_docx(three_sittings()), tmp_path))
    assert "PHIẾU GIAO THÔNG TIN ĐĂNG NHẬP ĐIỂM CẦU" in text
    assert "Hội nghị quán triệt Nghị quyết Trung ương 8 khóa XIII" in text
    assert "Điểm cầu | Đảng ủy xã Bắc" in text
    assert "Địa điểm | Hội trường UBND xã Bắc" in text
    assert "Cán bộ kỹ thuật | Vũ Đức Dũng" in text
    assert "Chạy thử đường truyền: 15 giờ 00, Chủ nhật, ngày 3/12/2023" in text
    assert "Đ/c Viễn thông Hà Tĩnh, ĐT: 0900 000 202" in text
    assert "Lưu ý: " + RULE in text
    assert not CLASSIFIED.search(text)


def test_the_slip_ends_with_the_receivers_and_the_givers_signature(tmp_path: Path) -> None:
    document = read(slip_docx(three_sittings()), tmp_path)
    last = document.tables[-1]
    receiver, giver = (cell.text.split("\n") for cell in last.rows[0].cells)
    assert receiver[:2] == ["Người nhận", "(ký, ghi rõ họ tên)"]
    assert giver[:2] == ["Người giao", "(ký, ghi rõ họ tên)"]
    assert len(receiver) >= 4  # room to sign


def test_the_slip_is_a4_and_every_run_is_times_new_roman(tmp_path: Path) -> None:
    document = read(slip_docx(three_sittings()), tmp_path)
    section = document.sections[0]
    assert section.page_width is not None
    assert section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    runs = [r for p in document.paragraphs for r in p.runs]
    runs += [
        r
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for p in cell.paragraphs
        for r in p.runs
    ]
    assert len(runs) > 30
    assert {r.font.name for r in runs} == {"Times New Roman"}
    east_asian = {r.element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) for r in runs}
    assert east_asian == {"Times New Roman"}


def test_sittings_with_their_own_passwords_show_each_one(tmp_path: Path) -> None:
    own = tuple(
        SlipSitting(label=f"Lớp {n}", when=f"Từ 0{n} giờ 00", room="", password=f"PW-{n}")
        for n in (1, 2)
    )
    rows = rows_of(read(slip_docx(three_sittings(sittings=own)), tmp_path))  # type: ignore[arg-type]
    assert [v for label, v in rows if label == "Mật khẩu"] == ["PW-1", "PW-2"]


def test_a_password_never_shows_in_a_repr() -> None:
    slip = three_sittings()
    assert MARKER not in repr(slip)
    assert MARKER not in repr(slip.sittings[0])


def test_the_text_slip_has_every_sitting_and_the_signatures() -> None:
    text = slip_text(three_sittings())
    assert text.count("Thời gian: ") == 3
    assert "Buổi chiều 04/12" in text
    assert "Từ 14 giờ 00 đến 17 giờ 00, Thứ Hai, ngày 4/12/2023" in text
    assert MARKER in text
    assert "Người nhận" in text
    assert "Người giao" in text


# -- `meetlink credentials MEETING.yaml slip -o FOLDER` ------------------------------------

ROSTER = """\
mã,tên tổ chức đảng,loại,số đảng viên,địa điểm,cán bộ kỹ thuật,email,email nhận giấy mời
X1,Đảng ủy xã Bắc,commune,30,Hội trường UBND xã Bắc,Vũ Đức Dũng,ktv.x1@xa.example.org,bt.x1@xa.example.org
X2,Đảng ủy xã Nam,commune,25,Hội trường UBND xã Nam,Ngô Minh Giang,ktv.x2@xa.example.org,bt.x2@xa.example.org
"""
PASSWORDS = {"X1": "MARKER0a1b2c3d", "X2": "MARKER4e5f6a7b"}
MEETING = """\
id: hatinh-2023-12
title: "Hội nghị quán triệt Nghị quyết Trung ương 8 khóa XIII"
organizer: {name: "Văn phòng Tỉnh ủy Hà Tĩnh", email: vanphong@hatinh.example.org}
kind: conference
roster: roster.csv
rehearsal: 2023-12-03T15:00
help_contacts:
  - {name: "Viễn thông Hà Tĩnh", phone: "0900 000 202"}
tracks:
  - id: hoi-nghi
    platform: provisioned
    units: {kinds: [commune]}
    settings: {accounts: accounts.csv}
    sittings:
      - {id: sang-4, title: "Buổi sáng 04/12", start: 2023-12-04T08:00, end: 2023-12-04T11:30}
      - {id: chieu-4, title: "Buổi chiều 04/12", start: 2023-12-04T14:00, end: 2023-12-04T17:00}
      - {id: sang-5, title: "Buổi sáng 05/12", start: 2023-12-05T08:00, end: 2023-12-05T11:30}
"""


@pytest.fixture
def opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "hatinh"
    folder.mkdir()
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    accounts = "đơn vị,tài khoản,mật khẩu\n" + "".join(
        f"{p},vt-{p.lower()},{pw}\n" for p, pw in PASSWORDS.items()
    )
    (folder / "accounts.csv").write_text(accounts, encoding="utf-8")
    (folder / "meeting.yaml").write_text(textwrap.dedent(MEETING), encoding="utf-8")
    key = VaultKey.generate()
    monkeypatch.setenv("MEETLINK_VAULT_KEY", key.reveal_text())
    result = open_meeting(folder / "meeting.yaml", vault_key=key)
    assert result.ok, result.failures
    return folder / "meeting.yaml"


def test_one_private_docx_per_point_with_its_three_sittings(
    opened: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "phieu"
    assert main(["credentials", str(opened), "slip", "-o", str(folder)]) == 0
    assert "2 slips written" in capsys.readouterr().out
    written = sorted(folder.iterdir())
    assert [p.suffix for p in written] == [".docx", ".docx"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = docx.Document(str(next(p for p in written if "X1" in p.name)))
    rows = rows_of(document)
    text = all_text(document)
    for label, when in (
        ("Buổi sáng 04/12", "Từ 08 giờ 00 đến 11 giờ 30, Thứ Hai, ngày 4/12/2023"),
        ("Buổi chiều 04/12", "Từ 14 giờ 00 đến 17 giờ 00, Thứ Hai, ngày 4/12/2023"),
        ("Buổi sáng 05/12", "Từ 08 giờ 00 đến 11 giờ 30, Thứ Ba, ngày 5/12/2023"),
    ):
        assert (label, when) in rows
    rooms = [v for label, v in rows if label == "Phòng"]
    assert len(rooms) == len(set(rooms)) == 3  # each sitting its own room, named with it
    assert ("Tên đăng nhập", "vt-x1") in rows
    assert ("Mật khẩu", PASSWORDS["X1"]) in rows
    assert PASSWORDS["X2"] not in text
    assert "Chạy thử đường truyền: 15 giờ 00, Chủ nhật, ngày 3/12/2023" in text
    assert "Đ/c Viễn thông Hà Tĩnh, ĐT: 0900 000 202" in text
    assert "chất lượng Hội nghị" in text
    assert "Người nhận" in text
    assert "Người giao" in text
    assert not CLASSIFIED.search(text)


def test_the_api_gives_one_slip_per_point_in_the_meetings_order(opened: Path) -> None:
    slips = credential_slips(opened)
    assert [address for address, _ in slips] == ["hoi-nghi/X1", "hoi-nghi/X2"]
    labels = [s.label for s in slips[0][1].sittings]
    assert labels == ["Buổi sáng 04/12", "Buổi chiều 04/12", "Buổi sáng 05/12"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX links")
def test_a_link_at_a_slips_name_is_not_followed(opened: Path, tmp_path: Path) -> None:
    folder = tmp_path / "phieu"
    assert main(["credentials", str(opened), "slip", "-o", str(folder)]) == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch\n", encoding="utf-8")
    victim.chmod(0o644)
    for path in folder.iterdir():
        path.unlink()
        path.symlink_to(victim)
    assert main(["credentials", str(opened), "slip", "-o", str(folder)]) == 0
    assert victim.read_text(encoding="utf-8") == "do not touch\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    for path in folder.iterdir():
        assert not path.is_symlink()
        assert stat.S_IMODE(path.lstat().st_mode) == 0o600
        assert PASSWORDS["X1"] in all_text(docx.Document(str(path))) or "X2" in path.name


@pytest.mark.skipif(os.name == "nt", reason="POSIX links")
def test_a_linked_folder_is_refused_and_nothing_is_written(
    opened: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    link = tmp_path / "phieu"
    link.symlink_to(target)
    assert main(["credentials", str(opened), "slip", "-o", str(link)]) == 2
    assert "a link" in capsys.readouterr().err
    assert list(target.iterdir()) == []


def test_without_a_folder_the_slips_are_printed_as_text(
    opened: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["credentials", str(opened), "slip", "--unit", "X2"]) == 0
    out = capsys.readouterr().out
    assert out.count("PHIẾU GIAO THÔNG TIN ĐĂNG NHẬP ĐIỂM CẦU") == 1
    assert "Từ 14 giờ 00 đến 17 giờ 00, Thứ Hai, ngày 4/12/2023" in out
    assert PASSWORDS["X2"] in out
    assert PASSWORDS["X1"] not in out
