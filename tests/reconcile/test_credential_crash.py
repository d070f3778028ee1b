"""Issue 11's crash test: `meetlink open` of a 300-bridge-point, two-sitting meeting on the
``provisioned`` platform (accounts generated and exported) is killed with SIGKILL at many
moments of its credentials phase — while logins are issued and exported, while each
conference's access is granted, while the hand-outs are written — and a finishing `open`
completes it. Then every password in every hand-out equals the provider export's for that
login, no officer was ever sent two different passwords for one login (nothing was
rotated), every point got one hand-out per sitting, and the export has one row per point.

A second test announces the second sitting's time only after a first `open` has finished:
its hand-outs must carry the password the first sitting's did.

Everything is observed from outside, as an office sees it: the outbox's ``.eml`` files and
the export CSV. ``MEETLINK_CRASH_ROUNDS`` sets how many random moments are tried (default 5).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from meetlink.adapters.provisioned.accounts import read_csv_rows
from meetlink.credentials.vault import VaultKey

pytestmark = pytest.mark.integration

POINTS = 300
ROUNDS = int(os.environ.get("MEETLINK_CRASH_ROUNDS", "5"))
MEETING_ID = "cred-crash"
TRACK = "line"
JOURNAL = "accounts-for-provider.csv.journal"
# The sittings, and the date each one's hand-out names ("Thứ Ba, ngày 12/3/2024").
SITTINGS = {"s1": ("2024-03-12", "ngày 12/3/2024"), "s2": ("2024-03-13", "ngày 13/3/2024")}
HANDOUT_SUBJECT = "Thông tin đăng nhập điểm cầu"
LOGIN_LINE = re.compile(r"^\s*Tên đăng nhập: (\S+)\s*$", re.MULTILINE)
PASSWORD_LINE = re.compile(r"^\s*Mật khẩu: (\S+)\s*$", re.MULTILINE)
STAGES = ("logins", "access", "handouts")


def _sitting_line(sitting: str, *, timed: bool = True) -> str:
    day = SITTINGS[sitting][0]
    if not timed:  # "thời gian cụ thể sẽ có thông báo sau": no start, no end yet
        return f"      - {{id: {sitting}}}\n"
    return f"      - {{id: {sitting}, start: {day}T08:00, end: {day}T10:00}}\n"


def _officer(point: str) -> str:
    return f"ktv.{point.lower()}@xa.example.org"


@dataclass
class Meeting:
    """A meeting folder: ``points`` communes, each its own bridge point on a provisioned
    track with two sittings, each with a technical officer; run by `python -m meetlink`."""

    folder: Path
    points: int
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        header = "id,name,kind,members,location,equipment,officer_name,officer_email\n"
        rows = "".join(
            f"{point},Đảng bộ xã {i},commune,{16 + i % 9},Hội trường xã {i},computer,"
            f"Cán bộ kỹ thuật {i},{_officer(point)}\n"
            for i, point in enumerate(self.point_ids)
        )
        (self.folder / "roster.csv").write_text(header + rows, encoding="utf-8")
        self.write(s2_timed=True)
        key = VaultKey.generate()
        # PYTHONPATH passes on: run against another checkout with PYTHONPATH=/that/src.
        self.env = {**os.environ, "MEETLINK_VAULT_KEY": key.reveal_text()}

    @property
    def point_ids(self) -> list[str]:
        return [f"C{i:03d}" for i in range(self.points)]

    @property
    def path(self) -> Path:
        return self.folder / "meeting.yaml"

    @property
    def state(self) -> Path:
        return self.folder / ".meetlink"

    @property
    def outbox(self) -> Path:
        return self.state / "outbox"

    @property
    def export(self) -> Path:
        return self.state / "platforms" / TRACK / "accounts-for-provider.csv"

    def write(self, *, s2_timed: bool) -> None:
        self.path.write_text(
            f"""\
id: {MEETING_ID}
title: "Hội nghị trực tuyến quán triệt nghị quyết"
organizer: {{name: "Văn phòng Thị ủy", email: vp@thiuy.example.org}}
roster: roster.csv
tracks:
  - id: {TRACK}
    platform: provisioned
    units: {{kinds: [commune]}}
    conference: shared
    attendance: split
    sittings:
