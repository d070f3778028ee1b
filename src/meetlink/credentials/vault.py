"""The vault: every unit's credential encrypted at rest, in the ledger's SQLite file.

Each credential is serialized to JSON and encrypted with AES-256-GCM under a fresh random
96-bit nonce. The meeting id, unit id and credential kind are bound in as associated data,
so a row copied onto another unit or kind fails to decrypt (`TamperedCredential`), as does
a cut or edited one. Every row records the id of the key it was written with: a wrong key
is told apart from tampering (`VaultKeyError`), and :meth:`Vault.rotate_key` re-encrypts
all rows in one transaction, so a half-rotated file cannot exist.

The key never sits in the database: see :func:`load_vault_key` for where it comes from.
One vault holds rows of one key only: :func:`open_vault`, and every :meth:`Vault.put`,
refuse (`VaultKeyError`) a key whose id differs from a stored row's, or that does not
decrypt a stored row of its own id. :func:`open_vault` also never makes a new key file for
a vault that already holds credentials: a lost key file is an error, not a fresh key.
Every change is audited in the same transaction as the change, and every decryption is
audited too (so reading a credential writes one audit row).

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
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from datetime import datetime, timedelta
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidTag
from pydantic import ConfigDict, ValidationError

from meetlink.credentials.audit import (
    AuditAction,
    AuditLog,
    connect,
    file_of,
    refuse_secrets,
    utcnow,
)
from meetlink.credentials.keys import (
    ENV_VAR,
    KEY_FILE_NAME,
    VaultKey,
    default_config_dir,
    load_vault_key,
)
from meetlink.credentials.secret import Secret, SecretModel, reveal_unpinned
from meetlink.errors import (
    CredentialError,
    TamperedCredential,
    VaultKeyError,
)
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

_AAD_TAG = "meetlink-vault-v1"
_NONCE_BYTES = 12

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS vault_credentials (
        meeting_id TEXT NOT NULL,
        unit_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        key_id TEXT NOT NULL,
        nonce BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (meeting_id, unit_id, kind)
    )""",
    # The key check reads the least and greatest key id: two index seeks, not a scan.
    "CREATE INDEX IF NOT EXISTS vault_credentials_by_key ON vault_credentials (key_id)",
)


