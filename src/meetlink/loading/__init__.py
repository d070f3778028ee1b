"""Load a meeting file and its roster, reporting every problem at once.

YAML problems print as ``FILE:LINE: key.path: sentence`` (``tracks[0].sittings[1].end``),
roster problems as ``FILE:ROW:COLUMN: sentence``. Nothing is created or written here.

The meeting file is read with bounds (:mod:`meetlink.loading.yaml_file`: no anchors, no
tags, no control characters, nesting at most :data:`MAX_DEPTH`), validated against
:class:`~meetlink.loading.meeting.Meeting` (:mod:`meetlink.loading.validation` turns
pydantic's errors into sentences) and checked against its roster
(:mod:`meetlink.loading.checks`: unknown units and hosts, overlapping sittings, a track that
no unit of the roster attends or that seats nobody at one of its sittings).

Example:
    >>> from meetlink.loading import load_meeting
    >>> loaded = load_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
    >>> loaded.meeting.id, len(loaded.roster.units)                   # doctest: +SKIP
    ('myhao-2023q3', 64)
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from meetlink.errors import InputError, Problem
from meetlink.loading.checks import (
    empty_tracks,
    overlapping_sittings,
    roster_problems,
    unknown_platforms,
)
from meetlink.loading.meeting import Meeting, check_timezone
from meetlink.loading.roster import Roster, load_roster
from meetlink.loading.validation import validation_problems, validation_sentence
from meetlink.loading.yaml_file import MAX_DEPTH, KeyPath, dotted, line_for, read_yaml
from meetlink.text import read_utf8

__all__ = [
    "MAX_DEPTH",
    "MeetingFile",
    "beside",
    "load_meeting",
    "parse_meeting_text",
    "read_meeting_file",
    "settings_problems",
]

_MULTILINE_KEYS: frozenset[KeyPath] = frozenset({("description",)})
"""The free text of several lines: the one value that may hold a line break."""


@dataclass(frozen=True)
class MeetingFile:
    """A loaded meeting: the validated file, its roster, and where each key was written."""

    path: Path
    meeting: Meeting
    roster: Roster
    lines: dict[KeyPath, int] = field(default_factory=dict, repr=False, compare=False)
    sources: dict[Path, str] = field(default_factory=dict, repr=False, compare=False)
    """Every file the loader read (the meeting file, the roster), each with the SHA-256 of
    the very bytes it parsed ("" when the file changed while it was read): what
    :mod:`meetlink.reconcile.settled` checks before it trusts an earlier run."""

    def line_of(self, *key: str | int) -> int:
        """The line a key path was written on (its nearest written parent when absent)."""
        return line_for(self.lines, key)

    @property
    def templates_folder(self) -> Path | None:
        """The meeting's ``templates:`` folder, resolved beside the meeting file; None when
        the built-in words are used."""
        return _beside(self.path, self.meeting.templates)


def load_meeting(path: str | Path, *, platforms: Collection[str] | None = None) -> MeetingFile:
    """Read the meeting file and its roster; raise :class:`InputError` with every problem.

    ``platforms`` are the names a track's ``platform:`` may take; ``meetlink.load_meeting``
    passes the adapter registry's (this layer does not know the adapters).
    """
    path = Path(path)
    shown = str(path)
    data = _meeting_bytes(path)
    meeting, lines = _parse_meeting_bytes(data, shown, platforms)
    roster_path = _beside(path, meeting.roster) or path.parent
    problems: list[Problem] = []
    templates = _beside(path, meeting.templates)
    if templates is not None and not templates.is_dir():
        problems.append(
            Problem(
                shown,
                line_for(lines, ("templates",)),
                "templates",
                f"the templates folder {templates} does not exist; create it or remove "
                "the key to use the built-in words.",
                yaml=True,
            )
        )
    roster: Roster | None = None
    try:
        roster = load_roster(roster_path)
    except InputError as exc:
        problems.extend(exc.problems)
    problems.extend(roster_problems(shown, meeting, roster, lines))
    if not problems and roster is not None:
        problems.extend(empty_tracks(shown, meeting, roster, lines))
    if problems or roster is None:
        raise InputError(problems)
    sources = {path: hashlib.sha256(data).hexdigest(), Path(roster.source): roster.digest}
    return MeetingFile(path, meeting, roster, lines, sources)


def read_meeting_file(
    path: str | Path, *, platforms: Collection[str] | None = None
) -> tuple[Meeting, dict[KeyPath, int]]:
    """The meeting file alone, validated, and the line of each key (no roster read): what
    :func:`load_meeting` and the registration commands start from.

    >>> read_meeting_file("missing.yaml")  # doctest: +SKIP
    Traceback (most recent call last):
    meetlink.errors.InputError: missing.yaml: the meeting file does not exist; check the path.
    """
    path = Path(path)
    return _parse_meeting_bytes(_meeting_bytes(path), str(path), platforms)


def _meeting_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise InputError.single(str(path), "the meeting file does not exist; check the path.")
    return path.read_bytes()


def _parse_meeting_bytes(
    data: bytes, shown: str, platforms: Collection[str] | None
) -> tuple[Meeting, dict[KeyPath, int]]:
    text, advice = read_utf8(data)
    if text is None:
        raise InputError.single(shown, advice)
    return parse_meeting_text(text, shown, platforms=platforms)


def beside(meeting_path: Path, given: Path) -> Path:
    """A path written in the meeting file, resolved beside it (an absolute one as it is)."""
    return given if given.is_absolute() else meeting_path.parent / given


def _beside(meeting_path: Path, given: Path | None) -> Path | None:
    return None if given is None else beside(meeting_path, given)


def parse_meeting_text(
    text: str, shown: str = "<meeting>", *, platforms: Collection[str] | None = None
) -> tuple[Meeting, dict[KeyPath, int]]:
    """Parse and validate meeting YAML text; return the model and the line of every key.

    ``platforms``, when given, are the names a track's ``platform:`` may take (the adapter
    registry's, which sits above loading: the caller passes them in).
    """
    data, lines, problems = read_yaml(text, shown, multiline=_MULTILINE_KEYS)
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
    problems.extend(unknown_platforms(data, lines, shown, platforms))
    try:
        meeting = Meeting.model_validate(data, context=context)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, lines, shown, Meeting))
        raise InputError(sorted(problems)) from None
    problems.extend(overlapping_sittings(shown, meeting, lines))
    if problems:
        raise InputError(sorted(problems))
    return meeting.written_in(shown, lines), lines


def settings_problems(loaded: MeetingFile, track: int, exc: ValidationError) -> list[Problem]:
    """A track's ``settings:`` refused by its adapter, each problem at its line."""
    prefix: KeyPath = ("tracks", track, "settings")
    out = []
    for error in exc.errors(include_url=False, include_input=False):
        loc: KeyPath = (*prefix, *error["loc"])
        message = (
            validation_sentence(error, loc, BaseModel)
            if error["type"] != "extra_forbidden"
            else (
                f"unknown setting '{loc[-1]}' for this platform; remove it or check its spelling."
            )
        )
        out.append(
            Problem(str(loaded.path), line_for(loaded.lines, loc), dotted(loc), message, yaml=True)
        )
    return out
