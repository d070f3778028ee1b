"""Issue 13's fault suite, durability: what the ledger records as done is on the disk, a full
disk is a sentence and the next run finishes without a duplicate, a killed writer's ``.part``
leftover is cleaned up.

* Every outbox message is fsynced, under its final name and with its folder, before the
  ledger records it as sent (the system calls are watched, in order).
* A full disk — SQLite's own SQLITE_FULL (``PRAGMA max_page_count``), and a real one (a
  300 KB tmpfs, when this process may mount one) — ends ``meetlink open`` with exit code 1
  and "free some disk space, then run again", never a traceback; the next run, with room,
  finishes the meeting with no conference made twice and no invitation sent in two forms.
* A writer killed half-way leaves a ``.part`` file; the next outbox removes it once that
  process is gone, and leaves a live writer's alone.

Kill -9 at random moments of a whole ``open`` is ``tests/reconcile/test_crash_resume.py``.
"""

# ruff: noqa: E501 - roster rows read best one to a line

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from meetlink.adapters.memory import MemoryStore
from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.group_commit import GroupCommit
from meetlink.mail import outbox as outbox_module
from meetlink.mail.outbox import OutboxSender, file_stem
from meetlink.mail.sender import DeliveryResult
from meetlink.mail.wire import message_bytes
from meetlink.reconcile import open_meeting
from meetlink.reconcile.ledger import EffectState, Ledger

ROSTER = """\
mã,tên tổ chức đảng,loại,trực thuộc,số đảng viên,địa điểm,có trụ sở xã,ghép điểm cầu,cán bộ kỹ thuật,email,email nhận giấy mời
TU,Thị ủy,committee,,40,Hội trường tầng 3,,,Ngô Văn An,ktv.tu@thiuy.example.org,vp@thiuy.example.org
X1,Xã Hòa Phong,commune,,30,Hội trường xã,,,Lê Thị Bình,ktv.x1@xa.example.org,bithu.x1@xa.example.org
X1-CA,Chi bộ Công an xã,attached,X1,7,,,,,,ca.x1@xa.example.org
X1-T2,Chi bộ thôn 2,village,X1,18,NVH thôn 2,,,Đỗ Văn Cường,ktv.t2@xa.example.org,t2@xa.example.org
"""

MEETING = """\
id: durable
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
"""

MORE_SITTINGS = "".join(
    f"      - {{id: s{day}, start: 2023-09-1{day}T08:00, end: 2023-09-1{day}T10:00}}\n"
    for day in (2, 3, 4)
)


class Office:
    """A meeting folder, its memory platform (a named store) and its vault key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store = f"durable-{folder.name}"
        self.path.write_text(MEETING.format(store=self.store), encoding="utf-8")
        (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")

    @property
    def path(self) -> Path:
        return self.folder / "meeting.yaml"

    @property
    def state(self) -> Path:
        return self.folder / ".meetlink"

    def add_sittings(self) -> None:
        with self.path.open("a", encoding="utf-8") as meeting:
            meeting.write(MORE_SITTINGS)

    def conferences(self) -> int:
        return len(MemoryStore.named(self.store).conferences("durable"))


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    folder = tmp_path / "meeting"
    folder.mkdir()
    made = Office(folder)
    yield made
    MemoryStore.forget(made.store)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


# ------------------------------------------------------------------- 1. outbox files are durable


def _real(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(path)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name an fd")
def test_an_outbox_message_is_fsynced_with_its_folder_before_the_ledger_records_it(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, ...]] = []
    real_fsync, real_replace, real_done = os.fsync, os.replace, Ledger.record_done

    def fsync(descriptor: Any) -> None:
        number = descriptor if isinstance(descriptor, int) else descriptor.fileno()
        events.append(("fsync", _real(os.readlink(f"/proc/self/fd/{number}"))))
        real_fsync(descriptor)

    def replace(source: Any, target: Any, **kw: Any) -> None:
        real_replace(source, target, **kw)
        events.append(("replace", _real(source), _real(target)))

    def record_done(ledger: Ledger, key: str, **kw: Any) -> Any:
        events.append(("done", key, str((kw.get("detail") or {}).get("message_id", ""))))
        return real_done(ledger, key, **kw)

    # An outcome is recorded when the transaction holding it commits: at once, or with its
    # chunk of points (issue 19), after the outbox's sync.
    real_commit_open, real_commit = GroupCommit._commit_open, GroupCommit._commit

    def commit_open(group: GroupCommit, *args: Any, **kw: Any) -> None:
        real_commit_open(group, *args, **kw)
        events.append(("commit",))

    def commit(group: GroupCommit, *args: Any, **kw: Any) -> None:
        real_commit(group, *args, **kw)
        events.append(("commit",))

    # Each file's fsync is watched here: the outbox's one syncfs of its file system (Linux)
    # is left out for this test.
    monkeypatch.setattr(outbox_module, "_syncfs", None, raising=False)
    monkeypatch.setattr(GroupCommit, "_commit_open", commit_open)
    monkeypatch.setattr(GroupCommit, "_commit", commit)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(Ledger, "record_done", record_done)
    assert open_meeting(office.path).ok

    outbox = _real(office.state / "outbox")
    checked = 0
    for done, event in enumerate(events):
        if event[0] != "done" or not event[2]:
            continue
        at = events.index(("commit",), done)  # the commit that records it
        stem = file_stem(event[2])
        files = [f"{stem}.eml"] + ([f"{stem}.ics"] if event[1].startswith("invitation") else [])
        for name in files:
            target = os.path.join(outbox, name)
            moved = [i for i, e in enumerate(events[:at]) if e[0] == "replace" and e[2] == target]
            assert moved, f"{name} was not written before {event[1]} was recorded"
            renamed = moved[-1]
            source = events[renamed][1]
            synced = ("fsync", source) in events[:renamed] or ("fsync", target) in events[
                renamed:at
            ]
            assert synced, f"{name}: data not fsynced"
            assert ("fsync", outbox) in events[renamed:at], f"{name}: folder not fsynced"
            checked += 1
    assert checked == 9  # 3 hand-outs, 3 invitations (.eml and .ics)


# --------------------------------------------------------------------------------- 3. disk full


class Recorder:
    """Counts what an outbox sender is given: a resend must be the very same message."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: dict[str, set[bytes]] = defaultdict(set)
        real_send = OutboxSender.send

        def send(outbox: OutboxSender, message: EmailMessage) -> DeliveryResult:
            result = real_send(outbox, message)
            self.sent[str(message["Message-ID"])].add(message_bytes(message))
            return result

        monkeypatch.setattr(OutboxSender, "send", send)

    def check(self, office: Office) -> None:
        """Each Message-ID carried one content; each event one SEQUENCE 0 invitation; and
        the outbox holds exactly what was sent."""
        assert all(len(contents) == 1 for contents in self.sent.values())
        firsts = [m for m in self.sent if re.search(r"-0\.request@", m)]
        uids = [m.removeprefix("<").rsplit("-0.request@", 1)[0] for m in firsts]
        assert len(uids) == len(set(uids)), "an invitation went out twice as SEQUENCE 0"
        outbox = {p.name for p in (office.state / "outbox").glob("*.eml")}
        assert outbox == {f"{file_stem(m)}.eml" for m in self.sent}


