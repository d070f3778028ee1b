"""Issue 13's fault suite, damaged and read-only state: a sentence that says what to do, and
nothing done, never a traceback.

* A damaged ledger page (an index page that lost its cells, a vault page overwritten): every
  command (``open``, ``status``, ``credentials list``, ``credentials slip``) stops with exit
  code 1 and "restore it from a backup" — never "nothing to do", never advice to delete,
  replace or set the file aside (it also holds the vault) — and the file is left as it was.
* A read-only state folder: ``status``, ``credentials list`` and a dry run read the ledger
  as it is (also when a crash left writes in its WAL); ``open`` says the folder is read-only.
  As root (who may write anywhere) the folder is made read-only by a read-only bind mount,
  and the test is skipped where mounting is not allowed.
"""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from meetlink.adapters.memory import MemoryStore
from meetlink.cli import main
from meetlink.credentials.vault import VaultKey

ROSTER = """\
mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm,có trụ sở xã,ghép điểm cầu,cán bộ kỹ thuật,email,email nhận giấy mời
TU,Thị ủy,committee,,40,Hội trường tầng 3,,,Ngô Văn An,ktv.tu@thiuy.example.org,vp@thiuy.example.org
X1,Xã Hòa Phong,commune,,30,Hội trường xã,,,Lê Thị Bình,ktv.x1@xa.example.org,bithu.x1@xa.example.org
X1-T2,Chi bộ thôn 2,village,X1,18,NVH thôn 2,,,Đỗ Văn Cường,ktv.t2@xa.example.org,t2@xa.example.org
"""

MEETING = """\
id: damaged
title: "Giờ sinh hoạt toàn Đảng bộ"
organizer: {{name: "Văn phòng Thị ủy", email: vp@thiuy.example.org}}
roster: roster.csv
tracks:
  - id: main
    platform: memory
    settings: {{store: {store}}}
    units: {{kinds: [committee, commune, attached, village, agency]}}
    attendance: split
    sittings:
      - {{id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}}
      - {{id: s2, start: 2023-09-11T08:00, end: 2023-09-11T10:00}}
"""

COMMANDS = (
    ("open",),
    ("status",),
    ("credentials", "list"),
    ("credentials", "slip"),
)


class Office:
    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.store = f"damaged-{folder.name}"
        self.capsys = capsys
        self.path.write_text(MEETING.format(store=self.store), encoding="utf-8")
        (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")

    @property
    def path(self) -> Path:
        return self.folder / "meeting.yaml"

    @property
    def state(self) -> Path:
        return self.folder / ".meetlink"

    @property
    def ledger(self) -> Path:
        return self.state / "ledger.sqlite3"

    def run(self, *command: str) -> tuple[int, str]:
        """``meetlink COMMAND MEETING.yaml [ARGS]`` in-process: exit code and all output."""
        code = main([command[0], str(self.path), *command[1:]])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out + err

    def snapshot(self) -> dict[str, str]:
        """Every state file's content hash, the ledger's WAL and lock files included."""
        return {
            str(p.relative_to(self.state)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.state.rglob("*"))
            if p.is_file()
        }

    def calls(self) -> dict[str, int]:
        return dict(MemoryStore.named(self.store).calls)


@pytest.fixture
def office(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Office]:
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    monkeypatch.setenv("COLUMNS", "200")
    folder = tmp_path / "meeting"
    folder.mkdir()
    made = Office(folder, capsys)
    code, text = made.run("open")
    assert code == 0, text
    yield made
    MemoryStore.forget(made.store)


# ------------------------------------------------------------------------- a damaged ledger


def _checkpoint(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def _root_page(path: Path, name: str) -> int:
    with contextlib.closing(sqlite3.connect(path)) as db:
        (page,) = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)
        ).fetchone()
        (size,) = db.execute("PRAGMA page_size").fetchone()
    assert page > 1
    return int(page) * int(size) - int(size)  # the page's offset in the file


