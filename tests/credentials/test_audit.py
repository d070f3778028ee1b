"""The audit log: append-only, per meeting, never a secret in it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from meetlink.credentials import (
    AuditAction,
    AuditLog,
    Credential,
    Secret,
    Vault,
    VaultKey,
)
from meetlink.errors import CredentialError

MARKER = "MARKER-audit-2Rf8nL"
T0 = datetime(2023, 9, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[AuditLog]:
    log = AuditLog.open(tmp_path / "ledger.sqlite3")
    yield log
    log.close()


def test_recorded_entries_come_back_in_order(audit: AuditLog) -> None:
    audit.record("q3", "u1", "issue", actor="cli")
    audit.record("q3", "u1", AuditAction.DELIVER, channel="email", actor="cli", detail="to officer")
    entries = audit.entries("q3")
    assert [(e.unit_id, e.action, e.channel, e.detail) for e in entries] == [
        ("u1", AuditAction.ISSUE, "", ""),
        ("u1", AuditAction.DELIVER, "email", "to officer"),
    ]
    assert entries[0].id < entries[1].id


def test_entries_are_kept_per_meeting(audit: AuditLog) -> None:
    audit.record("q3", "u1", "issue")
    audit.record("q4", "u1", "issue")
    assert [e.meeting_id for e in audit.entries("q4")] == ["q4"]
    assert audit.entries("nothing") == []


def test_an_entry_carries_its_time_in_utc(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "a.sqlite3", isolation_level=None)
    log = AuditLog(db, clock=lambda: T0)
    log.record("q3", None, "purge", detail="retention ended")
    [entry] = log.entries("q3")
    log.close()
    assert entry.at == T0
    assert entry.unit_id is None


def test_every_documented_action_is_accepted(audit: AuditLog) -> None:
    for action in ("issue", "deliver", "reveal", "rotate", "revoke", "purge"):
        audit.record("q3", "u1", action)
    assert [e.action.value for e in audit.entries("q3")] == [
        "issue",
        "deliver",
        "reveal",
        "rotate",
        "revoke",
        "purge",
    ]


def test_an_unknown_action_is_refused_with_the_known_ones(audit: AuditLog) -> None:
    with pytest.raises(CredentialError, match="use one of: issue, deliver"):
        audit.record("q3", "u1", "peek")


@pytest.mark.parametrize("field", ["channel", "actor", "detail"])
def test_text_holding_a_secret_is_refused(audit: AuditLog, field: str) -> None:
    secret = Secret(MARKER)
    with pytest.raises(CredentialError, match="contains a secret") as caught:
        audit.record("q3", "u1", "deliver", **{field: f"sent {secret.reveal()} by e-mail"})
    assert MARKER not in str(caught.value)
    assert audit.entries("q3") == []


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET detail = 'changed'", "DELETE FROM audit_log"],
    ids=["update", "delete"],
)
def test_the_log_is_append_only(audit: AuditLog, tmp_path: Path, statement: str) -> None:
    audit.record("q3", "u1", "issue", detail="first")
    with (
        closing(sqlite3.connect(tmp_path / "ledger.sqlite3")) as db,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        db.execute(statement)
    assert [e.detail for e in audit.entries("q3")] == ["first"]


def test_reopening_the_file_keeps_the_entries(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    first = AuditLog.open(path)
    first.record("q3", "u1", "issue")
    first.close()
    second = AuditLog.open(path)
    assert len(second.entries("q3")) == 1
    second.close()


def test_the_vault_audits_every_change_and_every_reveal(tmp_path: Path) -> None:
    key = VaultKey.generate()
    with Vault.open(tmp_path / "ledger.sqlite3", key, actor="vanphong") as vault:
        vault.put("q3", "u1", "endpoint", Credential(password=MARKER))
        vault.put("q3", "u2", "endpoint", Credential(password=MARKER))
        vault.get("q3", "u1", "endpoint", channel="slip")
        vault.delete("q3", "u2", "endpoint")
        vault.rotate_key(VaultKey.generate())
        vault.purge("q3")
        entries = vault.audit.entries("q3")
    assert [(e.unit_id, e.action.value, e.channel) for e in entries] == [
        ("u1", "issue", ""),
        ("u2", "issue", ""),
        ("u1", "reveal", "slip"),
        ("u2", "revoke", ""),
        (None, "rotate", ""),
        (None, "purge", ""),
    ]
    assert {e.actor for e in entries} == {"vanphong"}
    assert all(MARKER not in e.detail for e in entries)


def test_a_vault_reveal_for_a_channel_holding_a_secret_is_refused(tmp_path: Path) -> None:
    secret = Secret(MARKER + "-channel")
    with Vault.open(tmp_path / "ledger.sqlite3", VaultKey.generate()) as vault:
        vault.put("q3", "u1", "endpoint", Credential(password=secret))
        with pytest.raises(CredentialError, match="contains a secret"):
            vault.get("q3", "u1", "endpoint", channel=f"{MARKER}-channel")
        assert [e.action.value for e in vault.audit.entries("q3")] == ["issue"]
