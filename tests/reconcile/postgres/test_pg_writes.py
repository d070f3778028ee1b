"""The ledger's writes: the row a statement leaves on the server (PostgreSQL, SQLite) and the
row the PostgreSQL ledger's chunk makes in memory (``records.Write.row``) are the same, column
by column (one table defines both: a drift would make a chunk's rows differ from the
server's)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from meetlink.reconcile.ledger import EffectState
from meetlink.reconcile.ledger_pg import PostgresLedger
from meetlink.reconcile.records import (
    EFFECTS_TABLE,
    FAIL_WRITE,
    FINISH_WRITE,
    INTENT_WRITE,
    Effect,
    Write,
    effect_from_row,
)

KEY = "access:main/P1"

# Every way each write can go: new rows and known ones, details given and not, ids and
# hashes given and kept, outcomes of rows there are not (no row: None).
STEPS: list[tuple[Write, tuple[Any, ...]]] = [
    (FINISH_WRITE, ("done", "e0", None, None, False, "{}", "t0", KEY)),  # no intent: none
    (FAIL_WRITE, ("lost", "t0", KEY)),  # no intent: none
    (INTENT_WRITE, (KEY, "m1", "access", "h1", "{}", "t1", "t1", False)),
    (FINISH_WRITE, ("done", "e1", "https://x.example/1", "h1b", True, '{"a": 1}', "t2", KEY)),
    (INTENT_WRITE, (KEY, "m1", "access", "h2", "{}", "t3", "t3", False)),  # detail kept
    (FAIL_WRITE, ("Lỗi: máy chủ không trả lời", "t4", KEY)),
    (INTENT_WRITE, (KEY, "m1", "access", "h3", '{"b": "Điểm cầu"}', "t5", "t5", True)),
    (FINISH_WRITE, ("done", None, None, None, False, "{}", "t6", KEY)),  # ids, hash kept
    (FINISH_WRITE, ("cancelled", None, "https://x.example/2", None, True, "{}", "t7", KEY)),
    (INTENT_WRITE, (KEY, "m2", "other", "h4", '{"c": []}', "t8", "t8", True)),  # m, kind kept
    (FINISH_WRITE, ("done", "e2", None, "h5", False, "{}", "t9", KEY)),
]


def _columns(effect: Effect | None) -> dict[str, Any] | None:
    """Every column of a row, the detail decoded, the state as its text."""
    if effect is None:
        return None
    columns = {name: getattr(effect, name) for name in effect.__dataclass_fields__}
    columns["state"] = str(effect.state)
    columns["detail"] = dict(effect.detail)
    return columns


def _walk(execute: Callable[[Write, tuple[Any, ...]], tuple[Any, ...] | None]) -> int:
    """Each step on the server and in memory from the row before it; the columns compared."""
    before: Effect | None = None
    compared = 0
    for write, params in STEPS:
        row = execute(write, params)
        served = effect_from_row(row, "ledger") if row is not None else None
        made = write.row(before, write.named(params), "ledger")
        if served is None:  # an update of no row leaves none
            assert made is None, (write.params, params)
            continue
        assert _columns(made) == _columns(served), (write.params, params)
        before, compared = served, compared + 1
    return compared


def test_the_rows_made_in_memory_are_those_postgresql_writes(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(EFFECTS_TABLE)

        def execute(write: Write, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
            return db.execute(write.postgres, write.named(params)).fetchone()

        assert _walk(execute) == 9


def test_the_rows_made_in_memory_are_those_sqlite_writes() -> None:
    db = sqlite3.connect(":memory:")
    db.execute(EFFECTS_TABLE)

    def execute(write: Write, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = db.execute(write.sqlite, params).fetchone()
        return row

    try:
        assert _walk(execute) == 9
    finally:
        db.close()


def test_a_drifted_row_is_caught() -> None:
    """The comparison can fail: a write whose memory differs from its statement (an intent
    that forgot to count the attempt) is told apart from the server's row."""
    drifted = Write(
        params=INTENT_WRITE.params,
        new=INTENT_WRITE.new,
        update={**INTENT_WRITE.update, "attempts": INTENT_WRITE.update["state"]},
    )
    before = effect_from_row(
        (KEY, "m1", "access", "done", 1, "h1", None, None, "{}", "", "t0", "t0"), "ledger"
    )
    params = INTENT_WRITE.named((KEY, "m1", "access", "h2", "{}", "t1", "t1", False))
    made = drifted.row(before, params, "ledger")
    right = INTENT_WRITE.row(before, params, "ledger")
    assert right is not None
    assert right.attempts == 2
    assert _columns(made) != _columns(right)


@pytest.fixture
def ledger(postgres_url: str) -> Iterator[PostgresLedger]:
    with PostgresLedger(postgres_url) as opened:
        yield opened


def test_a_chunks_rows_are_those_the_server_holds_after_it(ledger: PostgresLedger) -> None:
    keys = [f"invitation:main/s1/P{n}" for n in range(4)]
    ledger.record_intent("m1", keys[0], "invitation", content_hash="h0", detail={"x": 1})
    ledger.record_done(keys[0], external_id="e0")
    made: dict[str, Effect] = {}
    with ledger.chunk(lambda: None):
        ledger.remember(keys)
        with ledger.holding_intents():
            for key in keys:
                ledger.record_intent("m1", key, "invitation", content_hash="h1")
        ledger.commit()
        made[keys[0]] = ledger.record_done(keys[0], join_url="https://x.example/0")
        made[keys[1]] = ledger.record_done(keys[1], detail={"uid": "Đ1"}, content_hash="h9")
        made[keys[2]] = ledger.record_failed(keys[2], "lỗi")
        made[keys[3]] = ledger.record_cancelled(keys[3])
    for key in keys:
        assert _columns(ledger.get(key)) == _columns(made[key]), key
    assert ledger.get(keys[0]).attempts == 2  # type: ignore[union-attr]
    assert ledger.get(keys[2]).state == EffectState.FAILED  # type: ignore[union-attr]


def test_a_group_another_worker_finished_is_told_by_state_and_hash(
    ledger: PostgresLedger,
) -> None:
    ledger.record_intent("m1", "handout:main/P1", "handout", content_hash="h1")
    ledger.record_done("handout:main/P1")
    ledger.record_intent("m1", "handout:main/P2", "handout", content_hash="h2")
    states = ledger.states(["handout:main/P1", "handout:main/P2", "handout:main/P3"])
    assert states == {
        "handout:main/P1": (EffectState.DONE, "h1"),
        "handout:main/P2": (EffectState.INTENT, "h2"),
    }
