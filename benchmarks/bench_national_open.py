"""Benchmark: the first ``open`` of the national roster, four workers on one PostgreSQL ledger
against one (issue 17: goal ≥ 1.8× on a 2-core machine).

The roster is ``_national.national_roster`` (central hall → provinces → districts → communes
→ villages, one shared conference on the ``memory`` platform, invitations and hand-outs to
the outbox). A PostgreSQL server is started here as the tests start theirs
(:class:`meetlink.testing.postgres.LocalPostgres`); each run gets a fresh database.

The figures, each the wall time from starting the worker processes to the last one done
(every worker loads the meeting, plans it and opens it, as ``meetlink open`` does):

* **one worker**: one process opens everything on the PostgreSQL ledger;
* **four workers**: four processes open the same meeting at once on one fresh PostgreSQL
  ledger, sharing the effects a group of buckets at a time (:mod:`meetlink.reconcile.claims`;
  each effect done once: checked after the run);
* **one** ``open --workers 4``: one process loads, plans and works the meeting out, creates
  the conference, then forks four workers that share the rest on one fresh PostgreSQL ledger
  (:mod:`meetlink.reconcile.workers`; its CPU is the process's and its workers');
* **floor**: the same effects split in four by hand, without a shared ledger: four processes,
  each opening its own quarter of the provinces (with the central hall, so the hall's point
  is done four times) from its own folder on its own SQLite ledger. No claims, no waiting for
  each other: the best four processes can do on this machine;
* for comparison, **one worker on SQLite**: the whole meeting in one process, no server;
* **this machine's ceiling**, measured before the runs and after them
  (:func:`_machine.parallel_ceiling`): how many times the work of one process two processes
  that share nothing do at once. Divided by the cores the one-worker run kept busy (it and
  the server), it is the most any split of that run's work can gain here, whatever the code.

Under each run, the CPU time its worker processes used and how many cores that kept busy,
and the PostgreSQL server's own CPU in that time (its processes, read from ``/proc``).

The ``memory`` platform keeps its conferences in one process; here every worker process is
first handed the platform's conferences (the memory platform makes the same ids and links
for the same request, so this is the one platform every worker sees), and the conference is
recorded once in the ledger by whichever worker claims it.

Run: ``python benchmarks/bench_national_open.py [--points 31000] [--profile] [--threads 1]
[--no-floor]``
(``--points 2000`` runs in a minute or two). With ``MEETLINK_PROFILE_DUMP=/tmp/p`` and
``--profile``, every worker is profiled and its statistics written to ``/tmp/p.<pid>.prof``
(to compare what four workers do in all with what one does); with ``MEETLINK_PROFILE_CPU=1``
as well, the CPU time of each function instead of its wall time. The server's CPU is that of
this benchmark's own server (its postmaster and the processes it started) only.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import multiprocessing
import os
import pstats
import queue
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine_line, parallel_ceiling
from _national import national_roster

from meetlink.testing.postgres import LocalPostgres, missing_reason

WORKERS = 4
_STORE = "bench-national"
_DUMP = bool(os.environ.get("MEETLINK_PROFILE_DUMP"))  # every worker profiled, to files


def _write_meeting(folder: Path, points: int) -> Path:
    """The national meeting in ``folder``, its memory track on the named store."""
    _, meeting = national_roster(folder, points=points)
    text = meeting.read_text(encoding="utf-8")
    store = f"    platform: memory\n    settings: {{store: {_STORE}}}\n"
    text = text.replace("    platform: memory\n", store, 1)
    meeting.write_text(text, encoding="utf-8")
    return meeting


def _quarters(folder: Path, meeting: Path, parts: int) -> list[Path]:
    """The meeting split by hand into ``parts`` meetings, each with a share of the provinces
    (and the central hall), each in a folder of its own."""
    with (meeting.parent / "roster.csv").open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    header, units = rows[0], rows[1:]
    parent = {u[0]: u[3] for u in units}

    def province(unit_id: str) -> str:
        while parent.get(unit_id) not in ("", "TW", None):
            unit_id = parent[unit_id]
        return unit_id

    provinces = [u[0] for u in units if u[3] == "TW"]
    share = {p: n % parts for n, p in enumerate(provinces)}
    out = []
    for part in range(parts):
        target = folder / f"part{part}"
        target.mkdir(parents=True)
        chosen = [u for u in units if u[0] == "TW" or share.get(province(u[0])) == part]
        with (target / "roster.csv").open("w", encoding="utf-8", newline="") as file:
            csv.writer(file).writerows([header, *chosen])
        (target / "meeting.yaml").write_text(meeting.read_text(encoding="utf-8"), encoding="utf-8")
        out.append(target / "meeting.yaml")
    return out


def _hand_platform(meeting: Path) -> None:
    """Give this process the memory platform's conferences (as every worker sees them)."""
    from meetlink.adapters.memory import MemoryAdapter
    from meetlink.planning import plan_meeting
    from meetlink.reconcile.requests import conference_requests
    from meetlink.reconcile.setup import load_meeting

    loaded = load_meeting(meeting)
    plan = plan_meeting(loaded.meeting, loaded.roster)
    adapter = MemoryAdapter({"store": _STORE})
    for request in conference_requests(plan).values():
        adapter.create(request)


