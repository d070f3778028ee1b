"""The iMIP e-mail (RFC 6047) around an invitation (the wire format is :mod:`meetlink.mail`).

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
import hashlib
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime

from meetlink.invites.calendar import Invitation
from meetlink.mail.headers import address_header, subject_header
from meetlink.mail.wire import POLICY

__all__ = ["build_message", "message_id_for"]


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
    return f"<{invitation.spec.message_key}-{invitation.sequence}.{tail}@{domain}>"


def build_message(invitation: Invitation) -> EmailMessage:
    """The iMIP message of an invitation, addressed to its recipients.

    ``From`` is the organizer, or the ``sent_by`` sender (then ORGANIZER carries SENT-BY).
    Headers are encoded here (:mod:`~meetlink.mail.headers`: RFC 2047 encoded words of
    at most 75 characters, cut at spaces) and stored as they go on the wire;
    ``message["Subject"]`` still reads them back decoded.

    >>> message = build_message(invitation)                 # doctest: +SKIP
    >>> [p.get_content_type() for p in message.walk()][:2]  # doctest: +SKIP
    ['multipart/mixed', 'multipart/alternative']
    """
    spec, templates = invitation.spec, invitation.templates
    text, html = templates.bodies(spec, invitation.kind, invitation.sequence, invitation.recipients)
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
        message.set_raw("From", address_header("From", [("", spec.sent_by)]))
        message.set_raw(
            "Reply-To", address_header("Reply-To", [(spec.organizer_name, spec.organizer_email)])
        )
    else:
        message.set_raw(
            "From", address_header("From", [(spec.organizer_name, spec.organizer_email)])
        )
    message.set_raw("To", address_header("To", [(r.name, r.email) for r in invitation.recipients]))
    subject = templates.subject(spec, invitation.kind, invitation.sequence, invitation.recipients)
    message.set_raw("Subject", subject_header(subject))
    message.set_raw("Date", format_datetime(invitation.dtstamp))
    message.set_raw("Message-ID", message_id_for(invitation))
    message.set_raw("MIME-Version", "1.0")
    # "=_" never occurs in quoted-printable or base64 text, so no body can end a part early.
    message.set_raw("Content-Type", f'multipart/mixed; boundary="=_mix_{seed[24:48]}"')
    message.set_payload([alternative, attachment])
    return message


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


def _base64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")
