"""An effect as the ledger records it: :class:`Effect`, :class:`EffectState`, the table's
migrations, its writes (:class:`Write`: each one table, from which both ledgers' SQL and the
row it leaves, worked out in memory, are made), and the row read back, its ``detail``
decoded only when something reads it.

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
import functools
import json
from collections.abc import Callable, Iterator, Mapping
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
    "FAIL_WRITE",
    "FINISH",
    "FINISH_WRITE",
    "INTENT",
    "INTENT_WRITE",
    "MIGRATIONS",
    "READABLE_FROM",
    "SCHEMA_VERSION",
    "SELECT_MANY",
    "SELECT_ONE",
    "SETTLED_TABLE",
    "Effect",
    "EffectState",
    "LazyDetail",
    "Set",
    "Write",
    "effect_from_fields",
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

# The writes, each one table of what it does to a row's columns (:class:`Write`): its SQL for
# either ledger (SQLite's ``?N``, PostgreSQL's ``%(name)s``) and the row it leaves, worked out
# in memory (:meth:`Write.row`: the PostgreSQL ledger's chunk keeps the rows it holds up to
# date without reading them back) are both made from that table, so they cannot drift apart.
# Each returns the row as written (RETURNING): one statement, no read back.


@dataclass(frozen=True)
class Set:
    """How a write sets one column: ``to`` a parameter's value (or, with ``value``, that
    constant), ``plus`` a number (the column's value plus it), ``unless_null`` (the
    parameter's value unless it is NULL: COALESCE), or ``when`` (the parameter's value when
    the parameter so named is true, else the column's value)."""

    to: str = ""
    value: str | int | None = None
    plus: int = 0
    unless_null: bool = False
    when: str = ""

    def sql(self, column: str, mark: Callable[[str], str]) -> str:
        """This setting as an SQL expression (``mark`` names a parameter)."""
        if self.plus:
            return f"effects.{column} + {self.plus}"
        if not self.to:
            return repr(self.value)  # a constant: 'intent', 1, ''
        given = mark(self.to)
        if self.unless_null:
            return f"COALESCE({given}, effects.{column})"
        if self.when:
            return f"CASE WHEN {mark(self.when)} THEN {given} ELSE effects.{column} END"
        return given

    def value_in(self, before: Any, params: Mapping[str, Any]) -> Any:
        """What this setting makes of a column that held ``before``, given ``params``."""
        if self.plus:
            return before + self.plus
        if not self.to:
            return self.value
        given = params[self.to]
        if self.unless_null:
            return before if given is None else given
        if self.when:
            return given if params[self.when] else before
        return given


@dataclass(frozen=True)
class Write:
    """One of the ledger's writes to a row of ``effects``, keyed by the parameter ``key``:
    ``new`` sets the columns of a row there was not (None: the write changes only a row
    already there), ``update`` the columns of one already there. ``params`` are the names of
    its parameters in the order the SQLite ledger passes them.

    >>> FAIL_WRITE.params
    ('last_error', 'updated_at', 'key')
    """

    params: tuple[str, ...]
    update: Mapping[str, Set]
    new: Mapping[str, Set] | None = None

    def sql(self, mark: Callable[[str], str]) -> str:
        """The statement, its parameters named by ``mark``."""
        sets = ", ".join(f"{c} = {s.sql(c, mark)}" for c, s in self.update.items())
        if self.new is None:
            head = f"UPDATE effects SET {sets} WHERE key = {mark('key')}"  # noqa: S608 # nosec B608
        else:
            columns = ", ".join(self.new)
            values = ", ".join(s.sql(c, mark) for c, s in self.new.items())
            head = (
                f"INSERT INTO effects ({columns}) VALUES ({values})"  # noqa: S608 # nosec B608
                f" ON CONFLICT (key) DO UPDATE SET {sets}"
            )
        return f"{head} RETURNING {_COLUMNS}"

    @functools.cached_property
    def sqlite(self) -> str:
        """The statement for the SQLite ledger (parameters by place, as ``params``)."""
        return self.sql(lambda name: f"?{self.params.index(name) + 1}")

    @functools.cached_property
    def postgres(self) -> str:
        """The statement for the PostgreSQL ledger (parameters by name: :meth:`named`)."""
        return self.sql(lambda name: f"%({name})s")

    def named(self, params: tuple[Any, ...]) -> dict[str, Any]:
        """The parameters, given in the order of ``params``, by name."""
        return dict(zip(self.params, params, strict=True))

    def row(
        self, before: Effect | None, params: Mapping[str, Any], where: str | Path
    ) -> Effect | None:
        """The row this write leaves where the row was ``before`` (None: no row), as the
        statement leaves it on either ledger; None when it leaves none (an update of a row
        that is not there)."""
        if before is None:
            if self.new is None:
                return None
            fields = dict(_DEFAULTS)
            fields.update((c, s.value_in(None, params)) for c, s in self.new.items())
        else:
            fields = {c: getattr(before, c) for c in _ROW_FIELDS}
            fields.update((c, s.value_in(fields[c], params)) for c, s in self.update.items())
        return effect_from_fields(fields, where)


# A row's columns as the table's defaults leave them (EFFECTS_TABLE: the columns a write
# leaves unset).
_DEFAULTS: dict[str, Any] = {
    "attempts": 0,
    "content_hash": "",
    "external_id": None,
    "join_url": None,
    "detail": "{}",
    "last_error": "",
}

# An intent: a new row, or one already known attempted once more; it keeps its external
# id, join link and (unless a new one is given) its detail: an update keeps the id of what
# it updates.
INTENT_WRITE = Write(
    params=(
        "key",
        "meeting_id",
        "kind",
        "content_hash",
        "detail",
        "created_at",
        "updated_at",
        "new_detail",
    ),
    new={
        "key": Set(to="key"),
        "meeting_id": Set(to="meeting_id"),
        "kind": Set(to="kind"),
        "state": Set(value="intent"),
        "attempts": Set(value=1),
        "content_hash": Set(to="content_hash"),
        "detail": Set(to="detail"),
        "created_at": Set(to="created_at"),
        "updated_at": Set(to="updated_at"),
    },
    update={
        "state": Set(value="intent"),
        "attempts": Set(plus=1),
        "content_hash": Set(to="content_hash"),
        "detail": Set(to="detail", when="new_detail"),
        "updated_at": Set(to="updated_at"),
    },
)
# An outcome (done, cancelled): an external id, join link or hash not given is kept.
FINISH_WRITE = Write(
    params=(
        "state",
        "external_id",
        "join_url",
        "content_hash",
        "new_detail",
        "detail",
        "updated_at",
        "key",
    ),
    update={
        "state": Set(to="state"),
        "last_error": Set(value=""),
        "external_id": Set(to="external_id", unless_null=True),
        "join_url": Set(to="join_url", unless_null=True),
        "content_hash": Set(to="content_hash", unless_null=True),
        "detail": Set(to="detail", when="new_detail"),
        "updated_at": Set(to="updated_at"),
    },
)
# A failure: the last attempt failed for good.
FAIL_WRITE = Write(
    params=("last_error", "updated_at", "key"),
    update={
        "state": Set(value="failed"),
        "last_error": Set(to="last_error"),
        "updated_at": Set(to="updated_at"),
    },
)
INTENT, FINISH, FAIL = INTENT_WRITE.sqlite, FINISH_WRITE.sqlite, FAIL_WRITE.sqlite


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
    detail = row[8]  # a row written in memory may keep the detail read before (Write.row)
    fields["detail"] = LazyDetail(detail, row[0], where) if isinstance(detail, str) else detail
    return effect


def effect_from_fields(fields: Mapping[str, Any], where: str | Path) -> Effect:
    """An :class:`Effect` from a row's columns by name (its detail JSON text, or a mapping
    already read), as :func:`effect_from_row` makes it from the row."""
    return effect_from_row(tuple(fields[name] for name in _ROW_FIELDS), where)


_new = object.__new__
_ROW_FIELDS = tuple(f.name for f in dataclasses.fields(Effect))
