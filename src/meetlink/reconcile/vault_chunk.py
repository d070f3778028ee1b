"""A chunk of the PostgreSQL vault's writes: sent together before the ledger commits them.

In a chunk of ``open`` on a shared ledger (a group of claimed buckets,
:mod:`meetlink.reconcile.pg_chunk`) the vault does what the SQLite vault does inside the
chunk's one transaction (:mod:`meetlink.group_commit`): its credentials stored and its
audit rows (``issue``, ``reveal``, ``deliver``) wait, and go to the server together in one
transaction of the vault's own (:meth:`VaultChunk.flush`), which the run calls before every
commit of the ledger's chunk (``_make_durable``). So an outcome that speaks of a stored
credential is never committed before the credential is, as before, and a chunk of 250
hand-outs makes one round trip to the server for its secrets (:meth:`VaultChunk.remember`:
the rows the chunk reads, read at once) and one for its audit rows, instead of three each on
one connection its threads wait for in turn (issue 17).

A flush that fails keeps what it held: the ledger's commit, which flushes first, fails too,
and no outcome is committed without its credential. Outside a chunk every write is sent
and committed at once, as before.

Example (what a chunk of the vault holds while it waits):
    >>> pending = Pending()
    >>> pending.depth, pending.puts, pending.audits
    (0, {}, [])
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meetlink.credentials.audit import AuditAction, AuditEntry
from meetlink.credentials.keys import VaultKey
from meetlink.errors import CredentialError
from meetlink.reconcile.server_db import driver, server_failure

if TYPE_CHECKING:
    import psycopg

__all__ = ["AUDIT_INSERT", "PUT", "READ_MANY", "Ids", "Pending", "VaultChunk"]

Ids = tuple[str, str, str]
"""A credential's place in the vault: meeting, unit, kind."""

Row = tuple[str, bytes, bytes]
"""A stored credential as the server keeps it: its key's id, its nonce, its ciphertext."""

PUT = (
    "INSERT INTO vault_credentials (meeting_id, unit_id, kind, key_id, nonce, ciphertext,"
    " created_at, updated_at) SELECT %s, %s, %s, %s, %s, %s, %s, %s"
    " WHERE COALESCE((SELECT MIN(key_id) FROM vault_credentials) = %s"
    " AND (SELECT MAX(key_id) FROM vault_credentials) = %s, TRUE)"
    " ON CONFLICT (meeting_id, unit_id, kind) DO UPDATE SET key_id = excluded.key_id,"
    " nonce = excluded.nonce, ciphertext = excluded.ciphertext,"
    " updated_at = excluded.updated_at RETURNING 1"
)
"""A credential stored, unless the vault holds a row of another key: its lowest and highest
key are this one (or it has none), read from the two ends of the ``key_id`` index whatever
the plan. (A ``NOT EXISTS`` of ``key_id < k OR key_id > k`` was planned, once the statement
was prepared, as a scan of every row: most of the server's time in a first open of 31,000
points, issue 17.)"""

AUDIT_INSERT = (
    "INSERT INTO audit_log (at, meeting_id, unit_id, action, channel, actor, detail)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
)

READ_MANY = (
    "SELECT meeting_id, unit_id, kind, key_id, nonce, ciphertext FROM vault_credentials"
    " WHERE meeting_id = ANY(%s) AND unit_id = ANY(%s) AND kind = ANY(%s)"
)
"""A chunk's rows: its meetings, units and kinds, each a list, looked up in the primary key's
index (a group's units of one or two kinds: the few rows of other combinations that match
are left out after). A join on the ids unnested was planned as a scan of every stored row,
hashed: 12 ms a group at 31,000 credentials, against under 2 ms here."""


