"""Meet v2 conference records and their participants: what attendance reports read."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from ._wire import (
    JSON,
    ApiError,
    ApiRequest,
    ApiResponse,
    IdSource,
    paginate,
    parse_rfc3339,
    rfc3339,
)

ParticipantKind = Literal["signedin", "anonymous", "phone"]
Filterable = Mapping[str, "str | datetime | None"]

_RECORD_LIFETIME = timedelta(days=30)
_TERM = re.compile(
    r'(?P<field>[a-z_.]+)\s*(?:(?P<op>!=|>=|<=|=|>|<)\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))'
    r"|\s+IS\s+(?P<not>NOT\s+)?NULL)",
    re.IGNORECASE,
)
_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)


@dataclass
class Participant:
    """One person or device in a conference (a single session from join to leave)."""

    id: str
    record_name: str
    kind: ParticipantKind
    display_name: str
    user: str | None
    start: datetime
    end: datetime | None

    @property
    def name(self) -> str:
        return f"{self.record_name}/participants/{self.id}"

    def resource(self) -> JSON:
        body: JSON = {"name": self.name, "earliestStartTime": rfc3339(self.start)}
        if self.end is not None:
            body["latestEndTime"] = rfc3339(self.end)
        if self.kind == "signedin":
            body["signedinUser"] = {"user": self.user, "displayName": self.display_name}
        elif self.kind == "anonymous":
            body["anonymousUser"] = {"displayName": self.display_name}
        else:
            body["phoneUser"] = {"displayName": self.display_name}
        return body

    def session(self) -> JSON:
        body: JSON = {"name": f"{self.name}/participantSessions/{self.id}s1"}
        body["startTime"] = rfc3339(self.start)
        if self.end is not None:
            body["endTime"] = rfc3339(self.end)
        return body

    def filterable(self) -> Filterable:
        return {"earliest_start_time": self.start, "latest_end_time": self.end}


@dataclass
class Record:
    """One conference: a call held in a space from its first join to its end."""

    id: str
    space_name: str
    meeting_code: str
    start: datetime
    end: datetime | None
    participants: list[Participant] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"conferenceRecords/{self.id}"

    def resource(self) -> JSON:
        body: JSON = {"name": self.name, "startTime": rfc3339(self.start)}
        if self.end is not None:
            body["endTime"] = rfc3339(self.end)
            body["expireTime"] = rfc3339(self.end + _RECORD_LIFETIME)
        body["space"] = self.space_name
        return body

    def filterable(self) -> Filterable:
        return {
            "space.meeting_code": self.meeting_code,
            "space.name": self.space_name,
            "start_time": self.start,
            "end_time": self.end,
        }

    def finish(self, when: datetime) -> None:
        self.end = self.end or when
        for person in self.participants:
            person.end = person.end or when


def compile_filter(text: str | None, fields: Sequence[str]) -> Callable[[Filterable], bool]:
    """Meet's list filter (``a = "x" AND b >= "t" AND c IS NULL``) as a predicate."""
    if not text or not text.strip():
        return lambda _values: True
    tests = [_compile_term(term, fields) for term in _AND.split(text.strip())]
    return lambda values: all(test(values) for test in tests)


def _compile_term(term: str, fields: Sequence[str]) -> Callable[[Filterable], bool]:
    match = _TERM.fullmatch(term.strip())
    if match is None or match["field"] not in fields:
        raise ApiError(
            400,
            f'Invalid filter "{term.strip()}": the emulator knows {", ".join(fields)} '
            "joined by AND.",
        )
    name = match["field"]
    if match["op"] is None:
        wants_null = match["not"] is None
        return lambda values: (values[name] is None) == wants_null
    op, raw = match["op"], match["quoted"] if match["quoted"] is not None else match["bare"]
    if name.endswith("_time"):
        try:
            moment = parse_rfc3339(raw)
        except ValueError:
            raise ApiError(400, f'Invalid timestamp in filter: "{raw}".') from None
        return lambda values: _compare(values[name], op, moment)
    return lambda values: _compare(str(values[name] or "").lower(), op, raw.lower())


def _compare(left: str | datetime | None, op: str, right: str | datetime) -> bool:
    if left is None:
        return op == "!="
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if not isinstance(left, datetime) or not isinstance(right, datetime):
        return False
    return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[op]


class RecordBook:
    """Conference records by id; the emulator's lock guards every call."""

    def __init__(self, ids: IdSource) -> None:
        self._ids = ids
        self.records: dict[str, Record] = {}

    def add(
        self,
        space_name: str,
        meeting_code: str,
        start: datetime,
        end: datetime | None,
        people: Iterable[tuple[ParticipantKind, str, str | None, datetime, datetime | None]],
    ) -> Record:
        record = Record(self._ids.record_id(), space_name, meeting_code, start, end)
        for kind, display_name, user, joined, left in people:
            if kind == "signedin" and user is None:
                user = f"users/{self._ids.user_id()}"
            record.participants.append(
                Participant(
                    self._ids.participant_id(), record.name, kind, display_name, user, joined, left
                )
            )
        self.records[record.id] = record
        return record

    def handle(self, request: ApiRequest, parts: list[str]) -> ApiResponse:
        """``parts``: the path after ``/v2/conferenceRecords``, split on ``/``."""
        if request.method != "GET":
            raise ApiError(404, "The emulator implements only GET on conferenceRecords.")
        if not parts:
            return self._list_records(request)
        record = self.records.get(parts[0])
        if record is None:
            raise ApiError(404)
        if len(parts) == 1:
            return ApiResponse.json(record.resource())
        if parts[1] != "participants":
            raise ApiError(404, f"The emulator does not implement conferenceRecords/*/{parts[1]}.")
        if len(parts) == 2:
            return self._list_participants(request, record)
        person = next((p for p in record.participants if p.id == parts[2]), None)
        if person is None:
            raise ApiError(404)
        if len(parts) == 3:
            return ApiResponse.json(person.resource())
        if parts[3:] == ["participantSessions"]:
            return ApiResponse.json({"participantSessions": [person.session()]})
        if len(parts) == 5 and parts[3] == "participantSessions" and parts[4] == f"{person.id}s1":
            return ApiResponse.json(person.session())
        raise ApiError(404)

    def _list_records(self, request: ApiRequest) -> ApiResponse:
        wanted = compile_filter(
            request.param("filter"), ("space.meeting_code", "space.name", "start_time", "end_time")
        )
        found = [r for r in self.records.values() if wanted(r.filterable())]
        found.sort(key=lambda r: r.start, reverse=True)
        size = _page_size(request, default=25, most=100)
        page, token = paginate(found, size, request.param("pageToken"))
        body: JSON = {}
        if page:
            body["conferenceRecords"] = [r.resource() for r in page]
        if token:
            body["nextPageToken"] = token
        return ApiResponse.json(body)

    def _list_participants(self, request: ApiRequest, record: Record) -> ApiResponse:
        wanted = compile_filter(request.param("filter"), ("earliest_start_time", "latest_end_time"))
        found = [p for p in record.participants if wanted(p.filterable())]
        found.sort(key=lambda p: p.start, reverse=True)
        size = _page_size(request, default=100, most=250)
        page, token = paginate(found, size, request.param("pageToken"))
        body: JSON = {}
        if page:
            body["participants"] = [p.resource() for p in page]
        if token:
            body["nextPageToken"] = token
        body["totalSize"] = len(found)
        return ApiResponse.json(body)


def _page_size(request: ApiRequest, *, default: int, most: int) -> int:
    size = request.int_param("pageSize", default, low=0, high=2**31 - 1)
    return min(size, most) if size else default
