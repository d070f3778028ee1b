"""How one vault row is sealed: AES-256-GCM under a fresh nonce, bound to where it belongs.

A credential's bytes are encrypted with the vault key under a random 96-bit nonce. The
meeting id, unit id and credential kind are the associated data, so a row copied onto
another unit or kind fails to open, as does a cut or edited one (`TamperedCredential`). A
row written with another key is told apart from tampering by its key id (`VaultKeyError`).

Example:
    >>> from meetlink.credentials.keys import VaultKey
    >>> key = VaultKey.generate()
    >>> nonce, blob = seal(key, ("q3", "u1", "endpoint"), b'{"pin": "4711"}')
    >>> unseal(key, ("q3", "u1", "endpoint"), key.key_id, nonce, blob)
    b'{"pin": "4711"}'
    >>> try:
    ...     unseal(key, ("q3", "u2", "endpoint"), key.key_id, nonce, blob)
    ... except TamperedCredential:
    ...     print("moved to another unit: refused")
    moved to another unit: refused
"""

from __future__ import annotations

import json
import os

from cryptography.exceptions import InvalidTag

from meetlink.credentials.keys import ENV_VAR, VaultKey
from meetlink.errors import TamperedCredential, VaultKeyError

__all__ = ["RowIds", "associated_data", "opens", "seal", "unseal"]

RowIds = tuple[str, str, str]
"""A vault row's place: (meeting id, unit id, credential kind)."""

_AAD_TAG = "meetlink-vault-v1"
_NONCE_BYTES = 12


def associated_data(meeting_id: str, unit_id: str, kind: str) -> bytes:
    """The bytes a row is bound to: ``["meetlink-vault-v1", meeting, unit, kind]`` as JSON.

    A JSON array is an unambiguous encoding: ``("a", "b/c")`` and ``("a/b", "c")`` differ.

    >>> associated_data("q3", "u1", "endpoint")
    b'["meetlink-vault-v1", "q3", "u1", "endpoint"]'
    """
    return json.dumps([_AAD_TAG, meeting_id, unit_id, kind]).encode("ascii")


def seal(key: VaultKey, ids: RowIds, data: bytes) -> tuple[bytes, bytes]:
    """Encrypt ``data`` for the row ``ids`` under a fresh nonce: ``(nonce, ciphertext)``.

    >>> nonce, blob = seal(VaultKey.generate(), ("q3", "u1", "endpoint"), b"{}")
    >>> len(nonce), len(blob)  # the 16-byte tag follows the text
    (12, 18)
    """
    nonce = os.urandom(_NONCE_BYTES)
    return nonce, key.encrypt(nonce, data, associated_data(*ids))


def opens(key: VaultKey, ids: RowIds, nonce: object, blob: object) -> bool:
    """Whether ``key`` opens the stored row ``ids`` (nothing is raised, nothing audited).

    >>> key, ids = VaultKey.generate(), ("q3", "u1", "endpoint")
    >>> nonce, blob = seal(key, ids, b"{}")
    >>> opens(key, ids, nonce, blob), opens(VaultKey.generate(), ids, nonce, blob)
    (True, False)
    """
    if not (isinstance(nonce, bytes) and isinstance(blob, bytes)):
        return False
    try:
        key.decrypt(nonce, blob, associated_data(*ids))
    except (InvalidTag, ValueError):
        return False
    return True


def unseal(key: VaultKey, ids: RowIds, key_id: str, nonce: object, blob: object) -> bytes:
    """Decrypt the row ``ids`` written with the key ``key_id``.

    Raises `VaultKeyError` when ``key`` is not the key the row was written with, and
    `TamperedCredential` when the row fails authentication (moved, cut or edited). See the
    module's example.
    """
    meeting_id, unit_id, kind = ids
    where = f"unit {unit_id} (meeting {meeting_id}, kind {kind})"
    if key_id != key.key_id:
        raise VaultKeyError(
            f"The credential of {where} was written with vault key {key_id}, but the key "
            f"loaded is {key.key_id}. Load the key the vault was written with "
            f"({ENV_VAR}, the key file or the keyring); if it is lost, purge the meeting "
            "and issue new credentials."
        )
    try:
        if not (isinstance(nonce, bytes) and isinstance(blob, bytes)):
            raise ValueError("nonce and ciphertext must be bytes")
        return key.decrypt(nonce, blob, associated_data(*ids))
    except (InvalidTag, ValueError):
        raise TamperedCredential(
            f"The stored credential of {where} fails authentication: it was moved from "
            "another unit, cut short or edited. Do not use it: revoke it and issue the "
            "unit a new credential."
        ) from None
