"""The vault and its audit log in the PostgreSQL ledger's database.

The rows are those of the SQLite vault (:mod:`meetlink.credentials.vault`): each credential
sealed with AES-256-GCM under the operator's vault key, the meeting, unit and kind bound in,
the key's id beside it; the key itself never reaches the server. One vault holds rows of one
key only, checked in the same transaction as every write (no other worker can write in
between), and every change and every decryption is audited in the same transaction. The
audit log refuses ``UPDATE`` and ``DELETE`` (a trigger).

Example:
    >>> vault = open_postgres_vault("postgresql://office@db.example/meetlink")  # doctest: +SKIP
    >>> vault.list("q3")                                                         # doctest: +SKIP
    []
"""

from __future__ import annotations

import builtins
import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import psycopg

from meetlink.credentials.audit import AuditAction, AuditEntry, AuditLog, refuse_secrets, utcnow
from meetlink.credentials.credential import from_plaintext, plaintext
from meetlink.credentials.key_check import key_refusal, refuse_a_new_key
from meetlink.credentials.keys import VaultKey, load_vault_key
from meetlink.credentials.rekeying import resealed, rotation_detail
from meetlink.credentials.sealing import opens, seal, unseal
from meetlink.credentials.vault import Credential, StoredCredential, Vault
from meetlink.errors import CredentialError, VaultKeyError
from meetlink.reconcile.server_db import connect, migrate, server_failure, shown_url
from meetlink.reconcile.vault_chunk import PUT, Pending, VaultChunk

__all__ = ["PUT", "PostgresAuditLog", "PostgresVault", "open_postgres_vault"]

_CANARY_ROWS = 3


class PostgresAuditLog(AuditLog):
    """The append-only audit log in the server's ``audit_log`` table."""

    def __init__(
        self,
        db: psycopg.Connection[Any],
        lock: threading.RLock,
        url: str,
        *,
        clock: Callable[[], datetime] = utcnow,
        pending: Pending | None = None,
        flush: Callable[[], None] = lambda: None,
    ) -> None:
        self._pg, self._pg_lock, self._url, self._clock = db, lock, url, clock
        # In a chunk of ``open`` (the vault's ``deferring``) an entry waits for its flush.
        self._pending, self._flush = pending or Pending(), flush

    def close(self) -> None:
        """The vault closes the shared connection."""

    def record(
        self,
        meeting_id: str,
        unit_id: str | None,
        action: AuditAction | str,
        *,
        channel: str = "",
        actor: str = "",
        detail: str = "",
    ) -> AuditEntry:
        """Append one entry (refusing a text that holds a registered secret) and return it."""
        try:
            kind = AuditAction(action)
        except ValueError:
            known = ", ".join(a.value for a in AuditAction)
            raise CredentialError(
                f"{action!r} is not an audit action; use one of: {known}."
            ) from None
        refuse_secrets(channel=channel, actor=actor, detail=detail)
        with self._pg_lock:
            try:
                return self.append(
                    meeting_id, unit_id, kind, channel=channel, actor=actor, detail=detail
                )
            except psycopg.Error as exc:
                raise server_failure(exc, self._url) from None

    def append(
        self,
        meeting_id: str,
        unit_id: str | None,
        action: AuditAction,
        *,
        channel: str = "",
        actor: str = "",
        detail: str = "",
    ) -> AuditEntry:
        """In a chunk of ``open`` (the vault's ``deferring``), hold one entry for the chunk's
        flush, sent with its credentials before its outcomes (its id, the server's, is 0
        here); otherwise insert it now (:meth:`append_unchecked`). Unchecked either way."""
        with self._pg_lock:
            if self._pending.depth:
                at = self._clock()
                entry = AuditEntry(0, at, meeting_id, unit_id, action, channel, actor, detail)
                return self._pending.audit(entry)
            return self.append_unchecked(
                meeting_id, unit_id, action, channel=channel, actor=actor, detail=detail
            )

    def append_unchecked(
        self,
        meeting_id: str,
        unit_id: str | None,
        action: AuditAction,
        *,
        channel: str = "",
        actor: str = "",
        detail: str = "",
    ) -> AuditEntry:
        """Insert one entry in the caller's transaction (or its own), unchecked."""
        at = self._clock()
        row = self._pg.execute(
            "INSERT INTO audit_log (at, meeting_id, unit_id, action, channel, actor, detail)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (at.isoformat(), meeting_id, unit_id, action.value, channel, actor, detail),
        ).fetchone()
        if row is None:  # pragma: no cover - RETURNING gives the row it wrote
            raise CredentialError("the audit log did not keep an entry; run again.")
        return AuditEntry(row[0], at, meeting_id, unit_id, action, channel, actor, detail)

    def entries(self, meeting_id: str) -> list[AuditEntry]:
        """Every entry of one meeting, oldest first (a chunk's waiting ones sent first)."""
        with self._pg_lock:
            self._flush()
            try:
                rows = self._pg.execute(
                    "SELECT id, at, meeting_id, unit_id, action, channel, actor, detail"
                    " FROM audit_log WHERE meeting_id = %s ORDER BY id",
                    (meeting_id,),
                ).fetchall()
            except psycopg.Error as exc:
                raise server_failure(exc, self._url) from None
        return [
            AuditEntry(r[0], datetime.fromisoformat(r[1]), r[2], r[3], AuditAction(r[4]), *r[5:])
            for r in rows
        ]


