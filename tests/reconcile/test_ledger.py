"""The ledger: intents before calls, outcomes after, one open at a time, secrets refused."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from meetlink.errors import LedgerBusy, LedgerError
from meetlink.reconcile import ledger as ledger_module
from meetlink.reconcile.ledger import SCHEMA_VERSION, EffectState, Ledger


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger(tmp_path / "state" / "ledger.sqlite3")
    yield opened
    opened.close()


def test_an_intent_is_committed_before_the_call_and_visible_to_another_connection(
    ledger: Ledger,
) -> None:
    ledger.record_intent("m1", "conference:main/s1", "conference", content_hash="h1")
    other = sqlite3.connect(ledger.path)
    row = other.execute(
        "SELECT state, attempts FROM effects WHERE key = ?", ("conference:main/s1",)
    ).fetchone()
    other.close()
    assert row == ("intent", 1)


def test_the_outcome_keeps_the_external_id_and_counts_attempts(ledger: Ledger) -> None:
    ledger.record_intent("m1", "k", "conference", content_hash="h1")
    ledger.record_failed("k", "TransientError: 503")
    ledger.record_intent("m1", "k", "conference", content_hash="h1")
    done = ledger.record_done(
        "k", external_id="evt1", join_url="https://meet.example/abc", detail={"meeting_code": "abc"}
    )
    assert (done.state, done.attempts, done.external_id) == (EffectState.DONE, 2, "evt1")
    assert done.detail == {"meeting_code": "abc"}
    assert done.last_error == ""


def test_an_update_intent_keeps_the_id_of_what_it_updates(ledger: Ledger) -> None:
    ledger.record_intent("m1", "k", "conference", content_hash="h1")
    ledger.record_done("k", external_id="evt1")
    again = ledger.record_intent("m1", "k", "conference", content_hash="h2")
    assert (again.state, again.external_id, again.content_hash) == (
        EffectState.INTENT,
        "evt1",
        "h2",
    )


def test_effects_filter_by_kind_and_state_in_key_order(ledger: Ledger) -> None:
    for key, kind in (("b", "invitation"), ("a", "invitation"), ("c", "conference")):
        ledger.record_intent("m1", key, kind)
    ledger.record_done("a")
    ledger.record_intent("m2", "z", "invitation")
    assert [e.key for e in ledger.effects("m1", kind="invitation")] == ["a", "b"]
    assert [e.key for e in ledger.effects("m1", state=EffectState.INTENT)] == ["b", "c"]


def test_finishing_an_effect_without_an_intent_is_an_error(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="no intent was recorded"):
        ledger.record_done("never-started")


def test_a_cancelled_effect_keeps_its_row(ledger: Ledger) -> None:
    ledger.record_intent("m1", "k", "conference")
    assert ledger.record_cancelled("k").state == EffectState.CANCELLED
    assert [e.key for e in ledger.effects("m1", state=EffectState.CANCELLED)] == ["k"]


def test_a_failed_transaction_writes_nothing(ledger: Ledger) -> None:
    def write_then_fail() -> None:
        with ledger.transaction() as db:
            db.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert ledger._db.execute("SELECT value FROM meta WHERE key = 'x'").fetchone() is None


def test_the_schema_is_versioned_and_a_newer_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as first:
        assert first.schema_version == SCHEMA_VERSION
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match="newer meetlink"):
        Ledger(path)


def test_reopening_keeps_every_effect(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as first:
        first.record_intent("m1", "k", "conference")
        first.record_done("k", external_id="e1")
    with Ledger(path) as second:
        effect = second.get("k")
        assert effect is not None
        assert effect.external_id == "e1"


def test_the_ledger_runs_wal_with_full_synchronous(ledger: Ledger) -> None:
    assert ledger._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_damaged_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError, match="Restore it from a backup"):
        Ledger(path)


def test_a_detail_holding_a_known_secret_is_refused(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = "MARKER-SECRET-4711"
    monkeypatch.setattr(ledger_module, "secret_check", lambda text: marker in text)
    ledger.record_intent("m1", "k", "credential")
    with pytest.raises(LedgerError, match="secret"):
        ledger.record_done("k", detail={"password": marker})
    assert marker not in ledger.path.read_bytes().decode("latin-1")


def _holder(path: Path, ready: Path) -> subprocess.Popen[bytes]:
    code = textwrap.dedent(f"""
        import pathlib, time
        from meetlink.reconcile.ledger import Ledger
        ledger = Ledger({str(path)!r})
        with ledger.lock("m1"):
            pathlib.Path({str(ready)!r}).write_text("held")
            time.sleep(60)
    """)
    return subprocess.Popen([sys.executable, "-c", code])


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, "the lock holder did not start"
        time.sleep(0.05)


def test_a_second_open_of_the_same_meeting_is_refused_while_the_first_holds_the_lock(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.sqlite3"
    holder = _holder(path, tmp_path / "ready")
    try:
        _wait_for(tmp_path / "ready")
        with Ledger(path) as ledger:
            with pytest.raises(LedgerBusy, match="another `meetlink open`"), ledger.lock("m1"):
                pass
            with ledger.lock("m2"):  # another meeting is not blocked
                pass
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    holder = _holder(path, tmp_path / "ready")
    _wait_for(tmp_path / "ready")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with Ledger(path) as ledger, ledger.lock("m1", wait=5):
        acquired = True
    assert acquired


def test_the_ledger_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        ledger.record_intent("m1", "k", "conference")
        modes = {
            p.name: p.stat().st_mode & 0o777
            for p in tmp_path.glob("ledger.sqlite3*")
            if not p.name.endswith(".lock")
        }
    assert modes["ledger.sqlite3"] == 0o600
    assert modes.get("ledger.sqlite3-wal", 0o600) == 0o600


def test_a_ledger_of_the_previous_schema_is_read_without_an_open_first(tmp_path: Path) -> None:
    """``status`` and a dry run read a schema-1 ledger (no settled table yet, issue 19);
    the next writable open brings it up to date."""
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as first:
        first.record_intent("m1", "k", "conference")
    db = sqlite3.connect(path)
    db.execute("DROP TABLE settled")
    db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with Ledger(path, read_only=True) as reader:
        assert [e.key for e in reader.effects("m1")] == ["k"]
    with Ledger(path) as writer:
        assert writer.schema_version == SCHEMA_VERSION
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM settled").fetchone() == (0,)
    db.close()
