"""What adapters take and give: typed, frozen pydantic models, never raw platform dicts.

* :class:`ConferenceRequest`: one conference to make, built by the core from the plan;
* :class:`ConferenceInfo`: what the platform made (ids, link, status), kept in the ledger;
* :class:`PointAccess`: one bridge point's way in, its secrets held as ``Secret``;
* :class:`AttendanceEntry`: one participant's stay, as the platform recorded it.

Example:
    >>> access = PointAccess(point_id="X1", join_url="memory://q3/main/s1", login="X1",
    ...                      password="Xq-81-lpZ")
    >>> access.password
    Secret('***')
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from meetlink.credentials.secret import Secret, SecretModel
from meetlink.loading.meeting import DEFAULT_TIMEZONE, check_timezone
from meetlink.loading.roster import Email, Equipment

if TYPE_CHECKING:
    from meetlink.loading.occurrences import Occurrence
    from meetlink.planning import BridgePoint

__all__ = [
    "AttendanceEntry",
    "Attendee",
    "ConferenceInfo",
    "ConferenceRequest",
    "ConferenceStatus",
    "OccurrenceChange",
    "PointAccess",
    "PointRef",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Attendee(_Model):
    """Someone invited to a conference (an invitation recipient, not a bridge point)."""

    email: Email
    name: str = ""
    optional: bool = False


class PointRef(_Model):
    """The bridge point an access is for: enough for an adapter to name an endpoint."""

    id: str = Field(min_length=1)
    name: str
    host_unit: str
    equipment: Equipment = Equipment.COMPUTER

    @classmethod
    def of(cls, point: BridgePoint) -> PointRef:
        """The reference to a planned bridge point."""
        return cls(
            id=point.id, name=point.name, host_unit=point.host_unit, equipment=point.equipment
        )


class OccurrenceChange(_Model):
    """One occurrence of a recurring conference held otherwise: skipped (no ``start``) or
    moved (its new ``start`` and ``end``); ``original`` is the start the rule gives it."""

    original: AwareDatetime
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None

    @property
    def skipped(self) -> bool:
        return self.start is None

    @classmethod
    def of(cls, occurrences: Iterable[Occurrence]) -> tuple[OccurrenceChange, ...]:
        """The skipped and moved ones among a sitting's occurrences."""
        return tuple(
            cls(original=o.original)
            if o.status == "skipped"
            else cls(original=o.original, start=o.start, end=o.end)
            for o in occurrences
            if o.status in ("skipped", "moved")
        )


class ConferenceRequest(_Model):
    """One conference to create or change: a sitting of a track (shared), or of one point.

    ``key`` is unique within the meeting (``main/s1``, ``branches/oct/X1``) and is what
    makes :meth:`~meetlink.adapters.base.ConferenceAdapter.create` idempotent. ``start`` and
    ``end`` are None while the time is "announced later". ``send_invites`` asks the platform
    to send its own invitations (only with ``Capability.PLATFORM_INVITES``); ``arrive_by`` is
    when delegates are asked to be there (the meeting's arrive-early minutes before start).
    """

    key: str = Field(min_length=1, max_length=200)
    meeting_id: str = Field(min_length=1)
    track: str = Field(min_length=1)
    sitting: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    timezone: str = DEFAULT_TIMEZONE
    recurrence: str | None = None
    location: str | None = None
    organizer_email: Email
    attendees: tuple[Attendee, ...] = ()
    bridge_points: tuple[PointRef, ...] = ()
    send_invites: bool = False
    arrive_by: AwareDatetime | None = None
    # Left out when empty: the content hash of every other conference stays as it was
    # (``exclude_if`` keeps the dump in pydantic-core: a wrap serializer built every point's
    # dict in Python, issue 19).
    exceptions: tuple[OccurrenceChange, ...] = Field(default=(), exclude_if=lambda v: not v)
    """A recurring conference's skipped and moved occurrences (the series stays as is)."""

    @field_validator("timezone")
    @classmethod
    def _iana_zone(cls, value: str) -> str:
        return check_timezone(value)

    @model_validator(mode="after")
    def _times_in_order(self) -> Self:
        if self.end is not None and self.start is None:
            raise ValueError("an end without a start: give both times, or neither.")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("the end must come after the start.")
        return self

    @property
    def scheduled(self) -> bool:
        """Whether the time is known."""
        return self.start is not None

    @functools.cached_property
    def _points(self) -> dict[str, PointRef]:
        return {point.id: point for point in self.bridge_points}

    def has_point(self, point_id: str) -> bool:
        """Whether the bridge point ``point_id`` is in this conference."""
        return point_id in self._points

    def point(self, point_id: str) -> PointRef:
        """The bridge point of this request with id ``point_id`` (KeyError if absent)."""
        return self._points[point_id]


class ConferenceStatus(StrEnum):
    """``ready``: people can join; ``pending``: the platform is still making it."""

    READY = "ready"
    PENDING = "pending"
    CANCELLED = "cancelled"


class ConferenceInfo(_Model):
    """What the platform made for a request; stored in the ledger, so nothing secret.

    ``title``, ``start`` and ``end`` are what the platform holds now, when it tells (None
    when it does not); ``extra`` holds other non-secret details as text.
    """

    key: str = Field(min_length=1)
    external_id: str = Field(min_length=1)
    join_url: str = ""
    meeting_code: str | None = None
    status: ConferenceStatus = ConferenceStatus.READY
    title: str | None = None
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    extra: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ready_has_link(self) -> Self:
        if self.status == ConferenceStatus.READY and not self.join_url:
            raise ValueError("a ready conference needs a join_url; report it as pending.")
        return self


class PointAccess(SecretModel):
    """One bridge point's way into a conference, as handed to its technical officer.

    ``password``, ``pin`` and ``token`` are ``Secret``: masked when printed or dumped to
    JSON, revealed only by ``.reveal()``. ``room``/``server`` name a hardware endpoint's
    target; ``expires_at`` is when the access stops working, if it does.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    point_id: str = Field(min_length=1)
    join_url: str = Field(min_length=1)
    login: str | None = None
    password: Secret | None = None
    pin: Secret | None = None
    token: Secret | None = None
    room: str | None = None
    server: str | None = None
    expires_at: AwareDatetime | None = None

    @property
    def has_secret(self) -> bool:
        """Whether any part of this access must go to the technical officer alone."""
        return any(s is not None for s in (self.password, self.pin, self.token))


class AttendanceEntry(_Model):
    """One participant's stay in a conference, as the platform recorded it."""

    display_name: str
    joined_at: AwareDatetime
    left_at: AwareDatetime | None = None
    point_id: str | None = None
    email: str | None = None
    """The signed-in account's address, when the platform gives it (matched to officers)."""

    @property
    def minutes(self) -> float | None:
        """How long they stayed, or None while still there."""
        if self.left_at is None:
            return None
        return (self.left_at - self.joined_at).total_seconds() / 60
