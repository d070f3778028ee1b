"""Issue 17: storing a credential in the PostgreSQL vault reads the ``key_id`` index's two
ends, not every row, however the server plans the prepared statement (a first open of
31,000 points spent most of the server's time scanning the vault once per credential)."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest

from meetlink.reconcile.server_db import connect, migrate
from meetlink.reconcile.vault_pg import PUT

pytestmark = pytest.mark.integration


def _generic_plan(db: psycopg.Connection[Any], sql: str) -> str:
    """The plan the server uses for ``sql`` once prepared (its generic plan)."""
    numbered = iter(range(1, 100))
    statement = re.sub("%s", lambda _: f"${next(numbered)}", sql)
    rows = db.execute(f"EXPLAIN (GENERIC_PLAN) {statement}").fetchall()
    return "\n".join(str(row[0]) for row in rows)


def test_a_put_reads_the_key_index_ends_not_every_row(postgres_url: str) -> None:
    db = connect(postgres_url)
    try:
        migrate(db, postgres_url)
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO vault_credentials VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [("m1", f"U{n}", "account", "k1", b"n", b"c", "t", "t") for n in range(3000)],
            )
        db.execute("ANALYZE vault_credentials")
        plan = _generic_plan(db, PUT)
        assert "Seq Scan on vault_credentials" not in plan, plan
        assert "vault_credentials_by_key" in plan, plan  # the index's two ends
    finally:
        db.close()
