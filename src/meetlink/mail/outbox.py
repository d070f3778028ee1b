"""The outbox: every message written to a folder instead of sent, the default without SMTP.

Each message becomes ``<stem>.eml`` (the exact bytes SMTP would carry, CRLF line ends), and
an invitation also ``<stem>.ics`` (its calendar part, byte for byte), where ``<stem>`` comes
from the Message-ID: ``<UID>-<SEQUENCE>.<method>@<domain>``. A resend therefore overwrites
the same files instead of adding copies. Files are written as
:func:`meetlink.private_files.write_private` writes them: whole (a temporary file renamed
into place), readable by their owner only (hand-outs travel the same way), and durable —
the files and the folder are fsynced, so a power cut cannot lose a message the ledger then
records as sent. By default that is before ``send`` returns; a sender made with
``sync_each=False`` leaves it to :meth:`OutboxSender.sync`, which fsyncs every file written
since its last call and the folder once: the caller calls it before it records the
outcomes of those messages (a chunk of bridge points). Such a sender also writes its files
in a thread of its own, in the order sent, while the caller builds the next message (on
this file system creating a file costs more than building the message); ``sync`` waits for
them, and a file that could not be written makes it raise, so no outcome is committed for
a message that is not on disk. The ``.part`` leftover of a writer
killed half-way is removed by the next sender once that writer's process is gone.

A message is written as it is given: a :class:`~meetlink.mail.mime.WireMessage`
(invitations, hand-outs) is its bytes already, with its calendar part beside them; nothing is
serialized or parsed again here.

The outbox is ``<state folder>/outbox`` (``.meetlink/outbox`` beside the meeting file); an
office sends the files with its own mail program, or opens the ``.ics`` in a calendar.

Example:
    >>> import tempfile
    >>> outbox = OutboxSender(tempfile.mkdtemp())
    >>> result = outbox.send(build_message(invitation))  # doctest: +SKIP
    >>> sorted(p.suffix for p in outbox.folder.iterdir())  # doctest: +SKIP
    ['.eml', '.ics']
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import itertools
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from meetlink.errors import DeliveryError
from meetlink.loading.meeting import Delivery, InviteMode
from meetlink.mail.mime import WireMessage
from meetlink.mail.sender import DeliveryResult, InviteSender, some_of
from meetlink.mail.wire import AnyMessage, envelope, message_bytes
from meetlink.private_files import fsync_folder, make_private_folder, remove_leftovers

__all__ = ["OutboxSender", "SentInvitation", "file_stem", "sender_for"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")
_MAX_STEM = 150
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def file_stem(message_id: str) -> str:
    """The outbox file name (without suffix) of a Message-ID: the same id, the same name.

    >>> file_stem("<3f2a-0.request@thiuy.example>")
    '3f2a-0.request@thiuy.example'
    """
    bare = message_id.strip().removeprefix("<").removesuffix(">")
    safe = _UNSAFE.sub("_", bare).lstrip(".")
    if safe != bare or len(safe) > _MAX_STEM or not safe:
        # A hash of the real id keeps apart two ids that differ only in replaced characters.
        digest = hashlib.sha256(bare.encode("utf-8")).hexdigest()[:12]
        safe = f"{safe[: _MAX_STEM - 13]}-{digest}"
    return safe


@dataclass(frozen=True)
class SentInvitation:
    """The last message of one event found in the outbox: what a lost ledger forgot."""

    sequence: int
    method: str
    calendar: bytes


_SENT = re.compile(r"^(?P<uid>.+)-(?P<sequence>\d+)\.(?P<method>[a-z]+)(?P<some>-[0-9a-f]+)?@")


def _remember(index: dict[str, tuple[int, str, str]], stem: str) -> None:
    """Note an outbox file's event and SEQUENCE if it is the event's latest so far."""
    found = _SENT.match(stem)
    if found is None or found["some"]:
        return  # not an invitation, or an un-invitation of some recipients
    sequence = int(found["sequence"])
    known = index.get(found["uid"])
    if known is None or sequence > known[0]:
        index[found["uid"]] = (sequence, found["method"], stem)


class OutboxSender:
    """An :class:`~meetlink.mail.sender.InviteSender` that writes ``.eml``/``.ics`` files.

    ``sync_each`` (the default) makes every message durable before ``send`` returns; with
    ``sync_each=False`` call :meth:`sync` before recording what was sent (``close`` syncs too).

    >>> OutboxSender(".meetlink/outbox").folder.name
    'outbox'
    """

    def __init__(self, folder: str | Path, *, sync_each: bool = True) -> None:
        self.folder = Path(folder)
        self.sync_each = sync_each
        remove_leftovers(self.folder)  # of a writer killed half-way
        self._sent: dict[str, tuple[int, str, str]] | None = None  # uid → last sent
        self._held: set[str] | None = None  # the stems of the messages in the folder
        self._index_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._made = False  # the folder exists: made once, not once per message
        self._unsynced: dict[str, None] = {}  # paths written since the last sync, in order
        self._names = itertools.count()
        # sync_each=False: the files are written by one thread of the sender's own, in the
        # order sent, while the caller goes on; sync() waits for them before it fsyncs.
        self._behind: ThreadPoolExecutor | None = None
        self._writing: list[Future[None]] = []
        self._failure: OSError | None = None  # the first write that failed since the last sync
        self._here: set[str] = set()  # the stems this sender wrote (or is writing)

    def __enter__(self) -> OutboxSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Make every file written durable (see :meth:`sync`), and end the writing thread."""
        try:
            self.sync()
        finally:
            if self._behind is not None:
                self._behind.shutdown()
                self._behind = None

    def sync(self) -> int:
        """Make every file written since the last call durable, and the folder; returns how
        many files. With ``sync_each`` (the default) there is nothing left to do.

        On Linux one ``syncfs`` of the outbox's file system does it (a chunk of 1,000 files
        fsynced one by one took two seconds on a shared disk, ``syncfs`` a few milliseconds,
        and it reports a write error of any of them); elsewhere each file is fsynced, then
        the folder. With ``sync_each=False`` the files are written by the sender's own
        thread while the caller goes on: this waits for them first.

        Raises :class:`~meetlink.errors.DeliveryError` when the disk refuses (a file that
        could not be written, or the fsync): the messages since the last sync must then be
        counted as not sent.
        """
        self._settle()
        with self._write_lock:
            failure, self._failure = self._failure, None
            if failure is not None:
                raise _unwritable(self.folder, failure)
            pending, self._unsynced = list(self._unsynced), {}
            if not pending:
                return 0
            try:
                _make_durable(self.folder, pending)
            except OSError as exc:
                self._unsynced = dict.fromkeys(pending) | self._unsynced
                raise _unwritable(self.folder, exc) from None
        return len(pending)

    def holds(self, message_id: str) -> bool:
        """Whether the message with this Message-ID is in the outbox already.

        The folder is listed once per sender (what it writes is added), not looked up once
        per message: a first ``open`` asks for every hand-out. A message the listing holds
        is looked up again, in case it was taken out of the folder since.
        """
        stem = file_stem(message_id)
        with self._index_lock:
            if stem in self._here:
                return True
            if self._held is None:
                held: set[str] = set()
                if self.folder.is_dir():
                    for entry in os.scandir(self.folder):
                        if entry.name.endswith(".eml"):
                            held.add(entry.name[: -len(".eml")])
                self._held = held
            if stem not in self._held:
                return False
        return (self.folder / f"{stem}.eml").is_file()

    def last_sent(self, uid: str) -> SentInvitation | None:
        """The invitation or cancellation of event ``uid`` with the highest SEQUENCE in the
        outbox, or None: how ``open`` finds what it sent when its ledger was lost.

        The folder is listed once per sender, not once per event.
        """
        with self._index_lock:  # workers ask at once: one listing, whole before it is read
            if self._sent is None:
                listed: dict[str, tuple[int, str, str]] = {}
                if self.folder.is_dir():
                    for entry in os.scandir(self.folder):
                        if entry.name.endswith(".ics"):
                            _remember(listed, entry.name[: -len(".ics")])
                self._sent = listed
            found = self._sent.get(uid)
        if found is None:
            return None
        sequence, method, stem = found
        if stem in self._here:
            self._settle()  # written by this sender: perhaps not yet
        return SentInvitation(sequence, method, (self.folder / f"{stem}.ics").read_bytes())

    def send(self, message: AnyMessage) -> DeliveryResult:
        """Write the message (and its calendar part); every recipient counts as accepted.

        Raises :class:`~meetlink.errors.DeliveryError` when the message has no Message-ID or
        the folder cannot be written.
        """
        return self._write(message, None)

    def send_to(self, message: AnyMessage, recipients: Iterable[str]) -> DeliveryResult:
        """As :meth:`send`, counting only ``recipients`` (some of the message's) as accepted:
        the same files, since an outbox message is one file whoever it is for."""
        return self._write(message, recipients)

    def _write(self, message: AnyMessage, only: Iterable[str] | None) -> DeliveryResult:
        if isinstance(message, WireMessage):
            message_id, calendar = message.message_id, message.calendar
        else:
            message_id, calendar = str(message.get("Message-ID", "")).strip(), None
        if not message_id:
            raise DeliveryError(
                "The message has no Message-ID, so its outbox file name would not be stable; "
                "build it with build_message() or set a Message-ID."
            )
        _, recipients = envelope(message)
        if only is not None:
            recipients = some_of(recipients, only)
        stem = file_stem(message_id)
        files = [(f"{stem}.eml", message_bytes(message))]
        if isinstance(message, EmailMessage):
            calendar = _calendar_bytes(message)
        if calendar is not None:
            files.append((f"{stem}.ics", calendar))
        try:
            with self._write_lock:
                if self.sync_each:
                    self._put_again(files)
                else:
                    self._make_folder()
                    if self._behind is None:
                        self._behind = ThreadPoolExecutor(1, thread_name_prefix="outbox")
                    self._writing.append(self._behind.submit(self._put_behind, files))
        except OSError as exc:
            raise _unwritable(self.folder, exc) from None
        with self._index_lock:
            self._here.add(stem)
            if self._held is not None:
                self._held.add(stem)
            if calendar is not None and self._sent is not None:
                _remember(self._sent, stem)
        return DeliveryResult(message_id, tuple(recipients))

    def _make_folder(self) -> None:
        if not self._made:
            make_private_folder(self.folder)
            self._made = True

    def _put_again(self, files: list[tuple[str, bytes]]) -> None:
        """:meth:`_put`, once more if the folder was removed meanwhile (made again)."""
        try:
            self._put(files)
        except FileNotFoundError:
            self._made = False
            self._put(files)

    def _put_behind(self, files: list[tuple[str, bytes]]) -> None:
        """:meth:`_put` in the sender's writing thread; a failure is kept for :meth:`sync`."""
        try:
            with self._write_lock:
                self._make_folder()
            written = self._put(files)
        except FileNotFoundError:
            try:
                with self._write_lock:
                    self._made = False
                    self._make_folder()
                written = self._put(files)
            except OSError as exc:
                self._failed(exc)
                return
        except OSError as exc:
            self._failed(exc)
            return
        with self._write_lock:
            self._unsynced.update(dict.fromkeys(written))

    def _failed(self, exc: OSError) -> None:
        with self._write_lock:
            self._failure = self._failure or exc

    def _settle(self) -> None:
        """Wait for the files the writing thread has still to write."""
        with self._write_lock:
            writing, self._writing = self._writing, []
        for future in writing:
            future.result()

    def _put(self, files: list[tuple[str, bytes]]) -> list[str]:
        """Each file (a name in the folder) written whole under a temporary name (0600,
        created exclusively, never through a link), renamed into place; fsynced with the
        folder now (``sync_each``), or at :meth:`sync`. Returns the paths written."""
        self._make_folder()
        folder, pid = str(self.folder), os.getpid()
        written: list[tuple[str, str]] = []
        try:
            for name, data in files:
                temporary = f"{folder}/.{name[:80]}.{pid}.{next(self._names)}.part"
                descriptor = os.open(temporary, _NEW_FILE, 0o600)
                written.append((temporary, f"{folder}/{name}"))
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(descriptor, view) :]
                    if self.sync_each:
                        os.fsync(descriptor)
                finally:
                    os.close(descriptor)
            for temporary, path in written:
                os.replace(temporary, path)
        except BaseException:
            for temporary, _ in written:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            raise
        if self.sync_each:
            fsync_folder(self.folder)
        return [path for _, path in written]


