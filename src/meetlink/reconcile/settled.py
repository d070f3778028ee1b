"""The settled stamp: a re-run of a settled ``open`` (nothing left to do), answered at once.

``open`` works out the whole desired state and compares it with the ledger, even when
nothing changed (1.5 s at 10,000 bridge points, issue 19). Like make and ninja, which skip a
target whose inputs have not changed, a state folder remembers when a run was *settled*: a
real run (not dry) that ended fully ok — no failure, no effect left at ``intent`` or
``failed``, no split hand-out whose password half still waits — and either found nothing at
all to do, or acted and then, in a dry pass over its own context (:func:`noop_result`: the
dry run's actions against the ledger as the run left it, its desired state and the
invitations' kept hashes reused), found that the next run would have nothing to do. That run
writes one row of the ``settled`` table (keyed by the meeting file's resolved path and the
``--scope``) with the result a full no-op run returns, and a SHA-256 stamp over:

* meetlink's code: its version, the Python that runs it, every file of the installed
  package (path, size, modification time) and the site-packages folders (an install, an
  upgrade or a removal of a package changes their modification time);
* the call's options that change what a run does: the scope, whether a ``secret_hook`` is
  given, the state folder and the environment variables meetlink reads (:data:`ENV_NAMES`);
* every input file, each by path and the SHA-256 of its bytes: the meeting file and the
  roster (the very bytes the loader parsed), the templates folder, every file or folder a
  track's settings name (the platform's own state folder too) and the module of a platform
  that is not meetlink's;
* the ledger's own rows for the meeting: every effect (key, state, attempts, content hash,
  external id, join link, the length of its detail, the error, the time of its last write),
  the cancelled sittings among them, and the vault's rows (unit, kind, key id, nonce, the
  length of the sealed text, when written: never a secret);
* the invitations' kept hashes (``invitation-hashes.json``) as the run left them.

The next ``open`` of the same file with the same options (a path given, a state folder,
no ``--cancel``, :data:`FULL_RUN_VAR` unset) reads the row, hashes the same things again
and, when the stamp is the same, returns the result the settled run returned, without
loading the roster or working anything out. The meeting's lock is held and the vault key is
checked as in a full run. Any difference, a file missing, a row that cannot be read, or
any error while checking: the full run, as if there were no stamp. A run that is not settled
removes the row; so does one whose verify pass finds an action that is not a skip, or fails
(never a wrong stamp). A shared (PostgreSQL) ledger has no stamp: other workers change it.

Example:
    >>> digests([Path("no/such/file")])
    {'no/such/file': 'missing'}
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import inspect
import json
import os
import site
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meetlink.adapters.registry import get_adapter
from meetlink.errors import AdapterNotFound
from meetlink.loading import MeetingFile
from meetlink.reconcile.context import OpenResult, RunContext
from meetlink.reconcile.diff import Action, Op
from meetlink.reconcile.invitation_hashes import HASHES_FILE
from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import EffectState, Ledger
from meetlink.reconcile.setup import setting_paths

__all__ = [
    "ENV_NAMES",
    "FULL_RUN_VAR",
    "Settled",
    "code_identity",
    "digests",
    "extra_sources",
    "forget",
    "inputs_before",
    "ledger_digest",
    "noop_result",
    "read_settled",
    "record_settled",
    "stamp_of",
]

FULL_RUN_VAR = "MEETLINK_FULL_RUN"
"""Set (to anything but empty): ``open`` works everything out again, stamp or not (it
writes the stamp again when it finds nothing to do)."""

ENV_NAMES = (
    "MEETLINK_LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_MESSAGES",
    "LANG",
    "MEETLINK_GOOGLE_EMULATOR_HOST",
    "XDG_CONFIG_HOME",
)
"""The environment variables a stamp holds (their values: none of them is a secret)."""

_PACKAGE = Path(__file__).resolve().parents[1]  # the installed meetlink package
_MISSING = "missing"

_SELECT = """SELECT meeting_id, stamp, sources, result FROM settled
    WHERE meeting_file = ? AND scope = ?"""
_WRITE = """INSERT OR REPLACE INTO settled
    (meeting_file, scope, meeting_id, stamp, sources, result, written_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)"""
_FORGET = "DELETE FROM settled WHERE meeting_file = ? AND scope = ?"
# One text per effect row, made by SQLite (reading 30,000 rows as tuples costs more).
_EFFECT_ROWS = """SELECT key || char(31) || state || char(31) || attempts || char(31)
        || content_hash || char(31) || ifnull(external_id, '') || char(31)
        || ifnull(join_url, '') || char(31) || length(CAST(detail AS BLOB)) || char(31)
        || last_error || char(31) || updated_at
    FROM effects WHERE meeting_id = ?"""
_VAULT_ROWS = """SELECT unit_id || char(31) || kind || char(31) || key_id || char(31)
        || hex(nonce) || char(31) || length(ciphertext) || char(31) || updated_at
    FROM vault_credentials WHERE meeting_id = ?"""


@dataclass(frozen=True)
class Settled:
    """A settled row as read back: the meeting's id (for its lock), the stamp, the files
    with their digests, and the result to return."""

    meeting_id: str
    stamp: str
    sources: dict[str, str]
    result: str


# -- what a stamp is made of ---------------------------------------------------------------


def code_identity() -> str:
    """meetlink's version, the Python running it, every file of the package (relative path,
    size, modification time) and the modification times of the site-packages folders.

    >>> len(code_identity())
    64
    """
    digest = hashlib.sha256()
    version = getattr(sys.modules.get("meetlink"), "__version__", "")
    digest.update(f"{version}\x1f{sys.version}\x1f{sys.executable}\x1e".encode())
    for folder, names, files in os.walk(_PACKAGE):
        names[:] = sorted(n for n in names if n != "__pycache__")
        for name in sorted(files):
            path = os.path.join(folder, name)
            info = os.stat(path)
            relative = os.path.relpath(path, _PACKAGE)
            digest.update(f"{relative}\x1f{info.st_size}\x1f{info.st_mtime_ns}\x1e".encode())
    for entry in _site_folders():
        with contextlib.suppress(OSError):
            digest.update(f"{entry}\x1f{os.stat(entry).st_mtime_ns}\x1e".encode())
    return digest.hexdigest()


def _site_folders() -> list[str]:
    """The folders packages are installed in (an install, an upgrade or a removal changes
    their modification time); not the script's folder or the working one."""
    folders = [*site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    return sorted(set(folders))


def digests(paths: Iterable[Path]) -> dict[str, str]:
    """Each path's digest: a file's SHA-256, a folder's over its files (relative path and
    SHA-256, every level), or ``missing``."""
    return {str(path): _digest(path) for path in paths}


def _digest(path: Path) -> str:
    if path.is_dir():
        folder = hashlib.sha256(b"folder\x1e")
        for inner in sorted(p for p in path.rglob("*") if p.is_file()):
            relative = inner.relative_to(path).as_posix()
            folder.update(f"{relative}\x1f{_digest(inner)}\x1e".encode())
        return f"folder:{folder.hexdigest()}"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return _MISSING


def ledger_digest(ledger: Ledger, meeting_id: str) -> str:
    """The meeting's effect rows and vault rows, in key order (no detail, no secret)."""
    db, group = ledger.sharing()
    with group.reading():
        effects = [row for (row,) in db.execute(_EFFECT_ROWS, (meeting_id,))]
        vault = [row for (row,) in db.execute(_VAULT_ROWS, (meeting_id,))] if _has_vault(db) else []
    effects.sort()
    vault.sort()
    text = "\x1e".join(effects) + "\x1d" + "\x1e".join(vault)
    return hashlib.sha256(text.encode()).hexdigest()


def _has_vault(db: Any) -> bool:
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vault_credentials'"
    ).fetchone()
    return found is not None


