"""``meetlink state migrate``: one meeting's SQLite ledger, vault and audit copied to PostgreSQL.

Every row of the meeting is copied as it is, in one transaction on the server: the effects
(so ``open`` there does nothing that was already done), the vault's rows *still encrypted*
(no key is needed, and none reaches the server), and the audit log. The SQLite file is only
read and stays where it is. A server that already holds the meeting is refused (nothing is
merged), and so is one whose vault holds rows of another key (one vault, one key).

Example:
    >>> copied = migrate_meeting(Path(".meetlink/ledger.sqlite3"), "q3",
    ...                          "postgresql://office@db.example/meetlink")  # doctest: +SKIP
    >>> copied.effects, copied.credentials                                   # doctest: +SKIP
    (412, 80)
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from meetlink.errors import LedgerError
from meetlink.group_commit import storage_failure
from meetlink.reconcile.ledger import Ledger
from meetlink.reconcile.ledger_file import connect_read_only
from meetlink.reconcile.server_db import connect, migrate, server_failure, shown_url

__all__ = ["Copied", "migrate_meeting"]

_EFFECTS = (
    "key, meeting_id, kind, state, attempts, content_hash, external_id, join_url, detail,"
    " last_error, created_at, updated_at"
)
_VAULT = "meeting_id, unit_id, kind, key_id, nonce, ciphertext, created_at, updated_at"
_AUDIT = "at, meeting_id, unit_id, action, channel, actor, detail"


@dataclass(frozen=True)
class Copied:
    """How many rows of each kind were copied."""

    effects: int
    credentials: int
    audit: int


def _rows(
    db: sqlite3.Connection, table: str, columns: str, meeting_id: str
) -> list[tuple[object, ...]]:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if exists is None:
        return []
    order = "id" if table == "audit_log" else "rowid"
    return db.execute(
        f"SELECT {columns} FROM {table} WHERE meeting_id = ? ORDER BY {order}",  # noqa: S608 # nosec B608
        (meeting_id,),
    ).fetchall()


def migrate_meeting(ledger_file: Path, meeting_id: str, url: str) -> Copied:
    """Copy meeting ``meeting_id`` from the SQLite ``ledger_file`` to the server at ``url``."""
    Ledger(ledger_file, read_only=True).close()  # checked: it exists, is whole and is current
    try:
        with contextlib.closing(connect_read_only(ledger_file, 30.0)) as source:
            effects = _rows(source, "effects", _EFFECTS, meeting_id)
            vault = _rows(source, "vault_credentials", _VAULT, meeting_id)
            audit = _rows(source, "audit_log", _AUDIT, meeting_id)
    except sqlite3.Error as exc:
        raise storage_failure(exc, ledger_file) from None
    with contextlib.closing(connect(url)) as target:
        try:
            migrate(target, url)
            with target.transaction():
                target.execute("LOCK TABLE effects, vault_credentials IN EXCLUSIVE MODE")
                _refuse_a_merge(target, meeting_id, {str(r[3]) for r in vault}, url)
                _copy(target, "effects", _EFFECTS, effects)
                _copy(target, "vault_credentials", _VAULT, vault)
                _copy(target, "audit_log", _AUDIT, audit)
        except psycopg.Error as exc:
            raise server_failure(exc, url) from None
    return Copied(len(effects), len(vault), len(audit))


def _refuse_a_merge(db: psycopg.Connection[Any], meeting_id: str, keys: set[str], url: str) -> None:
    held = db.execute(
        "SELECT (SELECT count(*) FROM effects WHERE meeting_id = %s),"
        " (SELECT count(*) FROM vault_credentials WHERE meeting_id = %s)",
        (meeting_id, meeting_id),
    ).fetchone()
    if held and (held[0] or held[1]):
        raise LedgerError(
            f"the ledger at {shown_url(url)} already holds meeting '{meeting_id}'; nothing was "
            "copied. Keep using it (--state with that URL), or copy into another database."
        )
    others = {r[0] for r in db.execute("SELECT DISTINCT key_id FROM vault_credentials")}
    if keys and others and others != keys:
        raise LedgerError(
            f"the vault at {shown_url(url)} holds credentials of vault key "
            f"{', '.join(sorted(others))}, and this meeting's were written with "
            f"{', '.join(sorted(keys))}; one vault holds one key's rows, so nothing was "
            "copied. Copy into another database, or rotate one of them to the other's key."
        )


def _copy(
    db: psycopg.Connection[Any], table: str, columns: str, rows: list[tuple[object, ...]]
) -> None:
    if not rows:
        return
    marks = ", ".join(["%s"] * len(columns.split(",")))
    with db.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 # nosec B608
            rows,
        )
