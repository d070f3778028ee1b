"""One occurrence of a recurring sitting skipped or moved: the Google event's INSTANCE changes,
not the series.

Google expands a recurring event into instances (``events.instances``), each with its own id
(``EVENTID_20240204T010000Z``: the original start in UTC). A skipped occurrence is its
instance patched to ``status: cancelled``; a moved one is its instance patched to the new
``start`` and ``end``. The series' resource (its rule, time, guests) is not sent at all, so
guests' calendars keep one series with overrides. An occurrence no longer skipped or moved
is put back (confirmed, at its original time). Only instances that differ from what the
meeting file says are patched: a second run sends no write.

Example:
    >>> series_fingerprint({"summary": "Giờ sinh hoạt"}) == series_fingerprint({"summary": "x"})
    False
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from meetlink.adapters.google import calendar as cal
from meetlink.adapters.models import ConferenceRequest, OccurrenceChange
from meetlink.loading.occurrences import has_end

if TYPE_CHECKING:
    from meetlink.adapters.google.client import Client

__all__ = ["apply_exceptions", "series_fingerprint"]

JSON = dict[str, Any]


def series_fingerprint(fields: JSON) -> str:
    """A short hash of the series' own fields: an unchanged series is not patched again."""
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def apply_exceptions(
    client: Client, calendar_id: str, event_id: str, request: ConferenceRequest
) -> int:
    """Make each instance of the recurring event ``event_id`` what ``request`` says (skipped,
    moved, or as the rule gives it); returns how many instances were patched."""
    if not request.recurrence or request.start is None or request.end is None:
        return 0
    wanted = {_key(c.original): c for c in request.exceptions}
    length = request.end - request.start
    patched = 0
    for instance in _instances(client, calendar_id, event_id, _horizon(request)):
        original = _time((instance.get("originalStartTime") or {}).get("dateTime"))
        if original is None:
            continue
        change = wanted.get(_key(original))
        body = _difference(instance, change, original, length, request.timezone)
        if body is None:
            continue
        client.one(_patch(client, calendar_id, str(instance["id"]), body, request), "events.patch")
        patched += 1
    return patched


def _difference(
    instance: JSON,
    change: OccurrenceChange | None,
    original: dt.datetime,
    length: dt.timedelta,
    zone: str,
) -> JSON | None:
    """The patch that makes ``instance`` what the meeting file says, or None when it is."""
    cancelled = instance.get("status") == "cancelled"
    if change is not None and change.skipped:
        return None if cancelled else {"status": "cancelled"}
    start = change.start if change is not None and change.start else original
    end = change.end if change is not None and change.end else start + length
    here = _time((instance.get("start") or {}).get("dateTime"))
    there = _time((instance.get("end") or {}).get("dateTime"))
    if not cancelled and here == start and there == end:
        return None
    body: JSON = {"start": _moment(start, zone), "end": _moment(end, zone)}
    if cancelled:
        body["status"] = "confirmed"
    return body


def _horizon(request: ConferenceRequest) -> dt.datetime | None:
    """How far to list an endless series' instances: the year meetlink lists (and any
    exception beyond it); None for a rule with COUNT or UNTIL."""
    if request.start is None or has_end(request.recurrence or ""):
        return None
    moments = [request.start + dt.timedelta(days=366)]
    moments += [c.start or c.original for c in request.exceptions]
    moments += [c.original for c in request.exceptions]
    return max(moments) + dt.timedelta(days=1)


def _instances(
    client: Client, calendar_id: str, event_id: str, until: dt.datetime | None
) -> list[JSON]:
    found: list[JSON] = []
    token: str | None = None
    while True:
        params: JSON = {
            "calendarId": calendar_id,
            "eventId": event_id,
            "showDeleted": True,
            "maxResults": 2500,
        }
        if until is not None:
            params["timeMax"] = until.astimezone(dt.UTC).isoformat()
        if token:
            params["pageToken"] = token
        page = client.one(_bound(client.events.instances, params), "events.instances")
        found += page.get("items") or []
        token = page.get("nextPageToken")
        if not token:
            return found


def _patch(
    client: Client, calendar_id: str, instance_id: str, body: JSON, request: ConferenceRequest
) -> Callable[[], Any]:
    return lambda: client.events.patch(
        calendarId=calendar_id,
        eventId=instance_id,
        body=body,
        sendUpdates=cal.send_updates(request),
    )


def _bound(method: Any, params: JSON) -> Callable[[], Any]:
    return lambda: method(**params)


def _key(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _time(text: object) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(str(text))
    return moment if moment.tzinfo is not None else None


def _moment(moment: dt.datetime, zone: str) -> JSON:
    return {"dateTime": moment.astimezone(ZoneInfo(zone)).isoformat(), "timeZone": zone}
