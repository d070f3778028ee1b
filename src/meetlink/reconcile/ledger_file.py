"""The ledger's file: opened for writing or read-only, refused when damaged, locked per meeting.

* :func:`connect_for_writing` makes the state folder and the file (0600) and refuses a
  read-only folder at once, with a sentence saying what to do.
* :func:`connect_read_only` (``meetlink status``, ``credentials list``, a dry run) opens an
  existing file with ``mode=ro``, or ``immutable=1`` when its folder is read-only and no
  write is left unmerged in the WAL, and writes nothing at all.
* :func:`check_pages` refuses a damaged file before anything is read from it or done
  (``PRAGMA quick_check``: about 30 ms for a 10,000-point ledger), saying "restore it from a
  backup", never "start a new one", since the file also holds the vault.
* :func:`meeting_lock` holds an advisory ``flock`` beside the file while a meeting is acted
  on; the operating system releases it when the process ends, even by SIGKILL.

Every fault ends in a :class:`~meetlink.errors.LedgerError` (see
:func:`meetlink.group_commit.storage_failure`), never in an SQLite traceback.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "state" / "ledger.sqlite3"
    >>> db = connect_for_writing(path, 30.0)
    >>> check_pages(db, path)  # a new file is not damaged
    >>> oct(path.stat().st_mode & 0o777), stored_version(db)
    ('0o600', 0)
    >>> db.close()
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from meetlink.errors import LedgerBusy, LedgerError
from meetlink.group_commit import damaged_sentence, folder_is_read_only, storage_failure
from meetlink.private_files import ensure_private, open_private_lock

__all__ = [
    "check_pages",
    "connect_for_writing",
    "connect_read_only",
    "meeting_lock",
    "stored_version",
]

_CANTOPEN = 14  # SQLite's primary result code


def connect_for_writing(path: Path, timeout: float, *, memory: bool = False) -> sqlite3.Connection:
    """A connection to the ledger at ``path``, its folder and file (0600) made if missing.

    ``memory`` opens ``path`` (``:memory:``) as it is. A read-only folder, a missing
    permission or a full disk is a `LedgerError` that says what to do. See the example above.
    """
    if not memory:
        folder = path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if folder_is_read_only(folder):
                raise PermissionError(errno.EROFS, _read_only_reason(folder))
            if not path.exists():
                # Readable by its owner only, like every other state file; SQLite gives the
                # -wal and -shm files the same mode.
                ensure_private(path)
        except OSError as exc:
            raise storage_failure(exc, path) from None
    try:
        return sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise storage_failure(exc, path) from None


def connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection that can write nothing to the existing ledger at ``path``.

    ``mode=ro`` needs to make the -shm file beside the ledger; in a read-only folder
    ``immutable=1`` reads the file alone, which is all there is when no WAL is left over.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3"
    >>> try:
    ...     connect_read_only(path, 1.0)
    ... except LedgerError as exc:
    ...     print(str(exc)[:21])
    there is no ledger at
    """
    if not path.is_file():
        raise LedgerError(
            f"there is no ledger at {path}: nothing was opened yet; run `meetlink open` first."
        )
    uri = path.resolve().as_uri()
    wal = path.with_name(path.name + "-wal")
    unmerged = wal.is_file() and wal.stat().st_size > 0
    try:
        return _connect_uri(f"{uri}?mode=ro", timeout)
    except sqlite3.Error as exc:
        cannot_open = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == _CANTOPEN
        if unmerged or not cannot_open:
            raise storage_failure(exc, path) from None
    try:
        return _connect_uri(f"{uri}?mode=ro&immutable=1", timeout)
    except sqlite3.Error as exc:
        raise storage_failure(exc, path) from None


def check_pages(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged file at once (``PRAGMA quick_check``), before anything is read from
    it or done: a `LedgerError` that says to restore it from a backup. See the example above.
    """
    try:
        found = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise LedgerError(damaged_sentence(path, str(exc))) from None
    if found != ["ok"]:
        first = " ".join(str(found[0]).split())[:200] if found else "no answer"
        raise LedgerError(damaged_sentence(path, first))


def stored_version(db: sqlite3.Connection) -> int:
    """The schema version the file records (0 for a new file). See the example above."""
    meta = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if meta is None:
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


@contextlib.contextmanager
def meeting_lock(path: Path, meeting_id: str, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the meeting's lock beside the ledger at ``path``; another holder, still there
    after ``wait`` seconds, means :class:`~meetlink.errors.LedgerBusy`.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite3"
    >>> with meeting_lock(path, "q3"):
    ...     try:
    ...         with meeting_lock(path, "q3"):
    ...             pass
    ...     except LedgerBusy:
    ...         print("busy: another run holds q3")
    busy: another run holds q3
    """
    lock_path = path.with_name(f"{path.name}.{meeting_id}.lock")
    try:
        handle = open_private_lock(lock_path)
    except OSError as exc:
        raise storage_failure(exc, path) from None
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LedgerBusy(
                        f"another `meetlink open` of meeting '{meeting_id}' is running "
                        f"(it holds {lock_path}); wait for it to finish, then run again."
                    ) from None
                time.sleep(0.1)
        with contextlib.suppress(OSError):  # the pid is for people; a full disk is not fatal
            os.ftruncate(handle, 0)
            os.write(handle, str(os.getpid()).encode())
        yield
    finally:
        os.close(handle)  # closing releases the flock


def _connect_uri(uri: str, timeout: float) -> sqlite3.Connection:
    """A read-only connection to ``uri``, tried at once (SQLite opens files lazily)."""
    db = sqlite3.connect(
        uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
    )
    try:
        db.execute("PRAGMA query_only=ON")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        db.close()
        raise
    return db


def _read_only_reason(folder: Path) -> str:
    try:
        read_only_mount = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # pragma: no cover - no statvfs on this system
        read_only_mount = False
    return "a read-only file system" if read_only_mount else "no permission to write there"
