"""`meetlink status` of a track relayed in tiers (issue 17): the rows of a relay conference
name the point that hosts it, so a relay point's two rows (where it hears the meeting, and
where it passes it on) are told apart; an untiered meeting's rows are as they were."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.reconcile.test_tiers_open import write

from meetlink.cli import main
from meetlink.planning import plan_meeting
from meetlink.reconcile.ledger import Ledger
from meetlink.reconcile.setup import load_meeting
from meetlink.reconcile.status import meeting_status


def status_lines(meeting: Any, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The table's lines of ``meetlink status`` that show sitting s1."""
    capsys.readouterr()
    assert main(["status", str(meeting.path)]) == 0
    return [line for line in capsys.readouterr().out.splitlines() if "main/s1" in line]


def point_of(line: str) -> str:
    """The bridge point cell of a table line (the second cell)."""
    return [cell.strip() for cell in line.split("│") if cell.strip()][1]


def test_the_rows_of_a_relay_conference_name_its_relay_point(
    meeting: Any,
    open_it: Callable[..., Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write(meeting, "capacity: 3")
    assert open_it().ok
    monkeypatch.setenv("COLUMNS", "240")  # one line a row
    lines = status_lines(meeting, capsys)
    relayed = [line for line in lines if "relay room at" in line]
    at_h1 = [line for line in relayed if "relay room at Huyện ủy Cẩm Xuyên" in line]
    at_h2 = [line for line in relayed if "relay room at Huyện ủy Kỳ Anh" in line]
    # H1's conference: H1 itself and its two communes; H2's: H2 and its commune
    assert [point_of(line) for line in at_h1] == ["H1", "H1-X1", "H1-X2"]
    assert [point_of(line) for line in at_h2] == ["H2", "H2-X1"]
    assert len(relayed) == 5
    # the main conference's rows, the relay points' included, name no relay room
    main_rows = [line for line in lines if line not in relayed]
    assert sorted(point_of(line) for line in main_rows) == ["H1", "H2", "TU"]
    assert all("done" in line for line in lines)

    monkeypatch.setenv("MEETLINK_LANG", "vi")
    vietnamese = status_lines(meeting, capsys)
    assert sum("phòng họp tiếp sóng tại Huyện ủy Cẩm Xuyên" in line for line in vietnamese) == 3
    assert not any("relay room" in line for line in vietnamese)


def test_status_rows_carry_the_relay_points_name(meeting: Any, open_it: Callable[..., Any]) -> None:
    write(meeting, "capacity: 3")
    assert open_it().ok
    loaded = load_meeting(meeting.path)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    with Ledger(meeting.state / "ledger.sqlite3", read_only=True) as ledger:
        rows = meeting_status(plan, ledger)
    relays = {(row.point, row.relay) for row in rows}
    assert ("H1-X1", "Huyện ủy Cẩm Xuyên") in relays
    assert ("H1", "") in relays
    assert ("H1", "Huyện ủy Cẩm Xuyên") in relays
    assert ("TU", "") in relays


def test_an_untiered_meeting_names_no_relay_room(
    meeting: Any,
    open_it: Callable[..., Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write(meeting, "")
    assert open_it().ok
    monkeypatch.setenv("COLUMNS", "240")
    lines = status_lines(meeting, capsys)
    assert len(lines) == 6
    assert not any("relay" in line for line in lines)
