"""The ``jitsi`` platform: public unguessable rooms (no account), or self-hosted with tokens.

**Public rooms** (no ``app_id``; the zero-configuration default) on ``meet.jit.si`` or
``server:``, named by a readable prefix from the meeting and 128 random bits (base32). The
link is the key: access is link-only, no technical officer needed.

**Tokens** (``app_id``/``app_secret`` of a self-hosted server): every bridge point gets an
HS256 JWT in Jitsi's format (``aud``, ``iss`` = app id, ``sub`` = domain, ``room``, ``nbf`` =
start − ``early_minutes``, ``exp`` = end + ``token_margin_minutes``, ``context.user`` = the
point), so a leaked link names its unit and dies after the sitting. ``JitsiAdapter(settings)``
then makes a :class:`JitsiTokenAdapter`; :func:`signed_link` builds the officer's link.

Jitsi has no room API: rooms are bookkeeping in a :class:`RoomBook` (``<state_dir>/jitsi.json``,
memory when unset), shared with the ``provisioned`` adapter. Room names are random and
recorded rather than derived from a secret salt: the book is needed for cancellations anyway,
and a leaked book gives away its rooms, never every future one.

Example:
    >>> from meetlink.adapters.models import ConferenceRequest, PointRef
    >>> request = ConferenceRequest(key="main/s1", meeting_id="myhao-2023q3", track="main",
    ...     sitting="s1", title="Giờ sinh hoạt", organizer_email="vp@thiuy.example",
    ...     bridge_points=(PointRef(id="X1", name="Đảng ủy xã", host_unit="X1"),))
    >>> adapter = JitsiAdapter()
    >>> info = adapter.create(request)
    >>> info.join_url.startswith("https://meet.jit.si/myhao2023q3-"), len(info.external_id)
    (True, 38)
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Self
from urllib.parse import quote

from pydantic import Field, field_validator, model_validator

from meetlink.adapters.base import HOST_PATTERN, AdapterSettings, Capability, ConferenceAdapter
from meetlink.adapters.models import ConferenceInfo, ConferenceRequest, PointAccess, PointRef
from meetlink.adapters.rooms import RoomBook, point_in_request
from meetlink.credentials.secret import Secret
from meetlink.errors import AdapterNotFound, InvalidRequest

if sys.platform != "win32":
    pass

__all__ = [
    "PUBLIC_SERVER",
    "JitsiAdapter",
    "JitsiSettings",
    "JitsiTokenAdapter",
    "signed_link",
]

PUBLIC_SERVER = "meet.jit.si"
ROOM_BITS = 128
MIN_SECRET_LENGTH = 32  # HS256 wants a key as long as its hash (RFC 7518 §3.2)


class JitsiSettings(AdapterSettings):
    """Settings of the ``jitsi`` platform (a track's ``settings:``); all optional.

    ``app_id`` with ``app_secret`` (as in the server's Prosody) turn tokens on; a token is
    valid from ``early_minutes`` before the sitting to ``token_margin_minutes`` after it.
    ``app_secret_env`` names an environment variable holding the secret instead, so the
    meeting file need not contain it (like SMTP's ``password_env``).
    ``room_prefix`` defaults to the meeting id; ``state_dir`` keeps rooms across runs.

    Example:
        >>> JitsiSettings().server, JitsiSettings().app_id
        ('meet.jit.si', None)
    """

    server: str = PUBLIC_SERVER
    app_id: Annotated[str, Field(min_length=1)] | None = None
    app_secret: Secret | None = None
    app_secret_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] | None = None
    audience: Annotated[str, Field(min_length=1)] = "jitsi"
    token_margin_minutes: int = Field(default=60, ge=0, le=24 * 60)
    early_minutes: int = Field(default=30, ge=0, le=24 * 60)
    room_prefix: Annotated[str, Field(pattern=r"^[a-z0-9]{0,24}$")] | None = None
    state_dir: Path | None = None

    @field_validator("server", mode="before")
    @classmethod
    def _a_host_name(cls, value: Any) -> Any:
        if not isinstance(value, str) or not re.fullmatch(HOST_PATTERN, value.strip()):
            raise ValueError(
                "`server` is the host name of the Jitsi server the rooms are on, such as "
                f"{PUBLIC_SERVER} or meet.example.org (a port may follow: "
                "meet.example.org:8443), without https:// or a path; correct it, or leave it "
                f"out for {PUBLIC_SERVER}."
            )
        return value.strip()

    @model_validator(mode="before")
    @classmethod
    def _secret_from_the_environment(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("app_secret_env"):
            return data
        if data.get("app_secret") is not None:
            raise ValueError("give `app_secret` or `app_secret_env`, not both.")
        name = str(data["app_secret_env"])
        value = os.environ.get(name)
        if not value:
            raise ValueError(
                f"the environment variable {name} (app_secret_env) is not set; export the "
                "Jitsi app secret in it before running meetlink."
            )
        return {**data, "app_secret": value}

    @model_validator(mode="after")
    def _tokens_need_id_secret_and_own_server(self) -> Self:
        if (self.app_id is None) != (self.app_secret is None):
            raise ValueError("give both `app_id` and `app_secret` (tokens), or neither (public).")
        if self.app_secret is not None and len(self.app_secret.reveal()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"the app_secret is shorter than {MIN_SECRET_LENGTH} characters, too weak to "
                "sign tokens; generate a longer one (`openssl rand -hex 32`) for the server."
            )
        if self.app_id is not None and self.server == PUBLIC_SERVER:
            raise ValueError(
                f"{PUBLIC_SERVER} does not accept meetlink's tokens; set `server:` to your own "
                "Jitsi domain, or drop app_id and app_secret for public rooms."
            )
        return self


class JitsiAdapter(ConferenceAdapter):
    """Jitsi rooms, public and link-only; with ``app_id`` set it makes a :class:`JitsiTokenAdapter`.

    Read capabilities and ``requires_officer`` from the instance: they follow the settings.
    ``http`` may be a :class:`RoomBook` shared between adapters (tests).
    """

    name = "jitsi"
    calls_out = False  # rooms are named (and tokens signed) on this machine
    settings_model = JitsiSettings
    capabilities = frozenset(
        {Capability.CREATE, Capability.UPDATE, Capability.CANCEL, Capability.ACCESS_LINK}
    )
    requires_officer = False
    capacity = 100  # a room is practical up to about 100 participants
    settings: JitsiSettings

    def __new__(
        cls, settings: AdapterSettings | Mapping[str, Any] | None = None, *, http: object = None
    ) -> JitsiAdapter:
        raw = settings.model_dump() if isinstance(settings, AdapterSettings) else settings or {}
        target = JitsiTokenAdapter if cls is JitsiAdapter and raw.get("app_id") else cls
        return object.__new__(target)

    def __init__(
        self, settings: AdapterSettings | Mapping[str, Any] | None = None, *, http: object = None
    ) -> None:
        super().__init__(settings, http=http)
        self.book = RoomBook.for_adapter(self.name, self.settings.state_dir, http)

    def create(self, request: ConferenceRequest) -> ConferenceInfo:
        return self.book.create(request, lambda: self._new_room(request))

    def update(self, request: ConferenceRequest, info: ConferenceInfo) -> ConferenceInfo:
        return self.book.update(request, info)

    def cancel(self, request: ConferenceRequest, info: ConferenceInfo) -> None:
        self.book.cancel(request)

    def find(self, request: ConferenceRequest) -> ConferenceInfo | None:
        return self.book.find(request)

    def issue_access(
        self, request: ConferenceRequest, info: ConferenceInfo, point: PointRef
    ) -> PointAccess:
        point = point_in_request(request, point, self.name)
        room = self._live_room(request, info)
        return PointAccess(
            point_id=point.id, join_url=self._url(room), room=room, server=self.settings.server
        )

    def _live_room(self, request: ConferenceRequest, info: ConferenceInfo) -> str:
        with self.book.edit(save=False) as data:
            return str(self.book.live(data, request, info)["room"])

    def _new_room(self, request: ConferenceRequest) -> tuple[str, str]:
        prefix = self.settings.room_prefix
        if prefix is None:
            prefix = re.sub(r"[^a-z0-9]+", "", request.meeting_id.lower())[:24]
        # Jitsi lowercases room names: base32 in lower case loses nothing.
        random = base64.b32encode(secrets.token_bytes(ROOM_BITS // 8)).decode().rstrip("=")
        room = f"{prefix}-{random.lower()}" if prefix else random.lower()
        return room, self._url(room)

    def _url(self, room: str) -> str:
        return f"https://{self.settings.server}/{room}"


class JitsiTokenAdapter(JitsiAdapter):
    """Self-hosted Jitsi with token authentication: a signed JWT per bridge point.

    Example:
        >>> adapter = JitsiAdapter({"server": "meet.example.org", "app_id": "meetlink",
        ...                         "app_secret": "s" * 32})
        >>> type(adapter).__name__, adapter.requires_officer
        ('JitsiTokenAdapter', True)
    """

    capabilities = JitsiAdapter.capabilities | {Capability.ACCESS_TOKEN}
    requires_officer = True

    def __init__(
        self, settings: AdapterSettings | Mapping[str, Any] | None = None, *, http: object = None
    ) -> None:
        super().__init__(settings, http=http)
        if self.settings.app_secret is None:
            raise TypeError("a JitsiTokenAdapter needs app_id and app_secret in its settings.")
        self._secret = self.settings.app_secret
        try:
            import jwt  # noqa: F401 - checked now, so a missing extra fails before any effect
        except ImportError:  # pragma: no cover - depends on the extra
            hint = "which is not installed; run `pip install meetlink[jitsi]`."
            raise AdapterNotFound(
                f"Jitsi tokens need the module 'jwt', {hint}", name="jitsi"
            ) from None

    def issue_access(
        self, request: ConferenceRequest, info: ConferenceInfo, point: PointRef
    ) -> PointAccess:
        """The room's link and the point's own token, valid around the sitting only."""
        import jwt

        point = point_in_request(request, point, self.name)
        if request.start is None or request.end is None:
            raise InvalidRequest(
                f"the conference '{request.key}' has no start and end yet, and a token must "
                "expire; issue access once the time is announced (run `meetlink open` again).",
                adapter=self.name,
            )
        room = self._live_room(request, info)
        # Valid from the earlier of "arrive by" (the meeting's arrive-early time) and the
        # adapter's own margin, so the officer can test the line before people arrive.
        early = request.start - timedelta(minutes=self.settings.early_minutes)
        if request.arrive_by is not None:
            early = min(early, request.arrive_by)
        expires = request.end + timedelta(minutes=self.settings.token_margin_minutes)
        claims = {
            "aud": self.settings.audience,
            "iss": self.settings.app_id,
            "sub": self.settings.server.split(":")[0],
            "room": room,
            "nbf": int(early.timestamp()),
            "exp": int(expires.timestamp()),
            "context": {"user": {"id": point.id, "name": point.name}},
            # Each issue is a token of its own: a rotation gives a new one (the old one still
            # works until it expires; a signed token cannot be withdrawn).
            "jti": secrets.token_urlsafe(12),
        }
        token = jwt.encode(claims, self._secret.reveal(), algorithm="HS256")
        return PointAccess(
            point_id=point.id,
            join_url=self._url(room),
            token=Secret(token),
            room=room,
            server=self.settings.server,
            expires_at=expires,
        )


def signed_link(access: PointAccess) -> Secret:
    """The link with the point's token, ``JOIN_URL?jwt=TOKEN``: for its officer alone.

    ``join_url`` never holds the token: it is printed, logged and kept in the ledger.

    Example:
        >>> access = PointAccess(point_id="X1", join_url="https://meet.example.org/r",
        ...                      token="eyJ.x.y")
        >>> signed_link(access), signed_link(access).reveal()
        (Secret('***'), 'https://meet.example.org/r?jwt=eyJ.x.y')
    """
    if access.token is None:
        return Secret(access.join_url)
    return Secret(f"{access.join_url}?jwt={quote(access.token.reveal(), safe='.-_')}")
