"""The export for the provider (generated accounts, with their passwords), written once a run.

Rewriting the whole CSV for every point issued made a first ``open`` quadratic (20 minutes
at 10,000 points). Instead a row issued or changed is appended to a journal beside the
export (``accounts-for-provider.csv.journal``, 0600, one CSV line a row, no header); reading
merges the journal over the export (the last line of a login wins); :meth:`AccountExport.close`
(when the adapter closes, at the end of the run) rewrites the export once with every row and
removes the journal.

Durability is what it was: a row is appended before ``issue_access`` returns it, and is on
disk before the core commits what the vault and the ledger say of it — at once
(``fsync``), or, while the core writes a chunk of points (:meth:`AccountExport.deferring`),
by :meth:`AccountExport.sync`, which the core calls before it commits the chunk. A run
killed at any moment leaves the export and its journal, merged by the next run (and by
:func:`read_export`), which finishes the job: the export is where a password the vault lost
is recovered from. A torn last line (a kill in the middle of a write) is ignored: its row
was not on disk when the core last committed, so nothing relies on it.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "accounts.csv"
    >>> export = AccountExport(path, ("unit", "login", "password"))
    >>> export.put({"unit": "X1", "login": "q3-x1", "password": "pw-1"})
    >>> export.put({"unit": "X1", "login": "q3-x1", "password": "pw-2"})
    >>> read_export(path)["q3-x1"]["password"], path.exists()
    ('pw-2', False)
    >>> export.close()
    >>> read_export(path)["q3-x1"]["password"], export.journal.exists()
    ('pw-2', False)
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import os
import sys
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from meetlink.adapters.provisioned.accounts import read_csv_rows, rewrite_csv, upsert_csv
from meetlink.errors import AdapterError
from meetlink.private_files import file_stamps, fsync_folder, open_private_lock

__all__ = ["AccountExport", "read_export", "write_list"]


def _journal_of(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def read_export(path: Path) -> dict[str, dict[str, str]]:
    """The export's rows by login, its journal merged over them (see the module).

    A journal line is ``COLUMNS,cell,cell…,CHECK``: its first cell names the columns
    (``|`` between them), so each line reads alone, and the last is the CRC-32 of the rest,
    so a line cut short by a kill is never taken for a row.
    """
    rows = {r.get("login", ""): r for r in read_csv_rows(path)}
    try:
        text = _journal_of(path).read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return rows
    for line in text.split("\r\n"):
        payload, _, check = line.rpartition(",")
        if check != _check(payload):
            continue  # empty, or torn (never made durable)
        cells = next(csv.reader([payload]), [])
        titles = cells[0].split("|") if cells else []
        if "login" in titles and len(cells) == len(titles) + 1:
            row = dict(zip(titles, cells[1:], strict=True))
            rows[row["login"]] = row
    return rows


class AccountExport:
    """The export at ``path`` with columns ``header``: rows journaled, rewritten at close."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path, self.header = path, tuple(header)
        self.journal = _journal_of(path)
        self._lock = threading.RLock()
        self._rows: dict[str, dict[str, str]] | None = None
        self._stamp: object = None
        self._defer = 0
        self._unsynced = False
        # Whether the journal's name is known durable in its folder: fsynced once a run (or
        # when this process made the journal), not at every chunk.
        self._folder_synced = False
        self._tail_checked = False  # whether the journal's last line is known whole
        self._appending: int | None = None  # the journal, kept open while deferring
        self._held_lock: contextlib.AbstractContextManager[None] | None = None

    def get(self, login: str) -> dict[str, str] | None:
        """The row of ``login`` (the provider's copy), or None."""
        with self._lock:
            return self._current().get(login)

    def put(self, row: Mapping[str, str]) -> None:
        """Append ``row`` to the journal: durable now, or at :meth:`sync` while deferring."""
        line = io.StringIO(newline="")
        csv.writer(line, lineterminator="").writerow(
            ["|".join(self.header), *(str(row.get(c, "")) for c in self.header)]
        )
        payload = line.getvalue()
        data = f"{payload},{_check(payload)}\r\n".encode()
        with self._lock, self._file_lock():
            rows = self._current()
            made = self._appending is None and not self.journal.exists()
            if not made and not self._tail_checked and not _ends_a_line(self.journal):
                data = b"\r\n" + data  # after a torn line: this row on a line of its own
            self._tail_checked = True
            handle = self._appending
            if handle is None:
                handle = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(handle, data)
                if not self._defer:
                    os.fsync(handle)
            finally:
                if self._defer:  # kept open for the chunk's next rows
                    self._appending = handle
                else:
                    os.close(handle)
            if made:
                self._folder_synced = False
            if not self._defer and not self._folder_synced:
                fsync_folder(self.path.parent)
                self._folder_synced = True
            self._unsynced = self._unsynced or bool(self._defer)
            rows[str(row.get("login", ""))] = {c: str(row.get(c, "")) for c in self.header}
            self._stamp = None if self._defer else self._stamp_now()

    @contextlib.contextmanager
    def deferring(self) -> Iterator[None]:
        """Appends inside wait for :meth:`sync` (the core's chunk), not one fsync each."""
        with self._lock:
            self._defer += 1
            if self._defer == 1:  # the lock held for the chunk: no other writer meanwhile
                held = self._file_lock()
                held.__enter__()
                self._held_lock = held
        try:
            yield
        finally:
            with self._lock:
                self._defer -= 1
                try:
                    self.sync()
                finally:
                    if not self._defer:
                        self._release()

    def _release(self) -> None:
        if self._appending is not None:
            os.close(self._appending)
            self._appending = None
        if self._held_lock is not None:
            held, self._held_lock = self._held_lock, None
            held.__exit__(None, None, None)
        self._stamp = self._stamp_now()

    def sync(self) -> None:
        """fsync the journal if anything was appended since the last (and its folder, the
        first time in this process: a journal a killed run left may not be in it yet)."""
        with self._lock:
            if not self._unsynced or not self.journal.exists():
                return
            if self._appending is not None:
                os.fsync(self._appending)
            else:
                handle = os.open(self.journal, os.O_RDONLY)
                try:
                    os.fsync(handle)
                finally:
                    os.close(handle)
            if not self._folder_synced:
                fsync_folder(self.path.parent)
                self._folder_synced = True
            self._unsynced = False

    def close(self) -> None:
        """Rewrite the export once with every row (atomically, fsynced), then remove the
        journal. What another process journaled meanwhile is merged in, under the lock."""
        with self._lock, self._file_lock():
            if not self.journal.exists():
                return
            rows = read_export(self.path)
            rewrite_csv(self.path, self.header, list(rows.values()))
            self.journal.unlink()
            fsync_folder(self.path.parent)
            self._folder_synced = False  # a journal made later is a new name
            self._rows, self._stamp = rows, self._stamp_now()

    def _current(self) -> dict[str, dict[str, str]]:
        """The rows, read again only when a file changed behind this process's back."""
        if self._held_lock is not None and self._rows is not None:
            return self._rows  # the lock is held: nobody else writes
        stamp = self._stamp_now()
        if self._rows is None or stamp != self._stamp:
            self._rows, self._stamp = read_export(self.path), stamp
        return self._rows

    def _stamp_now(self) -> object:
        return file_stamps(self.path, self.journal)

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Appends and the rewrite of several processes, one at a time (held already for
        a chunk while deferring)."""
        if (
            sys.platform == "win32" or self._held_lock is not None
        ):  # pragma: no cover - no flock there
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open_private_lock(self.path.with_name(self.path.name + ".lock"))
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)


def _check(payload: str) -> str:
    return f"{zlib.crc32(payload.encode()):08x}"


def _ends_a_line(path: Path) -> bool:
    with path.open("rb") as journal:
        journal.seek(0, os.SEEK_END)
        if journal.tell() < 2:
            return journal.tell() == 0
        journal.seek(-2, os.SEEK_END)
        return journal.read(2) == b"\r\n"


def write_list(
    path: Path,
    header: Sequence[str],
    rows: list[dict[str, str]],
    *,
    key: Sequence[str],
    replace: bool = False,
) -> None:
    """Upsert ``rows`` by ``key`` into a list for the provider, such as ``revoked.csv`` (or,
    with ``replace``, make them the whole file); a failure is an :class:`AdapterError`."""
    try:
        if replace:
            rewrite_csv(path, header, rows)
        else:
            upsert_csv(path, header, rows, key=key)
    except OSError as exc:
        raise AdapterError(
            f"meetlink could not write {path} ({exc.strerror or type(exc).__name__}); make sure "
            "its folder exists and is writable, then run the command again.",
            adapter="provisioned",
        ) from None
