"""Load a meeting file and its roster, reporting every problem at once.

YAML problems print as ``FILE:LINE: key.path: sentence`` (``tracks[0].sittings[1].end``),
roster problems as ``FILE:ROW:COLUMN: sentence``. Nothing is created or written here.

A meeting file is read with bounds, so that no file can make loading slow or large:

* no anchors (``&name``) and aliases (``*name``): a meeting file is short, so every value is
  written where it is used, and an "alias bomb" (a few KB that expand to gigabytes) cannot
  be written at all; nesting deeper than :data:`MAX_DEPTH` is refused too;
* only the plain YAML types: text, numbers, true/false, null, lists and mappings. A tag such
  as ``!!timestamp`` or ``!!binary`` is refused at its line (times are text, read in the
  meeting's zone);
* no text value (nor key) holds a control character: a tab, an escape, a bell, a line
  break — they break invitations and terminals. The one exception is a line break in
  ``description``, which is free text of several lines;
* a track that no unit of the roster attends, or that seats nobody at one of its sittings,
  and two sittings of one track that overlap, are refused at their lines.

Example:
    >>> from meetlink.loading import load_meeting
    >>> loaded = load_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
    >>> loaded.meeting.id, len(loaded.roster.units)                   # doctest: +SKIP
    ('myhao-2023q3', 64)
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from meetlink.errors import InputError, Problem
from meetlink.loading.meeting import AttendanceMode, Meeting, Track, check_timezone
from meetlink.loading.roster import Roster, load_roster
from meetlink.loading.tracks import tracks_of_units
from meetlink.text import control_problem, read_utf8

__all__ = ["MAX_DEPTH", "MeetingFile", "load_meeting", "parse_meeting_text", "settings_problems"]

Path_ = tuple[str | int, ...]

MAX_DEPTH = 32
"""How deeply a meeting file's lists and mappings may nest (the real ones: 5)."""
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_MAX_NUMBER_CHARACTERS = 32
_MULTILINE_KEYS = frozenset({("description",)})
# What PyYAML's reader refuses outright: control characters other than tab and line breaks.
_UNREADABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


