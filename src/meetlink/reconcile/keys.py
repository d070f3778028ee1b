"""The typed address of every effect: the only place ledger keys are made and read.

An :class:`EffectKey` is a kind plus the track, the sitting, the conference's own point (a
``per_point`` conference) and the bridge point the effect is for. Its text form is the
ledger's key column:

==============================================  ==============================================
``conference:TRACK/SITTING[/POINT]``            a conference (one per sitting, or per point)
``credential:TRACK/POINT``                      a point's login for every conference of a track
``access:TRACK/SITTING[/POINT]/POINT``          a point's access to one conference
``handout:TRACK/SITTING[/POINT]/POINT``         that access delivered to the point's officer
``invitation:TRACK/SITTING/POINT``              the invitation of one point to one sitting
``notice:TRACK/SITTING/POINT``                  the notice of a sitting whose time comes later
``sitting:TRACK/SITTING``                       a sitting cancelled on purpose
==============================================  ==============================================

Track and sitting ids are ``[a-z0-9-]`` (the meeting file refuses others); a bridge point's
id is whatever the roster holds, so ``%`` and ``/`` in it are written ``%25`` and ``%2F``:
every id the roster accepts round-trips, and no key is ever split by hand.

Example:
    >>> key = EffectKey.access("main", "s1", "X/1")
    >>> str(key)
    'access:main/s1/X%2F1'
    >>> EffectKey.parse(str(key)) == key, key.conference.text
    (True, 'main/s1')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

__all__ = ["ConferenceKey", "EffectKey", "Kind"]


class Kind(StrEnum):
    """The kind of an effect; also the ledger's ``kind`` column."""

    CONFERENCE = "conference"
    CREDENTIAL = "credential"
    ACCESS = "access"
    HANDOUT = "handout"
    INVITATION = "invitation"
    NOTICE = "notice"
    SITTING = "sitting"


_KINDS: dict[str, Kind] = {kind.value: kind for kind in Kind}  # a dict: no enum call a key
# How many ``/``-separated parts a key of each kind has.
_SHAPES: dict[Kind, tuple[int, ...]] = {
    Kind.CONFERENCE: (2, 3),
    Kind.CREDENTIAL: (2,),
    Kind.ACCESS: (3, 4),
    Kind.HANDOUT: (3, 4),
    Kind.INVITATION: (3,),
    Kind.NOTICE: (3,),
    Kind.SITTING: (2,),
}


# Which part (by index; -1: none) fills track, sitting, conference_point and point, for
# each kind and number of parts (the shapes above).
_FIELDS: dict[tuple[Kind, int], tuple[int, int, int, int]] = {
    (Kind.CONFERENCE, 2): (0, 1, -1, -1),
    (Kind.CONFERENCE, 3): (0, 1, 2, -1),
    (Kind.CREDENTIAL, 2): (0, -1, -1, 1),
    (Kind.ACCESS, 3): (0, 1, -1, 2),
    (Kind.ACCESS, 4): (0, 1, 2, 3),
    (Kind.HANDOUT, 3): (0, 1, -1, 2),
    (Kind.HANDOUT, 4): (0, 1, 2, 3),
    (Kind.INVITATION, 3): (0, 1, -1, 2),
    (Kind.NOTICE, 3): (0, 1, -1, 2),
    (Kind.SITTING, 2): (0, 1, -1, -1),
}
_new_tuple = tuple.__new__


def _escape(part: str) -> str:
    if "%" not in part and "/" not in part:
        return part
    return part.replace("%", "%25").replace("/", "%2F")


def _unescape(part: str) -> str:
    if "%" not in part:
        return part
    return part.replace("%2F", "/").replace("%2f", "/").replace("%25", "%")


@dataclass(frozen=True, order=True)
class ConferenceKey:
    """One conference: a sitting of a track, and its point for a ``per_point`` conference.

    Example:
        >>> ConferenceKey("branches", "oct", "X/1").text
        'branches/oct/X%2F1'
    """

    track: str
    sitting: str
    point: str | None = None

    @property
    def text(self) -> str:
        """``TRACK/SITTING[/POINT]``: the conference's key in requests and room books."""
        head = f"{self.track}/{self.sitting}"
        return head if self.point is None else f"{head}/{_escape(self.point)}"

    @property
    def sitting_key(self) -> str:
        """``TRACK/SITTING``."""
        return f"{self.track}/{self.sitting}"

    @classmethod
    def parse(cls, text: str) -> ConferenceKey:
        """The key of :attr:`text`; ``ValueError`` when it is not one."""
        parts = text.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"'{text}' is not a conference key (TRACK/SITTING[/POINT]).")
        return cls(parts[0], parts[1], _unescape(parts[2]) if len(parts) == 3 else None)


