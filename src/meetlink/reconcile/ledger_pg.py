"""The ledger on a PostgreSQL server: one meeting's state shared by several offices and workers.

Selected by a URL instead of a folder (``--state postgresql://…`` or ``MEETLINK_STATE``); the
guarantees are those of the SQLite ledger (:mod:`meetlink.reconcile.ledger`): every intent is
committed before its call and its outcome after it, the schema is versioned with migrations,
and the vault's rows (:mod:`meetlink.reconcile.vault_pg`) sit in the same database, encrypted
with the key that never leaves the operator's machine.

What is shared, and how:

* **The meeting.** ``lock(meeting)`` takes a *shared* advisory lock on the meeting: several
  ``meetlink open`` processes may act on it at once. A phase that needs one writer takes the
  meeting's or a track's exclusive lock (:meth:`PostgresLedger.one_writer`).
* **The effects.** Before an effect is carried out, its bucket is *claimed* (a group of
  buckets in one statement, :meth:`PostgresLedger.claim_many`): a session-level advisory
  lock, taken without waiting (:mod:`meetlink.reconcile.claims`). Two workers never call
  the platform for one effect; a worker killed midway (SIGKILL, a lost machine) loses its
  session, and the server gives its claims back at once for the others (or the next run).
* **The writes.** A claimed group is written as one chunk (:mod:`meetlink.reconcile.pg_chunk`):
  its rows read once, its intents committed together before any call, its outcomes at its end.

Every server fault ends in a :class:`~meetlink.errors.LedgerError` whose sentence says what
to do; the URL in it never shows a password.

Example:
    >>> ledger = PostgresLedger("postgresql://office@db.example/meetlink")  # doctest: +SKIP
    >>> _ = ledger.record_intent("m1", "conference:main/s1", "conference")  # doctest: +SKIP
    >>> ledger.get("conference:main/s1").state.value                        # doctest: +SKIP
    'intent'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from meetlink.errors import LedgerBusy, LedgerError
from meetlink.reconcile import ledger as sqlite_ledger
from meetlink.reconcile.ledger import Effect, EffectState
from meetlink.reconcile.pg_chunk import ChunkTransaction
from meetlink.reconcile.records import FAIL_WRITE, FINISH_WRITE, INTENT_WRITE, LazyDetail, Write
from meetlink.reconcile.server_db import (
    SCHEMA_VERSION,
    Pool,
    connect,
    driver,
    migrate,
    newer_schema,
    server_failure,
    shown_url,
    stored_version,
)

if TYPE_CHECKING:
    import psycopg

__all__ = ["SCHEMA_VERSION", "PostgresLedger"]

_SELECT_ONE = """
    SELECT key, meeting_id, kind, state, attempts, content_hash, external_id, join_url,
           detail, last_error, created_at, updated_at
    FROM effects WHERE key = %s"""
_SELECT_KEYS = """
    SELECT key, meeting_id, kind, state, attempts, content_hash, external_id, join_url,
           detail, last_error, created_at, updated_at
    FROM effects WHERE key = ANY(%s)"""
_SELECT_STATES = "SELECT key, state, content_hash FROM effects WHERE key = ANY(%s)"
_SELECT_MANY = """
    SELECT key, meeting_id, kind, state, attempts, content_hash, external_id, join_url,
           detail, last_error, created_at, updated_at
    FROM effects
    WHERE meeting_id = %s AND (%s::text IS NULL OR kind = %s) AND (%s::text IS NULL OR state = %s)
    ORDER BY key COLLATE "C"
