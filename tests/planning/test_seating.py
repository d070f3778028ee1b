"""Seating in one pass over the roster (issue 19): a unit whose point is hosted by a unit
further down the file is seated there all the same, in the roster's order, and each number
of seated people gets one share of the seats, shared by every unit with that number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meetlink.loading.roster import Unit
from meetlink.planning import Plan


def test_a_guest_listed_before_its_host_sits_at_the_host_point(
    plan: Callable[..., Plan], unit: Callable[..., Unit]
) -> None:
    units = [
        unit("CQ1", "agency", 5, join_point="T1"),  # joins a village listed below it
        unit("TU", "committee", 40),
        unit("T1", "village", 30, parent="X1", hosts_commune_hq=True),  # sits at X1's hall
        unit("X1", "commune", 20),
    ]

    result = plan(units)

    assert [(p.id, p.units) for p in result.bridge_points] == [
        ("TU", ("TU",)),
        ("X1", ("CQ1", "T1", "X1")),  # the roster's order, the chain followed to its end
    ]
    assert {s.unit: s.point for s in result.seats} == {
        "TU": "TU",
        "CQ1": "X1",
        "T1": "X1",
        "X1": "X1",
    }


def test_units_with_as_many_seats_share_one_share(
    plan: Callable[..., Plan], unit: Callable[..., Unit], track: Callable[..., dict[str, Any]]
) -> None:
    units = [unit("TU", "committee", 40)] + [unit(f"X{i}", "commune", 31) for i in range(5)]

    result = plan(units, tracks=[track(sittings=3, attendance="split")])

    shares = [s.seats for s in result.seats if s.unit.startswith("X")]
    assert shares[0] == {"s1": 11, "s2": 10, "s3": 10}
    assert all(share is shares[0] for share in shares)  # computed once, for 31 people
    assert result.point("X3").seats is shares[0]
