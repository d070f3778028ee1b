"""The vault: every unit's credential encrypted at rest, in the ledger's SQLite file.

Each credential is serialized to JSON and encrypted with AES-256-GCM under a fresh random
96-bit nonce. The meeting id, unit id and credential kind are bound in as associated data,
so a row copied onto another unit or kind fails to decrypt (`TamperedCredential`), as does
a cut or edited one. Every row records the id of the key it was written with: a wrong key
is told apart from tampering (`VaultKeyError`), and :meth:`Vault.rotate_key` re-encrypts
all rows in one transaction, so a half-rotated file cannot exist.

The key never sits in the database: see :func:`load_vault_key` for where it comes from.
How a row is sealed is :mod:`meetlink.credentials.sealing`. One vault holds rows of one key
only (:mod:`meetlink.credentials.key_check`): :func:`open_vault`, and every
:meth:`Vault.put`, refuse (`VaultKeyError`) a key whose id differs from a stored row's, or
that does not decrypt a stored row of its own id. :func:`open_vault` also never makes a new
key file for a vault that already holds credentials: a lost key file is an error, not a
fresh key. Every change is audited in the same transaction as the change, and every
decryption is audited too (so reading a credential writes one audit row).

In a run (sharing the ledger's connection) the key is checked once per chunk transaction,
and what the run stored is kept (:mod:`meetlink.credentials.run_memory`).

An SQLite failure (a full disk, a damaged page, a read-only folder) is raised as a
:class:`~meetlink.errors.LedgerError` that says what to do (the vault shares the ledger's
file, and :func:`meetlink.group_commit.storage_failure` its sentences), never as a traceback.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3"
    >>> with Vault.open(path, VaultKey.generate()) as vault:
    ...     vault.put("q3", "u1", "endpoint", Credential(login="u1", password="pw-61c9-x"))
    ...     vault.get("q3", "u1", "endpoint").password
    Secret('***')
"""

from __future__ import annotations

import builtins
import os
import sqlite3
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from os import PathLike
from types import TracebackType

from meetlink.credentials.audit import (
    AuditAction,
    AuditEntry,
    AuditLog,
    connect,
    file_of,
    refuse_secrets,
    utcnow,
)
from meetlink.credentials.credential import (
    Credential,
    StoredCredential,
    from_plaintext,
    plaintext,
)
from meetlink.credentials.key_check import (
    VAULT_TABLE,
    check_key,
    holds_credentials,
    refuse_a_new_key,
)
from meetlink.credentials.keys import ENV_VAR, VaultKey, default_config_dir, load_vault_key
from meetlink.credentials.rekeying import resealed, rotation_detail
from meetlink.credentials.run_memory import RunMemory
from meetlink.credentials.sealing import seal, unseal
from meetlink.errors import CredentialError
from meetlink.group_commit import GroupCommit, rollback, storage_failure

__all__ = [
    "ENV_VAR",
    "Credential",
    "StoredCredential",
    "Vault",
    "VaultKey",
    "default_config_dir",
    "load_vault_key",
    "open_vault",
]

_SCHEMA = (
    VAULT_TABLE,
    # The key check reads the least and greatest key id: two index seeks, not a scan.
    "CREATE INDEX IF NOT EXISTS vault_credentials_by_key ON vault_credentials (key_id)",
)


