"""A step of ``open``: the work of one action, which announces its intent before its call.

A step is a generator: it reads what it needs, then ``yield``\\ s the :class:`Intent` of the
effect it is about to cause; whoever runs it commits that intent to the ledger before
letting it go on to the call and the outcome. So a run can start a whole chunk of steps,
commit their intents in one transaction, then carry out the calls and commit their
outcomes (with the vault and audit rows) in one more
(:meth:`~meetlink.reconcile.context.RunContext.run_all`): every intent is still durable
before its call, every outcome after it, at two commits a chunk instead of two a point.

:func:`carry_out` runs one step on its own, each intent committed as it comes (``meetlink
credentials rotate``, ``revoke``).

Example:
    >>> from meetlink.reconcile.ledger import Ledger
    >>> def send(ledger: Ledger) -> Step[str]:
    ...     yield Intent("q3", "invitation:main/s1/P1", "invitation", "h1")
    ...     ledger.record_done("invitation:main/s1/P1")  # the call was made
    ...     return "sent"
    >>> ledger = Ledger(":memory:")
    >>> carry_out(ledger, send(ledger)), ledger.get("invitation:main/s1/P1").state.value
    ('sent', 'done')
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from meetlink.reconcile.ledger import LedgerStore

__all__ = ["CHUNK_POINTS", "Intent", "Step", "carry_out"]

CHUNK_POINTS = 500
"""Actions started together: their intents share one commit, their outcomes another."""

_T = TypeVar("_T")


@dataclass(frozen=True)
class Intent:
    """An effect about to be attempted: what :meth:`LedgerStore.record_intent` is given."""

    meeting_id: str
    key: str
    kind: str
    content_hash: str = ""
    detail: Mapping[str, Any] | None = None

    def record(self, ledger: LedgerStore) -> None:
        """Write it (committed at once, or held for the chunk's commit of intents)."""
        ledger.record_intent(
            self.meeting_id,
            self.key,
            self.kind,
            content_hash=self.content_hash,
            detail=self.detail,
        )


Step: TypeAlias = Generator[Intent, None, _T]


def carry_out(ledger: LedgerStore, step: Step[_T]) -> _T:
    """Run ``step`` to its end, each intent committed before the step goes on; returns what
    the step returns. See the example above."""
    while True:
        try:
            intent = next(step)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        intent.record(ledger)