"""
            + _sitting_line("s1")
            + _sitting_line("s2", timed=s2_timed),
            encoding="utf-8",
        )

    def start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "meetlink", "open", str(self.path)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def open(self) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "meetlink", "open", str(self.path)],
            env=self.env,
            capture_output=True,
            timeout=600,
            check=False,
        )

    def finish(self) -> None:
        """An `open` to completion, then one more that finds nothing to do."""
        done = self.open()
        assert done.returncode == 0, (done.stdout + done.stderr).decode()
        again = self.open()
        assert again.returncode == 0, (again.stdout + again.stderr).decode()
        assert b"nothing to do" in again.stdout, again.stdout.decode()

    # -- how far a running `open` has come, seen from outside ----------------------------

    def exported(self) -> int:
        """Rows in the export: logins issued (the file is replaced whole, never half), and
        in its journal (a row a line, appended while `open` runs; issue 19)."""
        rows = 0
        for path, header in ((self.export, 1), (self.export.with_name(JOURNAL), 0)):
            with contextlib.suppress(FileNotFoundError):
                rows += max(0, path.read_bytes().count(b"\n") - header)
        return rows

    def granted(self) -> int:
        """Accesses (a point's login in one conference) the ledger has done."""
        ledger = self.state / "ledger.sqlite3"
        if not ledger.exists():
            return 0
        try:
            with contextlib.closing(
                sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=0.05)
            ) as db:
                row = db.execute(
                    "SELECT count(*) FROM effects WHERE kind = 'access' AND state = 'done'"
                ).fetchone()
        except sqlite3.Error:
            return 0
        return int(row[0])

    def handed_out(self) -> int:
        """Hand-out files in the outbox (written whole: a temporary file renamed)."""
        if not self.outbox.is_dir():
            return 0
        return sum(1 for _ in self.outbox.glob("handout-*.eml"))

    def progress(self, stage: str) -> int:
        counters: dict[str, Callable[[], int]] = {
            "logins": self.exported,
            "access": self.granted,
            "handouts": self.handed_out,
        }
        return counters[stage]()

    def total(self, stage: str) -> int:
        return self.points if stage == "logins" else 2 * self.points


@dataclass(frozen=True)
class Handout:
    file: str
    to: str
    login: str
    password: str
    sitting: str


def handouts(outbox: Path) -> list[Handout]:
    """Every hand-out the outbox holds: one file per Message-ID ever written."""
    found = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if not str(message["Subject"]).startswith(HANDOUT_SUBJECT):
            continue
        body = message.get_body(preferencelist=("plain",))
        assert body is not None, path.name
        text = body.get_content()
        login, password = LOGIN_LINE.search(text), PASSWORD_LINE.search(text)
        assert login is not None, f"{path.name}: no login line"
        assert password is not None, f"{path.name}: no password line"
        sittings = [s for s, (_, shown) in SITTINGS.items() if shown in text]
        assert len(sittings) == 1, f"{path.name}: names no one sitting's date"
        found.append(Handout(path.name, str(message["To"]), login[1], password[1], sittings[0]))
    return found