class _Refused(yaml.MarkedYAMLError):
    """Something meetlink refuses in a meeting file (not a syntax error), at its mark and
    key path."""

    def __init__(self, problem: str, mark: yaml.Mark, path: Path_) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.path = path


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text (meetlink reads them in the meeting's zone),
    refuses anchors and aliases, and bounds the nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.path: list[str | int] = []

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        key = index.value if isinstance(index, yaml.ScalarNode) else index
        entered = isinstance(key, str | int) and parent is not None
        if entered:
            self.path.append(key)  # type: ignore[arg-type]
        try:
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _Refused(
                    "anchors (&name) and aliases (*name) are not allowed in a meeting file; "
                    "write the value out where it is used.",
                    event.start_mark,
                    tuple(self.path),
                )
            if len(self.path) > MAX_DEPTH:
                raise _Refused(
                    f"the lists and mappings nest deeper than {MAX_DEPTH} levels here; a "
                    "meeting file needs five at most.",
                    event.start_mark,
                    tuple(self.path[:MAX_DEPTH]),
                )
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            if entered:
                self.path.pop()


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


def load_meeting(path: str | Path, *, platforms: Collection[str] | None = None) -> MeetingFile:
    """Read the meeting file and its roster; raise :class:`InputError` with every problem.

    ``platforms`` are the names a track's ``platform:`` may take; ``meetlink.load_meeting``
    passes the adapter registry's (this layer does not know the adapters).
    """
    path = Path(path)
    shown = str(path)
    if not path.is_file():
        raise InputError.single(shown, "the meeting file does not exist; check the path.")
    text, advice = read_utf8(path.read_bytes())
    if text is None:
        raise InputError.single(shown, advice)
    meeting, lines = parse_meeting_text(text, shown, platforms=platforms)
    roster_path = meeting.roster if meeting.roster.is_absolute() else path.parent / meeting.roster
    problems: list[Problem] = []
    roster: Roster | None = None
    try:
        roster = load_roster(roster_path)
    except InputError as exc:
        problems.extend(exc.problems)
    problems.extend(_cross_check(shown, meeting, roster, lines))
    if not problems and roster is not None:
        problems.extend(_empty_tracks(shown, meeting, roster, lines))
    if problems or roster is None:
        raise InputError(problems)
    return MeetingFile(path, meeting, roster, lines)


def parse_meeting_text(
    text: str, shown: str = "<meeting>", *, platforms: Collection[str] | None = None
) -> tuple[Meeting, dict[Path_, int]]:
    """Parse and validate meeting YAML text; return the model and the line of every key.

    ``platforms``, when given, are the names a track's ``platform:`` may take (the adapter
    registry's, which sits above loading: the caller passes them in).
    """
    # PyYAML refuses a raw control character before parsing, with no line or key: mask each
    # with a printable one of the same length, and report it at its key like an escaped one.
    unreadable = [m.start() for m in _UNREADABLE.finditer(text)]
    loader = _Loader(_UNREADABLE.sub("\ufffd", text) if unreadable else text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError.single(shown, "the meeting file is empty.", where=1)
        lines: dict[Path_, int] = {}
        walk = _Walk(shown, text, unreadable, lines)
        walk.visit(node, ())
        problems = walk.problems
        if walk.fatal:  # a tag the constructor would choke on, a number too long to read
            raise InputError(sorted(problems))
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        detail = exc.problem or str(exc)
        if isinstance(exc, _Refused):
            raise InputError([Problem(shown, line, _dotted(exc.path), detail, yaml=True)]) from None
        message = (
            f"YAML syntax error: {detail}; check the "
            "indentation and quotes on this line or the one above."
        )
        raise InputError([Problem(shown, line, "", message, yaml=True)]) from None
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
    problems.extend(_unknown_platforms(data, lines, shown, platforms))
    try:
        meeting = Meeting.model_validate(data, context=context)
    except ValidationError as exc:
        problems.extend(_problems_from(exc, lines, shown, Meeting))
        raise InputError(sorted(problems)) from None
    problems.extend(_overlaps(shown, meeting, lines))
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


class _Walk:
    """One pass over the composed YAML: the line of every key path, and what is refused
    before anything is built (keys written twice, tags, control characters)."""

    def __init__(self, shown: str, text: str, unreadable: list[int], lines: dict[Path_, int]):
        self.shown, self.text, self.unreadable, self.lines = shown, text, unreadable, lines
        self.problems: list[Problem] = []
        self.fatal = False

    def problem(self, line: int, path: Path_, message: str) -> None:
        self.problems.append(Problem(self.shown, line, _dotted(path), message, yaml=True))

    def visit(self, node: yaml.Node, path: Path_) -> None:
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        if node.tag not in _PLAIN_TAGS:
            self.fatal = True
            written = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.problem(
                line,
                path,
                f"the tag {written} is not allowed; write the value plainly (text, a number, "
                "true/false, a list or a mapping; a time as 2023-09-10T08:00).",
            )
            return
        if isinstance(node, yaml.ScalarNode):
            self.scalar(node, path)
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                key_line = key_node.start_mark.line + 1
                if isinstance(key_node, yaml.ScalarNode) and self.scalar(key_node, (*path, key)):
                    continue  # a key with a control character: its value would only echo it
                if key in seen:
                    self.problem(
                        key_line,
                        (*path, key),
                        f"this key is written twice (first on line {seen[key]}); keep one.",
                    )
                seen[key] = key_line
                self.lines[(*path, key)] = key_line
                self.visit(value_node, (*path, key))
                self.lines[(*path, key)] = key_line
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.visit(item, (*path, i))

    def scalar(self, node: yaml.ScalarNode, path: Path_) -> bool:
        """Report a control character or a number too long to read; True if refused."""
        line = node.start_mark.line + 1
        start, end = node.start_mark.index, node.end_mark.index
        first = bisect.bisect_left(self.unreadable, start)
        if first < len(self.unreadable) and self.unreadable[first] < end:
            # written raw (PyYAML would refuse the whole file): count from the value's start
            start += 1 if node.style in ("'", '"') else 0
            written = self.text[start : self.unreadable[first] + 1]
            self.problem(line, path, control_problem(written) or "")
            return True
        value = str(node.value)
        message = control_problem(value, allow="\n" if path in _MULTILINE_KEYS else "")
        if message is not None:
            self.problem(line, path, message)
            return True
        if node.tag in _NUMBER_TAGS and len(value) > _MAX_NUMBER_CHARACTERS:
            self.fatal = True
            self.problem(
                line,
                path,
                f"this number has more than {_MAX_NUMBER_CHARACTERS} "
                "characters; write a sensible one.",
            )
            return True
        return False


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
    if kind in ("greater_than_equal", "greater_than", "less_than", "less_than_equal"):
        shown = f"{given} is out of range" if given is not None else f"'{name}' is out of range"
        return f"{shown}: {error['msg'].lower()}."
    if kind == "string_pattern_mismatch" and name == "id":
        return (
            f"'{given}' is not a valid id; use lowercase letters a–z, digits and hyphens "
            "(it keys the ledger, event ids and invitation UIDs)."
        )
    if kind == "string_pattern_mismatch":  # a setting's input may be hidden (a secret's)
        shown = f"'{given}'" if given is not None else "the value"
        return f"{shown} is not in the form '{name}' needs; check it against the documentation."
    if kind == "too_short" and isinstance(given, list | tuple):
        return f"'{name}' needs at least one entry."
    if kind == "value_error":
        # settings hide their input, and pydantic then drops the context: cut its prefix
        message = str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
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


def _unknown_platforms(
    data: dict[str, Any],
    lines: dict[Path_, int],
    shown: str,
    platforms: Collection[str] | None,
) -> list[Problem]:
    tracks = data.get("tracks")
    if not isinstance(tracks, list) or platforms is None:
        return []
    known = list(platforms)
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


def _overlaps(shown: str, meeting: Meeting, lines: dict[Path_, int]) -> Iterator[Problem]:
    """Two sittings of one track at the same time: each unit would have to be in both.

    Compared by their first occurrence (a recurrence is not expanded)."""
    for t, track in enumerate(meeting.tracks):
        timed = sorted(
            (s.start.astimezone(dt.UTC), finish.astimezone(dt.UTC), i, s.id)
            for i, s in enumerate(track.sittings)
            if s.start is not None and (finish := s.finish) is not None
        )
        latest: tuple[dt.datetime, str] | None = None
        for start, end, i, sitting_id in timed:
            if latest is not None and start < latest[0]:
                key: Path_ = ("tracks", t, "sittings", i, "start")
                yield Problem(
                    shown,
                    _line_for(lines, key),
                    _dotted(key),
                    (
                        f"this sitting starts before sitting '{latest[1]}' of the same track "
                        "ends; a track's sittings follow one another, so move one of them (or "
                        "put one in a track of its own)."
                    ),
                    yaml=True,
                )
            if latest is None or end > latest[0]:
                latest = (end, sitting_id)


def _empty_tracks(
    shown: str, meeting: Meeting, roster: Roster, lines: dict[Path_, int]
) -> Iterator[Problem]:
    """A track no unit attends, or one that seats nobody at a sitting: an empty conference."""
    members: dict[str, list[int]] = {t.id: [] for t in meeting.tracks}
    units = roster.by_id()
    for unit_id, track_id in tracks_of_units(meeting, roster).items():
        members[track_id].append(units[unit_id].seated_members)
    for t, track in enumerate(meeting.tracks):
        where: Path_ = ("tracks", t, "units")
        seated = members[track.id]
        message = ""
        if not track.units.kinds and not track.units.ids:
            message = (
                "this track takes no units; list them in `units: {kinds: [...]}` or "
                "`units: {ids: [...]}`."
            )
        elif not roster.units:
            message = f"the roster {roster.source} has no units, so nobody attends this track."
        elif not seated:
            message = (
                f"no unit of the roster {roster.source} attends this track: none has one of "
                "its kinds or ids, or those units attend an earlier track; check `units:`."
            )
        elif not any(seated):
            message = (
                "every unit of this track has no member to seat (members − excluded is 0), "
                "so its conferences would be empty; check the roster's members and excluded."
            )
        if message:
            yield Problem(shown, _line_for(lines, where), _dotted(where), message, yaml=True)
            continue
        yield from _empty_sittings(shown, t, track, seated, lines)


def _empty_sittings(
    shown: str, t: int, track: Track, seated: list[int], lines: dict[Path_, int]
) -> Iterator[Problem]:
    """With ``attendance: split``, a sitting may get no seat: more sittings than members."""
    if track.attendance != AttendanceMode.SPLIT:
        return
    parts = len(track.sittings)
    # Each unit's extra seats go to the first sittings: the last get a seat only when some
    # unit has as many members as there are sittings.
    if any(count >= parts for count in seated):
        return
    for j in range(max(seated, default=0), parts):
        key: Path_ = ("tracks", t, "sittings", j)
        yield Problem(
            shown,
            _line_for(lines, key),
            _dotted(key),
            (
                f"nobody is seated at this sitting: the track's members, split across its "
                f"{parts} sittings (attendance: split), leave none for it; use fewer "
                "sittings or attendance: all."
            ),
            yaml=True,
        )
