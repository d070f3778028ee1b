"""A message written straight to its wire bytes, once: :class:`WireMessage`. Pure, no I/O.

The ``email`` package builds a tree of parts and walks it again to write it, and parses every
header again on each read: most of the time of an invitation went there. meetlink's messages
have a fixed shape, so they are written directly as bytes (CRLF line ends throughout) and
handed to the senders as they are; nothing serializes or parses them again on the way out.
The tests read every message back with the ``email`` parser (tests/mail/test_mail_mime.py).

* bodies: quoted-printable lines of at most 76 characters (RFC 2045 §6.7), base64 lines of 76;
* headers: encoded by :mod:`meetlink.mail.headers` (the one RFC 2047 encoder), each line
  at most 76 characters; a Message-ID too long for its line goes on a line of its own.

Example:
    >>> from meetlink.mail.headers import subject_header
    >>> message = WireMessage.build(
    ...     [("From", "vp@thiuy.example"), ("To", "a@x.example")]
    ...     + [("Subject", subject_header("Họp"))],
    ...     message_id="<1@thiuy.example>",
    ...     sender="vp@thiuy.example",
    ...     recipients=("a@x.example",),
    ...     body=text_part("plain", "Kính gửi"),
    ... )
    >>> message["Subject"], message.data.count(b"\\n") == message.data.count(b"\\r\\n")
    ('Họp', True)
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cached_property
from typing import Any

from meetlink.mail.headers import MAX_LINE

__all__ = [
    "WireMessage",
    "attachment_part",
    "base64_lines",
    "base64_part",
    "header_block",
    "multipart",
    "quoted_printable",
    "text_part",
]

_CRLF = b"\r\n"


@dataclass(frozen=True)
class WireMessage:
    """One message as it goes on the wire, with what a sender needs to know about it.

    ``data`` are the exact bytes (SMTP's DATA, the outbox's ``.eml``); ``calendar`` the
    invitation's calendar part, byte for byte (the outbox's ``.ics``), or None. Reading a
    header (``message["Subject"]``) or walking the parts parses ``data`` once, with the
    ``email`` package: for tests and inspection, never on the way out.
    """

    data: bytes = field(repr=False)
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    calendar: bytes | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        headers: Sequence[tuple[str, str]],
        *,
        message_id: str,
        sender: str,
        recipients: Sequence[str],
        body: bytes,
        calendar: bytes | None = None,
    ) -> WireMessage:
        """The message of ``headers`` (encoded values, in order; Message-ID and MIME-Version
        are added) over ``body`` (a part from :func:`text_part` or :func:`multipart`)."""
        head = header_block([*headers, ("Message-ID", message_id), ("MIME-Version", "1.0")])
        return cls(head + body, message_id, sender, tuple(recipients), calendar)

    @cached_property
    def parsed(self) -> EmailMessage:
        """The message read back by the ``email`` package (modern policy), parsed once."""
        return email.message_from_bytes(self.data, policy=email.policy.default)

    def __getitem__(self, name: str) -> Any:
        if name.casefold() == "message-id":
            return self.message_id
        return self.parsed[name]

    def __contains__(self, name: str) -> bool:
        return name in self.parsed

    def get(self, name: str, default: Any = None) -> Any:
        """A header's value, decoded, or ``default``."""
        if name.casefold() == "message-id":
            return self.message_id
        return self.parsed.get(name, default)

    def walk(self) -> Iterator[EmailMessage]:
        """Every part, as :meth:`email.message.EmailMessage.walk` gives them."""
        return self.parsed.walk()

    def as_bytes(self) -> bytes:
        """The wire bytes (as :attr:`data`)."""
        return self.data


def header_block(headers: Sequence[tuple[str, str]]) -> bytes:
    """``Name: value`` lines (values encoded already), CRLF-ended; a value too long for its
    line and without a fold of its own goes on the next line (a long Message-ID)."""
    lines = []
    for name, value in headers:
        if "\r\n" not in value and len(name) + 2 + len(value) > MAX_LINE:
            lines.append(f"{name}:\r\n {value}")
        else:
            lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def quoted_printable(text: str) -> bytes:
    """UTF-8 ``text`` quoted-printable, CRLF line ends, no line over 76 characters.

    >>> quoted_printable("Kính gửi\\n")
    b'K=C3=ADnh g=E1=BB=ADi\\r\\n'
    """
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    return encoded.replace(b"\n", _CRLF)


def text_part(subtype: str, text: str) -> bytes:
    """A ``text/<subtype>`` UTF-8 part, quoted-printable, headers and body.

    >>> text_part("plain", "a").splitlines()[0]
    b'Content-Type: text/plain; charset="utf-8"'
    """
    body = quoted_printable(text)
    if not body.endswith(_CRLF):
        body += _CRLF
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii") + body


def base64_lines(data: bytes) -> bytes:
    """``data`` in base64, lines of 76 characters, each ended by CRLF.

    >>> base64_lines(b"BEGIN:VCALENDAR")
    b'QkVHSU46VkNBTEVOREFS\\r\\n'
    """
    return base64.encodebytes(data).replace(b"\n", _CRLF)


def base64_part(content_type: str, encoded: bytes, *, extra: str = "") -> bytes:
    """A part whose body is ``encoded`` (from :func:`base64_lines`), ``extra`` header lines
    after the others."""
    head = f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n{extra}\r\n"
    return head.encode("ascii") + encoded


def attachment_part(content_type: str, filename: str, encoded: bytes) -> bytes:
    """An attachment (``Content-Disposition: attachment``) whose body is ``encoded``
    (from :func:`base64_lines`)."""
    disposition = f'Content-Disposition: attachment; filename="{filename}"\r\n'
    return base64_part(f'{content_type}; name="{filename}"', encoded, extra=disposition)


def multipart(subtype: str, boundary: str, parts: Sequence[bytes]) -> bytes:
    """A ``multipart/<subtype>`` part holding ``parts``. The boundary must not occur in them:
    one starting with ``=_`` never occurs in quoted-printable or base64 text.

    >>> multipart("mixed", "=_b", [b"Content-Type: text/plain\\r\\n\\r\\nx\\r\\n"]).count(b"--=_b")
    2
    """
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode("ascii")
    delimiter = f"--{boundary}\r\n".encode("ascii")
    body = b"".join(delimiter + part + _CRLF for part in parts)  # the CRLF before "--"
    return head + body + f"--{boundary}--\r\n".encode("ascii")
