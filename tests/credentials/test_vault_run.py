"""A vault sharing a run's ledger: one key check per chunk transaction, and a credential it
stored itself handed out without reading it back (issue 19), the audit trail unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.credentials.shared_connection import READ_BACK, Shared, shared_in

from meetlink.credentials.audit import connect
from meetlink.credentials.sealing import seal
from meetlink.credentials.secret import Secret
from meetlink.credentials.vault import Credential, Vault, VaultKey
from meetlink.errors import LedgerError, VaultKeyError

KEY_CHECK = "MIN(key_id)"


shared = pytest.fixture(shared_in)


def test_one_key_check_per_chunk_transaction(shared: Shared) -> None:
    vault = shared.vault(VaultKey.generate())
    vault.put("q3", "seed", "endpoint", Credential(pin="1111-2222"))
    shared.statements.clear()
    with shared.group.chunk():
        for unit in ("u1", "u2", "u3"):
            vault.put("q3", unit, "endpoint", Credential(pin=f"4711-{unit}"))
        shared.group.commit_now()
        for unit in ("u4", "u5"):
            vault.put("q3", unit, "endpoint", Credential(pin=f"4712-{unit}"))
    assert shared.count(KEY_CHECK) == 2  # once in each of the chunk's two transactions
    assert shared.count("INSERT INTO vault_credentials") == 5
    assert shared.count("INSERT INTO audit_log") == 5  # every row still audited
    assert [row.unit_id for row in vault.list("q3")] == ["seed", "u1", "u2", "u3", "u4", "u5"]


def test_a_row_of_another_key_written_between_chunks_is_still_refused(shared: Shared) -> None:
    vault = shared.vault(VaultKey.generate())
    with shared.group.chunk():
        vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
    other = VaultKey.generate()  # another process, another key, between two chunks
    ids = ("q4", "u9", "endpoint")
    nonce, blob = seal(other, ids, b"{}")
    with connect(shared.path) as db:
        db.execute(
            "INSERT INTO vault_credentials VALUES (?, ?, ?, ?, ?, ?, 't', 't')",
            (*ids, other.key_id, nonce, blob),
        )
    with pytest.raises(VaultKeyError), shared.group.chunk():
        vault.put("q3", "u2", "endpoint", Credential(pin="4711-0816"))
    assert [row.unit_id for row in vault.list("q3")] == ["u1"]


def test_a_run_hands_out_what_it_stored_without_reading_it_back(shared: Shared) -> None:
    vault = shared.vault(VaultKey.generate())
    with shared.group.chunk():
        vault.put("q3", "u1", "endpoint", Credential(login="u1", password="x7-Qv9-p2Lm"))
        vault.put("q3", "u2", "endpoint", Credential(login="u2", password="k2-Rt5-z8Wq"))
    shared.statements.clear()
    with shared.group.chunk():
        first = vault.get("q3", "u1", "endpoint", channel="email")
        second = vault.get("q3", "u2", "endpoint", channel="email")
    assert shared.count(READ_BACK) == 0
    assert (first.login, first.password) == ("u1", Secret("x7-Qv9-p2Lm"))
    assert (second.login, second.password) == ("u2", Secret("k2-Rt5-z8Wq"))  # its own only
    reveals = [(e.unit_id, e.channel) for e in vault.audit.entries("q3") if e.action == "reveal"]
    assert reveals == [("u1", "email"), ("u2", "email")]


def test_a_revoked_or_purged_credential_is_not_handed_out_from_memory(shared: Shared) -> None:
    vault = shared.vault(VaultKey.generate())
    vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
    vault.put("q3", "u2", "endpoint", Credential(pin="4711-0816"))
    assert vault.delete("q3", "u1", "endpoint")
    with pytest.raises(Exception, match="No endpoint credential is stored for unit u1"):
        vault.get("q3", "u1", "endpoint")
    assert vault.purge("q3") == 1
    with pytest.raises(Exception, match="No endpoint credential is stored for unit u2"):
        vault.get("q3", "u2", "endpoint")


def test_a_vault_of_its_own_reads_the_file_every_time(tmp_path: Path) -> None:
    with Vault.open(tmp_path / "v.sqlite3", VaultKey.generate()) as vault:
        statements: list[str] = []
        vault._db.set_trace_callback(statements.append)
        vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
        vault.get("q3", "u1", "endpoint")
    assert sum(READ_BACK in s for s in statements) == 1


def test_in_a_chunk_a_credential_needs_no_savepoint_of_its_own(shared: Shared) -> None:
    vault = shared.vault(VaultKey.generate())
    shared.statements.clear()
    with shared.group.chunk():
        vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
    assert shared.count("SAVEPOINT") == 0
    assert shared.count("INSERT INTO audit_log") == 1


def test_a_credential_whose_audit_row_fails_is_never_committed(shared: Shared) -> None:
    vault = shared.vault(VaultKey.generate())
    shared.db.execute(
        "CREATE TEMP TRIGGER audit_fails BEFORE INSERT ON audit_log WHEN NEW.detail = 'sip'"
        " BEGIN SELECT RAISE(ABORT, 'the disk said no'); END"
    )

    def two_credentials_in_one_chunk() -> None:
        with shared.group.chunk():
            vault.put("q3", "u1", "endpoint", Credential(pin="4711-0815"))
            vault.put("q3", "u2", "sip", Credential(pin="4711-0816"))

    with pytest.raises(LedgerError):
        two_credentials_in_one_chunk()
    with connect(shared.path) as db:
        stored = db.execute("SELECT unit_id, kind FROM vault_credentials").fetchall()
        audited = db.execute("SELECT unit_id, detail FROM audit_log").fetchall()
    assert ("u2", "sip") not in stored  # no credential without its audit row
    assert sorted(stored) == sorted(audited)


def test_a_run_reads_which_units_hold_credentials_once(shared: Shared) -> None:
    key = VaultKey.generate()
    with Vault.open(shared.path, key) as before:  # another command, before the run
        before.put("q3", "u1", "sip", Credential(pin="4711-0815"))
    vault = shared.vault(key)
    shared.statements.clear()
    assert [vault.has("q3", u, "sip") for u in ("u1", "u2", "u3")] == [True, False, False]
    assert shared.count("FROM vault_credentials WHERE meeting_id") == 1
    with shared.group.chunk():
        vault.put("q3", "u2", "sip", Credential(pin="4711-0816"))
    assert vault.delete("q3", "u1", "sip")
    assert [vault.has("q3", u, "sip") for u in ("u1", "u2", "u3")] == [False, True, False]
    assert shared.count("FROM vault_credentials WHERE meeting_id") == 2  # + the delete
    assert vault.purge("q3") == 1
    assert not vault.has("q3", "u2", "sip")
