"""Issue 17: a worker on a shared ledger works only for its share. An invitation another
worker sent since this one's diff is not hashed (nor its spec built) to find it done; the
specs built for a claimed group are those it still has to send."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from meetlink.invites.specs import InvitationSpec
from meetlink.reconcile.claims import ClaimBook
from meetlink.reconcile.diff import REASON_NEW, Action, Op
from meetlink.reconcile.keys import EffectKey
from meetlink.reconcile.lazy_hashes import LazyHashes
from meetlink.reconcile.ledger_pg import PostgresLedger

pytestmark = pytest.mark.integration

KEYS = [EffectKey.invitation("main", "s1", f"P{n}") for n in range(6)]
ACTIONS = [Action(Op.CREATE, key, REASON_NEW) for key in KEYS]


class _Unbuilt(Mapping[EffectKey, InvitationSpec]):
    """Specs that must not be built: the test fails if one is asked for."""

    def __getitem__(self, key: EffectKey) -> InvitationSpec:
        raise AssertionError(f"the spec of {key} was built")

    def __iter__(self) -> Iterator[EffectKey]:
        return iter(KEYS)

    def __len__(self) -> int:
        return len(KEYS)

    def __contains__(self, key: object) -> bool:
        return key in KEYS


def _sent_by_another(ledger: PostgresLedger, keys: list[EffectKey]) -> None:
    """Another worker's chunk: these invitations sent, done."""
    with ledger.chunk(lambda: None):
        with ledger.holding_intents():
            for key in keys:
                ledger.record_intent("m1", str(key), "invitation", content_hash="theirs")
        ledger.commit()
        for key in keys:
            ledger.record_done(str(key), external_id=f"uid-{key.point}")


def test_an_invitation_another_worker_sent_is_not_hashed_to_find_it_done(
    postgres_url: str,
) -> None:
    with PostgresLedger(postgres_url) as one, PostgresLedger(postgres_url) as two:
        hashes = LazyHashes(_Unbuilt(), None)
        book = ClaimBook()
        book.claimed(two, ACTIONS, lambda: ACTIONS, hashes)  # its diff: all six to send
        _sent_by_another(one, KEYS[:4])
        asked: list[list[EffectKey]] = []
        with two.chunk(lambda: None):
            todo, other = book.fresh(two, ACTIONS, prepare=asked.append)
        assert (todo, other) == (ACTIONS[4:], [])  # four done meanwhile, two still to send
        assert asked == [KEYS[4:]]  # only those two are built
        assert not any(hashes.made(k) for k in KEYS)  # nor a hash made for the four


def test_a_group_another_worker_finished_is_found_done_without_its_full_rows(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with PostgresLedger(postgres_url) as one, PostgresLedger(postgres_url) as two:
        book = ClaimBook()
        book.claimed(two, ACTIONS, lambda: ACTIONS, LazyHashes(_Unbuilt(), None))
        _sent_by_another(one, KEYS[:4])

        def full_rows(keys: list[str]) -> None:
            raise AssertionError(f"the full rows of {keys} were read")

        monkeypatch.setattr(two, "get_many", full_rows)
        monkeypatch.setattr(two, "get", full_rows)
        assert book.unsettled(two, ACTIONS) == ACTIONS[4:]  # by state and hash alone


def test_what_another_worker_left_otherwise_is_read_whole(postgres_url: str) -> None:
    access = [EffectKey.access("main", "s1", f"P{n}") for n in range(4)]
    wanted = dict.fromkeys(access, "h")
    actions = [Action(Op.CREATE, key, REASON_NEW) for key in access[:3]]
    actions.append(Action(Op.CANCEL, access[3], "no longer in the meeting file"))
    with PostgresLedger(postgres_url) as one, PostgresLedger(postgres_url) as two:
        book = ClaimBook()
        book.claimed(two, actions, lambda: actions, wanted)
        for key, outcome in zip(access, ("h", "other", "failed", "cancelled"), strict=True):
            one.record_intent("m1", str(key), "access", content_hash="h")
            if outcome == "failed":
                one.record_failed(str(key), "lỗi")
            elif outcome == "cancelled":
                one.record_cancelled(str(key))
            else:
                one.record_done(str(key), content_hash=outcome)
        # done as wanted, and cancelled: settled; another hash, a failure: read whole
        assert book.unsettled(two, actions) == actions[1:3]