@dataclass
class Pending:
    """What the vault's chunk holds: its depth (chunks entered, the run's threads share
    them), the credentials stored and the audit rows written in it, not sent yet, and the
    rows it read or wrote (None: none stored), answered from here until it ends. Sealed
    rows only, never a secret in clear; none of them shown in its ``repr``."""

    depth: int = 0
    puts: dict[Ids, tuple[Any, ...]] = field(default_factory=dict, repr=False)
    audits: list[tuple[str, str, str | None, str, str, str, str]] = field(
        default_factory=list, repr=False
    )
    rows: dict[Ids, Row | None] = field(default_factory=dict, repr=False)

    def audit(self, entry: AuditEntry) -> AuditEntry:
        """Hold one audit row for the flush (its id is the server's, given then: 0 here)."""
        self.audits.append(
            (
                entry.at.isoformat(),
                entry.meeting_id,
                entry.unit_id,
                AuditAction(entry.action).value,
                entry.channel,
                entry.actor,
                entry.detail,
            )
        )
        return entry


class VaultChunk:
    """The chunk machinery of :class:`~meetlink.reconcile.vault_pg.PostgresVault`."""

    _pg: psycopg.Connection[Any]
    _pg_lock: threading.RLock
    _url: str
    _key: VaultKey
    _canary_opened: bool
    _pending: Pending

    def _check(self, db: psycopg.Connection[Any]) -> None:  # pragma: no cover - the vault's
        raise NotImplementedError

    @contextlib.contextmanager
    def deferring(self) -> Iterator[None]:
        """Inside, the vault's writes and audit rows wait for :meth:`flush` (called by the
        run before each commit of its ledger's chunk, and here at the end), and the rows
        :meth:`remember` read are answered without the server. Threads share it."""
        with self._pg_lock:
            self._pending.depth += 1
        try:
            yield
        finally:
            try:
                self.flush()
            finally:
                with self._pg_lock:
                    self._pending.depth -= 1
                    if not self._pending.depth:
                        self._pending.rows.clear()

    @property
    def deferred(self) -> bool:
        """Whether a chunk holds the vault's writes now (:meth:`deferring`)."""
        return self._pending.depth > 0

    def remember(self, ids: Iterable[Ids]) -> None:
        """In a chunk: read these credentials' rows now, in one statement; the chunk's
        ``get`` and ``has`` of them are then answered here (nothing else writes them while
        the run holds their buckets). Outside a chunk: nothing."""
        with self._pg_lock:
            if not self._pending.depth:
                return
            wanted = [i for i in dict.fromkeys(ids) if i not in self._pending.rows]
            if not wanted:
                return
            columns = [sorted(set(column)) for column in zip(*wanted, strict=True)]
            try:
                found = self._pg.execute(READ_MANY, columns).fetchall()
            except driver().Error as exc:
                raise server_failure(exc, self._url) from None
            rows = {(m, u, k): (key, bytes(n), bytes(c)) for m, u, k, key, n, c in found}
            for place in wanted:
                self._pending.rows[place] = rows.get(place)

    def known(self, ids: Ids) -> tuple[bool, Row | None]:
        """Whether the chunk knows this credential's row, and the row (None: none stored)."""
        with self._pg_lock:
            if not self._pending.depth or ids not in self._pending.rows:
                return False, None
            return True, self._pending.rows[ids]

    def flush(self) -> None:
        """Send what the chunk holds in one transaction: the key checked first while this
        key is not known to hold the vault's rows, every credential, every audit row. A
        credential refused (another key's rows arrived) fails the whole flush; what it held
        is kept, so the ledger's commit (which flushes first) fails too."""
        with self._pg_lock:
            puts, audits = self._pending.puts, self._pending.audits
            if not puts and not audits:
                return
            try:
                with self._pg.transaction(), self._pg.cursor() as cursor:
                    if puts and not self._canary_opened:
                        cursor.execute("LOCK TABLE vault_credentials IN SHARE ROW EXCLUSIVE MODE")
                        self._check(self._pg)
                    if puts:
                        cursor.executemany(PUT.removesuffix(" RETURNING 1"), list(puts.values()))
                        if cursor.rowcount != len(puts):  # another key's rows: none kept
                            self._canary_opened = False
                            raise CredentialError(
                                "the vault changed while this run stored credentials (another "
                                "key's rows are there); run `meetlink open` again."
                            )
                    if audits:
                        cursor.executemany(AUDIT_INSERT, audits)
            except driver().Error as exc:
                raise server_failure(exc, self._url) from None
            self._pending.puts, self._pending.audits = {}, []
