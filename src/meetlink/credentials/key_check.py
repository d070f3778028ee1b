"""Which key a vault's rows need: the check that refuses a wrong or a lost key.

One vault holds rows of one key only. :func:`check_key` refuses (`VaultKeyError`) a key
whose id differs from a stored row's, or that does not open a stored row of its own id (the
"canary"); the message names key ids and where the key came from, never a key.
:func:`holds_credentials` looks, read-only and creating nothing, whether a state file holds
vault rows at all, and :func:`refuse_a_new_key` refuses to make a new key file for a vault
that does: a lost key file is an error, not a fresh key.

Example:
    >>> import sqlite3
    >>> from meetlink.credentials.keys import VaultKey
    >>> db = sqlite3.connect(":memory:")
    >>> _ = db.execute(VAULT_TABLE)
    >>> check_key(db, VaultKey.generate(), "ledger.sqlite3")  # no rows: any key may write
    False
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import closing
from os import PathLike
from pathlib import Path

from meetlink.credentials.keys import ENV_VAR, KEY_FILE_NAME, VaultKey, default_config_dir
from meetlink.credentials.sealing import opens
from meetlink.errors import VaultKeyError
from meetlink.group_commit import storage_failure

__all__ = ["VAULT_TABLE", "check_key", "holds_credentials", "key_refusal", "refuse_a_new_key"]

VAULT_TABLE = """CREATE TABLE IF NOT EXISTS vault_credentials (
        meeting_id TEXT NOT NULL,
        unit_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        key_id TEXT NOT NULL,
        nonce BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (meeting_id, unit_id, kind)
    )"""
"""The vault's table; each row records the id of the key it was written with."""

_CANARY_ROWS = 3


def check_key(
    db: sqlite3.Connection, key: VaultKey, path: str, *, canary_opened: bool = False
) -> bool:
    """Refuse ``key`` unless every stored row has its id and it opens one of them.

    Two index seeks (the least and greatest key id) every time; the decryption of up to
    three rows only while ``canary_opened`` is False (a single edited row does not make the
    right key fail). Returns whether the key opened a row (False: the vault is empty); pass
    that back as ``canary_opened`` next time. Raises `VaultKeyError` naming the ids, never
    a key, and naming ``path``.

    >>> import sqlite3
    >>> from meetlink.credentials.keys import VaultKey
    >>> from meetlink.credentials.sealing import seal
    >>> db = sqlite3.connect(":memory:")
    >>> _ = db.execute(VAULT_TABLE)
    >>> key = VaultKey.generate()
    >>> row = ("q3", "u1", "endpoint", key.key_id, *seal(key, ("q3", "u1", "endpoint"), b"{}"))
    >>> _ = db.execute("INSERT INTO vault_credentials VALUES (?, ?, ?, ?, ?, ?, '', '')", row)
    >>> check_key(db, key, "l.sqlite3")
    True
    >>> try:
    ...     check_key(db, VaultKey.generate(), "l.sqlite3")
    ... except VaultKeyError as exc:
    ...     print(str(exc)[:63])
    The vault in l.sqlite3 holds credentials written with vault key
    """
    low, high = db.execute(
        "SELECT (SELECT MIN(key_id) FROM vault_credentials),"
        " (SELECT MAX(key_id) FROM vault_credentials)"
    ).fetchone()
    if low is None:  # no rows: any key may write the first
        return False
    if low == high == key.key_id and (canary_opened or _opens_a_row(db, key)):
        return True
    held = sorted(r[0] for r in db.execute("SELECT DISTINCT key_id FROM vault_credentials"))
    raise VaultKeyError(key_refusal(path, held, key))


def _opens_a_row(db: sqlite3.Connection, key: VaultKey) -> bool:
    """Whether the key opens one of (up to) three stored rows: the canary."""
    rows = db.execute(
        "SELECT meeting_id, unit_id, kind, nonce, ciphertext FROM vault_credentials"
        " WHERE key_id = ? LIMIT ?",
        (key.key_id, _CANARY_ROWS),
    ).fetchall()
    return any(opens(key, (m, u, k), nonce, blob) for m, u, k, nonce, blob in rows)


def _origin(key: VaultKey) -> str:
    """Where a key came from, for messages: never its text."""
    if key.source == "env":
        return f"from {ENV_VAR}"
    if key.source == "file":
        return f"from the key file {key.location}" if key.location else "from the key file"
    if key.source == "keyring":
        return "from the OS keyring"
    return f"(source {key.source!r})"


def key_refusal(file: str, held: list[str], key: VaultKey) -> str:
    """Why a vault will not take ``key``, and what to do: ids and origin only, no key text.

    >>> key = VaultKey.generate()
    >>> key_refusal("l.sqlite3", ["0123abcd"], key).startswith(
    ...     "The vault in l.sqlite3 holds credentials written with vault key 0123abcd, but")
    True
    """
    where = f"The vault in {file}" if file else "The vault"
    loaded = f"the key loaded {_origin(key)} is {key.key_id}"
    if held == [key.key_id]:
        head = (
            f"{where} holds credentials written with vault key {key.key_id}; {loaded} too, "
            "but it does not decrypt them (another key with the same id, or edited rows)"
        )
    elif len(held) == 1:
        head = f"{where} holds credentials written with vault key {held[0]}, but {loaded}"
    else:
        head = (
            f"{where} holds credentials written with {len(held)} vault keys "
            f"({', '.join(held)}), and {loaded}"
        )
    state = f"the state file {file}" if file else "the state file"
    return (
        f"{head}; nothing was written with it. Load the key the vault was written with "
        f"({ENV_VAR}, the key file or the OS keyring) and run again. If that key is lost, "
        "ask the provider to disable the accounts (`meetlink credentials MEETING.yaml list` "
        f"names them), then move {state} aside and run again to issue new ones."
    )


def holds_credentials(path: str | PathLike[str]) -> bool:
    """Whether the SQLite file at ``path`` holds vault rows; read-only, it creates nothing.

    An SQLite failure (a damaged file) is raised as a `LedgerError` saying what to do.

    >>> holds_credentials(":memory:"), holds_credentials("no/such/ledger.sqlite3")
    (False, False)
    """
    if str(path) in ("", ":memory:") or not Path(path).is_file():
        return False
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=30.0)) as db:
            table = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vault_credentials'"
            ).fetchone()
            return table is not None and bool(
                db.execute("SELECT EXISTS (SELECT 1 FROM vault_credentials)").fetchone()[0]
            )
    except sqlite3.Error as exc:
        raise storage_failure(exc, path) from None


def refuse_a_new_key(
    path: str | PathLike[str],
    env: Mapping[str, str],
    config_dir: str | PathLike[str] | None,
) -> None:
    """Raise `VaultKeyError` if the key file is missing and no key is in the environment:
    for a vault that holds credentials (:func:`holds_credentials`), a new key would not
    open them, so none may be made.

    >>> refuse_a_new_key("l.sqlite3", {"MEETLINK_VAULT_KEY": "..."}, None)  # a key is set
    """
    if env.get(ENV_VAR, "").strip():
        return
    folder = Path(config_dir) if config_dir is not None else default_config_dir(env)
    key_file = folder / KEY_FILE_NAME
    if not key_file.exists():
        raise VaultKeyError(
            f"The vault in {path} holds credentials, but the vault key file {key_file} "
            f"is missing and {ENV_VAR} is not set; a new key would not open them, so "
            f"none was made. Restore {key_file} from your backup (mode 0600) or set "
            f"{ENV_VAR} to the vault key, and run again."
        )
