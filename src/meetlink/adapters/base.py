"""The adapter contract: what every conference platform does for meetlink.

An adapter subclasses :class:`ConferenceAdapter`, declares its settings and capabilities, and
works on the typed models of :mod:`meetlink.adapters.models`, never on raw platform dicts.
The core checks ``capabilities`` before asking for an optional feature. Every failure leaves
an adapter as an :class:`~meetlink.errors.AdapterError`; HTTP adapters map a status to one
in one place, :func:`map_http_error`.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import ConfigDict

from meetlink.adapters.http_errors import map_http_error, parse_retry_after
from meetlink.adapters.models import (
    AttendanceEntry,
    ConferenceInfo,
    ConferenceRequest,
    PointAccess,
    PointRef,
)
from meetlink.credentials.secret import SecretModel
from meetlink.errors import (
    AdapterError,
    UnsupportedFeature,
)

__all__ = [
    "HOST_PATTERN",
    "AdapterSettings",
    "Capability",
    "ConferenceAdapter",
    "CredentialScope",
    "Quota",
    "map_http_error",
    "parse_retry_after",
]


HOST_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$"
"""A server's host name, a port allowed, no scheme or path: ``mcu.vnpt.example:5061``."""


class Capability(StrEnum):
    """What an adapter can do beyond the bare contract; declared in ``capabilities``."""

    CREATE = "create"
    UPDATE = "update"
    CANCEL = "cancel"
    ACCESS_LINK = "access_link"
    ACCESS_LOGIN = "access_login"
    ACCESS_PIN = "access_pin"
    ACCESS_TOKEN = "access_token"  # noqa: S105 (a name) # nosec B105
    ATTENDANCE = "attendance"
    PLATFORM_INVITES = "platform_invites"
    BATCH = "batch"

    @property
    def description(self) -> str:
        """What the capability lets an adapter do, as a verb phrase."""
        return _DESCRIPTIONS[self]


@dataclass(frozen=True)
class Quota:
    """A platform's rate quota for one family of methods, in calls a minute.

    Counted per call, a call inside a batch included: ``per_user`` for each organizer
    account, ``per_project`` for all of them together (None: no such limit).

    Example:
        >>> Quota("meet.write", per_user=100, per_project=1000).per_user
        100
    """

    family: str
    per_user: int
    per_project: int | None = None


_DESCRIPTIONS = {
    Capability.CREATE: "create conferences",
    Capability.UPDATE: "change a conference after it is created",
    Capability.CANCEL: "cancel conferences",
    Capability.ACCESS_LINK: "give each bridge point a join link",
    Capability.ACCESS_LOGIN: "give each bridge point its own login and password",
    Capability.ACCESS_PIN: "give each bridge point a PIN",
    Capability.ACCESS_TOKEN: "give each unit its own access token",
    Capability.ATTENDANCE: "tell who attended",
    Capability.PLATFORM_INVITES: "send invitations itself",
    Capability.BATCH: "create many conferences in one request",
}


class CredentialScope(StrEnum):
    """How long a point's secret lives: one conference, or every conference of the track.

    ``conference``: each conference gives each point its own access (a token valid for one
    sitting, a room PIN). ``point``: the platform knows each bridge point by one account
    (a provider's login and password) that joins every conference of the track; the core
    then issues it once, hands the same login to every sitting, and asks the adapter to
    keep it (:meth:`ConferenceAdapter.keep_access`) until it is rotated or revoked.
    """

    CONFERENCE = "conference"
    POINT = "point"


_SECRETS = frozenset({Capability.ACCESS_LOGIN, Capability.ACCESS_PIN, Capability.ACCESS_TOKEN})
_OVERRIDES = {Capability.ATTENDANCE: "attendance", Capability.BATCH: "create_many"}