def options_text(scope: str | None, secret_hook: bool, state: Path, env: Mapping[str, str]) -> str:
    """The call's options that change what a run does, as one text."""
    wanted = {
        "scope": scope or "",
        "secret_hook": secret_hook,
        "state": str(state.resolve()),
        "env": {name: env.get(name, "") for name in ENV_NAMES},
    }
    return json.dumps(wanted, sort_keys=True, ensure_ascii=False)


def stamp_of(code: str, options: str, sources: Mapping[str, str], ledger: str) -> str:
    """The stamp: one SHA-256 over the four parts."""
    files = json.dumps(sorted(sources.items()), ensure_ascii=False)
    return hashlib.sha256("\x1d".join((code, options, files, ledger)).encode()).hexdigest()


def extra_sources(loaded: MeetingFile, state: Path) -> list[Path] | None:
    """The inputs ``open`` reads beyond the loader's: the templates folder, the files and
    folders the tracks' settings name, a platform's module that is not meetlink's. None: an
    input no stamp can vouch for (a sign-in by name)."""
    named = setting_paths(loaded, state)
    if named is None:
        return None
    found = [*named]
    if loaded.templates_folder is not None:
        found.append(loaded.templates_folder)
    for platform in sorted({t.platform for t in loaded.meeting.tracks}):
        module = inspect.getsourcefile(get_adapter(platform))
        if module is not None and not Path(module).resolve().is_relative_to(_PACKAGE):
            found.append(Path(module))
    return found


