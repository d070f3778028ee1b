"""Calendar v3 events: insert, get, patch, update, delete and list, with Meet conferences."""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import unquote

from . import _events as ev
from . import _instances as inst
from . import _scopes as scopes
from ._meet import MeetStore
from ._wire import (
    JSON,
    ApiError,
    ApiRequest,
    ApiResponse,
    IdSource,
    meeting_code_for,
    paginate,
    parse_rfc3339,
    rfc3339,
)

ConferenceOutcome = Literal["success", "failure"]

_ROUTE = re.compile(
    r"/calendars/(?P<calendar>[^/]+)/events(?:/(?P<event>[^/]+)(?P<instances>/instances)?)?"
)
_METHODS = {
    ("POST", True): "events.insert",
    ("GET", True): "events.list",
    ("GET", False): "events.get",
    ("PATCH", False): "events.patch",
    ("PUT", False): "events.update",
    ("DELETE", False): "events.delete",
}


_ORDER = (
    *("kind", "etag", "id", "status", "htmlLink", "created", "updated", "summary"),
    *("description", "location", "colorId", "creator", "organizer", "start", "end"),
    *("endTimeUnspecified", "recurrence", "recurringEventId", "originalStartTime"),
    *("transparency", "visibility", "iCalUID", "sequence", "attendees", "extendedProperties"),
    *("hangoutLink", "conferenceData", "reminders", "eventType"),
)
_MEET_SOLUTION: JSON = {
    "key": {"type": "hangoutsMeet"},
    "name": "Google Meet",
    "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
}


@dataclass
class ConferenceSettings:
    """How new Meet conferences behave; the emulator's public attributes write these."""

    pending_responses: int = 0
    outcome: ConferenceOutcome = "success"


@dataclass
class Conference:
    """A Meet conference asked for through ``conferenceData.createRequest``."""

    request_id: str
    code: str
    pending_left: int
    outcome: ConferenceOutcome

    def data(self, *, pending: bool) -> JSON:
        status = "pending" if pending else self.outcome
        create = {
            "requestId": self.request_id,
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
            "status": {"statusCode": status},
        }
        if status != "success":
            return {"createRequest": create}
        digits = str(int.from_bytes(self.code.encode(), "big"))
        pin = digits[-9:]
        return {
            "createRequest": create,
            "entryPoints": [
                {
                    "entryPointType": "video",
                    "uri": self.uri,
                    "label": self.uri.removeprefix("https://"),
                },
                {
                    "entryPointType": "more",
                    "uri": f"https://tel.meet/{self.code}?pin={pin}",
                    "pin": pin,
                },
                {
                    "entryPointType": "phone",
                    "uri": f"tel:+1-{digits[:3]}-{digits[3:6]}-{digits[6:10]}",
                    "label": f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:10]}",
                    "pin": pin,
                    "regionCode": "US",
                },
            ],
            "conferenceSolution": copy.deepcopy(_MEET_SOLUTION),
            "conferenceId": self.code,
        }

    @property
    def uri(self) -> str:
        return f"https://meet.google.com/{self.code}"


@dataclass
class StoredEvent:
    """An event as stored: the resource, plus the conference rendered anew on every read."""

    resource: JSON
    conference: Conference | None = None
    copied_conference: JSON | None = None
    overrides: inst.Overrides = field(default_factory=inst.Overrides)

    @property
    def cancelled(self) -> bool:
        return bool(self.resource.get("status") == "cancelled")

    def render(self, *, count_read: bool = True) -> JSON:
        out = copy.deepcopy(self.resource)
        conference = self.conference
        if conference is not None:
            pending = conference.pending_left > 0
            if pending and count_read:
                conference.pending_left -= 1
            out["conferenceData"] = conference.data(pending=pending)
            if not pending and conference.outcome == "success":
                out["hangoutLink"] = conference.uri
        elif self.copied_conference is not None:
            out["conferenceData"] = copy.deepcopy(self.copied_conference)
        rank = {key: n for n, key in enumerate(_ORDER)}
        return dict(sorted(out.items(), key=lambda item: rank.get(item[0], len(rank))))


