"""The vault: encrypted at rest, bound to meeting/unit/kind, rotatable, purgeable; and its key."""

from __future__ import annotations

import os
import pickle
import sqlite3
import stat
import sys
import traceback
import types
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from meetlink.credentials import (
    Credential,
    Secret,
    StoredCredential,
    Vault,
    VaultKey,
    default_config_dir,
    load_vault_key,
)
from meetlink.credentials.audit import connect
from meetlink.errors import (
    CredentialError,
    LedgerBusy,
    LedgerError,
    TamperedCredential,
    VaultKeyError,
)

MARKER = "MARKER-vault-6Jd1sB"
LOGIN = "LOGIN-diemcau-3Wq7"
T0 = datetime(2023, 9, 10, 8, 0, tzinfo=UTC)


def credential() -> Credential:
    return Credential(
        login=LOGIN,
        password=MARKER,
        pin=MARKER + "-pin",
        room="7001",
        server="mcu.example.vn",
        join_url="https://meet.example/room-7001",
    )


@pytest.fixture
def key() -> VaultKey:
    return VaultKey.generate()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite3"


@pytest.fixture
def vault(path: Path, key: VaultKey) -> Iterator[Vault]:
    with Vault.open(path, key, clock=lambda: T0) as opened:
        yield opened


def run_sql(path: Path, sql: str, *params: object) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(sql, params)


def row(path: Path, unit_id: str = "u1") -> tuple[str, bytes, bytes]:
    with closing(sqlite3.connect(path)) as db:
        found: tuple[str, bytes, bytes] = db.execute(
            "SELECT key_id, nonce, ciphertext FROM vault_credentials WHERE unit_id = ?",
            (unit_id,),
        ).fetchone()
    return found


def assert_no_secret(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc)) + repr(exc) + repr(vars(exc))
    assert MARKER not in text


# --- storing and reading ------------------------------------------------------------------


def test_a_stored_credential_comes_back_whole(vault: Vault) -> None:
    vault.put("q3", "u1", "endpoint", credential())
    assert vault.get("q3", "u1", "endpoint") == credential()


def test_putting_again_replaces_the_credential_and_keeps_created_at(path: Path) -> None:
    now = [T0]
    with Vault.open(path, VaultKey.generate(), clock=lambda: now[0]) as vault:
        vault.put("q3", "u1", "endpoint", credential())
        now[0] = T0 + timedelta(hours=1)
        vault.put("q3", "u1", "endpoint", Credential(login="new"))
        assert vault.get("q3", "u1", "endpoint") == Credential(login="new")
        assert vault.list("q3") == [StoredCredential("u1", "endpoint", T0)]


def test_list_names_units_and_kinds_but_no_secret(vault: Vault) -> None:
    vault.put("q3", "u2", "endpoint", credential())
    vault.put("q3", "u1", "host", credential())
    vault.put("q4", "u1", "endpoint", credential())
    listed = vault.list("q3")
    assert listed == [
        StoredCredential("u1", "host", T0),
        StoredCredential("u2", "endpoint", T0),
    ]
    assert MARKER not in repr(listed)
    assert vault.meetings() == ["q3", "q4"]


def test_a_missing_credential_says_how_to_get_one(vault: Vault) -> None:
    with pytest.raises(CredentialError, match="No endpoint credential is stored for unit u9"):
        vault.get("q3", "u9", "endpoint")


def test_empty_ids_are_refused(vault: Vault) -> None:
    with pytest.raises(CredentialError, match="non-empty"):
        vault.put("q3", "", "endpoint", credential())


def test_delete_removes_one_credential(vault: Vault) -> None:
    vault.put("q3", "u1", "endpoint", credential())
    vault.put("q3", "u2", "endpoint", credential())
    assert vault.delete("q3", "u1", "endpoint") is True
    assert vault.delete("q3", "u1", "endpoint") is False
    assert [c.unit_id for c in vault.list("q3")] == ["u2"]


@settings(max_examples=60, deadline=None)
@given(password=st.text(), login=st.none() | st.text())
@example(password="\ud800 lone surrogate", login="Nguyễn Văn A")
@example(password="", login="")
def test_any_unicode_password_survives_the_round_trip(password: str, login: str | None) -> None:
    with Vault.open(":memory:", VaultKey.generate()) as vault:
        vault.put("q3", "u1", "endpoint", Credential(login=login, password=password))
        got = vault.get("q3", "u1", "endpoint")
    assert got.login == login
    assert got.password == Secret(password)


