"""``meetlink open --workers N``: one run's effects shared by N processes of this machine.

On a shared PostgreSQL ledger several ``meetlink open`` processes can share one meeting
(:mod:`meetlink.reconcile.claims`), each loading the meeting, planning it and working out
its desired state for itself. With ``--workers N`` one run does that once, creates the
conferences, then forks N workers that inherit what it worked out (and the platforms'
conferences: the ``memory`` platform's too) and share the rest of the phases, a claimed
group of buckets at a time. They start evenly apart in each phase's list and tell each other
the buckets they finished (:mod:`meetlink.reconcile.siblings`), so none reads again what
another has done. Each worker opens its own connections to the server, and its own to a
platform that calls out; each platform's rate is shared between them.

The run waits for its workers and adds up what they did. A worker that stopped without
saying how it ended (killed) leaves its claims to the others, who wait for them and take
them over; the run then goes over the phases once more itself, as the next ``open`` would,
so it ends with every effect done once. An error a worker stopped on is raised by the run.

Only on a shared ledger: a state folder's SQLite ledger has one writer.

Example:
    >>> from meetlink.reconcile.workers import fork_workers
    >>> [end.result for end in fork_workers(2, lambda n: {"n": n})]  # doctest: +SKIP
    [{'n': 0}, {'n': 1}]
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from meetlink.errors import (
    CredentialError,
    DeliveryError,
    LedgerBusy,
    LedgerError,
    TamperedCredential,
    VaultKeyError,
)
from meetlink.reconcile.claims import ClaimBook, LeftBehind
from meetlink.reconcile.collector import paused_collection
from meetlink.reconcile.conferences import run_conferences
from meetlink.reconcile.context import Failure, OpenResult
from meetlink.reconcile.opening import (
    Opening,
    Options,
    run_to_end,
)
from meetlink.reconcile.setup import Silent, make_adapters
from meetlink.reconcile.siblings import SiblingMarks

__all__ = ["WorkerEnd", "fork_workers", "open_by_workers"]

_RAISED: dict[str, type[Exception]] = {
    cls.__name__: cls
    for cls in (
        LedgerBusy,
        LedgerError,
        VaultKeyError,
        TamperedCredential,
        CredentialError,
        DeliveryError,
    )
}
"""The errors a worker stops on that the run raises as they are (others: RuntimeError)."""


@dataclass(frozen=True)
class WorkerEnd:
    """How one worker ended: its result (a JSON value), the error it stopped on (its class
    name and sentence), or neither (it was killed: ``status`` says how)."""

    result: Any = None
    error: tuple[str, str] | None = None
    status: int = 0

    @property
    def stopped(self) -> bool:
        """Whether the worker ended without saying how (killed, or its process failed)."""
        return self.result is None and self.error is None


def fork_workers(workers: int, body: Callable[[int], Any]) -> list[WorkerEnd]:
    """Fork ``workers`` processes, each running ``body(index)``; wait for them all and return
    how each ended, in order. ``body`` returns a JSON value; an exception it raises is told as
    its class name and sentence (never a traceback: a sentence says no secret). Call it with
    no thread running but the caller's (a fork copies only the calling thread)."""
    children: list[tuple[int, int]] = []
    for index in range(workers):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            os.close(read)
            _child(index, body, write)
        os.close(write)
        children.append((pid, read))
    ends = []
    try:
        for pid, read in children:
            with os.fdopen(read, "rb") as pipe:
                said = pipe.read()
            _, status = os.waitpid(pid, 0)
            ends.append(_ended(said, os.waitstatus_to_exitcode(status)))
    except BaseException:  # stopped here (Ctrl-C): the workers stop too, and are waited for
        _stop(pid for pid, _ in children[len(ends) :])
        raise
    return ends


