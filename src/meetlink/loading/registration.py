"""The meeting file's ``registration:`` section: forms sent out, returned by a deadline.

Two layouts, one for each seed that registers before a meeting:

* ``online_meetings`` (seed 004, Hướng dẫn 03-HD/TW; Vietnamese ``sinh hoạt trực tuyến``):
  section I "Sinh hoạt trực tuyến" (organization, members, where it works, branches, whether
  its IT infrastructure qualifies) and section II "Sinh hoạt tổ đảng" (the party cells of a
  branch of 50 or more members);
* ``points`` (seed 001; ``điểm cầu``): the points a district opens down to its communes, with
  their connecting units, delegates, chair and technical officer.

``organizations`` is the list of organizations asked to register (a roster file: the forms
are pre-filled from it, reminders go to its addresses). ``required`` says who must return a
form (by kind or id; nobody listed means every organization of the list). ``deadline`` is read
in the meeting's time zone. ``register_file`` is the file name of the register kept in the state
folder. The roster the committee's decisions produce is the meeting's own ``roster:`` file
(see ``docs/guides/registration.md``).

Example:
    >>> r = Registration.model_validate(
    ...     {"layout": "sinh hoạt trực tuyến", "organizations": "to-chuc.csv",
    ...      "deadline": "2023-04-10T17:00"}, context={"timezone": "Asia/Ho_Chi_Minh"})
    >>> r.layout.value, r.deadline.isoformat(), r.register_file
    ('online_meetings', '2023-04-10T17:00:00+07:00', 'registration.json')
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from meetlink.loading.notice import Signer
from meetlink.loading.roster import UnitKind
from meetlink.text import fold, nfc

__all__ = ["Letter", "Registration", "RegistrationLayout", "RequiredUnits"]

_Text = Annotated[str, AfterValidator(nfc)]
_DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegistrationLayout(StrEnum):
    """The form's layout: seed 004's sections I and II, or seed 001's points."""

    ONLINE_MEETINGS = "online_meetings"
    POINTS = "points"


_LAYOUT_WORDS = {
    "sinh hoat truc tuyen": "online_meetings",
    "seed004": "online_meetings",
    "diem cau": "points",
    "seed001": "points",
}


class RequiredUnits(_Model):
    """Who must return a form: organizations of these kinds, and these ids."""

    kinds: tuple[UnitKind, ...] = ()
    ids: tuple[str, ...] = ()


class Letter(_Model):
    """The official letter (công văn) the form goes with, in the Party's document form.

    ``number`` follows "Số" (``828-CV/ĐUK``); ``subject`` is the "V/v" line; ``addressee``
    follows "Kính gửi"; ``body`` is its paragraphs (the deadline sentence is added).
    """

    number: _Text = ""
    issuers: tuple[_Text, ...] = ()
    place: _Text = ""
    date: dt.date | None = None
    subject: _Text = "đăng ký sinh hoạt trực tuyến"
    addressee: _Text = "Các chi, đảng bộ cơ sở"
    body: tuple[_Text, ...] = ()
    signer: Signer = Signer()
    recipients: tuple[_Text, ...] = ()
    list_title: _Text = "Đăng ký tổ chức sinh hoạt đảng trực tuyến"


class Registration(_Model):
    """The ``registration:`` section of the meeting file (see the module's docstring)."""

    layout: RegistrationLayout = RegistrationLayout.ONLINE_MEETINGS
    organizations: Path
    deadline: dt.datetime
    required: RequiredUnits = RequiredUnits()
    register_file: str = Field(default="registration.json", pattern=r"^[A-Za-z0-9][\w.-]{0,99}$")
    letter: Letter = Letter()

    @field_validator("layout", mode="before")
    @classmethod
    def _layout_words(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _LAYOUT_WORDS.get(fold(value), value.strip())
        return value

    @field_validator("deadline", mode="before")
    @classmethod
    def _in_meeting_zone(cls, value: Any, info: ValidationInfo) -> Any:
        zone_name = (info.context or {}).get("timezone", _DEFAULT_ZONE)
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo(_DEFAULT_ZONE)  # the zone's own error is reported at `timezone`
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(
                    f"'{value}' is not a date and time; write it as 2023-04-10T17:00."
                ) from None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            raise ValueError(f"{value} has no time; write the hour too, {value}T17:00.")
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
        return value

    def must_return(self, unit_id: str, kind: UnitKind) -> bool:
        """Whether the organization must return a form (everyone when nobody is listed)."""
        if not self.required.kinds and not self.required.ids:
            return True
        return unit_id in self.required.ids or kind in self.required.kinds
