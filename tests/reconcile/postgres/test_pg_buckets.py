"""Work shared a bucket at a time on a PostgreSQL ledger: every worker names an effect's bucket
alike, a claimed bucket is read once and its writes sent together at the chunk's commits, a
bucket another worker finished is not redone, one it left at ``intent`` makes the phases start
again, and a whole ``open`` syncs the server's disk per bucket, not per effect."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import psycopg
import pytest

from meetlink.credentials.vault import Credential, VaultKey
from meetlink.errors import LedgerError, VaultKeyError
from meetlink.reconcile import OpenResult
from meetlink.reconcile.claims import BUCKETS, GROUP_MOST, ClaimBook, LeftBehind, bucket_of
from meetlink.reconcile.diff import REASON_NEW, Action, Op
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import Effect, EffectState
from meetlink.reconcile.ledger_pg import PostgresLedger
from meetlink.reconcile.vault_pg import open_postgres_vault

pytestmark = pytest.mark.integration

KEYS = [EffectKey.invitation("main", "s1", f"P{n}") for n in range(6)]
ACTIONS = [Action(Op.CREATE, key, REASON_NEW) for key in KEYS]
HASHES = {key: f"h{n}" for n, key in enumerate(KEYS)}


def _book(ledger: PostgresLedger) -> ClaimBook:
    """A worker's claim book at the start of the invitations phase."""
    book = ClaimBook()
    book.claimed(ledger, ACTIONS, lambda: ACTIONS, HASHES)
    return book


def _do(ledger: PostgresLedger, actions: list[Action]) -> None:
    """Carry out ``actions`` as a worker does a bucket: one chunk, intents then outcomes."""
    with ledger.chunk(lambda: None):
        ledger.remember([str(a.key) for a in actions])
        with ledger.holding_intents():
            for action in actions:
                digest = HASHES[action.key]
                ledger.record_intent("m1", str(action.key), "invitation", content_hash=digest)
        ledger.commit()
        for action in actions:
            ledger.record_done(str(action.key), external_id=f"uid-{action.key.point}")


def test_every_worker_names_an_effects_bucket_alike() -> None:
    first = EffectKey.invitation("main", "s1", "P1")
    assert bucket_of(first) == bucket_of(EffectKey.invitation("main", "s2", "P1"))  # per point
    assert bucket_of(first) != bucket_of(first.with_kind(Kind.NOTICE))  # and per kind
    assert bucket_of(first) == "bucket:invitation:3985"  # a fixed hash: every process alike
    names = {bucket_of(EffectKey.invitation("main", "s1", f"P{n}")) for n in range(50000)}
    assert len(names) == BUCKETS


def test_a_worker_claims_a_group_of_buckets_about_a_sixteenth_of_the_phase() -> None:
    actions = [
        Action(Op.CREATE, EffectKey.invitation("main", "s1", f"P{n}"), REASON_NEW)
        for n in range(800)
    ]
    book = ClaimBook()
    buckets = book.buckets([*actions, Action(Op.NONE, KEYS[0])])
    assert sum(len(a) for a in buckets.values()) == 800  # what does nothing is left out
    size = book.group_size(len(actions))
    assert size == 50  # a sixteenth
    groups = book.groups(buckets, size)
    assert [n for group in groups for n in group] == list(buckets)  # each bucket once, in order
    held = [sum(len(buckets[n]) for n in group) for group in groups]
    assert held[0] >= size  # a sixteenth
    assert all(n >= 25 for n in held[:-1])  # at least 25
    assert max(held[-6:]) < size  # the last groups, which the others wait for, shorter
    assert book.group_size(10) == 25
    assert book.group_size(100_000) == GROUP_MOST


def test_a_bucket_another_worker_finished_is_read_once_and_not_redone(postgres_url: str) -> None:
    with PostgresLedger(postgres_url) as one, PostgresLedger(postgres_url) as two:
        first, second = _book(one), _book(two)
        [(name, bucket)] = first.buckets(ACTIONS[:1]).items()
        assert one.claim_many([name]) == {name}
        assert two.claim_many([name]) == set()  # held: left for the end of the phase
        todo, other = first.fresh(one, bucket)
        assert (todo, other) == (bucket, [])
        _do(one, todo)
        one.release([name])
        assert two.claim_many([name]) == {name}
        assert second.fresh(two, bucket) == ([], [])  # done meanwhile: nothing to call
        second.left_behind(two, [])


def test_a_bucket_left_at_intent_by_a_killed_worker_restarts_the_phases(
    postgres_url: str,
) -> None:
    one, two = PostgresLedger(postgres_url), PostgresLedger(postgres_url)
    try:
        second = _book(two)
        [(name, bucket)] = second.buckets(ACTIONS[:1]).items()
        assert one.claim_many([name]) == {name}
        with one.chunk(lambda: None):
            with one.holding_intents():
                one.record_intent("m1", str(KEYS[0]), "invitation", content_hash="h0")
            one.commit()  # the intent is on the server; then the worker is killed
        one.close()
        deadline = time.monotonic() + 10  # given back once the server ends the session
        while not two.claim_many([name]) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert two.claim_many([name]) == {name}
        todo, other = second.fresh(two, bucket)
        assert todo == []  # it reads otherwise now: outcome unknown, not "new"
        assert other == bucket
        with pytest.raises(LeftBehind, match="stopped midway"):
            second.left_behind(two, other)
    finally:
        two.close()


