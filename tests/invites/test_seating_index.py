"""A plan's seating index, made once and passed to each group a worker builds, gives the
very invitations made without it (a tiered plan: relays and their conferences included)."""

from __future__ import annotations

from tests.planning.tier_rosters import province, tiered_meeting

from meetlink.invites.planned import invitations_for
from meetlink.invites.seating import SeatingIndex, seated_points
from meetlink.loading.roster import Roster
from meetlink.planning import plan_meeting


def test_the_index_gives_the_same_invitations_group_by_group() -> None:
    units = [
        u.model_copy(update={"contact_emails": (f"vp.{u.id.lower()}@tinh.example.org",)})
        for u in province(districts=3, communes=4, villages=2)
    ]
    plan = plan_meeting(tiered_meeting(sittings=2, capacity=6), Roster("roster.csv", tuple(units)))
    assert any(c.relay_point for c in plan.conferences)  # relayed: the relay index is used
    index = SeatingIndex.of(plan)
    links = {c.key: f"https://meet.example/{n}" for n, c in enumerate(plan.conferences)}
    whole = invitations_for(plan, links)
    points = [p.id for p in plan.points_of("main")]
    groups = [set(points[n : n + 7]) for n in range(0, len(points), 7)]
    by_group = [s for g in groups for s in invitations_for(plan, links, None, g, index)]
    key = lambda s: (s.sitting, s.point)  # noqa: E731
    assert sorted(by_group, key=key) == sorted(whole, key=key)
    assert len(whole) == 2 * len(points)
    assert any(s.relay_from for s in whole)
    assert any(s.relays_to for s in whole)
    assert list(seated_points(plan, index=index)) == list(seated_points(plan))
