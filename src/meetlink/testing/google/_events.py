"""Calendar event resources: validation and merging, as Google's events.* methods apply them."""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._wire import JSON, ApiError

_EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")

#: Fields the server owns; a client's values for them are ignored (as Google does).
READ_ONLY = frozenset(
    {
        "kind",
        "etag",
        "htmlLink",
        "created",
        "updated",
        "creator",
        "organizer",
        "hangoutLink",
        "conferenceData",  # handled apart: it depends on conferenceDataVersion
        "id",
        "iCalUID",
        "sequence",
    }
)

#: Changes that make attendees' copies out of date, so Google raises ``sequence``.
MATERIAL = ("start", "end", "recurrence", "location", "summary", "status", "originalStartTime")

_STATUSES = ("confirmed", "tentative", "cancelled")


def check_event_id(event_id: str) -> None:
    """Google's rule: base32hex lower case (a-v, 0-9), 5 to 1024 characters."""
    if not _EVENT_ID.fullmatch(event_id):
        raise ApiError.invalid("Invalid resource id value.")


def writable(body: JSON) -> JSON:
    """The client-writable part of an event body (a deep copy)."""
    return {k: copy.deepcopy(v) for k, v in body.items() if k not in READ_ONLY}


def merge_patch(target: JSON, patch: JSON) -> JSON:
    """events.patch semantics: objects merge, arrays and scalars replace, null removes."""
    merged = copy.deepcopy(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_patch(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def is_material_change(before: JSON, after: JSON) -> bool:
    return any(before.get(key) != after.get(key) for key in MATERIAL)


def validate(event: JSON, organizer_email: str) -> None:
    """Raise Google's 400 for what events.insert/update would refuse; normalize attendees."""
    status = event.get("status", "confirmed")
    if status not in _STATUSES:
        raise ApiError.invalid("Invalid value for: status")
    start = _moment(event, "start")
    end = _moment(event, "end")
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise ApiError.invalid("Start and end times must either both be date or both be dateTime.")
    if end < start:
        raise ApiError(400, "The specified time range is empty.", reason="timeRangeEmpty")
    attendees = event.get("attendees")
    if attendees is None:
        return
    if not isinstance(attendees, list):
        raise ApiError.invalid("Invalid value for: attendees")
    for attendee in attendees:
        if not isinstance(attendee, dict) or not attendee.get("email"):
            raise ApiError(400, "Missing attendee email.", reason="required")
        attendee.setdefault("responseStatus", "needsAction")
        if str(attendee["email"]).lower() == organizer_email.lower():
            attendee |= {"organizer": True, "self": True}
    overrides = (event.get("reminders") or {}).get("overrides") or []
    if len(overrides) > 5:
        raise ApiError.invalid("Too many reminder overrides: at most 5 are allowed.")


def _moment(event: JSON, which: str) -> date | datetime:
    value = event.get(which)
    if not isinstance(value, dict) or not (value.get("dateTime") or value.get("date")):
        raise ApiError(400, f"Missing {which} time.", reason="required")
    zone_name = value.get("timeZone")
    zone = None
    if zone_name:
        try:
            zone = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise ApiError.invalid(f"Invalid time zone definition for {which} time.") from None
    if value.get("dateTime"):
        try:
            moment = datetime.fromisoformat(str(value["dateTime"]))
        except ValueError:
            raise ApiError.invalid(f"Invalid {which} time.") from None
        if moment.tzinfo is None:
            if zone is None:
                raise ApiError(
                    400, f"Missing time zone definition for {which} time.", reason="required"
                )
            moment = moment.replace(tzinfo=zone)
        return moment
    try:
        return date.fromisoformat(str(value["date"]))
    except ValueError:
        raise ApiError.invalid(f"Invalid {which} time.") from None


def span(event: JSON) -> tuple[datetime, datetime]:
    """The event's start and end in UTC (an all-day event spans whole UTC days)."""
    start, end = _moment(event, "start"), _moment(event, "end")
    return _utc(start), _utc(end)


def _utc(moment: date | datetime) -> datetime:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC)
    return datetime.combine(moment, time(0), UTC)


def private_property_matches(event: JSON, wanted: list[str], scope: str) -> bool:
    """``privateExtendedProperty=name=value`` filters: every one must match."""
    props: Any = (event.get("extendedProperties") or {}).get(scope) or {}
    for item in wanted:
        name, _, value = item.partition("=")
        if props.get(name) != value:
            return False
    return True
