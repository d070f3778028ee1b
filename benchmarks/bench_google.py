"""Benchmark: open 1,002 Google Meet conferences against the emulator (issue 3, item 4).

A per_point track of 334 branches × 3 monthly sittings is 1,002 conferences. Each is sent
through the real stack (googleapiclient → httplib2 → a socket → the Google emulator), with
``--latency`` seconds (default 30 ms) added to every HTTP request, three ways:

* meetlink's ``create_many`` as configured by default: batched inserts, then Meet access
  set to RESTRICTED (``spaces.get`` + ``spaces.patch``, batched too);
* meetlink's ``create_many`` with ``access_type: null`` (events only, like the loop);
* a plain loop of ``events.insert``, one HTTP request per event, the way gcsa does it.

Run: ``python benchmarks/bench_google.py [--branches 334] [--sittings 3] [--latency 0.03]``.

The emulator (stdlib ``http.server``) writes headers and body in two ``send()`` calls, so
Nagle's algorithm and the client's delayed ACK add ~40 ms to every answer on Linux. That is
not Google's behaviour, so the benchmark turns Nagle off on the emulator's sockets
(``--keep-nagle`` to measure it as it is).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import httplib2
from _machine import machine_line
from google.auth.credentials import AnonymousCredentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build

from meetlink.adapters.google import GoogleAdapter
from meetlink.adapters.google import calendar as cal
from meetlink.adapters.models import Attendee, ConferenceRequest, PointRef
from meetlink.testing.google import GoogleEmulator
from meetlink.testing.google import _server as emulator_server

ZONE = dt.timezone(dt.timedelta(hours=7))


def branch_requests(branches: int, sittings: int) -> list[ConferenceRequest]:
    """One conference per branch per monthly sitting (a per_point track)."""
    requests = []
    for month in range(sittings):
        start = dt.datetime(2024, 10 + month, 5, 8, 0, tzinfo=ZONE)
        for n in range(1, branches + 1):
            unit = f"CB{n:03d}"
            requests.append(
                ConferenceRequest(
                    key=f"branches/m{month + 1}/{unit}",
                    meeting_id="myhao-2024q4",
                    track="branches",
                    sitting=f"m{month + 1}",
                    title=f"Sinh hoạt chi bộ tháng {10 + month} — Chi bộ {n}",
                    description="Chương trình sinh hoạt chi bộ định kỳ.",
                    start=start,
                    end=start + dt.timedelta(hours=2),
                    location=f"Nhà văn hóa {n}",
                    organizer_email="vanphong@thiuy.example",
                    attendees=(Attendee(email=f"bithu.{unit.lower()}@thiuy.example"),),
                    bridge_points=(PointRef(id=unit, name=f"Chi bộ {n}", host_unit=unit),),
                )
            )
    return requests


def run_meetlink(emu: GoogleEmulator, requests: list[ConferenceRequest], **settings: Any) -> float:
    env = {"MEETLINK_GOOGLE_EMULATOR_HOST": emu.host}
    with GoogleAdapter(settings, env=env) as adapter:
        started = time.perf_counter()
        results = adapter.create_many(requests)
        elapsed = time.perf_counter() - started
    failed = [r for r in results if isinstance(r, Exception)]
    if failed:
        raise SystemExit(f"{len(failed)} conferences failed, the first: {failed[0]}")
    return elapsed


def run_loop(emu: GoogleEmulator, requests: list[ConferenceRequest]) -> float:
    """gcsa's way: one events.insert per event, server-chosen id, a random requestId.

    gcsa builds ``service.events()`` anew for every call (~10 ms of CPU each); the loop
    builds it once, so the comparison is with the best a plain loop can do.
    """
    http = AuthorizedHttp(AnonymousCredentials(), http=httplib2.Http(timeout=60))
    calendar = build(
        "calendar",
        "v3",
        http=http,
        static_discovery=True,
        client_options={"api_endpoint": f"{emu.url.rstrip('/')}/calendar/v3/"},
    )
    events = calendar.events()
    started = time.perf_counter()
    for request in requests:
        body = cal.event_fields(request) | {
            "conferenceData": {
                "createRequest": {
                    "requestId": uuid.uuid4().hex,
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                }
            }
        }
        events.insert(
            calendarId="primary", body=body, conferenceDataVersion=1, sendUpdates="none"
        ).execute()
    elapsed = time.perf_counter() - started
    http.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--branches", type=int, default=334)
    parser.add_argument("--sittings", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.030)
    parser.add_argument("--keep-nagle", action="store_true")
    args = parser.parse_args()
    if not args.keep_nagle:
        emulator_server._Handler.disable_nagle_algorithm = True
    requests = branch_requests(args.branches, args.sittings)
    rows = []
    with GoogleEmulator(latency=args.latency) as emu:
        for label, action in (
            ("meetlink create_many, access RESTRICTED", lambda: run_meetlink(emu, requests)),
            (
                "meetlink create_many, events only",
                lambda: run_meetlink(emu, requests, access_type=None),
            ),
            ("plain loop of events.insert (gcsa)", lambda: run_loop(emu, requests)),
        ):
            emu.reset()
            seconds = action()
            rows.append((label, seconds, emu.http_requests_count, emu.api_calls_count))
            if len(emu.events()) != len(requests):
                raise SystemExit(f"{label}: {len(emu.events())} events, not {len(requests)}")
    print(
        f"google adapter: {len(requests):,} conferences ({args.branches} branches × "
        f"{args.sittings} monthly sittings, per_point track), emulator latency "
        f"{args.latency * 1000:.0f} ms per HTTP request"
        + (" (Nagle left on)" if args.keep_nagle else "")
    )
    # The floor: the same HTTP requests, each waiting out the emulator's latency once, one
    # after another (meetlink's batches go one at a time, so nothing is lower than this).
    head = f"{'wall time':>10} {'floor':>8} {'ratio':>6} {'HTTP requests':>14} {'API calls':>10}"
    print(f"{'':42} {head}")
    for label, seconds, http_requests, api_calls in rows:
        floor = http_requests * args.latency
        print(
            f"{label:42} {seconds:>8.2f} s {floor:>6.2f} s {seconds / floor:>6.2f} "
            f"{http_requests:>14,} {api_calls:>10,}"
        )
    loop = rows[2]
    for label, seconds, http_requests, _ in rows[:2]:
        print(
            f"loop ÷ {label.removeprefix('meetlink create_many, ')}: "
            f"{loop[2] / http_requests:.1f}× fewer HTTP requests, "
            f"{loop[1] / seconds:.1f}× less wall time"
        )
    print(machine_line())


if __name__ == "__main__":
    main()
