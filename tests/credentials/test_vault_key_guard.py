"""One vault, one key: a wrong or re-created key is refused before it writes a single row.

Issue 11, point 3: a wrong ``MEETLINK_VAULT_KEY``, or a lost key file silently made anew,
let ``meetlink open`` write rows under another key, until one vault held three key ids.
"""

from __future__ import annotations

import shutil
import sqlite3
import stat
import traceback
from contextlib import closing
from pathlib import Path

import pytest

from meetlink.credentials.vault import Credential, Vault, VaultKey, open_vault
from meetlink.errors import VaultKeyError

# Valid keys whose text carries a marker: no message may ever hold either of them.
KEY_A_TEXT = "MARKERkeyA" + "a" * 33
KEY_B_TEXT = "MARKERkeyB" + "b" * 33
EXAMPLE = Path(__file__).parents[2] / "examples" / "hatinh-2023-12"


@pytest.fixture
def key_a() -> VaultKey:
    return VaultKey.from_text(KEY_A_TEXT, source="env")


@pytest.fixture
def key_b() -> VaultKey:
    return VaultKey.from_text(KEY_B_TEXT, source="env")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "ledger.sqlite3"


def fill(path: Path, key: VaultKey, units: int = 3) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with Vault.open(path, key) as vault:
        for n in range(units):
            vault.put("q3", f"u{n}", "endpoint", Credential(login=f"u{n}", password="pw-61c9"))


def stored(path: Path) -> tuple[int, list[str]]:
    """How many rows the vault holds, and under which key ids."""
    with closing(sqlite3.connect(path)) as db:
        count = db.execute("SELECT COUNT(*) FROM vault_credentials").fetchone()[0]
        ids = [r[0] for r in db.execute("SELECT DISTINCT key_id FROM vault_credentials")]
    return count, sorted(ids)


def assert_no_key_text(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc)) + repr(exc) + repr(vars(exc))
    for key_text in (KEY_A_TEXT, KEY_B_TEXT):
        assert key_text not in text
    assert "MARKER" not in text


def test_a_vault_written_with_one_key_refuses_to_open_with_another(
    path: Path, key_a: VaultKey, key_b: VaultKey
) -> None:
    fill(path, key_a)
    with pytest.raises(VaultKeyError) as caught:
        open_vault(path, key_b)
    message = str(caught.value)
    assert f"written with vault key {key_a.key_id}, but the key loaded" in message
    assert f"from MEETLINK_VAULT_KEY is {key_b.key_id}" in message
    assert "nothing was written" in message
    assert f"move the state file {path} aside" in message
    assert stored(path) == (3, [key_a.key_id])


def test_a_put_with_another_key_writes_nothing(
    path: Path, key_a: VaultKey, key_b: VaultKey
) -> None:
    fill(path, key_a)
    with Vault.open(path, key_b) as vault:
        for unit in ("u0", "u7"):  # replacing a row, and adding one
            with pytest.raises(VaultKeyError, match=f"vault key {key_a.key_id}, but"):
                vault.put("q3", unit, "endpoint", Credential(login=unit))
    assert stored(path) == (3, [key_a.key_id])


def test_a_vault_already_holding_several_keys_takes_none_of_them(
    path: Path, key_a: VaultKey, key_b: VaultKey
) -> None:
    fill(path, key_a)
    with closing(sqlite3.connect(path)) as db, db:  # the state issue 11 found: mixed keys
        db.execute("UPDATE vault_credentials SET key_id = ? WHERE unit_id = 'u2'", (key_b.key_id,))
    for key in (key_a, key_b):
        with pytest.raises(VaultKeyError, match="written with 2 vault keys"):
            open_vault(path, key)
        with Vault.open(path, key) as vault, pytest.raises(VaultKeyError):
            vault.put("q4", "u1", "endpoint", Credential(login="u1"))
    assert stored(path) == (3, sorted([key_a.key_id, key_b.key_id]))


def test_a_put_refuses_a_key_after_another_process_wrote_with_a_different_one(
    path: Path, key_a: VaultKey, key_b: VaultKey
) -> None:
    path.parent.mkdir(parents=True)
    with Vault.open(path, key_a) as first:  # the vault is empty: key A is fine so far
        fill(path, key_b, units=1)  # meanwhile, another process writes with key B
        with pytest.raises(VaultKeyError, match=f"vault key {key_b.key_id}, but"):
            first.put("q3", "u9", "endpoint", Credential(login="u9"))
    assert stored(path) == (1, [key_b.key_id])


def test_a_key_with_the_right_id_that_decrypts_nothing_is_refused(
    path: Path, key_a: VaultKey, key_b: VaultKey
) -> None:
    fill(path, key_a)
    with closing(sqlite3.connect(path)) as db, db:  # as if key B's id collided with A's
        db.execute("UPDATE vault_credentials SET key_id = ?", (key_b.key_id,))
    with pytest.raises(VaultKeyError, match="does not decrypt them") as caught:
        open_vault(path, key_b)
    assert_no_key_text(caught.value)
    with Vault.open(path, key_b) as vault, pytest.raises(VaultKeyError):
        vault.put("q3", "u9", "endpoint", Credential(login="u9"))
    assert stored(path) == (3, [key_b.key_id])