def _worker(
    meeting: str,
    state: str,
    key: str,
    start: Any,
    out: Any,
    profile: bool,
    threads: int,
    forks: int = 1,
) -> None:
    """One ``meetlink open`` process (with ``forks`` above 1: ``open --workers N``): wait
    for the others, open, report counts and the CPU it used (its workers' too)."""
    import os
    import resource

    from meetlink.reconcile import open_meeting

    os.environ["MEETLINK_VAULT_KEY"] = key
    _hand_platform(Path(meeting))
    start.wait(timeout=600)
    began, cpu = time.monotonic(), time.process_time() + _children_cpu(resource)
    # MEETLINK_PROFILE_CPU=1: each function's CPU time, not its wall time (a worker's waits
    # for the server and for the other workers left out).
    timer = time.process_time if os.environ.get("MEETLINK_PROFILE_CPU") else time.perf_counter
    profiler = cProfile.Profile(timer) if profile else None
    if profiler is not None:
        profiler.enable()
    result = open_meeting(meeting, state_dir=state, concurrency=threads, workers=forks)
    if profiler is not None:
        profiler.disable()
        dump = os.environ.get("MEETLINK_PROFILE_DUMP")
        if dump:
            profiler.dump_stats(f"{dump}.{os.getpid()}.prof")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
        print(text.getvalue(), file=sys.stderr)
    ended, cpu = time.monotonic(), time.process_time() + _children_cpu(resource) - cpu
    out.put((began, ended, result.ok, result.counts, len(result.failures), cpu))


def _children_cpu(resource: Any) -> float:
    """CPU seconds of this process's ended children (the workers ``open`` forked)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(used.ru_utime + used.ru_stime)


def _run(
    meetings: list[Path],
    states: list[str],
    key: str,
    profile: bool = False,
    threads: int = 8,
    forks: int = 1,
) -> tuple[float, list[Any], float]:
    """Start one worker per meeting (and state), all at once; the wall time, their reports,
    and the cores the run kept busy (its processes' CPU and the server's, over the wall
    time). Each run starts with the disk quiet (:func:`_settle_disk`)."""
    _settle_disk()
    spawn = multiprocessing.get_context("spawn")
    start, out = spawn.Barrier(len(meetings)), spawn.Queue()
    workers = [
        spawn.Process(
            target=_worker,
            args=(str(m), s, key, start, out, profile and (n == 0 or _DUMP), threads, forks),
        )
        for n, (m, s) in enumerate(zip(meetings, states, strict=True))
    ]
    server_before = _server_cpu()
    for worker in workers:
        worker.start()
    reports: list[Any] = []
    while len(reports) < len(workers):
        try:
            reports.append(out.get(timeout=5))
        except queue.Empty:
            dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            if dead:
                for worker in workers:
                    worker.kill()
                raise SystemExit(f"a worker stopped with exit code {dead[0]}") from None
    for worker in workers:
        worker.join()
    wall = max(r[1] for r in reports) - min(r[0] for r in reports)
    cpu = sum(r[5] for r in reports)
    server = _server_cpu() - server_before
    print(
        f"  ({max(len(workers), forks)} worker(s): {cpu:.1f} s of CPU in {wall:.1f} s, "
        f"{cpu / wall:.2f} cores;"
        f" PostgreSQL server {server:.1f} s of CPU)"
    )
    return wall, reports, (cpu + server) / wall


_POSTMASTER: list[str] = []  # the pid of this benchmark's server, once started
_CHECKPOINT: list[str] = []  # a database of that server, to ask it for a checkpoint


def _settle_disk() -> None:
    """Before a run: the files of the runs before it written to the disk (``sync``), and the
    server's pages of their databases too (``CHECKPOINT``), so no run pays for the writing
    an earlier one left behind (the server writes its dirty pages in the background, and
    with four runs on one server the later ones paid for the earlier ones')."""
    os.sync()
    if _CHECKPOINT:
        import psycopg

        with psycopg.connect(_CHECKPOINT[0], autocommit=True) as db:
            db.execute("CHECKPOINT")
    time.sleep(1.0)


def _postmaster(server: LocalPostgres) -> str:
    """The pid of ``server``'s postmaster (the first line of its ``postmaster.pid``)."""
    found = list(Path(server._folder).rglob("postmaster.pid"))
    return found[0].read_text().split()[0] if found else ""


def _server_cpu() -> float:
    """CPU seconds used so far by this benchmark's PostgreSQL server: its postmaster and
    the processes it started (with their ended children: a backend's time goes to the
    postmaster when its session ends); other servers on the machine are not counted."""
    if not _POSTMASTER:
        return 0.0
    ticks = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if pid == _POSTMASTER[0] or fields[1] == _POSTMASTER[0]:  # fields[1]: the parent
            ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _effects(url: str) -> dict[str, int]:
    """Effects done in the ledger, by kind (each exactly once: one row per key)."""
    import psycopg

    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT kind, count(*) FROM effects WHERE state = 'done' GROUP BY kind"
        ).fetchall()
    return dict(rows)


