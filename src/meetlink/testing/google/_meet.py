"""Meet REST v2: spaces, their members and config, and the routes to conference records."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from . import _scopes as scopes
from ._records import RecordBook
from ._wire import JSON, ApiError, ApiRequest, ApiResponse, IdSource, paginate

#: What a new space says when the creator asks for nothing (a Workspace org's usual default).
DEFAULT_CONFIG: JSON = {"accessType": "TRUSTED", "entryPointAccess": "ALL"}

_RESTRICTION = ("HOSTS_ONLY", "NO_RESTRICTION")
_ENUMS: dict[str, tuple[str, ...]] = {
    "accessType": ("OPEN", "TRUSTED", "RESTRICTED"),
    "entryPointAccess": ("ALL", "CREATOR_APP_ONLY"),
    "moderation": ("ON", "OFF"),
    "attendanceReportGenerationType": ("GENERATE_REPORT", "DO_NOT_GENERATE"),
    "moderationRestrictions.chatRestriction": _RESTRICTION,
    "moderationRestrictions.reactionRestriction": _RESTRICTION,
    "moderationRestrictions.presentRestriction": _RESTRICTION,
    "moderationRestrictions.defaultJoinAsViewerType": ("ON", "OFF"),
}
_OBJECTS = ("moderationRestrictions", "artifactConfig")
_RPC = "google.apps.meet.v2."
_SPACE_PATH = re.compile(r"/v2/spaces/(?P<key>[^/:]+)(?P<rest>:endActiveConference|/.*)?")


@dataclass
class Space:
    """A Meet space: the durable room behind a meeting code."""

    id: str
    meeting_code: str
    config: JSON = field(default_factory=dict)
    active_record: str | None = None
    members: dict[str, JSON] = field(default_factory=dict)
    created_by_app: bool = True  # False for the space behind a Calendar-made conference

    @property
    def name(self) -> str:
        return f"spaces/{self.id}"

    def resource(self) -> JSON:
        body: JSON = {
            "name": self.name,
            "meetingUri": f"https://meet.google.com/{self.meeting_code}",
            "meetingCode": self.meeting_code,
            "config": DEFAULT_CONFIG | copy.deepcopy(self.config),
        }
        if self.active_record:
            body["activeConference"] = {"conferenceRecord": self.active_record}
        return body


class MeetStore:
    """Spaces (by id and by meeting code) and conference records; the emulator's lock guards it."""

    def __init__(self, ids: IdSource, clock: Callable[[], datetime]) -> None:
        self._ids = ids
        self._clock = clock
        self.spaces: dict[str, Space] = {}
        self.records = RecordBook(ids)

    def find(self, key: str) -> Space | None:
        """A space by its id or, as ``spaces.get`` allows, by its meeting code (any case)."""
        space = self.spaces.get(key)
        if space is not None:
            return space
        code = key.lower()
        return next((s for s in self.spaces.values() if s.meeting_code == code), None)

    def create(
        self,
        config: JSON | None = None,
        *,
        meeting_code: str | None = None,
        created_by_app: bool = True,
    ) -> Space:
        code = meeting_code or self._ids.meeting_code()
        while meeting_code is None and self.find(code) is not None:
            code = self._ids.meeting_code()
        space = Space(self._ids.space_id(), code, _checked_config(config or {}))
        space.created_by_app = created_by_app
        self.spaces[space.id] = space
        return space

    def space_for_code(self, meeting_code: str) -> Space:
        """The space behind a Calendar-made conference, created the first time it is asked for."""
        return self.find(meeting_code) or self.create(
            meeting_code=meeting_code, created_by_app=False
        )

    def handle(self, request: ApiRequest) -> ApiResponse:
        path = request.path
        if path.startswith("/v2/conferenceRecords"):
            rest = path.removeprefix("/v2/conferenceRecords").strip("/")
            request.require_scope(scopes.RECORDS_READ, _RPC + "ConferenceRecordsService.Read")
            return self.records.handle(request, [unquote(p) for p in rest.split("/") if p])
        if path == "/v2/spaces" and request.method == "POST":
            request.require_scope(scopes.SPACE_CREATE, _RPC + "SpacesService.CreateSpace")
            body = request.json_body()
            return ApiResponse.json(self.create(_object(body, "config")).resource())
        match = _SPACE_PATH.fullmatch(path)
        if match is None:
            raise ApiError(404, f"The emulator does not implement {request.method} {path}.")
        key, rest = unquote(match["key"]), match["rest"] or ""
        if rest == "" and request.method == "GET":
            found = self._get(key)
            request.require_scope(
                scopes.space_get(found.created_by_app), _RPC + "SpacesService.GetSpace"
            )
            return ApiResponse.json(found.resource())
        # Only spaces.get takes a meeting code as an alias; every other method wants the id.
        space = self.spaces.get(key)
        if space is None:
            raise ApiError(404)
        if rest == "" and request.method == "PATCH":
            request.require_scope(
                scopes.space_patch(space.created_by_app), _RPC + "SpacesService.UpdateSpace"
            )
            return ApiResponse.json(self._patch(space, request).resource())
        if rest == ":endActiveConference" and request.method == "POST":
            self.end_active(space, self._clock())
            return ApiResponse.json({})
        if rest.startswith("/members"):
            return self._members(space, request, rest.removeprefix("/members").strip("/"))
        raise ApiError(404, f"The emulator does not implement {request.method} {path}.")

    def _get(self, key: str) -> Space:
        space = self.find(key)
        if space is None:
            raise ApiError(404)
        return space

    def _patch(self, space: Space, request: ApiRequest) -> Space:
        body = request.json_body()
        incoming = _object(body, "config")
        mask = [p.strip() for p in (request.param("updateMask") or "").split(",") if p.strip()]
        if not mask:
            space.config = _checked_config(_merge(space.config, incoming))
        elif mask == ["*"]:
            space.config = _checked_config(incoming)
        else:
            config = copy.deepcopy(space.config)
            for raw in mask:
                keys = [_camel(k) for k in raw.split(".")]
                if keys[0] != "config":
                    raise ApiError(400, f"Invalid field mask path: {raw}. Only config is mutable.")
                if keys == ["config"]:
                    config = copy.deepcopy(incoming)
                    continue
                _set_path(config, keys[1:], _get_path(incoming, keys[1:]))
            space.config = _checked_config(config)
        return space

    def end_active(self, space: Space, when: datetime) -> None:
        """End the space's active conference, if any, and everyone still in it, at ``when``."""
        if space.active_record is None:
            return
        record = self.records.records.get(space.active_record.removeprefix("conferenceRecords/"))
        if record is not None:
            record.finish(when)
        space.active_record = None

    def _members(self, space: Space, request: ApiRequest, member_id: str) -> ApiResponse:
        if not member_id and request.method == "POST":
            body = request.json_body()
            email = str(body.get("email") or "").strip()
            if "@" not in email:
                raise ApiError(400, "A member needs an email address.")
            if any(m["email"].lower() == email.lower() for m in space.members.values()):
                raise ApiError(409, f"{email} is already a member of {space.name}.")
            role = str(body.get("role") or "ROLE_UNSPECIFIED")
            if role not in ("ROLE_UNSPECIFIED", "COHOST"):
                raise ApiError(400, f"Invalid value for role: {role}")
            new_id = self._ids.participant_id()
            created: JSON = {"name": f"{space.name}/members/{new_id}", "email": email}
            created |= {"role": role, "user": f"users/{self._ids.user_id()}"}
            space.members[new_id] = created
            return ApiResponse.json(created)
        if not member_id and request.method == "GET":
            size = request.int_param("pageSize", 0, low=0, high=2**31 - 1) or 250
            page, token = paginate(
                list(space.members.values()), min(size, 500), request.param("pageToken")
            )
            listing: JSON = {"members": page} if page else {}
            if token:
                listing["nextPageToken"] = token
            return ApiResponse.json(listing)
        member = space.members.get(member_id)
        if member is None:
            raise ApiError(404)
        if request.method == "GET":
            return ApiResponse.json(member)
        if request.method == "DELETE":
            del space.members[member_id]
            return ApiResponse.json({})
        raise ApiError(404, f"The emulator does not implement {request.method} on members.")