class EffectKey(NamedTuple):
    """The address of one effect; build it with the class methods, read it with :meth:`parse`.

    Immutable and ordered by its fields. A named tuple (issue 19): a re-run builds, hashes
    and looks up 30,000 keys several times, and a tuple does that without Python calls.
    """

    kind: Kind
    track: str
    sitting: str | None = None
    conference_point: str | None = None
    point: str | None = None

    # -- builders --------------------------------------------------------------------------

    @classmethod
    def for_conference(cls, conference: ConferenceKey) -> EffectKey:
        """``conference:…``."""
        return cls(Kind.CONFERENCE, conference.track, conference.sitting, conference.point)

    @classmethod
    def credential(cls, track: str, point: str) -> EffectKey:
        """``credential:TRACK/POINT``: one login of a point for all conferences of a track."""
        return cls(Kind.CREDENTIAL, track, None, None, point)

    @classmethod
    def access(cls, track: str, sitting: str, point: str, *, per_point: bool = False) -> EffectKey:
        """``access:…``: a point's access to a conference of a sitting."""
        return cls(Kind.ACCESS, track, sitting, point if per_point else None, point)

    @classmethod
    def of_access(cls, kind: Kind, conference: ConferenceKey, point: str) -> EffectKey:
        """An ``access``/``handout`` key of ``point`` in ``conference``."""
        return cls(kind, conference.track, conference.sitting, conference.point, point)

    @classmethod
    def invitation(cls, track: str, sitting: str, point: str) -> EffectKey:
        """``invitation:TRACK/SITTING/POINT``."""
        return cls(Kind.INVITATION, track, sitting, None, point)

    @classmethod
    def notice(cls, track: str, sitting: str, point: str) -> EffectKey:
        """``notice:TRACK/SITTING/POINT``: the notice ("thời gian cụ thể sẽ có thông báo
        sau") of one point for a sitting whose time is not fixed yet."""
        return cls(Kind.NOTICE, track, sitting, None, point)

    @classmethod
    def cancelled_sitting(cls, track: str, sitting: str) -> EffectKey:
        """``sitting:TRACK/SITTING``: a sitting cancelled on purpose."""
        return cls(Kind.SITTING, track, sitting)

    # -- views -----------------------------------------------------------------------------

    @property
    def conference(self) -> ConferenceKey:
        """The conference this effect belongs to (its sitting, for invitations)."""
        if self.sitting is None:
            raise ValueError(f"{self} belongs to no single conference.")
        return ConferenceKey(self.track, self.sitting, self.conference_point)

    def with_kind(self, kind: Kind) -> EffectKey:
        """The same address for another kind (``access`` ↔ ``handout``)."""
        return EffectKey(kind, self.track, self.sitting, self.conference_point, self.point)

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.address}"

    @property
    def address(self) -> str:
        """The key without its kind: ``main/s1/X1`` (safe in a file name once ``/`` is
        replaced)."""
        parts = [self.track]
        if self.sitting is not None:
            parts.append(self.sitting)
        if self.conference_point is not None:
            parts.append(_escape(self.conference_point))
        if self.point is not None:
            parts.append(_escape(self.point))
        return "/".join(parts)

    @classmethod
    @functools.lru_cache(maxsize=1 << 17)  # a run reads each key several times (issue 19)
    def parse(cls, text: str) -> EffectKey:
        """Read a ledger key back; ``ValueError`` when it is not one meetlink writes."""
        head, sep, rest = text.partition(":")
        kind = _KINDS.get(head)
        if kind is None:
            raise ValueError(f"'{text}' is not an effect key: unknown kind '{head}'.")
        parts = rest.split("/") if sep else []
        if "" in parts:
            raise ValueError(f"'{text}' is not an effect key: an empty part.")
        fields = _FIELDS.get((kind, len(parts)))
        if fields is None:
            raise ValueError(f"'{text}' is not an effect key of kind {kind.value}.")
        values: list[str | None] = [_unescape(p) for p in parts] if "%" in rest else [*parts]
        values.append(None)  # what index -1 gives: a field the kind has no part for
        track, sitting, middle, point = fields
        # The key's fields straight from the parts (30,000 keys read at 10,000 points).
        return _new_tuple(
            cls, (kind, values[track], values[sitting], values[middle], values[point])
        )
