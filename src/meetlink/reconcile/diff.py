"""The diff: the desired state against the ledger, as the actions ``open`` takes.

:func:`diff` compares desired effects (an :class:`~meetlink.reconcile.keys.EffectKey` and a
content hash each) with what the ledger holds, and gives the actions that ``meetlink open``
carries out and ``meetlink plan`` shows (the plan JSON's ``actions``).

An effect whose intent was written but not its outcome (a crash, a lost response) is
``create`` with the reason "outcome unknown": the runner asks the platform before it redoes
anything. Pure functions, no I/O.

Example:
    >>> from meetlink.reconcile.ledger import Effect, EffectState
    >>> done = [Effect("conference:main/s1", "m", "conference", EffectState.DONE, 1, "h1",
    ...                "e1", "https://x.example/1")]
    >>> key = EffectKey.parse("conference:main/s1")
    >>> [a.op.value for a in diff({key: "h2"}, done, what=Kind.CONFERENCE)]
    ['update']
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from meetlink.reconcile.keys import EffectKey, Kind
from meetlink.reconcile.ledger import Effect, EffectState

__all__ = ["Action", "Op", "by_key", "diff", "fingerprint"]


class Op(StrEnum):
    """What to do with one effect."""

    CREATE = "create"
    UPDATE = "update"
    CANCEL = "cancel"
    NONE = "none"


@dataclass(frozen=True)
class Action:
    """One thing ``open`` will do (or not), and why."""

    op: Op
    key: EffectKey
    reason: str = ""

    @property
    def what(self) -> Kind:
        """The kind of effect."""
        return self.key.kind

    @property
    def unknown_outcome(self) -> bool:
        """Whether an earlier attempt may have happened: ask the platform first."""
        return self.reason == REASON_UNKNOWN

    def to_dict(self) -> dict[str, str]:
        """The plan JSON form: ``{"op", "what", "key", "reason"}``."""
        return {
            "op": self.op.value,
            "what": self.what.value,
            "key": str(self.key),
            "reason": self.reason,
        }


REASON_NEW = "not done yet"
REASON_UNKNOWN = "outcome unknown: an earlier run stopped between the call and its answer"
REASON_CHANGED = "changed in the meeting file"
REASON_REVIVED = "cancelled before, wanted again"
REASON_REMOVED = "no longer in the meeting file"
REASON_UNCHANGED = "done, unchanged"


def fingerprint(*parts: Any) -> str:
    """A content hash for change detection (SHA-256 of the parts' text), 24 hex digits."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:24]


def by_key(effects: Iterable[Effect]) -> dict[EffectKey, Effect]:
    """The ledger's effects by typed key; one whose key meetlink does not write is left out
    (and so left alone).

    Example:
        >>> from meetlink.reconcile.ledger import Effect, EffectState
        >>> done = Effect("conference:main/s1", "m", "conference", EffectState.DONE, 1, "",
        ...               None, None)
        >>> list(by_key([done])) == [EffectKey.parse("conference:main/s1")]
        True
    """
    out: dict[EffectKey, Effect] = {}
    for effect in effects:
        try:
            out[EffectKey.parse(effect.key)] = effect
        except ValueError:
            continue
    return out


def diff(
    desired: Mapping[EffectKey, str],
    done: Iterable[Effect] | Mapping[EffectKey, Effect],
    *,
    what: Kind,
    within: Callable[[EffectKey], bool] | None = None,
) -> list[Action]:
    """Compare desired effects (key → content hash) with the ledger's effects of one kind
    (``done``: the ledger's effects, or those of this kind already keyed by :func:`by_key`).

    Desired and new: create. Left in ``intent``: create, outcome unknown. ``failed``:
    create again (or update, if it had been done before). Done with another hash: update.
    Cancelled but desired: create. Done or started but no longer desired: cancel. An
    effect the ledger holds that meetlink cannot read is left alone.

    ``within`` (a scoped run, ``--scope UNIT``) says which of the ledger's effects this run
    may update or cancel: any other is left alone, even when it is no longer desired (it is
    another office's), and a desired one that exists already is only created, never
    updated (a conference its host's office keeps).

    >>> done = [Effect("conference:main/s1", "m", "conference", EffectState.DONE, 1, "h1",
    ...                "e1", None)]
    >>> [a.op.value for a in diff({}, done, what=Kind.CONFERENCE)]
    ['cancel']
    >>> diff({}, done, what=Kind.CONFERENCE, within=lambda key: False)
    []
    """
    actions: list[Action] = []
    if isinstance(done, Mapping):
        ledger: Mapping[EffectKey, Effect] = done
    else:
        ledger = by_key(e for e in done if e.kind == what.value)
    for key in desired:  # a hash is asked for only where there is one to compare with
        found = ledger.get(key)
        if found is None:
            actions.append(Action(Op.CREATE, key, REASON_NEW))
            continue
        effect = found
        if effect.state == EffectState.INTENT:
            actions.append(Action(Op.CREATE, key, REASON_UNKNOWN))
        elif effect.state == EffectState.CANCELLED:
            actions.append(Action(Op.CREATE, key, REASON_REVIVED))
        elif effect.state == EffectState.FAILED:
            op = Op.UPDATE if effect.external_id or effect.detail.get("sequence") else Op.CREATE
            if op == Op.CREATE or within is None or within(key):
                actions.append(Action(op, key, f"failed before: {effect.last_error}"))
        elif effect.content_hash != desired[key]:
            if within is None or within(key):
                actions.append(Action(Op.UPDATE, key, REASON_CHANGED))
        else:
            actions.append(Action(Op.NONE, key, REASON_UNCHANGED))
    for key, effect in ledger.items():
        if (
            key not in desired
            and effect.state in (EffectState.DONE, EffectState.INTENT, EffectState.FAILED)
            and (within is None or within(key))
        ):
            actions.append(Action(Op.CANCEL, key, REASON_REMOVED))
    return actions
