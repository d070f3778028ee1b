"""Where the vault key comes from: ``MEETLINK_VAULT_KEY``, a key file, or the OS keyring.

The key never sits in the database. :func:`load_vault_key` looks, in order, at the
environment variable ``MEETLINK_VAULT_KEY`` (urlsafe base64 of 32 bytes), then at the key
file ``<config>/meetlink/vault.key`` (created with mode 0600 on first use; a file that
others may read is refused), or at the OS keyring when asked for (``meetlink[keyring]``).

Example:
    >>> key = VaultKey.generate()
    >>> len(key.key_id), repr(key).startswith("VaultKey(")
    (8, True)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Literal, NoReturn, final

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from meetlink.credentials.secret import Secret
from meetlink.errors import VaultKeyError
from meetlink.private_files import create_private

__all__ = ["ENV_VAR", "KEY_FILE_NAME", "VaultKey", "default_config_dir", "load_vault_key"]

ENV_VAR = "MEETLINK_VAULT_KEY"
KEY_FILE_NAME = "vault.key"
KEYRING_SERVICE, KEYRING_USERNAME = "meetlink", "vault-key"
_KEY_TEXT = re.compile(r"[A-Za-z0-9_-]{43}=?")
_HOW_TO_MAKE = (
    "it must be the URL-safe base64 text of 32 random bytes (44 characters); make one with "
    'python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
)

logger = logging.getLogger(__name__)


@final
class VaultKey:
    """A 256-bit AES key, identified by ``key_id`` (the first 8 hex digits of its SHA-256).

    ``source`` says where it came from (``env``, ``file``, ``keyring``, ...) and ``location``
    which file, for a key file (else it is empty). It prints as its id and source only,
    cannot be pickled, and registers its text for log redaction while it lives.

    Example:
        >>> key = VaultKey(bytes(32), source="test")
        >>> key
        VaultKey(key_id='66687aad', source='test')
    """

    __slots__ = ("_key", "_text", "key_id", "location", "source")

    def __init__(self, key: bytes, *, source: str = "memory", location: str = "") -> None:
        if len(key) != 32:
            raise VaultKeyError(f"A vault key is 32 bytes, not {len(key)}; {_HOW_TO_MAKE}.")
        self._key = bytes(key)
        self._text = Secret(base64.urlsafe_b64encode(self._key).decode("ascii"))
        self.key_id = hashlib.sha256(self._key).hexdigest()[:8]
        self.source = source
        self.location = location

    @classmethod
    def generate(cls, *, source: str = "generated", location: str = "") -> VaultKey:
        """A new random key.

        Example:
            >>> len(VaultKey.generate().key_id)
            8
        """
        return cls(os.urandom(32), source=source, location=location)

    @classmethod
    def from_text(
        cls, text: str, *, source: str = "text", where: str = "The key", location: str = ""
    ) -> VaultKey:
        """Parse the URL-safe base64 form; the error names ``where``, never the text.

        Example:
            >>> VaultKey.from_text("A" * 43 + "=").key_id
            '66687aad'
        """
        text = text.strip()
        if not _KEY_TEXT.fullmatch(text):
            raise VaultKeyError(f"{where} is not a valid vault key: {_HOW_TO_MAKE}.")
        padded = text if text.endswith("=") else text + "="
        return cls(base64.urlsafe_b64decode(padded), source=source, location=location)

    def encrypt(self, nonce: bytes, data: bytes, associated: bytes) -> bytes:
        """AES-256-GCM encryption under this key (the vault's one use of it)."""
        return AESGCM(self._key).encrypt(nonce, data, associated)

    def decrypt(self, nonce: bytes, blob: bytes, associated: bytes) -> bytes:
        """AES-256-GCM decryption; ``InvalidTag`` when the blob was not sealed so."""
        return AESGCM(self._key).decrypt(nonce, blob, associated)

    def mark(self, purpose: str, data: bytes) -> str:
        """A keyed hash of ``data`` (HMAC-SHA-256, 16 hex digits): equal for equal data,
        and telling nothing about it to anyone without the key.

        Example:
            >>> key = VaultKey(bytes(32))
            >>> key.mark("x", b"a") == key.mark("x", b"a") != key.mark("x", b"b")
            True
        """
        message = purpose.encode("utf-8") + b"\x1f" + data
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:16]

    def reveal_text(self) -> str:
        """The key as URL-safe base64 text, to back it up or to set ``MEETLINK_VAULT_KEY``."""
        return self._text.reveal()

    def __repr__(self) -> str:
        return f"VaultKey(key_id={self.key_id!r}, source={self.source!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VaultKey):
            return NotImplemented
        return hmac.compare_digest(self._key, other._key)

    def __hash__(self) -> int:
        return hash(self.key_id)

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError(
            "A VaultKey cannot be pickled: keep it in the environment, key file or keyring."
        )


