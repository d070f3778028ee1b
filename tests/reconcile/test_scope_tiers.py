"""`open --scope UNIT` on a track relayed in tiers (issue 17), on the SQLite ledger and the
memory platform: each district office opens its own relay conference and its communes, the
province's main conference is made once by whoever needs it first, and only a conference's
host office moves it (docs/guides/shared-ledger.md, docs/guides/tiers.md)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.reconcile.province import province_roster

from meetlink.planning import plan_meeting
from meetlink.reconcile import OpenResult
from meetlink.reconcile.ledger import Ledger
from meetlink.reconcile.setup import load_meeting

Open = Callable[..., Any]

# A province (T) with two districts; each district has three communes. With a capacity of
# 4 no conference holds all 9 points: the province's conference holds T and the two district
# halls, and each district hall relays its own three communes.
ROSTER = province_roster(3)

MEETING = """\
id: tinh-tiers
title: "Hội nghị trực tuyến toàn tỉnh"
kind: conference
organizer: {name: "Văn phòng Tỉnh ủy", email: vp@tinhuy.example.org}
roster: roster.csv
tracks:
  - id: main
    platform: memory
    units: {kinds: [committee, district, commune]}
    capacity: 4
    sittings:
      - {id: s1, start: 2026-02-07T08:00, end: 2026-02-07T11:30}
"""

H1_POINTS = {"H1", "X11", "X12", "X13"}
H2_POINTS = {"H2", "X21", "X22", "X23"}
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def province(meeting: Any) -> Any:
    meeting.write(MEETING, ROSTER)
    return meeting


def _messages(outbox: Path) -> dict[str, set[str]]:
    """The outbox's messages by sort: the addressees' domains of the hand-outs (to technical
    officers) and of the invitations (carrying a calendar)."""
    found: dict[str, set[str]] = {"handout": set(), "invitation": set()}
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        calendar = any(p.get_content_type() == "text/calendar" for p in message.walk())
        addressees = {str(a).rsplit("@", 1)[-1].rstrip(">") for a in message.get_all("To", [])}
        found["invitation" if calendar else "handout"] |= addressees
    return found


def _ledger_points(state: Path, kind: str) -> set[str]:
    """The points the ledger holds effects of one kind for (``invitation:main/s1/X11`` → X11)."""
    with Ledger(state / "ledger.sqlite3", read_only=True) as ledger:
        return {e.key.rsplit("/", 1)[-1] for e in ledger.effects("tinh-tiers", kind=kind)}


def _made(province: Any) -> dict[str, datetime | None]:
    """The platform's conferences by plan key, with the start each holds now."""
    return {info.key: info.start for info in province.store.conferences("tinh-tiers")}


def test_the_plan_relays_each_district_through_its_own_hall(province: Any) -> None:
    loaded = load_meeting(province.path)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    assert {c.key: set(c.bridge_points) for c in plan.conferences} == {
        "main/s1": {"T", "H1", "H2"},
        "main/s1/H1": H1_POINTS,
        "main/s1/H2": H2_POINTS,
    }


def test_districts_open_their_relays_in_turn_and_share_the_main_conference(
    province: Any, open_it: Open
) -> None:
    # (a) district A: its relay conference, and the main one its relay point sits in
    first: OpenResult = open_it(scope="H1")
    assert first.ok, first.failures
    assert first.scope_points == 4
    assert first.counts["conference"] == {"create": 2}
    assert set(_made(province)) == {"main/s1", "main/s1/H1"}  # not B's relay conference
    # H1 gets access to both conferences it sits in; its communes to the relay only
    assert first.counts["access"] == {"create": 5}
    with Ledger(province.state / "ledger.sqlite3", read_only=True) as ledger:
        access = {e.key for e in ledger.effects("tinh-tiers", kind="access")}
    assert "access:main/s1/H1" in access  # H1's seat in the province's conference
    assert not any(k.endswith(("/T", "/H2", "/X21", "/X22", "/X23")) for k in access)
    assert first.counts["handout"] == {"create": 5}
    assert first.counts["invitation"] == {"create": 4}
    assert _ledger_points(province.state, "invitation") == H1_POINTS
    sent = _messages(province.outbox)
    assert sent == {"handout": {"cx.example.org"}, "invitation": {"cx.example.org"}}
    assert province.store.calls["create"] == 2

    # (b) district B: its own relay conference; the main one is joined, not made again
    second: OpenResult = open_it(scope="H2")
    assert second.ok, second.failures
    assert second.counts["conference"] == {"create": 1}
    assert set(_made(province)) == {"main/s1", "main/s1/H1", "main/s1/H2"}
    assert province.store.calls["create"] == 3
    assert second.counts["invitation"] == {"create": 4}
    assert _ledger_points(province.state, "invitation") == H1_POINTS | H2_POINTS

    # the province's own point is left for its office; then everything is done
    last: OpenResult = open_it(scope="T")
    assert last.ok, last.failures
    assert "conference" not in last.counts
    assert last.counts["invitation"] == {"create": 1}

    # (c) an unscoped re-run finds nothing to do and sends nothing
    before = sorted(p.name for p in province.outbox.iterdir())
    again: OpenResult = open_it()
    assert again.ok, again.failures
    assert again.counts == {}
    assert province.store.calls["create"] == 3
    assert sorted(p.name for p in province.outbox.iterdir()) == before


def test_a_district_moving_the_sitting_moves_its_relay_only(province: Any, open_it: Open) -> None:
    assert open_it().ok
    eight = datetime(2026, 2, 7, 8, 0, tzinfo=HCM)
    assert set(_made(province).values()) == {eight}
    province.edit(
        "2026-02-07T08:00, end: 2026-02-07T11:30", "2026-02-07T14:00, end: 2026-02-07T17:30"
    )
    two = datetime(2026, 2, 7, 14, 0, tzinfo=HCM)
    before = set(province.outbox.iterdir())

    # (d) district A hosts its relay (its hall stands highest in it): that one moves; the
    # province's conference is left to the province, B's relay is not A's to touch
    district: OpenResult = open_it(scope="H1")
    assert district.ok, district.failures
    assert district.counts["conference"] == {"update": 1}
    assert district.left_to_host == 1
    assert district.counts["invitation"] == {"update": 4}
    assert _made(province) == {"main/s1": eight, "main/s1/H1": two, "main/s1/H2": eight}
    assert province.store.calls["update"] == 1
    new = set(province.outbox.iterdir()) - before
    assert new  # A's points are told the new time, and only they
    for path in new:
        if path.suffix == ".eml":
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert {str(a).rsplit("@", 1)[-1].rstrip(">") for a in message.get_all("To", [])} == {
                "cx.example.org"
            }

    # B's own run moves B's relay; the province's run moves the main conference
    other: OpenResult = open_it(scope="H2")
    assert other.counts["conference"] == {"update": 1}
    assert other.left_to_host == 1
    host: OpenResult = open_it(scope="T")
    assert host.counts["conference"] == {"update": 1}
    assert host.left_to_host == 0
    assert _made(province) == {"main/s1": two, "main/s1/H1": two, "main/s1/H2": two}
    assert open_it().counts == {}
