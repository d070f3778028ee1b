"""A connection and its group commit, as a run's ledger shares them with the vault (imported
by name: ``from tests.credentials.shared_connection import Shared``); the SQL it runs is
noted, to count the statements a vault sends.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from meetlink.credentials.vault import Credential, VaultKey
    >>> shared = Shared(Path(tempfile.mkdtemp()) / "ledger.sqlite3")
    >>> with shared.group.chunk():
    ...     shared.vault(VaultKey.generate()).put("q3", "u1", "sip", Credential(pin="4711"))
    >>> shared.in_file(), shared.count("INSERT INTO audit_log")
    ([('u1', 'sip')], 1)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from meetlink.credentials.audit import connect
from meetlink.credentials.vault import Vault, VaultKey, open_vault
from meetlink.errors import LedgerError
from meetlink.group_commit import GroupCommit

__all__ = ["READ_BACK", "Shared", "shared_in"]

READ_BACK = "SELECT key_id, nonce, ciphertext FROM vault_credentials"
"""The statement that reads a stored credential back (a run hands out what it stored without)."""


class Shared:
    """A connection and its group commit, as a ledger shares them with the vault."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path)
        self.group = GroupCommit(self.db, threading.RLock(), lambda exc: LedgerError(str(exc)))
        self.statements: list[str] = []
        self.db.set_trace_callback(self.statements.append)

    def vault(self, key: VaultKey) -> Vault:
        """A vault on this connection (as ``open`` makes it)."""
        return open_vault(self.path, key, sharing=(self.db, self.group))

    def count(self, text: str) -> int:
        """How many statements run so far hold ``text``."""
        return sum(text in statement for statement in self.statements)

    def in_file(self) -> list[tuple[str, str]]:
        """The (unit, kind) another connection sees: what was committed."""
        with connect(self.path) as other:
            return sorted(other.execute("SELECT unit_id, kind FROM vault_credentials").fetchall())


def shared_in(tmp_path: Path) -> Iterator[Shared]:
    """The ``shared`` fixture of a test module: ``shared = pytest.fixture(shared_in)``."""
    held = Shared(tmp_path / "ledger.sqlite3")
    yield held
    held.db.close()
