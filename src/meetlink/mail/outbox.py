"""The outbox: every message written to a folder instead of sent, the default without SMTP.

Each message becomes ``<stem>.eml`` (the exact bytes SMTP would carry, CRLF line ends), and
an invitation also ``<stem>.ics`` (its calendar part, byte for byte), where ``<stem>`` comes
from the Message-ID: ``<UID>-<SEQUENCE>.<method>@<domain>``. A resend therefore overwrites
the same files instead of adding copies. Files are written through
:func:`meetlink.private_files.write_private`: whole (a temporary file renamed into place),
readable by their owner only (hand-outs travel the same way), and durable before ``send``
returns — the file and the folder are fsynced, so a power cut cannot lose a message the
ledger then records as sent. The ``.part`` leftover of a writer killed half-way is removed
by the next sender once that writer's process is gone.

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

import errno
import hashlib
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from meetlink.errors import DeliveryError
from meetlink.loading.meeting import Delivery, InviteMode
from meetlink.mail.sender import DeliveryResult, InviteSender
from meetlink.mail.smtp import SmtpSender, some_of
from meetlink.mail.wire import envelope, message_bytes
from meetlink.private_files import remove_leftovers, write_private

__all__ = ["OutboxSender", "SentInvitation", "file_stem", "sender_for"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")
_MAX_STEM = 150


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

    >>> OutboxSender(".meetlink/outbox").folder.name
    'outbox'
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        remove_leftovers(self.folder)  # of a writer killed half-way
        self._sent: dict[str, tuple[int, str, str]] | None = None  # uid → last sent
        self._index_lock = threading.Lock()

    def __enter__(self) -> OutboxSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to end (every file is complete when ``send`` returns); as SmtpSender."""

    def holds(self, message_id: str) -> bool:
        """Whether the message with this Message-ID is in the outbox already."""
        return (self.folder / f"{file_stem(message_id)}.eml").is_file()

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
        return SentInvitation(sequence, method, (self.folder / f"{stem}.ics").read_bytes())

    def send(self, message: EmailMessage) -> DeliveryResult:
        """Write the message (and its calendar part); every recipient counts as accepted.

        Raises :class:`~meetlink.errors.DeliveryError` when the message has no Message-ID or
        the folder cannot be written.
        """
        return self._write(message, None)

    def send_to(self, message: EmailMessage, recipients: Iterable[str]) -> DeliveryResult:
        """As :meth:`send`, counting only ``recipients`` (some of the message's) as accepted:
        the same files, since an outbox message is one file whoever it is for."""
        return self._write(message, recipients)

    def _write(self, message: EmailMessage, only: Iterable[str] | None) -> DeliveryResult:
        message_id = str(message.get("Message-ID", "")).strip()
        if not message_id:
            raise DeliveryError(
                "The message has no Message-ID, so its outbox file name would not be stable; "
                "build it with build_message() or set a Message-ID."
            )
        _, recipients = envelope(message)
        if only is not None:
            recipients = some_of(recipients, only)
        stem = file_stem(message_id)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_private(self.folder / f"{stem}.eml", message_bytes(message))
            calendar = _calendar_bytes(message)
            if calendar is not None:
                write_private(self.folder / f"{stem}.ics", calendar)
                with self._index_lock:
                    if self._sent is not None:
                        _remember(self._sent, stem)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
                advice = "free some disk space, then run meetlink open again"
            else:
                advice = "check that the folder exists and is writable, or configure delivery.smtp"
            raise DeliveryError(
                f"Cannot write to the outbox {self.folder} ({exc.strerror or exc}); {advice}."
            ) from None
        return DeliveryResult(message_id, tuple(recipients))


def sender_for(
    delivery: Delivery, state_folder: str | Path, mode: InviteMode = InviteMode.EMAIL
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
        return SmtpSender(delivery.smtp)
    return OutboxSender(Path(state_folder) / "outbox")


def _calendar_bytes(message: EmailMessage) -> bytes | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None