def _index_page_loses_its_cells(path: Path) -> None:
    """The effects' key index forgets every key: reads then find nothing, silently."""
    offset = _root_page(path, "sqlite_autoindex_effects_1")
    with path.open("r+b") as file:
        file.seek(offset)
        assert file.read(1) == b"\x0a"  # a leaf page of an index
        file.seek(offset + 3)
        file.write(b"\x00\x00")  # its number of cells


def _vault_page_overwritten(path: Path) -> None:
    """The vault's table page is garbage, as after a bad sector."""
    offset = _root_page(path, "vault_credentials")
    with path.open("r+b") as file:
        file.seek(offset)
        file.write(b"\xa5" * 4096)


@pytest.mark.parametrize(
    "damage", [_index_page_loses_its_cells, _vault_page_overwritten], ids=["index", "vault"]
)
def test_a_damaged_ledger_stops_every_command_with_what_to_do(
    office: Office, damage: Callable[[Path], None]
) -> None:
    _checkpoint(office.ledger)
    damage(office.ledger)
    before, calls = office.snapshot(), office.calls()
    for command in COMMANDS:
        code, text = office.run(*command)
        assert code == 1, (command, text)
        assert "is damaged" in text, (command, text)
        assert "Restore it from a backup" in text
        assert "do not delete or replace it" in text
        assert "aside" not in text
        assert "nothing to do" not in text
    assert office.snapshot() == before  # nothing written, nothing sent
    assert office.calls() == calls  # not one call to the platform


# ----------------------------------------------------------------------- a read-only folder


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only for this process: its mode for a user, a read-only bind mount for
    root (whom modes do not stop); skipped when root may not mount."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(0o700)
        return
    try:
        bound = subprocess.run(
            ["mount", "--bind", str(folder), str(folder)], capture_output=True, check=False
        )
    except OSError:
        bound = None
    if bound is None or bound.returncode != 0:
        pytest.skip("running as root, and no read-only bind mount may be made here")
    try:
        remounted = subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True, check=False
        )
        if remounted.returncode != 0:
            pytest.skip("running as root, and no read-only bind mount may be made here")
        yield
    finally:
        if subprocess.run(["umount", str(folder)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


CRASH_AFTER_A_WRITE = textwrap.dedent(
    """
    import os, sys
    from meetlink.reconcile.ledger import Ledger

    ledger = Ledger(sys.argv[1])
    ledger._db.execute("PRAGMA wal_autocheckpoint = 0")
    key = "invitation:main/s2/X1-T2"
    ledger.record_intent("damaged", key, "invitation", content_hash="h")
    ledger.record_failed(key, "DeliveryError: the mail server said no (written just before a crash)")
    os._exit(0)  # no close: the write stays in the WAL, not merged into the file
    """
)


@pytest.mark.parametrize("wal", [False, True], ids=["clean", "after-a-crash"])
def test_a_read_only_state_folder_can_be_read_and_open_says_it_is_read_only(
    office: Office, wal: bool
) -> None:
    if wal:
        crashed = subprocess.run(
            [sys.executable, "-c", CRASH_AFTER_A_WRITE, str(office.ledger)],
            capture_output=True,
            check=False,
        )
        assert crashed.returncode == 0, crashed.stderr
        assert office.ledger.with_name("ledger.sqlite3-wal").stat().st_size > 0
    before = office.snapshot()
    with _read_only(office.state):
        code, text = office.run("status")
        assert code == (1 if wal else 0), text
        assert "6 done" in text or "5 done, 0 pending, 1 failed" in text
        if wal:  # the write left in the WAL is read, not skipped
            assert "the mail server said no" in text

        code, text = office.run("credentials", "list")
        assert code == 0, text
        assert "6 credentials" in text

        code, text = office.run("open", "--dry-run")
        assert code == 0, text

        code, text = office.run("open")
        assert code == 1
        assert f"the state folder {office.state} is read-only" in text
        assert "damaged" not in text
        assert "backup" not in text
        assert "aside" not in text
    assert office.snapshot() == before
