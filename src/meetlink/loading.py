"""Load a meeting file and its roster, reporting every problem at once.

YAML problems print as ``FILE:LINE: key.path: sentence`` (``tracks[0].sittings[1].end``),
roster problems as ``FILE:ROW:COLUMN: sentence``. Nothing is created or written here.

Example:
    >>> from meetlink.loading import load_meeting
    >>> loaded = load_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
    >>> loaded.meeting.id, len(loaded.roster.units)                   # doctest: +SKIP
    ('myhao-2023q3', 64)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from meetlink.adapters.registry import available_adapters
from meetlink.errors import InputError, Problem
from meetlink.meeting import Meeting, check_timezone
from meetlink.roster import Roster, load_roster
from meetlink.text import read_utf8

__all__ = ["MeetingFile", "load_meeting", "parse_meeting_text", "settings_problems"]

Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text: meetlink reads them in the meeting's zone."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class MeetingFile:
    """A loaded meeting: the validated file, its roster, and where each key was written."""

    path: Path
    meeting: Meeting
    roster: Roster
    lines: dict[Path_, int] = field(default_factory=dict, repr=False, compare=False)

    def line_of(self, *key: str | int) -> int:
        """The line a key path was written on (its nearest written parent when absent)."""
        return _line_for(self.lines, key)


def load_meeting(path: str | Path) -> MeetingFile:
    """Read the meeting file and its roster; raise :class:`InputError` with every problem."""
    path = Path(path)
    shown = str(path)
    if not path.is_file():
        raise InputError.single(shown, "the meeting file does not exist; check the path.")
    text, advice = read_utf8(path.read_bytes())
    if text is None:
        raise InputError.single(shown, advice)
    meeting, lines = parse_meeting_text(text, shown)
    roster_path = meeting.roster if meeting.roster.is_absolute() else path.parent / meeting.roster
    problems: list[Problem] = []
    roster: Roster | None = None
    try:
        roster = load_roster(roster_path)
    except InputError as exc:
        problems.extend(exc.problems)
    problems.extend(_cross_check(shown, meeting, roster, lines))
    if problems or roster is None:
        raise InputError(problems)
    return MeetingFile(path, meeting, roster, lines)


def parse_meeting_text(text: str, shown: str = "<meeting>") -> tuple[Meeting, dict[Path_, int]]:
    """Parse and validate meeting YAML text; return the model and the line of every key."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError.single(shown, "the meeting file is empty.", where=1)
        lines: dict[Path_, int] = {}
        problems = list(_index(node, (), lines, shown))
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        detail = exc.problem or str(exc)
        raise InputError(
            [
                Problem(
                    shown,
                    line,
                    "",
                    f"YAML syntax error: {detail}; check the "
                    "indentation and quotes on this line or the one above.",
                    yaml=True,
                )
            ]
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise InputError(
            [
                Problem(
                    shown,
                    1,
                    "",
                    "the meeting file must be a mapping of keys (id:, title:, tracks: …).",
                    yaml=True,
                )
            ]
        )
    zone = data.get("timezone", "Asia/Ho_Chi_Minh")
    try:
        context = {"timezone": check_timezone(str(zone))}
    except ValueError:
        context = {"timezone": "Asia/Ho_Chi_Minh"}  # reported by the model's own validator
    problems.extend(_unknown_platforms(data, lines, shown))
    try:
        meeting = Meeting.model_validate(data, context=context)
    except ValidationError as exc:
        problems.extend(_problems_from(exc, lines, shown, Meeting))
        raise InputError(sorted(problems)) from None
    if problems:
        raise InputError(sorted(problems))
    return meeting, lines


def settings_problems(loaded: MeetingFile, track: int, exc: ValidationError) -> list[Problem]:
    """A track's ``settings:`` refused by its adapter, each problem at its line."""
    prefix: Path_ = ("tracks", track, "settings")
    out = []
    for error in exc.errors(include_url=False, include_input=False):
        loc: Path_ = (*prefix, *error["loc"])
        message = (
            _sentence(error, loc, BaseModel)
            if error["type"] != "extra_forbidden"
            else (
                f"unknown setting '{loc[-1]}' for this platform; remove it or check its spelling."
            )
        )
        out.append(
            Problem(
                str(loaded.path), _line_for(loaded.lines, loc), _dotted(loc), message, yaml=True
            )
        )
    return out


def _index(node: yaml.Node, path: Path_, lines: dict[Path_, int], shown: str) -> Iterator[Problem]:
    """Record the line of every key path; report keys written twice."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                yield Problem(
                    shown,
                    line,
                    _dotted((*path, key)),
                    f"this key is written twice (first on line {seen[key]}); keep one.",
                    yaml=True,
                )
            seen[key] = line
            lines[(*path, key)] = line
            yield from _index(value_node, (*path, key), lines, shown)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _index(item, (*path, i), lines, shown)


def _line_for(lines: dict[Path_, int], key: Path_) -> int:
    while key and key not in lines:
        key = key[:-1]
    return lines.get(key, 1)


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problems_from(
    exc: ValidationError, lines: dict[Path_, int], shown: str, model: type[BaseModel]
) -> Iterator[Problem]:
    errors = exc.errors(include_url=False, include_input=True)
    failed = [tuple(e["loc"]) for e in errors]
    for error in errors:
        loc: Path_ = tuple(p for p in error["loc"] if not str(p).startswith("function-"))
        nested = any(len(other) > len(loc) and other[: len(loc)] == loc for other in failed)
        if error["type"] == "too_short" and nested:
            continue  # pydantic's echo of its items' errors, not a problem of its own
        yield Problem(
            shown,
            _line_for(lines, loc),
            _dotted(loc) or "(top)",
            _sentence(error, loc, model),
            yaml=True,
        )


def _sentence(error: ErrorDetails, loc: Path_, model: type[BaseModel]) -> str:
    kind, given = error["type"], error.get("input")
    ctx = error.get("ctx") or {}
    name = str(loc[-1]) if loc else "value"
    if kind == "missing":
        return f"'{name}' is required; add it."
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(name, _known_keys(model, loc[:-1]), n=1)
        return f"unknown key '{name}'" + (
            f"; did you mean '{hint[0]}'?" if hint else "; remove it or check its spelling."
        )
    if kind == "enum":
        return f"'{given}' is not allowed here; use one of: {ctx.get('expected', '')}."
    if kind == "literal_error":
        return f"'{given}' is not allowed here; use {ctx.get('expected', '')}."
    if kind.startswith("int_"):
        return f"'{given}' is not a whole number; write digits only."
    if kind in ("greater_than_equal", "greater_than", "less_than"):
        return f"{given} is out of range: {error['msg'].lower()}."
    if kind == "string_pattern_mismatch":
        return (
            f"'{given}' is not a valid id; use lowercase letters a–z, digits and hyphens "
            "(it keys the ledger, event ids and invitation UIDs)."
        )
    if kind == "too_short" and isinstance(given, list | tuple):
        return f"'{name}' needs at least one entry."
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        return message[:1].lower() + message[1:] if message else error["msg"]
    return f"{error['msg']}."


def _known_keys(model: type[BaseModel], loc: Path_) -> list[str]:
    """The field names a model accepts at a location (for "did you mean")."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _inner_model(info.annotation)
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as ``tuple[Track, ...]`` or ``X | None``."""
    pending = [annotation]
    while pending:
        current = pending.pop(0)
        if isinstance(current, type) and issubclass(current, BaseModel):
            return current
        pending.extend(get_args(current))
    return None


def _unknown_platforms(data: dict[str, Any], lines: dict[Path_, int], shown: str) -> list[Problem]:
    tracks = data.get("tracks")
    if not isinstance(tracks, list):
        return []
    known = available_adapters()
    problems = []
    for t, track in enumerate(tracks):
        platform = track.get("platform") if isinstance(track, dict) else None
        if isinstance(platform, str) and platform not in known:
            key = ("tracks", t, "platform")
            problems.append(
                Problem(
                    shown,
                    _line_for(lines, key),
                    _dotted(key),
                    (
                        f"unknown platform '{platform}'; the registered ones are: "
                        f"{', '.join(known)}."
                    ),
                    yaml=True,
                )
            )
    return problems


def _cross_check(
    shown: str, meeting: Meeting, roster: Roster | None, lines: dict[Path_, int]
) -> Iterator[Problem]:
    """What only the meeting and the roster together can tell."""
    if roster is None:
        return
    units = roster.by_id()
    listed: dict[str, str] = {}
    for t, track in enumerate(meeting.tracks):
        for i, unit_id in enumerate(track.units.ids):
            key: Path_ = ("tracks", t, "units", "ids", i)
            if unit_id not in units:
                yield Problem(
                    shown,
                    _line_for(lines, key),
                    _dotted(key),
                    (f"no unit '{unit_id}' in the roster {roster.source}; check the id."),
                    yaml=True,
                )
            elif unit_id in listed and listed[unit_id] != track.id:
                yield Problem(
                    shown,
                    _line_for(lines, key),
                    _dotted(key),
                    (
                        f"unit '{unit_id}' is listed in tracks '{listed[unit_id]}' and "
                        f"'{track.id}'; a unit attends one track, so remove one."
                    ),
                    yaml=True,
                )
            listed.setdefault(unit_id, track.id)
    hosts: list[tuple[Path_, str | None]] = [
        (("rules", "default_host"), meeting.rules.default_host)
    ]
    hosts += [
        (("tracks", t, "rules", "default_host"), tr.rules.default_host if tr.rules else None)
        for t, tr in enumerate(meeting.tracks)
    ]
    for host_key, host in hosts:
        if host is not None and host not in units:
            yield Problem(
                shown,
                _line_for(lines, host_key),
                _dotted(host_key),
                (
                    f"no unit '{host}' in the roster {roster.source}; the default host must be "
                    "a unit id."
                ),
                yaml=True,
            )
