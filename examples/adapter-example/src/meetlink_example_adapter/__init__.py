"""An example meetlink adapter: every conference is a fixed room on a server you run.

Some offices have a few permanent rooms on their own video server (a Jitsi, a BigBlueButton,
a hardware MCU) and want each sitting to use one of them. This adapter maps each conference
key (``track/sitting``, or ``track/sitting/point`` for per-point conferences) to a room::

    platform: static-rooms
    settings:
      server: phonghop.example.org
      rooms: {toan-dang-bo/q3: hoi-truong-tang-3}

Keys that are not listed get a room named after the key, unless ``derive_missing`` is false.
The rooms exist already, so "creating" a conference only records it. The record is kept in
memory: because a room follows from its key, a new process makes the very same room again.

Example:
    >>> from meetlink.testing.conformance import sample_request
    >>> adapter = StaticRoomsAdapter({"server": "phonghop.example.org",
    ...                               "rooms": {"main/s1": "hoi-truong"}})
    >>> adapter.create(sample_request(key="main/s1")).join_url
    'https://phonghop.example.org/hoi-truong'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from meetlink.adapters import (
    AdapterSettings,
    Capability,
    ConferenceAdapter,
    ConferenceInfo,
    ConferenceRequest,
    ConferenceStatus,
    PointAccess,
    PointRef,
)
from meetlink.errors import InvalidRequest
from pydantic import Field

__all__ = ["StaticRoomsAdapter", "StaticRoomsSettings"]

_ROOM = r"^[a-z0-9][a-z0-9-]{0,62}$"


class StaticRoomsSettings(AdapterSettings):
    """A track's ``settings:`` for ``platform: static-rooms``.

    ``server`` is the host name of your video server. ``rooms`` maps a conference key to a
    room name. With ``derive_missing`` (the default) an unlisted key gets a room named after
    it; without it, an unlisted key is an error.
    """

    server: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]*(:\d{1,5})?$")]
    rooms: dict[str, Annotated[str, Field(pattern=_ROOM)]] = Field(default_factory=dict)
    derive_missing: bool = True


class StaticRoomsAdapter(ConferenceAdapter):
    """Fixed rooms on one server; everyone joins by the room's link (no secret)."""

    name = "static-rooms"
    settings_model = StaticRoomsSettings
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.CREATE, Capability.UPDATE, Capability.CANCEL, Capability.ACCESS_LINK}
    )
    requires_officer = False  # a link is not a secret: no technical officer needed
    settings: StaticRoomsSettings

    def __init__(
        self,
        settings: AdapterSettings | Mapping[str, Any] | None = None,
        *,
        http: object = None,
    ) -> None:
        super().__init__(settings, http=http)
        self._made: dict[tuple[str, str], ConferenceInfo] = {}

    def create(self, request: ConferenceRequest) -> ConferenceInfo:
        info = self._info(request, ConferenceStatus.READY)
        self._made[(request.meeting_id, request.key)] = info  # a cancelled key comes back
        return info

    def update(self, request: ConferenceRequest, info: ConferenceInfo) -> ConferenceInfo:
        found = self._made.get((request.meeting_id, request.key))
        if found is not None and found.status == ConferenceStatus.CANCELLED:
            raise self.http_error(410, message=f"the conference '{request.key}' was cancelled")
        return self.create(request)  # the room stays; only the title and time change

    def cancel(self, request: ConferenceRequest, info: ConferenceInfo) -> None:
        found = self._made.get((request.meeting_id, request.key))
        if found is not None:
            cancelled = found.model_copy(update={"status": ConferenceStatus.CANCELLED})
            self._made[(request.meeting_id, request.key)] = cancelled

    def find(self, request: ConferenceRequest) -> ConferenceInfo | None:
        return self._made.get((request.meeting_id, request.key))

    def issue_access(
        self, request: ConferenceRequest, info: ConferenceInfo, point: PointRef
    ) -> PointAccess:
        if point.id not in {p.id for p in request.bridge_points}:
            raise InvalidRequest(
                f"the bridge point '{point.id}' is not part of the conference '{request.key}'; "
                "issue access only to the points the plan puts in it.",
                adapter=self.name,
            )
        # The point's code in the link names the hall in the participant list.
        return PointAccess(
            point_id=point.id, join_url=f"{info.join_url}?point={quote(point.id, safe='')}"
        )

    def _info(self, request: ConferenceRequest, status: ConferenceStatus) -> ConferenceInfo:
        room = self._room(request.key)
        return ConferenceInfo(
            key=request.key,
            external_id=room,
            join_url=f"https://{self.settings.server}/{room}",
            status=status,
            title=request.title,
            start=request.start,
            end=request.end,
        )

    def _room(self, key: str) -> str:
        room = self.settings.rooms.get(key)
        if room is not None:
            return room
        if not self.settings.derive_missing:
            raise InvalidRequest(
                f"no room is set for the conference '{key}'; add it under `rooms:` in the "
                "track's settings (or set derive_missing: true), then run the command again.",
                adapter=self.name,
            )
        return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")[:63] or "room"