def test_open_vault_refuses_a_wrong_key_from_the_environment(
    path: Path, key_a: VaultKey, key_b: VaultKey, tmp_path: Path
) -> None:
    fill(path, key_a)
    env = {"MEETLINK_VAULT_KEY": KEY_B_TEXT, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    with pytest.raises(VaultKeyError, match=f"loaded from MEETLINK_VAULT_KEY is {key_b.key_id}"):
        open_vault(path, env=env)
    assert stored(path) == (3, [key_a.key_id])
    assert not (tmp_path / "config").exists()


def test_a_lost_key_file_is_not_made_anew_while_the_vault_holds_credentials(
    path: Path, tmp_path: Path
) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    key_file = tmp_path / "config" / "meetlink" / "vault.key"
    path.parent.mkdir(parents=True)
    with open_vault(path, env=env) as vault:
        vault.put("q3", "u1", "endpoint", Credential(login="u1", password="pw-61c9"))
    first_id = vault.key_id
    key_file.unlink()
    with pytest.raises(VaultKeyError) as caught:
        open_vault(path, env=env)
    message = str(caught.value)
    assert f"the vault key file {key_file} is missing" in message
    assert "Restore" in message
    assert "set MEETLINK_VAULT_KEY" in message
    assert not key_file.exists()
    assert stored(path) == (1, [first_id])


def test_a_lost_key_file_in_a_given_config_folder_is_not_made_anew_either(
    path: Path, key_a: VaultKey, tmp_path: Path
) -> None:
    fill(path, key_a)
    with pytest.raises(VaultKeyError, match="is missing and MEETLINK_VAULT_KEY is not set"):
        open_vault(path, env={}, config_dir=tmp_path / "config")
    assert not (tmp_path / "config").exists()


@pytest.mark.parametrize("state", ["no file", "a ledger without the vault", "an empty vault"])
def test_without_stored_credentials_open_vault_makes_the_key_file_as_before(
    path: Path, tmp_path: Path, state: str
) -> None:
    path.parent.mkdir(parents=True)
    if state == "a ledger without the vault":
        with closing(sqlite3.connect(path)) as db, db:
            db.execute("CREATE TABLE ledger_intents (id INTEGER PRIMARY KEY, op TEXT)")
    elif state == "an empty vault":
        Vault.open(path, VaultKey.generate()).close()
    config = tmp_path / "config" / "meetlink"
    with open_vault(path, env={}, config_dir=config) as vault:
        vault.put("q3", "u1", "endpoint", Credential(login="u1"))
    key_file = config / "vault.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stored(path) == (1, [vault.key_id])
    with open_vault(path, env={}, config_dir=config) as again:
        assert again.get("q3", "u1", "endpoint") == Credential(login="u1")


def test_no_refusal_ever_holds_the_text_of_either_key(
    path: Path, key_a: VaultKey, key_b: VaultKey, tmp_path: Path
) -> None:
    fill(path, key_a)
    refusals: list[VaultKeyError] = []
    for attempt in (
        lambda: open_vault(path, key_b),
        lambda: Vault.open(path, key_b).put("q3", "u1", "endpoint", Credential(login="u1")),
        lambda: open_vault(path, env={"MEETLINK_VAULT_KEY": KEY_B_TEXT}),
        lambda: open_vault(path, env={}, config_dir=tmp_path / "config"),
    ):
        with pytest.raises(VaultKeyError) as caught:
            attempt()
        refusals.append(caught.value)
    assert len(refusals) == 4
    for refusal in refusals:
        assert_no_key_text(refusal)


def test_the_command_line_stops_at_a_wrong_key_with_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from meetlink.cli import main

    folder = tmp_path / "hatinh"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".meetlink"))
    meeting, state = str(folder / "meeting.yaml"), folder / ".meetlink" / "ledger.sqlite3"
    key_a = VaultKey.from_text(KEY_A_TEXT)
    monkeypatch.setenv("MEETLINK_VAULT_KEY", KEY_A_TEXT)
    assert main(["open", meeting]) == 0
    before = stored(state)
    assert before[1] == [key_a.key_id]
    capsys.readouterr()

    monkeypatch.setenv("MEETLINK_VAULT_KEY", KEY_B_TEXT)
    assert main(["credentials", meeting, "slip", "-o", str(tmp_path / "slips")]) == 2
    printed = capsys.readouterr()
    assert f"vault key {key_a.key_id}" in printed.err
    assert "Load the key the vault was written with" in printed.err
    assert "MARKER" not in printed.out + printed.err
    assert stored(state) == before
