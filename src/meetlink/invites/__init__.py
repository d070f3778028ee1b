"""Invitations: one iCalendar/iMIP e-mail per sitting per bridge point, kept up to date.

The pieces, each a small module:

* :mod:`~meetlink.invites.specs`: :func:`invitations_for` turns a plan into
  :class:`InvitationSpec` values (what each point is invited to) and :func:`uid_for` gives each
  (meeting, track, sitting, point) its stable UID;
* :mod:`~meetlink.invites.calendar`: :func:`build_invitation` / :func:`build_cancellation`
  make the iCalendar bytes (pure: SEQUENCE and DTSTAMP are passed in), :func:`content_hash`
  tells the ledger when something changed;
* :mod:`~meetlink.invites.message`: :func:`build_message` wraps them in the iMIP MIME tree;
* senders (:class:`InviteSender`): :class:`SmtpSender`, and :class:`OutboxSender` (``.eml`` +
  ``.ics`` files), the default when no SMTP server is configured (:func:`sender_for`);
* :mod:`~meetlink.invites.templates`: the Vietnamese and English words, as Jinja2 files an
  office overrides from the meeting file (``templates:``); :mod:`~meetlink.invites.variables`
  gives them their variables, :mod:`~meetlink.invites.wording` writes times and dates as an
  office does; :mod:`~meetlink.mail.headers` encodes the mail headers (RFC 2047).

A track with ``invites: platform`` uses none of the senders: its adapter has the platform
(Google Calendar ``sendUpdates``) send its own invitations.

Example:
    >>> import datetime as dt
    >>> stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> specs = invitations_for(plan, {"main/s1": "https://meet.example/x"})  # doctest: +SKIP
    >>> sender = sender_for(plan.meeting.delivery, ".meetlink")               # doctest: +SKIP
    >>> for spec in specs:                                                     # doctest: +SKIP
    ...     sender.send(build_message(build_invitation(spec, sequence=0, dtstamp=stamp)))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meetlink.invites.calendar import (
    Invitation,
    Method,
    build_cancellation,
    build_invitation,
    content_hash,
    verify_calendar,
)
from meetlink.invites.message import build_message, message_id_for
from meetlink.invites.planned import invitations_for, points_without_recipients
from meetlink.invites.specs import InvitationSpec, Recipient, SeatedUnit, uid_for
from meetlink.invites.templates import Templates, default_templates
from meetlink.mail import (  # the transport, here too for the callers of v0.1
    DeliveryResult,
    InviteSender,
    OutboxSender,
    envelope,
    file_stem,
    message_bytes,
    sender_for,
)

if TYPE_CHECKING:
    from meetlink.mail.smtp import SmtpSender

__all__ = [
    "DeliveryResult",
    "Invitation",
    "InvitationSpec",
    "InviteSender",
    "Method",
    "OutboxSender",
    "Recipient",
    "SeatedUnit",
    "SmtpSender",
    "Templates",
    "build_cancellation",
    "build_invitation",
    "build_message",
    "content_hash",
    "default_templates",
    "envelope",
    "file_stem",
    "invitations_for",
    "message_bytes",
    "message_id_for",
    "points_without_recipients",
    "sender_for",
    "uid_for",
    "verify_calendar",
]


def __getattr__(name: str) -> Any:
    """:class:`SmtpSender` from :mod:`meetlink.mail`, loaded on first use (issue 19)."""
    if name == "SmtpSender":
        from meetlink.mail.smtp import SmtpSender

        return SmtpSender
    raise AttributeError(f"module 'meetlink.invites' has no attribute '{name}'")
