"""Issue 19: a re-run keeps the invitations' hashes of the last run and builds no spec when
nothing they are made of changed; any change of what they are made of is still seen.

See :mod:`meetlink.reconcile.invitation_hashes`.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import meetlink.reconcile.desired as desired_module
import meetlink.reconcile.invitation_hashes as hashes_module
import meetlink.reconcile.records as records_module
from meetlink.reconcile import open_meeting
from meetlink.reconcile.diff import Op
from meetlink.reconcile.keys import EffectKey, Kind


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the invitation specs are built (``invitations_for`` called)."""
    calls: list[int] = []
    build = desired_module.invitations_for

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(desired_module, "invitations_for", counting)
    return calls


def _again(meeting: Any) -> Any:
    full = {**os.environ, "MEETLINK_FULL_RUN": "1"}  # the full run, not the settled stamp's
    return open_meeting(meeting.path, http=meeting.store, vault_key=meeting.key, env=full)


def _acted(result: Any) -> set[tuple[str, str, str | None]]:
    """(kind, op, point) of every action that did something."""
    return {(a.key.kind.value, a.op.value, a.key.point) for a in result.actions if a.op != Op.NONE}


def test_a_re_run_of_the_same_files_builds_no_invitation(
    meeting: Any, open_it: Callable[..., object], built: list[int]
) -> None:
    open_it()
    assert (meeting.state / hashes_module.HASHES_FILE).is_file()
    built.clear()

    again = _again(meeting)

    assert again.ok
    assert not again.counts
    assert built == []  # before: every invitation built once more, to compare its hash
    assert again.counts.get("invitation") is None


def test_one_officers_new_address_changes_that_points_effects_only(
    meeting: Any, open_it: Callable[..., object], built: list[int]
) -> None:
    open_it()
    roster = (meeting.folder / "roster.csv").read_text(encoding="utf-8")
    meeting.write(roster=roster.replace("ktv.t2@xa.example.org", "ktv.moi@xa.example.org"))

    again = _again(meeting)

    assert again.ok
    acted = _acted(again)
    # The conferences list their attendees (the officer among them); every other effect
    # that changed is that point's: its credentials, hand-outs and invitations.
    assert {(kind, op) for kind, op, point in acted if point is None} == {("conference", "update")}
    assert {(kind, op) for kind, op, point in acted if point is not None} == {
        ("access", "update"),
        ("handout", "update"),
        ("invitation", "update"),
    }
    assert {point for _, _, point in acted} - {None} == {"X1-T2"}
    assert again.counts["invitation"] == {"update": 2}  # its two sittings, no other point
    assert built  # the roster changed: the specs are built again to compare


def test_one_points_new_recipient_updates_exactly_its_invitations(
    meeting: Any, open_it: Callable[..., object]
) -> None:
    open_it()
    roster = (meeting.folder / "roster.csv").read_text(encoding="utf-8")
    meeting.write(roster=roster.replace("t2@xa.example.org\n", "t2.moi@xa.example.org\n"))

    again = _again(meeting)

    assert again.ok
    acted = {a for a in _acted(again) if a[0] != "conference"}  # they list attendees
    assert acted == {("invitation", "update", "X1-T2")}
    assert again.counts["invitation"] == {"update": 2}  # its two sittings
    messages = [p.read_text(encoding="utf-8") for p in meeting.outbox.glob("*.eml")]
    assert any("t2.moi@xa.example.org" in text for text in messages)


def test_an_edited_template_updates_every_invitation(
    meeting: Any, open_it: Callable[..., object]
) -> None:
    words = meeting.folder / "words"
    words.mkdir()
    builtin = Path(desired_module.__file__).parents[1] / "invites" / "templates" / "vi"
    shutil.copy(builtin / "description.txt", words / "description.txt")
    meeting.edit("roster: roster.csv\n", "roster: roster.csv\ntemplates: words\n")
    first = open_it()
    invited = first.counts["invitation"]["create"]  # type: ignore[attr-defined]
    assert _again(meeting).counts == {}  # unchanged: nothing to do

    with (words / "description.txt").open("a", encoding="utf-8") as text:
        text.write("\nĐề nghị các điểm cầu kiểm tra đường truyền trước 30 phút.\n")
    again = _again(meeting)

    assert again.ok
    assert again.counts["invitation"] == {"update": invited}