class Credential(SecretModel):
    """One unit's access to a conference. Secrets are `Secret`; everything else is text.

    Example:
        >>> Credential(login="diemcau-07", password="x7-Qv9-p2Lm", room="7001")
        Credential(login='diemcau-07', password=Secret('***'), pin=None, token=None, room='7001', server=None, join_url=None)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    login: str | None = None
    password: Secret | None = None
    pin: Secret | None = None
    token: Secret | None = None
    room: str | None = None
    server: str | None = None
    join_url: str | None = None


class StoredCredential(NamedTuple):
    """What :meth:`Vault.list` tells about a stored credential: never the credential itself."""

    unit_id: str
    kind: str
    created_at: datetime


def _origin(key: VaultKey) -> str:
    """Where a key came from, for messages: never its text."""
    if key.source == "env":
        return f"from {ENV_VAR}"
    if key.source == "file":
        return f"from the key file {key.location}" if key.location else "from the key file"
    if key.source == "keyring":
        return "from the OS keyring"
    return f"(source {key.source!r})"


def _refusal(file: str, held: builtins.list[str], key: VaultKey) -> str:
    """Why a vault will not take ``key``, and what to do: ids and origin only, no key text."""
    where = f"The vault in {file}" if file else "The vault"
    loaded = f"the key loaded {_origin(key)} is {key.key_id}"
    if held == [key.key_id]:
        head = (
            f"{where} holds credentials written with vault key {key.key_id}; {loaded} too, "
            "but it does not decrypt them (another key with the same id, or edited rows)"
        )
    elif len(held) == 1:
        head = f"{where} holds credentials written with vault key {held[0]}, but {loaded}"
    else:
        head = (
            f"{where} holds credentials written with {len(held)} vault keys "
            f"({', '.join(held)}), and {loaded}"
        )
    state = f"the state file {file}" if file else "the state file"
    return (
        f"{head}; nothing was written with it. Load the key the vault was written with "
        f"({ENV_VAR}, the key file or the OS keyring) and run again. If that key is lost, "
        "ask the provider to disable the accounts (`meetlink credentials MEETING.yaml list` "
        f"names them), then move {state} aside and run again to issue new ones."
    )


def _aad(meeting_id: str, unit_id: str, kind: str) -> bytes:
    # A JSON array is an unambiguous encoding: ("a", "b/c") and ("a/b", "c") differ.
    return json.dumps([_AAD_TAG, meeting_id, unit_id, kind]).encode("ascii")


def _plaintext(credential: Credential) -> bytes:
    fields: dict[str, Any] = {}
    for name, value in credential:
        fields[name] = reveal_unpinned(value) if isinstance(value, Secret) else value
    # ensure_ascii keeps lone surrogates intact through json.loads.
    return json.dumps(fields, sort_keys=True).encode("ascii")


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
        # Threads share the connection (``meetlink open``'s workers): reads take the lock,
        # writes go through a group commit, so concurrent writers share one fsync.
        self._lock = threading.RLock()
        self._group = GroupCommit(connection, self._lock, self._failure)
        self.audit = AuditLog(connection, clock=clock, writer=self._group.write)
        self._canary_opened = False  # the key decrypted a stored row (checked once)

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
        """Close the database connection."""
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

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._failure(exc) from None
            try:
                yield
            except sqlite3.Error as exc:
                rollback(self._db)  # unless SQLite did already (a full disk)
                raise self._failure(exc) from None
            except BaseException:
                rollback(self._db)
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                rollback(self._db)
                raise self._failure(exc) from None

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Reads under the lock; an SQLite error (a damaged page) becomes a LedgerError."""
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise self._failure(exc) from None

    def _check_key(self, db: sqlite3.Connection) -> None:
        """Refuse the loaded key unless every stored row has its id and it decrypts one.

        Two index seeks (the least and greatest key id) every time; the decryption (at most
        three rows) once per vault. Raises `VaultKeyError` naming the ids, never a key.
        """
        low, high = db.execute(
            "SELECT (SELECT MIN(key_id) FROM vault_credentials),"
            " (SELECT MAX(key_id) FROM vault_credentials)"
        ).fetchone()
        if low is None:  # no rows: any key may write the first
            return
        if low == high == self._key.key_id and (self._canary_opened or self._opens_a_row(db)):
            self._canary_opened = True
            return
        held = sorted(r[0] for r in db.execute("SELECT DISTINCT key_id FROM vault_credentials"))
        raise VaultKeyError(_refusal(self._path, held, self._key))

    def _opens_a_row(self, db: sqlite3.Connection) -> bool:
        """Whether the key decrypts one of (up to) three stored rows: the canary.

        A wrong key opens none; a single edited row does not make the right key fail.
        """
        rows = db.execute(
            "SELECT meeting_id, unit_id, kind, nonce, ciphertext FROM vault_credentials"
            " WHERE key_id = ? LIMIT 3",
            (self._key.key_id,),
        ).fetchall()
        for meeting_id, unit_id, kind, nonce, blob in rows:
            try:
                if isinstance(nonce, bytes) and isinstance(blob, bytes):
                    self._key.decrypt(nonce, blob, _aad(meeting_id, unit_id, kind))
                    return True
            except (InvalidTag, ValueError):
                continue
        return False

    def _seal(self, key: VaultKey, ids: tuple[str, str, str], data: bytes) -> tuple[bytes, bytes]:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce, key.encrypt(nonce, data, _aad(*ids))

    def _open_row(self, ids: tuple[str, str, str], key_id: str, nonce: bytes, blob: bytes) -> bytes:
        meeting_id, unit_id, kind = ids
        where = f"unit {unit_id} (meeting {meeting_id}, kind {kind})"
        if key_id != self._key.key_id:
            raise VaultKeyError(
                f"The credential of {where} was written with vault key {key_id}, but the key "
                f"loaded is {self._key.key_id}. Load the key the vault was written with "
                f"({ENV_VAR}, the key file or the keyring); if it is lost, purge the meeting "
                "and issue new credentials."
            )
        try:
            if not (isinstance(nonce, bytes) and isinstance(blob, bytes)):
                raise ValueError("nonce and ciphertext must be bytes")
            return self._key.decrypt(nonce, blob, _aad(*ids))
        except (InvalidTag, ValueError):
            raise TamperedCredential(
                f"The stored credential of {where} fails authentication: it was moved from "
                "another unit, cut short or edited. Do not use it: revoke it and issue the "
                "unit a new credential."
            ) from None

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
        nonce, blob = self._seal(self._key, ids, _plaintext(credential))
        now = self._clock().isoformat()

        def store(db: sqlite3.Connection) -> None:
            self._check_key(db)  # in the write transaction: no one can write in between
            db.execute(
                "INSERT INTO vault_credentials (meeting_id, unit_id, kind, key_id, nonce,"
                " ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (meeting_id, unit_id, kind) DO UPDATE SET key_id = excluded.key_id,"
                " nonce = excluded.nonce, ciphertext = excluded.ciphertext,"
                " updated_at = excluded.updated_at",
                (*ids, self._key.key_id, nonce, blob, now, now),
            )
            self.audit.append_unchecked(
                meeting_id, unit_id, AuditAction.ISSUE, actor=self._actor, detail=kind
            )

        self._group.write(store)

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
        with self._reading():
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
        data = self._open_row(ids, *row)
        try:
            credential = Credential.model_validate(json.loads(data))
        except (ValueError, ValidationError):
            raise TamperedCredential(
                f"The stored credential of unit {unit_id} (meeting {meeting_id}, kind {kind}) "
                "decrypts but is not a credential; revoke it and issue a new one."
            ) from None
        self._group.write(
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

    def delete(self, meeting_id: str, unit_id: str, kind: str) -> bool:
        """Remove one credential (audited as ``revoke``); False if there was none.

        Example:
            >>> Vault.open(":memory:", VaultKey.generate()).delete("q3", "u1", "endpoint")
            False
        """
        self._check_ids(meeting_id, unit_id, kind)
        with self._transaction():
            cursor = self._db.execute(
                "DELETE FROM vault_credentials WHERE meeting_id = ? AND unit_id = ? AND kind = ?",
                (meeting_id, unit_id, kind),
            )
            if cursor.rowcount:
                self.audit.append_unchecked(
                    meeting_id, unit_id, AuditAction.REVOKE, actor=self._actor, detail=kind
                )
        return cursor.rowcount > 0

    def purge(self, meeting_id: str) -> int:
        """Remove every credential of a meeting (audited as ``purge``); returns how many.

        Example:
            >>> Vault.open(":memory:", VaultKey.generate()).purge("q3")
            0
        """
        with self._transaction():
            count = self._db.execute(
                "DELETE FROM vault_credentials WHERE meeting_id = ?", (meeting_id,)
            ).rowcount
            if count:
                detail = f"{count} credentials deleted"
                self.audit.append_unchecked(
                    meeting_id, None, AuditAction.PURGE, actor=self._actor, detail=detail
                )
        self._checkpoint()
        return count

    def purge_expired(
        self, meeting_ends: Mapping[str, datetime], *, retention: timedelta, now: datetime
    ) -> int:
        """Purge every meeting that ended at least ``retention`` before ``now``.

        ``meeting_ends`` maps meeting ids to their (timezone-aware) end; a meeting missing
        from it is kept, since its end is unknown. Returns how many credentials were deleted.

        Example:
            >>> from datetime import UTC, datetime, timedelta
            >>> vault = Vault.open(":memory:", VaultKey.generate())
            >>> vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
            >>> end = {"q3": datetime(2023, 9, 10, 10, tzinfo=UTC)}
            >>> vault.purge_expired(end, retention=timedelta(days=30), now=datetime.now(UTC))
            1
        """
        if now.tzinfo is None or any(end.tzinfo is None for end in meeting_ends.values()):
            raise CredentialError("Give meeting ends and now with a time zone (e.g. UTC).")
        expired = [
            meeting_id
            for meeting_id in self.meetings()
            if meeting_id in meeting_ends and meeting_ends[meeting_id] + retention <= now
        ]
        return sum(self.purge(meeting_id) for meeting_id in expired)

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
        per_meeting: dict[str, int] = {}
        now = self._clock().isoformat()
        with self._transaction():
            rows = self._db.execute(
                "SELECT meeting_id, unit_id, kind, key_id, nonce, ciphertext"
                " FROM vault_credentials ORDER BY meeting_id, unit_id, kind"
            ).fetchall()
            for meeting_id, unit_id, kind, key_id, nonce, blob in rows:
                ids = (meeting_id, unit_id, kind)
                new_nonce, new_blob = self._seal(
                    new_key, ids, self._open_row(ids, key_id, nonce, blob)
                )
                self._db.execute(
                    "UPDATE vault_credentials SET key_id = ?, nonce = ?, ciphertext = ?,"
                    " updated_at = ? WHERE meeting_id = ? AND unit_id = ? AND kind = ?",
                    (new_key.key_id, new_nonce, new_blob, now, *ids),
                )
                per_meeting[meeting_id] = per_meeting.get(meeting_id, 0) + 1
            for meeting_id, count in per_meeting.items():
                detail = (
                    f"{count} credentials re-encrypted from key {old.key_id} to {new_key.key_id}"
                )
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
        with self._reading():
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def meetings(self) -> builtins.list[str]:
        """The ids of every meeting with stored credentials, sorted."""
        with self._reading():
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
        return self._key.mark("credential", _plaintext(credential))

    def has(self, meeting_id: str, unit_id: str, kind: str) -> bool:
        """Whether a credential is stored (nothing decrypted, nothing audited).

        Example:
            >>> Vault.open(":memory:", VaultKey.generate()).has("q3", "u1", "endpoint")
            False
        """
        with self._reading():
            row = self._db.execute(
                "SELECT 1 FROM vault_credentials WHERE meeting_id = ? AND unit_id = ? AND kind = ?",
                (meeting_id, unit_id, kind),
            ).fetchone()
        return row is not None

    def list(self, meeting_id: str) -> builtins.list[StoredCredential]:
        """Which units of a meeting have which kinds of credential, and since when.

        Needs no key: nothing is decrypted.
        """
        with self._reading():
            rows = self._db.execute(
                "SELECT unit_id, kind, created_at FROM vault_credentials WHERE meeting_id = ?"
                " ORDER BY unit_id, kind",
                (meeting_id,),
            ).fetchall()
        return [StoredCredential(u, k, datetime.fromisoformat(at)) for u, k, at in rows]


def _stored_rows(path: str | PathLike[str]) -> bool:
    """Whether the SQLite file at ``path`` holds vault rows; read-only, it creates nothing."""
    if str(path) in ("", ":memory:") or not Path(path).is_file():
        return False
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=30.0)) as db:
            table = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vault_credentials'"
            ).fetchone()
            return table is not None and bool(
                db.execute("SELECT EXISTS (SELECT 1 FROM vault_credentials)").fetchone()[0]
            )
    except sqlite3.Error as exc:
        raise storage_failure(exc, path) from None


