"""One ledger protocol, two backends: the same guarantees from SQLite and from PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from meetlink.credentials.audit import AuditAction
from meetlink.credentials.vault import Credential, VaultKey, open_vault
from meetlink.errors import LedgerBusy, LedgerError, VaultKeyError
from meetlink.reconcile.ledger import EffectState, Ledger, LedgerStore
from meetlink.reconcile.ledger_pg import SCHEMA_VERSION, PostgresLedger
from meetlink.reconcile.server_db import shown_url
from meetlink.reconcile.vault_pg import open_postgres_vault

pytestmark = pytest.mark.integration


def _eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    opened: LedgerStore
    if request.param == "sqlite":
        opened = Ledger(tmp_path / "state" / "ledger.sqlite3")
    else:
        opened = PostgresLedger(request.getfixturevalue("postgres_url"))
    yield opened
    opened.close()


def test_an_intent_then_its_outcome_counts_attempts_and_keeps_ids(ledger: LedgerStore) -> None:
    first = ledger.record_intent("m1", "conference:main/s1", "conference", content_hash="h1")
    assert (first.state, first.attempts) == (EffectState.INTENT, 1)
    ledger.record_failed("conference:main/s1", "TransientError: 503")
    ledger.record_intent("m1", "conference:main/s1", "conference", content_hash="h1")
    done = ledger.record_done(
        "conference:main/s1", external_id="evt1", join_url="https://meet.example/a", detail={"n": 1}
    )
    assert (done.state, done.attempts, done.external_id, done.detail) == (
        EffectState.DONE,
        2,
        "evt1",
        {"n": 1},
    )
    again = ledger.record_intent("m1", "conference:main/s1", "conference", content_hash="h2")
    assert (again.state, again.external_id, again.content_hash, again.detail) == (
        EffectState.INTENT,
        "evt1",
        "h2",
        {"n": 1},
    )


def test_effects_are_listed_by_meeting_kind_and_state_in_key_order(ledger: LedgerStore) -> None:
    for key in ("invitation:main/s1/b", "conference:main/s1", "invitation:main/s1/a"):
        ledger.record_intent("m1", key, key.partition(":")[0])
    ledger.record_intent("m2", "conference:main/s9", "conference")
    ledger.record_done("invitation:main/s1/a")
    assert [e.key for e in ledger.effects("m1")] == [
        "conference:main/s1",
        "invitation:main/s1/a",
        "invitation:main/s1/b",
    ]
    assert [e.key for e in ledger.effects("m1", kind="invitation", state=EffectState.DONE)] == [
        "invitation:main/s1/a"
    ]
    assert ledger.get("nothing") is None


def test_an_outcome_without_an_intent_is_refused(ledger: LedgerStore) -> None:
    with pytest.raises(LedgerError, match="record the intent first"):
        ledger.record_done("conference:main/s1", external_id="x")


def test_vietnamese_detail_survives(ledger: LedgerStore) -> None:
    ledger.record_intent("m1", "k", "handout", detail={"to": "Chi bộ thôn 2 — Đỗ Văn Cường"})
    found = ledger.get("k")
    assert found is not None
    assert found.detail == {"to": "Chi bộ thôn 2 — Đỗ Văn Cường"}


def test_the_postgres_schema_is_versioned_and_migrated_once(postgres_url: str) -> None:
    with PostgresLedger(postgres_url) as first, PostgresLedger(postgres_url) as second:
        assert first.schema_version == second.schema_version == SCHEMA_VERSION
    with psycopg.connect(postgres_url) as db:
        tables = {
            r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        }
    assert {"meta", "effects", "vault_credentials", "audit_log"} <= tables


def test_a_newer_schema_is_refused(postgres_url: str) -> None:
    PostgresLedger(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(LedgerError, match="newer meetlink"):
        PostgresLedger(postgres_url)


def test_read_only_writes_nothing_and_needs_a_ledger(postgres_url: str) -> None:
    with pytest.raises(LedgerError, match="run `meetlink open` first"):
        PostgresLedger(postgres_url, read_only=True)
    PostgresLedger(postgres_url).close()
    with PostgresLedger(postgres_url, read_only=True) as reader, pytest.raises(LedgerError):
        reader.record_intent("m1", "k", "conference")


def test_an_unreachable_server_is_a_sentence_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://office:s3cret-pw@/meetlink?host={tmp_path}"
    with pytest.raises(LedgerError) as caught:
        PostgresLedger(url)
    assert "s3cret-pw" not in str(caught.value)
    assert "cannot reach the PostgreSQL ledger" in str(caught.value)
    assert shown_url("postgresql://a:b@h:5/d") == "postgresql://a@h:5/d"


def test_claims_keep_two_processes_apart_and_die_with_the_session(postgres_url: str) -> None:
    one, two = PostgresLedger(postgres_url), PostgresLedger(postgres_url)
    try:
        assert one.claim("conference:main/s1")
        assert not two.claim("conference:main/s1")
        assert two.claim("conference:main/s2")
        one.close()  # a worker gone: the server gives its claims back when its session ends
        assert _eventually(lambda: two.claim("conference:main/s1"))
        two.release_claims()
        three = PostgresLedger(postgres_url)
        assert three.claim("conference:main/s1")
        three.close()
    finally:
        two.close()


def test_the_meeting_lock_is_shared_and_one_writer_is_exclusive(postgres_url: str) -> None:
    one, two = PostgresLedger(postgres_url), PostgresLedger(postgres_url)
    try:
        with one.lock("q3"), two.lock("q3"):
            with (
                one.one_writer("q3", "main", wait=0),
                pytest.raises(LedgerBusy),
                two.one_writer("q3", "main", wait=0),
            ):
                pass
            with (  # the whole meeting alone: not while others act on it
                PostgresLedger(postgres_url) as third,
                pytest.raises(LedgerBusy),
                third.one_writer("q3", wait=0),
            ):
                pass
    finally:
        one.close()
        two.close()


def test_the_vault_rows_are_sealed_audited_and_refuse_another_key(postgres_url: str) -> None:
    key = VaultKey.generate()
    with open_postgres_vault(postgres_url, key) as vault:
        vault.put("q3", "X1", "endpoint", Credential(login="x1", password="pw-7Qv9-zz"))
        assert vault.get("q3", "X1", "endpoint", channel="open").login == "x1"
        assert [r.unit_id for r in vault.list("q3")] == ["X1"]
        assert vault.has("q3", "X1", "endpoint")
        actions = [e.action for e in vault.audit.entries("q3")]
        assert actions == [AuditAction.ISSUE, AuditAction.REVEAL]
    with psycopg.connect(postgres_url) as db:
        blob = b"".join(bytes(r[0]) for r in db.execute("SELECT ciphertext FROM vault_credentials"))
        assert b"pw-7Qv9-zz" not in blob
        assert b"x1" not in blob
        with pytest.raises(psycopg.Error, match="append-only"):
            db.execute("DELETE FROM audit_log")
    with pytest.raises(VaultKeyError, match="holds credentials written with vault key"):
        open_postgres_vault(postgres_url, VaultKey.generate())


def test_the_vault_opens_the_same_way_on_both_backends(tmp_path: Path, postgres_url: str) -> None:
    key = VaultKey.generate()
    credential = Credential(login="u1", pin="4711-0815")
    with open_vault(tmp_path / "ledger.sqlite3", key) as local:
        local.put("q3", "u1", "endpoint", credential)
        mark = local.mark(local.get("q3", "u1", "endpoint"))
    with open_postgres_vault(postgres_url, key) as shared:
        shared.put("q3", "u1", "endpoint", credential)
        assert shared.mark(shared.get("q3", "u1", "endpoint")) == mark
        assert shared.rotate_key(VaultKey.generate()) == 1
        assert shared.delete("q3", "u1", "endpoint")
        assert not shared.has("q3", "u1", "endpoint")


def test_both_vaults_rotate_a_key_alike(tmp_path: Path, postgres_url: str) -> None:
    """One re-encryption for both (meetlink.credentials.rekeying): every row opens with the
    new key only, one ``rotate`` entry a meeting with the same words."""
    old, new = VaultKey.generate(), VaultKey.generate()
    rows = [("q3", "u1"), ("q3", "u2"), ("q4", "u1")]
    details: list[list[str]] = []
    with (
        open_vault(tmp_path / "ledger.sqlite3", old) as local,
        open_postgres_vault(postgres_url, old) as shared,
    ):
        for vault in (local, shared):
            for meeting, unit in rows:
                vault.put(meeting, unit, "endpoint", Credential(login=unit, pin=f"{unit}-4711"))
            assert vault.rotate_key(new) == 3
            assert vault.get("q4", "u1", "endpoint").login == "u1"
            details.append(
                [
                    e.detail
                    for m in ("q3", "q4")
                    for e in vault.audit.entries(m)
                    if e.action == AuditAction.ROTATE
                ]
            )
    assert (
        details[0]
        == details[1]
        == [
            f"2 credentials re-encrypted from key {old.key_id} to {new.key_id}",
            f"1 credentials re-encrypted from key {old.key_id} to {new.key_id}",
        ]
    )
    with pytest.raises(VaultKeyError):
        open_postgres_vault(postgres_url, old)
    with open_postgres_vault(postgres_url, new) as reopened:
        pin = reopened.get("q3", "u2", "endpoint").pin
        assert pin is not None
        assert pin.reveal() == "u2-4711"
