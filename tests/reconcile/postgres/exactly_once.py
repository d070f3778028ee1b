"""Several workers' ``meetlink open`` on one PostgreSQL ledger, checked at the Google emulator
and at a real SMTP server: every effect exactly once, no credential mismatch (shared by the
tests of separate workers, test_pg_open.py, and of ``open --workers N``, test_pg_workers.py).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crash_harness import Mailbox, calendar_field, calendar_of, handout_password, start_open

from meetlink.adapters.provisioned.export import read_export
from meetlink.credentials.vault import VaultKey
from meetlink.reconcile.vault_pg import open_postgres_vault
from meetlink.testing.google import GoogleEmulator

POINTS = 40


@dataclass
class Workers:
    """The meeting of ``POINTS`` villages the workers open, their environment and ledger."""

    meeting: Path
    env: dict[str, str]
    key: VaultKey
    url: str

    def start(self, *options: str) -> subprocess.Popen[bytes]:
        """One ``meetlink open`` process (4 calls at once), with more options if given."""
        return start_open(self.meeting, self.env, "--concurrency", "4", *options)


def uid_and_sequence(message: Any) -> tuple[str, str]:
    """An invitation's UID and SEQUENCE ("" for a hand-out, which has no calendar)."""
    calendar = calendar_of(message)
    return calendar_field(calendar, "UID"), calendar_field(calendar, "SEQUENCE")


def check_exactly_once(
    workers: Workers, emulator: GoogleEmulator, box: Mailbox, *, killed: bool
) -> None:
    """One Google event per sitting; every invitation and hand-out sent once; every village
    officer's last hand-out is the password the vault (on the server) holds.

    A worker killed between the SMTP server's "250 OK" and its ledger write leaves that
    message's outcome unknown: the next run sends the very same message again (same
    Message-ID, same bytes), as a single ``open`` does after a crash. Without kills, nothing
    is sent twice at all.
    """
    assert len(emulator.events()) == 3  # none made and thrown away either
    messages = box.received()
    sent: dict[tuple[str, ...], set[str]] = {}
    for message in messages:
        if uid_and_sequence(message)[0]:
            # per invitation: the points of a Google event share its UID (guides/google.md)
            invitation = (*uid_and_sequence(message), str(message["To"]))
            sent.setdefault(invitation, set()).add(str(message["Message-ID"]))
    assert len(sent) == 4 * POINTS  # 3 Google sittings + 1 provider sitting, SEQUENCE 0 each
    assert all(len(ids) == 1 for ids in sent.values())  # a resend is the same message
    if not killed:
        assert len([m for m in messages if uid_and_sequence(m)[0]]) == 4 * POINTS
    handouts: dict[str, list[str]] = {}
    for message in messages:
        if not uid_and_sequence(message)[0]:
            handouts.setdefault(str(message["To"]), []).append(handout_password(message))
    assert len(handouts) == POINTS
    if not killed:
        assert all(len(passwords) == 1 for passwords in handouts.values())
    with open_postgres_vault(workers.url, workers.key) as vault:
        stored = vault.list("shared-test")
        assert len(stored) == POINTS
        for row in stored:
            officer = f"ktv.v{int(row.unit_id[1:])}@xa.example.org"
            delivered = [p for to, ps in handouts.items() if officer in to for p in ps]
            password = vault.get("shared-test", row.unit_id, row.kind).password
            assert password is not None
            assert delivered
            assert set(delivered) == {password.reveal()}  # no credential mismatch


def check_export(workers: Workers) -> None:
    """The provider's export (written by several processes, each appending to its journal)
    holds every village's login with the password the vault holds, its journal merged."""
    (export,) = workers.meeting.parent.rglob("accounts-for-provider.csv")
    rows = read_export(export)
    assert not export.with_name(export.name + ".journal").exists()
    with open_postgres_vault(workers.url, workers.key) as vault:
        stored = [row for row in vault.list("shared-test") if row.unit_id.startswith("V")]
        assert len(stored) == POINTS
        for row in stored:
            credential = vault.get("shared-test", row.unit_id, row.kind)
            assert credential.login is not None
            assert credential.password is not None
            assert rows[credential.login]["password"] == credential.password.reveal()
