"""The ledger: what meetlink has done, so that ``open`` acts exactly once and can resume.

Every external effect (a conference created, a credential issued, a hand-out delivered, an
invitation sent, an update, a cancel) has a deterministic key. Its *intent* is written, and
committed, before the call; its *outcome* (external id, join link, UID, SEQUENCE, content
hash) after it. An effect left in ``intent`` was interrupted between the two: its outcome is
unknown, and the reconciler asks the platform before anything is redone.

SQLite in WAL mode with ``synchronous=FULL`` (a commit survives a power loss, not just a
crash), one connection per process, schema versioned with migrations. Nothing secret is
ever written here: credentials live in the vault (encrypted), and the ``record_*`` methods
refuse details that hold a known secret whenever the ``secret_check`` hook is set.

Everything else talks to the ledger through :class:`LedgerStore`, the protocol both this
SQLite ledger and the PostgreSQL one (:mod:`meetlink.reconcile.ledger_pg`, selected by a
``postgresql://`` state) implement, so the rest of reconcile does not care which it has.

Faults end in a :class:`~meetlink.errors.LedgerError` whose sentence says what to do, never
in an SQLite traceback: a full disk ("free some disk space, then run again"), a damaged file
(found when it is opened: "restore it from a backup", never a new file, since it also holds
the vault) and a read-only state folder. ``Ledger(path, read_only=True)`` (``meetlink
status``, ``credentials list``, a dry run) writes nothing at all. How the file is opened,
checked and locked is :mod:`meetlink.reconcile.ledger_file`.

Example:
    >>> import tempfile, pathlib
    >>> ledger = Ledger(pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3")
    >>> _ = ledger.record_intent("m1", "conference:main/s1", "conference", content_hash="h1")
    >>> ledger.get("conference:main/s1").state
    <EffectState.INTENT: 'intent'>
    >>> _ = ledger.record_done("conference:main/s1", external_id="evt1")
    >>> ledger.get("conference:main/s1").state.value, ledger.get("conference:main/s1").attempts
    ('done', 1)
    >>> ledger.close()
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from meetlink.errors import LedgerError
from meetlink.group_commit import GroupCommit, storage_failure
from meetlink.reconcile.ledger_file import (
    check_pages,
    connect_for_writing,
    connect_read_only,
    meeting_lock,
    stored_version,
)
from meetlink.reconcile.records import (
    FAIL,
    FINISH,
    INTENT,
    MIGRATIONS,
    READABLE_FROM,
    SCHEMA_VERSION,
    SELECT_MANY,
    SELECT_ONE,
    Effect,
    EffectState,
    effect_from_row,
)

__all__ = ["SCHEMA_VERSION", "Effect", "EffectState", "Ledger", "LedgerStore"]


class LedgerStore(Protocol):
    """What the rest of meetlink may ask of a ledger, SQLite (:class:`Ledger`) or PostgreSQL
    (:class:`~meetlink.reconcile.ledger_pg.PostgresLedger`): the same guarantees from both
    (an intent committed before the call, the outcome after it).

    ``claim`` and ``release_claims`` let several processes share one meeting's effects: a
    claimed effect is this process's to carry out until released (or until the process
    ends). A ledger that one process holds alone (SQLite's lock) grants every claim.
    """

    read_only: bool
    shared: bool  # whether other processes act on the same meetings at the same time

    @property
    def where(self) -> str:
        """The ledger's place for messages (a file, or a server URL without its password)."""

    @property
    def schema_version(self) -> int:
        """The schema version of the open ledger."""

    def close(self) -> None:
        """Close the connection."""

    def __enter__(self) -> LedgerStore: ...

    def __exit__(self, *exc: object) -> None: ...

    def lock(
        self, meeting_id: str, *, wait: float = 0.0
    ) -> contextlib.AbstractContextManager[None]:
        """Hold the meeting while acting on it (:class:`~meetlink.errors.LedgerBusy` if not)."""

    def claim(self, key: str) -> bool:
        """Whether this process may carry out the effect ``key`` now (no other one does)."""

    def release_claims(self) -> None:
        """Give back every claim this process holds."""

    def get(self, key: str) -> Effect | None:
        """The effect with this key, or None."""

    def effects(
        self, meeting_id: str, *, kind: str | None = None, state: EffectState | None = None
    ) -> list[Effect]:
        """Every effect of a meeting, optionally of one kind and state, in key order."""

    def record_intent(
        self,
        meeting_id: str,
        key: str,
        kind: str,
        *,
        content_hash: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> Effect:
        """Write, and commit, that an effect is about to be attempted."""

    def record_done(
        self,
        key: str,
        *,
        external_id: str | None = None,
        join_url: str | None = None,
        content_hash: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Effect:
        """Write the outcome of a successful effect."""

    def record_cancelled(self, key: str, *, detail: Mapping[str, Any] | None = None) -> Effect:
        """Write that the effect's object was cancelled or withdrawn."""

    def record_failed(self, key: str, error: str) -> Effect:
        """Write that the last attempt failed for good."""

    def chunk(self, before_commit: Callable[[], None]) -> contextlib.AbstractContextManager[None]:
        """Write a chunk of effects together: outcomes wait for the chunk's commit (after
        ``before_commit``); an intent is committed before ``record_intent`` returns, unless
        recorded in :meth:`holding_intents` (then by the next :meth:`commit`). A ledger
        that cannot (PostgreSQL) commits every write on its own, as outside a chunk."""

    def holding_intents(self) -> contextlib.AbstractContextManager[None]:
        """Intents recorded inside (by this thread, in a chunk) wait for :meth:`commit`:
        the caller commits before any of their calls is made."""

    def commit(self) -> None:
        """Commit what the chunk holds now (after its ``before_commit``)."""


# An optional guard: a function telling whether a text holds a known secret (for example
# meetlink.credentials.redaction.contains_secret). Off by default: a six-digit PIN turns
# up by chance inside hex Message-IDs and UUIDs, and a false alarm would fail a real
# write. What keeps secrets out is that only non-secret details are ever passed here;
# the marker-secret tests check the ledger's bytes.
secret_check: Callable[[str], bool] | None = None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _row_key(row: tuple[Any, ...]) -> str:
    """A row's key, the order of :meth:`Ledger.effects`."""
    return str(row[0])


class Ledger:
    """The SQLite ledger at ``path`` (created with its folder if missing).

    ``read_only=True`` opens an existing ledger for reading only: nothing is created,
    migrated or written, and the folder may be read-only.
    """

    shared = False  # one process at a time: the meeting's lock is exclusive

    def __init__(
        self, path: str | Path, *, busy_timeout: float = 30.0, read_only: bool = False
    ) -> None:
        self.path = Path(path)
        memory = str(path) == ":memory:"
        self.read_only = read_only and not memory
        self._lock = threading.RLock()  # the connection: one user at a time
        self._together = _Together()
        if self.read_only:
            self._db = connect_read_only(self.path, busy_timeout)
        else:
            self._db = connect_for_writing(self.path, busy_timeout, memory=memory)
        try:
            if not memory:
                check_pages(self._db, self.path)
            if self.read_only:
                self._check_version()
            else:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.execute("PRAGMA foreign_keys=ON")
            self._group = GroupCommit(
                self._db, self._lock, lambda exc: storage_failure(exc, self.path)
            )
            if not self.read_only:
                self._migrate()
        except sqlite3.Error as exc:
            self._db.close()
            raise storage_failure(exc, self.path) from None
        except BaseException:
            self._db.close()
            raise

    def _check_version(self) -> None:
        version = self._version()
        if version > SCHEMA_VERSION:
            raise self._newer(version)
        if version < READABLE_FROM:  # later migrations add what only `open` uses
            raise LedgerError(
                f"the ledger {self.path} was written by an older meetlink (schema {version}); "
                "run `meetlink open` once, in a writable folder, to bring it up to date."
            )

    def _version(self) -> int:
        return stored_version(self._db)

    def _newer(self, version: int) -> LedgerError:
        return LedgerError(
            f"the ledger {self.path} was written by a newer meetlink (schema {version}, "
            f"this one knows {SCHEMA_VERSION}); upgrade meetlink."
        )

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------

    def _migrate(self) -> None:
        version = self._version()
        if version > SCHEMA_VERSION:
            raise self._newer(version)
        if version == SCHEMA_VERSION:
            return
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(number + 1),),
                )

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        with self._group.reading():
            return self._version()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): all of it is committed, or none.

        Threads share the one connection; a re-entrant lock keeps their transactions apart.
        An SQLite error (a full disk, a damaged page) rolls back, if SQLite has not already,
        and is raised as a :class:`~meetlink.errors.LedgerError` saying what to do.
        """
        with self._group.transaction() as db:
            yield db

    def _write(self, sql: str, parameters: tuple[Any, ...]) -> Effect | None:
        """Run one statement that returns the row it wrote (or none), in a write transaction
        shared with other threads' concurrent writes (see :mod:`meetlink.group_commit`):
        durable when it returns (outside a chunk)."""
        # fetchall, not fetchone: a RETURNING statement holds its write until exhausted.
        rows = self._group.write(lambda db: db.execute(sql, parameters).fetchall(), single=True)
        return self._parse(rows[0]) if rows else None

    @contextlib.contextmanager
    def chunk(self, before_commit: Callable[[], None] = lambda: None) -> Iterator[None]:
        """Write a chunk of effects in one transaction (see :meth:`LedgerStore.chunk`): the
        vault and audit rows too, when the vault shares this ledger's connection
        (:meth:`sharing`).

        >>> import tempfile, pathlib
        >>> ledger = Ledger(pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3")
        >>> with ledger.chunk():
        ...     with ledger.holding_intents():
        ...         for n in range(3):
        ...             _ = ledger.record_intent("m1", f"invitation:main/s1/P{n}", "invitation")
        ...     ledger.commit()  # the three intents together, before any call
        ...     for n in range(3):
        ...         _ = ledger.record_done(f"invitation:main/s1/P{n}")
        >>> [e.state.value for e in ledger.effects("m1")]
        ['done', 'done', 'done']
        >>> ledger.close()
        """
        with self._group.chunk(before_commit):
            yield

    @contextlib.contextmanager
    def holding_intents(self) -> Iterator[None]:
        """Intents recorded inside by this thread wait for :meth:`commit` (in a chunk)."""
        self._together.depth += 1
        try:
            yield
        finally:
            self._together.depth -= 1

    def commit(self) -> None:
        """Commit what the open chunk holds (after its ``before_commit``); else nothing."""
        self._group.commit_now()

    @property
    def changes(self) -> int:
        """Grows with every row this process writes (the ledger's, the vault's) to the file."""
        return self._db.total_changes

    def sharing(self) -> tuple[sqlite3.Connection, GroupCommit]:
        """The connection and its group commit, for a vault in the same file (one lock)."""
        return self._db, self._group

    # -- the lock -------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, meeting_id: str, *, wait: float = 0.0) -> Iterator[None]:
        """Hold the meeting's lock while acting; another holder means
        :class:`~meetlink.errors.LedgerBusy` (:func:`~meetlink.reconcile.ledger_file.meeting_lock`).

        The lock is an advisory ``flock`` on a file beside the ledger, so the operating
        system releases it when the process ends, even by SIGKILL.
        """
        with meeting_lock(self.path, meeting_id, wait=wait):
            yield

    @property
    def where(self) -> str:
        """The ledger's file, for messages."""
        return str(self.path)

    def claim(self, key: str) -> bool:
        """Always granted: the meeting's lock keeps every other process out."""
        return True

    def release_claims(self) -> None:
        """Nothing to give back (see :meth:`claim`)."""

    # -- effects --------------------------------------------------------------------------

    def get(self, key: str) -> Effect | None:
        """The effect with this key, or None if nothing was ever attempted."""
        with self._group.reading():
            row = self._db.execute(SELECT_ONE, (key,)).fetchone()
            return self._parse(row) if row else None

    def effects(
        self, meeting_id: str, *, kind: str | None = None, state: EffectState | None = None
    ) -> list[Effect]:
        """Every effect of a meeting, optionally of one kind and state, in key order."""
        wanted = state.value if state is not None else None
        with self._group.reading():
            rows = self._db.execute(SELECT_MANY, (meeting_id, kind, kind, wanted, wanted))
            found = rows.fetchall()
        found.sort(key=_row_key)  # in key order (SELECT_MANY leaves the sort to Python)
        return [self._parse(r) for r in found]

    def _parse(self, row: tuple[Any, ...]) -> Effect:
        return effect_from_row(row, self.path)  # the detail decoded when first read

    def record_intent(
        self,
        meeting_id: str,
        key: str,
        kind: str,
        *,
        content_hash: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> Effect:
        """Write, and commit, that an effect is about to be attempted (attempts + 1).

        External id, join link and detail already known are kept: an update keeps the id of
        what it updates.
        """
        now = _now()
        detail_text = self._checked(detail)
        effect = self._must(
            key,
            self._write(
                INTENT,
                (key, meeting_id, kind, content_hash, detail_text, now, now, detail is not None),
            ),
        )
        if not self._together.depth:  # committed before the call it announces
            self._group.commit_now()
        return effect

    def record_done(
        self,
        key: str,
        *,
        external_id: str | None = None,
        join_url: str | None = None,
        content_hash: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Effect:
        """Write the outcome of a successful effect."""
        return self._finish(key, EffectState.DONE, external_id, join_url, content_hash, detail)

    def record_cancelled(self, key: str, *, detail: Mapping[str, Any] | None = None) -> Effect:
        """Write that the effect's object was cancelled or withdrawn."""
        return self._finish(key, EffectState.CANCELLED, None, None, None, detail)

    def record_failed(self, key: str, error: str) -> Effect:
        """Write that the last attempt failed for good (the next ``open`` tries again)."""
        self._checked({"error": error})
        return self._must(key, self._write(FAIL, (error, _now(), key)))

    def _finish(
        self,
        key: str,
        state: EffectState,
        external_id: str | None,
        join_url: str | None,
        content_hash: str | None,
        detail: Mapping[str, Any] | None,
    ) -> Effect:
        detail_text = self._checked(detail)
        parameters = (state.value, external_id, join_url, content_hash)
        changed = detail is not None, detail_text, _now(), key
        return self._must(key, self._write(FINISH, (*parameters, *changed)))

    @staticmethod
    def _must(key: str, effect: Effect | None) -> Effect:
        """The row a write returned; none: there was no row of ``key`` to update."""
        if effect is None:
            raise LedgerError(f"no intent was recorded for '{key}'; record the intent first.")
        return effect

    @staticmethod
    def _checked(detail: Mapping[str, Any] | None) -> str:
        text = json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True, default=str)
        if secret_check is not None and secret_check(text):
            raise LedgerError(
                "refusing to write a secret into the ledger; secrets belong in the vault."
            )
        return text


class _Together(threading.local):
    depth = 0  # how deep this thread is in Ledger.holding_intents
