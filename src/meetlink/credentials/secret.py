"""`Secret`, a masked text value, and `SecretModel`, a pydantic base whose errors never echo input.

A `Secret` prints as ``***`` everywhere (``repr``, ``str``, f-strings, ``%`` formatting,
``model_dump_json``), refuses to be pickled, compares in constant time, and gives its text
only through the loudly named :meth:`Secret.reveal`. Every `Secret` is entered in a
process-wide registry the moment it exists, so :mod:`meetlink.credentials.redaction` can
scrub its text from logs; revealing one pins its text there for the life of the process,
because the revealed plain string may outlive the `Secret` (inside an SDK, say).

pydantic echoes the raw input of a failed field in ``str(e)``, ``e.errors()`` and
``e.json()``; ``hide_input_in_errors=True`` only hides the first. Two guards:

* the `Secret` field type first seals whatever it is given in an opaque wrapper, then checks
  it, so an error about a secret field reports the sealed wrapper, never the text;
* `SecretModel` wraps its whole validation and replaces every error's input with
  ``"<hidden>"``: missing fields, other fields and model validators would otherwise echo the
  raw input dict, secrets included. Every model that holds a credential derives from it.

Example:
    >>> s = Secret("hunter2-very-long")
    >>> s, str(s), f"{s}"
    (Secret('***'), '***', '***')
    >>> s.reveal()
    'hunter2-very-long'
"""

from __future__ import annotations

import collections
import hmac
import threading
import weakref
from typing import Any, NoReturn, final

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic import ValidationError as _ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

__all__ = ["HIDDEN_INPUT", "MASK", "Secret", "SecretModel", "register", "reveal_unpinned"]

MASK = "***"
"""What a secret looks like wherever it is printed, logged or serialized."""

HIDDEN_INPUT = "<hidden>"
"""The ``input`` of every error a `SecretModel` raises."""

MIN_REDACTED_LENGTH = 4
"""Shorter registered texts are not redacted: scrubbing every "a" or "12" from logs would
destroy them, and a text that short is no secret anyway."""

_lock = threading.Lock()
# Releases waiting for the lock: a Secret's finalizer may run (the garbage collector) in the
# middle of a section that holds the lock, in the same thread; taking the lock there would
# hang that thread for good. It queues the text instead, and whoever holds the lock next
# counts it out (a secret stays redacted a moment longer: the safe side).
_pending: collections.deque[str] = collections.deque()
# The registry, indexed by length so that finding secrets in a text costs
# O(len(text) × distinct lengths), however many secrets a run has made (10,000 points make
# tens of thousands). A text counts once per live Secret holding it, plus once for good
# when it is pinned (revealed or registered).
_counts: dict[str, int] = {}
_by_length: dict[int, set[str]] = {}
_pinned: set[str] = set()


def _add(text: str) -> None:
    """Count one more holder of ``text`` (call with ``_lock`` held)."""
    held = _counts.get(text, 0)
    _counts[text] = held + 1
    if not held and len(text) >= MIN_REDACTED_LENGTH:
        _by_length.setdefault(len(text), set()).add(text)


def _release(text: str) -> None:
    """A Secret holding ``text`` is gone (a weakref finalizer): queued, and counted out now
    if the lock is free (never waited for: see ``_pending``)."""
    _pending.append(text)
    if _lock.acquire(blocking=False):
        try:
            _drain()
        finally:
            _lock.release()


def _drain() -> None:
    """Count out the queued releases (call with ``_lock`` held)."""
    while _pending:
        text = _pending.popleft()
        held = _counts.get(text, 0) - 1
        if held > 0:
            _counts[text] = held
            continue
        _counts.pop(text, None)
        same = _by_length.get(len(text))
        if same is not None:
            same.discard(text)
            if not same:
                del _by_length[len(text)]


def _pin(text: str) -> None:
    if text in _pinned:  # pinned for good already (never unpinned): no lock to take
        return
    with _lock:
        _drain()
        if text not in _pinned:
            _pinned.add(text)
            _add(text)


def _spans(text: str) -> list[tuple[int, int]]:
    """Where registered secrets stand in ``text``: longest first, not overlapping."""
    if len(text) < MIN_REDACTED_LENGTH:  # shorter than any text the registry holds
        return []
    with _lock:
        _drain()
        lengths = sorted((n for n in _by_length if n <= len(text)), reverse=True)
        found: list[tuple[int, int]] = []
        i = 0
        while i < len(text):
            for n in lengths:
                if text[i : i + n] in _by_length[n]:
                    found.append((i, i + n))
                    i += n
                    break
            else:
                i += 1
        return found


def any_registered() -> bool:
    """Whether any secret is registered at all (a fast path for log filters)."""
    with _lock:
        _drain()
        return bool(_by_length)


def contains_registered(text: str) -> bool:
    """Whether ``text`` holds a registered secret."""
    return bool(_spans(text))


