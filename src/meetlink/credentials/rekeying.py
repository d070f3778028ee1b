"""A vault's rows re-encrypted under a new key: the same for the SQLite and PostgreSQL vaults.

:func:`resealed` opens every row with the old key (one that does not open raises, and the
caller's transaction keeps nothing) and seals it again under the new one;
:func:`rotation_detail` is the text of the ``rotate`` audit entry written once per meeting.
The backends keep their own SQL, transaction and lock.

Example:
    >>> from meetlink.credentials.keys import VaultKey
    >>> from meetlink.credentials.sealing import seal
    >>> old, new = VaultKey.generate(), VaultKey.generate()
    >>> nonce, blob = seal(old, ("q3", "u1", "endpoint"), b"{}")
    >>> rows, counts = resealed([("q3", "u1", "endpoint", old.key_id, nonce, blob)], old, new)
    >>> counts, rows[0][0]
    ({'q3': 1}, ('q3', 'u1', 'endpoint'))
"""

from __future__ import annotations

from collections.abc import Iterable

from meetlink.credentials.keys import VaultKey
from meetlink.credentials.sealing import RowIds, seal, unseal

__all__ = ["resealed", "rotation_detail"]


Stored = bytes | memoryview  # a BLOB as SQLite gives it, a BYTEA as psycopg does


def resealed(
    rows: Iterable[tuple[str, str, str, str, Stored, Stored]], old: VaultKey, new: VaultKey
) -> tuple[list[tuple[RowIds, bytes, bytes]], dict[str, int]]:
    """Each row ``(meeting, unit, kind, key id, nonce, ciphertext)`` sealed under ``new``:
    ``(ids, nonce, ciphertext)`` in the order given, and how many rows each meeting has."""
    out: list[tuple[RowIds, bytes, bytes]] = []
    per_meeting: dict[str, int] = {}
    for meeting_id, unit_id, kind, key_id, nonce, blob in rows:
        ids = (meeting_id, unit_id, kind)
        data = unseal(old, ids, key_id, bytes(nonce), bytes(blob))
        new_nonce, new_blob = seal(new, ids, data)
        out.append((ids, new_nonce, new_blob))
        per_meeting[meeting_id] = per_meeting.get(meeting_id, 0) + 1
    return out, per_meeting


def rotation_detail(count: int, old: VaultKey, new: VaultKey) -> str:
    """The ``rotate`` audit entry's detail: how many, from which key to which (ids only).

    >>> from meetlink.credentials.keys import VaultKey
    >>> rotation_detail(3, VaultKey.generate(), VaultKey.generate()).startswith("3 credentials")
    True
    """
    return f"{count} credentials re-encrypted from key {old.key_id} to {new.key_id}"