# --- never in the clear ---------------------------------------------------------------------


def test_the_secret_never_reaches_the_database_or_wal_bytes(vault: Vault, path: Path) -> None:
    vault.put("q3", "u1", "endpoint", credential())
    vault.get("q3", "u1", "endpoint")
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    assert Path(f"{path}-wal").stat().st_size > 0, "the WAL should hold the recent writes"
    for file in files:
        data = file.read_bytes()
        for plain in (MARKER, LOGIN, "mcu.example.vn"):
            assert plain.encode() not in data, f"{plain} found in {file.name}"
            assert plain.encode("utf-16-le") not in data


def test_the_secret_is_not_in_the_database_after_closing(path: Path, key: VaultKey) -> None:
    with Vault.open(path, key) as vault:
        vault.put("q3", "u1", "endpoint", credential())
        vault.rotate_key(VaultKey.generate())
        vault.purge("q3")
        vault.put("q3", "u1", "endpoint", credential())
    for file in path.parent.iterdir():
        assert MARKER.encode() not in file.read_bytes(), file.name


def test_a_state_file_that_cannot_be_opened_is_a_ledger_error(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="check that its folder exists"):
        Vault.open(tmp_path / "missing" / "ledger.sqlite3", VaultKey.generate())


def test_a_locked_state_file_is_ledger_busy(path: Path, key: VaultKey) -> None:
    with Vault.open(path, key) as vault, closing(sqlite3.connect(path, timeout=0)) as other:
        vault._db.execute("PRAGMA busy_timeout = 0")
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(LedgerBusy, match="wait for it to finish"):
            vault.put("q3", "u1", "endpoint", credential())
        other.rollback()


def test_a_credential_prints_without_its_secrets(vault: Vault) -> None:
    vault.put("q3", "u1", "endpoint", credential())
    got = vault.get("q3", "u1", "endpoint")
    for text in (repr(got), str(got), got.model_dump_json(), repr(vault), repr(vault.audit)):
        assert MARKER not in text


