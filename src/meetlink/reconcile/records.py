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

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from meetlink.errors import LedgerError
from meetlink.group_commit import damaged_sentence

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Effect",
    "EffectState",
    "LazyDetail",
    "effect_from_row",
]

# Each migration takes the schema from version i to i + 1; never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE effects (
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
    );
    CREATE INDEX effects_by_meeting ON effects (meeting_id, kind, state);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


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

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def __repr__(self) -> str:
        return repr(self._decoded())


def effect_from_row(row: tuple[Any, ...], where: str | Path) -> Effect:
    """An :class:`Effect` from the ledger's row (key, meeting_id, kind, state, attempts,
    content_hash, external_id, join_url, detail, last_error, created_at, updated_at); a row
    that cannot be one is the damaged-ledger :class:`~meetlink.errors.LedgerError`."""
    try:
        state = EffectState(row[3])
    except ValueError as exc:
        raise LedgerError(
            damaged_sentence(Path(where), f"the record '{row[0]}' is unreadable: {exc}")
        ) from None
    return Effect(
        key=row[0],
        meeting_id=row[1],
        kind=row[2],
        state=state,
        attempts=row[4],
        content_hash=row[5],
        external_id=row[6],
        join_url=row[7],
        detail=LazyDetail(row[8], row[0], where),
        last_error=row[9],
        created_at=row[10],
        updated_at=row[11],
    )
