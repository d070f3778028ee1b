"""The machine and date line every benchmark prints beside its figures, and what the machine
can do in parallel at the time (:func:`parallel_ceiling`)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import platform
import time


def machine_line() -> str:
    """``date · CPU · cores · Python`` for the README's figures table."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{dt.date.today().isoformat()} · {cpu} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {platform.system()} {platform.release()}"
    )


def _busy(rounds: int) -> float:
    """Interpreter work that shares nothing (a dict of strings and integers larger than the
    processor's caches, as a run's objects are): its wall seconds."""
    began = time.monotonic()
    for _ in range(rounds):
        table: dict[str, int] = {}
        for i in range(200_000):
            table[str(i)] = i * i
        sum(table.values())
    return time.monotonic() - began


def parallel_ceiling(processes: int = 2, rounds: int = 20, trials: int = 3) -> float:
    """How many times the work of one process ``processes`` processes that share nothing do
    in the same wall time on this machine, measured now: the most a speed-up of any split
    of CPU-bound work can reach here, whatever the code. On a machine with two cores of its
    own it is near 2; where the cores are shared with the host's other guests it is lower,
    and it changes from minute to minute, so a benchmark measures it beside its figures.
    Each of ``trials`` times one process alone, then all at once; the quickest of each is
    kept (a trial another program disturbed is slower, never quicker)."""
    spawn = multiprocessing.get_context("spawn")
    alone, together = [], []
    with spawn.Pool(processes) as pool:
        pool.map(_busy, [1] * processes)  # the processes started and warm
        for _ in range(trials):
            alone.append(pool.apply(_busy, (rounds,)))
            together.append(max(pool.map(_busy, [rounds] * processes)))
    return processes * min(alone) / min(together)