class PostgresVault(VaultChunk, Vault):
    """:class:`~meetlink.credentials.vault.Vault`'s interface and guarantees, its rows in the
    PostgreSQL ledger's database. Open it with :func:`open_postgres_vault`."""

    audit: PostgresAuditLog

    def __init__(  # the SQLite vault's connection is not made: this one has its own
        self,
        url: str,
        key: VaultKey,
        *,
        actor: str = "meetlink",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._url = url
        self._key = key
        self._actor = actor
        self._clock = clock
        self._pg = connect(url)
        try:
            migrate(self._pg, url)
        except psycopg.Error as exc:
            self._pg.close()
            raise server_failure(exc, url) from None
        # A row need not wait for the disk: no secret leaves before a later intent, whose
        # commit waits and so puts every earlier row on disk (ledger_pg.PostgresLedger._write).
        self._pg.execute("SET synchronous_commit = off")
        self._pg_lock = threading.RLock()
        self._pending = Pending()
        self.audit = PostgresAuditLog(
            self._pg, self._pg_lock, url, clock=clock, pending=self._pending, flush=self.flush
        )
        self._canary_opened = False

    def close(self) -> None:
        """Close the connection."""
        self._pg.close()

    def __enter__(self) -> PostgresVault:
        return self

    @contextlib.contextmanager
    def _tx(self) -> Iterator[psycopg.Connection[Any]]:
        """One transaction of the vault's own, a server error said as a sentence; what a
        chunk holds (:meth:`deferring`) is sent first, so it sees and follows it."""
        with self._pg_lock:
            self.flush()
            try:
                with self._pg.transaction():
                    yield self._pg
            except psycopg.Error as exc:
                raise server_failure(exc, self._url) from None

    @contextlib.contextmanager
    def _statement(self) -> Iterator[psycopg.Connection[Any]]:
        """One statement, a transaction of its own (one round trip to the server)."""
        with self._pg_lock:
            try:
                yield self._pg
            except psycopg.Error as exc:
                raise server_failure(exc, self._url) from None

    def check_key(self) -> None:
        """Refuse the loaded key (`VaultKeyError`) unless it opens the rows already stored."""
        with self._tx() as db:
            self._check(db)

    def _check(self, db: psycopg.Connection[Any]) -> None:
        row = db.execute(
            "SELECT (SELECT MIN(key_id) FROM vault_credentials),"
            " (SELECT MAX(key_id) FROM vault_credentials)"
        ).fetchone()
        low, high = row if row else (None, None)
        if low is None:
            return
        if low == high == self._key.key_id:
            if self._canary_opened:
                return
            rows = db.execute(
                "SELECT meeting_id, unit_id, kind, nonce, ciphertext FROM vault_credentials"
                " WHERE key_id = %s LIMIT %s",
                (self._key.key_id, _CANARY_ROWS),
            ).fetchall()
            if any(opens(self._key, (m, u, k), bytes(n), bytes(b)) for m, u, k, n, b in rows):
                self._canary_opened = True
                return
        held = sorted(r[0] for r in db.execute("SELECT DISTINCT key_id FROM vault_credentials"))
        raise VaultKeyError(key_refusal(shown_url(self._url), held, self._key))

    def put(self, meeting_id: str, unit_id: str, kind: str, credential: Credential) -> None:
        """Store (or replace) a unit's credential, and audit it as ``issue``."""
        self._check_ids(meeting_id, unit_id, kind)
        if not isinstance(credential, Credential):
            raise CredentialError("Pass a Credential to Vault.put.")
        ids = (meeting_id, unit_id, kind)
        nonce, blob = seal(self._key, ids, plaintext(credential))
        now = self._clock().isoformat()
        key_id = self._key.key_id
        with self._pg_lock:
            if self._pending.depth:  # stored at the chunk's flush, before its outcomes
                self._pending.puts[ids] = (*ids, key_id, nonce, blob, now, now, key_id, key_id)
                self._pending.rows[ids] = (key_id, nonce, blob)
                self.audit.append(
                    meeting_id, unit_id, AuditAction.ISSUE, actor=self._actor, detail=kind
                )
                return
        with self._tx() as db, db.pipeline():
            # Until this key is known to hold the vault's rows, one writer at a time: the
            # check and the write go together. Then no table lock: the write itself refuses
            # to add a row while another key's are there (the first answer waited for).
            if not self._canary_opened:
                db.execute("LOCK TABLE vault_credentials IN SHARE ROW EXCLUSIVE MODE")
                self._check(db)
            written = db.execute(
                PUT,
                (*ids, key_id, nonce, blob, now, now, key_id, key_id),
            )
            self.audit.append_unchecked(
                meeting_id, unit_id, AuditAction.ISSUE, actor=self._actor, detail=kind
            )
            if written.fetchone() is None:  # another key's rows: refused, nothing kept
                self._canary_opened = False
                self._check(db)
                raise CredentialError(
                    f"the vault changed while the credential of unit {unit_id} was stored; "
                    "run `meetlink open` again."
                )

    def get(self, meeting_id: str, unit_id: str, kind: str, *, channel: str = "") -> Credential:
        """Decrypt a unit's credential, and audit it as ``reveal`` (with ``channel``)."""
        self._check_ids(meeting_id, unit_id, kind)
        refuse_secrets(channel=channel)
        ids = (meeting_id, unit_id, kind)
        known, row = self.known(ids)
        if not known:
            with self._statement() as db:
                row = db.execute(
                    "SELECT key_id, nonce, ciphertext FROM vault_credentials"
                    " WHERE meeting_id = %s AND unit_id = %s AND kind = %s",
                    ids,
                ).fetchone()
        if row is None:
            raise CredentialError(
                f"No {kind} credential is stored for unit {unit_id} of meeting {meeting_id}; "
                "run `meetlink open` to issue one."
            )
        data = unseal(self._key, ids, row[0], bytes(row[1]), bytes(row[2]))
        credential = from_plaintext(data, ids)
        with self._statement():
            self.audit.append(
                meeting_id,
                unit_id,
                AuditAction.REVEAL,
                channel=channel,
                actor=self._actor,
                detail=kind,
            )
        return credential

    def delete(self, meeting_id: str, unit_id: str, kind: str) -> bool:
        """Remove one credential (audited as ``revoke``); False if there was none."""
        self._check_ids(meeting_id, unit_id, kind)
        with self._tx() as db:
            count = db.execute(
                "DELETE FROM vault_credentials"
                " WHERE meeting_id = %s AND unit_id = %s AND kind = %s",
                (meeting_id, unit_id, kind),
            ).rowcount
            if count:
                self.audit.append_unchecked(
                    meeting_id, unit_id, AuditAction.REVOKE, actor=self._actor, detail=kind
                )
            self._forget(lambda ids: ids == (meeting_id, unit_id, kind))
        return count > 0

    def _forget(self, which: Callable[[tuple[str, str, str]], bool]) -> None:
        """Drop the rows a chunk remembered that a write outside it changed."""
        for ids in [i for i in self._pending.rows if which(i)]:
            del self._pending.rows[ids]

    def purge(self, meeting_id: str) -> int:
        """Remove every credential of a meeting (audited as ``purge``); returns how many."""
        with self._tx() as db:
            count = db.execute(
                "DELETE FROM vault_credentials WHERE meeting_id = %s", (meeting_id,)
            ).rowcount
            if count:
                self.audit.append_unchecked(
                    meeting_id,
                    None,
                    AuditAction.PURGE,
                    actor=self._actor,
                    detail=f"{count} credentials deleted",
                )
            self._forget(lambda ids: ids[0] == meeting_id)
        return count

    def rotate_key(self, new_key: VaultKey) -> int:
        """Re-encrypt every credential under ``new_key`` in one transaction; returns how many."""
        old = self._key
        now = self._clock().isoformat()
        with self._tx() as db:
            db.execute("LOCK TABLE vault_credentials IN SHARE ROW EXCLUSIVE MODE")
            rows = db.execute(
                "SELECT meeting_id, unit_id, kind, key_id, nonce, ciphertext"
                " FROM vault_credentials ORDER BY meeting_id, unit_id, kind"
            ).fetchall()
            changed, per_meeting = resealed(rows, old, new_key)
            with db.cursor() as cursor:  # one batch, one round trip
                cursor.executemany(
                    "UPDATE vault_credentials SET key_id = %s, nonce = %s, ciphertext = %s,"
                    " updated_at = %s WHERE meeting_id = %s AND unit_id = %s AND kind = %s",
                    [(new_key.key_id, nonce, blob, now, *ids) for ids, nonce, blob in changed],
                )
            for meeting_id, count in per_meeting.items():
                detail = rotation_detail(count, old, new_key)
                self.audit.append_unchecked(
                    meeting_id, None, AuditAction.ROTATE, actor=self._actor, detail=detail
                )
            self._forget(lambda ids: True)
        self._key = new_key
        self._canary_opened = bool(rows)
        return len(rows)

    def meetings(self) -> builtins.list[str]:
        """The ids of every meeting with stored credentials, sorted."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT DISTINCT meeting_id FROM vault_credentials ORDER BY meeting_id"
            ).fetchall()
        return [row[0] for row in rows]

    def has(self, meeting_id: str, unit_id: str, kind: str) -> bool:
        """Whether a credential is stored (nothing decrypted, nothing audited)."""
        known, row = self.known((meeting_id, unit_id, kind))
        if known:
            return row is not None
        with self._tx() as db:
            row = db.execute(
                "SELECT 1 FROM vault_credentials"
                " WHERE meeting_id = %s AND unit_id = %s AND kind = %s",
                (meeting_id, unit_id, kind),
            ).fetchone()
        return row is not None

    def list(self, meeting_id: str) -> builtins.list[StoredCredential]:
        """Which units of a meeting have which kinds of credential, and since when."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT unit_id, kind, created_at FROM vault_credentials WHERE meeting_id = %s"
                " ORDER BY unit_id, kind",
                (meeting_id,),
            ).fetchall()
        return [StoredCredential(u, k, datetime.fromisoformat(at)) for u, k, at in rows]


def open_postgres_vault(
    url: str, key: VaultKey | None = None, *, env: Mapping[str, str] = os.environ
) -> PostgresVault:
    """Open the vault in the database at ``url`` with ``key``, or the key
    :func:`~meetlink.credentials.keys.load_vault_key` finds (never a new one for a vault
    that already holds credentials), and refuse a key that does not open its rows."""
    if key is None:
        with contextlib.closing(connect(url)) as db:
            migrate(db, url)
            row = db.execute("SELECT EXISTS (SELECT 1 FROM vault_credentials)").fetchone()
        has_rows = bool(row and row[0])
        if has_rows:
            refuse_a_new_key(shown_url(url), env, None)
        key = load_vault_key(None, env, create=not has_rows)
    vault = PostgresVault(url, key)
    try:
        vault.check_key()
    except BaseException:
        vault.close()
        raise
    return vault