def _server_row(url: str, key: str) -> Effect | None:
    with PostgresLedger(url) as reader:
        return reader.get(key)


def test_a_chunk_answers_its_rows_itself_and_sends_its_writes_at_its_commits(
    postgres_url: str,
) -> None:
    done, fresh = str(KEYS[0]), str(KEYS[1])
    with PostgresLedger(postgres_url) as ledger:
        ledger.record_intent("m1", done, "invitation", content_hash="h0", detail={"n": 1})
        ledger.record_done(done, external_id="uid-0", join_url="https://x/0")
        with ledger.chunk(lambda: None):
            ledger.remember([done, fresh])
            with ledger.holding_intents():
                again = ledger.record_intent("m1", done, "invitation", content_hash="h1")
                made = ledger.record_intent("m1", fresh, "invitation", detail={"tên": "Mỹ"})
            assert _server_row(postgres_url, fresh) is None  # not sent before the commit
            assert ledger.get(fresh) == made
            ledger.commit()  # the intents, on the server's disk before any call
            assert _server_row(postgres_url, done) == again
            assert _server_row(postgres_url, fresh) == made
            assert again.attempts == 2
            assert again.external_id == "uid-0"  # kept, as the statement keeps it
            assert again.detail == {"n": 1}
            finished = ledger.record_done(fresh, content_hash="h2", detail={"uid": "u"})
            failed = ledger.record_failed(done, "the mail server refused it")
            assert _server_row(postgres_url, fresh) == made  # outcomes wait for the end
            with pytest.raises(LedgerError, match="record the intent first"):
                ledger.record_done(str(KEYS[2]))  # remembered or not, never attempted
        assert _server_row(postgres_url, fresh) == finished
        assert _server_row(postgres_url, done) == failed
        assert finished.state == EffectState.DONE
        assert dataclasses.replace(failed, updated_at="") == dataclasses.replace(
            again, state=EffectState.FAILED, last_error="the mail server refused it", updated_at=""
        )


def _wal_syncs(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SELECT pg_stat_force_next_flush()")
        io = db.execute("SELECT to_regclass('pg_catalog.pg_stat_io') IS NOT NULL").fetchone()
        if (
            io
            and io[0]
            and db.execute(  # PostgreSQL 18: the WAL's own row of pg_stat_io
                "SELECT 1 FROM pg_stat_io WHERE object = 'wal' LIMIT 1"
            ).fetchone()
        ):
            row = db.execute(  # those of meetlink's sessions, not the WAL writer's
                "SELECT sum(fsyncs) FROM pg_stat_io"
                " WHERE object = 'wal' AND backend_type = 'client backend'"
            ).fetchone()
        else:  # 14 to 17
            row = db.execute("SELECT wal_sync FROM pg_stat_wal").fetchone()
    assert row is not None
    return int(row[0])


def test_a_shared_open_syncs_the_servers_disk_per_bucket_not_per_effect(
    open_it: Callable[..., OpenResult], postgres_url: str
) -> None:
    open_it(state_dir=postgres_url, dry_run=True)
    with PostgresLedger(postgres_url):  # the schema, before counting
        pass
    before = _wal_syncs(postgres_url)
    result = open_it(state_dir=postgres_url)
    assert result.ok, result.failures
    effects = sum(sum(ops.values()) for ops in result.counts.values())
    assert effects >= 20
    # One intent committed on its own per effect synced the disk once per effect at least;
    # a bucket commits its intents together, then its outcomes: a few syncs a phase.
    syncs = _wal_syncs(postgres_url) - before
    assert 0 < syncs < effects / 2, (syncs, effects)


def test_a_put_without_the_table_lock_still_refuses_another_keys_rows(postgres_url: str) -> None:
    key = VaultKey.generate()
    with open_postgres_vault(postgres_url, key) as vault:
        for unit in ("X1", "X2"):  # the second put opens the canary: then no table lock
            vault.put("q3", unit, "endpoint", Credential(login=unit.lower(), password="pw-1"))
        with psycopg.connect(postgres_url, autocommit=True) as db:  # another key's row, as
            db.execute(  # a worker with the wrong key would have written it meanwhile
                "INSERT INTO vault_credentials SELECT meeting_id, 'X9', kind, 'other-key',"
                " nonce, ciphertext, created_at, updated_at FROM vault_credentials"
                " WHERE unit_id = 'X1'"
            )
        with pytest.raises(VaultKeyError):
            vault.put("q3", "X3", "endpoint", Credential(login="x3", password="pw-3"))
        assert not vault.has("q3", "X3", "endpoint")