def inputs_before(loaded: MeetingFile, state: Path) -> dict[str, str] | None:
    """The digests of :func:`extra_sources`, taken before ``open`` reads them (None: an
    input no stamp can vouch for, or one that cannot be listed: no stamp then)."""
    try:
        extra = extra_sources(loaded, state)
        return None if extra is None else digests(extra)
    except (OSError, TypeError, ValueError, AdapterNotFound):
        return None


# -- the row ---------------------------------------------------------------------------------


def read_settled(ledger: Ledger, meeting_file: str, scope: str) -> Settled | None:
    """The settled row of the meeting file and scope, or None."""
    db, group = ledger.sharing()
    with group.reading():
        row = db.execute(_SELECT, (meeting_file, scope)).fetchone()
    if row is None:
        return None
    meeting_id, stamp, sources, result = row
    return Settled(meeting_id, stamp, dict(json.loads(sources)), result)


def still_settled(ledger: Ledger, row: Settled, options: str, code: str | None = None) -> bool:
    """Whether everything the row's stamp covers is as it was."""
    now = digests(Path(p) for p in row.sources)
    if now != row.sources:
        return False
    code = code_identity() if code is None else code
    return stamp_of(code, options, now, ledger_digest(ledger, row.meeting_id)) == row.stamp


def forget(ledger: Ledger, meeting_file: str, scope: str) -> None:
    """Remove the row: the run was not settled (the next one works everything out)."""
    with ledger.transaction() as db:
        db.execute(_FORGET, (meeting_file, scope))


def record_settled(
    ledger: Ledger,
    loaded: MeetingFile,
    result: OpenResult,
    *,
    meeting_file: str,
    scope: str,
    options: str,
    before: Mapping[str, str] | None,
    secret_hook: bool,
    acted: bool = False,
) -> bool:
    """Write the row when the run was settled (see the module's text), else remove it.

    ``before``: the digests of :func:`extra_sources`, taken before they were read (None:
    there is an input no stamp covers). ``acted``: the run acted (``result`` is then its
    verify pass's, :func:`noop_result`), so the platforms' own folders in the state folder
    (a room book, the provider's export) are taken as the run left them. Returns whether
    the row was written.
    """
    sources = _sources(loaded, before, result.state_dir, acted=acted)
    meeting_id = loaded.meeting.id
    if sources is None or not _nothing_to_do(ledger, loaded, result, secret_hook):
        forget(ledger, meeting_file, scope)
        return False
    stamp = stamp_of(code_identity(), options, sources, ledger_digest(ledger, meeting_id))
    sources_text = json.dumps(sources, ensure_ascii=False, sort_keys=True)
    written = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    row = (meeting_file, scope, meeting_id, stamp, sources_text, result_text(result), written)
    with ledger.transaction() as db:
        db.execute(_WRITE, row)
    return True


def _sources(
    loaded: MeetingFile, before: Mapping[str, str] | None, state: Path, *, acted: bool = False
) -> dict[str, str] | None:
    """The loader's files with the digests of the bytes it parsed, and the other inputs
    when they are as they were before the run read them; None when one is not. ``acted``:
    those inside the state folder (the platforms' own, which the run wrote under the
    meeting's lock) as they are now."""
    if before is None or any(not digest for digest in loaded.sources.values()):
        return None
    sources = {str(path): digest for path, digest in loaded.sources.items()}
    if digests(loaded.sources) != sources:
        return None  # the meeting file or the roster changed since they were read
    after = digests(Path(p) for p in before)
    own = Path(state).resolve()
    for path, digest in before.items():
        if after[path] != digest and not (acted and Path(path).resolve().is_relative_to(own)):
            return None
    # The invitations' kept hashes as this run left them: what the next full run would trust.
    return {**sources, **after, **digests([state / HASHES_FILE])}


