"""An office's part of a meeting: one unit and every unit below it (``--scope UNIT``).

A province office and its district offices open one meeting on one shared ledger, each its
own part of the roster. :class:`Scope` is that part: the unit named, every unit below it by
the roster's ``parent`` links, and the bridge points those units host. A scoped ``open``
creates, updates and cancels only the effects of its own points (logins, access, hand-outs,
notices, invitations); the effects of every other point are neither made nor touched, and
never cancelled as "no longer in the meeting file".

A conference shared by several scopes (one conference for the whole track) belongs to the
scope of its **host**: the point of the conference whose unit stands highest in the roster
(the province's hall, for a province meeting), the first such point in plan order. Any scope
with a point in it may **create** it when it is not there yet (claimed on a shared ledger,
so it is made once, whoever comes first: a district need not wait for the province to
invite its own points); only its host's scope (or an unscoped run) **updates** or
**cancels** it.

Effects of a point no longer in the plan, and conferences of a sitting no longer in the
plan, are left to an unscoped ``open``: no scope can tell whose they were.

Example:
    >>> from meetlink.loading.roster import Unit
    >>> units = {
    ...     "T": Unit(id="T", name="Tỉnh ủy", kind="committee", members=9),
    ...     "H1": Unit(id="H1", name="Huyện ủy 1", kind="district", parent="T", members=9),
    ...     "X1": Unit(id="X1", name="Đảng ủy xã 1", kind="commune", parent="H1", members=9),
    ...     "H2": Unit(id="H2", name="Huyện ủy 2", kind="district", parent="T", members=9),
    ... }
    >>> sorted(subtree(units, "H1"))
    ['H1', 'X1']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from meetlink.errors import InputError
from meetlink.loading.roster import Unit
from meetlink.planning import Conference, Plan
from meetlink.reconcile.keys import ConferenceKey, EffectKey, Kind
from meetlink.text import fold

__all__ = ["Scope", "conference_host", "conference_key", "subtree"]


def subtree(units: Mapping[str, Unit], root: str) -> frozenset[str]:
    """``root`` and every unit below it through the ``parent`` links."""
    children: dict[str, list[str]] = {}
    for unit in units.values():
        if unit.parent is not None:
            children.setdefault(unit.parent, []).append(unit.id)
    found: set[str] = set()
    todo = [root]
    while todo:
        unit_id = todo.pop()
        if unit_id in found:
            continue  # the roster's reader refuses cycles; this only keeps the walk finite
        found.add(unit_id)
        todo.extend(children.get(unit_id, ()))
    return frozenset(found)


def _depths(units: Mapping[str, Unit]) -> dict[str, int]:
    """How many ``parent`` links lie above each unit (0 for a unit at the top)."""
    depths: dict[str, int] = {}
    for unit_id in units:
        chain: list[str] = []
        current: str | None = unit_id
        while current is not None and current not in depths and current not in chain:
            chain.append(current)
            parent = units.get(current)
            current = parent.parent if parent is not None else None
        base = depths.get(current, -1) if current is not None else -1
        for step, name in enumerate(reversed(chain), start=1):
            depths[name] = base + step
    return depths


def conference_host(plan: Plan, conference: Conference, depths: Mapping[str, int]) -> str:
    """The point that hosts a conference: the one whose unit stands highest in the roster,
    the first such in the conference's order."""
    points = conference.bridge_points
    return min(points, key=lambda p: (depths.get(plan.point(p).host_unit, 0), points.index(p)))


@dataclass(frozen=True)
class Scope:
    """One office's part of the meeting: a unit, the units below it, the points they host.

    Build it with :meth:`of`; see the module docstring for what a scoped run touches.
    """

    unit: str
    units: frozenset[str]
    points: frozenset[str]
    owned: frozenset[ConferenceKey] = field(default_factory=frozenset)
    needed: frozenset[ConferenceKey] = field(default_factory=frozenset)

    @classmethod
    def of(cls, plan: Plan, unit: str, roster_file: str) -> Scope:
        """The scope of ``unit`` in ``plan``; an id not on the roster is bad input (exit 2)
        naming the unit and the roster file. An id written in another case (``h-cx``) is
        the roster's own when only one unit matches it so."""
        if unit not in plan.units:
            same = [u for u in plan.units if fold(u) == fold(unit)]
            unit = same[0] if len(same) == 1 else unit
        if unit not in plan.units:
            raise InputError.single(
                roster_file,
                f"--scope '{unit}': no unit has this id in the roster {roster_file}; give the "
                "id of a unit of the roster (its 'id' column), for example your own "
                "district's.",
            )
        units = subtree(plan.units, unit)
        points = frozenset(p.id for p in plan.bridge_points if p.host_unit in units)
        depths = _depths(plan.units)
        owned: set[ConferenceKey] = set()
        needed: set[ConferenceKey] = set()
        for conference in plan.conferences:
            key = conference_key(conference)
            if any(p in points for p in conference.bridge_points):
                needed.add(key)
            if conference.bridge_points and conference_host(plan, conference, depths) in points:
                owned.add(key)
        return cls(unit, units, points, frozenset(owned), frozenset(needed))

    def holds(self, point: str | None) -> bool:
        """Whether a bridge point is this scope's own."""
        return point is not None and point in self.points

    def within(self, key: EffectKey) -> bool:
        """Whether a scoped run may change or cancel the effect ``key`` that the ledger
        holds: a conference it hosts, or an effect of one of its own points. A cancelled
        sitting (``meetlink cancel``) is never a scope's."""
        if key.kind == Kind.CONFERENCE:
            return key.conference in self.owned
        if key.kind == Kind.SITTING:
            return False
        return self.holds(key.point)


def conference_key(conference: Conference) -> ConferenceKey:
    """The typed key of a planned conference (``per_point`` ones carry their point, a relay
    conference of a tiered track its relay point and part: the rest of its plan key)."""
    head = f"{conference.track}/{conference.sitting}"
    point = None if conference.key == head else conference.key[len(head) + 1 :]
    return ConferenceKey(conference.track, conference.sitting, point)
