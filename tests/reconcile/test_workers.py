"""The pieces of ``open --workers N`` that need no server: forking the workers and hearing
how each ended, the buckets they mark finished for each other, their share of a platform's
rate, and ``--workers`` refused where it cannot share anything."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from meetlink.cli import main
from meetlink.errors import LedgerError
from meetlink.reconcile.claims import ClaimBook, bucket_of
from meetlink.reconcile.keys import EffectKey
from meetlink.reconcile.opening import Options
from meetlink.reconcile.setup import Silent
from meetlink.reconcile.siblings import SiblingMarks
from meetlink.reconcile.workers import WorkerEnd, fork_workers

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")


def test_each_worker_says_how_it_ended_in_order() -> None:
    def body(index: int) -> Any:
        if index == 1:
            raise LedgerError("the disk is full: free some disk space, then run again.")
        if index == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return {"index": index, "pid": os.getpid()}

    ends = fork_workers(4, body)
    assert [end.result["index"] if end.result else None for end in ends] == [0, None, None, 3]
    assert ends[0].result["pid"] != os.getpid()  # it ran in a process of its own
    assert ends[1].error == (
        "LedgerError",
        "the disk is full: free some disk space, then run again.",
    )
    assert not ends[1].stopped
    assert ends[2] == WorkerEnd(status=-signal.SIGKILL)
    assert ends[2].stopped


def test_a_bucket_one_worker_marks_is_finished_for_the_others() -> None:
    marks = SiblingMarks()
    invitation = bucket_of(EffectKey.invitation("main", "s1", "P1"))
    handout = bucket_of(EffectKey.parse("handout:main/s1/P1"))

    def body(index: int) -> Any:
        if index == 0:
            marks.mark([invitation])
        return index

    fork_workers(1, body)
    assert marks.done(invitation)  # marked in the child, seen here: one shared memory
    assert not marks.done(handout)  # the same point, another kind: its own bucket
    assert "1 buckets finished" in repr(marks)


def test_workers_start_evenly_apart_and_share_a_platform_s_rate() -> None:
    from meetlink.reconcile.diff import Action, Op

    actions = [Action(Op.CREATE, EffectKey.invitation("main", "s1", f"P{n}")) for n in range(40)]
    firsts = {next(iter(ClaimBook(start=i / 4).buckets(actions))) for i in range(4)}
    assert len(firsts) == 4  # four workers, four places to start from
    shared = Options(8, {"google": 10.0, "provider": 2.0}, Silent(), None, None).for_worker(
        4, Silent()
    )
    assert shared.rate_limits == {"google": 2.5, "provider": 0.5}
    assert shared.concurrency == 8


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("2", "--workers 2 shares the meeting's effects through a shared ledger"),
        ("0", "--workers 0: give 1 to 64 worker processes"),
        ("65", "--workers 65: give 1 to 64 worker processes"),
    ],
)
def test_workers_are_refused_where_they_cannot_share(
    given: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A state folder's SQLite ledger has one writer: exit 2, nothing done."""
    example = Path(__file__).parents[2] / "examples" / "myhao-2023q3" / "meeting.yaml"
    code = main(["open", str(example), "--state", str(tmp_path / "state"), "--workers", given])
    err = capsys.readouterr().err
    assert code == 2
    assert said in err
    assert not (tmp_path / "state" / "ledger.sqlite3").exists()


def test_a_run_stopped_while_it_waits_stops_its_workers_too(tmp_path: Path) -> None:
    """Ctrl-C reaches the run while its workers work: they are interrupted and reaped (none
    left running on its own, none left a zombie), and the run stops with KeyboardInterrupt."""
    import time

    def body(index: int) -> Any:
        (tmp_path / f"{index}.pid").write_text(str(os.getpid()))
        time.sleep(60)
        return index

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            fork_workers(3, body)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
    assert time.monotonic() - started < 30
    pids = [int(p.read_text()) for p in sorted(tmp_path.glob("*.pid"))]
    assert len(pids) == 3
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # ended and reaped


def test_ctrl_c_is_a_sentence_and_exit_code_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import meetlink.cli as cli

    def interrupted(argv: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_main", interrupted)
    assert main(["open", "meeting.yaml"]) == 130
    err = capsys.readouterr().err
    assert "stopped (Ctrl-C). Run the same command again to finish" in err
    assert "Traceback" not in err
