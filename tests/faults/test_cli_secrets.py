"""Issue 13, secrets on the command line: slips land in a private folder only, never through
a planted link, under safe and bounded file names; core dumps are off for the CLI process.

Each test failed on the code before the fix.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.reconcile import credential_slips, open_meeting

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes and links")

HEADER = (
    "mã,tên tổ chức đảng,loại,số đảng viên,địa điểm,cán bộ kỹ thuật,email,email nhận giấy mời\n"
)
# A slip's address is TRACK/POINT: with this long track id a Vietnamese point id of 64
# characters is far longer than the 120 bytes a slip's file name may have.
TRACK = "hoi-nghi-quan-triet-nghi-quyet-trung-uong"
SITTING = "phien-toan-the-sang-thu-bay"
LONG_ID = "Ấp-Đường-Thượng-Hưởng-Lộc-Ước-Lễ-Trường-Tiểu-Học-Nguyễn-Thị-Hườn"
MEETING = f"""\
id: lien-thong
title: "Hội nghị quán triệt"
organizer: {{name: "Văn phòng Thị ủy", email: vp@thiuy.example.org}}
roster: roster.csv
tracks:
  - id: {TRACK}
    platform: provisioned
    units: {{kinds: [commune]}}
    conference: per_point
    attendance: all
    sittings:
      - {{id: {SITTING}, start: 2023-09-10T08:00, end: 2023-09-10T10:00}}
"""


def unit_row(code: str) -> str:
    mail = f"ktv.{re.sub(r'[^a-z0-9]', '-', code.lower())}@xa.example.org"
    return (
        f"{code},Đảng bộ xã {code},commune,30,Hội trường xã {code},Cán bộ kỹ thuật,{mail},"
        "bt@xa.example.org\n"
    )


class Office:
    """A meeting on the provisioned platform, opened, its vault key in the environment."""

    def __init__(self, folder: Path, units: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.path = folder / "meeting.yaml"
        self.path.write_text(textwrap.dedent(MEETING), encoding="utf-8")
        roster = HEADER + "".join(unit_row(u) for u in units)
        (folder / "roster.csv").write_text(roster, encoding="utf-8")
        self.key = VaultKey.generate()
        monkeypatch.setenv("MEETLINK_VAULT_KEY", self.key.reveal_text())
        result = open_meeting(self.path, vault_key=self.key)
        assert result.ok, result.failures

    def slip(self, folder: Path, *more: str) -> int:
        return main(["credentials", str(self.path), "slip", "-o", str(folder), *more])


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Office:
    folder = tmp_path / "meeting"
    folder.mkdir()
    return Office(folder, ["X1", "X/2"], monkeypatch)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def docx_text(path: Path) -> str:
    """A slip's words (a DOCX): its paragraphs and table cells."""
    import docx

    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


# -- 1. slips: a private folder, no link followed, a fresh 0600 file --------------------------


