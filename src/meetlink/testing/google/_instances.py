"""A recurring event's instances: ``events.instances`` and the instance ids Google gives them.

Google expands a recurring event (its ``recurrence``: RRULE, EXDATE, RDATE lines) into
instances whose id is the event id, ``_`` and the original start in UTC
(``EVENTID_20240204T010000Z``; ``EVENTID_20240204`` for an all-day event). An instance is
read (``GET``), changed (``PATCH``/``PUT``: another time, ``status: cancelled``) or deleted
(``DELETE``: cancelled) by that id, and only that occurrence changes: the series keeps its
resource, its ``recurrence`` and its sequence. A changed instance is an exception: it keeps
``recurringEventId`` and ``originalStartTime`` and gets its own etag and sequence.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr

from . import _events as ev
from ._wire import JSON, ApiError, rfc3339

__all__ = [
    "MAX_INSTANCES",
    "Overrides",
    "change",
    "instance_id",
    "listed",
    "original_of",
    "originals",
    "render",
]

MAX_INSTANCES = 2500  # an endless rule is expanded this far at most


@dataclass
class Overrides:
    """The exceptions of one recurring event: instance id → the instance's own resource."""

    by_id: dict[str, JSON] = field(default_factory=dict)


def instance_id(event_id: str, original: datetime | date) -> str:
    """``EVENTID_YYYYMMDDTHHMMSSZ`` (UTC) of a timed instance, ``EVENTID_YYYYMMDD`` all-day."""
    if isinstance(original, datetime):
        return f"{event_id}_{original.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{event_id}_{original:%Y%m%d}"


def originals(series: JSON) -> list[datetime]:
    """The original starts the series' recurrence gives (timed events), in order."""
    start = series.get("start") or {}
    if not start.get("dateTime"):
        return []  # all-day series: not modelled
    zone = ZoneInfo(str(start.get("timeZone") or "UTC"))
    first = datetime.fromisoformat(str(start["dateTime"]))
    first = first.replace(tzinfo=zone) if first.tzinfo is None else first.astimezone(zone)
    lines = [str(line) for line in series.get("recurrence") or []]
    if not lines:
        return []
    text = "\n".join(lines)
    try:
        rules = rrulestr(text, dtstart=first, forceset=True, unfold=True)
    except (ValueError, TypeError):
        raise ApiError.invalid("Invalid recurrence rule.") from None
    if not isinstance(rules, rruleset):  # pragma: no cover - forceset gives a set
        raise ApiError.invalid("Invalid recurrence rule.")
    found: list[datetime] = []
    for moment in rules:
        found.append(moment.astimezone(zone))
        if len(found) >= MAX_INSTANCES:
            break
    return found


def original_of(series: JSON, wanted: str) -> datetime | None:
    """The original start whose instance id is ``wanted``, or None."""
    event_id = str(series["id"])
    for moment in originals(series):
        if instance_id(event_id, moment) == wanted:
            return moment
    return None


def render(series: JSON, original: datetime, overrides: Overrides) -> JSON:
    """The instance of ``series`` at ``original``: its exception when there is one."""
    iid = instance_id(str(series["id"]), original)
    if iid in overrides.by_id:
        return copy.deepcopy(overrides.by_id[iid])
    zone_name = str((series.get("start") or {}).get("timeZone") or "UTC")
    begin, finish = ev.span(series)
    length = finish - begin
    zone = ZoneInfo(zone_name)
    instance = {k: copy.deepcopy(v) for k, v in series.items() if k != "recurrence"}
    instance["id"] = iid
    instance["recurringEventId"] = series["id"]
    instance["originalStartTime"] = _moment(original, zone_name, zone)
    instance["start"] = _moment(original, zone_name, zone)
    instance["end"] = _moment(original + length, zone_name, zone)
    return instance


def change(
    series: JSON,
    original: datetime,
    overrides: Overrides,
    body: JSON,
    *,
    method: str,
    organizer_email: str,
    etag: Callable[[], str],
    now: datetime,
) -> JSON:
    """Store a change of one instance (``PATCH`` merges, ``PUT`` replaces); the series stays."""
    current = render(series, original, overrides)
    if method == "PATCH":
        fields = ev.merge_patch(ev.writable(current), ev.writable(body))
    else:
        fields = ev.writable(body)
        fields.setdefault("status", "confirmed")
    fields.pop("recurrence", None)  # an instance has no rule of its own
    fields["recurringEventId"] = series["id"]
    fields["originalStartTime"] = current["originalStartTime"]
    ev.validate(fields, organizer_email)
    owned = {k: v for k, v in current.items() if k in ev.READ_ONLY}
    changed = {**owned, **fields}
    sequence = int(current.get("sequence", 0))
    if ev.is_material_change(current, changed):
        sequence += 1
    changed["sequence"] = sequence
    changed["etag"] = etag()
    changed["updated"] = rfc3339(now)
    overrides.by_id[str(current["id"])] = changed
    return copy.deepcopy(changed)


def listed(
    series: JSON,
    overrides: Overrides,
    *,
    original_start: str | None,
    show_deleted: bool,
    low: datetime | None,
    high: datetime | None,
) -> list[JSON]:
    """``events.instances``: the instances in order, filtered as Google filters them."""
    found = []
    for moment in originals(series):
        instance = render(series, moment, overrides)
        if original_start is not None and not _same_moment(
            instance["originalStartTime"], original_start
        ):
            continue
        if instance.get("status") == "cancelled" and not show_deleted:
            continue
        start, end = ev.span(instance)
        if (low is not None and end <= low) or (high is not None and start >= high):
            continue
        found.append(instance)
    return found


def _same_moment(value: JSON, text: str) -> bool:
    try:
        wanted = datetime.fromisoformat(text)
        have = datetime.fromisoformat(str(value["dateTime"]))
    except (KeyError, ValueError):
        raise ApiError.invalid("Invalid originalStart value.") from None
    if wanted.tzinfo is None:
        raise ApiError.invalid("Invalid originalStart value: it needs an offset.")
    return have == wanted


def _moment(moment: datetime, zone_name: str, zone: ZoneInfo) -> JSON:
    local = moment.astimezone(zone)
    return {"dateTime": local.isoformat(), "timeZone": zone_name}
