"""What a vault sharing a run's ledger keeps in memory for the rest of the run (issue 19).

``meetlink open`` stores thousands of credentials and hands each out a moment later, under
the meeting's lock: the vault keeps the credentials it stored itself (a hand-out is not
read back and decrypted again) and the list of (unit, kind) a meeting holds (read once,
then kept by the vault's own writes). A vault of its own (``meetlink credentials …``,
``Vault.open``) keeps nothing and reads the file every time.

A credential is stored in a chunk's open transaction (:mod:`meetlink.group_commit`). Each
one is kept with the count of chunk transactions rolled back when it was written
(``losses``): once that count has changed, a chunk may have been lost with it (a full disk
at an audit row, a failed fsync or COMMIT), so it is no longer recalled, and the list is read
again: nothing the file does not hold is handed out.

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


def _none_lost() -> int:
    return 0


class RunMemory:
    """The credentials a run's vault stored, and each meeting's (unit, kind) list, kept
    while no chunk transaction was rolled back since (``losses``: how many were)."""

    def __init__(self, *, enabled: bool, losses: Callable[[], int] = _none_lost) -> None:
        self.enabled = enabled
        self._losses = losses
        self._stored: dict[_Ids, tuple[int, Credential]] = {}
        self._listed: dict[str, tuple[int, set[tuple[str, str]]]] = {}

    def stored(self, ids: _Ids, credential: Credential, *, at: int = 0) -> None:
        """The vault wrote ``credential`` under ``ids`` (in this run), when ``at`` chunk
        transactions had been rolled back."""
        if self.enabled:
            self._stored[ids] = (at, credential)
            listed = self._listed.get(ids[0])
            if listed is not None and listed[0] == at:
                listed[1].add(ids[1:])

    def recall(self, ids: _Ids) -> Credential | None:
        """The credential this run stored under ``ids``, if it did and no chunk was lost
        since (it may have gone with it: the caller reads the file)."""
        kept = self._stored.get(ids)
        if kept is None or kept[0] != self._losses():
            return None
        return kept[1]

    def forget(self, meeting_id: str, unit_id: str | None = None, kind: str = "") -> None:
        """A credential deleted (``unit_id`` and ``kind``), or all of a meeting's purged."""
        if unit_id is not None:
            self._stored.pop((meeting_id, unit_id, kind), None)
            listed = self._listed.get(meeting_id)
            if listed is not None:
                listed[1].discard((unit_id, kind))
            return
        for ids in [ids for ids in list(self._stored) if ids[0] == meeting_id]:
            self._stored.pop(ids, None)
        self._listed.pop(meeting_id, None)

    def listed(
        self, meeting_id: str, read: Callable[[], Iterable[tuple[str, str]]]
    ) -> set[tuple[str, str]]:
        """The (unit, kind) ``meeting_id`` holds: ``read`` from the file the first time,
        and again after a chunk was lost."""
        now = self._losses()
        listed = self._listed.get(meeting_id)
        if listed is None or listed[0] != now:
            listed = self._listed[meeting_id] = (now, {(unit, kind) for unit, kind in read()})
        return listed[1]
