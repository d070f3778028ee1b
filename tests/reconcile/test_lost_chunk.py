"""A chunk whose commit fails hands none of its credentials out (issue 19, run memory).

A vault sharing a run's ledger keeps what it stored in memory, to hand it out without reading
it back. A credential is stored in a chunk's open transaction: when the chunk is lost (a full
disk at the audit row, a failed fsync or COMMIT), what it stored is not in the file, so it
must not be handed out either; the next ``open`` issues the credentials again, and every
hand-out then carries the password the vault and the platform hold.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from tests.credentials.shared_connection import READ_BACK, Shared, shared_in
from tests.reconcile.crash_harness import handout_password
from tests.reconcile.village_meeting import village_meeting

import meetlink.reconcile.context as context_module
from meetlink.adapters.memory import MemoryAdapter, MemoryStore
from meetlink.adapters.models import ConferenceRequest
from meetlink.credentials.audit import AuditAction, AuditLog, connect
from meetlink.credentials.vault import Credential, Vault, VaultKey
from meetlink.errors import CredentialError, LedgerError
from meetlink.reconcile import open_meeting
from meetlink.reconcile.context import RunContext
from meetlink.reconcile.ledger import Ledger

POINTS = 25
CHUNK = 10  # the access phase of 25 points runs in 3 chunks
FULL = "database or disk is full"


shared = pytest.fixture(shared_in)


def _audit_row_fails(
    monkeypatch: pytest.MonkeyPatch,
    *,
    unit: str = "",
    nth: int = 0,
    error: BaseException | None = None,
) -> None:
    """The audit row of ``unit``'s ``issue`` (or of the ``nth`` one) fails with ``error``
    (by default as SQLite fails on a full disk)."""
    append = AuditLog.append_unchecked
    issued: list[str | None] = []

    def failing(self: AuditLog, meeting_id: str, unit_id: str | None, *a: Any, **k: Any) -> Any:
        if a and a[0] == AuditAction.ISSUE:
            issued.append(unit_id)
            if unit_id == unit or len(issued) == nth:
                raise error or sqlite3.OperationalError(FULL)
        return append(self, meeting_id, unit_id, *a, **k)

    monkeypatch.setattr(AuditLog, "append_unchecked", failing)


# -- the vault alone, on a shared connection ------------------------------------------------


def _one_chunk(shared: Shared, vault: Vault, **passwords: str) -> None:
    """Each unit's login and password stored in one chunk of the shared connection."""
    with shared.group.chunk():
        for unit, password in passwords.items():
            vault.put("q3", unit, "endpoint", Credential(login=unit, password=password))


def _not_handed_out(vault: Vault, unit: str) -> None:
    """The vault neither hands out nor lists ``unit``'s credential (before the fix, the run's
    memory gave back a password the vault never kept)."""
    with pytest.raises(CredentialError, match=f"No endpoint credential is stored for unit {unit}"):
        vault.get("q3", unit, "endpoint", channel="email")
    assert not vault.has("q3", unit, "endpoint")