class CalendarStore:
    """Events per calendar (insertion-ordered); the emulator's lock guards every call."""

    def __init__(
        self,
        ids: IdSource,
        clock: Callable[[], datetime],
        meet: MeetStore,
        owner_email: str,
        settings: ConferenceSettings,
    ) -> None:
        self._ids = ids
        self._clock = clock
        self._meet = meet
        self.owner_email = owner_email
        self.settings = settings
        self.calendars: dict[str, dict[str, StoredEvent]] = {}

    def calendar(self, calendar_id: str) -> dict[str, StoredEvent]:
        """A calendar's events; ``primary`` is the owner's calendar, others appear on first use."""
        key = self.owner_email if calendar_id == "primary" else calendar_id
        return self.calendars.setdefault(key, {})

    def handle(self, request: ApiRequest) -> ApiResponse:
        # Google serves Calendar under its servicePath only; /calendars/... at the root is a 404.
        path = request.path
        served = path.startswith("/calendar/v3/")
        match = _ROUTE.fullmatch(path.removeprefix("/calendar/v3")) if served else None
        if match is None:
            raise ApiError(404, f"The emulator does not implement {request.method} {request.path}.")
        write = request.method not in ("GET", "HEAD")
        method = _METHODS.get((request.method, match["event"] is None), "events")
        request.require_scope(
            scopes.EVENT_WRITE if write else scopes.EVENT_READ, f"calendar.{method}"
        )
        calendar_id = unquote(match["calendar"])
        if calendar_id == "primary" and request.user:  # a token's user: their own calendar
            calendar_id = request.user
        events = self.calendar(calendar_id)
        if match["event"] is None:
            if request.method == "POST":
                return ApiResponse.json(self._insert(calendar_id, events, request))
            if request.method == "GET":
                return ApiResponse.json(self._list(calendar_id, events, request))
            raise ApiError(404, f"The emulator does not implement {request.method} on events.")
        event_key = unquote(match["event"])
        stored = events.get(event_key)
        if match["instances"]:
            if stored is None or request.method != "GET":
                raise ApiError.not_found()
            return ApiResponse.json(self._instances(calendar_id, stored, request))
        if stored is None:
            return self._instance(events, event_key, request)
        if request.method == "GET":
            return ApiResponse.json(stored.render())
        _check_if_match(request, stored)
        if request.method in ("PATCH", "PUT"):
            return ApiResponse.json(self._change(calendar_id, stored, request))
        if request.method == "DELETE":
            if stored.cancelled:
                raise ApiError(410, reason="deleted")
            self._touch(stored, {**stored.resource, "status": "cancelled"})
            return ApiResponse.no_content()
        raise ApiError(404, f"The emulator does not implement {request.method} on an event.")

    def _instance(
        self, events: dict[str, StoredEvent], wanted: str, request: ApiRequest
    ) -> ApiResponse:
        """One instance of a recurring event, by its id ``EVENTID_YYYYMMDDTHHMMSSZ``."""
        series_id, _, _ = wanted.rpartition("_")
        stored = events.get(series_id)
        if stored is None or stored.cancelled:
            raise ApiError.not_found()
        series = stored.render(count_read=False)
        original = inst.original_of(series, wanted)
        if original is None:
            raise ApiError.not_found()
        if request.method == "GET":
            return ApiResponse.json(inst.render(series, original, stored.overrides))
        current = inst.render(series, original, stored.overrides)
        wanted_etag = request.headers.get("if-match")
        if wanted_etag and wanted_etag not in ("*", current["etag"]):
            raise ApiError(412, reason="conditionNotMet")
        if request.method == "DELETE":
            if current.get("status") == "cancelled":
                raise ApiError(410, reason="deleted")
            body, method = {"status": "cancelled"}, "PATCH"
        elif request.method in ("PATCH", "PUT"):
            body, method = request.json_body(), request.method
        else:
            raise ApiError(404, f"The emulator does not implement {request.method} on an event.")
        changed = inst.change(
            series,
            original,
            stored.overrides,
            body,
            method=method,
            organizer_email=self.owner_email,
            etag=self._ids.etag,
            now=self._clock(),
        )
        return ApiResponse.no_content() if request.method == "DELETE" else ApiResponse.json(changed)

    def _instances(self, calendar_id: str, stored: StoredEvent, request: ApiRequest) -> JSON:
        """``events.instances``: the occurrences of a recurring event, exceptions applied."""
        series = stored.render(count_read=False)
        found = inst.listed(
            series,
            stored.overrides,
            original_start=request.param("originalStart"),
            show_deleted=request.flag("showDeleted"),
            low=_time_param(request, "timeMin"),
            high=_time_param(request, "timeMax"),
        )
        size = min(request.int_param("maxResults", 250, low=1, high=2**31 - 1), 2500)
        page, token = paginate(found, size, request.param("pageToken"))
        body: JSON = {
            "kind": "calendar#events",
            "etag": self._ids.etag(),
            "summary": self.owner_email if calendar_id == "primary" else calendar_id,
            "description": "",
            "updated": rfc3339(self._clock()),
            "timeZone": str((series.get("start") or {}).get("timeZone") or "UTC"),
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
        }
        if token:
            body["nextPageToken"] = token
        body["items"] = page
        return body

    def _insert(
        self, calendar_id: str, events: dict[str, StoredEvent], request: ApiRequest
    ) -> JSON:
        body = request.json_body()
        event_id = body.get("id")
        if event_id is None:
            event_id = self._ids.event_id()
        elif not isinstance(event_id, str):
            raise ApiError.invalid("Invalid resource id value.")
        else:
            ev.check_event_id(event_id)
            if event_id in events:
                raise ApiError(409, reason="duplicate")
        fields = ev.writable(body)
        fields.setdefault("status", "confirmed")
        fields.setdefault("reminders", {"useDefault": True})
        fields.setdefault("eventType", "default")
        ev.validate(fields, self.owner_email)
        now = rfc3339(self._clock())
        organizer = self.owner_email if calendar_id == "primary" else calendar_id
        eid = base64.urlsafe_b64encode(f"{event_id} {organizer}".encode()).decode().rstrip("=")
        resource: JSON = {
            "kind": "calendar#event",
            "etag": self._ids.etag(),
            "id": event_id,
            "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
            "created": now,
            "updated": now,
            "creator": {"email": self.owner_email, "self": True},
            "organizer": {"email": organizer, "self": True},
            "iCalUID": str(body.get("iCalUID") or f"{event_id}@google.com"),
            "sequence": _sequence(body, 0),
            **fields,
        }
        stored = StoredEvent(resource)
        if _conference_version(request) == 1 and body.get("conferenceData") is not None:
            self._set_conference(stored, body["conferenceData"])
        events[event_id] = stored
        return stored.render()

    def _change(self, calendar_id: str, stored: StoredEvent, request: ApiRequest) -> JSON:
        body = request.json_body()
        if body.get("id") not in (None, stored.resource["id"]):
            raise ApiError.invalid("The event id in the body differs from the one in the URL.")
        server_owned = {k: v for k, v in stored.resource.items() if k in ev.READ_ONLY}
        if request.method == "PATCH":
            fields = ev.merge_patch(ev.writable(stored.resource), ev.writable(body))
        else:
            fields = ev.writable(body)
            fields.setdefault("status", "confirmed")
            fields.setdefault("reminders", {"useDefault": True})
            fields.setdefault("eventType", stored.resource.get("eventType", "default"))
        ev.validate(fields, self.owner_email)
        if stored.cancelled and fields.get("status") != "cancelled":
            # Google does not bring a deleted event back (409, then 403, then it is gone).
            raise ApiError(403, "The event has been deleted and cannot be restored.")
        self._touch(stored, {**server_owned, **fields}, requested=_sequence(body, -1))
        if _conference_version(request) == 1:
            if "conferenceData" in body:
                self._set_conference(stored, body["conferenceData"])
            elif request.method == "PUT":
                stored.conference = stored.copied_conference = None
        return stored.render()

    def _touch(self, stored: StoredEvent, resource: JSON, *, requested: int = -1) -> None:
        """Store a changed resource: new etag and time, ``sequence`` up on a material change."""
        sequence = int(stored.resource.get("sequence", 0))
        if ev.is_material_change(stored.resource, resource):
            sequence += 1
        resource["sequence"] = max(sequence, requested)
        resource["etag"] = self._ids.etag()
        resource["updated"] = rfc3339(self._clock())
        stored.resource = resource

    def _set_conference(self, stored: StoredEvent, data: object) -> None:
        if data is None:
            stored.conference = stored.copied_conference = None
            return
        if not isinstance(data, dict):
            raise ApiError.invalid("Invalid conference data.")
        create = data.get("createRequest")
        if not create:
            if data.get("conferenceSolution") or data.get("entryPoints"):
                stored.conference, stored.copied_conference = None, copy.deepcopy(data)
            return
        request_id = create.get("requestId") if isinstance(create, dict) else None
        if not request_id:
            raise ApiError.invalid("Invalid conference create request: requestId is required.")
        solution = (create.get("conferenceSolutionKey") or {}).get("type")
        if solution != "hangoutsMeet":
            raise ApiError.invalid("Invalid conference type value.")
        if stored.conference is not None and stored.conference.request_id == request_id:
            return  # Google ignores a createRequest whose requestId it has already seen here
        code = meeting_code_for(str(request_id))
        settings = self.settings
        conference = Conference(str(request_id), code, settings.pending_responses, settings.outcome)
        if settings.outcome == "success":
            self._meet.space_for_code(code)
        stored.conference, stored.copied_conference = conference, None

    def _list(self, calendar_id: str, events: dict[str, StoredEvent], request: ApiRequest) -> JSON:
        found = list(events.values())
        if not request.flag("showDeleted"):
            found = [e for e in found if not e.cancelled]
        if (uid := request.param("iCalUID")) is not None:
            found = [e for e in found if e.resource.get("iCalUID") == uid]
        for scope in ("private", "shared"):
            wanted = list(request.query.get(f"{scope}ExtendedProperty", []))
            if wanted:
                found = [e for e in found if ev.private_property_matches(e.resource, wanted, scope)]
        if (q := request.param("q")) is not None:
            found = [e for e in found if _mentions(e.resource, q)]
        low, high = _time_param(request, "timeMin"), _time_param(request, "timeMax")
        if low or high:
            found = [e for e in found if _overlaps(e.resource, low, high)]
        if (updated_min := _time_param(request, "updatedMin")) is not None:
            found = [e for e in found if parse_rfc3339(e.resource["updated"]) >= updated_min]
        order = request.param("orderBy")
        if order == "startTime":
            if not request.flag("singleEvents"):
                raise ApiError.invalid(
                    "The requested ordering is not available for the particular query."
                )
            found.sort(key=lambda e: ev.span(e.resource)[0])
        elif order == "updated":
            found.sort(key=lambda e: str(e.resource["updated"]))
        size = min(request.int_param("maxResults", 250, low=1, high=2**31 - 1), 2500)
        page, token = paginate(found, size, request.param("pageToken"))
        body: JSON = {
            "kind": "calendar#events",
            "etag": self._ids.etag(),
            "summary": self.owner_email if calendar_id == "primary" else calendar_id,
            "description": "",
            "updated": rfc3339(self._clock()),
            "timeZone": "UTC",
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
        }
        if token:
            body["nextPageToken"] = token
        else:
            body["nextSyncToken"] = base64.urlsafe_b64encode(body["updated"].encode()).decode()
        body["items"] = [e.render() for e in page]
        return body


def _conference_version(request: ApiRequest) -> int:
    return request.int_param("conferenceDataVersion", 0, low=0, high=1)


def _sequence(body: JSON, default: int) -> int:
    value = body.get("sequence")
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ApiError.invalid("Invalid sequence value.")
    return value


def _check_if_match(request: ApiRequest, stored: StoredEvent) -> None:
    wanted = request.headers.get("if-match")
    if wanted and wanted != "*" and wanted != stored.resource["etag"]:
        raise ApiError(412, reason="conditionNotMet")


def _time_param(request: ApiRequest, name: str) -> datetime | None:
    raw = request.param(name)
    if raw is None:
        return None
    try:
        return parse_rfc3339(raw)
    except ValueError:
        raise ApiError.invalid(f"Bad Request: {name} must be RFC 3339 with an offset.") from None


def _overlaps(resource: JSON, low: datetime | None, high: datetime | None) -> bool:
    start, end = ev.span(resource)
    return (low is None or end > low) and (high is None or start < high)


def _mentions(resource: JSON, text: str) -> bool:
    words = [str(resource.get(k) or "") for k in ("summary", "description", "location")]
    words += [str(a.get("email", "")) for a in resource.get("attendees") or []]
    return text.lower() in " ".join(words).lower()