def _full_after(extra_pages: int) -> Callable[..., sqlite3.Connection]:
    """``sqlite3.connect`` whose ledger connections may grow the file by ``extra_pages``
    pages only: SQLite's own "database or disk is full" (SQLITE_FULL) after that."""
    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        db = real_connect(*args, **kwargs)
        if "ledger.sqlite3" in str(args[0] if args else kwargs.get("database", "")):
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages + extra_pages}").fetchall()
        return db

    return connect


def _everything_done(office: Office) -> None:
    with Ledger(office.state / "ledger.sqlite3", read_only=True) as ledger:
        effects = ledger.effects("durable")
    kinds = {e.kind for e in effects}
    assert {"conference", "access", "handout", "invitation"} <= kinds
    assert {e.state for e in effects if e.kind != "sitting"} == {EffectState.DONE}


@pytest.mark.parametrize("extra_pages", [0, 3, 6])
def test_a_full_disk_is_a_sentence_and_the_next_run_finishes_without_a_duplicate(
    office: Office,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra_pages: int,
) -> None:
    recorder = Recorder(monkeypatch)
    assert _cli(capsys, "open", str(office.path))[0] == 0
    office.add_sittings()  # three more: about 9 more pages of ledger; room for 0, 3 or 6

    with monkeypatch.context() as full:
        full.setattr(sqlite3, "connect", _full_after(extra_pages))
        code, text = _cli(capsys, "open", str(office.path))
    assert code == 1
    assert "is full" in text
    assert "free some disk space, then run again" in text
    assert "cannot rollback" not in text

    code, text = _cli(capsys, "open", str(office.path))
    assert code == 0, text
    assert office.conferences() == 4  # each new sitting's conference was made once
    _everything_done(office)
    recorder.check(office)
    code, text = _cli(capsys, "open", str(office.path))
    assert code == 0
    assert "nothing to do" in text


@contextlib.contextmanager
def _tmpfs(folder: Path, size: str) -> Iterator[None]:
    folder.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
    except OSError:
        mounted = None
    if mounted is None or mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield
    finally:
        if subprocess.run(["umount", str(folder)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_really_full_disk_is_a_sentence_and_the_run_finishes_elsewhere(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small, roomy = tmp_path / "small", tmp_path / "roomy"
    with _tmpfs(small, "200k"):
        code, text = _cli(capsys, "open", str(office.path), "--state", str(small))
        shutil.copytree(small, roomy)  # what an office does: move to a disk with room
    assert code == 1
    assert "free some disk space, then run again" in text
    assert "cannot rollback" not in text

    code, text = _cli(capsys, "open", str(office.path), "--state", str(roomy))
    assert code == 0, text
    assert office.conferences() == 1


# ---------------------------------------------------------------------- 7. a killed writer's .part


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from meetlink import private_files

    os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)  # killed before the rename
    private_files.write_private(Path(sys.argv[1]) / "handout-x1.eml", b"x" * 1_000_000)
    """
)


def test_a_killed_writers_part_file_is_removed_and_a_live_writers_is_kept(
    office: Office,
) -> None:
    outbox = office.state / "outbox"
    outbox.mkdir(parents=True)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(outbox)], capture_output=True, check=False
    )
    assert killed.returncode == -9, killed.stderr
    (leftover,) = outbox.iterdir()  # named by the real writer, with its (now dead) pid
    assert leftover.name.startswith(".handout-x1.eml.")
    assert leftover.name.endswith(".part")

    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = outbox / f".handout-tu.eml.{writer.pid}.k2f9x1.part"
        alive.write_bytes(b"")
        OutboxSender(outbox)
        assert not leftover.exists()
        assert alive.exists()  # its writer may still finish it

        leftover.write_bytes(b"")  # again, and this time `meetlink open` finds it
        assert open_meeting(office.path).ok
        assert not leftover.exists()
        assert alive.exists()
        assert not [p for p in outbox.iterdir() if p.name.endswith(".part") and p != alive]
    finally:
        writer.kill()
        writer.wait()
    OutboxSender(outbox)
    assert not alive.exists()
