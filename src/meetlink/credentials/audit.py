"""The append-only audit log of credential hand-outs: who got what, when, by which channel.

It lives in the same SQLite file as the vault and the ledger, in the table ``audit_log``.
Triggers refuse ``UPDATE`` and ``DELETE`` on it, so rows can only be added; purging a
meeting's credentials leaves its audit trail in place, and the trail holds no secret to
purge: :meth:`AuditLog.record` refuses any text that contains a registered secret.

Actions: ``issue`` (a credential was created or imported), ``deliver`` (handed to an
officer), ``reveal`` (decrypted from the vault), ``rotate`` (re-encrypted under a new key),
``revoke`` (one credential deleted), ``purge`` (a meeting's credentials deleted).

Example:
    >>> import sqlite3
    >>> log = AuditLog(sqlite3.connect(":memory:", isolation_level=None))
    >>> entry = log.record("m1", "u7", "deliver", channel="email", actor="vanphong")
    >>> [(e.unit_id, e.action.value, e.channel) for e in log.entries("m1")]
    [('u7', 'deliver', 'email')]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from os import PathLike

from meetlink.credentials.redaction import contains_secret
from meetlink.errors import CredentialError
from meetlink.group_commit import storage_failure

__all__ = ["AuditAction", "AuditEntry", "AuditLog"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        meeting_id TEXT NOT NULL,
        unit_id TEXT,
        action TEXT NOT NULL,
        channel TEXT NOT NULL DEFAULT '',
        actor TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS audit_log_by_meeting ON audit_log (meeting_id, id)",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def connect(path: str | PathLike[str]) -> sqlite3.Connection:
    """Open the SQLite file in WAL mode with ``synchronous=FULL`` and explicit transactions.

    ``synchronous=FULL`` because under WAL ``NORMAL`` may lose the last commits on a power
    cut, and a lost credential row means a unit that cannot join. Deleted rows are
    overwritten (``secure_delete``) so an old ciphertext does not linger in free pages.
    The connection may be used from several threads, one at a time: callers that share it
    (``meetlink open``'s workers) serialize their calls. Raises `LedgerError` if the file
    cannot be opened.
    """
    connection: sqlite3.Connection | None = None
    try:
        connection = sqlite3.connect(
            path, isolation_level=None, timeout=30.0, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA secure_delete=ON")
    except sqlite3.Error as exc:
        if connection is not None:
            connection.close()
        raise storage_failure(exc, path) from None
    return connection


def refuse_secrets(**texts: str) -> None:
    """Raise `CredentialError` if any of the named texts contains a registered secret."""
    for name, text in texts.items():
        if contains_secret(text):
            raise CredentialError(
                f"The audit {name} contains a secret; describe the event without the "
                "credential itself (for example 'password sent by e-mail')."
            )


class AuditAction(StrEnum):
    """What happened to a credential."""

    ISSUE = "issue"
    DELIVER = "deliver"
    REVEAL = "reveal"
    ROTATE = "rotate"
    REVOKE = "revoke"
    PURGE = "purge"


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log. ``unit_id`` is None for meeting-wide actions (purge)."""

    id: int
    at: datetime
    meeting_id: str
    unit_id: str | None
    action: AuditAction
    channel: str
    actor: str
    detail: str


class AuditLog:
    """Append-only audit entries in an SQLite connection it shares with the vault.

    ``record`` joins the caller's open transaction if there is one, so a vault change and
    its audit entry are committed together or not at all.

    Example:
        >>> import sqlite3
        >>> log = AuditLog(sqlite3.connect(":memory:", isolation_level=None))
        >>> log.record("m1", None, "purge", detail="retention ended").action
        <AuditAction.PURGE: 'purge'>
    """

    def __init__(
        self,
        connection: sqlite3.Connection,
        *,
        clock: Callable[[], datetime] = utcnow,
        writer: Callable[[Callable[[sqlite3.Connection], AuditEntry]], AuditEntry] | None = None,
    ) -> None:
        self._db = connection
        self._clock = clock
        self._writer = writer  # the vault's group commit, when the log shares its connection
        try:
            for statement in _SCHEMA:
                self._db.execute(statement)
        except sqlite3.Error as exc:  # a full disk, a damaged or read-only file
            raise storage_failure(exc, file_of(self._db)) from None

    @classmethod
    def open(cls, path: str | PathLike[str]) -> AuditLog:
        """Open (creating if needed) the audit log in the SQLite file at ``path``.

        Example:
            >>> import tempfile, pathlib
            >>> log = AuditLog.open(pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3")
            >>> log.close()
        """
        return cls(connect(path))

    def close(self) -> None:
        """Close the underlying connection."""
        self._db.close()

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
        """Append one entry and return it.

        Raises `CredentialError` if ``action`` is unknown or if ``channel``, ``actor`` or
        ``detail`` contains a registered secret: the log must never hold one.

        Example:
            >>> import sqlite3
            >>> log = AuditLog(sqlite3.connect(":memory:", isolation_level=None))
            >>> log.record("m1", "u1", "issue", actor="cli").unit_id
            'u1'
        """
        try:
            kind = AuditAction(action)
        except ValueError:
            known = ", ".join(a.value for a in AuditAction)
            raise CredentialError(
                f"{action!r} is not an audit action; use one of: {known}."
            ) from None
        refuse_secrets(channel=channel, actor=actor, detail=detail)
        if self._writer is not None:
            return self._writer(
                lambda db: self.append_unchecked(
                    meeting_id, unit_id, kind, channel=channel, actor=actor, detail=detail
                )
            )
        try:
            return self.append_unchecked(
                meeting_id, unit_id, kind, channel=channel, actor=actor, detail=detail
            )
        except sqlite3.Error as exc:  # a full disk, a damaged or read-only file
            raise storage_failure(exc, file_of(self._db)) from None

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
        """Insert one entry at once, in the caller's transaction, without :meth:`record`'s
        secret check, and return it.

        For the vault's own entries, written inside the vault's write transaction so the
        change and its entry commit together: their text is made of ids, kinds, counts and
        key ids, and a password that happens to spell "endpoint" must not make storing it
        fail. Anything else calls :meth:`record`.
        """
        at = self._clock()
        # fetchall, not fetchone: a RETURNING statement holds its write until exhausted.
        [(entry_id,)] = self._db.execute(
            "INSERT INTO audit_log (at, meeting_id, unit_id, action, channel, actor, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (at.isoformat(), meeting_id, unit_id, action.value, channel, actor, detail),
        ).fetchall()
        return AuditEntry(entry_id, at, meeting_id, unit_id, action, channel, actor, detail)

    def entries(self, meeting_id: str) -> list[AuditEntry]:
        """Every entry of one meeting, oldest first.

        Example:
            >>> import sqlite3
            >>> AuditLog(sqlite3.connect(":memory:", isolation_level=None)).entries("m1")
            []
        """
        try:
            rows = self._db.execute(
                "SELECT id, at, meeting_id, unit_id, action, channel, actor, detail"
                " FROM audit_log WHERE meeting_id = ? ORDER BY id",
                (meeting_id,),
            ).fetchall()
        except sqlite3.Error as exc:
            raise storage_failure(exc, file_of(self._db)) from None
        return [
            AuditEntry(
                row[0],
                datetime.fromisoformat(row[1]),
                row[2],
                row[3],
                AuditAction(row[4]),
                row[5],
                row[6],
                row[7],
            )
            for row in rows
        ]


def file_of(db: sqlite3.Connection) -> str:
    """The file of the connection's main database ("" in memory), for messages."""
    try:
        rows = db.execute("PRAGMA database_list").fetchall()
    except sqlite3.Error:
        return ""
    return next((str(r[2]) for r in rows if r[1] == "main"), "")
