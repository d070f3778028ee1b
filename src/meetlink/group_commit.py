"""Group commit: writes from many threads share one SQLite transaction and one fsync.

Under ``synchronous=FULL`` every commit waits for the disk (6.5 ms on the machine the
README's figures come from). Threads that write at the same moment join one transaction;
each returns only once its own write is durable, so "committed before the call" still
holds for every one of them. A failing write is undone alone (a savepoint) and raises in
its own thread.

When SQLite itself fails (the disk is full, the file is damaged or read-only), SQLite may
already have rolled the whole transaction back: every write of the group then fails with
the caller's error, and nothing is rolled back twice. :func:`storage_failure` turns such an
error into a sentence that says what to do (free some disk space, restore from a backup,
make the folder writable); the ledger and the vault share it, and their own transactions and
reads (:meth:`GroupCommit.transaction`, :meth:`GroupCommit.reading`) raise it for them.

A run that carries out thousands of effects opens a *chunk* (:meth:`GroupCommit.chunk`):
one transaction stays open, every write (the ledger's outcomes, the vault's rows, the audit
rows) joins it, and it is committed where the caller says (:meth:`GroupCommit.commit_now`,
after the intents of a chunk of points) and at the chunk's end. ``before_commit`` runs
before each of these commits (the outbox fsyncs the files it wrote), so an outcome is
never durable before what it says was done.

Example:
    >>> import sqlite3, threading
    >>> db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    >>> _ = db.execute("CREATE TABLE t (x)")
    >>> group = GroupCommit(db, threading.RLock(), lambda exc: RuntimeError(str(exc)))
    >>> group.write(lambda db: db.execute("INSERT INTO t VALUES (1)").rowcount)
    1
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from meetlink.errors import LedgerBusy, LedgerError

__all__ = ["GroupCommit", "folder_is_read_only", "storage_failure"]

# SQLite's primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26
_PERM, _AUTH = 3, 23


def folder_is_read_only(folder: Path) -> bool:
    """Whether this process may not create files in ``folder`` (a read-only mount, or a
    folder without write permission for a user who is not root)."""
    return folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK)


def _kind(exc: BaseException, folder: Path) -> str:
    """What went wrong: full, read-only, damaged, busy, cannot open, disk or other."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return "full"
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return "read-only"
        return "disk"
    code = int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    text = str(exc).lower()
    if code == _FULL or "disk is full" in text:
        return "full"
    if code in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return "damaged"
    if code in (_BUSY, _LOCKED) or "locked" in text:
        return "busy"
    if code in (_READONLY, _PERM, _AUTH) or "readonly" in text:
        return "read-only"
    if code == _CANTOPEN or "unable to open" in text:
        return "read-only" if folder_is_read_only(folder) else "cannot open"
    if code == _IOERR or "disk i/o" in text:
        return "disk"
    return "other"


def storage_failure(exc: BaseException, path: str | os.PathLike[str]) -> LedgerError:
    """The :class:`~meetlink.errors.LedgerError` for an SQLite (or file system) error on the
    state file at ``path``: a sentence saying what happened and what to do next.

    >>> import sqlite3
    >>> error = storage_failure(sqlite3.OperationalError("database or disk is full"), "l.db")
    >>> "free some disk space, then run again" in str(error)
    True
    """
    path = Path(path)
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    kind = _kind(exc, path.parent)
    if kind == "full":
        return LedgerError(
            f"the disk holding {path} is full ({detail}). Nothing of the step that failed "
            "was recorded as done: free some disk space, then run again; the next run "
            "finishes what is left and does nothing twice."
        )
    if kind == "read-only":
        return LedgerError(
            f"the state folder {path.parent} is read-only ({detail}), and meetlink records "
            "there what it does. Make the folder writable (or copy it to a writable place "
            "and pass --state), then run again; `meetlink status` and `meetlink credentials "
            "list` can read it as it is."
        )
    if kind == "damaged":
        return LedgerError(damaged_sentence(path, detail))
    if kind == "busy":
        return LedgerBusy(
            f"the state file {path} is in use by another meetlink ({detail}); wait for it "
            "to finish, then run again."
        )
    if kind == "cannot open":
        return LedgerError(
            f"cannot open the state file {path} ({detail}); check that its folder exists and "
            "that you may write to it, then run again."
        )
    return LedgerError(
        f"cannot read or write the state file {path} ({detail}); check the disk it is on "
        "(free space, a removed or failing drive), then run again."
    )