def _unwritable(folder: Path, exc: OSError) -> DeliveryError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        # As the ledger says it: the next run writes what is missing, nothing twice.
        advice = (
            "free some disk space, then run again: meetlink open writes the messages "
            "that are missing, and none twice"
        )
    else:
        advice = "check that the folder exists and is writable, or configure delivery.smtp"
    return DeliveryError(f"Cannot write to the outbox {folder} ({exc.strerror or exc}); {advice}.")


def _load_syncfs() -> Callable[[int], int] | None:
    """Linux's ``syncfs(fd)`` (not in :mod:`os`), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        found: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # pragma: no cover - a libc without it
        return None
    return found


_syncfs = _load_syncfs()


def _make_durable(folder: Path, paths: list[str]) -> None:
    """Every file of ``paths`` and ``folder`` itself on disk, or :class:`OSError`."""
    if _syncfs is not None:
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            if _syncfs(descriptor) == 0:
                return
            number = ctypes.get_errno()
            raise OSError(number, os.strerror(number))
        finally:
            os.close(descriptor)
    for path in paths:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    fsync_folder(folder)


def sender_for(
    delivery: Delivery,
    state_folder: str | Path,
    mode: InviteMode = InviteMode.EMAIL,
    *,
    sync_each: bool = True,
) -> InviteSender:
    """The sender a track uses: SMTP when configured and ``invites: email``, else the outbox.

    ``invites: platform`` uses no sender (the platform sends its own invitations), so asking
    for one is a mistake. Close the sender (or use it in a ``with`` block) when done: an SMTP
    sender keeps its connection open between messages.

    >>> from meetlink.loading.meeting import Delivery
    >>> type(sender_for(Delivery(), ".meetlink")).__name__
    'OutboxSender'
    """
    if mode == InviteMode.PLATFORM:
        raise ValueError(
            "a track with invites: platform has its adapter send the invitations; "
            "do not ask for an e-mail sender for it."
        )
    if mode == InviteMode.EMAIL and delivery.smtp is not None:
        # Loaded only when SMTP is used: smtplib, ssl and tenacity cost every other run
        # 15-50 ms of start-up (issue 19).
        from meetlink.mail.smtp import SmtpSender

        return SmtpSender(delivery.smtp)
    return OutboxSender(Path(state_folder) / "outbox", sync_each=sync_each)


def _calendar_bytes(message: EmailMessage) -> bytes | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None