def check_credentials(meeting: Meeting, sittings: tuple[str, ...] = ("s1", "s2")) -> None:
    """What issue 11 asks of a finished `open`, from the export and the outbox alone."""
    rows = read_csv_rows(meeting.export)
    # (d) the export: exactly one row per point, one login per row, a password in each
    assert sorted(r["unit"] for r in rows) == meeting.point_ids
    export = {r["login"]: r for r in rows}
    assert len(export) == len(rows), "two points share a login in the export"
    assert all(r["password"] for r in rows)
    unit_of = {login: r["unit"] for login, r in export.items()}

    given = handouts(meeting.outbox)
    passwords: dict[str, set[str]] = {}
    per_sitting: dict[tuple[str, str], list[str]] = {}
    wrong = []
    for handout in given:
        assert handout.login in export, f"{handout.file}: login {handout.login} not exported"
        assert _officer(unit_of[handout.login]) in handout.to, (handout.file, handout.to)
        passwords.setdefault(handout.login, set()).add(handout.password)
        per_sitting.setdefault((handout.login, handout.sitting), []).append(handout.file)
        # (a) what the officer was sent is what the provider imports
        if handout.password != export[handout.login]["password"]:
            wrong.append(f"{handout.file} ({handout.login}, {handout.sitting})")
    assert not wrong, f"{len(wrong)} hand-out(s) disagree with the export: {wrong[:5]}"
    # (b) no officer was ever sent two passwords for one login (nothing was rotated)
    twice = {login: len(p) for login, p in passwords.items() if len(p) != 1}
    assert not twice, f"logins handed out with several passwords: {sorted(twice.items())[:5]}"
    # (c) every point, every sitting: one hand-out, once
    wanted = {(login, s) for login in export for s in sittings}
    assert set(per_sitting) == wanted, sorted(wanted ^ set(per_sitting))[:5]
    duplicated = {k: v for k, v in per_sitting.items() if len(v) != 1}
    assert not duplicated, sorted(duplicated.items())[:3]
    assert len(given) == len(sittings) * meeting.points


# -- killing `open` in the credentials phase ----------------------------------------------


def _kill_at(
    meeting: Meeting, stage: str, target: int, jitter: float, deadline: float = 120.0
) -> str:
    """Start `open`, wait until ``stage`` has reached ``target`` (then ``jitter`` seconds
    more), SIGKILL it; what it had done when killed, for the record."""
    process = meeting.start()
    limit = time.monotonic() + deadline
    try:
        while meeting.progress(stage) < target and process.poll() is None:
            assert time.monotonic() < limit, f"{stage} never reached {target}"
            time.sleep(0.005)
        time.sleep(jitter)
        alive = process.poll() is None
        process.send_signal(signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        out, err = process.communicate(timeout=30)  # reap it and close its pipes
    assert alive, (
        f"`open` ended (exit {process.returncode}) before the kill at {stage} {target}:\n"
        + (out + err).decode()
    )
    done = ", ".join(f"{s} {meeting.progress(s)}" for s in STAGES)
    return f"{stage}≥{target}+{jitter * 1000:.0f}ms → {done}"


def _moment(meeting: Meeting, rng: random.Random, stages: tuple[str, ...]) -> tuple[str, int]:
    """A stage not yet complete and a target beyond where it stands now."""
    open_stages = [s for s in stages if meeting.progress(s) < meeting.total(s)]
    stage = rng.choice(open_stages or list(stages))
    now = meeting.progress(stage)
    return stage, rng.randint(min(now + 1, meeting.total(stage)), meeting.total(stage))


@pytest.mark.parametrize("moment", range(ROUNDS))
def test_kills_in_the_credentials_phase_never_split_a_login(moment: int, tmp_path: Path) -> None:
    rng = random.Random(11_000 + moment)
    meeting = Meeting(tmp_path, POINTS)
    kills = []
    # The first kill cycles through the stages, so a few rounds already cover all three.
    stage = STAGES[moment % len(STAGES)]
    target = rng.randint(1, meeting.total(stage))
    kills.append(_kill_at(meeting, stage, target, rng.uniform(0, 0.03)))
    if moment % 2 == 1:  # a second kill in the same round, at a later moment
        stage, target = _moment(meeting, rng, STAGES)
        kills.append(_kill_at(meeting, stage, target, rng.uniform(0, 0.03)))
    print(f"round {moment}: " + "; ".join(kills))
    meeting.finish()
    check_credentials(meeting)


def test_a_sitting_timed_later_gets_the_same_login_and_password(tmp_path: Path) -> None:
    meeting = Meeting(tmp_path, 24)
    meeting.write(s2_timed=False)
    done = meeting.open()
    assert done.returncode == 0, (done.stdout + done.stderr).decode()
    check_credentials(meeting, sittings=("s1",))
    first = {h.login: h.password for h in handouts(meeting.outbox)}

    meeting.write(s2_timed=True)  # the time is announced
    meeting.finish()
    check_credentials(meeting)
    second = {h.login: h.password for h in handouts(meeting.outbox) if h.sitting == "s2"}
    assert second == first
