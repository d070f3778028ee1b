"""The PostgreSQL database of a shared state: the URL, the connection, the schema.

:func:`connect` reaches the server (autocommit: every statement is committed when it
returns); :func:`migrate` brings the schema of the ledger, the vault and the audit log up to
:data:`SCHEMA_VERSION`, one process at a time. Every message shows the URL without its
password (:func:`shown_url`).

Example:
    >>> is_server_url("postgresql://office@db.example/meetlink")
    True
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from meetlink.errors import LedgerError
from meetlink.reconcile.records import EFFECTS_INDEX, EFFECTS_TABLE

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "SCHEMA_VERSION",
    "Pool",
    "connect",
    "driver",
    "is_server_url",
    "migrate",
    "newer_schema",
    "server_failure",
    "shown_url",
    "state_arg",
    "stored_version",
]

_SCHEMES = ("postgresql://", "postgres://")

# Each migration takes the schema from version i to i + 1 (statements run in order, in one
# transaction); never edit one that has shipped.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
        EFFECTS_TABLE,
        EFFECTS_INDEX,
        """CREATE TABLE vault_credentials (
            meeting_id TEXT NOT NULL,
            unit_id    TEXT NOT NULL,
            kind       TEXT NOT NULL,
            key_id     TEXT NOT NULL,
            nonce      BYTEA NOT NULL,
            ciphertext BYTEA NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (meeting_id, unit_id, kind)
        )""",
        "CREATE INDEX vault_credentials_by_key ON vault_credentials (key_id)",
        """CREATE TABLE audit_log (
            id         BIGSERIAL PRIMARY KEY,
            at         TEXT NOT NULL,
            meeting_id TEXT NOT NULL,
            unit_id    TEXT,
            action     TEXT NOT NULL,
            channel    TEXT NOT NULL DEFAULT '',
            actor      TEXT NOT NULL DEFAULT '',
            detail     TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX audit_log_by_meeting ON audit_log (meeting_id, id)",
        """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
        """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)

_MIGRATION = 0x6D6C0001  # the advisory lock the migrating process holds


def is_server_url(state: object) -> bool:
    """Whether a ``--state`` value names a PostgreSQL server rather than a folder.

    >>> is_server_url("postgresql://office@db.example/meetlink"), is_server_url(".meetlink")
    (True, False)
    """
    return isinstance(state, str) and state.startswith(_SCHEMES)


def state_arg(text: str) -> str | Path:
    """``--state``'s value: a server's URL as it is, anything else a folder.

    >>> state_arg("postgresql://db.example/meetlink"), state_arg(".meetlink")
    ('postgresql://db.example/meetlink', PosixPath('.meetlink'))
    """
    return text if is_server_url(text) else Path(text)


def shown_url(url: str) -> str:
    """The URL as messages show it: never its password.

    >>> shown_url("postgresql://office:s3cret@db.example:5432/meetlink")
    'postgresql://office@db.example:5432/meetlink'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise LedgerError(
            "a postgresql:// state needs psycopg: pip install 'meetlink[postgres]', then run again."
        ) from None
    return psycopg


def connect(url: str, *, read_only: bool = False) -> psycopg.Connection[Any]:
    """A connection (autocommit: each statement is committed when it returns) to ``url``.

    A server that cannot be reached is a `LedgerError` saying what to do.
    """
    module = driver()
    try:
        db: psycopg.Connection[Any] = module.connect(url, autocommit=True, connect_timeout=30)
    except module.Error as exc:
        raise LedgerError(
            f"cannot reach the PostgreSQL ledger at {shown_url(url)} ({_detail(exc)}); check "
            "that the server runs and that the URL, user and password are right, then run "
            "again."
        ) from None
    if read_only:
        db.execute("SET default_transaction_read_only = on")
    return db


def _detail(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def server_failure(exc: BaseException, url: str) -> LedgerError:
    """A server error as a sentence that says what to do (never a traceback)."""
    return LedgerError(
        f"the PostgreSQL ledger at {shown_url(url)} failed ({_detail(exc)}). Nothing of the "
        "step that failed was recorded as done: check the server (its disk, its log), then "
        "run again; the next run finishes what is left and does nothing twice."
    )


def migrate(db: psycopg.Connection[Any], url: str) -> int:
    """Bring the database's schema up to :data:`SCHEMA_VERSION` (one process at a time:
    the others wait, then find it done); returns the version found before."""
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s, 0)", (_MIGRATION,))
        found = stored_version(db)
        if found > SCHEMA_VERSION:
            raise newer_schema(url, found)
        for number in range(found, SCHEMA_VERSION):
            for statement in _MIGRATIONS[number]:
                db.execute(statement)
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(number + 1),),
            )
    return found


def stored_version(db: psycopg.Connection[Any]) -> int:
    """The schema version the database records (0 for a new one)."""
    row = db.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    found = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(found[0]) if found else 0


def newer_schema(url: str, version: int) -> LedgerError:
    return LedgerError(
        f"the ledger at {shown_url(url)} was written by a newer meetlink (schema {version}, "
        f"this one knows {SCHEMA_VERSION}); upgrade meetlink."
    )


class Pool:
    """Connections for one thread's reads and writes at a time, made when needed, so the
    threads of a run commit side by side (the server flushes their commits together).

    Their commits do not wait for the server's disk (``synchronous_commit = off``): an
    outcome lost with the server itself (a crash of the database, never of meetlink) leaves
    its effect at ``intent``, which the next run settles as after any crash. A write that
    must be on disk before a call (an intent) says so itself (``SET LOCAL``).
    """

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self._url, self._read_only = url, read_only
        self._idle: list[psycopg.Connection[Any]] = []
        self._made: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()

    def take(self) -> psycopg.Connection[Any]:
        """An idle connection, or a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        db = connect(self._url, read_only=self._read_only)
        db.execute("SET synchronous_commit = off")
        with self._lock:
            self._made.append(db)
        return db

    def give_back(self, db: psycopg.Connection[Any]) -> None:
        """Return a connection taken (a closed one is dropped)."""
        if not db.closed:
            with self._lock:
                self._idle.append(db)

    @contextlib.contextmanager
    def working(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection for the block; a server fault is a sentence (:func:`server_failure`)."""
        psycopg = driver()
        db = self.take()
        try:
            yield db
        except psycopg.Error as exc:
            raise server_failure(exc, self._url) from None
        finally:
            self.give_back(db)

    def close(self) -> None:
        """Close every connection made."""
        with self._lock:
            made, self._made, self._idle = self._made, [], []
        for db in made:
            db.close()