def _object(body: JSON, key: str) -> JSON:
    value = body.get(key) or {}
    if not isinstance(value, dict):
        raise ApiError(400, f"Invalid JSON payload received. '{key}' must be an object.")
    return value


def _camel(name: str) -> str:
    head, *tail = name.split("_")
    return head + "".join(word.title() for word in tail)


def _merge(target: JSON, patch: JSON) -> JSON:
    merged = copy.deepcopy(target)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _get_path(source: JSON, keys: list[str]) -> Any:
    value: Any = source
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _set_path(target: JSON, keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    if value is None:
        target.pop(keys[-1], None)
    else:
        target[keys[-1]] = copy.deepcopy(value)


def _checked_config(config: JSON) -> JSON:
    """Refuse unknown fields and enum values the way Google's JSON parser does."""
    for key, value in config.items():
        if key not in _OBJECTS and key not in _ENUMS:
            raise ApiError(
                400,
                f"Invalid JSON payload received. Unknown name \"{key}\" at 'space.config': "
                "Cannot find field.",
            )
        if key in _OBJECTS:
            if not isinstance(value, dict):
                raise ApiError(400, f"Invalid JSON payload received. config.{key} is an object.")
            for inner, inner_value in value.items():
                _check_enum(f"{key}.{inner}", inner_value)
        else:
            _check_enum(key, value)
    if config.get("accessType") == "ACCESS_TYPE_UNSPECIFIED":
        config = {k: v for k, v in config.items() if k != "accessType"}
    return config


def _check_enum(path: str, value: Any) -> None:
    allowed = _ENUMS.get(path)
    if allowed is None:
        return
    unspecified = value if isinstance(value, str) and value.endswith("_UNSPECIFIED") else None
    if value not in allowed and value != unspecified:
        raise ApiError(
            400, f"Invalid value at 'space.config.{path}': \"{value}\". Use one of {allowed}."
        )