def test_a_credential_of_a_chunk_lost_at_an_audit_row_is_not_handed_out(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = shared.vault(VaultKey.generate())
    _audit_row_fails(monkeypatch, unit="u2")
    with pytest.raises(LedgerError, match="is full"):
        _one_chunk(shared, vault, u1="x7-Qv9-p2Lm", u2="k2-Rt5-z8Wq")
    assert shared.in_file() == []  # the chunk was rolled back: u1's row with it
    _not_handed_out(vault, "u1")


def test_a_credential_of_a_chunk_whose_commit_fails_is_not_handed_out(shared: Shared) -> None:
    vault = shared.vault(VaultKey.generate())

    def disk_full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space left"), shared.group.chunk(disk_full):
        vault.put("q3", "u1", "endpoint", Credential(login="u1", password="x7-Qv9-p2Lm"))
    assert shared.in_file() == []
    _not_handed_out(vault, "u1")


def test_after_a_lost_chunk_what_earlier_chunks_committed_is_still_handed_out(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = shared.vault(VaultKey.generate())
    _one_chunk(shared, vault, u1="x7-Qv9-p2Lm", u2="k2-Rt5-z8Wq")
    _audit_row_fails(monkeypatch, unit="u3")
    with pytest.raises(LedgerError, match="is full"):
        _one_chunk(shared, vault, u2="NEW-never-kept", u3="m4-Zx8-c1Vb")
    assert shared.in_file() == [("u1", "endpoint"), ("u2", "endpoint")]
    assert vault.get("q3", "u1", "endpoint").password.reveal() == "x7-Qv9-p2Lm"
    # u2 holds what the first chunk committed, not what the lost one wrote over it.
    assert vault.get("q3", "u2", "endpoint").password.reveal() == "k2-Rt5-z8Wq"
    assert [vault.has("q3", u, "endpoint") for u in ("u1", "u2", "u3")] == [True, True, False]


@pytest.mark.parametrize("error", [RuntimeError("the clock failed"), KeyboardInterrupt()])
def test_any_error_at_an_audit_row_takes_the_credential_and_its_chunk_back(
    shared: Shared, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    vault = shared.vault(VaultKey.generate())
    # between the row's INSERT and its audit row's: Ctrl-C, or a bug
    _audit_row_fails(monkeypatch, unit="u2", error=error)
    with pytest.raises((type(error), LedgerError)):
        _one_chunk(shared, vault, u1="x7-Qv9-p2Lm", u2="k2-Rt5-z8Wq")
    with connect(shared.path) as other:
        audited = other.execute("SELECT unit_id FROM audit_log WHERE action = 'issue'").fetchall()
    # Before: the chunk ended by the error was committed, u2's row without its audit row.
    assert shared.in_file() == sorted((u, "endpoint") for (u,) in audited) == []
    _not_handed_out(vault, "u1")
    _not_handed_out(vault, "u2")


def test_after_an_error_at_an_audit_row_the_chunk_writes_nothing_on_its_own(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = shared.vault(VaultKey.generate())
    _audit_row_fails(monkeypatch, unit="u1", error=RuntimeError("the clock failed"))
    refused: list[BaseException] = []

    def chunk_goes_on() -> None:  # as the other threads of a chunk do
        with shared.group.chunk():
            for unit in ("u1", "u2"):
                try:
                    vault.put("q3", unit, "endpoint", Credential(pin=f"4711-{unit}"))
                except (RuntimeError, LedgerError) as exc:
                    refused.append(exc)

    with pytest.raises(LedgerError):
        chunk_goes_on()
    assert len(refused) == 2  # u2's write is refused too: the chunk's transaction is gone
    # Before: u2 was written and committed on its own, outside the chunk's transaction.
    assert shared.in_file() == []


def test_a_committed_chunk_is_still_handed_out_from_memory(shared: Shared) -> None:
    vault = shared.vault(VaultKey.generate())
    with shared.group.chunk():
        vault.put("q3", "u1", "endpoint", Credential(login="u1", password="x7-Qv9-p2Lm"))
        shared.group.commit_now()
        vault.put("q3", "u2", "endpoint", Credential(login="u2", password="k2-Rt5-z8Wq"))
        shared.statements.clear()
        # u2 is in the chunk's open transaction: this connection would read it back too.
        assert vault.get("q3", "u2", "endpoint").password.reveal() == "k2-Rt5-z8Wq"
    assert vault.get("q3", "u1", "endpoint").password.reveal() == "x7-Qv9-p2Lm"
    assert sum(READ_BACK in s for s in shared.statements) == 0


# -- a whole run ----------------------------------------------------------------------------


def _committed(state: Path, key: VaultKey, meeting_id: str) -> dict[str, str]:
    """Each point's password as the vault's file holds it (committed only)."""
    with Vault.open(state / "ledger.sqlite3", key) as vault:
        return {
            row.unit_id: vault.get(meeting_id, row.unit_id, row.kind).password.reveal()
            for row in vault.list(meeting_id)
        }


def _handouts(state: Path) -> dict[str, str]:
    """Each hand-out's point (by its officer's address) and the password it carries."""
    found: dict[str, str] = {}
    for path in sorted((state / "outbox").glob("handout-*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        point = message["To"].addresses[0].username.removeprefix("ktv")
        assert f"V{point}" not in found, "a second hand-out for one point"
        found[f"V{point}"] = handout_password(message)
    return found


def _on_the_platform(
    store: MemoryStore, state: Path, key: VaultKey, meeting_id: str
) -> dict[str, bool]:
    """Whether the platform lets each point in with the password the vault holds."""
    vault_passwords = _committed(state, key, meeting_id)
    with Ledger(state / "ledger.sqlite3") as ledger:
        (conference,) = ledger.effects(meeting_id, kind="conference")
    request = ConferenceRequest.model_validate(conference.detail["request"])
    adapter = MemoryAdapter(http=store)
    return {p: adapter.verify(request, p, pw) for p, pw in vault_passwords.items()}


def _lost_then_opened_again(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: Callable[[pytest.MonkeyPatch], None],
    error: type[BaseException],
    match: str,
) -> None:
    """Open a meeting of villages with ``fault`` in place: the run ends with ``error`` at
    the access phase's second chunk, and no hand-out carries a password the vault does not
    hold. Then open it again: one hand-out each, the password the vault and the platform hold.
    """
    monkeypatch.setattr(context_module, "CHUNK_POINTS", CHUNK)
    meeting, store, key = (
        village_meeting(tmp_path, "lost", POINTS),
        MemoryStore(),
        VaultKey.generate(),
    )
    with monkeypatch.context() as faults:
        fault(faults)
        with pytest.raises(error, match=match):
            open_meeting(meeting, http=store, vault_key=key, concurrency=1)
    state = tmp_path / ".meetlink"
    committed = _committed(state, key, "lost")
    assert len(committed) == CHUNK  # the first chunk only: the second was rolled back
    handed = _handouts(state)
    assert all(committed.get(point) == password for point, password in handed.items())
    assert handed == {}  # the run ended at the lost chunk, before any hand-out

    result = open_meeting(meeting, http=store, vault_key=key)
    assert result.ok, result.failures
    committed = _committed(state, key, "lost")
    assert len(committed) == POINTS
    assert _handouts(state) == committed  # one hand-out each, with the vault's password
    assert all(_on_the_platform(store, state, key, "lost").values())


def test_a_run_whose_chunk_is_lost_at_an_audit_row_hands_out_no_password_it_did_not_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(faults: pytest.MonkeyPatch) -> None:
        _audit_row_fails(faults, nth=CHUNK + 3)  # in the second chunk of the access phase

    _lost_then_opened_again(tmp_path, monkeypatch, full_disk, LedgerError, "is full")


def test_a_run_whose_chunk_commit_fails_hands_out_no_password_it_did_not_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued: list[str] = []
    issue, durable = MemoryAdapter.issue_access, RunContext._make_durable

    def counted(self: MemoryAdapter, request: Any, info: Any, point: Any) -> Any:
        issued.append(point.id)
        return issue(self, request, info, point)

    def full_once(self: RunContext) -> None:
        if len(issued) > CHUNK and "failed" not in issued:  # the second chunk's outcomes
            issued.append("failed")
            raise OSError(errno.ENOSPC, "No space left on device")
        durable(self)

    def full_at_commit(faults: pytest.MonkeyPatch) -> None:
        faults.setattr(MemoryAdapter, "issue_access", counted)
        faults.setattr(RunContext, "_make_durable", full_once)

    _lost_then_opened_again(tmp_path, monkeypatch, full_at_commit, OSError, "No space left")
