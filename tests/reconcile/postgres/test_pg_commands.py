"""`meetlink credentials …` and `meetlink plan --state` read the PostgreSQL ledger too, and the
end of `open` names the database it used without its password."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from meetlink.cli import main
from meetlink.reconcile import OpenResult, credential_rows, rotate_credentials

pytestmark = pytest.mark.integration


def _with_password(url: str, password: str) -> str:
    """The URL with a password (the test server trusts its socket and ignores it)."""
    parts = urlsplit(url)
    user = parts.username or "postgres"
    netloc = f"{user}:{password}@{parts.hostname or ''}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def test_open_names_the_database_without_its_password(
    meeting: Any,
    postgres_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = _with_password(postgres_url, "s3cret-pw")
    monkeypatch.setenv("MEETLINK_VAULT_KEY", meeting.key.reveal_text())
    assert main(["open", str(meeting.path), "--state", url]) == 0
    out = capsys.readouterr().out
    state = [line for line in out.splitlines() if line.startswith("state:")]
    assert state == [f"state: {_shown(url)} (shared database)"]
    assert "s3cret-pw" not in out
    assert not (meeting.state / "ledger.sqlite3").exists()


def _shown(url: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}@{parts.hostname or ''}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def test_credentials_and_plan_read_the_server_ledger(
    meeting: Any,
    open_it: Callable[..., OpenResult],
    postgres_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert open_it(state_dir=postgres_url).ok
    path = str(meeting.path)
    # credentials list: from the server's ledger, with no local state at all
    assert main(["credentials", path, "list", "--state", postgres_url]) == 0
    listed = capsys.readouterr().out
    assert "6 credentials" in listed
    assert "handed out" in listed
    rows = credential_rows(meeting.path, ["X1"], state_dir=postgres_url)
    assert {r.point for r in rows} == {"X1"}
    before = {r.version for r in rows}
    # slips: the secrets from the server's vault
    monkeypatch.setenv("MEETLINK_VAULT_KEY", meeting.key.reveal_text())
    assert main(["credentials", path, "slip", "--unit", "X1-T2", "--state", postgres_url]) == 0
    assert "Chi bộ thôn 2" in capsys.readouterr().out
    # rotate on the server: the point's access issued anew and handed out again
    rotated = rotate_credentials(
        meeting.path, ["X1"], state_dir=postgres_url, vault_key=meeting.key, http=meeting.store
    )
    assert rotated.ok, rotated.failures
    assert rotated.counts["handout"] == {"update": 2}
    after = {r.version for r in credential_rows(meeting.path, ["X1"], state_dir=postgres_url)}
    assert after == {v + 1 for v in before}
    # plan --state URL: the actions as the server's ledger has them (all done)
    assert main(["plan", path, "--format", "json", "--state", postgres_url]) == 0
    actions = json.loads(capsys.readouterr().out)["actions"]
    assert actions
    assert {a["op"] for a in actions} == {"none"}
    # and MEETLINK_STATE alone is enough
    monkeypatch.setenv("MEETLINK_STATE", postgres_url)
    assert main(["credentials", path, "list"]) == 0
    assert "6 credentials" in capsys.readouterr().out


def test_credentials_on_an_empty_server_say_open_first(
    meeting: Any, postgres_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["credentials", str(meeting.path), "list", "--state", postgres_url]) == 2
    assert "run `meetlink open` first" in capsys.readouterr().err
