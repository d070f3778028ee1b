"""What ``open`` prepares before it acts: one adapter per track, checked input, progress.

Everything here fails with :class:`~meetlink.errors.InputError` (exit code 2, nothing done):
a track's ``settings:`` that its adapter refuses (located at their line in the meeting
file), a platform whose optional extra is missing, and a bridge point whose host unit has
no technical officer on a platform that hands out secrets.

Example:
    >>> Silent().phase("conferences", 3)  # the progress the Python API reports by default
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Any, Protocol, Union, get_args, get_origin

from pydantic import ValidationError

from meetlink import loading
from meetlink.adapters.base import ConferenceAdapter
from meetlink.adapters.models import PointRef
from meetlink.adapters.registry import available_adapters, get_adapter
from meetlink.errors import AdapterNotFound, InputError, Problem
from meetlink.loading import MeetingFile, settings_problems
from meetlink.loading.tracks import with_capacities
from meetlink.planning import Plan

__all__ = [
    "LineProgress",
    "Progress",
    "Silent",
    "load_meeting",
    "make_adapters",
    "setting_paths",
]


def load_meeting(path: str | Path) -> MeetingFile:
    """Read the meeting file and its roster, every ``platform:`` checked against the adapters
    registered: :func:`meetlink.loading.load_meeting` with the registry's names.

    Raises :class:`~meetlink.errors.InputError` with every problem.

    Example:
        >>> import meetlink
        >>> loaded = meetlink.load_meeting("examples/myhao-2023q3/meeting.yaml")  # doctest: +SKIP
        >>> loaded.meeting.id                                                    # doctest: +SKIP
        'myhao-2023q3'
    """
    loaded = loading.load_meeting(path, platforms=available_adapters())
    capacities = {t.id: _capacity(t.platform, t.settings) for t in loaded.meeting.tracks}
    return dataclasses.replace(loaded, meeting=with_capacities(loaded.meeting, capacities))


def _capacity(platform: str, settings: Mapping[str, Any]) -> int | None:
    """The participants one conference of the platform holds (None: no limit, or the
    platform's extra is missing, which :func:`make_adapters` reports)."""
    try:
        return get_adapter(platform).capacity_for(settings)
    except AdapterNotFound:
        return None


class Progress(Protocol):
    """How a run reports progress: a phase with a total, one step at a time."""

    def phase(self, name: str, total: int) -> None: ...
    def advance(self) -> None: ...
    def finish(self) -> None: ...


class Silent:
    """Reports nothing (the Python API's default)."""

    def phase(self, name: str, total: int) -> None:
        """Start a phase."""

    def advance(self) -> None:
        """One step done."""

    def finish(self) -> None:
        """The phase is over."""


class LineProgress:
    """Plain lines on a stream, for logs and terminals that are not interactive."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.name, self.total, self.done = "", 0, 0

    def phase(self, name: str, total: int) -> None:
        """Start a phase."""
        self.name, self.total, self.done = name, total, 0

    def advance(self) -> None:
        """One step done."""
        self.done += 1

    def finish(self) -> None:
        """Print the phase's count."""
        if self.total:
            print(f"{self.name}: {self.done}/{self.total}", file=self.stream, flush=True)


def make_adapters(
    loaded: MeetingFile,
    plan: Plan,
    state: Path,
    *,
    environ: Mapping[str, str],
    http: object = None,
) -> dict[str, ConferenceAdapter]:
    """One adapter per track (keyed by track id), or :class:`InputError` with every problem."""
    problems: list[Problem] = []
    adapters: dict[str, ConferenceAdapter] = {}
    shown = str(loaded.path)
    for index, track in enumerate(loaded.meeting.tracks):
        try:
            cls = get_adapter(track.platform)
        except AdapterNotFound as exc:
            problems.append(
                Problem(
                    shown,
                    loaded.line_of("tracks", index, "platform"),
                    f"tracks[{index}].platform",
                    str(exc),
                    yaml=True,
                )
            )
            continue
        raw = _settings(
            cls, dict(track.settings), loaded.path.parent, state / "platforms" / track.id
        )
        if "login_track" in cls.settings_model.model_fields and "login_track" not in raw:
            raw["login_track"] = _ids_alike(loaded, plan, track.id)  # provisioned
        try:
            settings = cls.validate_settings(raw)
        except ValidationError as exc:
            problems.extend(settings_problems(loaded, index, exc))
            continue
        kwargs: dict[str, Any] = {"http": http}
        if "env" in inspect.signature(cls).parameters:
            kwargs["env"] = environ
        adapter = cls(settings, **kwargs)
        # On the instance: its settings may turn secrets on (Jitsi tokens).
        problems.extend(_officers(loaded, plan, track.id, adapter))
        # e.g. a provider's account sheet against the planned points
        try:
            adapter.prepare([PointRef.of(p) for p in plan.points_of(track.id)])
        except InputError as exc:  # an adapter's own problems lack a place: the track's
            where = ("tracks", index, "settings" if track.settings else "platform")
            problems.extend(
                p
                if p.file
                else Problem(
                    shown,
                    loaded.line_of(*where),
                    f"tracks[{index}].{where[2]}",
                    p.message,
                    yaml=True,
                )
                for p in exc.problems
            )
        adapters[track.id] = adapter
    if problems:
        for adapter in adapters.values():
            adapter.close()
        raise InputError(problems)
    return adapters


def setting_paths(loaded: MeetingFile, state: Path) -> list[Path] | None:
    """Every file or folder a track's settings name, resolved as :func:`make_adapters`
    resolves them (beside the meeting file; the platform's state folder under ``state``):
    what an adapter may read when it is made. None when a track signs in by name
    (``login``, ``login:NAME``: a sealed file or the OS keyring, outside what the settled
    stamp of :mod:`meetlink.reconcile.settled` can vouch for).

    Example:
        >>> setting_paths(meetlink.load_meeting("examples/hatinh-2023-12/meeting.yaml"),
        ...               Path(".meetlink"))  # doctest: +SKIP
        []
    """
    found: list[Path] = []
    for track in loaded.meeting.tracks:
        try:
            cls = get_adapter(track.platform)
        except AdapterNotFound:
            return None
        raw = _settings(
            cls, dict(track.settings), loaded.path.parent, state / "platforms" / track.id
        )
        lists = getattr(cls.settings_model, "path_lists", ())
        for name, info in cls.settings_model.model_fields.items():
            value = raw.get(name)
            entries = value if isinstance(value, list) else [value]
            if (name == "login" and value) or any(
                isinstance(e, str) and e.startswith("login:") for e in entries
            ):
                return None
            if _is_path(info.annotation) and isinstance(value, str | Path):
                found.append(Path(value))
            elif name in lists:
                # a file's entry (addresses hold "@", names "login:"): read by the adapter
                found.extend(
                    Path(e) for e in entries if isinstance(e, str) and e and not {"@", ":"} & set(e)
                )
    return found


def _ids_alike(loaded: MeetingFile, plan: Plan, track_id: str) -> bool:
    """Whether a bridge point of the track has the id of one in another track on the same
    platform, but for case (``X-1``, ``x-1``): a provider's generated logins, which are
    lower case, then carry their track, so that two units never get one login."""
    tracks = {t.id: t.platform for t in loaded.meeting.tracks}
    mine = {p.id.lower() for p in plan.points_of(track_id)}
    return any(
        mine.intersection(p.id.lower() for p in plan.points_of(other))
        for other, platform in tracks.items()
        if other != track_id and platform == tracks[track_id]
    )


def _settings(
    cls: type[ConferenceAdapter], raw: dict[str, Any], base: Path, platform_state: Path
) -> dict[str, Any]:
    """Resolve path settings against the meeting file's folder; give adapters a state folder."""
    fields = cls.settings_model.model_fields
    if "state_dir" in fields and raw.get("state_dir") is None:
        raw["state_dir"] = platform_state
    for name, info in fields.items():
        value = raw.get(name)
        if isinstance(value, str) and _is_path(info.annotation) and not Path(value).is_absolute():
            raw[name] = base / value
    # lists whose entries may be files (google's organizers: addresses, login:NAME, or
    # token files); a file's relative path is read beside the meeting file too
    for name in getattr(cls.settings_model, "path_lists", ()):
        entries = raw.get(name)
        if isinstance(entries, list):
            raw[name] = [_beside(entry, base) for entry in entries]
    return raw


def _beside(entry: object, base: Path) -> object:
    """A relative file path resolved against ``base``; addresses and ``name:…`` kept.

    Example:
        >>> _beside("tokens/b.json", Path("/q3")), _beside("login:b", Path("/q3"))
        ('/q3/tokens/b.json', 'login:b')
    """
    if not isinstance(entry, str) or not entry or "@" in entry or ":" in entry:
        return entry
    return entry if Path(entry).is_absolute() else str(base / entry)


def _is_path(annotation: Any) -> bool:
    if annotation is Path:
        return True
    if get_origin(annotation) in (Union, UnionType):
        return any(_is_path(arg) for arg in get_args(annotation))
    return False


def _officers(
    loaded: MeetingFile, plan: Plan, track_id: str, adapter: ConferenceAdapter
) -> list[Problem]:
    """A platform that hands out secrets needs an officer with an e-mail at every host unit."""
    if not adapter.needs_officer():
        return []
    problems = []
    seen: set[str] = set()
    for point in plan.points_of(track_id):
        host = plan.units[point.host_unit]
        if host.id in seen:
            continue
        seen.add(host.id)
        if host.officer is None or not host.officer.email:
            problems.append(
                Problem(
                    loaded.roster.source,
                    host.row,
                    "officer_email",
                    (
                        f"unit '{host.id}' hosts the bridge point '{point.name}' on the "
                        f"'{adapter.name}' platform, which hands every point its own login and "
                        "password, "
                        "but it has no technical officer with an e-mail address; fill in "
                        "officer_name and officer_email (cán bộ kỹ thuật, email)."
                    ),
                )
            )
    return problems
