"""What the vault stores: a unit's `Credential`, and what :meth:`Vault.list` tells of one.

:func:`plaintext` is the JSON a credential is sealed as (secrets revealed only there).

Example:
    >>> plaintext(Credential(room="7001"))[:20]
    b'{"join_url": null, "'
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import ConfigDict, ValidationError

from meetlink.credentials.secret import Secret, SecretModel, reveal_unpinned
from meetlink.errors import TamperedCredential

__all__ = ["Credential", "StoredCredential", "from_plaintext", "plaintext"]


class Credential(SecretModel):
    """One unit's access to a conference. Secrets are `Secret`; everything else is text.

    Example:
        >>> Credential(login="diemcau-07", password="x7-Qv9-p2Lm", room="7001")
        Credential(login='diemcau-07', password=Secret('***'), pin=None, token=None, room='7001', server=None, join_url=None)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    login: str | None = None
    password: Secret | None = None
    pin: Secret | None = None
    token: Secret | None = None
    room: str | None = None
    server: str | None = None
    join_url: str | None = None


class StoredCredential(NamedTuple):
    """What :meth:`Vault.list` tells about a stored credential: never the credential itself."""

    unit_id: str
    kind: str
    created_at: datetime


def plaintext(credential: Credential) -> bytes:
    """The JSON ``credential`` is sealed as, its secrets revealed (ASCII)."""
    fields: dict[str, Any] = {}
    for name, value in credential:
        fields[name] = reveal_unpinned(value) if isinstance(value, Secret) else value
    # ensure_ascii keeps lone surrogates intact through json.loads.
    return json.dumps(fields, sort_keys=True).encode("ascii")


def from_plaintext(data: bytes, ids: tuple[str, str, str]) -> Credential:
    """The credential a decrypted row holds; `TamperedCredential` if it is not one."""
    try:
        return Credential.model_validate(json.loads(data))
    except (ValueError, ValidationError):
        meeting_id, unit_id, kind = ids
        raise TamperedCredential(
            f"The stored credential of unit {unit_id} (meeting {meeting_id}, kind {kind}) "
            "decrypts but is not a credential; revoke it and issue a new one."
        ) from None