def _nothing_to_do(
    ledger: Ledger, loaded: MeetingFile, result: OpenResult, secret_hook: bool
) -> bool:
    """A run that was settled: ok, nothing done, no effect pending or failed, no split
    hand-out's password half waiting (for a slip, or a ``secret_hook``)."""
    if not result.ok or result.dry_run or any(result.counts.values()):
        return False
    meeting_id = loaded.meeting.id
    for state in (EffectState.INTENT, EffectState.FAILED):
        if ledger.effects(meeting_id, state=state):
            return False
    split = {t.id for t in loaded.meeting.tracks if t.handout == "split"}
    if split:
        if not secret_hook:
            return False
        for effect in ledger.effects(meeting_id, kind=Kind.HANDOUT.value):
            waiting = effect.detail.get("second_channel") != "hook"
            if waiting and EffectKey.parse(effect.key).track in split:
                return False
    return True


# -- after a run that acted --------------------------------------------------------------------


def noop_result(
    ctx: RunContext, actions_now: Callable[[RunContext], list[Action]]
) -> OpenResult | None:
    """The result the next full run would return, when a run that acted ended fully ok
    and a dry pass over its own context finds nothing left to do; else None (no stamp).

    ``actions_now`` is the dry run's pass (every phase's actions against the ledger as the
    run left it, the run's desired state and the invitations' kept hashes reused); every
    action must be a skip. The result is the one a no-op run returns: no count, no
    failure, the pass's actions (with their reasons, in the phases' order), the scope and
    the conferences left to the office that hosts them as the run found them at its end.
    A pass that fails gives None too: a stamp is never a failure of the run.
    """
    acted = ctx.result
    if not acted.ok or acted.dry_run:
        return None
    try:
        actions = actions_now(ctx)
    except Exception:  # a pass that cannot be made: no stamp, the next run works it out
        return None
    if any(action.op != Op.NONE for action in actions):
        return None
    result = OpenResult(acted.meeting_id, acted.state_dir, acted.outbox, False)
    result.where, result.scope, result.scope_points = acted.where, acted.scope, acted.scope_points
    result.left_to_host = acted.left_to_host
    result.actions = actions
    return result


# -- the result ------------------------------------------------------------------------------


def result_text(result: OpenResult) -> str:
    """What a settled run returned, as JSON (its actions by their key's fields)."""
    reasons: dict[tuple[str, str], int] = {}
    groups: list[list[Any]] = []  # runs of actions alike but for their point, in order
    for action in result.actions:
        index = reasons.setdefault((action.op.value, action.reason), len(reasons))
        kind, track, sitting, middle, point = action.key
        head = [index, kind.value, track, sitting, middle]
        if groups and groups[-1][:5] == head:
            groups[-1][5].append(point)
        else:
            groups.append([*head, [point]])
    data = {
        "outbox": result.outbox is not None,
        "scope": result.scope,
        "scope_points": result.scope_points,
        "left_to_host": result.left_to_host,
        "reasons": [list(pair) for pair in reasons],
        "actions": groups,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


_KINDS = {kind.value: kind for kind in Kind}
_OPS = {op.value: op for op in Op}
_new = object.__new__
_new_tuple = tuple.__new__
_set = object.__setattr__


def result_from(text: str, meeting_id: str, state: Path) -> OpenResult:
    """The :class:`OpenResult` a settled run returned, made again from :func:`result_text`."""
    data = json.loads(text)
    result = OpenResult(meeting_id, state, state / "outbox" if data["outbox"] else None, False)
    result.scope, result.scope_points = data["scope"], data["scope_points"]
    result.left_to_host = data["left_to_host"]
    pairs = [(_OPS[op], reason) for op, reason in data["reasons"]]
    actions = []
    # The frozen fields set in one call, as Action's __init__ would set them one by one
    # (30,000 actions at 10,000 points), each key a tuple of its fields as EffectKey.parse
    # makes it.
    for index, kind, track, sitting, middle, points in data["actions"]:
        op, reason = pairs[index]
        what = _KINDS[kind]
        for point in points:
            key = _new_tuple(EffectKey, (what, track, sitting, middle, point))
            action = _new(Action)
            _set(action, "__dict__", {"op": op, "key": key, "reason": reason})
            actions.append(action)
    result.actions = actions
    return result
