"""One mail transport for everything meetlink sends: invitations and hand-outs alike.

* :mod:`.wire` — the bytes on the wire (CRLF policy, envelope, safely encoded headers);
* :mod:`.mime` — :class:`WireMessage`: a message of a fixed shape written straight to bytes;
* :mod:`.sender` — the sender interface (:class:`DeliveryResult`, :class:`InviteSender`);
* :mod:`.smtp` — SMTP with STARTTLS/SSL, one connection for many messages, retries;
* :mod:`.outbox` — the outbox folder (``.eml`` + ``.ics``), the default without SMTP.

:func:`sender_for` picks the sender a track uses.

Example:
    >>> from meetlink.loading.meeting import Delivery
    >>> type(sender_for(Delivery(), ".meetlink")).__name__
    'OutboxSender'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meetlink.mail.mime import WireMessage
from meetlink.mail.outbox import OutboxSender, SentInvitation, file_stem, sender_for
from meetlink.mail.sender import DeliveryResult, InviteSender, Sender
from meetlink.mail.wire import POLICY, encode_addresses, encode_subject, envelope, message_bytes

if TYPE_CHECKING:
    from meetlink.mail.smtp import SmtpSender

__all__ = [
    "POLICY",
    "DeliveryResult",
    "InviteSender",
    "OutboxSender",
    "Sender",
    "SentInvitation",
    "SmtpSender",
    "WireMessage",
    "encode_addresses",
    "encode_subject",
    "envelope",
    "file_stem",
    "message_bytes",
    "sender_for",
]


def __getattr__(name: str) -> Any:
    """:class:`SmtpSender`, imported on first use: smtplib, ssl and tenacity load only when a
    run sends by SMTP (issue 19)."""
    if name == "SmtpSender":
        from meetlink.mail.smtp import SmtpSender

        globals()[name] = SmtpSender
        return SmtpSender
    raise AttributeError(f"module 'meetlink.mail' has no attribute '{name}'")
