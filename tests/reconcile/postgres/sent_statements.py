"""The statements a test's code sends to PostgreSQL, counted as they go (a batch of
``executemany`` counts once: it is one round trip in a pipeline)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest


def sent_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement sent from now on (until ``monkeypatch`` is undone), in order."""
    sent: list[str] = []
    execute, executemany = psycopg.Connection.execute, psycopg.Cursor.executemany

    def counted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return execute(self, query, *args, **kwargs)

    def counted_many(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return executemany(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", counted)
    monkeypatch.setattr(psycopg.Cursor, "executemany", counted_many)
    return sent