def test_another_meetlink_version_checks_everything_again(
    meeting: Any,
    open_it: Callable[..., object],
    built: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_it()
    built.clear()
    monkeypatch.setattr(hashes_module, "code_mark", lambda: "meetlink 9.9 (an upgrade)")

    again = _again(meeting)

    assert again.ok
    assert not again.counts
    assert built == [1]  # the specs built again: the hashes kept were made by other code


def test_the_ledgers_rows_are_still_compared_when_the_hashes_are_kept(
    meeting: Any, open_it: Callable[..., object], built: list[int]
) -> None:
    open_it()
    database = sqlite3.connect(meeting.state / "ledger.sqlite3")
    with database:
        database.execute(
            "UPDATE effects SET state = 'failed', last_error = 'SMTP down' "
            "WHERE key = 'invitation:main/s1/X1'"
        )
    database.close()
    built.clear()

    again = _again(meeting)

    assert again.ok
    assert _acted(again) == {("invitation", "update", "X1")}
    assert built == [1]  # built for the one to send, not to compare


def test_a_changed_or_damaged_hashes_file_is_not_trusted(
    meeting: Any, open_it: Callable[..., object], built: list[int]
) -> None:
    open_it()
    kept = meeting.state / hashes_module.HASHES_FILE
    data = json.loads(kept.read_text(encoding="utf-8"))
    for entry in data["hashes"].values():
        entry[1] = "another-uid@example.org"  # as if built under other UIDs
    kept.write_text(json.dumps(data), encoding="utf-8")
    built.clear()
    assert _again(meeting).counts == {}
    assert built == [1]

    kept.write_text("{not json", encoding="utf-8")
    built.clear()
    assert _again(meeting).counts == {}
    assert built == [1]


def test_the_hashes_file_holds_keys_and_hashes_only(
    meeting: Any, open_it: Callable[..., object]
) -> None:
    open_it()
    kept = meeting.state / hashes_module.HASHES_FILE
    data = json.loads(kept.read_text(encoding="utf-8"))

    assert kept.stat().st_mode & 0o077 == 0
    assert set(data) == {"format", "inputs", "hashes"}
    assert all(key.startswith(Kind.INVITATION.value + ":") for key in data["hashes"])
    assert "@xa.example.org" not in kept.read_text(encoding="utf-8")


def test_a_re_run_decodes_no_detail_it_does_not_need(
    meeting: Any, open_it: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conference's detail (every point) and the invitations' and hand-outs' details stay
    text; an access record is decoded for its version only (issue 19)."""
    open_it()
    decoded: list[str] = []
    decode = records_module.LazyDetail._decoded

    def counting(self: records_module.LazyDetail) -> dict[str, Any]:
        decoded.append(self._key)
        return decode(self)

    monkeypatch.setattr(records_module.LazyDetail, "_decoded", counting)

    again = _again(meeting)

    assert again.ok
    assert not again.counts
    kinds = {key.partition(":")[0] for key in decoded}
    assert kinds <= {"access", "credential"}  # before: the conference's too, every time


def test_a_row_read_back_is_the_effect_its_fields_make() -> None:
    """``effect_from_row`` fills the frozen record in one call (issue 19): the same effect,
    field by field, as the dataclass's own constructor makes; still frozen."""
    row = (
        "invitation:main/s1/X1",
        "m",
        "invitation",
        "done",
        2,
        "abc",
        "ext-1",
        "https://meet.example/x",
        '{"uid": "u1"}',
        "",
        "2024-03-01T00:00:00+00:00",
        "2024-03-02T00:00:00+00:00",
    )
    made = records_module.effect_from_row(row, "ledger.sqlite3")
    expected = records_module.Effect(
        "invitation:main/s1/X1",
        "m",
        "invitation",
        records_module.EffectState.DONE,
        2,
        "abc",
        "ext-1",
        "https://meet.example/x",
        {"uid": "u1"},
        "",
        "2024-03-01T00:00:00+00:00",
        "2024-03-02T00:00:00+00:00",
    )
    assert made == expected
    assert vars(made).keys() == vars(expected).keys()
    assert made.state is records_module.EffectState.DONE
    with pytest.raises(AttributeError):
        made.state = records_module.EffectState.FAILED  # type: ignore[misc]
    with pytest.raises(Exception, match="is not a valid EffectState"):
        records_module.effect_from_row((*row[:3], "done?", *row[4:]), "ledger.sqlite3")


@pytest.mark.parametrize(
    "text",
    [
        "conference:main/s1",
        "conference:branches/oct/X%2F1",
        "credential:main/X1",
        "access:main/s1/X1",
        "access:tiers/s1/H%25A/X1",
        "handout:main/s1/X1",
        "handout:tiers/s1/HA/X%2F1",
        "invitation:main/s1/X1",
        "notice:main/s1/X1",
        "sitting:main/s1",
    ],
)
def test_every_key_shape_reads_back_as_written(text: str) -> None:
    """``EffectKey.parse`` fills each field from its part (issue 19: one table, no branch a
    kind); the key written again is the text read."""
    key = EffectKey.parse(text)
    assert str(key) == text
    assert EffectKey.parse(str(key)) == key
    rebuilt = EffectKey(key.kind, key.track, key.sitting, key.conference_point, key.point)
    assert rebuilt == key


def test_a_key_meetlink_does_not_write_is_refused_with_its_reason() -> None:
    with pytest.raises(ValueError, match="unknown kind 'room'"):
        EffectKey.parse("room:main/s1")
    with pytest.raises(ValueError, match="an empty part"):
        EffectKey.parse("access:main//X1")
    with pytest.raises(ValueError, match="not an effect key of kind invitation"):
        EffectKey.parse("invitation:main/s1")
    with pytest.raises(ValueError, match="not an effect key of kind conference"):
        EffectKey.parse("conference")
    assert EffectKey.parse("access:main/s1/X1").conference_point is None
    assert EffectKey.parse("access:t/s1/HA/X1").conference_point == "HA"
    assert EffectKey.parse("credential:main/X1").sitting is None