def open_vault(
    path: str | PathLike[str],
    key: VaultKey | None = None,
    *,
    env: Mapping[str, str] = os.environ,
    config_dir: str | PathLike[str] | None = None,
) -> Vault:
    """Open the vault at ``path`` with ``key``, or with the key :func:`load_vault_key` finds.

    Without ``key``, it first looks (read-only, creating nothing) whether the file already
    holds credentials. If it does, a missing key file is an error rather than a new key
    (a new key would not open them); if not, the key file is created on first use as before.
    Either way the vault then refuses a key that does not open its rows (`VaultKeyError`).

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3"
        >>> env = {"MEETLINK_VAULT_KEY": VaultKey.generate().reveal_text()}
        >>> with open_vault(path, env=env) as vault:
        ...     vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
        >>> wrong = {"MEETLINK_VAULT_KEY": VaultKey.generate().reveal_text()}
        >>> try:
        ...     open_vault(path, env=wrong)
        ... except VaultKeyError:
        ...     print("refused: another key wrote this vault")
        refused: another key wrote this vault
    """
    if key is None:
        has_rows = _stored_rows(path)
        if has_rows and not env.get(ENV_VAR, "").strip():
            folder = Path(config_dir) if config_dir is not None else default_config_dir(env)
            key_file = folder / KEY_FILE_NAME
            if not key_file.exists():
                raise VaultKeyError(
                    f"The vault in {path} holds credentials, but the vault key file {key_file} "
                    f"is missing and {ENV_VAR} is not set; a new key would not open them, so "
                    f"none was made. Restore {key_file} from your backup (mode 0600) or set "
                    f"{ENV_VAR} to the vault key, and run again."
                )
        key = load_vault_key(config_dir, env, create=not has_rows)
    vault = Vault.open(path, key)
    try:
        with vault._reading():
            vault._check_key(vault._db)
    except BaseException:
        vault.close()
        raise
    return vault
