"""Benchmark: 1,002 restricted Google conferences against the emulator with quotas on (issue 15).

The emulator enforces Google's per-user and per-project rate quotas per call (a batch's calls
each count) with a scaled minute (``--scale 60``: a minute lasts a second). meetlink paces
its calls within the same quotas; the benchmark prints the time taken, the time the quotas
allow (the floor: each family's calls at its per-user rate, one stage after the other), and
the share of calls answered 429, for one organizer account and then for ``--organizers``
accounts sharing the conferences (each with its own per-user quota). ``--no-pacing`` shows
the runs without the pacer.

Run: ``python benchmarks/bench_google_quotas.py [--conferences 1002] [--scale 60]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine_line

from meetlink.adapters.google import GoogleAdapter
from meetlink.testing.conformance import sample_request
from meetlink.testing.google import GoogleEmulator

SCOPES = [
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/meetings.space.settings",
]


def run(emu: GoogleEmulator, n: int, scale: float, tokens: list[Path], pacing: bool) -> float:
    """Open ``n`` restricted conferences shared among the accounts of ``tokens``."""
    emu.reset()
    settings: dict[str, object] = {"retry_base_delay": 0.05, "token_file": str(tokens[0])}
    settings["organizers"] = [str(t) for t in tokens[1:]]
    if pacing:
        settings["quota_time_scale"] = scale
    with GoogleAdapter(settings, env={"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}) as adapter:
        started = time.monotonic()
        results = adapter.create_many([sample_request() for _ in range(n)])
        elapsed = time.monotonic() - started
    failed = sum(isinstance(r, Exception) for r in results)
    calls, refused = emu.api_calls_count, emu.rate_limited_count
    floor = 60.0 / scale * (n / 600 + n / 600 + n / 100) / len(tokens)
    print(
        f"{len(tokens)} organizer account(s): {elapsed:.2f} s; quota floor {floor:.2f} s "
        f"(ratio {elapsed / floor:.2f}); calls {calls}, answered 429: {refused} "
        f"({100 * refused / max(calls, 1):.2f} %); failed conferences: {failed}"
    )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conferences", type=int, default=1002)
    parser.add_argument("--scale", type=float, default=60.0)
    parser.add_argument("--organizers", type=int, default=3)
    parser.add_argument("--no-pacing", action="store_true")
    args = parser.parse_args()
    print(machine_line())
    print(f"{args.conferences} restricted conferences, a minute scaled x{args.scale:g}")
    with GoogleEmulator() as emu, tempfile.TemporaryDirectory() as folder:
        emu.enforce_quotas(time_scale=args.scale)
        tokens = [
            emu.token_file(Path(folder) / f"t{n}.json", SCOPES, user=f"vp{n}@huyenuy.example")
            for n in range(max(1, args.organizers))
        ]
        one = run(emu, args.conferences, args.scale, tokens[:1], not args.no_pacing)
        if len(tokens) > 1:
            many = run(emu, args.conferences, args.scale, tokens, not args.no_pacing)
            print(f"speed-up with {len(tokens)} accounts: {one / many:.2f}x")


if __name__ == "__main__":
    main()
