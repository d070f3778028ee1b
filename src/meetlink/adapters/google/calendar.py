"""Calendar v3 events for the google adapter: ids, bodies and reading answers back (pure).

A sitting is one event whose id is derived from the meeting id and the request key, so a
retried, replayed or repeated insert can only ever hit the same event (409 "duplicate").
The Meet conference is asked for with ``conferenceData.createRequest``, its ``requestId``
derived the same way; Google makes it asynchronously (``pending`` → ``success`` or
``failure``).

Example:
    >>> from meetlink.testing.conformance import sample_request
    >>> eid = event_id(sample_request(key="main/s1", meeting_id="q3"))
    >>> len(eid), set(eid) <= set("0123456789abcdefghijklmnopqrstuv")
    (52, True)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any, Literal
from zoneinfo import ZoneInfo

from meetlink.adapters.models import ConferenceInfo, ConferenceRequest, ConferenceStatus

__all__ = [
    "MAX_GENERATIONS",
    "ConferenceState",
    "conference_request",
    "conference_request_id",
    "conference_state",
    "event_fields",
    "event_id",
    "insert_body",
    "meeting_code",
    "owned_by",
    "send_updates",
    "to_info",
]

JSON = dict[str, Any]
ConferenceState = Literal["success", "pending", "failure", "missing"]

MEET_SOLUTION = "hangoutsMeet"
_PROPERTY_MEETING = "meetlinkMeeting"
_PROPERTY_KEY = "meetlinkKey"
_RULE_PREFIXES = ("RRULE:", "EXRULE:", "RDATE", "EXDATE")


def _digest(label: str, request: ConferenceRequest, extra: str = "") -> bytes:
    text = "\0".join(("meetlink", label, request.meeting_id, request.key, extra))
    return hashlib.sha256(text.encode("utf-8")).digest()


#: How many times one sitting's event may be deleted and made again (each time a new id).
MAX_GENERATIONS = 20


def event_id(request: ConferenceRequest, generation: int = 0) -> str:
    """The event id of ``request``: base32hex (a–v, 0–9) of a SHA-256, 52 characters.

    Google never brings a deleted event back, and keeps its id taken: a sitting whose event
    was deleted gets a new one, ``generation`` 1, 2, ..., each with its own derived id.
    """
    extra = str(generation) if generation else ""
    digest = _digest("event", request, extra)
    return base64.b32hexencode(digest).decode("ascii").lower().rstrip("=")


def conference_request_id(request: ConferenceRequest, generation: str = "") -> str:
    """The ``createRequest.requestId``; a new ``generation`` asks for a new conference."""
    return _digest("conference", request, generation).hex()


def conference_request(request: ConferenceRequest, generation: str = "") -> JSON:
    """``conferenceData`` asking Google for a new Meet conference."""
    return {
        "createRequest": {
            "requestId": conference_request_id(request, generation),
            "conferenceSolutionKey": {"type": MEET_SOLUTION},
        }
    }


def send_updates(request: ConferenceRequest) -> str:
    """``sendUpdates``: Google mails the attendees only when the track asks it to."""
    return "all" if request.send_invites else "none"


def _moment(moment: dt.datetime, zone: str) -> JSON:
    return {"dateTime": moment.astimezone(ZoneInfo(zone)).isoformat(), "timeZone": zone}


def _recurrence(rule: str) -> list[str]:
    lines = [line.strip() for line in rule.replace("\r", "").split("\n") if line.strip()]
    return [line if line.upper().startswith(_RULE_PREFIXES) else f"RRULE:{line}" for line in lines]


def event_fields(request: ConferenceRequest) -> JSON:
    """The event fields meetlink owns (everything a patch may change); needs a time."""
    if request.start is None or request.end is None:
        raise ValueError("a Calendar event needs a start and an end")
    attendees = []
    for person in request.attendees:
        entry: JSON = {"email": person.email}
        if person.name:
            entry["displayName"] = person.name
        if person.optional:
            entry["optional"] = True
        attendees.append(entry)
    return {
        "summary": request.title,
        "description": request.description,
        "location": request.location or "",
        "start": _moment(request.start, request.timezone),
        "end": _moment(request.end, request.timezone),
        "attendees": attendees,
        "recurrence": _recurrence(request.recurrence) if request.recurrence else [],
        "extendedProperties": {
            "private": {_PROPERTY_MEETING: request.meeting_id, _PROPERTY_KEY: request.key}
        },
    }


def insert_body(request: ConferenceRequest, generation: int = 0) -> JSON:
    """The ``events.insert`` body: chosen id, fields and a Meet conference request."""
    return {"id": event_id(request, generation), **event_fields(request)} | {
        "conferenceData": conference_request(request, f"g{generation}" if generation else "")
    }


def owned_by(event: JSON, request: ConferenceRequest) -> bool:
    """False only when the event is tagged with another meeting or key (an id collision)."""
    private = (event.get("extendedProperties") or {}).get("private") or {}
    key = private.get(_PROPERTY_KEY)
    meeting = private.get(_PROPERTY_MEETING)
    return (key is None or key == request.key) and (
        meeting is None or meeting == request.meeting_id
    )


def conference_state(event: JSON) -> ConferenceState:
    """Where Google is with the event's Meet conference."""
    data = event.get("conferenceData") or {}
    status = ((data.get("createRequest") or {}).get("status") or {}).get("statusCode")
    if status in ("pending", "failure"):
        return "pending" if status == "pending" else "failure"
    return "success" if _join_url(event) else "missing"


def _join_url(event: JSON) -> str:
    for point in (event.get("conferenceData") or {}).get("entryPoints") or ():
        if point.get("entryPointType") == "video" and point.get("uri"):
            return str(point["uri"])
    return str(event.get("hangoutLink") or "")


def meeting_code(event: JSON) -> str | None:
    """The Meet code (``abc-defg-hij``) of the event's conference, when it has one."""
    data = event.get("conferenceData") or {}
    code = data.get("conferenceId")
    if code:
        return str(code)
    for point in data.get("entryPoints") or ():
        if point.get("meetingCode"):
            return str(point["meetingCode"])
    url = _join_url(event)
    return url.rstrip("/").rsplit("/", 1)[-1] if url else None


def _time(value: JSON | None) -> dt.datetime | None:
    text = (value or {}).get("dateTime")
    if not text:
        return None
    moment = dt.datetime.fromisoformat(str(text))
    return moment if moment.tzinfo is not None else None


def to_info(
    key: str, event: JSON, calendar_id: str, extra: dict[str, str] | None = None
) -> ConferenceInfo:
    """The ``ConferenceInfo`` of an event as Google holds it now."""
    state = conference_state(event)
    if event.get("status") == "cancelled":
        status = ConferenceStatus.CANCELLED
    elif state == "success":
        status = ConferenceStatus.READY
    else:
        status = ConferenceStatus.PENDING
    details = {"calendar_id": calendar_id, "conference": state}
    if event.get("htmlLink"):
        details["html_link"] = str(event["htmlLink"])
    if event.get("iCalUID"):  # the UID a guest's calendar files Google's copy under
        details["ical_uid"] = str(event["iCalUID"])
        details["sequence"] = str(event.get("sequence") or 0)  # invitations stay above it
    return ConferenceInfo(
        key=key,
        external_id=str(event["id"]),
        join_url=_join_url(event) if state == "success" else "",
        meeting_code=meeting_code(event),
        status=status,
        title=event.get("summary"),
        start=_time(event.get("start")),
        end=_time(event.get("end")),
        extra=details | (extra or {}),
    )
