"""The settled stamp (issue 19): a re-run of a settled ``open`` works nothing out again, and
every change the stamp covers brings the full run back."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from meetlink.credentials.vault import Vault, VaultKey
from meetlink.errors import InputError, LedgerBusy, VaultKeyError
from meetlink.reconcile import open_meeting
from meetlink.reconcile import run as run_module
from meetlink.reconcile import settled as settled_module
from meetlink.reconcile.context import OpenResult
from meetlink.reconcile.desired import DesiredState
from meetlink.reconcile.ledger_file import meeting_lock
from meetlink.reconcile.lifecycle import revoke_credentials
from meetlink.reconcile.setup import load_meeting

Open = Callable[..., Any]


def _settle(open_it: Open) -> OpenResult:
    """The first open (it acts), then the full run that finds nothing to do: it stamps."""
    first = open_it()
    assert first.ok, first.failures
    assert first.counts
    settled = open_it()
    assert settled.ok
    assert settled.counts == {}
    return settled  # type: ignore[no-any-return]


def _rows(meeting: Any) -> list[tuple[str, ...]]:
    with sqlite3.connect(meeting.state / "ledger.sqlite3") as db:
        return db.execute("SELECT meeting_file, scope, meeting_id, sources FROM settled").fetchall()


def _takes_the_fast_path(open_it: Open, worked_out: list[int], **kw: Any) -> OpenResult:
    worked_out.clear()
    result = open_it(**kw)
    assert worked_out == []  # nothing worked out: the stamp answered
    return result  # type: ignore[no-any-return]


def _runs_in_full(open_it: Open, worked_out: list[int], **kw: Any) -> OpenResult:
    worked_out.clear()
    result = open_it(**kw)
    assert worked_out  # the desired state was worked out again
    return result  # type: ignore[no-any-return]


def test_a_settled_rerun_answers_from_the_stamp_with_the_same_result(
    meeting: Any, open_it: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = _settle(open_it)
    assert len(_rows(meeting)) == 1
    calls = sum(meeting.store.calls.values())
    files = sorted(p.name for p in meeting.outbox.iterdir())

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the settled re-run worked something out")

    monkeypatch.setattr(DesiredState, "now", boom)
    monkeypatch.setattr(run_module, "load_meeting", boom)
    fast = open_it()

    assert fast == full  # every field: counts, actions (with reasons), where, scope …
    assert fast.actions
    assert fast.actions == full.actions
    assert fast.outbox == full.outbox
    assert fast.state_dir == full.state_dir
    assert sum(meeting.store.calls.values()) == calls  # no platform call
    assert sorted(p.name for p in meeting.outbox.iterdir()) == files  # no message


def test_the_first_open_that_acted_stamps_the_next_run(meeting: Any, open_it: Open) -> None:
    assert open_it().counts
    assert len(_rows(meeting)) == 1  # its pass found nothing left: tests/…/test_settled_acted


def test_a_roster_edited_by_one_byte_runs_in_full(
    meeting: Any, open_it: Open, worked_out: list[int]
) -> None:
    _settle(open_it)
    _takes_the_fast_path(open_it, worked_out)
    roster = meeting.folder / "roster.csv"
    before = roster.read_bytes()
    roster.write_bytes(before.replace(b"3,,,Ng", b"4,,,Ng"))  # tầng 3 → tầng 4: one byte
    assert roster.read_bytes() != before
    result = _runs_in_full(open_it, worked_out)
    assert result.ok
    assert result.counts  # the new place is sent


def test_a_meeting_file_edited_runs_in_full(
    meeting: Any, open_it: Open, worked_out: list[int]
) -> None:
    _settle(open_it)
    _takes_the_fast_path(open_it, worked_out)
    meeting.edit("id: demo-open\n", "id: demo-open\n# ghi chú của văn phòng\n")
    assert _runs_in_full(open_it, worked_out).counts == {}
    _takes_the_fast_path(open_it, worked_out)  # stamped again by that full run


def test_an_edited_template_runs_in_full(
    meeting: Any, open_it: Open, worked_out: list[int]
) -> None:
    words = meeting.folder / "words"
    words.mkdir()
    builtin = Path(settled_module.__file__).parents[1] / "invites" / "templates" / "vi"
    (words / "description.txt").write_bytes((builtin / "description.txt").read_bytes())
    meeting.edit("roster: roster.csv\n", "roster: roster.csv\ntemplates: words\n")
    _settle(open_it)
    _takes_the_fast_path(open_it, worked_out)
    with (words / "description.txt").open("a", encoding="utf-8") as text:
        text.write("\nĐề nghị các điểm cầu kiểm tra đường truyền trước 30 phút.\n")
    assert _runs_in_full(open_it, worked_out).counts["invitation"]


def test_an_effect_row_changed_by_another_tool_runs_in_full(
    meeting: Any, open_it: Open, worked_out: list[int]
) -> None:
    _settle(open_it)
    _takes_the_fast_path(open_it, worked_out)
    with sqlite3.connect(meeting.state / "ledger.sqlite3") as db:
        key = db.execute("SELECT key FROM effects WHERE kind = 'invitation' LIMIT 1").fetchone()
        db.execute("UPDATE effects SET content_hash = 'edited' WHERE key = ?", key)
    assert _runs_in_full(open_it, worked_out).counts == {"invitation": {"update": 1}}


def test_a_revoked_credential_runs_in_full(
    meeting: Any, open_it: Open, worked_out: list[int]
) -> None:
    _settle(open_it)
    _takes_the_fast_path(open_it, worked_out)
    revoke_credentials(meeting.path, ["X1"], vault_key=meeting.key, http=meeting.store)
    assert _runs_in_full(open_it, worked_out).ok


def test_a_failed_run_leaves_no_stamp(meeting: Any, open_it: Open) -> None:
    _settle(open_it)
    assert _rows(meeting)
    meeting.edit("end: 2023-09-10T10:00", "end: 2023-09-10T11:00")  # work for the platform
    meeting.store.fail_next(1, operation="update")
    failed = open_it()
    assert not failed.ok
    assert _rows(meeting) == []  # the stamp is gone with it


def test_a_split_hand_out_waiting_for_its_password_leaves_no_stamp(
    meeting: Any, open_it: Open
) -> None:
    meeting.edit("    attendance: split\n", "    attendance: split\n    handout: split\n")
    assert open_it().ok
    again = open_it()  # nothing to do, but the password halves wait for their slips
    assert again.ok
    assert again.counts == {}
    assert _rows(meeting) == []


def test_a_split_hand_out_given_by_the_hook_is_settled(
    meeting: Any, open_it: Open, worked_out: list[int]
) -> None:
    meeting.edit("    attendance: split\n", "    attendance: split\n    handout: split\n")

    def sms(officer: Any, card: Any, text: str) -> str:
        return "sms"

    assert open_it(secret_hook=sms).ok
    assert open_it(secret_hook=sms).counts == {}
    _takes_the_fast_path(open_it, worked_out, secret_hook=sms)
    _runs_in_full(open_it, worked_out)  # without the hook: another call, the full run


def test_another_scope_runs_in_full(meeting: Any, open_it: Open, worked_out: list[int]) -> None:
    _settle(open_it)
    _takes_the_fast_path(open_it, worked_out)
    scoped = _runs_in_full(open_it, worked_out, scope="X1")
    assert scoped.scope
    stamped = _takes_the_fast_path(open_it, worked_out, scope="X1")  # its own row
    assert stamped == scoped
    assert sorted(row[1] for row in _rows(meeting)) == ["", "X1"]


def test_another_meetlink_runs_in_full(
    meeting: Any, open_it: Open, worked_out: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _settle(open_it)
    _takes_the_fast_path(open_it, worked_out)
    monkeypatch.setattr(settled_module, "code_identity", lambda: "meetlink 9.9 (an upgrade)")
    _runs_in_full(open_it, worked_out)


def test_another_language_in_the_environment_runs_in_full(
    meeting: Any, open_it: Open, worked_out: list[int]
) -> None:
    _settle(open_it)
    _takes_the_fast_path(open_it, worked_out, env={**os.environ, "MEETLINK_LANG": "en"})
    _runs_in_full(open_it, worked_out, env={**os.environ, "MEETLINK_LANG": "vi"})


def test_a_full_run_can_be_asked_for(meeting: Any, open_it: Open, worked_out: list[int]) -> None:
    _settle(open_it)
    _runs_in_full(open_it, worked_out, env={**os.environ, settled_module.FULL_RUN_VAR: "1"})


def test_an_unreadable_row_runs_in_full(meeting: Any, open_it: Open, worked_out: list[int]) -> None:
    _settle(open_it)
    with sqlite3.connect(meeting.state / "ledger.sqlite3") as db:
        db.execute("UPDATE settled SET result = '{not json'")
    assert _runs_in_full(open_it, worked_out).ok


def test_a_missing_roster_is_said_by_the_full_run(meeting: Any, open_it: Open) -> None:
    _settle(open_it)
    (meeting.folder / "roster.csv").unlink()
    with pytest.raises(InputError, match="roster"):
        open_it()


def _forbid_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next open must not load the meeting (it is answered from the stamp)."""

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the settled re-run loaded the meeting")

    monkeypatch.setattr(run_module, "load_meeting", boom)


