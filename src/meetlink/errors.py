"""The whole exception tree of meetlink.

Every error meetlink raises is a :class:`MeetlinkError`; a platform SDK's own exception
never reaches the caller. The tree::

    MeetlinkError
    ├── InputError                  bad files or settings; exit code 2, nothing was done
    │   └── PlanningError           the input is well-formed but cannot be planned
    ├── RegistryError               adapter registry problems (LookupError)
    │   ├── AdapterNotFound         unknown name (lists the known ones) or missing extra
    │   └── DuplicateAdapter        a name registered twice without replace=True
    ├── AdapterError                a conference platform refused or failed
    │   ├── AuthError               credentials missing, expired or rejected (401)
    │   ├── PermissionDenied        authenticated but not allowed (403)
    │   ├── NotFound                the conference does not exist (404, 410)
    │   ├── Conflict                it exists already (409)
    │   ├── InvalidRequest          the platform rejected the request as malformed (400, 4xx)
    │   ├── QuotaExceeded           a daily quota is used up; retrying today will not help
    │   ├── RateLimited             too many requests; retry after ``retry_after`` seconds
    │   ├── TransientError          5xx, timeouts, dropped connections: safe to retry
    │   └── UnsupportedFeature      the adapter does not declare the needed capability
    ├── CredentialError             vault and hand-out problems
    │   ├── VaultKeyError           a missing or wrong vault key (never mixed in); exit code 2
    │   └── TamperedCredential      a stored credential fails authentication (moved, cut, edited)
    ├── DeliveryError               an invitation or hand-out could not be delivered
    │   └── RecipientRefused        the server refused some recipients permanently
    └── LedgerError                 the local state cannot be read or written
        └── LedgerBusy              another ``open`` of the same meeting holds the ledger

Errors carry their context as attributes, and their messages are sentences that say
what to do next. None of them ever holds a secret in its message or attributes.

Example:
    >>> from meetlink.errors import Problem, InputError
    >>> err = InputError([Problem("roster.csv", 3, "members", "Write a whole number ≥ 0.")])
    >>> print(err)
    roster.csv:3:members: Write a whole number ≥ 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "AdapterError",
    "AdapterNotFound",
    "AuthError",
    "Conflict",
    "CredentialError",
    "DeliveryError",
    "DuplicateAdapter",
    "InputError",
    "InvalidRequest",
    "LedgerBusy",
    "LedgerError",
    "MeetlinkError",
    "NotFound",
    "PermissionDenied",
    "PlanningError",
    "Problem",
    "QuotaExceeded",
    "RateLimited",
    "RecipientRefused",
    "RegistryError",
    "TamperedCredential",
    "TransientError",
    "UnsupportedFeature",
    "VaultKeyError",
]


class MeetlinkError(Exception):
    """Base of every meetlink error. ``retryable`` tells whether the same call may succeed later."""

    retryable: bool = False


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, located so a person can find it.

    ``where`` is the row (rosters: the row number a spreadsheet shows, header = 1) or the
    line (YAML), 0 when unknown; ``what`` is the column (rosters) or the key path (YAML).
    Rosters print as ``FILE:ROW:COLUMN: message``, YAML as ``FILE:LINE: key.path: message``.
    """

    file: str
    where: int
    what: str
    message: str
    yaml: bool = False

    def __str__(self) -> str:
        head = self.file if not self.where else f"{self.file}:{self.where}"
        if not self.what:
            return f"{head}: {self.message}"
        sep = ": " if self.yaml else ":"
        return f"{head}{sep}{self.what}: {self.message}"


class InputError(MeetlinkError, ValueError):
    """Bad input: every problem found, reported at once. Nothing was created, sent or written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid input")

    @classmethod
    def single(cls, file: str, message: str, *, where: int = 0, what: str = "") -> InputError:
        """Shortcut for an error with one problem."""
        return cls([Problem(file, where, what, message)])


class PlanningError(InputError):
    """The files are well-formed but the meeting cannot be planned as written."""


class RegistryError(MeetlinkError, LookupError):
    """Adapter registry problems."""


class AdapterNotFound(RegistryError):
    """No adapter is registered under the name, or its optional extra is not installed."""

    def __init__(self, message: str, *, name: str, known: Sequence[str] = ()) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(message)


class DuplicateAdapter(RegistryError):
    """An adapter name was registered twice without ``replace=True``."""


class AdapterError(MeetlinkError):
    """A conference platform refused or failed a call.

    ``adapter`` names the platform, ``status`` is the HTTP status (or None), ``reason`` the
    platform's machine-readable reason (Google's ``errors[0].reason``), when known.
    """

    def __init__(
        self,
        message: str,
        *,
        adapter: str = "",
        status: int | None = None,
        reason: str = "",
    ) -> None:
        self.adapter = adapter
        self.status = status
        self.reason = reason
        super().__init__(message)


class AuthError(AdapterError):
    """The platform did not accept meetlink's credentials."""


class PermissionDenied(AdapterError):
    """The account is known but not allowed to do this."""


class NotFound(AdapterError):
    """The conference or calendar does not exist (or no longer does)."""


class Conflict(AdapterError):
    """The resource already exists (for an idempotent insert: it was created before)."""


class InvalidRequest(AdapterError):
    """The platform rejected the request as malformed; fix the input, retrying will not help."""


class QuotaExceeded(AdapterError):
    """A daily or project quota is used up: retrying today will not help."""


class RateLimited(AdapterError):
    """Too many requests. Retry after ``retry_after`` seconds (None: back off exponentially)."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)  # type: ignore[arg-type]


class TransientError(AdapterError):
    """A server error, a timeout or a dropped connection: the same call may succeed later."""

    retryable = True


class UnsupportedFeature(AdapterError):
    """The adapter does not declare the capability this operation needs."""


class CredentialError(MeetlinkError):
    """Vault and hand-out problems."""


class VaultKeyError(CredentialError):
    """The vault key is missing, unreadable, or not the key the credentials were written with."""


class TamperedCredential(CredentialError):
    """A stored credential failed authentication: it was moved to another unit, cut or edited."""


class DeliveryError(MeetlinkError):
    """An invitation or a hand-out could not be delivered."""


class RecipientRefused(DeliveryError):
    """The mail server permanently refused some recipients; ``refused`` maps address → reply."""

    def __init__(self, message: str, *, refused: dict[str, str]) -> None:
        self.refused = dict(refused)
        super().__init__(message)


class LedgerError(MeetlinkError):
    """The local state cannot be read or written."""


class LedgerBusy(LedgerError):
    """Another ``meetlink open`` of the same meeting holds the ledger."""
