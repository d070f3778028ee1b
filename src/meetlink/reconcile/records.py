"""An effect as the ledger records it: :class:`Effect`, :class:`EffectState`, the table's
migrations, and the row read back, its ``detail`` decoded only when something reads it.

A re-run compares content hashes: it reads every row of a meeting (50,000 at 10,000 bridge
points) but needs the JSON detail of few (a conference's holds every point, 2.5 MB). So a
row's detail stays text until first read (:class:`LazyDetail`); a detail that does not
decode is the damaged-ledger sentence then ("restore it from a backup"), as it was when
every row was decoded on reading.

Example:
    >>> row = ("conference:main/s1", "q3", "conference", "done", 1, "h1", "evt1", None,
    ...        '{"info": {"room": "7001"}}', "", "", "")
    >>> effect = effect_from_row(row, "ledger.sqlite3")
    >>> effect.state, effect.detail["info"]["room"]
    (<EffectState.DONE: 'done'>, '7001')
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from meetlink.errors import LedgerError
from meetlink.group_commit import damaged_sentence

__all__ = [
    "EFFECTS_INDEX",
    "EFFECTS_TABLE",
    "FAIL",
    "FINISH",
    "INTENT",
    "MIGRATIONS",
    "READABLE_FROM",
    "SCHEMA_VERSION",
    "SELECT_MANY",
    "SELECT_ONE",
    "SETTLED_TABLE",
    "Effect",
    "EffectState",
    "LazyDetail",
    "effect_from_row",
]

# The effects table, one definition for both ledgers: this SQLite one and the PostgreSQL one
# (meetlink.reconcile.server_db), whose first migrations create it.
EFFECTS_TABLE = """CREATE TABLE effects (
        key          TEXT PRIMARY KEY,
        meeting_id   TEXT NOT NULL,
        kind         TEXT NOT NULL,
        state        TEXT NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        content_hash TEXT NOT NULL DEFAULT '',
        external_id  TEXT,
        join_url     TEXT,
        detail       TEXT NOT NULL DEFAULT '{}',
        last_error   TEXT NOT NULL DEFAULT '',
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
    )"""
EFFECTS_INDEX = "CREATE INDEX effects_by_meeting ON effects (meeting_id, kind, state)"

# A state folder's settled stamps (meetlink.reconcile.settled): SQLite only.
SETTLED_TABLE = """CREATE TABLE settled (
        meeting_file TEXT NOT NULL,
        scope        TEXT NOT NULL,
        meeting_id   TEXT NOT NULL,
        stamp        TEXT NOT NULL,
        sources      TEXT NOT NULL,
        result       TEXT NOT NULL,
        written_at   TEXT NOT NULL,
        PRIMARY KEY (meeting_file, scope)
    )"""

# Each migration takes the schema from version i to i + 1; never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (f"{EFFECTS_TABLE};\n{EFFECTS_INDEX};", f"{SETTLED_TABLE};")
SCHEMA_VERSION = len(MIGRATIONS)
# The oldest schema a read-only reader (``status``, a dry run) reads: the settled table
# (migration 2) is read and written by ``open`` only, which brings the file up to date.
READABLE_FROM = 1

# The columns of a row, in the order effect_from_row reads them.
_COLUMNS = """key, meeting_id, kind, state, attempts, content_hash, external_id, join_url,
           detail, last_error, created_at, updated_at"""

SELECT_ONE = f"SELECT {_COLUMNS} FROM effects WHERE key = ?"  # noqa: S608 # nosec B608
SELECT_MANY = f"""
    SELECT {_COLUMNS}
    FROM effects
    WHERE meeting_id = ? AND (? IS NULL OR kind = ?) AND (? IS NULL OR state = ?)"""  # noqa: S608 # nosec B608
# No ORDER BY: SQLite would sort whole rows, details and all (a third of reading them at
# 10,000 points, issue 19); the caller sorts the rows by key (the same order: BINARY).

# The writes return the row as written (RETURNING): one statement, no read back. Parameters:
# key, meeting_id, kind, content_hash, detail, created_at, updated_at, whether the detail is
# new. An intent of an effect already known keeps its external id, join link and (unless a
# new one is given) its detail: an update keeps the id of what it updates.
INTENT = f"""
    INSERT INTO effects (key, meeting_id, kind, state, attempts, content_hash, detail,
                         created_at, updated_at)
    VALUES (?, ?, ?, 'intent', 1, ?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET
        state = 'intent', attempts = attempts + 1,
        content_hash = excluded.content_hash,
        detail = CASE WHEN ? THEN excluded.detail ELSE detail END,
        updated_at = excluded.updated_at
    RETURNING {_COLUMNS}"""  # noqa: S608 # nosec B608
# state, external_id, join_url, content_hash, whether the detail is new, detail, updated_at, key
FINISH = f"""
    UPDATE effects SET state = ?, last_error = '',
        external_id = COALESCE(?, external_id), join_url = COALESCE(?, join_url),
        content_hash = COALESCE(?, content_hash),
        detail = CASE WHEN ? THEN ? ELSE detail END, updated_at = ?
    WHERE key = ?
    RETURNING {_COLUMNS}"""  # noqa: S608 # nosec B608
# last_error, updated_at, key
FAIL = f"""
    UPDATE effects SET state = 'failed', last_error = ?, updated_at = ? WHERE key = ?
    RETURNING {_COLUMNS}"""  # noqa: S608 # nosec B608


class EffectState(StrEnum):
    """Where an effect stands. ``intent``: started, outcome unknown until reconciled."""

    INTENT = "intent"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Effect:
    """One external effect as the ledger knows it (never holds a secret)."""

    key: str
    meeting_id: str
    kind: str
    state: EffectState
    attempts: int
    content_hash: str
    external_id: str | None
    join_url: str | None
    detail: Mapping[str, Any] = field(default_factory=dict)
    last_error: str = ""
    created_at: str = ""
    updated_at: str = ""


class LazyDetail(Mapping[str, Any]):
    """An effect's detail: the ledger's JSON text, decoded when first read.

    >>> detail = LazyDetail('{"uid": "u1"}', "key", "ledger.sqlite3")
    >>> detail.get("uid"), dict(detail)
    ('u1', {'uid': 'u1'})
    """

    __slots__ = ("_data", "_key", "_text", "_where")

    def __init__(self, text: str, key: str, where: str | Path) -> None:
        self._text, self._key, self._where = text, key, where
        self._data: dict[str, Any] | None = None

    def _decoded(self) -> dict[str, Any]:
        data = self._data
        if data is None:
            try:
                data = json.loads(self._text)
            except (ValueError, TypeError) as exc:
                raise self._damaged(str(exc)) from None
            if not isinstance(data, dict):
                raise self._damaged("its detail is not a JSON object")
            self._data = data
        return data

    def _damaged(self, why: str) -> LedgerError:
        why = f"the record '{self._key}' is unreadable: {why}"
        return LedgerError(damaged_sentence(Path(self._where), why))

    def __getitem__(self, name: str) -> Any:
        return self._decoded()[name]

    def may_hold(self, name: str) -> bool:
        """Whether ``name`` may be a key anywhere in the detail: False only when its JSON
        text does not hold ``"name"`` at all, which is told without decoding it.

        >>> LazyDetail('{"info": {"extra": {}}}', "key", "ledger.sqlite3").may_hold("ical_uid")
        False
        """
        if self._data is not None or not (name.isascii() and name.isidentifier()):
            return True  # a name JSON may write escaped is looked for in the decoded detail
        return f'"{name}"' in self._text  # json.dumps writes such a name as it is

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name``, or ``default``. A name the JSON text does not hold is not
        there: the text is not decoded to say so (issue 19: a re-run asks 10,000 access
        records whether they were revoked)."""
        if self._data is None and not self.may_hold(name):
            return default
        return self._decoded().get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def __repr__(self) -> str:
        return repr(self._decoded())


_STATES: dict[Any, EffectState] = {state.value: state for state in EffectState}


def effect_from_row(row: tuple[Any, ...], where: str | Path) -> Effect:
    """An :class:`Effect` from the ledger's row (key, meeting_id, kind, state, attempts,
    content_hash, external_id, join_url, detail, last_error, created_at, updated_at); a row
    that cannot be one is the damaged-ledger :class:`~meetlink.errors.LedgerError`."""
    state = _STATES.get(row[3])
    if state is None:
        why = f"the record '{row[0]}' is unreadable: {row[3]!r} is not a valid EffectState"
        raise LedgerError(damaged_sentence(Path(where), why))
    # The frozen dataclass's fields set in one call, as its __init__ would set them one by
    # one (a re-run reads 30,000 rows at 10,000 points: half the time of making them).
    effect = _new(Effect)
    fields = effect.__dict__
    fields.update(zip(_ROW_FIELDS, row, strict=True))
    fields["state"] = state
    fields["detail"] = LazyDetail(row[8], row[0], where)
    return effect


_new = object.__new__
_ROW_FIELDS = tuple(f.name for f in dataclasses.fields(Effect))
