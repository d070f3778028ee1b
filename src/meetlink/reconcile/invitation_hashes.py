"""The invitations' content hashes of the last run, kept beside the ledger (issue 19).

Building 10,000 invitation specs only to learn that none changed is most of a re-run's
time. So a run that builds them keeps their content hashes in ``invitation-hashes.json`` in
the state folder, under a fingerprint of **everything an invitation is made from**:

* meetlink's version and its installed code (each module's size and time, so an upgrade
  or an edited checkout is a full check);
* the meeting file as read (the validated model: tracks, sittings, notice, settings);
* the roster file's bytes (any change of any row: an officer's address, a name);
* the words of invitations (the templates' fingerprint: the meeting's folder or built-in);
* what the ledger says the invitations depend on: the join links of the conferences made,
  the calendar events' UIDs, the UIDs of invitations already sent, the sittings cancelled
  on purpose, and the part of the roster a scoped run acts on.

When the fingerprint is the same the stored hashes are the hashes the specs would give,
and the diff compares them with the ledger's rows as always (a row failed, left at intent
or missing is still acted on: the specs are then built for the actions only). When it
differs, the specs are built, hashed and the file written again. The file holds no secret
(effect keys and hashes); it is written privately all the same, like the rest of the
folder, and a file that cannot be read is simply ignored.

Example:
    >>> from meetlink.reconcile.invitation_hashes import inputs_mark
    >>> len(inputs_mark("a", "b")) == 64
    True
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import NamedTuple

from pydantic import TypeAdapter

from meetlink.invites.templates import Templates
from meetlink.loading.meeting import Meeting
from meetlink.loading.roster import Roster, Unit
from meetlink.private_files import write_private
from meetlink.reconcile.keys import EffectKey

__all__ = [
    "HASHES_FILE",
    "Entry",
    "code_mark",
    "inputs_mark",
    "invitations_mark",
    "read_hashes",
    "sources_mark",
    "write_hashes",
]

HASHES_FILE = "invitation-hashes.json"
_FORMAT = 1
_UNITS: TypeAdapter[tuple[Unit, ...]] = TypeAdapter(tuple[Unit, ...])


def inputs_mark(*parts: str) -> str:
    """A SHA-256 of the parts (each one separated, so ``("ab", "c") != ("a", "bc")``)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


@functools.cache
def code_mark() -> str:
    """meetlink's version and the size and time of each of its modules: a new release or an
    edited checkout makes every stored hash stale."""
    root = Path(__file__).parents[1]
    try:
        marks = [importlib.metadata.version("meetlink")]
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout
        marks = ["unknown"]
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".txt", ".html", ".ics") and path.is_file():
            status = path.stat()
            marks.append(f"{path.relative_to(root)}:{status.st_size}:{status.st_mtime_ns}")
    return inputs_mark(*marks)


def sources_mark(meeting: Meeting, roster: Roster) -> str:
    """The fingerprint of what the plan is made from: meetlink's code, the meeting as read
    (after the platforms' capacities) and every unit of the roster as parsed: the digest of
    the roster file's bytes when it was read from one (the same bytes and code parse to the
    same units), else the units serialized."""
    if roster.digest:
        units = f"file:{roster.digest}"
    else:
        units = hashlib.sha256(_UNITS.dump_json(roster.units)).hexdigest()
    return inputs_mark(code_mark(), meeting.model_dump_json(), units)


def invitations_mark(
    sources: str,
    templates: Templates,
    links: Mapping[str, str],
    events: Mapping[str, tuple[str, int]],
    cancelled: Collection[str],
    points: Collection[str] | None,
) -> str:
    """The fingerprint of every input of the invitation specs (see the module docstring):
    the sources (:func:`sources_mark`), the words, the conferences' join links and calendar
    events, the sittings cancelled and a scoped run's points. The UIDs of invitations sent
    are checked key by key when the hashes are read (:func:`read_hashes`)."""
    return inputs_mark(
        sources,
        templates.fingerprint,
        json.dumps(sorted(links.items()), ensure_ascii=False),
        json.dumps(sorted(events.items()), ensure_ascii=False),
        json.dumps(sorted(cancelled), ensure_ascii=False),
        "" if points is None else json.dumps(sorted(points), ensure_ascii=False),
    )


class Entry(NamedTuple):
    """One invitation's kept hash: what it was built with. ``uid`` is the UID it was sent
    under (a sent invitation keeps its own), ``natural`` the one the plan gives it."""

    hash: str
    uid: str
    natural: str


def read_hashes(
    folder: Path | None, mark: str, sent_uids: Mapping[EffectKey, str]
) -> dict[EffectKey, str] | None:
    """The hashes stored under ``mark`` in ``folder``; None when there are none for it (no
    file, another fingerprint, a file that cannot be read) or when one of them was built
    with another UID than the one the ledger's ``sent_uids`` now give it."""
    if folder is None or not mark:
        return None
    try:
        stored = json.loads((folder / HASHES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("format") != _FORMAT:
        return None
    if stored.get("inputs") != mark or not isinstance(stored.get("hashes"), dict):
        return None
    hashes: dict[EffectKey, str] = {}
    try:
        for text, (digest, uid, natural) in stored["hashes"].items():
            key = EffectKey.parse(text)
            if (sent_uids.get(key) or natural) != uid:
                return None  # the UID it would be sent under changed: build it again
            hashes[key] = str(digest)
    except (ValueError, TypeError):
        return None
    return hashes


def write_hashes(folder: Path | None, mark: str, hashes: Mapping[EffectKey, Entry]) -> None:
    """Keep ``hashes`` under ``mark`` for the next run (nothing when there is no folder or
    it cannot be written: the next run builds the specs again)."""
    if folder is None or not mark or not folder.is_dir():
        return
    data = {
        "format": _FORMAT,
        "inputs": mark,
        "hashes": {str(k): list(v) for k, v in hashes.items()},
    }
    try:
        write_private(folder / HASHES_FILE, json.dumps(data, ensure_ascii=False).encode("utf-8"))
    except OSError:
        return