class Vault:
    """Credentials per (meeting, unit, kind), encrypted at rest, in an SQLite file.

    The tables are created if missing and nothing else in the file is touched, so the vault
    can share the ledger file. Open it with :func:`open_vault` (which finds the key and
    refuses a wrong one at once) or :meth:`open`; it is a context manager. Every :meth:`put`
    refuses a key that does not open the rows already stored (`VaultKeyError`).

    Example:
        >>> import tempfile, pathlib
        >>> vault = Vault.open(pathlib.Path(tempfile.mkdtemp()) / "v.sqlite3", VaultKey.generate())
        >>> vault.put("q3", "u1", "endpoint", Credential(login="u1", password="pw-61c9-x"))
        >>> [row.unit_id for row in vault.list("q3")]
        ['u1']
        >>> vault.close()
    """

    def __init__(
        self,
        connection: sqlite3.Connection,
        key: VaultKey,
        *,
        actor: str = "meetlink",
        clock: Callable[[], datetime] = utcnow,
        group: GroupCommit | None = None,
    ) -> None:
        self._db = connection
        self._key = key
        self._actor = actor
        self._clock = clock
        self._path = file_of(connection)
        try:
            for statement in _SCHEMA:
                self._db.execute(statement)
        except sqlite3.Error as exc:  # a full disk, a damaged or read-only file
            raise storage_failure(exc, self._path) from None
        # Threads share the connection: reads take the lock, writes go through a group
        # commit (concurrent writers share one fsync; an SQLite failure is a LedgerError).
        # ``group``: the ledger's, when sharing its connection (a chunk's rows commit together).
        self._shared = group is not None
        self._lock = threading.RLock()
        self._group = group or GroupCommit(connection, self._lock, self._failure)
        self.audit = AuditLog(connection, clock=clock, writer=self._write_entry)
        self._canary_opened = False  # the key decrypted a stored row (checked once)
        self._checked_in = -1  # the chunk transaction whose first put checked the key
        # Sharing a run's ledger (``meetlink open``, under the meeting's lock): what it
        # stored is not read back to be handed out (`get` still audits the reveal).
        self._memory = RunMemory(enabled=self._shared, losses=lambda: self._group.losses)

    @classmethod
    def open(
        cls,
        path: str | PathLike[str],
        key: VaultKey,
        *,
        actor: str = "meetlink",
        clock: Callable[[], datetime] = utcnow,
    ) -> Vault:
        """Open the vault in the SQLite file at ``path`` (WAL, ``synchronous=FULL``).

        A wrong key is found at the first read or write, not here: :func:`open_vault`
        checks it at once, and is what the commands use.
        """
        connection = connect(path)
        try:
            return cls(connection, key, actor=actor, clock=clock)
        except BaseException:
            connection.close()
            raise

    @property
    def key_id(self) -> str:
        """The id of the key new rows are written with."""
        return self._key.key_id

    def close(self) -> None:
        """Close the database connection (not a ledger's it shares: the ledger does)."""
        if not self._shared:
            self._db.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _failure(self, exc: BaseException) -> Exception:
        return storage_failure(exc, self._path)

    def _write_entry(self, work: Callable[[sqlite3.Connection], AuditEntry]) -> AuditEntry:
        """One audit row (one statement) written through the group commit."""
        return self._group.write(work, single=True)

    def check_key(self) -> None:
        """Refuse the loaded key (`VaultKeyError`) unless it opens the rows already stored.

        :func:`open_vault` calls it at once; every :meth:`put` checks again, in its write.

        Example:
            >>> Vault.open(":memory:", VaultKey.generate()).check_key()  # empty: any key
        """
        with self._group.reading() as db:
            self._check_key(db)

    def _check_key(self, db: sqlite3.Connection) -> None:
        """:func:`~meetlink.credentials.key_check.check_key`, the canary decrypted once."""
        opened = check_key(db, self._key, self._path, canary_opened=self._canary_opened)
        self._canary_opened = self._canary_opened or opened

    def _check_key_once(self, db: sqlite3.Connection) -> None:
        """:meth:`_check_key` in a write, once per chunk transaction (the lock is held, and
        no other connection writes until it commits); outside a chunk, every time."""
        chunk = self._group.chunk_transaction if self._group.in_chunk else None
        if chunk is not None and chunk == self._checked_in:
            return
        self._check_key(db)
        if chunk is not None:
            self._checked_in = chunk

    @staticmethod
    def _check_ids(*ids: str) -> None:
        if not all(isinstance(part, str) and part for part in ids):
            raise CredentialError("Give the meeting id, unit id and kind as non-empty text.")

    def put(self, meeting_id: str, unit_id: str, kind: str, credential: Credential) -> None:
        """Store (or replace) a unit's credential, and audit it as ``issue``.

        Raises `VaultKeyError`, writing nothing, if the vault holds rows the key does not
        open (another process may have written since this vault was opened).

        Example:
            >>> vault = Vault.open(":memory:", VaultKey.generate())
            >>> vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
        """
        self._check_ids(meeting_id, unit_id, kind)
        if not isinstance(credential, Credential):
            raise CredentialError("Pass a Credential to Vault.put.")
        ids = (meeting_id, unit_id, kind)
        nonce, blob = seal(self._key, ids, plaintext(credential))
        now = self._clock().isoformat()

        def store(db: sqlite3.Connection) -> int:
            self._check_key_once(db)  # in the write transaction: no one writes in between
            db.execute(
                "INSERT INTO vault_credentials (meeting_id, unit_id, kind, key_id, nonce,"
                " ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (meeting_id, unit_id, kind) DO UPDATE SET key_id = excluded.key_id,"
                " nonce = excluded.nonce, ciphertext = excluded.ciphertext,"
                " updated_at = excluded.updated_at",
                (*ids, self._key.key_id, nonce, blob, now, now),
            )
            try:
                self.audit.append_unchecked(
                    meeting_id, unit_id, AuditAction.ISSUE, actor=self._actor, detail=kind
                )
            except BaseException:  # a full disk, a damaged page, Ctrl-C, a failing clock
                # The row must not outlive its audit entry, and this write has no savepoint
                # in a chunk: the whole transaction goes, as after a crash (the chunk fails
                # and the next run finishes it from the intents committed).
                rollback(db)
                raise
            return self._group.losses  # a chunk lost from now on takes this row with it

        # In a chunk, no savepoint of its own (two statements fewer a credential).
        written_at = self._group.write(store, single=self._group.in_chunk)
        self._memory.stored(ids, credential, at=written_at)

    def get(self, meeting_id: str, unit_id: str, kind: str, *, channel: str = "") -> Credential:
        """Decrypt a unit's credential, and audit it as ``reveal`` (with ``channel``).

        Raises `CredentialError` if there is none, `VaultKeyError` if it was written with
        another key, `TamperedCredential` if it fails authentication.

        Example:
            >>> vault = Vault.open(":memory:", VaultKey.generate())
            >>> vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
            >>> vault.get("q3", "u1", "endpoint").pin == Secret("4711-0815")
            True
        """
        self._check_ids(meeting_id, unit_id, kind)
        refuse_secrets(channel=channel)
        ids = (meeting_id, unit_id, kind)
        credential = self._memory.recall(ids)
        if credential is None:
            credential = self._read(ids)
        self._write_entry(
            lambda db: self.audit.append_unchecked(
                meeting_id,
                unit_id,
                AuditAction.REVEAL,
                channel=channel,
                actor=self._actor,
                detail=kind,
            )
        )
        return credential

    def _read(self, ids: tuple[str, str, str]) -> Credential:
        """Read and decrypt one stored credential (see :meth:`get`)."""
        meeting_id, unit_id, kind = ids
        with self._group.reading():
            row = self._db.execute(
                "SELECT key_id, nonce, ciphertext FROM vault_credentials"
                " WHERE meeting_id = ? AND unit_id = ? AND kind = ?",
                ids,
            ).fetchone()
        if row is None:
            raise CredentialError(
                f"No {kind} credential is stored for unit {unit_id} of meeting {meeting_id}; "
                "run `meetlink open` to issue one."
            )
        return from_plaintext(unseal(self._key, ids, *row), ids)

    def delete(self, meeting_id: str, unit_id: str, kind: str) -> bool:
        """Remove one credential (audited as ``revoke``); False if there was none.

        Example:
            >>> Vault.open(":memory:", VaultKey.generate()).delete("q3", "u1", "endpoint")
            False
        """
        self._check_ids(meeting_id, unit_id, kind)
        with self._group.transaction():
            cursor = self._db.execute(
                "DELETE FROM vault_credentials WHERE meeting_id = ? AND unit_id = ? AND kind = ?",
                (meeting_id, unit_id, kind),
            )
            if cursor.rowcount:
                self.audit.append_unchecked(
                    meeting_id, unit_id, AuditAction.REVOKE, actor=self._actor, detail=kind
                )
        self._memory.forget(meeting_id, unit_id, kind)
        return cursor.rowcount > 0

    def purge(self, meeting_id: str) -> int:
        """Remove every credential of a meeting (audited as ``purge``); returns how many.

        Example:
            >>> Vault.open(":memory:", VaultKey.generate()).purge("q3")
            0
        """
        with self._group.transaction():
            count = self._db.execute(
                "DELETE FROM vault_credentials WHERE meeting_id = ?", (meeting_id,)
            ).rowcount
            if count:
                detail = f"{count} credentials deleted"
                self.audit.append_unchecked(
                    meeting_id, None, AuditAction.PURGE, actor=self._actor, detail=detail
                )
        self._memory.forget(meeting_id)
        self._checkpoint()
        return count

    def rotate_key(self, new_key: VaultKey) -> int:
        """Re-encrypt every credential under ``new_key`` in one transaction; returns how many.

        Every row must decrypt with the current key first, or nothing changes. Afterwards
        only ``new_key`` opens the vault. Audited as ``rotate`` once per meeting.

        Example:
            >>> vault = Vault.open(":memory:", VaultKey.generate())
            >>> vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
            >>> vault.rotate_key(VaultKey.generate())
            1
        """
        old = self._key
        now = self._clock().isoformat()
        with self._group.transaction():
            rows = self._db.execute(
                "SELECT meeting_id, unit_id, kind, key_id, nonce, ciphertext"
                " FROM vault_credentials ORDER BY meeting_id, unit_id, kind"
            ).fetchall()
            changed, per_meeting = resealed(rows, old, new_key)
            self._db.executemany(
                "UPDATE vault_credentials SET key_id = ?, nonce = ?, ciphertext = ?,"
                " updated_at = ? WHERE meeting_id = ? AND unit_id = ? AND kind = ?",
                [(new_key.key_id, nonce, blob, now, *ids) for ids, nonce, blob in changed],
            )
            for meeting_id, count in per_meeting.items():
                detail = rotation_detail(count, old, new_key)
                self.audit.append_unchecked(
                    meeting_id, None, AuditAction.ROTATE, actor=self._actor, detail=detail
                )
        self._key = new_key
        self._canary_opened = bool(rows)
        self._checkpoint()
        return len(rows)

    def _checkpoint(self) -> None:
        # Old ciphertexts live on in WAL frames until a checkpoint; after a purge or a
        # rotation they should not. Best effort: a reader elsewhere may delay it.
        with self._group.reading():
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def meetings(self) -> builtins.list[str]:
        """The ids of every meeting with stored credentials, sorted."""
        with self._group.reading():
            rows = self._db.execute(
                "SELECT DISTINCT meeting_id FROM vault_credentials ORDER BY meeting_id"
            ).fetchall()
        return [row[0] for row in rows]

    def mark(self, credential: Credential) -> str:
        """A keyed hash of a credential's content (16 hex digits): the same credential gives
        the same mark, another password another one; without the key it tells nothing.

        Example:
            >>> vault = Vault.open(":memory:", VaultKey.generate())
            >>> vault.mark(Credential(pin="4711")) == vault.mark(Credential(pin="4711"))
            True
        """
        return self._key.mark("credential", plaintext(credential))

    def has(self, meeting_id: str, unit_id: str, kind: str) -> bool:
        """Whether a credential is stored (nothing decrypted, nothing audited).

        Example:
            >>> Vault.open(":memory:", VaultKey.generate()).has("q3", "u1", "endpoint")
            False
        """
        if self._memory.enabled:  # a run: the meeting's list read once, kept by its writes
            listed = self._memory.listed(meeting_id, lambda: self._units(meeting_id))
            return (unit_id, kind) in listed
        with self._group.reading():
            row = self._db.execute(
                "SELECT 1 FROM vault_credentials WHERE meeting_id = ? AND unit_id = ? AND kind = ?",
                (meeting_id, unit_id, kind),
            ).fetchone()
        return row is not None

    def _units(self, meeting_id: str) -> builtins.list[tuple[str, str]]:
        with self._group.reading():
            return self._db.execute(
                "SELECT unit_id, kind FROM vault_credentials WHERE meeting_id = ?", (meeting_id,)
            ).fetchall()

    def list(self, meeting_id: str) -> builtins.list[StoredCredential]:
        """Which units of a meeting have which kinds of credential, and since when.

        Needs no key: nothing is decrypted.
        """
        with self._group.reading():
            rows = self._db.execute(
                "SELECT unit_id, kind, created_at FROM vault_credentials WHERE meeting_id = ?"
                " ORDER BY unit_id, kind",
                (meeting_id,),
            ).fetchall()
        return [StoredCredential(u, k, datetime.fromisoformat(at)) for u, k, at in rows]


