"""Issue 17, left over: every problem with a track's ``tiers:`` and ``capacity`` names the
meeting file, the key path and the line, all of them at once, exit 2, before anything is
created (as the loader's problems do)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.planning.tier_rosters import province, tiered_meeting
from tests.province_conference import province_conference

from meetlink.cli import main
from meetlink.credentials.keys import VaultKey
from meetlink.errors import InputError, PlanningError
from meetlink.loading.roster import Roster
from meetlink.planning import plan_meeting
from meetlink.reconcile.setup import load_meeting

ROSTER = """\
id,name,kind,parent,members,join_point,officer_email
TU,Tỉnh ủy,committee,,40,,ktv.tu@tinhuy.example.org
H1,Huyện ủy Cẩm Xuyên,district,TU,30,,ktv.h1@camxuyen.example.org
H1-X1,Đảng ủy xã Cẩm Hưng,commune,H1,20,,ktv.x1@camhung.example.org
H1-X2,Đảng ủy xã Cẩm Thịnh,commune,H1,20,H1-X1,ktv.x2@camthinh.example.org
H2,Huyện ủy Kỳ Anh,district,TU,30,,ktv.h2@kyanh.example.org
CQ,Chi bộ Cơ quan,agency,TU,30,,ktv.cq@tinhuy.example.org
"""

TIERS = """
tiers:
  - H1
  - H1-X2
  - CQ
"""


def meeting(capacity: int = 1) -> str:
    """The meeting file: its capacity's line is 9, the tiers H1-X2 and CQ are on 13 and 14."""
    return province_conference(
        "tiers-errors", head=f"settings: {{capacity: {capacity}}}", tail=TIERS
    )


def write(folder: Path, *, capacity: int = 1, text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    path = folder / "meeting.yaml"
    path.write_text(meeting(capacity) if text is None else text, encoding="utf-8")
    return path


def test_every_tier_problem_names_the_file_the_key_and_its_line(tmp_path: Path) -> None:
    path = write(tmp_path)
    loaded = load_meeting(path)  # the file itself is well-formed: the roster has every unit

    with pytest.raises(PlanningError) as caught:
        plan_meeting(loaded.meeting, loaded.roster)

    located = [(p.file, p.where, p.what) for p in caught.value.problems]
    assert located == [
        (str(path), 9, "tracks[0].settings.capacity"),
        (str(path), 13, "tracks[0].tiers[1]"),
        (str(path), 14, "tracks[0].tiers[2]"),
    ]
    lines = str(caught.value).splitlines()
    assert lines[0] == (
        f"{path}:9: tracks[0].settings.capacity: a conference of 1 participant cannot relay "
        "to another; give a capacity of 2 or more (the platform's participants per conference)."
    )
    assert lines[1] == (
        f"{path}:13: tracks[0].tiers[1]: 'H1-X2' hosts no bridge point of track 'main': it "
        "sits at the point of 'H1-X1' (Đảng ủy xã Cẩm Hưng); name the unit whose hall relays "
        "the conference, or remove it from tiers."
    )
    assert "'CQ' hosts no bridge point of track 'main': it is not invited" in lines[2]


def test_a_tier_in_another_track_says_which(tmp_path: Path) -> None:
    two_tracks = meeting(5) + (
        "  - id: co-quan\n    platform: memory\n    units: {kinds: [agency]}\n"
        "    sittings:\n      - {id: s1, start: 2026-02-07T14:00, end: 2026-02-07T16:00}\n"
    )
    path = write(tmp_path, text=two_tracks)
    loaded = load_meeting(path)

    with pytest.raises(PlanningError) as caught:
        plan_meeting(loaded.meeting, loaded.roster)

    assert [(p.where, p.what) for p in caught.value.problems] == [
        (13, "tracks[0].tiers[1]"),
        (14, "tracks[0].tiers[2]"),
    ]
    assert "'CQ' hosts no bridge point of track 'main': it attends track 'co-quan'" in str(
        caught.value
    )


@pytest.fixture
def _vault_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEETLINK_VAULT_KEY", VaultKey.generate().reveal_text())
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.mark.usefixtures("_vault_key")
@pytest.mark.parametrize("command", ["plan", "open"])
def test_the_command_exits_2_with_every_problem_and_creates_nothing(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "meeting")
    before = sorted(p.name for p in path.parent.iterdir())

    code = main([command, str(path)])

    _, err = capsys.readouterr()
    assert code == 2, err
    assert [line.split(": ", 2)[:2] for line in err.splitlines() if line.startswith(str(path))] == [
        [f"{path}:9", "tracks[0].settings.capacity"],
        [f"{path}:13", "tracks[0].tiers[1]"],
        [f"{path}:14", "tracks[0].tiers[2]"],
    ]
    assert "Traceback" not in err
    assert sorted(p.name for p in path.parent.iterdir()) == before  # no .meetlink, no outbox


def test_a_unit_named_twice_in_tiers_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, text=meeting(5).replace("      - CQ\n", "      - H1\n"))

    with pytest.raises(InputError) as caught:
        load_meeting(path)

    assert [str(p) for p in caught.value.problems] == [
        f"{path}:11: tracks[0].tiers: unit 'H1' is named twice in tiers; name each relay unit once."
    ]


def test_tiers_on_a_track_of_one_conference_per_point_are_refused(tmp_path: Path) -> None:
    per_point = meeting(5).replace("    tiers:\n", "    conference: per_point\n    tiers:\n")
    path = write(tmp_path, text=per_point.replace("      - CQ\n", ""))

    with pytest.raises(InputError) as caught:
        load_meeting(path)

    assert [(p.where, p.what) for p in caught.value.problems] == [(12, "tracks[0].tiers")]
    assert "conference: per_point" in caught.value.problems[0].message


def test_the_capacity_is_reported_with_the_units_that_cannot_be_seated(tmp_path: Path) -> None:
    untiered = (
        meeting().replace("      - H1\n      - H1-X2\n      - CQ\n", "").replace("    tiers:\n", "")
    )
    path = write(tmp_path, text=untiered.replace("commune]", "commune, agency]"))
    small = ROSTER + "CQ3,Chi bộ nhỏ,agency,TU,3,,ktv.cq3@tinhuy.example.org\n"
    (tmp_path / "roster.csv").write_text(small, encoding="utf-8")
    loaded = load_meeting(path)

    with pytest.raises(PlanningError) as caught:
        plan_meeting(loaded.meeting, loaded.roster)

    assert [(p.where, p.what) for p in caught.value.problems] == [
        (8, "join_point"),  # the roster's row of CQ3, which has no point to sit at
        (9, "tracks[0].settings.capacity"),
    ]


def test_a_named_tier_with_no_point_below_it_is_noted_in_the_plan() -> None:
    units = province(districts=2, communes=1)
    plan = plan_meeting(tiered_meeting(tiers=["H1", "H2-X1"]), Roster("roster.csv", tuple(units)))

    assert "main/s1/H1" in {c.key for c in plan.conferences}
    assert (
        "H2-X1: named in tiers, but no point of its track sits below it; it joins the "
        "conference above as a plain point."
    ) in plan.notes


def test_a_meeting_not_read_from_a_file_still_names_the_key() -> None:
    units = province(districts=1, communes=1)
    with pytest.raises(PlanningError) as caught:
        plan_meeting(tiered_meeting(tiers=["H9"]), Roster("roster.csv", tuple(units)))

    (problem,) = caught.value.problems
    assert (problem.file, problem.where, problem.what) == ("meeting", 0, "tracks[0].tiers[0]")
