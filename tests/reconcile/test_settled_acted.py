"""The settled stamp of a run that acted (issue 19): the first ``open`` creates and sends,
checks with a dry pass over its own context that the next run would find nothing to do, and
stamps the result that next run would return; the very next ``open`` answers from it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from meetlink.credentials.vault import VaultKey
from meetlink.reconcile import open_meeting
from meetlink.reconcile import run as run_module
from meetlink.reconcile.context import OpenResult, RunContext
from meetlink.reconcile.desired import DesiredState
from meetlink.reconcile.diff import Action, Op
from meetlink.reconcile.invitation_hashes import HASHES_FILE
from meetlink.reconcile.settled import FULL_RUN_VAR

Open = Callable[..., Any]
FULL_RUN = {**os.environ, FULL_RUN_VAR: "1"}


def _rows(meeting: Any) -> list[tuple[str, str, str]]:
    with sqlite3.connect(meeting.state / "ledger.sqlite3") as db:
        return db.execute("SELECT scope, sources, result FROM settled").fetchall()


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the re-run worked something out")


def _fast(meeting: Any, open_it: Open, **kw: Any) -> OpenResult:
    """An open that must take the fast path: nothing worked out, no call, no message."""
    calls = sum(meeting.store.calls.values())
    files = sorted(p.name for p in meeting.outbox.iterdir())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DesiredState, "now", _boom)
        patch.setattr(run_module, "load_meeting", _boom)
        result: OpenResult = open_it(**kw)
    assert sum(meeting.store.calls.values()) == calls  # no platform call
    assert sorted(p.name for p in meeting.outbox.iterdir()) == files  # no outbox file
    return result


def _plain(result: OpenResult) -> list[dict[str, str]]:
    return [action.to_dict() for action in result.actions]


def test_the_open_after_the_first_takes_the_fast_path_with_a_full_runs_result(
    meeting: Any, open_it: Open
) -> None:
    first = open_it()
    assert first.ok, first.failures
    assert first.counts["invitation"] == {"create": 6}
    assert len(_rows(meeting)) == 1  # the acting run stamped the next run's result

    fast = _fast(meeting, open_it)
    full = open_it(env=FULL_RUN)  # everything worked out again, found done

    assert full.counts == {}
    assert fast == full  # every field: counts, failures, actions, where, scope, outbox …
    assert _plain(fast) == _plain(full)  # actions and reasons, in order
    assert {a.op for a in fast.actions} == {Op.NONE}
    assert len(fast.actions) == len(first.actions)
    assert (fast.outbox, fast.state_dir, fast.dry_run) == (full.outbox, full.state_dir, False)
    assert (fast.scope, fast.scope_points, fast.left_to_host) == ("", 0, 0)


def test_a_scoped_first_open_stamps_its_own_next_run(meeting: Any, open_it: Open) -> None:
    first = open_it(scope="X1")
    assert first.ok
    assert first.counts
    assert [row[0] for row in _rows(meeting)] == ["X1"]
    fast = _fast(meeting, open_it, scope="X1")
    full = open_it(scope="X1", env=FULL_RUN)
    assert fast == full
    assert fast.scope == first.scope
    assert fast.scope_points == first.scope_points > 0


def test_a_verify_pass_that_finds_work_leaves_no_stamp(
    meeting: Any, open_it: Open, monkeypatch: pytest.MonkeyPatch, worked_out: list[int]
) -> None:
    real = run_module._all_actions

    def one_left(ctx: RunContext) -> list[Action]:
        actions = real(ctx)
        assert actions
        assert all(a.op == Op.NONE for a in actions)
        return [*actions[:-1], replace(actions[-1], op=Op.UPDATE, reason="changed")]

    monkeypatch.setattr(run_module, "_all_actions", one_left)
    assert open_it().counts
    assert _rows(meeting) == []  # never a wrong stamp
    monkeypatch.setattr(run_module, "_all_actions", real)

    worked_out.clear()
    again = open_it()
    assert worked_out  # the full run: there was no stamp to answer from
    assert again.counts == {}
    assert len(_rows(meeting)) == 1  # and that run, finding nothing to do, stamps


def test_a_verify_pass_that_fails_leaves_no_stamp_and_the_run_ok(
    meeting: Any, open_it: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: RunContext) -> list[Action]:
        raise RuntimeError("the pass cannot be made")

    monkeypatch.setattr(run_module, "_all_actions", broken)
    first = open_it()
    assert first.ok
    assert first.counts
    assert _rows(meeting) == []


def test_a_partially_failed_first_open_leaves_no_stamp(meeting: Any, open_it: Open) -> None:
    meeting.store.fail_next(1, operation="issue_access")
    first = open_it()
    assert not first.ok
    assert first.counts  # the others were done
    assert _rows(meeting) == []
    retried = open_it()  # the full run retries the failed one …
    assert retried.ok
    assert retried.counts
    assert len(_rows(meeting)) == 1  # … and, acting fully ok, stamps the next run
    assert _fast(meeting, open_it) == open_it(env=FULL_RUN)


def test_the_stamp_holds_the_invitation_hashes_as_the_acting_run_left_them(
    meeting: Any, open_it: Open
) -> None:
    assert open_it().counts
    kept = meeting.state / HASHES_FILE
    left = kept.read_bytes()
    assert json.loads(left)["hashes"]  # the acting run kept every invitation's hash
    ((_, sources, _),) = _rows(meeting)
    assert json.loads(sources)[str(kept)] == hashlib.sha256(left).hexdigest()
    _fast(meeting, open_it)
    assert kept.read_bytes() == left  # the fast path leaves it as it was
    kept.write_bytes(left.replace(b'"hashes"', b' "hashes"', 1))  # one byte more
    assert open_it().counts == {}  # not the stamp's file: the full run, nothing to do


def test_an_edited_roster_after_the_first_open_runs_in_full(
    meeting: Any, open_it: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert open_it().counts
    roster = meeting.folder / "roster.csv"
    roster.write_bytes(roster.read_bytes().replace(b"NVH th\xc3\xb4n 2", b"NVH th\xc3\xb4n 3"))
    monkeypatch.setattr(DesiredState, "now", _boom)
    with pytest.raises(AssertionError, match="worked something out"):
        open_it()  # the stamp does not answer: the full run works the new place out


def test_a_split_hand_out_waiting_after_the_first_open_leaves_no_stamp(
    meeting: Any, open_it: Open
) -> None:
    meeting.edit("    attendance: split\n", "    attendance: split\n    handout: split\n")
    first = open_it()
    assert first.ok
    assert first.counts
    assert _rows(meeting) == []  # the password halves wait for their slips


EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.parametrize("example", ["myhao-2023q3", "branches-2023q4"])
def test_a_platform_that_keeps_its_own_folder_is_stamped_by_the_first_open(
    tmp_path: Path, example: str
) -> None:
    """A provisioned track (its room book, the provider's export) and a Jitsi track (its
    room book) write their folder in the state folder while the first open acts."""
    folder = tmp_path / example
    shutil.copytree(EXAMPLES / example, folder, ignore=shutil.ignore_patterns(".meetlink"))
    path, key = folder / "meeting.yaml", VaultKey.generate()
    first = open_meeting(path, vault_key=key)
    assert first.ok
    assert first.counts["invitation"]["create"] >= 80
    platforms = folder / ".meetlink" / "platforms"
    assert any(p.is_file() for p in platforms.rglob("*"))  # written by the acting run
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DesiredState, "now", _boom)
        patch.setattr(run_module, "load_meeting", _boom)
        fast = open_meeting(path, vault_key=key)
    full = open_meeting(path, vault_key=key, env=FULL_RUN)
    assert full.counts == {}
    assert fast == full
    assert _plain(fast) == _plain(full)
    book = next(p for p in sorted(platforms.rglob("*")) if p.is_file())
    book.write_bytes(book.read_bytes() + b"\n")  # the platform's own file edited by hand
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DesiredState, "now", _boom)
        with pytest.raises(AssertionError, match="worked something out"):
            open_meeting(path, vault_key=key)  # not the stamp's folder: the full run
