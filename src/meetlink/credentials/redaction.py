"""Keep every known secret out of log output.

The texts to hide come from the process-wide registry in :mod:`meetlink.credentials.secret`:
every live `Secret`, every text ever revealed, and whatever was passed to
:func:`~meetlink.credentials.secret.register`. Texts shorter than four characters are not
redacted (see ``MIN_REDACTED_LENGTH``). Only exact occurrences are found: a secret that was
URL-encoded or base64-encoded before it was logged is not recognised.

Python applies a logger's filters only to records logged on that very logger, not to those
propagated from its children, so :func:`install_redaction` puts the filter on the logger
*and* on each of its handlers. A handler added later needs ``handler.addFilter(SecretRedactor())``
(or another call to :func:`install_redaction`).

Example:
    >>> import logging
    >>> from meetlink.credentials.secret import Secret
    >>> password = Secret("correct-horse-battery")
    >>> redact("login with correct-horse-battery")
    'login with ***'
    >>> redactor = install_redaction(logging.getLogger("meetlink"))
"""

from __future__ import annotations

import logging

from meetlink.credentials.secret import any_registered, contains_registered, mask_registered

__all__ = ["SecretRedactor", "contains_secret", "install_redaction", "redact"]

_PLAIN_FORMATTER = logging.Formatter()
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))
) | {"message", "asctime", "taskName"}


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``.

    Example:
        >>> from meetlink.credentials.secret import Secret
        >>> token = Secret("tok-5f1c0ffee")
        >>> redact("Bearer tok-5f1c0ffee")
        'Bearer ***'
    """
    return mask_registered(text)


def contains_secret(text: str) -> bool:
    """Tell whether ``text`` holds any registered secret.

    Example:
        >>> from meetlink.credentials.secret import Secret
        >>> pin = Secret("pin-98231")
        >>> contains_secret("the pin is pin-98231"), contains_secret("the pin is hidden")
        (True, False)
    """
    return contains_registered(text)


class SecretRedactor(logging.Filter):
    """A logging filter that replaces every registered secret with ``***``.

    It formats ``msg % args`` itself and then drops ``args``, formats the exception and
    the stack (then drops ``exc_info``, so no later handler re-formats the raw traceback),
    and cleans string ``extra`` attributes. It never drops a record.

    Example:
        >>> import logging
        >>> handler = logging.StreamHandler()
        >>> handler.addFilter(SecretRedactor())
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not any_registered():
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            # A broken format string must neither break logging nor print raw args.
            message = f"{record.msg} (log arguments dropped: they did not fit the format)"
        record.msg = mask_registered(message)
        record.args = None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = _PLAIN_FORMATTER.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = mask_registered(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_registered(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, mask_registered(value))
        return True


def install_redaction(logger: logging.Logger | None = None) -> SecretRedactor:
    """Attach a `SecretRedactor` to ``logger`` (default: the root logger) and its handlers.

    Calling it twice adds no second filter where one is present. Returns the filter.

    Example:
        >>> import logging
        >>> log = logging.getLogger("meetlink.example")
        >>> redactor = install_redaction(log)
        >>> install_redaction(log) is not None
        True
    """
    target = logger if logger is not None else logging.getLogger()
    redactor = SecretRedactor()
    for filterer in [target, *target.handlers]:
        if not any(isinstance(f, SecretRedactor) for f in filterer.filters):
            filterer.addFilter(redactor)
    return redactor
