"""Property: whatever the hierarchy and the capacity, no conference holds more points than
the capacity, every point is in a conference, and every point reaches the main point."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.planning.tier_rosters import chains_to_main, tiered_meeting

from meetlink.loading.roster import Roster, Unit
from meetlink.planning import plan_meeting


@st.composite
def hierarchies(draw: st.DrawFn) -> list[Unit]:
    """A committee and up to 60 units, each under the committee or an earlier district or
    commune (any depth, any width)."""
    units = [Unit(id="TU", name="Tỉnh ủy", kind="committee", members=40)]
    parents = ["TU"]
    for n in range(draw(st.integers(0, 60))):
        kind = draw(st.sampled_from(["district", "commune", "village"]))
        parent = draw(st.sampled_from(parents))
        unit_id = f"U{n:02d}"
        units.append(Unit(id=unit_id, name=unit_id, kind=kind, parent=parent, members=10))
        if kind != "village":
            parents.append(unit_id)
    return units


@settings(max_examples=150, deadline=None)
@given(units=hierarchies(), capacity=st.integers(2, 12), named=st.integers(0, 3))
def test_no_conference_exceeds_the_capacity_and_every_point_is_relayed(
    units: list[Unit], capacity: int, named: int
) -> None:
    tiers = [u.id for u in units[1:] if u.kind != "village"][:named]
    meeting = tiered_meeting(capacity=capacity, tiers=tiers)
    plan = plan_meeting(meeting, Roster("roster.csv", tuple(units)))
    assert all(len(c.bridge_points) <= capacity for c in plan.conferences)
    points = {p.id for p in plan.bridge_points}
    assert set().union(*(c.bridge_points for c in plan.conferences)) == points
    assert chains_to_main(plan.conferences, main="TU") == points
    # every point joins exactly one conference as a participant; a relay also hosts its own
    joined = [p for c in plan.conferences for p in c.bridge_points if p != c.relay_point]
    assert sorted(joined) == sorted(points)
    keys = [c.key for c in plan.conferences]
    assert len(keys) == len(set(keys))
    for conference in plan.conferences:
        if conference.parent is not None:
            assert conference.parent in keys
            assert conference.bridge_points[0] == conference.relay_point
