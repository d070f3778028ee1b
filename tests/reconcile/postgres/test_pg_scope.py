"""Two district offices open their own parts of one province meeting at the same time, each
in a process (and a folder) of its own, on one PostgreSQL ledger: neither touches the other's
points (counted at the Google emulator, the memory platform and each office's outbox), and
the province's ``status`` shows both. The same with the meeting relayed in tiers (issue 17):
each district makes its own relay conference, the province's is made once by whichever
comes first."""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

import psycopg
import pytest
from scope_runs import OfficeRun, open_at_once, write_office
from tests.reconcile.test_scope_tiers import MEETING as TIER_MEETING
from tests.reconcile.test_scope_tiers import ROSTER as TIER_ROSTER

from meetlink.credentials.vault import VaultKey
from meetlink.reconcile import open_meeting
from meetlink.testing.google import GoogleEmulator

pytestmark = pytest.mark.integration

H1_POINTS = {"H1", "X11", "X12"}
H2_POINTS = {"H2", "X21", "X22"}
TIER_H1 = {"H1", "X11", "X12", "X13"}
TIER_H2 = {"H2", "X21", "X22", "X23"}
# The province meeting relayed in tiers (tests/reconcile/test_scope_tiers.py: 4 participants
# a conference, three communes a district), held at Google: the province's conference holds
# T, H1 and H2; each district's hall relays its communes in a conference of its own.
RELAYED_MEETING = TIER_MEETING.replace("platform: memory", "platform: google")


@pytest.fixture
def emulator() -> Iterator[GoogleEmulator]:
    with GoogleEmulator(latency=0.002) as emu:
        yield emu


@pytest.fixture
def env(emulator: GoogleEmulator) -> dict[str, str]:
    """What every office's process is started with: the emulator's address, the vault key."""
    key = VaultKey.generate()
    return {"MEETLINK_GOOGLE_EMULATOR_HOST": emulator.host, "MEETLINK_VAULT_KEY": key.reveal_text()}


def _districts_at_once(
    offices: dict[str, Path], url: str, env: dict[str, str]
) -> tuple[OfficeRun, OfficeRun]:
    """H1's and H2's ``open --scope`` started at the same moment: both succeeded, and their
    runs overlapped in time."""
    runs = open_at_once({u: offices[u] for u in ("H1", "H2")}, url, env)
    h1, h2 = runs["H1"], runs["H2"]
    assert h1.ok, h1.failures
    assert h2.ok, h2.failures
    assert h1.started < h2.ended  # they did run at the same time
    assert h2.started < h1.ended
    return h1, h2


def _status(office: Path, url: str, env: dict[str, str]) -> str:
    """``meetlink status`` of an office's meeting file on the shared ledger, in English, one
    line a row; its output and errors."""
    shown = subprocess.run(
        [sys.executable, "-m", "meetlink", "status", str(office), "--state", url],
        env={**os.environ, **env, "COLUMNS": "240", "MEETLINK_LANG": "en"},
        capture_output=True,
        check=False,
    )
    return shown.stdout.decode() + shown.stderr.decode()


def _invitations(outbox: Path) -> Counter[str]:
    """The points invited by an office's outbox (by their officer's address), each as often
    as a calendar invites it."""
    found: Counter[str] = Counter()
    for calendar in outbox.glob("*.ics"):
        text = calendar.read_text(encoding="utf-8")
        if "METHOD:REQUEST" in text:
            found.update({m.upper() for m in re.findall(r"mailto:ktv\.(\w+)@", text)})
    return found


def _invited(outbox: Path) -> set[str]:
    """The points whose invitation is in an office's outbox."""
    return set(_invitations(outbox))


def _handed(outbox: Path) -> set[str]:
    """The officers who got a login in an office's outbox (the hand-outs, no calendar)."""
    found: set[str] = set()
    for file in outbox.glob("*.eml"):
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        if any(part.get_content_type() == "text/calendar" for part in message.walk()):
            continue
        for _name, address in getaddresses([str(message["To"])]):
            found |= {m.upper() for m in re.findall(r"^ktv\.(\w+)@", address)}
    return found