"""
# Advisory lock name spaces (the first of the two 32-bit keys): what a lock is about.
_MEETING, _TRACK, _EFFECT = 0x6D6C0002, 0x6D6C0003, 0x6D6C0004


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class PostgresLedger(ChunkTransaction):
    """The ledger in the PostgreSQL database at ``url`` (schema made or migrated on opening).

    ``read_only=True`` (``meetlink status``, a dry run) writes nothing and migrates nothing.
    One session holds the locks and claims; the threads of a run read and write through a
    :class:`~meetlink.reconcile.server_db.Pool` of connections, or, in a chunk
    (:meth:`chunk`), through the chunk's one transaction; processes share the database,
    their claims kept apart by the server.
    """

    shared = True

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.url = url
        self.read_only = read_only
        self._where = shown_url(url)  # named by every row read: worked out once
        self._lock = threading.RLock()
        self._claims: set[str] = set()
        self._pool = Pool(url, read_only=read_only)  # for reads and writes, one a thread
        self._held: psycopg.Connection[Any] | None = None  # a chunk's open transaction
        self._chunks = 0  # chunks open (:meth:`chunk`)
        # In a chunk: the rows of the keys it read at its start (:meth:`remember`; None: no
        # row), kept up to date by its writes, which wait to be sent together (``_queued``).
        self._known: dict[str, Effect | None] = {}
        self._queued: list[tuple[str, Mapping[str, Any]]] = []
        self._before_commit: list[Callable[[], None]] = []
        self._holding = threading.local()
        self._db = connect(url, read_only=read_only)  # the session of locks and claims
        psycopg = driver()
        try:
            if read_only:
                version = stored_version(self._db)
                if version > SCHEMA_VERSION:
                    raise newer_schema(url, version)
                if version < SCHEMA_VERSION:
                    raise LedgerError(
                        f"there is no ledger at {shown_url(url)} yet (schema {version}); run "
                        "`meetlink open` first."
                    )
            else:
                migrate(self._db, url)
        except psycopg.Error as exc:
            self._db.close()
            raise server_failure(exc, url) from None
        except BaseException:
            self._db.close()
            raise

    @property
    def where(self) -> str:
        """The server's URL without its password, for messages."""
        return self._where

    @property
    def schema_version(self) -> int:
        """The schema version of the database."""
        with self._using() as db:
            return stored_version(db)

    def close(self) -> None:
        """Close the connections (the server gives back every claim and lock they held)."""
        self._pool.close()
        self._db.close()

    def __enter__(self) -> PostgresLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _using(self) -> Iterator[psycopg.Connection[Any]]:
        """The session of this ledger's locks and claims, one statement at a time."""
        psycopg = driver()
        with self._lock:
            try:
                yield self._db
            except psycopg.Error as exc:
                raise server_failure(exc, self.url) from None

    # -- locks and claims -----------------------------------------------------------------

    def _advisory(self, space: int, name: str, *, shared: bool, wait: float) -> None:
        """Take a session advisory lock, trying until ``wait`` seconds have passed."""
        take = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        deadline = time.monotonic() + wait
        while True:
            with self._using() as db:
                row = db.execute(f"SELECT {take}(%s, hashtext(%s))", (space, name)).fetchone()
            if row and row[0]:
                return
            if time.monotonic() >= deadline:
                raise LedgerBusy(
                    f"another meetlink holds '{name}' in the ledger at {self.where} alone; wait "
                    "for it to finish, then run again."
                )
            time.sleep(0.1)

    def _unlock(self, space: int, name: str, *, shared: bool) -> None:
        give = "pg_advisory_unlock_shared" if shared else "pg_advisory_unlock"
        with self._using() as db:
            db.execute(f"SELECT {give}(%s, hashtext(%s))", (space, name))

    @contextlib.contextmanager
    def lock(self, meeting_id: str, *, wait: float = 0.0) -> Iterator[None]:
        """Act on the meeting alongside other workers (a shared lock): only a holder of
        :meth:`one_writer` for the whole meeting keeps them out."""
        self._advisory(_MEETING, meeting_id, shared=True, wait=wait)
        try:
            yield
        finally:
            with contextlib.suppress(LedgerError):
                self.release_claims()
                self._unlock(_MEETING, meeting_id, shared=True)

    @contextlib.contextmanager
    def one_writer(
        self, meeting_id: str, track_id: str | None = None, *, wait: float = 30.0
    ) -> Iterator[None]:
        """Hold the track (or, without one, the whole meeting) alone for a phase that needs
        one writer; :class:`~meetlink.errors.LedgerBusy` after ``wait`` seconds.

        The whole meeting can be held alone only by a process that does not hold
        :meth:`lock` itself.
        """
        space, name = (_TRACK, f"{meeting_id}/{track_id}") if track_id else (_MEETING, meeting_id)
        self._advisory(space, name, shared=False, wait=wait)
        try:
            yield
        finally:
            with contextlib.suppress(LedgerError):
                self._unlock(space, name, shared=False)

    def claim(self, key: str) -> bool:
        """Claim the effect ``key`` for this process, without waiting: False if another
        process holds it. The claim lasts until :meth:`release_claims` or the end of the
        connection (a killed worker's claims go back at once)."""
        with self._lock:
            if key in self._claims:
                return True
            with self._using() as db:
                row = db.execute(
                    "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (_EFFECT, key)
                ).fetchone()
            if row and row[0]:
                self._claims.add(key)
                return True
            return False

    def claim_many(self, keys: list[str]) -> set[str]:
        """Claim these keys (a group of buckets) in one statement, without waiting: those
        granted (the others are held by other processes). Each lasts as :meth:`claim`'s."""
        with self._lock:
            wanted = [k for k in keys if k not in self._claims]
            if wanted:
                with self._using() as db:
                    rows = db.execute(
                        "SELECT k FROM unnest(%s::text[]) AS k"
                        " WHERE pg_try_advisory_lock(%s, hashtext(k))",
                        (wanted, _EFFECT),
                    ).fetchall()
                self._claims.update(row[0] for row in rows)
            return {k for k in keys if k in self._claims}

    def release(self, keys: list[str]) -> None:
        """Give back the claims of ``keys`` (a group of buckets, once its outcomes are
        committed), in one statement."""
        with self._lock:
            held = [k for k in keys if k in self._claims]
            if not held:
                return
            self._claims.difference_update(held)
            with self._using() as db:
                db.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(k)) FROM unnest(%s::text[]) AS k",
                    (_EFFECT, held),
                )

    def release_claims(self) -> None:
        """Give back every claim this process holds."""
        with self._lock:
            held, self._claims = sorted(self._claims), set()
            with self._using() as db:
                for key in held:
                    db.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (_EFFECT, key))

    # -- effects --------------------------------------------------------------------------

    def get(self, key: str) -> Effect | None:
        """The effect with this key, or None if nothing was ever attempted."""
        with self._lock:
            if self._chunks and key in self._known:
                return self._known[key]
        with self._reading() as db:
            row = db.execute(_SELECT_ONE, (key,)).fetchone()
        return self._parse(row) if row else None

    def get_many(self, keys: list[str]) -> dict[str, Effect]:
        """The effects with these keys (those never attempted left out), in one read."""
        with self._lock:
            if self._chunks and all(k in self._known for k in keys):
                return {k: e for k in keys if (e := self._known[k]) is not None}
        with self._reading() as db:
            rows = db.execute(_SELECT_KEYS, (keys,)).fetchall()
        return {row[0]: self._parse(row) for row in rows}

    def states(self, keys: list[str]) -> dict[str, tuple[EffectState, str]]:
        """The state and content hash of these keys' effects (those never attempted left
        out), in one read without their details: enough to tell an effect done.

        >>> PostgresLedger(url).states(["conference:main/s1"])  # doctest: +SKIP
        {'conference:main/s1': (<EffectState.DONE: 'done'>, 'h1')}
        """
        with self._reading() as db:
            rows = db.execute(_SELECT_STATES, (keys,)).fetchall()
        try:
            return {key: (EffectState(state), content_hash) for key, state, content_hash in rows}
        except ValueError as exc:
            raise LedgerError(
                f"a record in the ledger at {self.where} is unreadable ({exc}); restore the "
                "database from a backup, then run again."
            ) from None

    def effects(
        self, meeting_id: str, *, kind: str | None = None, state: EffectState | None = None
    ) -> list[Effect]:
        """Every effect of a meeting, optionally of one kind and state, in key order."""
        wanted = state.value if state is not None else None
        with self._reading() as db:
            rows = db.execute(
                _SELECT_MANY,
                (meeting_id, kind, kind, wanted, wanted),
            ).fetchall()
        return [self._parse(r) for r in rows]

    def _parse(self, row: tuple[Any, ...]) -> Effect:
        try:
            return Effect(
                key=row[0],
                meeting_id=row[1],
                kind=row[2],
                state=EffectState(row[3]),
                attempts=row[4],
                content_hash=row[5],
                external_id=row[6],
                join_url=row[7],
                detail=LazyDetail(row[8], row[0], self.where),  # decoded when read
                last_error=row[9],
                created_at=row[10],
                updated_at=row[11],
            )
        except (ValueError, TypeError) as exc:
            raise LedgerError(
                f"the record '{row[0]}' in the ledger at {self.where} is unreadable ({exc}); "
                "restore the database from a backup, then run again."
            ) from None

    def _write(
        self, write: Write, params: tuple[Any, ...], *, intent: bool = False
    ) -> Effect | None:
        """One write (:mod:`meetlink.reconcile.records`: its statement and the row it leaves
        made from one table). Outside a chunk it is committed at once (an ``intent`` waiting
        for the server's disk). In a chunk it joins the chunk's transaction: an intent
        recorded in :meth:`holding_intents` waits for :meth:`commit`, any other intent
        commits the chunk so far (after its ``before_commit``), an outcome waits for the
        chunk's end. A write to a key the chunk remembers (:meth:`remember`) is not sent at
        once: its row is made here (:meth:`~meetlink.reconcile.records.Write.row`), and the
        statement waits for the chunk's next commit, which sends every waiting one together."""
        named = write.named(params)
        key = named["key"]
        if self._chunks:
            psycopg = driver()
            with self._lock:  # one thread at a time in the chunk's transaction
                if key in self._known:
                    made = write.row(self._known[key], named, self.where)
                    if made is None:
                        return None
                    self._known[key] = made
                    self._queued.append((write.postgres, named))
                    if intent and getattr(self._holding, "depth", 0) == 0:
                        self.commit()
                    return made
                try:
                    self._send_queued()
                    row = self._held_connection().execute(write.postgres, named).fetchone()
                except psycopg.Error as exc:
                    raise server_failure(exc, self.url) from None
                if intent and getattr(self._holding, "depth", 0) == 0:
                    self.commit()
            return self._parse(row) if row else None
        with self._pool.working() as db:
            if intent:
                with db.transaction():
                    db.execute("SET LOCAL synchronous_commit = on")
                    row = db.execute(write.postgres, named).fetchone()
            else:
                row = db.execute(write.postgres, named).fetchone()
        return self._parse(row) if row else None

    def record_intent(
        self,
        meeting_id: str,
        key: str,
        kind: str,
        *,
        content_hash: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> Effect:
        """Write, and commit, that an effect is about to be attempted (attempts + 1); an
        external id, join link and detail already known are kept."""
        now, text = _now(), _checked(detail)
        params = (key, meeting_id, kind, content_hash, text, now, now, detail is not None)
        written = self._write(INTENT_WRITE, params, intent=True)
        return _must(written, key)

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
        _checked({"error": error})
        written = self._write(FAIL_WRITE, (error, _now(), key))
        return _must(written, key)

    def _finish(
        self,
        key: str,
        state: EffectState,
        external_id: str | None,
        join_url: str | None,
        content_hash: str | None,
        detail: Mapping[str, Any] | None,
    ) -> Effect:
        text = _checked(detail)
        parameters = (state.value, external_id, join_url, content_hash)
        written = self._write(FINISH_WRITE, (*parameters, detail is not None, text, _now(), key))
        if written is None:
            raise LedgerError(f"no intent was recorded for '{key}'; record the intent first.")
        return written


def _checked(detail: Mapping[str, Any] | None) -> str:
    """The detail as JSON; refused if the SQLite ledger's ``secret_check`` finds a secret."""
    text = json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True, default=str)
    check = sqlite_ledger.secret_check
    if check is not None and check(text):
        raise LedgerError(
            "refusing to write a secret into the ledger; secrets belong in the vault."
        )
    return text


def _must(effect: Effect | None, key: str) -> Effect:
    if effect is None:
        raise LedgerError(f"no intent was recorded for '{key}'; record the intent first.")
    return effect
