"""After the meeting: `meetlink credentials revoke` lists the accounts for the provider,
purges the vault, and a later `open` does not hand the accounts out again."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from meetlink.cli import main
from meetlink.credentials.vault import Vault, VaultKey

EXAMPLE = Path(__file__).parents[2] / "examples" / "hatinh-2023-12"


def test_revoked_accounts_are_listed_purged_and_not_issued_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "hatinh"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".meetlink"))
    key = VaultKey.generate()
    monkeypatch.setenv("MEETLINK_VAULT_KEY", key.reveal_text())
    meeting = str(folder / "meeting.yaml")
    assert main(["open", meeting]) == 0
    with Vault.open(folder / ".meetlink" / "ledger.sqlite3", key) as vault:
        stored = len(vault.list("hatinh-2023-12"))
    assert stored > 0
    capsys.readouterr()

    assert main(["credentials", meeting, "revoke"]) == 0
    assert f"{stored} credentials revoked" in capsys.readouterr().out
    revoked = folder / ".meetlink" / "platforms" / "hoi-nghi" / "revoked.csv"
    with revoked.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert {r["meeting"] for r in rows} == {"hatinh-2023-12"}
    with Vault.open(folder / ".meetlink" / "ledger.sqlite3", key) as vault:
        assert vault.list("hatinh-2023-12") == []

    assert main(["open", meeting]) == 0
    assert "nothing to do" in capsys.readouterr().out
