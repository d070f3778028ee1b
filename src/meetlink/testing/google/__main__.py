"""``python -m meetlink.testing.google --port N [--latency MS]``: the emulator in the foreground."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ._emulator import GoogleEmulator


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m meetlink.testing.google",
        description="Run meetlink's Google Calendar v3 + Meet v2 emulator until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8085, help="port; 0 picks a free one")
    parser.add_argument("--latency", type=float, default=0.0, help="milliseconds per request")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if args.latency < 0:
        parser.error("--latency must not be negative")
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(message)s")

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        emulator = GoogleEmulator(host=args.host, port=args.port, latency=args.latency / 1000)
        emulator.start()
    except OSError as error:
        print(f"Cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    print(f"Google emulator listening on {emulator.host}", flush=True)
    print(f"Point meetlink at it: export MEETLINK_GOOGLE_EMULATOR_HOST={emulator.host}")
    print("Stop it with Ctrl-C.", flush=True)
    try:
        stop.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
