"""No file ``open`` reads escapes the settled stamp: every file opened for reading under the
meeting's folder, by a whole ``open`` (loading, templates, adapters, the phases), is one of
the loader's ``MeetingFile.sources`` or inside one of the stamp's other inputs."""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.registration.registration_forms import write_bloc

from meetlink.credentials.vault import VaultKey
from meetlink.loading import MeetingFile
from meetlink.planning import plan_meeting
from meetlink.reconcile import open_meeting
from meetlink.reconcile.invitation_hashes import HASHES_FILE
from meetlink.reconcile.settled import extra_sources
from meetlink.reconcile.setup import load_meeting, make_adapters

EXAMPLES = Path(__file__).parents[2] / "examples"

# The state folder's own bookkeeping, read by a run but not an input of what it wants: the
# outbox (what was sent; the ledger says what was done) and the locks.
_BOOKKEEPING = ("outbox", ".lock")


class Opened:
    """Every path opened for reading while it records."""

    def __init__(self) -> None:
        self.paths: set[Path] = set()

    def add(self, file: Any, reading: bool) -> None:
        if reading and isinstance(file, str | bytes | os.PathLike):
            self.paths.add(Path(os.fsdecode(file)).resolve())


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Opened:
    seen = Opened()
    real_open, real_os_open = io.open, os.open

    def recording_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        seen.add(file, "r" in mode or "+" in mode)
        return real_open(file, mode, *args, **kwargs)

    def recording_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        seen.add(path, flags & (os.O_WRONLY | os.O_RDWR) != os.O_WRONLY)
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", recording_open)
    monkeypatch.setattr(io, "open", recording_open)
    monkeypatch.setattr(os, "open", recording_os_open)
    return seen


def _covered(path: Path, inputs: list[Path]) -> bool:
    return any(path == i or path.is_relative_to(i) for i in inputs)


def _unlisted(opened: Opened, loaded: MeetingFile, state: Path) -> list[Path]:
    folder = loaded.path.parent.resolve()
    extra = extra_sources(loaded, state)
    assert extra is not None
    # the invitations' kept hashes: in the stamp as the run leaves them
    inputs = [p.resolve() for p in [*loaded.sources, *extra, state / HASHES_FILE]]
    return sorted(
        path
        for path in opened.paths
        if path.is_relative_to(folder)
        and path.is_file()
        and not _covered(path, inputs)
        and not any(mark in str(path.relative_to(folder)) for mark in _BOOKKEEPING)
        and not path.is_relative_to((state / "ledger.sqlite3").resolve())
    )


def _copy(example: str, tmp_path: Path) -> Path:
    folder = tmp_path / example
    shutil.copytree(EXAMPLES / example, folder, ignore=shutil.ignore_patterns(".meetlink"))
    return folder / "meeting.yaml"


def _with_templates(tmp_path: Path) -> Path:
    """The bloc meeting of seed 004 (its registration section), with its roster and a
    templates folder of its own."""
    path = write_bloc(tmp_path)
    shutil.copy(tmp_path / "to-chuc.csv", tmp_path / "roster-dang-ky.csv")
    words = tmp_path / "words"
    words.mkdir()
    builtin = Path(open_meeting.__code__.co_filename).parents[1] / "invites" / "templates"
    shutil.copy(builtin / "vi" / "description.txt", words / "description.txt")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("roster: ", "templates: words\nroster: ", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("example", ["myhao-2023q3", "branches-2023q4", "hatinh-2023-12"])
def test_every_file_a_whole_open_reads_is_in_the_stamp(
    example: str, tmp_path: Path, opened: Opened
) -> None:
    path = _copy(example, tmp_path)
    key = VaultKey.generate()
    assert open_meeting(path, vault_key=key).ok
    opened.paths.clear()
    assert open_meeting(path, vault_key=key).counts == {}  # the run that stamps
    loaded = load_meeting(path)
    assert _unlisted(opened, loaded, path.parent / ".meetlink") == []
    assert loaded.sources[path]
    assert loaded.sources[path.parent / loaded.meeting.roster]


def test_a_meeting_with_templates_and_registration(tmp_path: Path, opened: Opened) -> None:
    path = _with_templates(tmp_path)
    key = VaultKey.generate()
    assert open_meeting(path, vault_key=key).ok
    opened.paths.clear()
    assert open_meeting(path, vault_key=key).counts == {}
    loaded = load_meeting(path)
    assert (tmp_path / "words" / "description.txt").resolve() in opened.paths  # it was read
    assert _unlisted(opened, loaded, tmp_path / ".meetlink") == []


def test_the_google_example_loads_and_sets_up_within_its_sources(
    tmp_path: Path, opened: Opened
) -> None:
    path = _copy("budang-2022q1", tmp_path)
    environ = {**os.environ, "MEETLINK_GOOGLE_EMULATOR_HOST": "127.0.0.1:9"}
    loaded = load_meeting(path)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    state = tmp_path / ".meetlink"
    for adapter in make_adapters(loaded, plan, state, environ=environ).values():
        adapter.close()
    assert path.with_name("roster.xlsx") in loaded.sources
    assert _unlisted(opened, loaded, state) == []


def test_the_roster_digest_is_of_the_bytes_parsed(tmp_path: Path) -> None:
    path = _copy("hatinh-2023-12", tmp_path)
    loaded = load_meeting(path)
    roster = path.with_name("roster.csv")
    assert loaded.roster.digest == hashlib.sha256(roster.read_bytes()).hexdigest()
    assert loaded.sources[roster] == loaded.roster.digest