def test_slips_into_a_folder_others_may_write_into_are_refused(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    assert office.slip(shared) == 2
    printed = capsys.readouterr()
    assert "others may write into" in printed.err
    assert "nothing was written" in printed.err
    assert "readable by you only" not in printed.out
    assert list(shared.iterdir()) == []
    assert mode(shared) == 0o1777  # left as it was: refused, not silently changed


def test_slips_into_a_linked_folder_are_refused(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    link = tmp_path / "slips"
    link.symlink_to(target)
    assert office.slip(link) == 2
    assert "a link" in capsys.readouterr().err
    assert list(target.iterdir()) == []


def test_a_link_planted_where_a_slip_goes_is_replaced_and_its_target_untouched(
    office: Office, tmp_path: Path
) -> None:
    folder = tmp_path / "slips"
    assert office.slip(folder) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 2
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch\n", encoding="utf-8")
    victim.chmod(0o644)
    for name in names:
        (folder / name).unlink()
        (folder / name).symlink_to(victim)
    assert office.slip(folder) == 0
    assert victim.read_text(encoding="utf-8") == "do not touch\n"
    assert mode(victim) == 0o644
    for name in names:
        path = folder / name
        assert not path.is_symlink()
        assert mode(path) == 0o600
        assert "Mật khẩu" in docx_text(path)


def test_a_slip_that_was_there_already_is_replaced_readable_by_you_only(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "slips"
    assert office.slip(folder) == 0
    for path in folder.iterdir():
        path.write_text("old", encoding="utf-8")
        path.chmod(0o644)
    assert office.slip(folder) == 0
    assert "readable by you only" in capsys.readouterr().out
    for path in folder.iterdir():
        assert mode(path) == 0o600
        assert path.read_bytes() != b"old"
    assert mode(folder) == 0o700


# -- 1. slips: file names safe and bounded, all checked before any slip is written ---------


def test_a_long_vietnamese_id_gets_a_bounded_slip_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "meeting"
    folder.mkdir()
    office = Office(folder, ["X1", LONG_ID], monkeypatch)
    addresses = [name for name, _ in credential_slips(office.path, vault_key=office.key)]
    assert max(len(a.encode()) for a in addresses) > 120  # too long as it stands
    slips = tmp_path / "slips"
    assert office.slip(slips) == 0
    written = sorted(p.name for p in slips.iterdir())
    assert len(written) == len(addresses) == 2
    for name in written:
        assert len(name.encode()) <= 120
        assert name.isascii()
        assert name.endswith(".docx")
    assert any(name.startswith(f"{TRACK}_Ap-Duong-Thuong") for name in written)
    assert "2 slips written" in capsys.readouterr().out


@pytest.mark.parametrize(
    "address",
    [
        f"{TRACK}/s1/A\x00B",
        "chinh/s1/X%2F1",
        "chinh/s1/..",
        f"{TRACK}/{SITTING}/{LONG_ID}/{LONG_ID}",
        "chinh/s1/" + "Đ" * 400,
        "chinh/s1/\x1b[31m\u202e",
    ],
)
def test_every_slip_name_is_one_safe_bounded_file_name(address: str) -> None:
    from meetlink.cli.commands import slip_file_name

    name = slip_file_name(address)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*-[0-9a-f]{10}\.docx", name), name
    assert len(name.encode()) <= 120


def test_slip_names_of_different_points_differ() -> None:
    from meetlink.cli.commands import slip_file_name

    addresses = [
        "chinh/s1/Hòa",
        "chinh/s1/Hoa",
        "chinh/s1/X%2F1",
        "chinh/s1/X_1",
        "chinh/s1/X%252F1",
    ]
    assert len({slip_file_name(a) for a in addresses}) == len(addresses)
    assert slip_file_name("chinh/s1/X%2F1").startswith("chinh_s1_X_1-")


def test_every_name_is_checked_before_the_first_slip_is_written(
    office: Office,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import meetlink.cli.commands

    monkeypatch.setattr(meetlink.cli.commands, "slip_file_name", lambda address: "same.txt")
    folder = tmp_path / "slips"
    assert office.slip(folder) == 2
    assert "two slips would have the same file name same.txt" in capsys.readouterr().err
    assert not folder.exists() or list(folder.iterdir()) == []


# -- 2. core dumps are off ------------------------------------------------------------------


def test_core_dumps_are_off_once_the_command_line_starts() -> None:
    code = (
        "import resource, meetlink.cli\n"
        "hard = resource.getrlimit(resource.RLIMIT_CORE)[1]\n"
        "resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))  # as a shell may leave it\n"
        "meetlink.cli.disable_core_dumps()\n"
        "print(resource.getrlimit(resource.RLIMIT_CORE))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(0, 0)"  # and it cannot be raised again


def test_main_turns_core_dumps_off_before_anything_else(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import meetlink.cli

    calls: list[str] = []
    monkeypatch.setattr(meetlink.cli, "disable_core_dumps", lambda: calls.append("off"))
    with pytest.raises(SystemExit):
        main(["--version"])
    assert calls == ["off"]
    assert main(["plan", str(tmp_path / "missing.yaml")]) == 2
    assert calls == ["off", "off"]
    capsys.readouterr()
