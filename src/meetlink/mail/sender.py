"""The sender interface: one message delivered, each recipient reported.

Example:
    >>> DeliveryResult("<id@x>", ("a@x.example",)).ok
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from meetlink.errors import RecipientRefused
from meetlink.mail.wire import AnyMessage

__all__ = ["DeliveryResult", "InviteSender", "Sender", "some_of"]


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
    :class:`~meetlink.mail.smtp.SmtpSender` and :class:`~meetlink.mail.outbox.OutboxSender`.

    A track with ``invites: platform`` uses no sender: its adapter has the platform send its
    own invitations (Google Calendar ``sendUpdates``).

    >>> from meetlink.invites import OutboxSender
    >>> isinstance(OutboxSender(".meetlink/outbox"), InviteSender)
    True
    """

    def send(self, message: AnyMessage) -> DeliveryResult:
        """Deliver ``message`` to its To/Cc/Bcc recipients and report each of them.

        A recipient the server refuses is reported in the result (see
        :meth:`DeliveryResult.raise_for_refused`); :class:`~meetlink.errors.DeliveryError`
        is raised when the message could not be handed over at all.
        """
        ...


Sender = InviteSender
"""The same protocol under the name the mail package gives it (hand-outs use it too)."""


def some_of(recipients: list[str], only: Iterable[str]) -> list[str]:
    """The message's ``recipients`` that are in ``only`` (compared without case), in the
    message's order; :class:`ValueError` for an address in ``only`` that is not among them.

    >>> some_of(["a@x.example", "B@x.example"], ["b@x.example"])
    ['B@x.example']
    """
    wanted = {address.casefold(): address for address in only}
    known = {address.casefold() for address in recipients}
    strangers = sorted(a for folded, a in wanted.items() if folded not in known)
    if strangers:
        raise ValueError(
            f"{', '.join(strangers)} is not a recipient of the message; a message is resent "
            "only to its own recipients."
        )
    return [address for address in recipients if address.casefold() in wanted]
