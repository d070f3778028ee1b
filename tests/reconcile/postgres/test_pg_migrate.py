"""`meetlink state migrate`: a SQLite state copied to PostgreSQL reads and acts the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from meetlink.cli import main
from meetlink.credentials.vault import open_vault
from meetlink.errors import LedgerError
from meetlink.reconcile import OpenResult
from meetlink.reconcile.migrate_pg import migrate_meeting
from meetlink.reconcile.vault_pg import open_postgres_vault

pytestmark = pytest.mark.integration


def _status(meeting: Path, capsys: pytest.CaptureFixture[str], *state: str) -> str:
    assert main(["--lang", "en", "status", str(meeting), *state]) == 0
    return capsys.readouterr().out


def test_migrate_then_status_and_open_on_the_server_see_the_same(
    open_it: Callable[..., OpenResult],
    postgres_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    meeting = tmp_path / "meeting.yaml"
    assert open_it().ok  # SQLite, beside the meeting file
    before = _status(meeting, capsys)
    assert main(["--lang", "en", "state", "migrate", str(meeting), "--to", postgres_url]) == 0
    said = capsys.readouterr().out
    assert "credentials (still encrypted)" in said
    after = _status(meeting, capsys, "--state", postgres_url)
    assert after == before
    assert "done" in after
    again = open_it(state_dir=postgres_url)  # nothing left to do on the server either
    assert again.ok
    assert again.counts == {}


def test_the_vault_rows_arrive_sealed_and_open_with_the_same_key(
    open_it: Callable[..., OpenResult], postgres_url: str, tmp_path: Path, meeting: object
) -> None:
    assert open_it().ok
    ledger = tmp_path / ".meetlink" / "ledger.sqlite3"
    copied = migrate_meeting(ledger, "demo-open", postgres_url)
    assert copied.effects > 0
    assert copied.credentials > 0
    assert copied.audit > 0
    key = meeting.key  # type: ignore[attr-defined]
    with open_vault(ledger, key) as local, open_postgres_vault(postgres_url, key) as shared:
        rows = local.list("demo-open")
        assert [(r.unit_id, r.kind) for r in shared.list("demo-open")] == [
            (r.unit_id, r.kind) for r in rows
        ]
        for row in rows:
            assert shared.get("demo-open", row.unit_id, row.kind) == local.get(
                "demo-open", row.unit_id, row.kind
            )
    with psycopg.connect(postgres_url) as db:
        stored = db.execute("SELECT nonce, ciphertext FROM vault_credentials").fetchall()
    assert stored
    assert all(len(bytes(nonce)) == 12 for nonce, _ in stored)


def test_a_server_that_holds_the_meeting_is_not_merged_into(
    open_it: Callable[..., OpenResult], postgres_url: str, tmp_path: Path
) -> None:
    assert open_it().ok
    ledger = tmp_path / ".meetlink" / "ledger.sqlite3"
    migrate_meeting(ledger, "demo-open", postgres_url)
    with pytest.raises(LedgerError, match="already holds meeting 'demo-open'; nothing was copied"):
        migrate_meeting(ledger, "demo-open", postgres_url)
