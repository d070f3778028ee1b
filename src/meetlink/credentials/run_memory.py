"""What a vault sharing a run's ledger keeps in memory for the rest of the run (issue 19).

``meetlink open`` stores thousands of credentials and hands each out a moment later, under
the meeting's lock: the vault keeps the credentials it stored itself (a hand-out is not
read back and decrypted again) and the list of (unit, kind) a meeting holds (read once,
then kept by the vault's own writes). A vault of its own (``meetlink credentials …``,
``Vault.open``) keeps nothing and reads the file every time.

Example:
    >>> from meetlink.credentials.credential import Credential
    >>> memory = RunMemory(enabled=True)
    >>> memory.stored(("q3", "u1", "endpoint"), Credential(room="7001"))
    >>> memory.recall(("q3", "u1", "endpoint")).room
    '7001'
    >>> memory.forget("q3")
    >>> memory.recall(("q3", "u1", "endpoint")) is None
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from meetlink.credentials.credential import Credential

__all__ = ["RunMemory"]

_Ids = tuple[str, str, str]  # meeting, unit, kind


class RunMemory:
    """The credentials a run's vault stored, and each meeting's (unit, kind) list."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._stored: dict[_Ids, Credential] = {}
        self._listed: dict[str, set[tuple[str, str]]] = {}

    def stored(self, ids: _Ids, credential: Credential) -> None:
        """The vault committed ``credential`` under ``ids`` (in this run)."""
        if self.enabled:
            self._stored[ids] = credential
            self._listed.get(ids[0], set()).add(ids[1:])

    def recall(self, ids: _Ids) -> Credential | None:
        """The credential this run stored under ``ids``, if it did."""
        return self._stored.get(ids)

    def forget(self, meeting_id: str, unit_id: str | None = None, kind: str = "") -> None:
        """A credential deleted (``unit_id`` and ``kind``), or all of a meeting's purged."""
        if unit_id is not None:
            self._stored.pop((meeting_id, unit_id, kind), None)
            self._listed.get(meeting_id, set()).discard((unit_id, kind))
            return
        for ids in [ids for ids in self._stored if ids[0] == meeting_id]:
            del self._stored[ids]
        self._listed.pop(meeting_id, None)

    def listed(
        self, meeting_id: str, read: Callable[[], Iterable[tuple[str, str]]]
    ) -> set[tuple[str, str]]:
        """The (unit, kind) ``meeting_id`` holds: ``read`` from the file the first time."""
        listed = self._listed.get(meeting_id)
        if listed is None:
            listed = self._listed[meeting_id] = {(unit, kind) for unit, kind in read()}
        return listed
