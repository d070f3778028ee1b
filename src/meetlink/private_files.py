"""Files only their owner may read: the one way meetlink writes them.

Hand-outs in the outbox, the accounts exported for the provider, slips, the platforms' state:
each is written here, so that each is

* readable by its owner only (0600), its folder made 0700;
* never written through a symbolic link: a new file is created exclusively
  (``O_EXCL | O_NOFOLLOW``), and a replacement is a fresh file renamed over the old name
  (a link planted there is replaced, its target never touched);
* durable when the call returns: the file and its folder are fsynced, so a power cut cannot
  lose what the ledger then records as done.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "slip.txt"
    >>> write_private(path, "Mật khẩu: …".encode())
    >>> oct(path.stat().st_mode & 0o777)
    '0o600'
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = [
    "check_private_folder",
    "create_private",
    "ensure_private",
    "file_stamps",
    "fsync_folder",
    "make_private_folder",
    "open_private_lock",
    "remove_leftovers",
    "write_private",
]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_PART = ".part"


def make_private_folder(folder: Path) -> None:
    """Make ``folder`` (and its parents) if missing; a new one is readable by its owner only."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def check_private_folder(folder: Path) -> None:
    """Raise :class:`PermissionError` unless ``folder`` is a real folder (not a link) that
    only its owner, the current user, can write to."""
    info = os.lstat(folder)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise PermissionError(f"{folder} is not a folder (a link, or a file)")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PermissionError(f"{folder} belongs to another user")
    if info.st_mode & 0o022:
        raise PermissionError(f"others may write into {folder} (mode {info.st_mode & 0o777:o})")


def fsync_folder(folder: Path) -> None:
    """Make the names in ``folder`` durable (a file created, renamed or removed in it).

    Example:
        >>> import tempfile
        >>> fsync_folder(Path(tempfile.mkdtemp()))
    """
    if os.name == "nt":  # pragma: no cover - no folder fsync there
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def file_stamps(*paths: Path) -> tuple[tuple[int, int, int] | None, ...]:
    """Each file's (inode, size, modification time), None for one that is not there: what a
    process compares to learn that a file it read has changed behind its back.

    Example:
        >>> file_stamps(Path("/no/such/file"))
        (None,)
    """
    stamps: list[tuple[int, int, int] | None] = []
    for path in paths:
        try:
            info = path.stat()
        except FileNotFoundError:
            stamps.append(None)
        else:
            stamps.append((info.st_ino, info.st_size, info.st_mtime_ns))
    return tuple(stamps)


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: 0600, durable, never through a link.

    The data goes to a fresh temporary file beside ``path`` (created exclusively, 0600),
    is fsynced, and is renamed over ``path``; the folder is fsynced after. A crash leaves
    either the old file or the new one, and at most a ``.part`` leftover named with the
    writer's process id, which :func:`remove_leftovers` deletes once that process is gone.
    """
    folder = path.parent
    make_private_folder(folder)
    prefix = f".{path.name[:80]}.{os.getpid()}."
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=_PART)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_folder(folder)


def create_private(path: Path, data: bytes) -> None:
    """Write a new file ``path`` (0600, durable); ``FileExistsError`` if anything — a file or
    a link — is there already, so nothing is ever written through a planted link."""
    make_private_folder(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    descriptor = os.open(path, flags, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    fsync_folder(path.parent)


def ensure_private(path: Path) -> None:
    """Create ``path`` empty (0600) if it does not exist, never through a link; a file that is
    there already is left as it is (a database about to be opened, say)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)


def open_private_lock(path: Path) -> int:
    """A descriptor of the lock file ``path`` (made 0600 if missing, never through a link),
    for ``flock``: the operating system releases the lock when the process ends."""
    return os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)


def remove_leftovers(folder: Path) -> int:
    """Delete the ``.part`` files that writers killed half-way left in ``folder`` (those of
    processes no longer running); returns how many."""
    removed = 0
    if not folder.is_dir():
        return 0
    for entry in os.scandir(folder):
        if not (entry.name.startswith(".") and entry.name.endswith(_PART)):
            continue
        pid = _writer(entry.name)
        if pid is None or _alive(pid) or not entry.is_file(follow_symlinks=False):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed += 1
    return removed


def _writer(name: str) -> int | None:
    parts = name[: -len(_PART)].split(".")
    return int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: leave its file alone
    return True
