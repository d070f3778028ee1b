"""Issue 17: the PostgreSQL vault's statements of a run read the primary key's or the
``key_id`` index, never every row, however the server plans them once prepared: storing a
credential (a first open of 31,000 points spent most of the server's time scanning the vault
once per credential) and reading a chunk's rows (a join on the ids was hashed from a scan of
the whole vault, 12 ms a group)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from meetlink.reconcile.server_db import connect, migrate
from meetlink.reconcile.vault_chunk import READ_MANY
from meetlink.reconcile.vault_pg import PUT

pytestmark = pytest.mark.integration


@pytest.fixture
def filled(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A vault of 6,000 rows (3,000 units, two kinds), its statistics up to date."""
    db = connect(postgres_url)
    try:
        migrate(db, postgres_url)
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO vault_credentials VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    ("m1", f"U{n}", kind, "k1", b"n", b"c", "t", "t")
                    for n in range(3000)
                    for kind in ("account", "conference:main/s1")
                ],
            )
        db.execute("ANALYZE vault_credentials")
        yield db
    finally:
        db.close()


def _generic_plan(db: psycopg.Connection[Any], sql: str) -> str:
    """The plan the server uses for ``sql`` once prepared (its generic plan)."""
    numbered = iter(range(1, 100))
    statement = re.sub("%s", lambda _: f"${next(numbered)}", sql)
    rows = db.execute(f"EXPLAIN (GENERIC_PLAN) {statement}").fetchall()
    return "\n".join(str(row[0]) for row in rows)


def test_a_put_reads_the_key_index_ends_not_every_row(filled: psycopg.Connection[Any]) -> None:
    plan = _generic_plan(filled, PUT)
    assert "Seq Scan on vault_credentials" not in plan, plan
    assert "vault_credentials_by_key" in plan, plan  # the index's two ends


def test_a_chunks_rows_are_read_from_the_primary_key(filled: psycopg.Connection[Any]) -> None:
    units = [f"U{n}" for n in range(0, 3000, 12)]  # a group's 250 points
    custom = filled.execute("EXPLAIN " + READ_MANY, (["m1"], units, ["account"])).fetchall()
    for plan in (_generic_plan(filled, READ_MANY), "\n".join(str(r[0]) for r in custom)):
        assert "Seq Scan" not in plan, plan
        assert "vault_credentials_pkey" in plan, plan
