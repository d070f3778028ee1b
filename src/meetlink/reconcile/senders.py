"""The senders of one ``open``: one per delivery mode, made on first use.

:class:`Mail` is what a run's phases send through (invitations, hand-outs, notices): an
SMTP server, or the outbox folder for ``invites: outbox`` and when no server is set; or the
caller's one sender for all. It tells the run whether sending waits on a server
(:meth:`Mail.waits`: the run's threads are for such waits only) and makes durable what the
outbox wrote before the ledger commits a chunk's outcomes (:meth:`Mail.sync`).

Example:
    >>> mail = Mail(meeting, Path(".meetlink"), None, sync_each=False)  # doctest: +SKIP
    >>> mail.waits()  # the meeting's invitations go to the outbox       # doctest: +SKIP
    False
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from meetlink.loading.meeting import InviteMode, Meeting
from meetlink.mail.outbox import OutboxSender, SentInvitation, sender_for
from meetlink.mail.sender import InviteSender

__all__ = ["Mail"]


class Mail:
    """One sender per delivery mode, made on first use; or the caller's one sender for all.

    Sends one message at a time: SMTP reuses one connection. ``sync_each=False``: the
    outbox made here leaves its fsyncs to :meth:`sync`, which the ledger calls before it
    commits a chunk's outcomes (a ledger that commits each write on its own needs True).
    """

    def __init__(
        self,
        meeting: Meeting,
        state: Path,
        given: InviteSender | None,
        *,
        sync_each: bool = True,
    ) -> None:
        self._meeting, self._state, self._given = meeting, state, given
        self._sync_each = sync_each
        self._made: dict[InviteMode, InviteSender] = {}
        self._lock = threading.Lock()
        self._tracks = {t.id: t for t in meeting.tracks}

    def send(self, message: Any, track_id: str, recipients: Iterable[str] | None = None) -> Any:
        """Send through the track's sender (SMTP, or the outbox for ``invites: outbox`` or
        when no SMTP is configured); ``recipients``: to these of its recipients only (a
        resend to those a server refused), if the sender can (``send_to``)."""
        sender = self._sender(track_id)
        send_to = getattr(sender, "send_to", None)
        with self._lock:
            if recipients is not None and callable(send_to):
                return send_to(message, recipients)
            return sender.send(message)

    def _sender(self, track_id: str) -> InviteSender:
        mode = self._tracks[track_id].invites
        mode = InviteMode.EMAIL if mode == InviteMode.PLATFORM else mode
        with self._lock:
            sender = self._given or self._made.get(mode)
            if sender is None:
                sender = self._made[mode] = sender_for(
                    self._meeting.delivery, self._state, mode, sync_each=self._sync_each
                )
            return sender

    def waits(self) -> bool:
        """Whether sending waits on a server: an SMTP server, or a caller's sender (not
        known to be local). The outbox writes its files in a thread of its own: a run's
        threads would only contend with it for the interpreter."""
        if self._given is not None:
            return not isinstance(self._given, OutboxSender)
        smtp = self._meeting.delivery.smtp is not None
        return smtp and any(t.invites != InviteMode.OUTBOX for t in self._tracks.values())

    def holds(self, message_id: str, track_id: str) -> bool:
        """Whether the track's sender keeps this message already (an outbox file): a lost
        ledger is then recovered instead of the message sent twice."""
        holds = getattr(self._sender(track_id), "holds", None)
        return bool(holds(message_id)) if callable(holds) else False

    def last_sent(self, uid: str, track_id: str) -> SentInvitation | None:
        """The last invitation of event ``uid`` the track's sender keeps (an outbox), if any."""
        last_sent = getattr(self._sender(track_id), "last_sent", None)
        found = last_sent(uid) if callable(last_sent) else None
        return found if isinstance(found, SentInvitation) else None

    def sync(self) -> None:
        """Make durable what the senders wrote since the last sync (the outbox fsyncs its
        new files and its folder): a chunk's outcomes are committed after this."""
        with self._lock:
            senders = [self._given] if self._given is not None else list(self._made.values())
        for sender in senders:
            sync = getattr(sender, "sync", None)
            if callable(sync):
                sync()

    def close(self) -> None:
        """Close the senders made here (not a caller's)."""
        for made in self._made.values():
            close = getattr(made, "close", None)
            if callable(close):
                close()
