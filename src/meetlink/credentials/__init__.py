"""Credentials: the vault, the `Secret` type, log redaction and the audit log.

Every unit's login, password, PIN or token is kept encrypted in the vault (AES-256-GCM,
bound to its meeting, unit and kind), printed only as ``***``, scrubbed from logs, and
every issue, reveal and delivery is audited.

Example:
    >>> from meetlink.credentials import Credential, Vault, VaultKey
    >>> vault = Vault.open(":memory:", VaultKey.generate())
    >>> vault.put("q3", "u1", "endpoint", Credential(login="u1", password="pw-61c9-x"))
    >>> vault.get("q3", "u1", "endpoint")
    Credential(login='u1', password=Secret('***'), pin=None, token=None, room=None, server=None, join_url=None)
"""  # noqa: E501

from __future__ import annotations

from meetlink.credentials.audit import AuditAction, AuditEntry, AuditLog
from meetlink.credentials.redaction import (
    SecretRedactor,
    contains_secret,
    install_redaction,
    redact,
)
from meetlink.credentials.secret import Secret, SecretModel, register
from meetlink.credentials.vault import (
    Credential,
    StoredCredential,
    Vault,
    VaultKey,
    default_config_dir,
    load_vault_key,
)

__all__ = [
    "AuditAction",
    "AuditEntry",
    "AuditLog",
    "Credential",
    "Secret",
    "SecretModel",
    "SecretRedactor",
    "StoredCredential",
    "Vault",
    "VaultKey",
    "contains_secret",
    "default_config_dir",
    "install_redaction",
    "load_vault_key",
    "redact",
    "register",
]
