"""Send messages through an SMTP server: STARTTLS or SSL, login, retries, one connection.

* The password is read from the environment variable named by ``password_env`` when a
  connection opens; it is kept in no attribute and appears in no log line or exception.
* One connection serves many messages; a dropped one is reopened on the next attempt.
* Temporary trouble (a 4xx reply, a refused or dropped connection, a timeout) is retried
  with exponential back-off (tenacity). A recipient refused with a temporary reply is retried
  alone; one refused permanently (5xx) is reported in :class:`DeliveryResult.refused` while
  the others still get the message.
* The bytes sent are :func:`~meetlink.mail.wire.message_bytes`: a retry, or a resend in
  a later run, sends exactly the same message. :meth:`SmtpSender.send_to` sends those bytes
  to some of the message's recipients only: a later run resends a message to the recipients
  a server refused, and the others do not get it twice.
* A server that cannot be reached fails fast: after ``give_up_after`` (3) connections in a
  row have failed, the sender stops trying, and this message and every later one fail at
  once with the same :class:`~meetlink.errors.DeliveryError` (retryable). A run with the
  server down therefore costs a few seconds, not 7.5 s of retries for each message; the next
  ``meetlink open`` tries every message again.

Example:
    >>> from meetlink.loading.meeting import SmtpSettings
    >>> settings = SmtpSettings(host="smtp.thiuy.example", username="vanphong",
    ...                         password_env="MEETLINK_SMTP_PASSWORD")
    >>> with SmtpSender(settings) as sender:            # doctest: +SKIP
    ...     result = sender.send(build_message(invitation))
    >>> result.refused                                  # doctest: +SKIP
    {}
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from meetlink.errors import DeliveryError
from meetlink.loading.meeting import SmtpSettings
from meetlink.mail.sender import DeliveryResult, some_of
from meetlink.mail.wire import AnyMessage, envelope, message_bytes

__all__ = ["SmtpSender", "some_of"]

log = logging.getLogger(__name__)


class _Temporary(Exception):
    """A failure worth retrying; ``reply`` is the server's reply or the connection error."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        super().__init__(reply)


@dataclass
class _Progress:
    pending: list[str]
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    deferred: dict[str, str] = field(default_factory=dict)


