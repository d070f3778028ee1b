"""Issue 18: "time announced later" (seed 000: "Thời gian cụ thể sẽ có thông báo sau").

A sitting without a time sends each bridge point a notice without a calendar part; `status`
says which points have only the notice and never calls such a sitting done; once the time
is set, the invitations (REQUEST, with the calendar) follow and the notice is not sent
again; a kill between a notice's intent and its outcome never sends it twice.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import icalendar
import pytest

from meetlink.cli import main
from meetlink.credentials.vault import VaultKey
from meetlink.loading import load_meeting
from meetlink.planning import plan_meeting
from meetlink.reconcile import meeting_status
from meetlink.reconcile.ledger import EffectState, Ledger
from meetlink.reconcile.status import NOTICE_ONLY, POSTPONED

Meeting = Any  # tests/reconcile/conftest.py's Meeting: a folder, its ledger and its outbox

LATER = "thời gian cụ thể sẽ có thông báo sau"
TIMED_S2 = "{id: s2, start: 2023-09-11T08:00, end: 2023-09-11T10:00}"
UNTIMED_S2 = "{id: s2}"
S2_POINTS = {"TU", "X1", "X1-T2"}


def _parse(path: Path) -> Any:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def notices(outbox: Path) -> dict[str, Any]:
    """Every notice in the outbox by file name (a notice has no .ics beside it)."""
    return {p.name: _parse(p) for p in sorted(outbox.glob("*.notice-*.eml"))}


def requests(outbox: Path) -> list[icalendar.Calendar]:
    found = []
    for path in sorted(outbox.glob("*.ics")):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        if str(calendar.get("METHOD")) == "REQUEST":
            found.append(calendar)
    return found


def _body(message: Any) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _addresses(message: Any) -> set[str]:
    return {a.addr_spec.casefold() for a in message["To"].addresses}


def _rows(meeting: Meeting) -> dict[tuple[str, str], Any]:
    loaded = load_meeting(meeting.path)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    with Ledger(meeting.state / "ledger.sqlite3", read_only=True) as ledger:
        return {(r.sitting, r.point): r for r in meeting_status(plan, ledger)}


@pytest.fixture
def later(meeting: Meeting) -> Meeting:
    """The reconcile meeting with its second sitting's time announced later."""
    meeting.edit(TIMED_S2, UNTIMED_S2)
    return meeting


def test_the_first_open_sends_each_point_a_notice_without_a_calendar(
    later: Meeting, open_it: Callable[..., Any]
) -> None:
    result = open_it()
    assert result.ok, result.failures
    assert result.counts["notice"] == {"create": 3}
    sent = notices(later.outbox)
    assert len(sent) == 3
    for message in sent.values():
        types = [part.get_content_type() for part in message.walk()]
        assert "text/calendar" not in types
        assert "application/ics" not in types
        assert types == ["multipart/alternative", "text/plain", "text/html"]
        assert str(message["Subject"]).startswith("Giấy báo: ")
        assert LATER in str(message["Subject"])
        body = _body(message)
        assert LATER in body.casefold()
        assert "Điểm cầu:" in body
        assert "Thời gian: Từ" not in body  # no time is made up
    # the first sitting's invitations went out as before, and only those
    assert len(requests(later.outbox)) == 3
    to_x1 = [m for m in sent.values() if "bithu.x1@xa.example.org" in _addresses(m)]
    assert len(to_x1) == 1
    assert _addresses(to_x1[0]) == {
        "bithu.x1@xa.example.org",
        "ca.x1@xa.example.org",
        "ktv.x1@xa.example.org",
    }
    body = _body(to_x1[0])
    assert "Xã Hòa Phong" in body
    assert "Chi bộ Công an xã" in body


