"""The iMIP e-mail (RFC 6047) around an invitation, and the sender interface.

The MIME tree is the one Google Calendar sends and CalConnect recommends::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain; charset="utf-8"                  (quoted-printable)
    │   ├── text/html; charset="utf-8"                   (quoted-printable)
    │   └── text/calendar; charset=UTF-8; method=REQUEST (base64 of the exact bytes)
    └── application/ics; name="invite.ics"               (attachment, the same bytes)

The calendar bytes are base64-encoded from bytes, so the CRLF line ends inside survive (the
``email`` package rewrites them to LF when handed a ``str``). Boundaries, ``Date`` and
``Message-ID`` are derived from the invitation, so the same invitation always serializes to
the same bytes: a resend is recognizable, and an outbox file is overwritten, not doubled.

Example:
    >>> message = build_message(invitation)          # doctest: +SKIP
    >>> message["Message-ID"]                        # doctest: +SKIP
    '<6f1c…-0.request@thiuy.example>'
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr, getaddresses
from functools import lru_cache
from typing import Protocol, runtime_checkable

from meetlink.errors import RecipientRefused
from meetlink.invites.calendar import Invitation

__all__ = [
    "DeliveryResult",
    "InviteSender",
    "build_message",
    "encode_addresses",
    "encode_subject",
    "envelope",
    "message_bytes",
    "message_id_for",
]


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


POLICY = _WirePolicy(linesep="\r\n")  # what travels on the wire, and goes in the outbox
_CRLF = "\r\n"


def message_id_for(invitation: Invitation) -> str:
    """``<UID-SEQUENCE.METHOD@organizer domain>``: the same for every resend of one message.

    An un-invitation (CANCEL to some recipients) may share its SEQUENCE with the update sent
    to the others, so it also carries a short hash of its recipients.

    >>> message_id_for(invitation)  # doctest: +SKIP
    '<6f1c…-0.request@thiuy.example>'
    """
    sender = invitation.spec.sent_by or invitation.spec.organizer_email
    domain = sender.rpartition("@")[2]
    tail = invitation.method.value.lower()
    if invitation.kind == "uninvite":
        emails = "\n".join(sorted(r.email.casefold() for r in invitation.recipients))
        tail += "-" + hashlib.sha256(emails.encode()).hexdigest()[:12]
    return f"<{invitation.uid}-{invitation.sequence}.{tail}@{domain}>"


def build_message(invitation: Invitation) -> EmailMessage:
    """The iMIP message of an invitation, addressed to its recipients.

    ``From`` is the organizer, or the ``sent_by`` sender (then ORGANIZER carries SENT-BY).
    Headers are encoded here and stored as they go on the wire (see ``_addresses`` for why);
    ``message["Subject"]`` still reads them back decoded.

    >>> message = build_message(invitation)                 # doctest: +SKIP
    >>> [p.get_content_type() for p in message.walk()][:2]  # doctest: +SKIP
    ['multipart/mixed', 'multipart/alternative']
    """
    spec, templates = invitation.spec, invitation.templates
    text, html = templates.bodies(spec, invitation.kind, invitation.sequence)
    seed = hashlib.sha256(
        (message_id_for(invitation) + invitation.calendar.hex()).encode()
    ).hexdigest()

    # Headers are written raw (set_raw) and bodies encoded here: the email package's own
    # header objects are slow (most of the time of a message) and fold Vietnamese badly.
    alternative = _part(f'multipart/alternative; boundary="=_alt_{seed[:24]}"')
    alternative.set_payload(
        [
            _text_part("plain", text),
            _text_part("html", html),
            _part(
                f"text/calendar; charset=UTF-8; method={invitation.method.value}",
                _base64(invitation.calendar),
            ),
        ]
    )
    attachment = _part('application/ics; name="invite.ics"', _base64(invitation.calendar))
    attachment.set_raw("Content-Disposition", 'attachment; filename="invite.ics"')

    message = EmailMessage(policy=POLICY)
    if spec.sent_by:
        message.set_raw("From", encode_addresses("From", [("", spec.sent_by)]))
        message.set_raw(
            "Reply-To", encode_addresses("Reply-To", [(spec.organizer_name, spec.organizer_email)])
        )
    else:
        message.set_raw(
            "From", encode_addresses("From", [(spec.organizer_name, spec.organizer_email)])
        )
    message.set_raw(
        "To", encode_addresses("To", [(r.name, r.email) for r in invitation.recipients])
    )
    subject = templates.subject(spec, invitation.kind, invitation.sequence)
    message.set_raw("Subject", encode_subject(subject))
    message.set_raw("Date", format_datetime(invitation.dtstamp))
    message.set_raw("Message-ID", message_id_for(invitation))
    message.set_raw("MIME-Version", "1.0")
    # "=_" never occurs in quoted-printable or base64 text, so no body can end a part early.
    message.set_raw("Content-Type", f'multipart/mixed; boundary="=_mix_{seed[24:48]}"')
    message.set_payload([alternative, attachment])
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """The message as it goes on the wire and into the outbox: CRLF line ends throughout.

    A Bcc header is left out (its addresses are still recipients, see :func:`envelope`).

    >>> message_bytes(build_message(invitation))[:6]  # doctest: +SKIP
    b'From: '
    """
    if "Bcc" in message:
        message = copy.deepcopy(message)
        del message["Bcc"]
    return message.as_bytes(policy=POLICY)


def envelope(message: EmailMessage) -> tuple[str, list[str]]:
    """``(MAIL FROM, RCPT TO list)`` from the headers: Sender or From; To, Cc and Bcc.

    >>> message = EmailMessage()
    >>> message["From"] = "Văn phòng <vanphong@thiuy.example>"
    >>> message["To"] = "a@x.example, B <b@x.example>"
    >>> envelope(message)
    ('vanphong@thiuy.example', ['a@x.example', 'b@x.example'])
    """
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


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to each recipient of one message.

    ``accepted``: the server (or outbox) took it; ``refused``: permanently refused (5xx),
    address → the server's reply; ``deferred``: still refused with a temporary (4xx) reply
    after the retries: send the same message to them again later.

    >>> DeliveryResult("<id@x>", ("a@x.example",), {"b@x.example": "550 5.1.1 no such user"}).ok
    False
    """

    message_id: str
    accepted: tuple[str, ...]
    refused: Mapping[str, str] = field(default_factory=dict)
    deferred: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every recipient accepted the message."""
        return not self.refused and not self.deferred

    def raise_for_refused(self) -> DeliveryResult:
        """Raise :class:`~meetlink.errors.RecipientRefused` if anyone was refused or deferred.

        >>> DeliveryResult("<id@x>", ("a@x.example",)).raise_for_refused().ok
        True
        """
        if self.ok:
            return self
        failed = {**self.deferred, **self.refused}
        listed = "; ".join(f"{a}: {reply}" for a, reply in sorted(failed.items()))
        others = " (the others got it and are not sent it again)" if self.accepted else ""
        raise RecipientRefused(
            f"{len(failed)} recipient(s) of {self.message_id} did not get it ({listed})"
            f"{others}; correct the refused addresses in the roster (or ask their mail "
            "administrator), then run meetlink open again: it retries these recipients only.",
            refused=dict(failed),
        )


@runtime_checkable
class InviteSender(Protocol):
    """Delivers one message and reports per recipient. Implemented by
    :class:`~meetlink.invites.smtp.SmtpSender` and :class:`~meetlink.invites.outbox.OutboxSender`.

    A track with ``invites: platform`` uses no sender: its adapter has the platform send its
    own invitations (Google Calendar ``sendUpdates``).

    >>> from meetlink.invites import OutboxSender
    >>> isinstance(OutboxSender(".meetlink/outbox"), InviteSender)
    True
    """

    def send(self, message: EmailMessage) -> DeliveryResult:
        """Deliver ``message`` to its To/Cc/Bcc recipients and report each of them.

        A recipient the server refuses is reported in the result (see
        :meth:`DeliveryResult.raise_for_refused`); :class:`~meetlink.errors.DeliveryError`
        is raised when the message could not be handed over at all.
        """
        ...


def _part(content_type: str, base64_body: str | None = None) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    part.set_raw("Content-Type", content_type)
    if base64_body is not None:
        part.set_raw("Content-Transfer-Encoding", "base64")
        part.set_payload(base64_body)
    return part


def _text_part(subtype: str, text: str) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    part.set_raw("Content-Type", f'text/{subtype}; charset="utf-8"')
    part.set_raw("Content-Transfer-Encoding", "quoted-printable")
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii")
    part.set_payload(encoded)
    return part


def encode_addresses(header: str, people: Sequence[tuple[str, str]]) -> str:
    """An address header, encoded here rather than by the ``email`` package.

    CPython's header folding (seen in 3.11.7) loses the space between two encoded
    words when it folds a long non-ASCII phrase: "sinh hoạt toàn" arrives as "sinh hoạttoàn".
    The legacy :class:`~email.header.Header` encoder keeps it; each address gets its own line.
    """
    shown = []
    for name, address in people:
        name = " ".join(name.split())  # no CR/LF can reach the header
        if not name:
            shown.append(address)
        elif name.isascii():
            shown.append(formataddr((name, address)))
        else:
            words = Header(name, "utf-8", header_name=header).encode(linesep=_CRLF)
            shown.append(f"{words}{_CRLF} <{address}>")
    return f",{_CRLF} ".join(shown)


def encode_subject(text: str) -> str:
    """A Subject header value encoded the safe way (see :func:`encode_addresses`)."""
    return Header(" ".join(text.split()), "utf-8", header_name="Subject").encode(linesep=_CRLF)


def _base64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")