class SmtpSender:
    """An :class:`~meetlink.mail.sender.InviteSender` over SMTP.

    ``environ`` is where ``password_env`` is looked up (default: ``os.environ``);
    ``attempts`` and ``backoff_seconds`` shape the retries; after ``give_up_after``
    connections in a row fail (over all messages), the server counts as down and every later
    message fails at once; ``ssl_context`` verifies the server's certificate (default: the
    system's trusted authorities). Use it as a context manager, or call :meth:`close`, to
    end the connection.

    >>> SmtpSender(SmtpSettings(host="smtp.thiuy.example", username="vanphong"))
    SmtpSender(smtp.thiuy.example:587, username='vanphong')
    """

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        environ: Mapping[str, str] | None = None,
        attempts: int = 4,
        backoff_seconds: float = 1.0,
        ssl_context: ssl.SSLContext | None = None,
        give_up_after: int = 3,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1.")
        if give_up_after < 1:
            raise ValueError("give_up_after must be at least 1.")
        self.settings = settings
        self._environ = environ if environ is not None else os.environ
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._ssl_context = ssl_context
        self._smtp: smtplib.SMTP | None = None
        self._give_up_after = give_up_after
        self._failed_connections = 0  # in a row, over all messages
        self._down: str | None = None  # the last connection error, once the server is down

    def __repr__(self) -> str:
        user = f", username={self.settings.username!r}" if self.settings.username else ""
        return f"SmtpSender({self.server}{user})"  # never the environment it reads from

    @property
    def server(self) -> str:
        """``host:port``, for messages."""
        return f"{self.settings.host}:{self.settings.port}"

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # A sender nobody closed must not leave its socket open (and warn) at exit.
        with contextlib.suppress(Exception):  # nothing useful to do while being collected
            self._drop()

    def close(self) -> None:
        """End the connection politely (QUIT); safe to call twice."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def send(self, message: AnyMessage) -> DeliveryResult:
        """Send one message to its To/Cc/Bcc recipients; report each of them.

        Raises :class:`~meetlink.errors.DeliveryError` when the server cannot be used at all
        (login refused, no STARTTLS, down, still failing after the retries) or refuses the
        sender.
        """
        return self._send(message, None)

    def send_to(self, message: AnyMessage, recipients: Iterable[str]) -> DeliveryResult:
        """Send the very same message (bytes, Message-ID) to some of its recipients only: a
        resend to those a server refused before. Raises :class:`ValueError` for an address
        that is not a recipient of the message."""
        return self._send(message, recipients)

    def _send(self, message: AnyMessage, only: Iterable[str] | None) -> DeliveryResult:
        if self._down is not None:
            raise self._unreachable()
        sender, recipients = envelope(message)
        if only is not None:
            recipients = some_of(recipients, only)
        message_id = str(message.get("Message-ID", ""))
        data = message_bytes(message)
        progress = _Progress(pending=list(recipients))
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._backoff, max=60),
            retry=retry_if_exception_type(_Temporary),
            reraise=True,
            before_sleep=self._log_retry,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self._attempt(sender, data, progress)
        except _Temporary as exc:
            if not progress.accepted and not progress.refused:
                error = DeliveryError(
                    f"The SMTP server {self.server} did not take message {message_id} after "
                    f"{self._attempts} attempts (last: {exc.reply}); run meetlink open again "
                    "later: the same message is sent again, unchanged."
                )
                error.retryable = True
                raise error from None
            progress.deferred = {a: progress.deferred.get(a, exc.reply) for a in progress.pending}
        log.info(
            "sent %s via %s: %d accepted, %d refused, %d deferred",
            message_id,
            self.server,
            len(progress.accepted),
            len(progress.refused),
            len(progress.deferred),
        )
        return DeliveryResult(
            message_id, tuple(progress.accepted), dict(progress.refused), dict(progress.deferred)
        )

    def _attempt(self, sender: str, data: bytes, progress: _Progress) -> None:
        smtp = self._connection()
        try:
            rejected = smtp.sendmail(sender, progress.pending, data)
        except smtplib.SMTPRecipientsRefused as exc:
            rejected = exc.recipients  # every one of them; the connection is still usable
        except smtplib.SMTPSenderRefused as exc:
            self._reset(smtp)
            if 400 <= exc.smtp_code < 500:
                raise _Temporary(_reply(exc.smtp_code, exc.smtp_error)) from None
            raise DeliveryError(
                f"The SMTP server {self.server} refused the sender {sender} "
                f"({_reply(exc.smtp_code, exc.smtp_error)}); send from an address the "
                "server allows (the organizer, or delivery.sender in the meeting file)."
            ) from None
        except smtplib.SMTPResponseException as exc:
            self._reset(smtp)
            if 400 <= exc.smtp_code < 500:
                raise _Temporary(_reply(exc.smtp_code, exc.smtp_error)) from None
            raise DeliveryError(
                f"The SMTP server {self.server} refused the message "
                f"({_reply(exc.smtp_code, exc.smtp_error)}); check its size and content, "
                "or ask the mail administrator what the reply means."
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise _Temporary(f"connection lost: {type(exc).__name__}") from None
        temporary: dict[str, str] = {}
        for address in progress.pending:
            if address not in rejected:
                progress.accepted.append(address)
                continue
            code, text = rejected[address]
            if 400 <= code < 500:
                temporary[address] = _reply(code, text)
            else:
                progress.refused[address] = _reply(code, text)
        progress.pending = list(temporary)
        progress.deferred = temporary
        if temporary:
            raise _Temporary(next(iter(temporary.values())))

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        try:
            smtp = self._connect()
        except _Temporary as exc:
            self._failed_connections += 1
            if self._failed_connections >= self._give_up_after:
                self._down = exc.reply
                raise self._unreachable() from None
            raise
        self._failed_connections = 0
        self._smtp = smtp
        return smtp

    def _unreachable(self) -> DeliveryError:
        error = DeliveryError(
            f"The SMTP server {self.server} cannot be reached: {self._failed_connections} "
            f"connections in a row failed (last: {self._down}). Nothing more is sent in this "
            "run; check delivery.smtp in the meeting file and the network, then run meetlink "
            "open again: every message not sent is sent then, unchanged."
        )
        error.retryable = True
        return error

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        password = self._password()
        context = self._ssl_context or ssl.create_default_context()
        try:
            smtp: smtplib.SMTP
            if settings.ssl:
                smtp = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout_seconds, context=context
                )
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
            try:
                self._handshake(smtp, password, context)
            except BaseException:
                smtp.close()
                raise
        except UnicodeError:
            # Caught before it travels: a UnicodeEncodeError holds the whole AUTH string.
            raise DeliveryError(
                f"The login for the SMTP server {self.server} could not be encoded; check the "
                f"username and the password in the environment variable {settings.password_env}."
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            if 400 <= exc.smtp_code < 500:
                raise _Temporary(_reply(exc.smtp_code, exc.smtp_error)) from None
            raise DeliveryError(
                f"The SMTP server {self.server} refused the login of '{settings.username}' "
                f"({exc.smtp_code}); check the username and the password in the environment "
                f"variable {settings.password_env}."
            ) from None
        except ssl.SSLError as exc:
            raise DeliveryError(
                f"TLS with the SMTP server {self.server} failed ({exc.reason}); check the host "
                "name and the server's certificate."
            ) from None
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise _Temporary(_reply(exc.smtp_code, exc.smtp_error)) from None
            raise DeliveryError(
                f"The SMTP server {self.server} refused the connection "
                f"({_reply(exc.smtp_code, exc.smtp_error)}); check delivery.smtp in the "
                "meeting file."
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _Temporary(f"cannot connect: {type(exc).__name__}: {exc}") from None
        return smtp

    def _handshake(self, smtp: smtplib.SMTP, password: str, context: ssl.SSLContext) -> None:
        settings = self.settings
        smtp.ehlo()
        if settings.starttls and not settings.ssl:
            if not smtp.has_extn("starttls"):
                raise DeliveryError(
                    f"The SMTP server {self.server} does not offer STARTTLS; use its SSL port "
                    "with ssl: true, or set starttls: false only for a relay on a trusted network."
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        if not settings.username:
            return
        mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
        needed = "PLAIN" if not (settings.username + password).isascii() else None
        if not mechanisms or (needed and needed not in mechanisms):
            what = "AUTH PLAIN, which a non-ASCII login needs" if mechanisms else "a login (AUTH)"
            raise DeliveryError(
                f"The SMTP server {self.server} does not offer {what} on this connection; "
                "use starttls: true or ssl: true (many servers offer a login only over TLS), "
                "or ask the mail administrator."
            )
        _login(smtp, settings.username, password)

    def _password(self) -> str:
        settings = self.settings
        if not settings.username:
            return ""
        if not settings.password_env:
            raise DeliveryError(
                f"delivery.smtp gives the username '{settings.username}' but no password_env; "
                "name the environment variable that holds the password "
                "(password_env: MEETLINK_SMTP_PASSWORD)."
            )
        password = self._environ.get(settings.password_env)
        if not password:
            raise DeliveryError(
                f"The environment variable {settings.password_env} is not set; export the SMTP "
                "password in it before running meetlink."
            )
        return password

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "SMTP %s: attempt %d failed (%s); retrying",
            self.server,
            state.attempt_number,
            error,
        )


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    if (username + password).isascii():
        smtp.login(username, password)
        return
    # smtplib encodes logins as ASCII; RFC 4954 AUTH PLAIN carries UTF-8 (a password with
    # Vietnamese letters), so that one is sent by hand.
    token = base64.b64encode(b"\0" + username.encode() + b"\0" + password.encode()).decode()
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, reply)


def _reply(code: int, text: bytes | str) -> str:
    shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {shown}".strip()
