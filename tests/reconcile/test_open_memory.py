"""`meetlink open` on the memory platform: exactly once, resumable, in step with the file."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from meetlink.errors import LedgerBusy, TransientError
from meetlink.reconcile import OpenResult
from meetlink.reconcile.ledger import EffectState, Ledger

Open = Callable[..., Any]


def _lines(calendar: str, name: str) -> list[str]:
    return re.findall(rf"^{name}:(.*?)\r?$", calendar, flags=re.MULTILINE)


def test_the_first_open_creates_everything_and_the_second_does_nothing(
    meeting: Any, open_it: Open
) -> None:
    first: OpenResult = open_it()
    assert first.ok, first.failures
    assert first.counts["conference"] == {"create": 2}
    # three points (TU, X1, X1-T2) × two sittings
    assert first.counts["access"] == {"create": 6}
    assert first.counts["handout"] == {"create": 6}
    assert first.counts["invitation"] == {"create": 6}
    calls = dict(meeting.store.calls)
    files = sorted(p.name for p in meeting.outbox.iterdir())
    second: OpenResult = open_it()
    assert second.ok
    assert second.counts == {}
    assert dict(meeting.store.calls) == calls  # no call to the platform at all
    assert sorted(p.name for p in meeting.outbox.iterdir()) == files


def test_a_moved_sitting_updates_the_conference_and_bumps_the_sequence(
    meeting: Any, open_it: Open
) -> None:
    open_it()
    meeting.edit(
        "2023-09-11T08:00, end: 2023-09-11T10:00", "2023-09-11T09:00, end: 2023-09-11T11:00"
    )
    result: OpenResult = open_it()
    assert result.counts["conference"] == {"update": 1}
    assert result.counts["invitation"] == {"update": 3}
    # the memory platform hands out per-unit tokens, valid for the sitting's time: re-issued
    assert result.counts["access"] == {"update": 3}
    assert result.counts["handout"] == {"update": 3}
    updates = [c for c in meeting.calendars() if _lines(c, "SEQUENCE") == ["1"]]
    assert len(updates) == 3
    assert all(_lines(c, "METHOD") == ["REQUEST"] for c in updates)
    assert all("T090000" in "".join(_lines(c, "DTSTART;TZID=Asia/Ho_Chi_Minh")) for c in updates)


def test_cancelling_a_sitting_sends_cancel_and_a_later_open_does_not_revive_it(
    meeting: Any, open_it: Open
) -> None:
    open_it()
    result: OpenResult = open_it(cancel_sittings=["s1"])
    assert result.counts["conference"] == {"cancel": 1}
    assert result.counts["invitation"] == {"cancel": 3}
    cancels = [c for c in meeting.calendars() if _lines(c, "METHOD") == ["CANCEL"]]
    assert len(cancels) == 3
    assert all(_lines(c, "STATUS") == ["CANCELLED"] and "BEGIN:VALARM" not in c for c in cancels)
    assert all(_lines(c, "SEQUENCE") == ["1"] for c in cancels)
    again: OpenResult = open_it()
    assert again.counts == {}


def test_a_wrong_vault_key_cancels_nothing(meeting: Any, open_it: Open) -> None:
    """A cancel with a key that does not open the vault is refused before the sitting is
    marked cancelled: the next open (right key) still holds it, nothing is cancelled."""
    from meetlink.credentials.vault import VaultKey
    from meetlink.errors import VaultKeyError

    open_it()
    with pytest.raises(VaultKeyError):
        open_it(cancel_sittings=["s1"], vault_key=VaultKey.generate(), env={})
    with sqlite3.connect(meeting.state / "ledger.sqlite3") as db:
        cancelled = db.execute("SELECT key FROM effects WHERE state = 'cancelled'").fetchall()
    assert cancelled == []
    again: OpenResult = open_it()
    assert again.ok
    assert again.counts == {}


def test_a_unit_moved_to_another_point_is_uninvited_from_the_old_one(
    meeting: Any, open_it: Open
) -> None:
    open_it()
    roster = (meeting.folder / "roster.csv").read_text(encoding="utf-8")
    # the police branch now sits at the village point instead of the commune point
    meeting.write(
        roster=roster.replace(
            "X1-CA,Chi bộ Công an xã,attached,X1,7,,,,",
            "X1-CA,Chi bộ Công an xã,attached,X1,7,,,X1-T2,",
        )
    )
    open_it()
    uninvites = [
        c
        for c in meeting.calendars()
        if _lines(c, "METHOD") == ["CANCEL"] and "ca.x1@xa.example.org" in c
    ]
    assert len(uninvites) == 2  # one per sitting, for the old point
    assert all(not _lines(c, "STATUS") for c in uninvites)
    assert all("bithu.x1@xa.example.org" not in c for c in uninvites)
    new_point = [
        c
        for c in meeting.calendars()
        if _lines(c, "METHOD") == ["REQUEST"]
        and "ca.x1@xa.example.org" in c
        and "t2@xa.example.org" in c
    ]
    assert len(new_point) == 2


def test_a_failed_conference_does_not_stop_the_others_and_the_next_open_retries_it(
    meeting: Any, open_it: Open
) -> None:
    meeting.store.fail_next(1, operation="create")
    first: OpenResult = open_it()
    assert not first.ok
    assert [f.key for f in first.failures] == ["conference:main/s1"]
    assert first.counts["conference"] == {"create": 1}
    second: OpenResult = open_it()
    assert second.ok
    assert second.counts["conference"] == {"create": 1}
    with Ledger(meeting.state / "ledger.sqlite3") as ledger:
        effects = ledger.effects("demo-open", kind="conference")
    assert {e.state for e in effects} == {EffectState.DONE}
    assert len(meeting.store.conferences()) == 2


def test_an_unknown_outcome_is_settled_by_asking_the_platform_not_by_creating_again(
    meeting: Any, open_it: Open
) -> None:
    # the platform makes the conference, then the answer is lost
    meeting.store.fail_next(1, operation="create", after=True)
    first: OpenResult = open_it()
    assert not first.ok
    creates = meeting.store.calls["create"]
    with Ledger(meeting.state / "ledger.sqlite3") as ledger:
        ledger.record_intent("demo-open", "conference:main/s1", "conference")  # as after a crash
    second: OpenResult = open_it()
    assert second.ok, second.failures
    assert meeting.store.calls["find"] >= 1
    assert meeting.store.calls["create"] == creates  # found, not created again
    assert len(meeting.store.conferences()) == 2


def test_an_invitation_resent_after_a_failure_has_the_same_bytes(
    meeting: Any, open_it: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meetlink.errors import DeliveryError
    from meetlink.mail.outbox import OutboxSender
    from meetlink.mail.wire import message_bytes

    real_send = OutboxSender.send
    attempts: dict[str, list[bytes]] = {}
    doomed: list[str] = []

    def flaky(self: OutboxSender, message: Any) -> Any:
        message_id = str(message["Message-ID"])
        attempts.setdefault(message_id, []).append(message_bytes(message))
        if ".request@" in message_id and not doomed:
            doomed.append(message_id)  # the first invitation fails once
            raise DeliveryError("the mail server is away; run again.")
        return real_send(self, message)

    monkeypatch.setattr(OutboxSender, "send", flaky)
    first: OpenResult = open_it()
    assert [f.what for f in first.failures] == ["invitation"]
    failed_id = doomed[0]
    second: OpenResult = open_it()
    assert second.ok, second.failures
    assert second.counts == {"invitation": {"create": 1}}
    assert len(attempts[failed_id]) == 2
    assert attempts[failed_id][0] == attempts[failed_id][1]  # same SEQUENCE, DTSTAMP, bytes


def test_a_dry_run_writes_nothing(meeting: Any, open_it: Open) -> None:
    result: OpenResult = open_it(dry_run=True)
    assert {a.op.value for a in result.actions} == {"create"}
    assert not meeting.state.exists()
    assert meeting.store.calls["create"] == 0


def test_a_second_open_at_the_same_time_is_refused(meeting: Any, open_it: Open) -> None:
    open_it()
    with (
        Ledger(meeting.state / "ledger.sqlite3") as ledger,
        ledger.lock("demo-open"),
        pytest.raises(LedgerBusy),
    ):
        open_it()


def test_no_secret_reaches_the_ledger_or_the_invitations(meeting: Any, open_it: Open) -> None:
    open_it()
    from meetlink.credentials.vault import Vault

    with Vault.open(meeting.state / "ledger.sqlite3", meeting.key) as vault:
        passwords = [
            vault.get("demo-open", s.unit_id, s.kind).password for s in vault.list("demo-open")
        ]
    revealed = [p.reveal() for p in passwords if p is not None]
    assert len(revealed) == 6
    raw = (meeting.state / "ledger.sqlite3").read_bytes()
    db = sqlite3.connect(meeting.state / "ledger.sqlite3")
    dumped = "\n".join(db.iterdump())
    db.close()
    invitations = "".join(meeting.calendars())
    handouts = [
        p.read_bytes().decode("utf-8", "replace")
        for p in meeting.outbox.glob("*.eml")
        if "handout-" in p.name
    ]
    for secret in revealed:
        assert secret not in dumped
        assert secret.encode() not in raw
        assert secret not in invitations
    assert len(handouts) == 6
    # each password is in exactly one message: its own officer's
    for secret in revealed:
        assert sum(secret in text or _qp(secret) in text for text in handouts) == 1


def _qp(secret: str) -> str:
    import quopri

    return quopri.encodestring(secret.encode()).decode().rstrip("=\n")


def test_a_transient_error_on_an_update_leaves_the_credentials_in_place(
    meeting: Any, open_it: Open
) -> None:
    open_it()
    meeting.edit("Giờ sinh hoạt toàn Đảng bộ", "Giờ sinh hoạt toàn Đảng bộ (đổi tên)")
    meeting.store.fail_next(5, TransientError("busy", adapter="memory"), operation="update")
    result: OpenResult = open_it()
    assert not result.ok
    assert "access" not in {f.what for f in result.failures}
    assert result.counts.get("access", {}).get("cancel", 0) == 0


def test_status_after_a_cancel_shows_the_sitting_cancelled_and_no_officer_waiting(
    meeting: Any, open_it: Open
) -> None:
    from meetlink.loading import load_meeting
    from meetlink.planning import plan_meeting
    from meetlink.reconcile import meeting_status, officers_waiting

    open_it()
    open_it(cancel_sittings=["s1"])
    loaded = load_meeting(meeting.path)
    with Ledger(meeting.state / "ledger.sqlite3") as ledger:
        rows = meeting_status(plan_meeting(loaded.meeting, loaded.roster), ledger)
    assert {r.state for r in rows if r.sitting == "main/s1"} == {"cancelled"}
    assert {r.state for r in rows if r.sitting == "main/s2"} == {"done"}
    assert officers_waiting(rows) == []


def test_a_track_with_invites_outbox_uses_the_outbox_even_when_smtp_is_configured(
    meeting: Any, open_it: Open
) -> None:
    # nothing listens on port 9 of this machine: any SMTP attempt would fail the run
    meeting.edit(
        "roster: roster.csv\n",
        "roster: roster.csv\ndelivery:\n  smtp: {host: 127.0.0.1, port: 9, "
        "starttls: false, timeout_seconds: 2}\n",
    )
    meeting.edit("    attendance: split\n", "    attendance: split\n    invites: outbox\n")
    result: OpenResult = open_it()
    assert result.ok, result.failures
    assert result.outbox == meeting.outbox
    assert len(list(meeting.outbox.glob("*.ics"))) == 6
    assert len(list(meeting.outbox.glob("handout-*.eml"))) == 6


def test_a_google_track_without_credentials_is_refused_before_anything_is_done(
    meeting: Any, open_it: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meetlink.errors import InputError

    monkeypatch.delenv("MEETLINK_GOOGLE_EMULATOR_HOST", raising=False)
    meeting.edit("    platform: memory\n", "    platform: google\n")
    with pytest.raises(InputError) as caught:
        open_it()
    assert "tracks[0].platform: the google platform needs credentials" in str(caught.value)
    assert str(meeting.path) in str(caught.value)
    assert not meeting.state.exists()