def mask_registered(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    spans = _spans(text)
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], MASK]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def register(secret: Secret | str) -> None:
    """Pin a secret's text in the process-wide registry until the process ends.

    Every `Secret` registers itself (weakly) when created; call this for a secret that
    arrives as a plain string, such as an SMTP password read from the environment, or to
    keep redacting a text after its `Secret` is gone.

    Example:
        >>> register("smtp-password-from-env")
    """
    text = secret.reveal() if isinstance(secret, Secret) else secret
    _pin(text)


@final
class Secret:
    """An immutable text that never shows itself unless asked with :meth:`reveal`.

    Equality is constant-time and only with another `Secret` (``Secret("x") == "x"`` is
    False, so a secret is never compared with plain text by accident). A `Secret` is not
    hashable: it cannot be a dict key or a set member. As a pydantic field it accepts a
    `str` or a `Secret`, and serializes to ``"***"`` in JSON mode.

    Example:
        >>> Secret("abc-123-xyz") == Secret("abc-123-xyz")
        True
        >>> "%s / %r" % (Secret("abc-123-xyz"), Secret("abc-123-xyz"))
        "*** / Secret('***')"
    """

    __slots__ = ("__weakref__", "_value")
    _value: str

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("A Secret holds text: pass a str.")
        object.__setattr__(self, "_value", value)
        if value:
            with _lock:
                _add(value)
            weakref.finalize(self, _release, value)

    def reveal(self) -> str:
        """Return the plain text. Each call pins the text for log redaction.

        Example:
            >>> Secret("pin-4711").reveal()
            'pin-4711'
        """
        _pin(self._value)
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        mine = self._value.encode("utf-8", "surrogatepass")
        theirs = other._value.encode("utf-8", "surrogatepass")
        return hmac.compare_digest(mine, theirs)

    __hash__ = None  # type: ignore[assignment]

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("A Secret is immutable: make a new one instead.")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("A Secret is immutable: make a new one instead.")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError(
            "A Secret cannot be pickled: store it in the vault (meetlink.credentials.Vault)."
        )

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Seal first, check second: an error raised by the second step reports the sealed
        # wrapper as its input, so the raw text never reaches ValidationError.errors().
        return core_schema.chain_schema(
            [
                core_schema.no_info_plain_validator_function(_Sealed),
                core_schema.no_info_plain_validator_function(_unseal),
            ],
            serialization=core_schema.plain_serializer_function_ser_schema(_mask, when_used="json"),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "password", "writeOnly": True}


@final
class _Sealed:
    """Raw input on its way to becoming a `Secret`; prints as a mask."""

    __slots__ = ("raw",)

    def __init__(self, raw: object) -> None:
        self.raw = raw

    def __repr__(self) -> str:
        return HIDDEN_INPUT


def _unseal(sealed: _Sealed) -> Secret:
    raw = sealed.raw
    if isinstance(raw, Secret):
        return raw
    if isinstance(raw, str):
        return Secret(raw)
    raise PydanticCustomError("secret_type", "A secret must be text; write it as a string.")


def _mask(value: Secret) -> str:
    return MASK


def _scrubbed(exc: _ValidationError) -> _ValidationError:
    """The same errors with every input hidden and registered secrets cut from messages."""
    details: list[InitErrorDetails] = []
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        message = mask_registered(err["msg"])
        # Braces would be read as template fields; the message is already formatted.
        template = message.replace("{", "(").replace("}", ")")
        details.append(
            {
                "type": PydanticCustomError(err["type"], template),
                "loc": err["loc"],
                "input": HIDDEN_INPUT,
            }
        )
    return _ValidationError.from_exception_data(exc.title, details, hide_input=True)


def _scrub_errors(data: Any, handler: core_schema.ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(data)
    except _ValidationError as exc:
        raise _scrubbed(exc) from None


class SecretModel(BaseModel):
    """Base of every pydantic model that holds a credential: its errors never echo input.

    Its validation is wrapped outermost (outside the subclass's own validators), and each
    error comes out with ``input == "<hidden>"``, no ``ctx``, and registered secrets cut
    from its message. Assigning to a field (frozen or validated) is scrubbed the same way.

    Example:
        >>> class Login(SecretModel):
        ...     user: str
        ...     password: Secret
        >>> try:
        ...     Login.model_validate({"password": "s3cret-s3cret"})
        ... except ValueError as e:
        ...     print(e.errors()[0]["input"])
        <hidden>
    """

    model_config = ConfigDict(hide_input_in_errors=True)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_wrap_validator_function(_scrub_errors, handler(source))

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except _ValidationError as exc:
            raise _scrubbed(exc) from None


def reveal_unpinned(secret: Secret) -> str:
    """The plain text of ``secret`` without pinning it for log redaction.

    Only for code that encrypts the text at once and lets it go (the vault): the text stays
    redacted while the `Secret` lives, and is not kept in the registry after it. Everything
    else calls :meth:`Secret.reveal`.
    """
    return secret._value
