"""Group commit: writes from many threads share one SQLite transaction and one fsync.

Under ``synchronous=FULL`` every commit waits for the disk (6.5 ms on the machine the
README's figures come from). Threads that write at the same moment join one transaction;
each returns only once its own write is durable, so "committed before the call" still
holds for every one of them. A failing write is undone alone (a savepoint) and raises in
its own thread.

Example:
    >>> import sqlite3, threading
    >>> db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    >>> _ = db.execute("CREATE TABLE t (x)")
    >>> group = GroupCommit(db, threading.RLock(), lambda exc: RuntimeError(str(exc)))
    >>> group.write(lambda db: db.execute("INSERT INTO t VALUES (1)").rowcount)
    1
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["GroupCommit"]

_T = TypeVar("_T")


class _Job(Generic[_T]):
    """One thread's write in a group."""

    def __init__(self, work: Callable[[sqlite3.Connection], _T]) -> None:
        self.work = work
        self.result: _T | None = None
        self.error: BaseException | None = None
        self.finished = False

    def finish(self, error: BaseException | None) -> None:
        if not self.finished:
            self.error = self.error or error
            self.finished = True


class GroupCommit:
    """Writes on ``db`` (a connection in autocommit mode, shared by threads that take
    ``lock`` to use it) grouped into shared transactions. ``failure`` turns an SQLite error
    into the caller's own error type."""

    def __init__(
        self,
        db: sqlite3.Connection,
        lock: threading.RLock,
        failure: Callable[[Exception], BaseException],
    ) -> None:
        self._db, self._lock, self._failure = db, lock, failure
        self._turn = threading.Condition()
        self._queue: list[_Job[Any]] = []
        self._leading = False

    def write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` in a write transaction shared with other threads' writes."""
        job: _Job[_T] = _Job(work)
        with self._turn:
            self._queue.append(job)
            while not job.finished:
                if self._leading:  # another thread is committing: ours may be in its group
                    self._turn.wait()
                    continue
                self._leading = True
                group, self._queue = self._queue, []
                self._turn.release()
                try:
                    self._commit(group)
                finally:
                    self._turn.acquire()
                    self._leading = False
                    for stray in group:  # interrupted mid-group: nobody waits forever
                        stray.finish(self._failure(RuntimeError("the write was interrupted")))
                    self._turn.notify_all()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def _commit(self, group: list[_Job[Any]]) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                for job in group:
                    job.finish(self._failure(exc))
                return
            for job in group:
                self._db.execute("SAVEPOINT job")
                try:
                    job.result = job.work(self._db)
                except Exception as exc:
                    self._db.execute("ROLLBACK TO job")
                    job.error = exc
                self._db.execute("RELEASE job")
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                for job in group:
                    job.error = job.error or self._failure(exc)
        for job in group:
            job.finish(job.error)