def default_config_dir(env: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_CONFIG_HOME/meetlink`` if that is an absolute path, else ``~/.config/meetlink``."""
    xdg = env.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return base / "meetlink"


def load_vault_key(
    config_dir: str | PathLike[str] | None = None,
    env: Mapping[str, str] = os.environ,
    *,
    source: Literal["auto", "env", "file", "keyring"] = "auto",
    create: bool = True,
) -> VaultKey:
    """Find the vault key: ``MEETLINK_VAULT_KEY``, else the key file, or the OS keyring.

    ``auto`` takes the environment variable when it is set and not empty, else the key file
    ``<config_dir>/vault.key``, created with mode 0600 on first use when ``create`` is true.
    ``keyring`` uses the ``keyring`` package (``pip install 'meetlink[keyring]'``), storing
    a new key there on first use. Errors never repeat the key text.

    Example:
        >>> key = load_vault_key(env={"MEETLINK_VAULT_KEY": "A" * 43 + "="})
        >>> key.source, key.key_id
        ('env', '66687aad')
    """
    if source == "keyring":
        return _load_from_keyring(create=create)
    text = env.get(ENV_VAR, "").strip()
    if source == "env" or (source == "auto" and text):
        if not text:
            raise VaultKeyError(
                f"{ENV_VAR} is not set; set it to the vault key, or use the key file."
            )
        return VaultKey.from_text(text, source="env", where=ENV_VAR)
    folder = Path(config_dir) if config_dir is not None else default_config_dir(env)
    return _load_key_file(folder / KEY_FILE_NAME, create=create)


def _load_key_file(path: Path, *, create: bool) -> VaultKey:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        if not create:
            raise VaultKeyError(
                f"There is no vault key file at {path}; restore it from your backup or set "
                f"{ENV_VAR}."
            ) from None
        return _create_key_file(path)
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if os.name != "nt" and mode & 0o077:
            raise VaultKeyError(
                f"The key file {path} can be read by other users (mode {mode & 0o777:o}); "
                f"run `chmod 600 {path}` and try again."
            )
        data = file.read(1024)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        text = ""
    where = f"The key file {path}"
    return VaultKey.from_text(text, source="file", where=where, location=str(path))


def _create_key_file(path: Path) -> VaultKey:
    key = VaultKey.generate(source="file", location=str(path))
    try:
        create_private(path, (key.reveal_text() + "\n").encode("ascii"))
    except FileExistsError:  # another process made it first: use theirs
        return _load_key_file(path, create=False)
    logger.warning(
        "Created a new vault key in %s; back it up: without it the stored credentials "
        "cannot be read.",
        path,
    )
    return key


def _load_from_keyring(*, create: bool) -> VaultKey:
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise VaultKeyError(
            "The keyring key source needs the keyring package: pip install 'meetlink[keyring]' "
            f"(or set {ENV_VAR}, or use the key file)."
        ) from None
    where = f"The keyring entry {KEYRING_SERVICE}/{KEYRING_USERNAME}"
    try:
        text = keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
        if text is not None:
            return VaultKey.from_text(text, source="keyring", where=where)
        if not create:
            raise VaultKeyError(f"{where} is empty; store the vault key there or set {ENV_VAR}.")
        key = VaultKey.generate(source="keyring")
        keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, key.reveal_text())
    except keyring.errors.KeyringError as exc:
        raise VaultKeyError(
            f"The OS keyring failed ({type(exc).__name__}); unlock it, or set {ENV_VAR}, or use "
            "the key file."
        ) from None
    return key