def test_the_database_runs_wal_with_full_sync(path: Path) -> None:
    with closing(connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL


def test_the_vault_shares_a_file_it_does_not_own(path: Path, key: VaultKey) -> None:
    run_sql(path, "CREATE TABLE ledger_intents (id INTEGER PRIMARY KEY, op TEXT)")
    run_sql(path, "INSERT INTO ledger_intents (op) VALUES ('create')")
    for _ in range(2):
        with Vault.open(path, key) as vault:
            vault.put("q3", "u1", "endpoint", credential())
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT op FROM ledger_intents").fetchall() == [("create",)]
        columns = [c[1] for c in db.execute("PRAGMA table_info(vault_credentials)")]
    assert columns == [
        "meeting_id",
        "unit_id",
        "kind",
        "key_id",
        "nonce",
        "ciphertext",
        "created_at",
        "updated_at",
    ]


def test_every_encryption_uses_a_fresh_nonce(vault: Vault, path: Path) -> None:
    vault.put("q3", "u1", "endpoint", credential())
    first = row(path)
    vault.put("q3", "u1", "endpoint", credential())
    second = row(path)
    assert len(first[1]) == 12
    assert first[1] != second[1]
    assert first[2] != second[2]


# --- tampering --------------------------------------------------------------------------------

MOVES = {
    "to-another-unit": ("UPDATE vault_credentials SET unit_id = 'u2'", ("q3", "u2", "endpoint")),
    "to-another-kind": ("UPDATE vault_credentials SET kind = 'host'", ("q3", "u1", "host")),
    "to-another-meeting": (
        "UPDATE vault_credentials SET meeting_id = 'q4'",
        ("q4", "u1", "endpoint"),
    ),
}


@pytest.mark.parametrize(("sql", "ids"), MOVES.values(), ids=MOVES.keys())
def test_a_row_moved_elsewhere_fails_as_tampered(
    vault: Vault, path: Path, sql: str, ids: tuple[str, str, str]
) -> None:
    vault.put("q3", "u1", "endpoint", credential())
    run_sql(path, sql)
    with pytest.raises(TamperedCredential, match="revoke it and issue the unit a new") as caught:
        vault.get(*ids)
    assert_no_secret(caught.value)


def test_a_copied_row_does_not_open_for_another_unit(vault: Vault, path: Path) -> None:
    vault.put("q3", "u1", "endpoint", credential())
    vault.put("q3", "u2", "endpoint", Credential(login="u2"))
    _, nonce, blob = row(path, "u1")
    run_sql(
        path,
        "UPDATE vault_credentials SET nonce = ?, ciphertext = ? WHERE unit_id = 'u2'",
        nonce,
        blob,
    )
    with pytest.raises(TamperedCredential, match="unit u2"):
        vault.get("q3", "u2", "endpoint")
    assert vault.get("q3", "u1", "endpoint") == credential()


EDITS = {
    "truncated": lambda nonce, blob: (nonce, blob[:-5]),
    "cut-below-the-tag": lambda nonce, blob: (nonce, blob[:10]),
    "first-bit-flipped": lambda nonce, blob: (nonce, bytes([blob[0] ^ 1]) + blob[1:]),
    "tag-bit-flipped": lambda nonce, blob: (nonce, blob[:-1] + bytes([blob[-1] ^ 0x80])),
    "nonce-bit-flipped": lambda nonce, blob: (bytes([nonce[0] ^ 1]) + nonce[1:], blob),
    "nonce-shortened": lambda nonce, blob: (nonce[:8], blob),
    "ciphertext-as-text": lambda nonce, blob: (nonce, "not bytes"),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_an_edited_row_fails_as_tampered(
    vault: Vault, path: Path, edit: types.FunctionType
) -> None:
    vault.put("q3", "u1", "endpoint", credential())
    _, nonce, blob = row(path)
    new_nonce, new_blob = edit(nonce, blob)
    run_sql(path, "UPDATE vault_credentials SET nonce = ?, ciphertext = ?", new_nonce, new_blob)
    with pytest.raises(TamperedCredential) as caught:
        vault.get("q3", "u1", "endpoint")
    assert_no_secret(caught.value)


def test_the_wrong_key_is_a_key_error_not_tampering(path: Path, key: VaultKey) -> None:
    with Vault.open(path, key) as vault:
        vault.put("q3", "u1", "endpoint", credential())
    with Vault.open(path, VaultKey.generate()) as vault, pytest.raises(VaultKeyError) as caught:
        vault.get("q3", "u1", "endpoint")
    assert f"written with vault key {key.key_id}" in str(caught.value)
    assert "Load the key the vault was written with" in str(caught.value)
    assert_no_secret(caught.value)


# --- rotation, purge, retention ---------------------------------------------------------------


def test_rotation_re_encrypts_everything_and_retires_the_old_key(path: Path, key: VaultKey) -> None:
    new_key = VaultKey.generate()
    with Vault.open(path, key) as vault:
        for unit in ("u1", "u2", "u3"):
            vault.put("q3", unit, "endpoint", credential())
        before = {unit: row(path, unit) for unit in ("u1", "u2", "u3")}
        assert vault.rotate_key(new_key) == 3
        assert vault.key_id == new_key.key_id
    for unit, (old_key_id, old_nonce, old_blob) in before.items():
        key_id, nonce, blob = row(path, unit)
        assert (old_key_id, key_id) == (key.key_id, new_key.key_id)
        assert nonce != old_nonce
        assert blob != old_blob
    with Vault.open(path, new_key) as vault:
        assert vault.get("q3", "u2", "endpoint") == credential()
    with Vault.open(path, key) as vault, pytest.raises(VaultKeyError):
        vault.get("q3", "u2", "endpoint")


def test_rotation_with_the_wrong_current_key_changes_nothing(path: Path, key: VaultKey) -> None:
    with Vault.open(path, key) as vault:
        vault.put("q3", "u1", "endpoint", credential())
    before = row(path)
    with Vault.open(path, VaultKey.generate()) as vault, pytest.raises(VaultKeyError):
        vault.rotate_key(VaultKey.generate())
    assert row(path) == before


def test_rotation_stops_whole_at_a_tampered_row(vault: Vault, path: Path) -> None:
    vault.put("q3", "u1", "endpoint", credential())
    vault.put("q3", "u2", "endpoint", credential())
    run_sql(path, "UPDATE vault_credentials SET ciphertext = x'00' WHERE unit_id = 'u2'")
    before = row(path, "u1")
    with pytest.raises(TamperedCredential):
        vault.rotate_key(VaultKey.generate())
    assert row(path, "u1") == before


def test_purge_deletes_one_meeting_and_counts(vault: Vault) -> None:
    for unit in ("u1", "u2"):
        vault.put("q3", unit, "endpoint", credential())
    vault.put("q4", "u1", "endpoint", credential())
    assert vault.purge("q3") == 2
    assert vault.list("q3") == []
    assert vault.purge("q3") == 0
    assert [c.unit_id for c in vault.list("q4")] == ["u1"]
    assert vault.meetings() == ["q4"]


# --- the key ----------------------------------------------------------------------------------


def test_a_key_prints_its_id_and_source_only() -> None:
    key = VaultKey.generate(source="test")
    assert repr(key) == f"VaultKey(key_id='{key.key_id}', source='test')"
    assert key.reveal_text() not in repr(key) + str(key)
    assert len(key.key_id) == 8


def test_a_key_cannot_be_pickled() -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(VaultKey.generate())


def test_the_key_comes_from_the_environment_first(tmp_path: Path) -> None:
    key = VaultKey.generate()
    loaded = load_vault_key(tmp_path, {"MEETLINK_VAULT_KEY": key.reveal_text()})
    assert (loaded, loaded.source) == (key, "env")
    assert not (tmp_path / "vault.key").exists()


BAD_ENV_KEYS = {
    "too-short": "MARKERshortKey",
    "wrong-alphabet": "MARKER!" + "A" * 37,
    "31-bytes": "MARKER" + "A" * 36,
    "raw-32-chars": "MARKER-vault-key-raw-0123456789a",
    "padding-inside": "MARKER" + "A" * 20 + "=" + "A" * 17,
}


@pytest.mark.parametrize("value", BAD_ENV_KEYS.values(), ids=BAD_ENV_KEYS.keys())
def test_a_malformed_environment_key_is_refused_without_echoing_it(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(
        VaultKeyError, match="MEETLINK_VAULT_KEY is not a valid vault key"
    ) as caught:
        load_vault_key(tmp_path, {"MEETLINK_VAULT_KEY": value})
    text = "".join(traceback.format_exception(caught.value))
    assert value not in text
    assert "MARKER" not in text
    assert "urlsafe_b64encode(os.urandom(32))" in text


def test_a_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "meetlink"
    first = load_vault_key(folder, {})
    key_file = folder / "vault.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert first.source == "file"
    second = load_vault_key(folder, {})
    assert second == first
    assert key_file.read_text().strip() == first.reveal_text()


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    key_file = tmp_path / "vault.key"
    key_file.write_text(VaultKey.generate().reveal_text())
    key_file.chmod(mode)
    with pytest.raises(VaultKeyError, match=f"run `chmod 600 {key_file}`"):
        load_vault_key(tmp_path, {})


def test_a_malformed_key_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    key_file = tmp_path / "vault.key"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, MARKER.encode())
    os.close(fd)
    with pytest.raises(VaultKeyError, match=r"The key file .* is not a valid vault key") as caught:
        load_vault_key(tmp_path, {})
    assert MARKER not in str(caught.value)


def test_a_missing_key_file_is_an_error_when_creating_is_off(tmp_path: Path) -> None:
    with pytest.raises(VaultKeyError, match="restore it from your backup"):
        load_vault_key(tmp_path, {}, create=False)


def test_asking_for_the_environment_key_when_unset_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(VaultKeyError, match="MEETLINK_VAULT_KEY is not set"):
        load_vault_key(tmp_path, {}, source="env")


def test_the_config_folder_follows_xdg_config_home(tmp_path: Path) -> None:
    assert default_config_dir({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "meetlink"


def test_a_relative_xdg_config_home_is_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = tmp_path / ".config" / "meetlink"
    assert default_config_dir({"XDG_CONFIG_HOME": "relative/dir"}) == expected
    assert default_config_dir({}) == expected


def test_the_keyring_source_names_the_extra_when_keyring_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    with pytest.raises(VaultKeyError, match=r"pip install 'meetlink\[keyring\]'"):
        load_vault_key(source="keyring")


def test_the_keyring_source_stores_a_new_key_and_reuses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    store: dict[tuple[str, str], str] = {}
    fake = types.ModuleType("keyring")
    errors = types.ModuleType("keyring.errors")
    errors.KeyringError = type("KeyringError", (Exception,), {})  # type: ignore[attr-defined]
    fake.errors = errors  # type: ignore[attr-defined]
    fake.get_password = lambda service, user: store.get((service, user))  # type: ignore[attr-defined]
    fake.set_password = lambda service, user, text: store.__setitem__((service, user), text)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    first = load_vault_key(source="keyring")
    assert first.source == "keyring"
    assert store == {("meetlink", "vault-key"): first.reveal_text()}
    assert load_vault_key(source="keyring") == first