class AdapterSettings(SecretModel):
    """Base of an adapter's own settings (a track's ``settings:`` mapping).

    Frozen, unknown keys refused, and errors never echo the input (it is a
    :class:`~meetlink.credentials.secret.SecretModel`): declare credentials as ``Secret``.

    Example:
        >>> from meetlink.credentials.secret import Secret
        >>> class ZoomSettings(AdapterSettings):
        ...     account_id: str
        ...     client_secret: Secret
        >>> ZoomSettings(account_id="a1", client_secret="s3cr3t-zoom")
        ZoomSettings(account_id='a1', client_secret=Secret('***'))
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class ConferenceAdapter(abc.ABC):
    """One conference platform: creates, changes and cancels conferences, hands out access.

    A subclass sets ``name`` (a track's ``platform:``), ``settings_model``, ``capabilities``
    and ``requires_officer`` (True when it hands out secrets, which only a unit's technical
    officer may receive), implements the abstract methods, registers in the entry-point group
    ``meetlink.adapters`` and passes ``meetlink.testing.AdapterConformance``. Its methods
    raise :class:`~meetlink.errors.AdapterError` only (never an SDK's error), and no message
    or attribute holds a secret.

    ``http`` is an injected transport or session (tests pass a fake, no monkeypatching); an
    adapter that made its own closes it in :meth:`close`, an injected one is the caller's.

    Example:
        >>> from meetlink.adapters.memory import MemoryAdapter
        >>> from meetlink.adapters.models import ConferenceRequest
        >>> request = ConferenceRequest(key="main/s1", meeting_id="q3", track="main",
        ...     sitting="s1", title="Giờ sinh hoạt", organizer_email="vp@thiuy.example")
        >>> with MemoryAdapter() as adapter:
        ...     info = adapter.create(request)
        ...     adapter.create(request) == info
        True
        >>> info.join_url
        'memory://q3/main/s1'
    """

    name: ClassVar[str]
    settings_model: ClassVar[type[AdapterSettings]] = AdapterSettings
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    quotas: ClassVar[tuple[Quota, ...]] = ()  # the platform's rate quotas, per method family
    requires_officer: ClassVar[bool] = False
    credential_scope: ClassVar[CredentialScope] = CredentialScope.CONFERENCE
    capacity: ClassVar[int | None] = None  # participants one conference holds; None: no limit
    # Whether its calls wait on a server (an HTTP API): a run then makes a chunk's calls from
    # several threads. False for a platform kept on this machine (the memory platform, a room
    # book), whose calls threads would only slow down: they contend for one interpreter.
    calls_out: ClassVar[bool] = True

    def __init__(
        self,
        settings: AdapterSettings | Mapping[str, Any] | None = None,
        *,
        http: object | None = None,
    ) -> None:
        if isinstance(settings, AdapterSettings):
            if not isinstance(settings, self.settings_model):
                raise TypeError(
                    f"the '{self._name()}' adapter takes {self.settings_model.__name__}, "
                    f"not {type(settings).__name__}; pass its own settings or a mapping."
                )
            self.settings: AdapterSettings = settings
        else:
            self.settings = self.validate_settings(settings or {})
        self.http = http
        self.closed = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        caps = cls.capabilities
        if not isinstance(caps, frozenset) or not all(isinstance(c, Capability) for c in caps):
            raise TypeError(f"{cls.__name__}.capabilities must be a frozenset of Capability.")
        for cap, method in _OVERRIDES.items():
            if cap in caps and getattr(cls, method) is getattr(ConferenceAdapter, method):
                raise TypeError(
                    f"{cls.__name__} declares {cap.name} but does not override {method}()."
                )
        if cls.credential_scope == CredentialScope.POINT and (
            cls.keep_access is ConferenceAdapter.keep_access
        ):
            raise TypeError(
                f"{cls.__name__} gives each point one account (credential_scope POINT) but "
                "does not override keep_access()."
            )

    @classmethod
    def _name(cls) -> str:
        return getattr(cls, "name", cls.__name__)

    @classmethod
    def validate_settings(cls, raw: Mapping[str, Any]) -> AdapterSettings:
        """Validate a track's ``settings:`` early; pydantic's ``ValidationError`` (input
        hidden, secrets cut) lets the loader report each problem at its line."""
        return cls.settings_model.model_validate(dict(raw))

    @classmethod
    def capacity_for(cls, raw: Mapping[str, Any]) -> int | None:
        """The participants one conference holds with a track's raw ``settings:``: its
        ``capacity`` setting where the platform takes one (an edition, an MCU's ports), else
        the class's :attr:`capacity` (planning/tiers: a larger track is relayed in tiers).

        >>> from meetlink.adapters.jitsi import JitsiAdapter
        >>> JitsiAdapter.capacity_for({}), JitsiAdapter.capacity_for({"capacity": 250})
        (100, 250)
        """
        given = raw.get("capacity")
        if isinstance(given, int) and not isinstance(given, bool):
            return given
        return cls.capacity

    @classmethod
    def supports(cls, capability: Capability) -> bool:
        """Whether the adapter declares ``capability``."""
        return capability in cls.capabilities

    @classmethod
    def require(cls, capability: Capability) -> None:
        """Raise :class:`~meetlink.errors.UnsupportedFeature` unless ``capability`` is declared.

        Example:
            >>> from meetlink.adapters.memory import MemoryAdapter
            >>> try:
            ...     MemoryAdapter.require(Capability.BATCH)
            ... except UnsupportedFeature as exc:
            ...     print(exc.adapter, exc.reason)
            memory batch
        """
        if capability not in cls.capabilities:
            raise UnsupportedFeature(
                f"the '{cls._name()}' adapter cannot {capability.description} (capability "
                f"'{capability}'); choose a platform that can for this track, or turn that "
                "feature off in the meeting file.",
                adapter=cls._name(),
                reason=str(capability),
            )

    @classmethod
    def http_error(
        cls, status: int, reason: str = "", message: str = "", retry_after: float | None = None
    ) -> AdapterError:
        """:func:`map_http_error` with this adapter's name: the adapter's one error table."""
        return map_http_error(cls._name(), status, reason, message, retry_after)

    @classmethod
    def hands_out_secrets(cls) -> bool:
        """Whether any declared access capability gives a unit a secret to guard.

        Ask the instance (``adapter.hands_out_secrets()``): an adapter's settings may make
        it another class with more capabilities (Jitsi with tokens).
        """
        return bool(cls.capabilities & _SECRETS)

    def needs_officer(self) -> bool:
        """Whether every host unit needs a technical officer with an e-mail address (checked
        on the instance, before anything is done)."""
        return self.requires_officer or self.hands_out_secrets()

    def prepare(self, points: Sequence[PointRef]) -> None:  # noqa: B027 - optional hook
        """Check the platform's own data against every planned point of the track, before
        anything is created or sent (a provider's account sheet, say).

        Raise :class:`~meetlink.errors.InputError` with every problem. The default checks
        nothing.
        """

    @abc.abstractmethod
    def create(self, request: ConferenceRequest) -> ConferenceInfo:
        """Create the conference for ``request`` and return what the platform made.

        Idempotent per ``request.key``: a second call (after a crash, a timeout, a rerun)
        returns the same conference, never a second one. A key cancelled earlier is brought
        back to life. A request without a time (``start is None``) either makes an
        unscheduled room or raises :class:`~meetlink.errors.InvalidRequest` saying so.
        """

    @abc.abstractmethod
    def update(self, request: ConferenceRequest, info: ConferenceInfo) -> ConferenceInfo:
        """Bring the conference ``info`` in line with ``request`` (title, time, attendees).

        Keeps ``external_id`` and, where the platform allows, ``join_url``. Raises
        :class:`~meetlink.errors.NotFound` when it is gone, and ``UnsupportedFeature``
        without :attr:`Capability.UPDATE`.
        """

    @abc.abstractmethod
    def cancel(self, request: ConferenceRequest, info: ConferenceInfo) -> None:
        """Cancel the conference. Idempotent: a cancelled or missing one is not an error."""

    @abc.abstractmethod
    def find(self, request: ConferenceRequest) -> ConferenceInfo | None:
        """Look the conference up by ``request.key``; None when it was never created.

        This is how the reconciler settles an effect whose outcome is unknown. A cancelled
        conference comes back with status ``cancelled`` (or as None, if the platform forgets).
        """

    @abc.abstractmethod
    def issue_access(
        self, request: ConferenceRequest, info: ConferenceInfo, point: PointRef
    ) -> PointAccess:
        """Give one bridge point of ``request`` its way into the conference.

        Always a ``join_url``; ``login``/``password``, ``pin`` and ``token`` only where the
        matching capability is declared, secrets as ``Secret``. Asking again returns valid
        access (the same, or new access replacing the old): the caller keeps the last answer.
        A point that is not in ``request.bridge_points`` gets
        :class:`~meetlink.errors.InvalidRequest`, never a way in.
        """

    def keep_access(
        self,
        request: ConferenceRequest,
        info: ConferenceInfo,
        point: PointRef,
        current: PointAccess,
    ) -> PointAccess:
        """The point's access to this conference with the secrets it already holds.

        Only for ``credential_scope = POINT``, where one account joins every conference:
        ``current`` is what the vault holds and the officer was sent. Return access whose
        login, password and PIN equal ``current``'s, and make sure the platform accepts them
        (re-export the account if the provider's copy lacks it). Return other secrets only
        when the platform itself changed them (a provider's new sheet): the core then treats
        it as a rotation and hands the new ones out.
        """
        raise UnsupportedFeature(
            f"the '{self._name()}' adapter gives access per conference and cannot keep a "
            "point's account across conferences.",
            adapter=self._name(),
            reason="keep_access",
        )

    def rotate_access(
        self,
        request: ConferenceRequest,
        info: ConferenceInfo,
        point: PointRef,
        current: PointAccess | None,
    ) -> PointAccess:
        """New secrets for the point; the old ones stop working where the platform can do it.

        Also how a revoked account is issued again on request. The default issues new
        access (:meth:`issue_access`); access that cannot be withdrawn (a signed token)
        lasts until it expires.
        """
        return self.issue_access(request, info, point)

    def revoke_access(self, request: ConferenceRequest, point: PointRef) -> str | None:
        """Stop one point's access (after the meeting, or a unit withdrawn).

        Return the account listed for the platform to disable, or None when there is
        nothing to disable on the platform's side (the core forgets the secret anyway).
        """
        return None

    def create_many(
        self, requests: Sequence[ConferenceRequest]
    ) -> list[ConferenceInfo | AdapterError]:
        """Create several conferences; one result per request, in order.

        A failed request gives its :class:`~meetlink.errors.AdapterError` in its place and
        the others go on. This default calls :meth:`create` in turn; adapters with
        :attr:`Capability.BATCH` send them in fewer requests.
        """
        results: list[ConferenceInfo | AdapterError] = []
        for request in requests:
            try:
                results.append(self.create(request))
            except AdapterError as exc:
                results.append(exc)
        return results

    def attendance(self, request: ConferenceRequest, info: ConferenceInfo) -> list[AttendanceEntry]:
        """Who joined the conference and when; ``point_id`` is matched later by the report.

        Raises ``UnsupportedFeature`` unless the adapter declares
        :attr:`Capability.ATTENDANCE` (and then overrides this method).
        """
        self.require(Capability.ATTENDANCE)
        raise NotImplementedError  # pragma: no cover - __init_subclass__ forbids this

    def deferring(self) -> contextlib.AbstractContextManager[None]:
        """While the core carries out a chunk of points: the adapter may keep what it
        writes to local files (a provider's export, a room book) for :meth:`sync`, instead
        of making each write durable at once. Default: nothing is kept."""
        return contextlib.nullcontext()

    def sync(self) -> None:  # noqa: B027 - a hook: most adapters keep nothing
        """Make durable what :meth:`deferring` kept; the core calls it before it commits
        the outcomes of a chunk. Default: nothing to do."""

    def close(self) -> None:
        """Release what the adapter opened itself; twice is harmless. Overrides call
        ``super().close()``, which sets ``closed``."""
        self.closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name()!r}>"
