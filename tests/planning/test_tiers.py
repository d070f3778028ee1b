"""Relay tiers (issue 17): a shared track over its platform's capacity becomes a tree of
conferences along the roster's hierarchy, every conference within capacity."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.planning.tier_rosters import (
    chains_to_main,
    conferences_of,
    province,
    tiered_meeting,
)

from meetlink.errors import InputError, PlanningError
from meetlink.loading import load_meeting
from meetlink.loading.roster import Roster, Unit
from meetlink.loading.tracks import with_capacities
from meetlink.planning import Plan, plan_meeting
from meetlink.planning.export import plan_to_dict
from meetlink.planning.table import render_plan, tier_lines


def plan_of(units: list[Unit], **track: Any) -> Plan:
    return plan_meeting(tiered_meeting(**track), Roster("roster.csv", tuple(units)))


def test_a_track_within_capacity_keeps_its_one_conference() -> None:
    units = province(districts=2, communes=2)  # 1 + 2 + 4 = 7 points
    plan = plan_of(units, capacity=7)
    assert [(c.key, c.parent, c.relay_point, c.tier) for c in plan.conferences] == [
        ("main/s1", None, None, 0)
    ]
    assert len(plan.conferences[0].bridge_points) == 7


def test_three_levels_over_capacity_are_relayed_district_by_district() -> None:
    # 1 province + 3 districts + 3×4 communes = 16 points; 6 a conference.
    plan = plan_of(province(districts=3, communes=4), capacity=6)
    by_key = {c.key: c for c in plan.conferences}
    assert by_key["main/s1"].bridge_points == ("TU", "H1", "H2", "H3")
    assert by_key["main/s1"].parent is None
    h1 = by_key["main/s1/H1"]
    assert h1.bridge_points == ("H1", "H1-X1", "H1-X2", "H1-X3", "H1-X4")
    assert (h1.parent, h1.relay_point, h1.tier) == ("main/s1", "H1", 1)
    assert sorted(by_key) == ["main/s1", "main/s1/H1", "main/s1/H2", "main/s1/H3"]
    assert all(len(c.bridge_points) <= 6 for c in plan.conferences)


def test_every_point_is_reached_from_the_main_point_through_relays() -> None:
    units = province(districts=4, communes=5, villages=3)
    plan = plan_of(units, capacity=5)
    for sitting in ("s1",):
        confs = conferences_of(plan, sitting)
        reached = chains_to_main(confs, main="TU")
        assert reached == {p.id for p in plan.bridge_points}
    # the relay point sits in the conference above and hosts its own, listed first
    for conference in plan.conferences:
        assert len(conference.bridge_points) <= 5
        if conference.relay_point is not None:
            above = next(c for c in plan.conferences if c.key == conference.parent)
            assert conference.relay_point in above.bridge_points
            assert conference.bridge_points[0] == conference.relay_point


def test_the_same_input_gives_the_same_tree_whatever_the_roster_order() -> None:
    units = province(districts=3, communes=6, villages=2)
    first = plan_of(units, capacity=8).conferences
    again = plan_of(list(units), capacity=8).conferences
    shuffled = plan_of([units[0], *reversed(units[1:])], capacity=8).conferences
    assert first == again
    assert {c.key: set(c.bridge_points) for c in first} == {
        c.key: set(c.bridge_points) for c in shuffled
    }


def test_a_level_too_wide_is_split_into_sibling_conferences_with_the_same_relay() -> None:
    # one district with 7 communes, 4 a conference: 3 communes per part, 3 parts (7 = 3+2+2)
    units = province(districts=1, communes=7)
    plan = plan_of(units, capacity=4)
    parts = [c for c in plan.conferences if c.relay_point == "H1"]
    assert [c.key for c in parts] == ["main/s1/H1#1", "main/s1/H1#2", "main/s1/H1#3"]
    assert [len(c.bridge_points) for c in parts] == [4, 3, 3]
    assert {c.parent for c in parts} == {"main/s1"}
    assert all(c.bridge_points[0] == "H1" for c in parts)
    assert any("split into 3 conferences, each relayed by H1" in n for n in plan.notes)


def test_the_top_level_too_wide_is_relayed_by_the_main_point() -> None:
    units = province(districts=5, communes=0)  # TU and 5 districts, 3 a conference
    plan = plan_of(units, capacity=3)
    assert [(c.key, c.parent, c.relay_point) for c in plan.conferences] == [
        ("main/s1", None, None),
        ("main/s1/TU#2", "main/s1", "TU"),
        ("main/s1/TU#3", "main/s1", "TU"),
    ]
    assert chains_to_main(plan.conferences, main="TU") == {p.id for p in plan.bridge_points}


def test_hand_named_tiers_relay_below_the_named_units_only() -> None:
    units = province(districts=3, communes=2)
    plan = plan_of(units, tiers=["H2"])  # no capacity: the office chose the relay
    by_key = {c.key: c for c in plan.conferences}
    assert sorted(by_key) == ["main/s1", "main/s1/H2"]
    assert by_key["main/s1/H2"].bridge_points == ("H2", "H2-X1", "H2-X2")
    assert set(by_key["main/s1"].bridge_points) == {
        "TU",
        "H1",
        "H1-X1",
        "H1-X2",
        "H2",
        "H3",
        "H3-X1",
        "H3-X2",
    }


def test_a_tier_that_hosts_no_point_of_the_track_is_an_error_naming_it() -> None:
    units = province(districts=1, communes=1)
    with pytest.raises(PlanningError) as caught:
        plan_of(units, tiers=["H9"])
    assert "'H9' hosts no bridge point of track 'main'" in str(caught.value)


def test_a_capacity_below_two_is_refused_when_the_meeting_is_read() -> None:
    with pytest.raises(InputError) as caught:
        tiered_meeting(capacity=1)
    assert "capacity" in str(caught.value)
    track = tiered_meeting().tracks[0].model_copy(update={"capacity": 1})
    meeting = tiered_meeting().model_copy(update={"tracks": (track,)})
    with pytest.raises(PlanningError, match="give a capacity of 2 or more"):
        plan_meeting(meeting, Roster("roster.csv", tuple(province(districts=1, communes=1))))


def test_the_platform_capacity_applies_where_the_track_gives_none() -> None:
    meeting = tiered_meeting()
    assert with_capacities(meeting, {"main": 4}).tracks[0].capacity == 4
    assert with_capacities(tiered_meeting(capacity=9), {"main": 4}).tracks[0].capacity == 9
    assert with_capacities(meeting, {"main": None}) is meeting


def test_the_plan_json_and_the_table_show_the_tree() -> None:
    import io

    plan = plan_of(province(districts=2, communes=3), capacity=4)
    data = json.loads(json.dumps(plan_to_dict(plan)))
    by_id = {c["id"]: c for c in data["conferences"]}
    assert {k: by_id["main/s1/H1"][k] for k in ("parent", "relay_point", "points", "tier")} == {
        "parent": "main/s1",
        "relay_point": "H1",
        "points": 4,
        "tier": 1,
    }
    assert by_id["main/s1"]["key"] == "main/s1"  # the old keys are all still there
    assert set(by_id["main/s1"]) >= {"key", "track", "sitting", "platform", "bridge_points"}
    lines = tier_lines(plan, "main", "s1")
    assert lines[0].startswith("Sơ đồ tiếp sóng (s1, tối đa 4 điểm cầu một phòng họp): 3 phòng")
    assert lines[1] == "main/s1 — Tỉnh ủy: 3 điểm cầu"
    assert lines[2] == "├─ main/s1/H1 — Huyện ủy H1: 4 điểm cầu"
    assert lines[3] == "└─ main/s1/H2 — Huyện ủy H2: 4 điểm cầu"
    out = io.StringIO()
    render_plan(plan, out)
    assert "└─ main/s1/H2 — Huyện ủy H2: 4 điểm cầu" in out.getvalue()


def test_an_untiered_plan_shows_no_tree(
    plan: Callable[..., Plan], unit: Callable[..., Unit]
) -> None:
    flat = plan([unit("TU", "committee", 40)])
    assert tier_lines(flat, "main", "s1") == []
    assert plan_to_dict(flat)["conferences"][0]["parent"] is None


def test_every_sitting_gets_the_same_tree() -> None:
    plan = plan_meeting(
        tiered_meeting(capacity=4, sittings=2),
        Roster("roster.csv", tuple(province(districts=2, communes=3))),
    )
    one = [(c.key.replace("/s1", ""), c.bridge_points) for c in conferences_of(plan, "s1")]
    two = [(c.key.replace("/s2", ""), c.bridge_points) for c in conferences_of(plan, "s2")]
    assert one == two
    assert len(one) == 3


def test_a_tier_not_on_the_roster_is_refused_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(
        "id,name,kind,parent,members\nTU,Tỉnh ủy,committee,,40\nH1,Huyện ủy,district,TU,30\n",
        encoding="utf-8",
    )
    (tmp_path / "meeting.yaml").write_text(
        "id: q1\ntitle: Hội nghị\norganizer: {email: vp@tinhuy.example}\nroster: roster.csv\n"
        "tracks:\n  - id: main\n    platform: memory\n    capacity: 100\n"
        "    tiers: [H1, H9]\n    units: {kinds: [committee, district]}\n"
        "    sittings: [{id: s1, start: 2026-02-07T08:00, end: 2026-02-07T10:00}]\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_meeting(tmp_path / "meeting.yaml")
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "tracks[0].tiers[1]: no unit 'H9' in the roster "
        f"{tmp_path / 'roster.csv'}; name the unit whose hall relays the conference by its id."
    ]
    assert caught.value.problems[0].where == 9


def test_plan_format_tree_prints_the_relay_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from meetlink.cli import main

    rows = ["id,name,kind,parent,members,officer_email"]
    rows += [
        f"{u.id},{u.name},{u.kind},{u.parent or ''},{u.members},ktv@x.example"
        for u in province(districts=2, communes=3)
    ]
    (tmp_path / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    meeting = (
        "id: q1\ntitle: Hội nghị\norganizer: {{email: vp@tinhuy.example}}\n"
        "roster: roster.csv\ntracks:\n  - id: main\n    platform: memory\n    {capacity}\n"
        "    units: {{kinds: [committee, district, commune]}}\n"
        "    sittings: [{{id: s1, start: 2026-02-07T08:00, end: 2026-02-07T10:00}}]\n"
    )
    path = tmp_path / "meeting.yaml"
    path.write_text(meeting.format(capacity="settings: {capacity: 4}"), encoding="utf-8")
    assert main(["plan", str(path), "--format", "tree"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "main/s1 — Tỉnh ủy: 3 điểm cầu",
        "├─ main/s1/H1 — Huyện ủy H1: 4 điểm cầu",
        "└─ main/s1/H2 — Huyện ủy H2: 4 điểm cầu",
    ]
    path.write_text(meeting.format(capacity=""), encoding="utf-8")
    assert main(["plan", str(path), "--format", "tree"]) == 0
    assert capsys.readouterr().out == (
        "no track is relayed in tiers: each shared track fits one conference.\n"
    )


def test_a_loop_of_parents_hangs_under_the_main_point() -> None:
    units = [
        Unit(id="TU", name="Tỉnh ủy", kind="committee", members=50),
        Unit(id="H1", name="Huyện ủy H1", kind="district", parent="H2", members=40),
        Unit(id="H2", name="Huyện ủy H2", kind="district", parent="H1", members=40),
        Unit(id="H1-X1", name="Xã H1-X1", kind="commune", parent="H1", members=30),
        Unit(id="H2-X1", name="Xã H2-X1", kind="commune", parent="H2", members=30),
    ]
    plan = plan_of(units, capacity=3)
    assert all(len(c.bridge_points) <= 3 for c in plan.conferences)
    assert chains_to_main(plan.conferences, main="TU") == {p.id for p in plan.bridge_points}


def test_a_track_without_a_committee_is_headed_by_its_top_point() -> None:
    # the roster lists a commune before its district: the district still heads the tree
    units = [
        Unit(id="H1-X1", name="Xã H1-X1", kind="commune", parent="H1", members=30),
        Unit(id="H1", name="Huyện ủy H1", kind="district", members=40),
        *(
            Unit(id=f"H1-X{n}", name=f"Xã H1-X{n}", kind="commune", parent="H1", members=30)
            for n in (2, 3, 4)
        ),
        Unit(id="H1-X1-T1", name="Thôn 1", kind="village", parent="H1-X1", members=10),
    ]
    plan = plan_of(units, capacity=5)
    assert plan.conferences[0].key == "main/s1"
    assert plan.conferences[0].bridge_points[0] == "H1"
    assert chains_to_main(plan.conferences, main="H1") == {p.id for p in plan.bridge_points}