def test_status_shows_the_points_with_only_the_notice_and_never_done(
    later: Meeting, open_it: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert open_it().ok
    rows = _rows(later)
    waiting = {point: row for (sitting, point), row in rows.items() if sitting == "main/s2"}
    assert set(waiting) == S2_POINTS
    assert {r.invitation for r in waiting.values()} == {NOTICE_ONLY}
    assert {r.state for r in waiting.values()} == {"waiting"}
    assert {r.state for (s, _), r in rows.items() if s == "main/s1"} == {"done"}

    assert main(["status", str(later.path)]) == 0
    out = capsys.readouterr().out
    assert "notice only" in out
    assert "3 done," in out
    assert "3 waiting for the time" in out
    assert "6 done" not in out
    assert "3 điểm cầu chỉ có giấy báo, chờ thời gian." in out


def test_a_point_still_to_get_its_notice_is_pending_not_done(
    later: Meeting, open_it: Callable[..., Any]
) -> None:
    assert open_it().ok
    later.edit("{id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}", "{id: s1}")
    rows = _rows(later)  # s1 lost its time and was invited before: postponement pending
    assert {r.state for (s, _), r in rows.items() if s == "main/s1"} == {"pending"}


def test_setting_the_time_sends_the_invitations_and_no_second_notice(
    later: Meeting, open_it: Callable[..., Any]
) -> None:
    assert open_it().ok
    before = notices(later.outbox)
    later.edit(UNTIMED_S2, TIMED_S2)

    second = open_it()
    assert second.ok, second.failures
    assert second.counts["invitation"] == {"create": 3}
    assert "create" not in second.counts.get("notice", {})
    assert set(notices(later.outbox)) == set(before)  # not one notice more
    calendars = requests(later.outbox)
    assert len(calendars) == 6
    s2 = [
        event
        for calendar in calendars
        for event in calendar.walk("VEVENT")
        if event.decoded("DTSTART").day == 11
    ]
    assert len(s2) == 3
    assert {int(event["SEQUENCE"]) for event in s2} == {0}
    rows = _rows(later)
    assert {r.state for r in rows.values()} == {"done"}

    files = sorted(p.name for p in later.outbox.iterdir())
    third = open_it()
    assert third.ok
    assert third.counts == {}
    assert sorted(p.name for p in later.outbox.iterdir()) == files


def test_a_changed_notice_is_sent_again_as_an_update(
    later: Meeting, open_it: Callable[..., Any]
) -> None:
    assert open_it().ok
    later.edit('title: "Giờ sinh hoạt toàn Đảng bộ"\n', 'title: "Giờ sinh hoạt Quý III"\n')
    again = open_it()
    assert again.counts["notice"] == {"update": 3}
    sent = notices(later.outbox)
    assert len(sent) == 6
    updates = [m for m in sent.values() if "(điều chỉnh)" in str(m["Subject"])]
    assert len(updates) == 3
    assert all("Giờ sinh hoạt Quý III" in _body(m) for m in updates)
    assert open_it().counts == {}


def test_the_time_withdrawn_after_the_invitations_is_a_postponement_without_a_notice(
    meeting: Meeting, open_it: Callable[..., Any]
) -> None:
    assert open_it().ok
    meeting.edit(TIMED_S2, UNTIMED_S2)
    result = open_it()
    assert result.ok, result.failures
    assert result.counts.get("invitation") == {"cancel": 3}
    assert "notice" not in result.counts
    assert notices(meeting.outbox) == {}
    rows = _rows(meeting)
    assert {r.invitation for (s, _), r in rows.items() if s == "main/s2"} == {POSTPONED}
    with Ledger(meeting.state / "ledger.sqlite3", read_only=True) as ledger:
        cancelled = [e for e in ledger.effects("demo-open", kind="invitation") if "s2" in e.key]
    assert {e.state for e in cancelled} == {EffectState.CANCELLED}
    assert all(e.detail["postponed"] for e in cancelled)
    cancels = [
        _parse(p)
        for p in meeting.outbox.glob("*.eml")
        if p.with_suffix(".ics").exists()
        and "METHOD:CANCEL" in p.with_suffix(".ics").read_text(encoding="utf-8")
    ]
    assert len(cancels) == 3
    for message in cancels:  # said as postponed, not as "will not be held"
        assert "hoãn" in str(message["Subject"])
        assert "không tổ chức" not in _body(message)
    assert open_it().counts == {}


def test_the_meetings_own_templates_write_the_notice(
    later: Meeting, open_it: Callable[..., Any]
) -> None:
    own = later.folder / "mau"
    own.mkdir()
    (own / "pending_subject.txt").write_text(
        "Giấy báo số 12: {{ title }} — {{ point_name }}\n", encoding="utf-8"
    )
    later.edit("roster: roster.csv\n", "roster: roster.csv\ntemplates: mau\n")
    assert open_it().ok
    subjects = {str(m["Subject"]) for m in notices(later.outbox).values()}
    assert subjects == {
        f"Giấy báo số 12: Giờ sinh hoạt toàn Đảng bộ — {name}"
        for name in ("Thị ủy", "Xã Hòa Phong", "Chi bộ thôn 2")
    }


def test_a_mistake_in_the_own_notice_template_stops_open_before_anything(
    later: Meeting, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    own = later.folder / "mau"
    own.mkdir()
    (own / "pending.txt").write_text("Kính gửi: {{ addressees }\n", encoding="utf-8")
    later.edit("roster: roster.csv\n", "roster: roster.csv\ntemplates: mau\n")
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    assert main(["open", str(later.path)]) == 2
    assert "pending.txt" in capsys.readouterr().err
    assert not later.outbox.exists()


def test_a_dry_run_shows_the_notices(later: Meeting, open_it: Callable[..., Any]) -> None:
    planned = open_it(dry_run=True)
    notices_planned = [a for a in planned.actions if a.what.value == "notice"]
    assert len(notices_planned) == 3
    assert {a.op.value for a in notices_planned} == {"create"}


# -- a kill between a notice's intent and its outcome ------------------------------------

KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from meetlink.mail.outbox import OutboxSender
    from meetlink.cli import main

    when, after = sys.argv[1], int(sys.argv[2])
    original = OutboxSender.send
    seen = []

    def send(self, message):
        if ".notice-" not in str(message["Message-ID"]):
            return original(self, message)
        seen.append(1)
        if len(seen) == after and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)  # intent written, nothing sent
        result = original(self, message)
        if len(seen) == after and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)  # sent, outcome not written
        return result

    OutboxSender.send = send
    sys.exit(main(["open", sys.argv[3]]))
    """
)


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("after", [1, 2])
def test_a_kill_between_a_notices_intent_and_outcome_never_sends_it_twice(
    meeting: Meeting, tmp_path: Path, when: str, after: int
) -> None:
    # Jitsi keeps its rooms in the state folder: the second process finds the first's.
    meeting.edit("platform: memory", "platform: jitsi")
    meeting.edit(TIMED_S2, UNTIMED_S2)
    env = {
        **os.environ,
        "MEETLINK_VAULT_KEY": VaultKey.generate().reveal_text(),
        "HOME": str(tmp_path / "home"),
    }
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, when, str(after), str(meeting.path)],
        env=env,
        capture_output=True,
        check=False,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    with Ledger(meeting.state / "ledger.sqlite3", read_only=True) as ledger:
        states = [e.state for e in ledger.effects("demo-open", kind="notice")]
    assert EffectState.INTENT in states  # killed between the intent and the outcome

    again = subprocess.run(
        [sys.executable, "-m", "meetlink", "open", str(meeting.path)],
        env=env,
        capture_output=True,
        check=False,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr.decode()
    sent = notices(meeting.outbox)
    assert len(sent) == 3  # exactly one per point
    to = [frozenset(_addresses(m)) for m in sent.values()]
    assert len(set(to)) == 3
    with Ledger(meeting.state / "ledger.sqlite3", read_only=True) as ledger:
        done = ledger.effects("demo-open", kind="notice")
    assert [e.state for e in done] == [EffectState.DONE] * 3
    assert {str(e.detail["message_id"]) for e in done} == {
        str(m["Message-ID"]) for m in sent.values()
    }
    finish = subprocess.run(
        [sys.executable, "-m", "meetlink", "open", str(meeting.path)],
        env=env,
        capture_output=True,
        check=False,
        timeout=300,
    )
    assert finish.returncode == 0
    assert b"nothing to do" in finish.stdout