def test_two_districts_open_their_scopes_at_once_and_the_province_sees_both(
    tmp_path: Path, postgres_url: str, emulator: GoogleEmulator, env: dict[str, str]
) -> None:
    offices = {unit: write_office(tmp_path / unit) for unit in ("H1", "H2", "T")}
    h1, h2 = _districts_at_once(offices, postgres_url, env)

    # The province's one Google event: made once, by whichever district came first.
    assert len(emulator.events()) == 1
    assert _created(h1) + _created(h2) == 1
    # Each district made its own communes' rooms, and no other.
    assert h1.rooms == ["xa/s1/X11", "xa/s1/X12"]
    assert h2.rooms == ["xa/s1/X21", "xa/s1/X22"]
    for run in (h1, h2):
        assert run.counts["invitation"] == {"create": 3}
        assert run.counts["handout"] == {"create": 2}
    assert _invited(tmp_path / "H1" / ".meetlink" / "outbox") == H1_POINTS
    assert _invited(tmp_path / "H2" / ".meetlink" / "outbox") == H2_POINTS
    assert _handed(tmp_path / "H1" / ".meetlink" / "outbox") == {"X11", "X12"}
    assert _handed(tmp_path / "H2" / ".meetlink" / "outbox") == {"X21", "X22"}

    # The province's status, on its own machine: both districts done, its own point not yet.
    text = _status(offices["T"], postgres_url, env)
    assert "6 done, 1 pending, 0 failed" in text, text
    with psycopg.connect(postgres_url) as db:
        rows = db.execute(
            "SELECT key FROM effects WHERE kind = 'invitation' AND key LIKE '%/T'"
        ).fetchall()
    assert rows == []  # no district touched the province's own point


def _created(run: OfficeRun) -> int:
    return run.counts.get("conference", {}).get("create", 0) - len(run.rooms)


def _inserts(emulator: GoogleEmulator) -> Counter[str]:
    """The events asked to be created at the emulator, by meetlink's key (``main/s1/H1``):
    every ``events.insert``, answered or refused."""
    found: Counter[str] = Counter()
    for request in emulator.requests:
        if request.method == "POST" and request.path.endswith("/events"):
            private = (request.body or {}).get("extendedProperties", {}).get("private", {})
            found[private.get("meetlinkKey", "?")] += 1
    return found


def _bodies(outbox: Path) -> dict[str, str]:
    """The plain text of each invitation in an office's outbox, by its ``To`` header."""
    found: dict[str, str] = {}
    for file in outbox.glob("*.eml"):
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        found[str(message["To"])] = str(body.get_content())
    return found


def _cells(line: str) -> list[str]:
    """The cells of one row of the ``status`` table."""
    return [cell.strip() for cell in line.strip("│ ").split("│")]


def _point(action: str) -> str:
    """The bridge point or conference an action is about (``create invitation:main/s1/X11``
    → ``X11``, ``create conference:main/s1/H1`` → ``main/s1/H1``)."""
    kind, _, key = action.split(" ", 1)[1].partition(":")
    return key if kind == "conference" else key.rsplit("/", 1)[-1]


