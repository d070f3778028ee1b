"""A chunk of the PostgreSQL ledger's writes: one transaction, two commits.

As on the SQLite ledger, ``open`` writes a chunk of effects together
(:meth:`ChunkTransaction.chunk`): the intents recorded in
:meth:`~ChunkTransaction.holding_intents` are committed together before any of their calls,
the outcomes at the chunk's end, each commit on the server's disk and after the chunk's
``before_commit`` (the outbox made durable). On a shared ledger the chunk is a group of
claimed buckets (:mod:`meetlink.reconcile.claims`): while the worker holds them nobody else
writes their rows, so :meth:`~ChunkTransaction.remember` reads those rows once, the chunk's
reads of them are answered from that, and its writes to them wait to be sent together at
the next commit, each row made here as its statement makes it on the server (both made
from one table: :class:`~meetlink.reconcile.records.Write`).

Example (the row a chunk makes for a new intent, as the server would):
    >>> from meetlink.reconcile.records import INTENT_WRITE
    >>> params = ("invitation:main/s1/P1", "m1", "invitation", "h1", "{}", "t0", "t0", False)
    >>> INTENT_WRITE.row(None, INTENT_WRITE.named(params), "db").attempts
    1
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from meetlink.reconcile.ledger import Effect
from meetlink.reconcile.server_db import Pool, driver, server_failure

if TYPE_CHECKING:
    import psycopg

__all__ = ["ChunkTransaction"]


class ChunkTransaction:
    """The chunk machinery of :class:`~meetlink.reconcile.ledger_pg.PostgresLedger`."""

    url: str
    _lock: threading.RLock
    _pool: Pool
    _held: psycopg.Connection[Any] | None
    _chunks: int
    _known: dict[str, Effect | None]
    _queued: list[tuple[str, Mapping[str, Any]]]
    _before_commit: list[Callable[[], None]]
    _holding: threading.local

    def get_many(self, keys: list[str]) -> dict[str, Effect]:  # pragma: no cover - the ledger's
        raise NotImplementedError

    @contextlib.contextmanager
    def _reading(self) -> Iterator[psycopg.Connection[Any]]:
        """Where a read goes: in a chunk, the chunk's own transaction (it sees what the chunk
        wrote and has not committed yet); else a connection of the pool."""
        if self._chunks:
            psycopg = driver()
            with self._lock:
                try:
                    self._send_queued()
                    yield self._held_connection()
                except psycopg.Error as exc:
                    raise server_failure(exc, self.url) from None
        else:
            with self._pool.working() as db:
                yield db

    def remember(self, keys: list[str]) -> None:
        """In a chunk whose keys this worker holds (a claimed bucket): read these keys' rows
        once, now; the chunk's reads of them are then answered here, and its writes to them
        sent to the server together, at its next commit (:meth:`commit`)."""
        if not self._chunks:
            return
        wanted = [k for k in dict.fromkeys(keys) if k not in self._known]
        if not wanted:
            return
        found = self.get_many(wanted)
        with self._lock:
            for key in wanted:
                self._known[key] = found.get(key)

    @contextlib.contextmanager
    def chunk(self, before_commit: Callable[[], None]) -> Iterator[None]:
        """Write a chunk of effects in one transaction, as the SQLite ledger does: the
        intents recorded in :meth:`holding_intents` are committed together by
        :meth:`commit` before any of their calls, the outcomes wait for the chunk's end,
        and every commit comes after ``before_commit`` (the outbox made durable). One flush
        of the server's disk a chunk, instead of one a write."""
        with self._lock:
            self._chunks += 1
            self._before_commit.append(before_commit)
        try:
            yield
        finally:
            try:
                self.commit()
            finally:
                with self._lock:
                    self._chunks -= 1
                    self._before_commit.pop()
                    if not self._chunks:
                        self._known.clear()
                        self._queued.clear()

    @contextlib.contextmanager
    def holding_intents(self) -> Iterator[None]:
        """Intents recorded inside, by this thread, in a chunk wait for :meth:`commit`."""
        self._holding.depth = getattr(self._holding, "depth", 0) + 1
        try:
            yield
        finally:
            self._holding.depth -= 1

    def commit(self) -> None:
        """Commit what the chunk holds now (after its ``before_commit``), on the server's
        disk before it returns; nothing when it holds nothing."""
        psycopg = driver()
        with self._lock:
            if self._queued:
                self._held_connection()
            held = self._held
            if held is None:
                return
            for sync in self._before_commit[-1:]:
                sync()
            try:
                self._send_queued()
            finally:
                self._held = None
            try:
                held.execute("SET LOCAL synchronous_commit = on")  # intents: on disk first
                held.commit()
                held.autocommit = True
            except psycopg.Error as exc:
                held.close()
                raise server_failure(exc, self.url) from None
            self._pool.give_back(held)

    def _send_queued(self) -> None:
        """Send the chunk's waiting writes (:meth:`_write`) into its transaction, the runs
        of one statement each as one batch (psycopg pipelines them: one round trip)."""
        with self._lock:
            if not self._queued:
                return
            queued, self._queued = self._queued, []
            try:
                with self._held_connection().cursor() as cursor:
                    for sql, run in itertools.groupby(queued, key=lambda q: q[0]):
                        cursor.executemany(sql, [params for _, params in run])
            except driver().Error as exc:
                raise server_failure(exc, self.url) from None

    def _held_connection(self) -> psycopg.Connection[Any]:
        """The connection whose open transaction holds this chunk's intents."""
        with self._lock:
            if self._held is None:
                db = self._pool.take()
                db.autocommit = False
                self._held = db
            return self._held