def test_a_wrong_vault_key_is_refused_on_the_fast_path(
    meeting: Any, open_it: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settle(open_it)

    _forbid_loading(monkeypatch)
    with pytest.raises(VaultKeyError):
        open_it(vault_key=VaultKey.generate())


def test_a_held_lock_is_busy_on_the_fast_path(
    meeting: Any, open_it: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settle(open_it)

    _forbid_loading(monkeypatch)
    with (
        meeting_lock(meeting.state / "ledger.sqlite3", "demo-open"),
        pytest.raises(LedgerBusy),
    ):
        open_it()


def test_the_settled_row_holds_no_secret(meeting: Any, open_it: Open) -> None:
    _settle(open_it)
    with Vault.open(meeting.state / "ledger.sqlite3", meeting.key) as vault:
        secrets = [
            credential.password.reveal()
            for stored in vault.list("demo-open")
            if (credential := vault.get("demo-open", stored.unit_id, stored.kind)).password
        ]
    assert secrets
    row = "".join(map(str, _rows(meeting)[0]))
    files = [meeting.state / "ledger.sqlite3", meeting.state / "ledger.sqlite3-wal"]
    stored = b"".join(path.read_bytes() for path in files if path.exists())
    for secret in secrets:
        assert secret not in row
        assert secret.encode() not in stored


def test_a_cancel_never_takes_the_fast_path_and_removes_the_stamp(
    meeting: Any, open_it: Open, worked_out: list[int]
) -> None:
    _settle(open_it)
    _takes_the_fast_path(open_it, worked_out)
    cancelled = _runs_in_full(open_it, worked_out, cancel_sittings=["s2"])
    assert cancelled.counts["conference"] == {"cancel": 1}
    assert _rows(meeting) == []


def test_a_meeting_given_loaded_is_never_stamped(
    meeting: Any, open_it: Open, worked_out: list[int]
) -> None:
    _settle(open_it)
    assert _rows(meeting)
    loaded = load_meeting(meeting.path)
    worked_out.clear()
    again = open_meeting(loaded, http=meeting.store, vault_key=meeting.key)
    assert worked_out  # a loaded meeting may differ from its file: the full run
    assert again.counts == {}