def test_two_districts_open_a_relayed_meeting_at_once_each_its_own_relay(
    tmp_path: Path,
    postgres_url: str,
    emulator: GoogleEmulator,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offices = {
        unit: write_office(tmp_path / unit, RELAYED_MEETING, TIER_ROSTER)
        for unit in ("H1", "H2", "T")
    }
    outboxes = {unit: tmp_path / unit / ".meetlink" / "outbox" for unit in offices}
    runs = dict(zip(("H1", "H2"), _districts_at_once(offices, postgres_url, env), strict=True))

    # At Google: the province's conference asked for once, by whichever district came first;
    # each district's relay conference once, by that district.
    assert _inserts(emulator) == {"main/s1": 1, "main/s1/H1": 1, "main/s1/H2": 1}
    made = {
        unit: {_point(a) for a in run.actions if " conference:" in a} for unit, run in runs.items()
    }
    assert made["H1"] - {"main/s1"} == {"main/s1/H1"}
    assert made["H2"] - {"main/s1"} == {"main/s1/H2"}
    assert ("main/s1" in made["H1"]) != ("main/s1" in made["H2"])
    # No run set out to touch a point of the other district, or the province's own.
    for unit, own in (("H1", TIER_H1), ("H2", TIER_H2)):
        points = {_point(a) for a in runs[unit].actions if " conference:" not in a}
        assert points <= own, (unit, runs[unit].actions)
        assert runs[unit].counts["invitation"] == {"create": 4}
    # Each point invited once, by its own district's office.
    assert _invitations(outboxes["H1"]) == dict.fromkeys(TIER_H1, 1)
    assert _invitations(outboxes["H2"]) == dict.fromkeys(TIER_H2, 1)
    with psycopg.connect(postgres_url) as db:
        province_own = db.execute("SELECT key FROM effects WHERE key LIKE '%/T'").fetchall()
    assert province_own == []  # the province's own point is left to the province

    # The province's status, on its own machine: both relay rooms done, its own point not yet.
    text = _status(offices["T"], postgres_url, env)
    assert "10 done, 1 pending, 0 failed" in text, text
    rows = [_cells(line) for line in text.splitlines() if line.startswith("│ main/s1")]
    relayed = {
        hall: sorted(row[1] for row in rows if f"relay room at {hall}" in row[2])
        for hall in ("Huyện ủy Cẩm Xuyên", "Huyện ủy Can Lộc")
    }
    assert relayed == {"Huyện ủy Cẩm Xuyên": sorted(TIER_H1), "Huyện ủy Can Lộc": sorted(TIER_H2)}
    assert [row[-1] for row in rows if row[1] != "T"] == ["done"] * 10
    assert [row[-1] for row in rows if row[1] == "T"] == ["pending"]
    # Each district's hall is told both rooms: the province's, where it hears the meeting,
    # and its own, where it passes it on (whichever office made the province's).
    links = {
        e["extendedProperties"]["private"]["meetlinkKey"]: e["hangoutLink"]
        for e in emulator.events()
    }
    for unit, hall in (("H1", "Huyện ủy Cẩm Xuyên"), ("H2", "Huyện ủy Can Lộc")):
        (body,) = [b for who, b in _bodies(outboxes[unit]).items() if who.startswith(hall)]
        assert links["main/s1"] in body
        assert links[f"main/s1/{unit}"] in body

    # The province opens its own part (the main conference is there already), then an
    # unscoped re-run finds nothing left to do.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    province = open_meeting(str(offices["T"]), state_dir=postgres_url, scope="T")
    assert province.ok, province.failures
    assert "conference" not in province.counts
    assert province.counts["invitation"] == {"create": 1}
    assert _invitations(outboxes["T"]) == {"T": 1}
    everyone = sum((_invitations(outbox) for outbox in outboxes.values()), Counter())
    assert everyone == dict.fromkeys(TIER_H1 | TIER_H2 | {"T"}, 1)
    before = sorted(p.name for p in outboxes["T"].iterdir())
    asked = len(emulator.requests)
    again = open_meeting(str(offices["T"]), state_dir=postgres_url)
    assert again.ok, again.failures
    assert again.counts == {}
    assert sorted(p.name for p in outboxes["T"].iterdir()) == before
    changes = [r for r in emulator.requests[asked:] if r.method != "GET" and not r.is_batch]
    assert changes == []  # nothing made or changed at Google either
    assert _inserts(emulator) == {"main/s1": 1, "main/s1/H1": 1, "main/s1/H2": 1}