def open_vault(
    path: str | PathLike[str],
    key: VaultKey | None = None,
    *,
    env: Mapping[str, str] = os.environ,
    config_dir: str | PathLike[str] | None = None,
    sharing: tuple[sqlite3.Connection, GroupCommit] | None = None,
) -> Vault:
    """Open the vault at ``path`` with ``key``, or with the key :func:`load_vault_key` finds.

    Without ``key``, it first looks (read-only, creating nothing) whether the file already
    holds credentials. If it does, a missing key file is an error rather than a new key
    (a new key would not open them); if not, the key file is created on first use as before.
    Either way the vault then refuses a key that does not open its rows (`VaultKeyError`).
    ``sharing`` (:meth:`~meetlink.reconcile.ledger.Ledger.sharing`): the ledger's connection
    to ``path`` and its group commit, used instead of a connection of the vault's own.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3"
        >>> env = {"MEETLINK_VAULT_KEY": VaultKey.generate().reveal_text()}
        >>> with open_vault(path, env=env) as vault:
        ...     vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
        >>> from meetlink.errors import VaultKeyError
        >>> wrong = {"MEETLINK_VAULT_KEY": VaultKey.generate().reveal_text()}
        >>> try:
        ...     open_vault(path, env=wrong)
        ... except VaultKeyError:
        ...     print("refused: another key wrote this vault")
        refused: another key wrote this vault
    """
    if key is None:
        has_rows = holds_credentials(path)
        if has_rows:
            refuse_a_new_key(path, env, config_dir)
        key = load_vault_key(config_dir, env, create=not has_rows)
    if sharing is None:
        vault = Vault.open(path, key)
    else:
        connection, group = sharing
        connection.execute("PRAGMA secure_delete=ON")
        vault = Vault(connection, key, group=group)
    try:
        vault.check_key()
    except BaseException:
        vault.close()
        raise
    return vault
