"""Issue 17: in a chunk of ``open`` the PostgreSQL vault's writes wait for one flush.

Its credentials and audit rows go to the server together (one transaction) before the
ledger commits the chunk's outcomes; the rows a chunk reads are read in one statement. What
the chunk holds is seen by its own reads, by nobody else until the flush, and is never lost
by a flush that fails (the ledger's commit, which flushes first, fails with it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import pytest
from tests.reconcile.crash_harness import handout_password
from tests.reconcile.postgres.sent_statements import sent_statements
from tests.reconcile.village_meeting import village_meeting

from meetlink.adapters.memory import MemoryAdapter, MemoryStore
from meetlink.adapters.models import ConferenceRequest
from meetlink.credentials.audit import AuditAction
from meetlink.credentials.vault import Credential, VaultKey
from meetlink.errors import CredentialError, LedgerError
from meetlink.reconcile import open_meeting
from meetlink.reconcile.keys import EffectKey
from meetlink.reconcile.vault_pg import PostgresVault, open_postgres_vault

pytestmark = pytest.mark.integration

MARKER = "pw-MARKER-7Qv9-chunk"


@pytest.fixture
def vault(postgres_url: str) -> Iterator[PostgresVault]:
    with open_postgres_vault(postgres_url, VaultKey.generate()) as opened:
        yield opened


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """What another connection (another worker) sees now."""
    with psycopg.connect(url) as db:
        return db.execute(sql).fetchall()


def test_a_chunks_credentials_and_audit_rows_reach_the_server_at_its_flush(
    vault: PostgresVault, postgres_url: str
) -> None:
    with vault.deferring():
        vault.put("q3", "X1", "endpoint", Credential(login="x1", password=MARKER))
        vault.audit.record("q3", "X1", "deliver", channel="email", detail="main/s1, version 1")
        assert vault.get("q3", "X1", "endpoint", channel="email").password is not None
        assert vault.has("q3", "X1", "endpoint")
        # Not on the server yet: another worker sees neither the row nor its audit.
        assert _rows(postgres_url, "SELECT unit_id FROM vault_credentials") == []
        assert _rows(postgres_url, "SELECT action FROM audit_log") == []
        vault.flush()
        assert _rows(postgres_url, "SELECT unit_id FROM vault_credentials") == [("X1",)]
    got = vault.get("q3", "X1", "endpoint")
    assert got.password is not None
    assert got.password.reveal() == MARKER
    actions = [e.action for e in vault.audit.entries("q3")]
    # the chunk's issue, deliver and reveal, then the read after it (audited at once)
    assert actions == [
        AuditAction.ISSUE,
        AuditAction.DELIVER,
        AuditAction.REVEAL,
        AuditAction.REVEAL,
    ]
    ids = [e.id for e in vault.audit.entries("q3")]
    assert ids == sorted(ids)
    assert all(MARKER not in str(row) for row in _rows(postgres_url, "SELECT * FROM audit_log"))
    stored = _rows(postgres_url, "SELECT ciphertext FROM vault_credentials")
    assert MARKER.encode() not in bytes(stored[0][0])


def test_a_chunk_ends_with_its_flush(vault: PostgresVault, postgres_url: str) -> None:
    with vault.deferring():
        for n in range(5):
            vault.put("q3", f"X{n}", "endpoint", Credential(login=f"x{n}", password=f"pw-{n}"))
    assert len(_rows(postgres_url, "SELECT 1 FROM vault_credentials")) == 5
    assert len(_rows(postgres_url, "SELECT 1 FROM audit_log WHERE action = 'issue'")) == 5
    assert not vault.deferred


def test_a_chunk_of_250_is_two_statements_not_three_a_credential(
    vault: PostgresVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    with vault.deferring():
        for n in range(250):
            vault.put("q3", f"X{n}", "endpoint", Credential(login=f"x{n}", password=f"pw-{n}"))
    sent = sent_statements(monkeypatch)
    with vault.deferring():
        vault.remember(("q3", f"X{n}", "endpoint") for n in range(250))
        for n in range(250):
            credential = vault.get("q3", f"X{n}", "endpoint", channel="email")
            assert credential.login == f"x{n}"
            vault.audit.record("q3", f"X{n}", "deliver", channel="email", detail="main/s1")
    reads = [s for s in sent if "FROM vault_credentials" in s]
    audits = [s for s in sent if "INSERT INTO audit_log" in s]
    assert len(reads) == 1  # the chunk's rows, read at once
    assert len(audits) == 1  # 500 audit rows, one batch
    assert len(sent) <= 4  # and the transaction's begin and commit at most


def test_a_remembered_row_is_answered_without_the_server(
    vault: PostgresVault, postgres_url: str
) -> None:
    vault.put("q3", "X1", "endpoint", Credential(login="x1", password="pw-1"))
    with vault.deferring():
        vault.remember([("q3", "X1", "endpoint"), ("q3", "X2", "endpoint")])
        with psycopg.connect(postgres_url) as other:  # nobody writes a claimed bucket's rows;
            other.execute("DELETE FROM vault_credentials")  # here someone does, to show it
        assert vault.get("q3", "X1", "endpoint").login == "x1"
        assert not vault.has("q3", "X2", "endpoint")  # remembered as missing
    assert not vault.has("q3", "X1", "endpoint")  # after the chunk: the server again


def test_a_refused_flush_keeps_what_it_held_and_fails_again(
    vault: PostgresVault, postgres_url: str
) -> None:
    vault.put("q3", "X0", "endpoint", Credential(login="x0", password="pw-0"))  # key known
    # The chunk's end flushes again: refused again, now with the keys the vault holds.
    with pytest.raises(CredentialError, match="2 vault keys") as again, vault.deferring():  # noqa: PT012
        vault.put("q3", "X1", "endpoint", Credential(login="x1", password=MARKER))
        with psycopg.connect(postgres_url) as other:  # another key's row arrives meanwhile
            other.execute(
                "INSERT INTO vault_credentials VALUES"
                " ('q3', 'Z9', 'endpoint', 'another-key', 'n', 'c', 't', 't')"
            )
        with pytest.raises(CredentialError, match="run `meetlink open` again") as refused:
            vault.flush()
        assert MARKER not in str(refused.value)
        # Still held: the ledger's commit flushes first, and fails in turn.
        assert vault.has("q3", "X1", "endpoint")
    assert MARKER not in str(again.value)
    units = {r[0] for r in _rows(postgres_url, "SELECT unit_id FROM vault_credentials")}
    assert units == {"X0", "Z9"}  # nothing of the refused chunk kept
    issued = _rows(postgres_url, "SELECT unit_id FROM audit_log WHERE action = 'issue'")
    assert issued == [("X0",)]


def test_a_write_outside_the_chunks_rows_goes_after_them(
    vault: PostgresVault, postgres_url: str
) -> None:
    with vault.deferring():
        vault.put("q3", "X1", "endpoint", Credential(login="x1", password="pw-1"))
        assert vault.delete("q3", "X1", "endpoint")  # sent after the put it follows
        assert not vault.has("q3", "X1", "endpoint")
    assert _rows(postgres_url, "SELECT 1 FROM vault_credentials") == []
    actions = [e.action for e in vault.audit.entries("q3")]
    assert actions == [AuditAction.ISSUE, AuditAction.REVOKE]


def test_outside_a_chunk_every_write_is_committed_at_once(
    vault: PostgresVault, postgres_url: str
) -> None:
    vault.put("q3", "X1", "endpoint", Credential(login="x1", password="pw-1"))
    vault.audit.record("q3", "X1", "deliver", channel="email")
    assert _rows(postgres_url, "SELECT unit_id FROM vault_credentials") == [("X1",)]
    assert len(_rows(postgres_url, "SELECT 1 FROM audit_log")) == 2
    vault.remember([("q3", "X1", "endpoint")])  # nothing outside a chunk
    assert not vault.known(("q3", "X1", "endpoint"))[0]


# -- a whole run ----------------------------------------------------------------------------


def test_a_run_whose_vault_flush_fails_commits_no_outcome_without_its_credential(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server refuses the vault's second flush (and every one after): the run stops, the
    first group's accesses are done with their credentials stored, the second's are not
    done (the ledger's commit flushes first, and fails); the next run issues them again and
    every officer's hand-out carries the password the vault and the platform hold."""
    points = 60  # the access phase: three groups of 25, 25 and 10
    meeting = village_meeting(tmp_path, "flush", points)
    store, key = MemoryStore(), VaultKey.generate()
    stores: list[str] = []
    executemany = psycopg.Cursor.executemany

    def failing(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if str(query).startswith("INSERT INTO vault_credentials"):
            stores.append(str(query))
            if len(stores) >= 2:
                raise psycopg.OperationalError("server closed the connection unexpectedly")
        return executemany(self, query, *args, **kwargs)

    with monkeypatch.context() as faults:
        faults.setattr(psycopg.Cursor, "executemany", failing)
        with pytest.raises(LedgerError, match="server"):
            open_meeting(meeting, state_dir=postgres_url, http=store, vault_key=key)
    done = {
        EffectKey.parse(row[0]).point
        for row in _rows(
            postgres_url, "SELECT key FROM effects WHERE kind = 'access' AND state = 'done'"
        )
    }
    stored = {row[0] for row in _rows(postgres_url, "SELECT unit_id FROM vault_credentials")}
    assert done  # the first group's outcomes, after its credentials
    assert len(done) < points
    assert done <= stored  # no access done whose credential the vault lacks

    result = open_meeting(meeting, state_dir=postgres_url, http=store, vault_key=key)
    assert result.ok, result.failures
    assert result.outbox is not None
    handed = _handouts(result.outbox)
    with open_postgres_vault(postgres_url, key) as vault:
        kept = {
            row.unit_id: _password(vault.get("flush", row.unit_id, row.kind))
            for row in vault.list("flush")
        }
    assert len(kept) == points
    assert handed == kept  # one hand-out each, with the password the vault holds
    (conference,) = _rows(postgres_url, "SELECT detail FROM effects WHERE kind = 'conference'")
    request = ConferenceRequest.model_validate(json.loads(conference[0])["request"])
    adapter = MemoryAdapter(http=store)
    assert all(adapter.verify(request, point, password) for point, password in kept.items())


def _password(credential: Credential) -> str:
    assert credential.password is not None
    return credential.password.reveal()


def _handouts(outbox: Path) -> dict[str, str]:
    """Each hand-out's point (by its officer's address) and the password it carries."""
    found: dict[str, str] = {}
    for path in sorted(outbox.glob("handout-*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        point = "V" + message["To"].addresses[0].username.removeprefix("ktv")
        assert point not in found, "a second hand-out for one point"
        found[point] = handout_password(message)
    return found