def _stop(pids: Iterable[int]) -> None:
    """Interrupt these workers (each ends its chunk's work as a Ctrl-C would) and reap them."""
    waiting = list(pids)
    for pid in waiting:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
    for pid in waiting:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _child(index: int, body: Callable[[int], Any], write: int) -> None:  # pragma: no cover
    """A worker: run ``body``, say how it ended on ``write``, leave without the parent's
    exit handlers (its files, its connections are the parent's to close)."""
    try:
        said: dict[str, Any] = {"result": body(index)}
    except BaseException as exc:  # every end is told to the parent
        said = {"error": [type(exc).__name__, str(exc)]}
    try:
        with os.fdopen(write, "wb") as pipe:
            pipe.write(json.dumps(said).encode("utf-8"))
    finally:
        os._exit(0)


def _ended(said: bytes, status: int) -> WorkerEnd:
    try:
        told = json.loads(said) if said else {}
    except ValueError:  # cut off midway: killed while saying it
        told = {}
    if "error" in told:
        name, message = told["error"]
        return WorkerEnd(error=(str(name), str(message)), status=status)
    return WorkerEnd(result=told.get("result"), status=status)


def open_by_workers(
    workers: int,
    opening: Opening,
    options: Options,
    cancelled: Iterable[str],
    http: object,
    wait_for_lock: float,
) -> OpenResult:
    """The run of ``open_meeting(..., workers=N)`` on a shared ledger (see the module): the
    sittings in ``cancelled`` marked cancelled first; ``http`` handed to a worker's own
    adapters."""
    loaded, plan, adapters = opening.loaded, opening.plan, opening.adapters
    with opening.session(options, wait=wait_for_lock, cancelled=cancelled) as first:
        try:
            run_conferences(first)  # once, here: every worker inherits the platform's
        except LeftBehind:
            pass  # a stopped run's conference: the workers' phases start with them
        finally:
            first.mail.close()
    desired = first.desired
    desired.work_out()
    marks = SiblingMarks()

    def worker(index: int) -> dict[str, Any]:  # pragma: no cover - runs in a child
        if any(adapter.calls_out for adapter in adapters.values()):  # its own connections
            state, environ = opening.where.folder, opening.environ
            fresh = make_adapters(loaded, plan, state, environ=environ, http=http)
            adapters.update({t: a for t, a in fresh.items() if adapters[t].calls_out})
        shown = options.progress if index == 0 else Silent()
        with (
            paused_collection(),
            opening.session(
                options.for_worker(workers, shown),
                wait=30.0,
                desired=desired,
                claims=ClaimBook(start=index / workers),
                siblings=marks,
            ) as ctx,
        ):
            run_to_end(ctx)
        return _told(ctx.result)

    ends = fork_workers(workers, worker)
    result = first.result
    left = False  # a worker killed, or one that found another's work left thrice
    for end in ends:
        if end.error is not None and end.error[0] != LeftBehind.__name__:
            name, message = end.error
            raise _RAISED.get(name, RuntimeError)(message)
        left = left or end.result is None
        if end.result is not None:
            _add(result, end.result)
    if left:  # finish here what it left, as the next ``open`` would
        with opening.session(options, wait=wait_for_lock, desired=desired) as last:
            run_to_end(last)
        _add(result, _told(last.result))
    return result


def _told(result: OpenResult) -> dict[str, Any]:
    """What a worker tells of its run: counts, failures (sentences), conferences left."""
    return {
        "counts": result.counts,
        "failures": [[f.key, f.what, f.error] for f in result.failures],
        "left_to_host": result.left_to_host,
    }


def _add(result: OpenResult, told: Mapping[str, Any]) -> None:
    """A worker's counts and failures added to the run's."""
    for what, ops in told["counts"].items():
        per = result.counts.setdefault(what, {})
        for op, n in ops.items():
            per[op] = per.get(op, 0) + int(n)
    result.failures.extend(Failure(k, w, e) for k, w, e in told["failures"])
    result.left_to_host = max(result.left_to_host, int(told["left_to_host"]))
