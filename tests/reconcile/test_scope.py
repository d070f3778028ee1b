"""`meetlink open --scope UNIT` on the SQLite ledger: an office opens its own part of the roster
(the unit and every unit below it) and never touches, nor cancels, another office's points."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.reconcile.province import province_roster

from meetlink.cli import main
from meetlink.reconcile import OpenResult
from meetlink.reconcile.ledger import EffectState, Ledger

Open = Callable[..., Any]

# A province (T) with two districts (H1, H2), each with two communes; the same offices as the
# PostgreSQL scope runs, so both ledgers are tried on one roster.
ROSTER = province_roster(2)

MEETING = """\
id: tinh-2024
title: "Hội nghị trực tuyến toàn tỉnh"
organizer: {name: "Văn phòng Tỉnh ủy", email: vp@tinhuy.example.org}
roster: roster.csv
tracks:
  - id: main
    platform: memory
    units: {kinds: [committee, district, commune]}
    sittings:
      - {id: s1, start: 2024-03-10T08:00, end: 2024-03-10T11:00}
"""

H1_POINTS = {"H1", "X11", "X12"}
H2_POINTS = {"H2", "X21", "X22"}


@pytest.fixture
def province(meeting: Any) -> Any:
    meeting.write(MEETING, ROSTER)
    return meeting


def _points(state: Path, kind: str) -> dict[str, EffectState]:
    """Point → state of the ledger's effects of one kind (``invitation:main/s1/X11`` …)."""
    with Ledger(state / "ledger.sqlite3", read_only=True) as ledger:
        return {e.key.rsplit("/", 1)[-1]: e.state for e in ledger.effects("tinh-2024", kind=kind)}


def _outbox_points(outbox: Path) -> set[str]:
    """The points whose invitation is in the outbox (their officer's address, ``ktv.x11@``)."""
    found = set()
    for calendar in outbox.glob("*.ics"):
        text = calendar.read_text(encoding="utf-8")
        found |= {m.upper() for m in re.findall(r"mailto:ktv\.(\w+)@", text)}
    return found


def test_a_district_opens_its_own_subtree_and_nothing_else(province: Any, open_it: Open) -> None:
    first: OpenResult = open_it(scope="H1")
    assert first.ok, first.failures
    # the province's one conference is needed by H1's points: whoever comes first makes it
    assert first.counts["conference"] == {"create": 1}
    assert first.counts["invitation"] == {"create": 3}
    assert first.counts["access"] == {"create": 3}
    assert first.counts["handout"] == {"create": 3}
    assert first.scope == "Huyện ủy Cẩm Xuyên (H1)"
    assert first.scope_points == 3
    assert set(_points(province.state, "invitation")) == H1_POINTS
    assert set(_points(province.state, "handout")) == H1_POINTS
    assert _outbox_points(province.outbox) == H1_POINTS
    assert province.store.calls["create"] == 1

    second: OpenResult = open_it(scope="H2")
    assert second.ok, second.failures
    assert "conference" not in second.counts  # made already: joined, not made twice
    assert second.counts["invitation"] == {"create": 3}
    assert set(_points(province.state, "invitation")) == H1_POINTS | H2_POINTS
    assert province.store.calls["create"] == 1

    # the province's own part last: its point only is left
    last: OpenResult = open_it(scope="T")
    assert last.counts == {
        "access": {"create": 1},
        "handout": {"create": 1},
        "invitation": {"create": 1},
    }
    assert open_it().counts == {}  # and an unscoped run finds everything done


def test_a_scoped_run_never_cancels_another_districts_points(province: Any, open_it: Open) -> None:
    assert open_it().ok  # the province opened everything
    # The roster of one office lacks the other district (an old copy, or a mistake):
    # H2 and its communes are "no longer in the meeting file" for it.
    lines = [
        line
        for line in ROSTER.splitlines(keepends=True)
        if ",H2," not in line and not line.startswith("H2,")
    ]
    province.write(roster="".join(lines))
    scoped: OpenResult = open_it(scope="H1")
    assert scoped.ok, scoped.failures
    assert scoped.counts == {}  # nothing of H2's cancelled, nothing of H1's changed
    assert all(s == EffectState.DONE for s in _points(province.state, "invitation").values())
    assert province.store.calls["cancel"] == 0
    # the same file, unscoped: the province's own run withdraws H2's points
    unscoped: OpenResult = open_it()
    assert unscoped.counts["invitation"] == {"cancel": 3}


def test_only_the_host_office_changes_the_shared_conference(province: Any, open_it: Open) -> None:
    assert open_it().ok
    province.edit(
        "2024-03-10T08:00, end: 2024-03-10T11:00", "2024-03-10T14:00, end: 2024-03-10T17:00"
    )
    district: OpenResult = open_it(scope="H1")
    assert "conference" not in district.counts  # the province hosts it: not H1's to move
    assert district.counts["invitation"] == {"update": 3}  # H1's own points are told
    assert district.left_to_host == 1  # and the run says the conference is left to the host
    host: OpenResult = open_it(scope="T")  # the whole province: the rest is its to do
    assert host.counts["conference"] == {"update": 1}
    assert host.left_to_host == 0
    assert host.counts["invitation"] == {"update": 4}  # T, and H2 with its communes


def test_a_scoped_dry_run_shows_only_its_part(province: Any, open_it: Open) -> None:
    planned: OpenResult = open_it(scope="x21", dry_run=True)  # the case does not matter
    keys = {str(a.key) for a in planned.actions}
    assert "invitation:main/s1/X21" in keys
    assert not any(k.endswith(("/X11", "/X12", "/H1", "/H2", "/X22", "/T")) for k in keys)


def test_scope_on_the_command_line_and_status(
    province: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEETLINK_VAULT_KEY", province.key.reveal_text())
    monkeypatch.setenv("COLUMNS", "200")
    path = str(province.path)
    assert main(["open", path, "--scope", "H2"]) == 0
    out = capsys.readouterr().out
    assert "scope: Huyện ủy Can Lộc (H2) and every unit below it (3 bridge points)" in out
    assert main(["status", path, "--scope", "H2"]) == 0
    shown = capsys.readouterr().out
    assert "3 done, 0 pending" in shown
    assert "X11" not in shown
    main(["status", path])  # the province sees both: H2's done, the rest still to do
    assert "3 done, 4 pending" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["open", "status"])
def test_an_unknown_scope_is_bad_input_naming_the_unit_and_the_roster(
    province: Any, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([command, str(province.path), "--scope", "H9"])
    assert code == 2
    err = capsys.readouterr().err
    assert "'H9'" in err
    assert "roster.csv" in err
    assert not (province.state / "ledger.sqlite3").exists()  # nothing was done


def test_a_scope_cannot_cancel_a_sitting(province: Any, open_it: Open) -> None:
    from meetlink.errors import InputError

    with pytest.raises(InputError, match="cancelled for every bridge point"):
        open_it(scope="H1", cancel_sittings=["s1"])
