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

import datetime as dt
import hashlib
from email.utils import format_datetime
from functools import lru_cache

from meetlink.invites.calendar import Invitation
from meetlink.mail.headers import address_header, subject_header
from meetlink.mail.mime import (
    WireMessage,
    attachment_part,
    base64_lines,
    base64_part,
    multipart,
    text_part,
)

__all__ = ["build_message", "message_id_for"]

_MAX_ID = 77  # "<…>" on a folded line of its own: a space and 77 characters


def message_id_for(invitation: Invitation) -> str:
    """``<UID-SEQUENCE.METHOD@organizer domain>``: the same for every resend of one message.

    An un-invitation (CANCEL to some recipients) may share its SEQUENCE with the update sent
    to the others, so it also carries a short hash of its recipients. The id fits a header
    line of its own (77 characters with its brackets, RFC 5322's 78 with the fold): a long
    domain is shortened to its last labels (the UID makes the id unique, not the domain).

    >>> message_id_for(invitation)  # doctest: +SKIP
    '<6f1c…-0.request@thiuy.example>'
    """
    sender = invitation.spec.sent_by or invitation.spec.organizer_email
    domain = sender.rpartition("@")[2]
    tail = invitation.method.value.lower()
    if invitation.kind == "uninvite":
        emails = "\n".join(sorted(r.email.casefold() for r in invitation.recipients))
        tail += "-" + hashlib.sha256(emails.encode()).hexdigest()[:12]
    left = f"{invitation.spec.message_key}-{invitation.sequence}.{tail}"
    while len(left) + len(domain) + 3 > _MAX_ID and "." in domain:
        domain = domain.partition(".")[2]
    return f"<{left}@{domain}>"


def build_message(invitation: Invitation) -> WireMessage:
    """The iMIP message of an invitation, addressed to its recipients, as wire bytes.

    ``From`` is the organizer, or the ``sent_by`` sender (then ORGANIZER carries SENT-BY).
    Headers are encoded by :mod:`~meetlink.mail.headers` (RFC 2047 encoded words of at
    most 75 characters, cut at spaces); the message is written once, straight to bytes
    (:mod:`meetlink.mail.mime`), and ``message["Subject"]`` still reads it back decoded.

    >>> message = build_message(invitation)                 # doctest: +SKIP
    >>> [p.get_content_type() for p in message.walk()][:2]  # doctest: +SKIP
    ['multipart/mixed', 'multipart/alternative']
    """
    spec, templates = invitation.spec, invitation.templates
    kind, sequence, recipients = invitation.kind, invitation.sequence, invitation.recipients
    text, html = templates.bodies(spec, kind, sequence, recipients)
    message_id = message_id_for(invitation)
    seed = hashlib.sha256(message_id.encode() + invitation.calendar).hexdigest()
    method = invitation.method.value
    calendar = base64_lines(invitation.calendar)  # once, for the part and the attachment
    # "=_" never occurs in quoted-printable or base64 text, so no body can end a part early.
    alternative = multipart(
        "alternative",
        f"=_alt_{seed[:22]}",  # 22: the part's Content-Type line is then 76 long
        [
            text_part("plain", text),
            text_part("html", html),
            base64_part(f"text/calendar; charset=UTF-8; method={method}", calendar),
        ],
    )
    attachment = attachment_part("application/ics", "invite.ics", calendar)
    body = multipart("mixed", f"=_mix_{seed[22:44]}", [alternative, attachment])

    sender = spec.sent_by or spec.organizer_email
    headers = list(_senders(spec.organizer_name, spec.organizer_email, spec.sent_by))
    headers.append(("To", address_header("To", [(r.name, r.email) for r in recipients])))
    subject = templates.subject(spec, kind, sequence, recipients)
    headers.append(("Subject", subject_header(subject)))
    headers.append(("Date", _date(invitation.dtstamp)))
    seen: dict[str, str] = {}
    for recipient in recipients:
        seen.setdefault(recipient.email.casefold(), recipient.email)
    return WireMessage.build(
        headers,
        message_id=message_id,
        sender=sender,
        recipients=tuple(seen.values()),
        body=body,
        calendar=invitation.calendar,
    )


@lru_cache(maxsize=64)
def _senders(name: str, email: str, sent_by: str | None) -> tuple[tuple[str, str], ...]:
    """From (and Reply-To when sent for the organizer): the same for every message of a run."""
    if sent_by:
        return (
            ("From", address_header("From", [("", sent_by)])),
            ("Reply-To", address_header("Reply-To", [(name, email)])),
        )
    return (("From", address_header("From", [(name, email)])),)


@lru_cache(maxsize=256)
def _date(moment: dt.datetime) -> str:
    """The Date header of a DTSTAMP (one for a whole run's messages)."""
    return format_datetime(moment)
