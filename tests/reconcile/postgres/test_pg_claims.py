"""Claims: an effect another worker holds is left to it, one it finished is not redone, and
one it left unfinished (killed) makes the phases start again."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetlink.reconcile.claims import ClaimBook, LeftBehind
from meetlink.reconcile.diff import REASON_NEW, Action, Op, diff
from meetlink.reconcile.keys import EffectKey
from meetlink.reconcile.ledger import Ledger
from meetlink.reconcile.ledger_pg import PostgresLedger

pytestmark = pytest.mark.integration

KEY = EffectKey.parse("conference:main/s1")
CREATE = Action(Op.CREATE, KEY, REASON_NEW)


def _phase(book: ClaimBook, ledger: PostgresLedger | Ledger) -> list[Action]:
    return book.claimed(ledger, [CREATE], lambda: [CREATE], {KEY: "h1"})


def test_an_effect_another_worker_finished_is_not_redone(postgres_url: str) -> None:
    with PostgresLedger(postgres_url) as one, PostgresLedger(postgres_url) as two:
        first, second = ClaimBook(), ClaimBook()
        assert _phase(first, one) == [CREATE]
        assert _phase(second, two) == [CREATE]  # both see it to do
        assert first.take(one, CREATE)
        assert not second.take(two, CREATE)  # held by the first: left to it
        one.record_intent("m1", str(KEY), "conference", content_hash="h1")
        one.record_done(str(KEY), external_id="evt1")
        first.settle(one)  # the first worker's phase is over: its claims go back
        second.settle(two)  # the second waits for it, finds it done: no error
        assert _phase(second, two) == [CREATE]
        assert not second.take(two, CREATE)  # done meanwhile: not called again


def test_an_effect_left_at_intent_by_a_killed_worker_restarts_the_phases(
    postgres_url: str,
) -> None:
    one, two = PostgresLedger(postgres_url), PostgresLedger(postgres_url)
    try:
        first, second = ClaimBook(), ClaimBook()
        _phase(first, one)
        _phase(second, two)
        assert first.take(one, CREATE)
        one.record_intent("m1", str(KEY), "conference", content_hash="h1")
        assert not second.take(two, CREATE)
        one.close()  # killed between its intent and its outcome
        with pytest.raises(LeftBehind, match="stopped midway"):
            second.settle(two)
        # The next pass reads it as "outcome unknown" and takes it up itself.
        fresh = Action(Op.CREATE, KEY, _unknown_reason(two))
        assert second.claimed(two, [fresh], lambda: [fresh], {KEY: "h1"}) == [fresh]
        assert second.take(two, fresh)
    finally:
        two.close()


def _unknown_reason(ledger: PostgresLedger) -> str:
    [action] = diff({KEY: "h1"}, ledger.effects("m1"), what=KEY.kind)
    assert action.unknown_outcome
    return action.reason


def test_the_sqlite_ledger_grants_everything_and_reads_nothing_again(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        book = ClaimBook()

        def never() -> list[Action]:
            raise AssertionError("the SQLite ledger is not read again")

        assert book.claimed(ledger, [CREATE], never, {KEY: "h1"}, now=True) == [CREATE]
        assert book.take(ledger, CREATE)