def damaged_sentence(path: Path, detail: str) -> str:
    """What to say about a damaged ledger file: it also holds the vault, so it must be
    restored, never deleted or replaced by a new one."""
    return (
        f"the ledger {path} is damaged ({detail}). It also holds the vault of credentials: "
        "do not delete or replace it, and do not start a new one beside it. Restore it from a "
        "backup (the latest), then run again; if there is none, keep the damaged file and "
        "ask for help (`sqlite3 FILE .recover` saves most of it)."
    )


def rollback(db: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already done so itself (it does
    after a full disk or an I/O error): never "cannot rollback - no transaction is active"."""
    if db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")


_T = TypeVar("_T")


class _Job(Generic[_T]):
    """One thread's write in a group."""

    def __init__(self, work: Callable[[sqlite3.Connection], _T], single: bool = False) -> None:
        self.work = work
        self.single = single  # one statement: SQLite undoes it alone if it fails
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
        self._chunk: Callable[[], None] | None = None  # a chunk's before_commit, while open
        self._lost: BaseException | None = None  # why the open chunk's transaction was lost
        # Counts the chunk transactions begun: the same number, the same open transaction
        # (the vault checks its key once per chunk transaction, not per row).
        self.chunk_transaction = 0
        # Counts the chunk transactions rolled back: what was written before the count
        # changed may not be in the file (the vault's run memory forgets it).
        self.losses = 0

    @property
    def in_chunk(self) -> bool:
        """Whether a chunk's transaction is open (writes join it, uncommitted)."""
        return self._chunk is not None

    @contextlib.contextmanager
    def chunk(self, before_commit: Callable[[], None] = lambda: None) -> Iterator[None]:
        """One transaction for many writes: committed by :meth:`commit_now` and at the end.

        ``before_commit`` runs before every commit (what the outcomes speak of is made
        durable first). A failing SQLite write ends the chunk: what it held is rolled back,
        as after a crash, and the next run finishes it from the intents committed.

        >>> import sqlite3, threading
        >>> db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        >>> _ = db.execute("CREATE TABLE t (x)")
        >>> group = GroupCommit(db, threading.RLock(), lambda exc: RuntimeError(str(exc)))
        >>> with group.chunk():
        ...     for x in range(3):
        ...         _ = group.write(lambda db: db.execute("INSERT INTO t VALUES (?)", (x,)))
        ...     db.in_transaction
        True
        >>> db.in_transaction, db.execute("SELECT count(*) FROM t").fetchone()
        (False, (3,))
        """
        if self._chunk is not None:  # already in one: the outer chunk commits
            yield
            return
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._failure(exc) from None
            self._chunk, self._lost = before_commit, None
            self.chunk_transaction += 1
        try:
            yield
        except BaseException:
            with self._lock:
                lost, self._chunk, self._lost = self._lost, None, None
                if lost is None and self._db.in_transaction:  # keep the outcomes of calls made
                    try:
                        before_commit()
                        self._db.execute("COMMIT")
                    except Exception:  # the first error is the one to tell
                        rollback(self._db)
                        self.losses += 1
                else:
                    self.losses += 1
            raise
        with self._lock:
            try:
                self._commit_open(before_commit, again=False)
            finally:
                self._chunk, self._lost = None, None

    def commit_now(self) -> None:
        """Commit the open chunk's writes now (after its ``before_commit``), and go on in a
        new transaction; outside a chunk, nothing to do."""
        with self._lock:
            if self._chunk is not None:
                self._commit_open(self._chunk, again=True)

    def _commit_open(self, before_commit: Callable[[], None], *, again: bool) -> None:
        """Commit the chunk's transaction (the caller holds the lock). Once it is lost (a
        full disk), every later write of the chunk fails with the same error, never
        committed on its own: an outcome must not outlive the vault row it goes with."""
        if self._lost is not None:
            raise self._lost
        if not self._db.in_transaction:  # SQLite ended it itself (a full disk)
            raise self._lose(sqlite3.OperationalError("the transaction was lost"))
        try:
            before_commit()
        except BaseException as exc:
            rollback(self._db)
            self.losses += 1
            self._lost = self._failure(RuntimeError(f"the chunk was not committed: {exc}"))
            raise
        try:
            self._db.execute("COMMIT")
            self.chunk_transaction += 1
            if again:
                self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._lose(exc) from None

    def _lose(self, exc: sqlite3.Error) -> BaseException:
        """The chunk's transaction is gone: rolled back, and its error kept for the rest."""
        rollback(self._db)
        self.losses += 1
        self._lost = self._failure(exc)
        return self._lost

    def write(self, work: Callable[[sqlite3.Connection], _T], *, single: bool = False) -> _T:
        """Run ``work`` in a write transaction shared with other threads' writes.

        ``single``: ``work`` runs one SQL statement and nothing that may fail after it; SQLite
        undoes a failed statement by itself, so it needs no savepoint of its own (two
        statements fewer a write)."""
        job: _Job[_T] = _Job(work, single)
        if self._chunk is not None:
            return self._write_in_chunk(job)
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

    def _write_in_chunk(self, job: _Job[_T]) -> _T:
        """A write inside the open chunk: its own savepoint, committed with the chunk."""
        with self._lock:
            if self._chunk is None:  # the chunk ended meanwhile: an ordinary write
                return self.write(job.work, single=job.single)
            if self._lost is not None:
                raise self._lost
            try:
                self._run(job)
            except sqlite3.Error as exc:  # the chunk's transaction is lost
                raise self._lose(exc) from None
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction of its own (``BEGIN IMMEDIATE``), shared with no other
        thread's writes: all of it is committed, or none.

        An SQLite error (a full disk, a damaged page) rolls back, if SQLite has not already,
        and is raised as ``failure`` makes it; any other error rolls back and is raised.

        >>> import sqlite3, threading
        >>> db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        >>> group = GroupCommit(db, threading.RLock(), lambda exc: RuntimeError(str(exc)))
        >>> with group.transaction() as tx:
        ...     _ = tx.execute("CREATE TABLE t (x)")
        >>> with group.reading() as tx:
        ...     tx.execute("SELECT count(*) FROM t").fetchone()
        (0,)
        """
        with self._lock:
            if self._chunk is not None:  # inside a chunk: a savepoint of it
                if self._lost is not None:
                    raise self._lost
                with self._savepoint():
                    yield self._db
                return
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._failure(exc) from None
            try:
                yield self._db
            except sqlite3.Error as exc:
                rollback(self._db)
                raise self._failure(exc) from None
            except BaseException:
                rollback(self._db)
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                rollback(self._db)
                raise self._failure(exc) from None

    @contextlib.contextmanager
    def _savepoint(self) -> Iterator[None]:
        """All or nothing inside the open chunk (the caller holds the lock)."""
        self._db.execute("SAVEPOINT part")
        try:
            yield
        except sqlite3.Error as exc:
            if not self._db.in_transaction:
                raise self._lose(exc) from None
            self._db.execute("ROLLBACK TO part")
            self._db.execute("RELEASE part")
            raise self._failure(exc) from None
        except BaseException:
            self._db.execute("ROLLBACK TO part")
            self._db.execute("RELEASE part")
            raise
        self._db.execute("RELEASE part")

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Reads under the lock; an SQLite error (a damaged page) is raised as ``failure``
        makes it. See :meth:`transaction` for an example."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise self._failure(exc) from None

    def _commit(self, group: list[_Job[Any]]) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                for job in group:
                    job.finish(self._failure(exc))
                return
            try:
                for job in group:
                    self._run(job)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                # The transaction is lost (SQLite may have rolled it back already): every
                # write of the group with it, the ones that had succeeded too.
                rollback(self._db)
                for job in group:
                    job.error = job.error or self._failure(exc)
                    job.result = None
        for job in group:
            job.finish(job.error)

    def _run(self, job: _Job[Any]) -> None:
        """One job in its own savepoint: its failure undoes its writes only. An SQLite error
        that ended the whole transaction is raised, for :meth:`_commit` to fail the group."""
        # A job of one statement needs no savepoint: SQLite undoes a failed statement itself,
        # and a job that fails before its statement ran wrote nothing.
        savepoint = not job.single
        if savepoint:
            self._db.execute("SAVEPOINT job")
        try:
            job.result = job.work(self._db)
        except sqlite3.Error as exc:
            job.error = self._failure(exc)
            if not self._db.in_transaction:
                raise
            if savepoint:
                self._db.execute("ROLLBACK TO job")
        except Exception as exc:
            job.error = exc
            if not self._db.in_transaction:  # the work rolled it all back (the vault's put)
                raise sqlite3.OperationalError("the transaction ended") from exc
            if savepoint:
                self._db.execute("ROLLBACK TO job")
        if savepoint:
            self._db.execute("RELEASE job")
