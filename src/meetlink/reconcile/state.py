"""Where a meeting's state lives: a folder (SQLite, the default) or a PostgreSQL server.

``--state DIR`` (or nothing: ``.meetlink/`` beside the meeting file) keeps the ledger and
the vault in ``DIR/ledger.sqlite3``. ``--state postgresql://…``, or the environment
variable ``MEETLINK_STATE`` holding such a URL, keeps them on the server, shared by every
office and worker that names it; what is this machine's own (the outbox, the platforms'
local bookkeeping, lock files) stays in ``.meetlink/`` beside the meeting file.

Example:
    >>> where = resolve_state(None, Path("q3/meeting.yaml"), {})
    >>> where.folder.as_posix(), where.server
    ('q3/.meetlink', None)
    >>> resolve_state("postgresql://office@db.example/meetlink", Path("q3/meeting.yaml"), {}).server
    'postgresql://office@db.example/meetlink'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from meetlink.credentials.vault import Vault, VaultKey, open_vault
from meetlink.reconcile.ledger import Ledger, LedgerStore
from meetlink.reconcile.server_db import is_server_url

__all__ = [
    "LEDGER_FILE",
    "STATE_VAR",
    "StateWhere",
    "alone",
    "open_ledger",
    "open_state_vault",
    "resolve_state",
]

LEDGER_FILE = "ledger.sqlite3"
STATE_VAR = "MEETLINK_STATE"


@dataclass(frozen=True)
class StateWhere:
    """The local folder (always) and the server's URL (for a shared ledger, else None)."""

    folder: Path
    server: str | None = None

    @property
    def shown(self) -> str:
        """Where the ledger is, for people: the file, or the URL without its password."""
        if self.server is None:
            return str(self.folder / LEDGER_FILE)
        from meetlink.reconcile.server_db import shown_url

        return shown_url(self.server)

    def exists(self) -> bool:
        """Whether a ledger is there already (a server is asked, read-only)."""
        if self.server is None:
            return (self.folder / LEDGER_FILE).exists()
        from meetlink.reconcile.server_db import connect, stored_version

        with contextlib.closing(connect(self.server, read_only=True)) as db:
            return stored_version(db) > 0


def resolve_state(
    state: str | Path | None, meeting_path: Path, env: Mapping[str, str]
) -> StateWhere:
    """``--state`` (a folder or a URL), else ``MEETLINK_STATE``, else ``.meetlink/``."""
    local = meeting_path.parent / ".meetlink"
    given = state if state is not None else (env.get(STATE_VAR) or None)
    if given is None:
        return StateWhere(local)
    if is_server_url(str(given)):
        return StateWhere(local, str(given))
    return StateWhere(Path(given))


def open_ledger(where: StateWhere, *, read_only: bool = False) -> LedgerStore:
    """The ledger at ``where``: the server's, or the folder's SQLite file."""
    if where.server is not None:
        from meetlink.reconcile.ledger_pg import PostgresLedger

        return PostgresLedger(where.server, read_only=read_only)
    return Ledger(where.folder / LEDGER_FILE, read_only=read_only)


def open_state_vault(where: StateWhere, key: VaultKey | None, env: Mapping[str, str]) -> Vault:
    """The vault beside the ledger (same file, or same database), its key checked."""
    if where.server is not None:
        from meetlink.reconcile.vault_pg import open_postgres_vault

        return open_postgres_vault(where.server, key, env=env)
    return open_vault(where.folder / LEDGER_FILE, key, env=env)


@contextlib.contextmanager
def alone(ledger: LedgerStore, meeting_id: str, *, wait: float = 30.0) -> Iterator[None]:
    """Hold the meeting with no other ``meetlink`` acting on it (``credentials rotate``,
    ``revoke``, ``slip``): the SQLite ledger's lock (always exclusive), or on a server the
    meeting's exclusive lock, waited for up to ``wait`` seconds while ``open`` workers finish.
    """
    from meetlink.reconcile.ledger_pg import PostgresLedger

    if isinstance(ledger, PostgresLedger):
        with ledger.one_writer(meeting_id, wait=wait):
            yield
    else:
        with ledger.lock(meeting_id):
            yield
