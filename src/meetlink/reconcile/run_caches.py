"""The caches one ``open`` reads through: credentials held in memory, conferences' records.

:class:`CredentialCache` keeps the credentials a run issued or decrypted (a login that joins
several conferences is read from the vault, and audited, once per run);
:class:`ConferenceCache` keeps a conference's ledger record and what the platform made (it
holds the whole request, every point: read once per run). Both are made by
:func:`~meetlink.reconcile.run.open_meeting` and reached through the
:class:`~meetlink.reconcile.context.RunContext`.

Example:
    >>> held = CredentialCache()
    >>> held.get("P1", "account") is None
    True
"""

from __future__ import annotations

import threading

from meetlink.adapters.models import ConferenceInfo
from meetlink.credentials.vault import Credential
from meetlink.reconcile.keys import EffectKey
from meetlink.reconcile.ledger import Effect, LedgerStore

__all__ = ["ConferenceCache", "CredentialCache"]


class CredentialCache:
    """Credentials this run already holds in memory (issued, or decrypted once), so a login
    that joins several conferences is read from the vault, and audited, once per run."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], Credential] = {}
        self._lock = threading.Lock()

    def get(self, point: str, kind: str) -> Credential | None:
        """The credential of ``point`` of vault ``kind`` held in this run, or None."""
        with self._lock:
            return self._held.get((point, kind))

    def hold(self, point: str, kind: str, credential: Credential | None) -> None:
        """Hold a credential just stored or read (None forgets it: deleted or replaced)."""
        with self._lock:
            if credential is None:
                self._held.pop((point, kind), None)
            else:
                self._held[(point, kind)] = credential


class ConferenceCache:
    """A conference's ledger record and what the platform made, read once per run."""

    def __init__(self, ledger: LedgerStore) -> None:
        self._ledger = ledger
        self._effects: dict[EffectKey, Effect | None] = {}
        self._infos: dict[EffectKey, ConferenceInfo] = {}
        self._lock = threading.RLock()

    def clear(self) -> None:
        """Forget what was read (a phase that changed conferences is over)."""
        with self._lock:
            self._effects.clear()
            self._infos.clear()

    def effect(self, key: EffectKey) -> Effect | None:
        """The ledger's record of the conference ``key``."""
        with self._lock:
            if key not in self._effects:
                self._effects[key] = self._ledger.get(str(key))
            return self._effects[key]

    def info(self, key: EffectKey) -> ConferenceInfo | None:
        """What the platform made for the conference ``key``, or None if nothing yet."""
        with self._lock:
            if key not in self._infos:
                made = self.effect(key)
                if made is None or not made.external_id or "info" not in made.detail:
                    return None
                self._infos[key] = ConferenceInfo.model_validate(made.detail["info"])
            return self._infos[key]
