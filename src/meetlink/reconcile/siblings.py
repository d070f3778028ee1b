"""What the workers of one ``open --workers N`` tell each other: the buckets finished.

The workers of one run are forked from it after its desired state was worked out, so they
want the same effects. A worker that has carried out a claimed group of buckets and
committed its outcomes (nothing in it left reading otherwise) marks those buckets here, in
memory the workers share; the others then pass them by without claiming them or reading
their rows again (:meth:`meetlink.reconcile.context.RunContext.run_all`). Workers started
apart (other machines, other offices) know nothing of these marks: they claim and read as
before (:mod:`meetlink.reconcile.claims`).

A mark says "nothing left to do here for this run": an effect that failed stays failed
until the next ``open``, as in a run of one worker.

Example:
    >>> marks = SiblingMarks()
    >>> marks.done("bucket:invitation:0042")
    False
    >>> marks.mark(["bucket:invitation:0042"])
    >>> marks.done("bucket:invitation:0042"), marks.done("bucket:handout:0042")
    (True, False)
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable

from meetlink.reconcile.claims import BUCKETS
from meetlink.reconcile.keys import Kind

__all__ = ["SiblingMarks"]

_KINDS = {kind.value: n for n, kind in enumerate(Kind)}


class SiblingMarks:
    """One byte per kind of effect and bucket, in an anonymous shared mapping: made before
    the workers are forked, it is the same memory in each of them."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, len(_KINDS) * BUCKETS)

    def done(self, bucket: str) -> bool:
        """Whether a worker of this run has finished ``bucket`` (a name from
        :func:`~meetlink.reconcile.claims.bucket_of`)."""
        return self._memory[_place(bucket)] != 0

    def mark(self, buckets: Iterable[str]) -> None:
        """Say these buckets are finished (after their outcomes are committed)."""
        for bucket in buckets:
            self._memory[_place(bucket)] = 1

    def __repr__(self) -> str:
        return f"SiblingMarks({len(self._memory) - self._memory[:].count(0)} buckets finished)"


def _place(bucket: str) -> int:
    """``bucket:KIND:NNNN`` → its byte."""
    _, kind, number = bucket.split(":")
    return _KINDS[kind] * BUCKETS + int(number)
