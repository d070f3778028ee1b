"""What travels on the wire: the e-mail policy, the bytes, the envelope, safe headers.

Shared by everything meetlink mails (invitations, hand-outs) and by every way it mails them
(SMTP, the outbox): the bytes are the same whichever way a message goes.

Example:
    >>> from email.message import EmailMessage
    >>> message = EmailMessage()
    >>> message["From"] = "vp@thiuy.example"
    >>> message["To"] = "a@x.example"
    >>> envelope(message)
    ('vp@thiuy.example', ['a@x.example'])
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import getaddresses
from functools import lru_cache

from meetlink.mail.headers import MAX_LINE, address_header, subject_header
from meetlink.mail.mime import WireMessage

__all__ = [
    "CRLF",
    "POLICY",
    "AnyMessage",
    "encode_addresses",
    "encode_subject",
    "envelope",
    "message_bytes",
]

AnyMessage = EmailMessage | WireMessage
"""What a sender takes: a message written to bytes already (invitations, hand-outs), or an
:class:`~email.message.EmailMessage` serialized on the way out (reminders, pending notices)."""


class _WirePolicy(EmailPolicy):
    """``email.policy.SMTP`` (CRLF line ends) that parses each raw header value once.

    The generator reads a part's Content-Type several times while writing a message, and the
    email package parses the header again on every read: most of the time of a message.
    Parsed headers are immutable, so equal raw values can share one parsed object.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name"):
            return value
        return _parsed_header(self, name, value)


@lru_cache(maxsize=4096)
def _parsed_header(policy: EmailPolicy, name: str, value: str) -> str:
    parsed: str = EmailPolicy.header_fetch_parse(policy, name, value)
    return parsed


# What travels on the wire and goes in the outbox. Lines of 76 at most: the email package
# cuts quoted-printable bodies at the policy's length, and RFC 2045 §6.7 allows 76 there;
# headers from meetlink.mail.headers keep to it too, so the package never refolds them.
POLICY = _WirePolicy(linesep="\r\n", max_line_length=MAX_LINE)
CRLF = "\r\n"


def message_bytes(message: AnyMessage) -> bytes:
    """The message as it goes on the wire and into the outbox: CRLF line ends throughout.

    A :class:`~meetlink.mail.mime.WireMessage` is its bytes already. A Bcc header is left
    out (its addresses are still recipients, see :func:`envelope`).

    >>> message = EmailMessage()
    >>> message["From"] = "vp@thiuy.example"
    >>> message_bytes(message)[:6]
    b'From: '
    """
    if isinstance(message, WireMessage):
        return message.data
    if "Bcc" in message:
        message = copy.deepcopy(message)
        del message["Bcc"]
    return message.as_bytes(policy=POLICY)


def envelope(message: AnyMessage) -> tuple[str, list[str]]:
    """``(MAIL FROM, RCPT TO list)`` from the headers: Sender or From; To, Cc and Bcc.

    >>> message = EmailMessage()
    >>> message["From"] = "Văn phòng <vanphong@thiuy.example>"
    >>> message["To"] = "a@x.example, B <b@x.example>"
    >>> envelope(message)
    ('vanphong@thiuy.example', ['a@x.example', 'b@x.example'])
    """
    if isinstance(message, WireMessage):
        return message.sender, list(message.recipients)
    # Raw values: an encoded display name needs no decoding to find the address after it.
    raw: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        raw.setdefault(name.casefold(), []).append(str(value))
    sender = getaddresses(raw.get("sender") or raw.get("from") or [])
    recipients = getaddresses([v for h in ("to", "cc", "bcc") for v in raw.get(h, [])])
    seen: dict[str, str] = {}
    for _, address in recipients:
        if address:
            seen.setdefault(address.casefold(), address)
    if not sender or not sender[0][1] or not seen:
        raise ValueError(
            "the message needs a From address and at least one To address; build it with "
            "build_message()."
        )
    return sender[0][1], list(seen.values())


def encode_addresses(header: str, people: Sequence[tuple[str, str]]) -> str:
    """An address header's value, encoded here rather than by the ``email`` package (whose
    folding loses the space between two encoded words, "sinh hoạttoàn"): see
    :func:`meetlink.mail.headers.address_header`."""
    return address_header(header, people)


def encode_subject(text: str) -> str:
    """A Subject header's value encoded the safe way (see :func:`encode_addresses`)."""
    return subject_header(text)