def _created(reports: list[Any]) -> dict[str, int]:
    """The creates the workers counted, by kind, added up."""
    total: dict[str, int] = {}
    for report in reports:
        for kind, ops in report[3].items():
            total[kind] = total.get(kind, 0) + ops.get("create", 0)
    return total


def _check(reports: list[Any], who: str) -> None:
    """Stop when a run reported failures (a benchmark of a failing run means nothing)."""
    failed = [r for r in reports if not r[2]]
    if failed:
        raise SystemExit(f"{who} failed: {failed[0][4]} effects failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=31000)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the one-worker run and the first of four (to standard error)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="each worker's calls at once (8, as meetlink open; 1 to profile every call, "
        "which cProfile sees only on the main thread)",
    )
    parser.add_argument(
        "--no-floor",
        action="store_true",
        help="only the PostgreSQL runs (one worker, four): the speed-up, sooner",
    )
    args = parser.parse_args()
    reason = missing_reason()
    if reason is not None:
        sys.exit(f"cannot run: {reason}")
    from meetlink.credentials.vault import VaultKey

    print(machine_line())
    print(f"national roster, {args.points} bridge points, memory platform, outbox")
    key = VaultKey.generate().reveal_text()
    ceilings = [parallel_ceiling()]
    with LocalPostgres() as server, tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        one_url, many_url = server.new_database(), server.new_database()
        _POSTMASTER.append(_postmaster(server))
        _CHECKPOINT.append(one_url)
        meeting = _write_meeting(root / "one", args.points)
        one, reports, one_busy = _run([meeting], [one_url], key, args.profile, args.threads)
        _check(reports, "the one-worker run")
        done = _effects(one_url)
        many_meeting = _write_meeting(root / "many", args.points)
        many, reports, _ = _run(
            [many_meeting] * WORKERS, [many_url] * WORKERS, key, args.profile, args.threads
        )
        _check(reports, "a worker of four")
        if _effects(many_url) != done:
            raise SystemExit("four workers did not do the same effects as one")
        created = _created(reports)
        shares = [sum(ops.get("create", 0) for ops in r[3].values()) for r in reports]
        twice = {k: n - done.get(k, 0) for k, n in created.items() if n != done.get(k, 0)}
        forked_url = server.new_database()
        forked_meeting = _write_meeting(root / "forked", args.points)
        forked, reports, _ = _run(
            [forked_meeting], [forked_url], key, args.profile, args.threads, forks=WORKERS
        )
        _check(reports, f"open --workers {WORKERS}")
        ceilings.append(parallel_ceiling())
        if _effects(forked_url) != done:
            raise SystemExit(f"open --workers {WORKERS} did not do the same effects as one")
        created = _created(reports)
        twice_forked = {k: n - done.get(k, 0) for k, n in created.items() if n != done.get(k, 0)}
        floor = sqlite = 0.0
        if not args.no_floor:
            split = _write_meeting(root / "split", args.points)
            quarters = _quarters(root / "floor", split, WORKERS)
            floor_states = [str(q.parent / ".meetlink") for q in quarters]
            floor, reports, _ = _run(quarters, floor_states, key, threads=args.threads)
            _check(reports, "a floor worker")
            alone = _write_meeting(root / "sqlite", args.points)
            sqlite, reports, _ = _run(
                [alone], [str(alone.parent / ".meetlink")], key, threads=args.threads
            )
            _check(reports, "the one-worker SQLite run")
    effects = sum(done.values())
    print(f"effects: {effects} ({', '.join(f'{k} {n}' for k, n in sorted(done.items()))})")
    print(f"one worker, PostgreSQL ledger:    {one:8.2f} s")
    print(
        f"{WORKERS} workers, PostgreSQL ledger:  {many:8.2f} s   speed-up {one / many:.2f}x "
        f"(goal >= 1.8x); effects done twice: {twice or 'none'}; each worker's share "
        f"{'/'.join(str(n) for n in sorted(shares, reverse=True))}"
    )
    print(
        f"one open --workers {WORKERS}, PostgreSQL: {forked:6.2f} s   speed-up "
        f"{one / forked:.2f}x (goal >= 1.8x); effects done twice: {twice_forked or 'none'}"
    )
    low, high = min(ceilings), max(ceilings)
    print(
        f"this machine's ceiling now: two processes that share nothing do {low:.2f}x to "
        f"{high:.2f}x the work of one; the one-worker run kept {one_busy:.2f} cores busy "
        f"(with the server), so no split of its work can be faster than "
        f"{low / one_busy:.2f}x to {high / one_busy:.2f}x here"
    )
    if args.no_floor:
        return
    print(
        f"floor, split in {WORKERS} by hand, SQLite: {floor:6.2f} s   "
        f"ratio four workers / floor {many / floor:.2f}; best speed-up here {one / floor:.2f}x"
    )
    print(f"one worker, SQLite ledger:        {sqlite:8.2f} s")


if __name__ == "__main__":
    main()
