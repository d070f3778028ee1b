"""Issue 18: a hand-out follows its sitting. When the sitting moves (08:00 → 14:00) the officer
gets a corrected hand-out with the new time and the same password (no rotation), as a new
message, audited; running `open` again sends nothing. A rotation says the old password is
void. The password reaches only the officer's hand-out, never the ledger, a log or an
invitation.

The move test failed on the code before the fix: the second `open` sent nothing, and the
only hand-out still said 08:00.
"""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

import email
import email.policy
import logging
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from meetlink.credentials import Vault
from meetlink.credentials.vault import VaultKey
from meetlink.planning import plan_meeting
from meetlink.reconcile import meeting_status, open_meeting, rotate_credentials
from meetlink.reconcile.ledger import Ledger
from meetlink.reconcile.setup import load_meeting

ROSTER = """\
mã,tên tổ chức đảng,loại,số đảng viên,địa điểm,cán bộ kỹ thuật,email,email nhận giấy mời
X1,Đảng bộ xã Hòa Phong,commune,30,Hội trường xã Hòa Phong,Lê Thị Bình,ktv.x1@xa.example.org,bt.x1@xa.example.org
X2,Đảng bộ xã Hòa Lạc,commune,25,Hội trường xã Hòa Lạc,Đỗ Văn Cường,ktv.x2@xa.example.org,bt.x2@xa.example.org
"""
OFFICERS = {"X1": "ktv.x1@xa.example.org", "X2": "ktv.x2@xa.example.org"}
MARKERS = {"X1": "MARKERa41f9c7e", "X2": "MARKERb52e0d8f"}
ACCOUNTS = "đơn vị,tài khoản,mật khẩu\n" + "".join(
    f"{point},vt-{point.lower()},{marker}\n" for point, marker in MARKERS.items()
)
MEETING = """\
id: hoa-phong-q3
title: "Giờ sinh hoạt toàn Đảng bộ huyện Quý III/2023"
organizer: {name: "Văn phòng Huyện ủy", email: vp@huyenuy.example.org}
kind: party_meeting
roster: roster.csv
rehearsal: REHEARSAL
help_contacts:
  - {name: "Nguyễn Văn Bình", phone: "0900 000 101"}
tracks:
  - id: chinh
    platform: provisioned
    units: {kinds: [commune]}
    settings: {accounts: accounts.csv}
    sittings:
      - {id: q3, start: 2023-09-10TSTART, end: 2023-09-10TEND}
"""
PASSWORD_LINE = re.compile(r"^\s*Mật khẩu: (\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class HandOut:
    file: str
    to: str
    message_id: str
    subject: str
    body: str

    @property
    def password(self) -> str:
        found = PASSWORD_LINE.search(self.body)
        assert found is not None, self.body
        return found[1]


class Office:
    """A meeting folder on the provisioned platform, the provider's sheet of markers."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = VaultKey.generate()
        (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
        (folder / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
        self.write()

    @property
    def path(self) -> Path:
        return self.folder / "meeting.yaml"

    @property
    def outbox(self) -> Path:
        return self.folder / ".meetlink" / "outbox"

    def write(
        self, start: str = "08:00", end: str = "10:00", rehearsal: str = "2023-09-09T15:00"
    ) -> None:
        text = MEETING.replace("START", start).replace("END", end).replace("REHEARSAL", rehearsal)
        self.path.write_text(textwrap.dedent(text), encoding="utf-8")

    def open(self) -> dict[str, int]:
        result = open_meeting(self.path, vault_key=self.key)
        assert result.ok, result.failures
        return dict(result.counts)

    def handouts(self) -> list[HandOut]:
        found = []
        for path in sorted(self.outbox.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if not str(message["Message-ID"]).startswith("<handout-"):
                continue
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            found.append(
                HandOut(
                    path.name,
                    str(message["To"]),
                    str(message["Message-ID"]),
                    str(message["Subject"]),
                    str(body.get_content()),
                )
            )
        return found

    def to(self, point: str) -> list[HandOut]:
        return [h for h in self.handouts() if OFFICERS[point] in h.to]

    def files(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in self.outbox.iterdir()}

    def deliveries(self) -> list[str]:
        with Vault.open(self.folder / ".meetlink" / "ledger.sqlite3", self.key) as vault:
            trail = vault.audit.entries("hoa-phong-q3")
        return [e.detail for e in trail if e.action == "deliver"]

    def credentials_status(self) -> dict[str, str]:
        loaded = load_meeting(self.path)
        plan = plan_meeting(loaded.meeting, loaded.roster)
        ledger_file = self.folder / ".meetlink" / "ledger.sqlite3"
        with Ledger(ledger_file, read_only=True) as ledger:
            return {row.point: row.credentials for row in meeting_status(plan, ledger)}


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return Office(tmp_path)


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_a_moved_sitting_sends_a_corrected_hand_out_with_the_same_password(
    office: Office,
) -> None:
    office.open()
    [first] = office.to("X1")
    office.write(start="14:00", end="16:00")
    office.open()
    sent = office.to("X1")
    assert len(sent) == 2, [h.subject for h in sent]
    [second] = [h for h in sent if h.message_id != first.message_id]
    assert "Thời gian: Từ 08 giờ 00 đến 10 giờ 00, Chủ nhật, ngày 10/9/2023" in first.body
    assert "Chạy thử đường truyền: 15 giờ 00, Thứ Bảy, ngày 9/9/2023" in first.body
    assert "Thời gian: Từ 14 giờ 00 đến 16 giờ 00, Chủ nhật, ngày 10/9/2023" in second.body
    assert "08 giờ 00" not in second.body
    assert second.password == first.password == MARKERS["X1"]  # no rotation
    assert "Thư này thay cho thư đã gửi trước đây" in one_line(second.body)
    assert "không còn sử dụng được" not in second.body
    assert "cập nhật" in second.subject
    assert len(office.to("X2")) == 2
    corrected = [d for d in office.deliveries() if "(corrected)" in d]
    assert len(corrected) == 2  # one per point, audited
    assert set(office.credentials_status().values()) == {"done"}

    before = office.files()
    counts = office.open()
    assert "handout" not in counts
    assert office.files() == before  # nothing sent the third time


def test_status_owes_the_officer_a_corrected_hand_out_until_open_sends_it(
    office: Office,
) -> None:
    office.open()
    assert set(office.credentials_status().values()) == {"done"}
    office.write(start="14:00", end="16:00")
    assert set(office.credentials_status().values()) == {"pending"}
    office.open()
    assert set(office.credentials_status().values()) == {"done"}


def test_a_moved_line_test_is_a_corrected_hand_out_too(office: Office) -> None:
    office.open()
    office.write(rehearsal="2023-09-09T09:00")
    office.open()
    [latest] = [h for h in office.to("X1") if "cập nhật" in h.subject]
    assert "Chạy thử đường truyền: 09 giờ 00, Thứ Bảy, ngày 9/9/2023" in latest.body


def test_a_rotated_password_says_the_old_one_no_longer_works(office: Office) -> None:
    office.open()
    accounts = office.folder / "accounts.csv"
    accounts.write_text(ACCOUNTS.replace(MARKERS["X1"], "MARKERc63f1e90"), encoding="utf-8")
    result = rotate_credentials(office.path, ["X1"], vault_key=office.key)
    assert result.ok, result.failures
    [rotated] = [h for h in office.to("X1") if h.password == "MARKERc63f1e90"]
    assert "Mật khẩu cũ không còn sử dụng được" in rotated.body
    assert "mật khẩu mới" in rotated.subject
    assert all("không còn sử dụng" not in h.body for h in office.to("X2"))


def test_each_password_reaches_only_its_officers_hand_outs(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    office.open()
    office.write(start="14:00", end="16:00")
    office.open()
    for path in sorted(office.outbox.iterdir()):
        data = path.read_bytes().decode("utf-8", "replace")
        carried = [p for p, m in MARKERS.items() if m in data]
        if path.suffix == ".eml" and path.name.startswith("handout-"):
            assert len(carried) == 1, path.name
            assert OFFICERS[carried[0]] in data
        else:  # an invitation, its calendar
            assert carried == [], path.name
    ledger = (office.folder / ".meetlink" / "ledger.sqlite3").read_bytes()
    assert not any(m.encode() in ledger for m in MARKERS.values())
    assert not any(m in caplog.text for m in MARKERS.values())
    assert not any(m in detail for detail in office.deliveries() for m in MARKERS.values())
